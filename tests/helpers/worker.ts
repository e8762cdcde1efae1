// Runs inside a worker_thread: loads its own flint instance and works there.
import { parentPort, workerData } from 'node:worker_threads';
import * as torch from '../../src/index.js';

const { seed, spin } = workerData as { seed: number; spin: boolean };
torch.manualSeed(seed);
const x = torch.rand(3);
const a = torch.rand(128, 128);
const product = a.matmul(a.t()).sum(1).mean().item();
parentPort!.postMessage({ values: Array.from(x.dataSync() as Float32Array), product, threads: torch.getNumThreads() });
if (spin) {
  // Keep allocating until the parent terminates this worker mid-work.
  for (;;) torch.tidy(() => torch.rand(256, 256).matmul(torch.rand(256, 256)).sum());
}
