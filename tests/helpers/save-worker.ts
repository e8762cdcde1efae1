// Runs inside a worker_thread for the terminate-mid-save test: saves a large checkpoint
// over and over (async, or sync with workerData.sync), so that the parent can terminate
// the worker while a temporary file is being written.
import { parentPort, workerData } from 'node:worker_threads';
import * as torch from '../../src/index.js';

const { file, numel, sync } = workerData as { file: string; numel: number; sync: boolean };
const big = torch.rand(numel);
parentPort!.postMessage('saving');
for (;;) {
  if (sync) torch.saveSync({ big }, file);
  else await torch.save({ big }, file);
}
