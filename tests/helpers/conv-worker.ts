// Runs inside a worker_thread (through conv-worker-entry.mjs): convolves on its own flint
// instance, so that oneDNN's per-backend engine, plans and workspace are exercised from
// several threads at once.
import { parentPort, workerData } from 'node:worker_threads';
import * as torch from '../../src/index.js';

const { seed, rounds } = workerData as { seed: number; rounds: number };
torch.manualSeed(seed);
const x = torch.randn(2, 8, 20, 20, { requiresGrad: true });
const w = torch.randn(16, 8, 3, 3, { requiresGrad: true });
let out: number[] = [];
for (let i = 0; i < rounds; i++) {
  x.grad = null;
  w.grad = null;
  const y = torch.nn.functional.conv2d(x, w, null, { padding: 1, stride: 2 });
  y.square().sum().backward();
  out = [y.sum().item() as number, x.grad!.abs().sum().item() as number, w.grad!.abs().sum().item() as number];
}
parentPort!.postMessage({ values: out, onednn: torch.backends.mkldnn.isAvailable() });
