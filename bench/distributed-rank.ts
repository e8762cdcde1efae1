// flint's side of bench/distributed.ts, one rank (bench/distributed_torch.py is PyTorch's,
// line for line): all-reduce bus bandwidth, the mlp_train step under DDP, and how much of
// the gradient all-reduce the backward hides. Rank 0 prints one JSON line per result.
import { performance } from 'node:perf_hooks';

import * as torch from 'flint-torch';
import { median } from './timing.js';

const { nn } = torch;
const F = nn.functional;
const dist = torch.distributed;

// timeit's rule, with every calibration step agreed between ranks: each call is
// collective, so the ranks must make the same number of calls (the slowest rank decides).
// 50 warm-up calls instead of 3, on both sides: V8 is still compiling the training step's
// code after 3 (the first hundred DDP steps run about 1.5x slower than the rest), and a
// training job runs long past that.
function timeit(fn: () => void, minTime = 0.5, repeats = 7): number {
  for (let i = 0; i < 50; i++) fn();
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    const dt = torch.tensor([(performance.now() - t0) / 1000], { dtype: torch.float64 });
    dist.allReduce(dt, { op: dist.ReduceOp.MAX }).wait();
    if ((dt.item() as number) > minTime / repeats || n >= 1 << 20) break;
    n *= 2;
  }
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    dist.barrier().wait();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    samples.push((performance.now() - t0) / 1000 / n);
  }
  return median(samples);
}

const mlp = (): torch.nn.Module =>
  new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 10));

await dist.initProcessGroup({ backend: 'gloo' });
const rank = dist.getRank();
const world = dist.getWorldSize();
const emit = (workload: string, size: string, t: number, unit: string, value: number): void => {
  if (rank === 0) {
    console.log(JSON.stringify({ impl: 'flint', version: '0.1.0', device: 'cpu', workload, size, median_s: t, unit, value }));
  }
};

for (const mib of [1, 16, 64]) {
  const x = torch.ones((mib * 1024 * 1024) / 4);
  const t = timeit(() => void dist.allReduce(x).wait());
  emit('allreduce', `${mib}MiB`, t, 'GB/s', (((2 * (world - 1)) / world) * x.numel() * 4) / t / 1e9);
  x.dispose();
}

torch.manualSeed(0);
const B = 128;
const x = torch.rand(B, 784);
const y = torch.randint(0, 10, [B]);
const ddp = new nn.parallel.DistributedDataParallel(mlp());
const opt = new torch.optim.SGD(ddp.parameters(), { lr: 0.1 });
const t = timeit(() => {
  opt.zeroGrad();
  F.crossEntropy(ddp(x), y).backward();
  opt.step();
});
emit('ddp_mlp_train', `B=${B}x${world}`, t, 'samples/s', (B * world) / t);

const local = mlp();
const alone = timeit(() => {
  local.zeroGrad();
  F.crossEntropy(local(x), y).backward();
});
const withComm = timeit(() => {
  ddp.zeroGrad();
  F.crossEntropy(ddp(x), y).backward();
});
emit('ddp_overlap', `B=${B}`, withComm, 'x backward', withComm / alone);
dist.destroyProcessGroup();
