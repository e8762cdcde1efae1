/**
 * Pooling throughput on the CPU, flint vs PyTorch 1.13 (/usr/bin/python3), with the timing
 * rule of timing.ts on both sides: ResNet-18's stem MaxPool2d(3, 2, 1) on (4,64,112,112)
 * and the MNIST Net's max_pool2d(x, 2) on (64,64,24,24), forward and forward+backward, and
 * AdaptiveAvgPool2d((1, 1)) on (4,512,7,7). Prints milliseconds per call and the GB/s that
 * the forward's input read plus output write come to.
 * Run: npx tsx bench/pooling.ts (or npm run bench:pooling)
 */
import { execFileSync } from 'node:child_process';
import * as torch from 'flint-torch';
import { timeit } from './timing.js';

const F = torch.nn.functional;
type Work = { name: string; shape: number[]; outNumel: (s: number[]) => number; forward: (x: torch.Tensor) => torch.Tensor };

const WORKS: Work[] = [
  { name: 'max_pool2d(3, 2, 1) (4,64,112,112)', shape: [4, 64, 112, 112], outNumel: () => 4 * 64 * 56 * 56, forward: (x) => F.maxPool2d(x, 3, 2, 1) },
  { name: 'max_pool2d(2) (64,64,24,24)', shape: [64, 64, 24, 24], outNumel: () => 64 * 64 * 12 * 12, forward: (x) => F.maxPool2d(x, 2) },
  { name: 'adaptive_avg_pool2d((1,1)) (4,512,7,7)', shape: [4, 512, 7, 7], outNumel: () => 4 * 512, forward: (x) => F.adaptiveAvgPool2d(x, [1, 1]) },
  { name: 'avg_pool2d(3, 2, 1) (4,64,112,112)', shape: [4, 64, 112, 112], outNumel: () => 4 * 64 * 56 * 56, forward: (x) => F.avgPool2d(x, 3, 2, 1) },
];

const PY = `
import json, sys, time, torch
import torch.nn.functional as F
torch.set_num_threads(${torch.getNumThreads()})
def timeit(fn, min_time=0.5, repeats=7, warmup=3):
    for _ in range(warmup): fn()
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n): fn()
        if time.perf_counter() - t > min_time / repeats or n >= 2**20: break
        n *= 2
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n): fn()
        times.append((time.perf_counter() - t) / n)
    return sorted(times)[repeats // 2]
works = [
    ((4, 64, 112, 112), lambda x: F.max_pool2d(x, 3, 2, 1)),
    ((64, 64, 24, 24), lambda x: F.max_pool2d(x, 2)),
    ((4, 512, 7, 7), lambda x: F.adaptive_avg_pool2d(x, (1, 1))),
    ((4, 64, 112, 112), lambda x: F.avg_pool2d(x, 3, 2, 1)),
]
out = []
for shape, f in works:
    x = torch.randn(shape)
    fwd = timeit(lambda: f(x))
    xg = x.clone().requires_grad_()
    g = torch.ones_like(f(x))
    def step():
        y = f(xg)
        y.backward(g)
        xg.grad = None
    out.append([fwd, timeit(step)])
print(json.dumps(out))
`;

// The machine may be shared: run the two sides in alternating rounds and keep each one's best.
const ROUNDS = Number(process.env.POOL_BENCH_ROUNDS ?? 3);
const best = WORKS.map(() => ({ flint: [Infinity, Infinity], torch: [Infinity, Infinity] }));
const inputs = WORKS.map((w) => torch.randn(w.shape));
for (let round = 0; round < ROUNDS; round++) {
  const torchTimes = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PY], { encoding: 'utf8' }).trim().split('\n').pop()!) as number[][];
  WORKS.forEach((w, i) => {
    const x = inputs[i];
    const fwd = timeit(() => w.forward(x).dispose());
    const xg = x.clone().requiresGrad_();
    const g = torch.onesLike(w.forward(x));
    const step = timeit(() => {
      const y = w.forward(xg);
      y.backward(g);
      y.dispose();
      xg.grad!.dispose();
      xg.grad = null;
    });
    torch.dispose([xg, g]);
    const b = best[i];
    b.flint = [Math.min(b.flint[0], fwd), Math.min(b.flint[1], step)];
    b.torch = [Math.min(b.torch[0], torchTimes[i][0]), Math.min(b.torch[1], torchTimes[i][1])];
  });
}
console.log(`threads: ${torch.getNumThreads()}, best of ${ROUNDS} alternating rounds (x = PyTorch time / flint time; above 1 is flint faster)`);
WORKS.forEach((w, i) => {
  const { flint: [fwd, step], torch: [tf, ts] } = best[i];
  const bytes = (inputs[i].numel() + w.outNumel(w.shape)) * 4;
  const ms = (s: number) => (s * 1e3).toFixed(3).padStart(8);
  console.log(
    `${w.name.padEnd(40)} fwd flint ${ms(fwd)} ms (${(bytes / fwd / 1e9).toFixed(1)} GB/s)  torch ${ms(tf)} ms  x${(tf / fwd).toFixed(2)}` +
      ` | fwd+bwd flint ${ms(step)} ms  torch ${ms(ts)} ms  x${(ts / step).toFixed(2)}`,
  );
});
