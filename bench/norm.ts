// BatchNorm2d against PyTorch 1.13 on this machine: the eval forward on ResNet-18's
// shapes (one memory-bound pass) and a training forward + backward. Run with
//   npx tsx bench/norm.ts          (flint)
//   /usr/bin/python3 bench/norm_torch.py   (PyTorch, the same shapes and timing rule)
// Both use the same thread count (FLINT_BENCH_THREADS, default 2).
import * as torch from 'flint-torch';
import { timeit } from './timing.js';

const threads = Number(process.env.FLINT_BENCH_THREADS ?? 2);
torch.setNumThreads(threads);
const EVAL_SHAPES = [[4, 64, 112, 112], [4, 64, 56, 56], [4, 128, 28, 28], [4, 256, 14, 14], [4, 512, 7, 7]];

for (const shape of EVAL_SHAPES) {
  const bn = new torch.nn.BatchNorm2d(shape[1]);
  bn.eval();
  const x = torch.randn(shape);
  const t = torch.noGrad(() => timeit(() => bn(x).dispose(), { minTime: 0.3, repeats: 5 }));
  console.log(`eval  [${shape.join(', ')}]: ${(t * 1e3).toFixed(3)} ms`);
}

const bn = new torch.nn.BatchNorm2d(32);
const x = torch.randn([64, 32, 26, 26]).requiresGrad_();
const g = torch.randn([64, 32, 26, 26]);
const t = timeit(
  () => {
    const out = bn(x);
    out.backward(g);
    out.dispose();
    x.grad!.dispose();
    x.grad = null;
    bn.weight!.grad = null;
    bn.bias!.grad = null;
  },
  { minTime: 0.5, repeats: 5 },
);
console.log(`train fwd+bwd [64, 32, 26, 26]: ${(t * 1e3).toFixed(3)} ms (threads ${threads})`);
