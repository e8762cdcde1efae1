/**
 * CUDA vs CPU for the shape, index and structured-creation ops (src/ops/split.ts,
 * reorder.ts, index-ops.ts, structured.ts, scatter-reduce.ts): the native scatterReduce
 * kernel over every dtype with duplicate indices, and the composed ops' values and
 * gradients on the device.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { DEV, DTYPES, DTYPE_NAMES, Failures, cudaGate, mismatch, mulberry32, parity, randomTensor, toDev, TOL_F64 } from './helpers.js';

const run = cudaGate(torch.cuda.isAvailable());
const idx = (rng: () => number, shape: number[], high: number): Tensor => randomTensor(rng, shape, torch.int64, { lo: 0, hi: high - 1 });

describe.skipIf(!run)(`scatterReduce kernel: ${DEV} vs cpu`, () => {
  it('prod, amax, amin (with and without self), sum and mean over every dtype, duplicate indices', () => {
    const rng = mulberry32(4242);
    const failures = new Failures();
    for (const dname of DTYPE_NAMES) {
      const dtype = DTYPES[dname];
      // Small magnitudes keep float32 products of up to 6 factors exact enough in any order.
      const range = dtype.isFloatingPoint ? { lo: -1.5, hi: 1.5 } : { lo: -3, hi: 3 };
      const x = randomTensor(rng, [5, 4], dtype, range);
      const src = randomTensor(rng, [7, 4], dtype, range);
      const dup = idx(rng, [7, 4], 5);
      for (const reduce of ['prod', 'amax', 'amin', 'sum', 'mean'] as const) {
        if (dname === 'bool' && (reduce === 'mean' || reduce === 'sum')) continue;
        for (const includeSelf of [true, false]) {
          failures.add(parity(`scatterReduce ${reduce} includeSelf=${includeSelf} ${dname}`, [x, dup, src], (t, i, s) => t.scatterReduce(0, i, s, reduce, { includeSelf })));
        }
      }
      failures.add(parity(`scatterReduce(1) amax transposed ${dname}`, [x, idx(rng, [5, 6], 4), randomTensor(rng, [6, 5], dtype, range)], (t, i, s) => t.scatterReduce(1, i, s.t(), 'amax')));
      failures.add(parity(`scatter multiply ${dname}`, [x, dup, src], (t, i, s) => t.scatter(0, i, s, { reduce: 'multiply' })));
    }
    const nan = torch.tensor([[NaN, 1], [2, 3]]);
    failures.add(parity('amax with NaN', [torch.zeros(2, 2), torch.tensor([[0, 1], [0, 1]], { dtype: torch.int64 }), nan], (t, i, s) => t.scatterReduce(0, i, s, 'amax')));
    failures.check();
  });
});

type Fn = (...xs: Tensor[]) => Tensor;
/** An index tensor on `like`'s device: PyTorch's index ops want it beside their input. */
const long = (data: number[] | number[][], like?: Tensor) => torch.tensor(data, { dtype: torch.int64, device: like?.device });
const CASES: [string, number[][], Fn][] = [
  ['split/cat', [[4, 6]], (x) => torch.cat(x.split([1, 2, 3], 1).map((p, i) => p.mul(i + 1)), 1)],
  ['unbind/stack', [[3, 4]], (x) => torch.stack(x.unbind(1).reverse(), 0)],
  ['tensorSplit', [[7, 2]], (x) => torch.tensorSplit(x, 3)[1]],
  ['repeat', [[2, 3]], (x) => x.repeat(2, 1, 2)],
  ['repeatInterleave', [[4, 2]], (x) => x.repeatInterleave(long([1, 0, 3, 2]), 0)],
  ['flip', [[2, 3, 4]], (x) => x.flip([0, 2])],
  ['roll', [[3, 4]], (x) => x.roll([1, -2], [0, 1])],
  ['rot90', [[3, 4]], (x) => x.rot90(3)],
  ['unfold overlapping', [[4, 6]], (x) => x.unfold(1, 3, 1)],
  ['take', [[3, 4]], (x) => x.take(long([[0, 5], [-1, 0]], x))],
  ['takeAlongDim', [[3, 4]], (x) => torch.takeAlongDim(x, long([[2], [0]], x), 0)],
  ['maskedScatter', [[3, 4], [12]], (x, s) => x.maskedScatter(x.gt(0), s)],
  ['indexAdd', [[4, 3], [3, 3]], (x, s) => x.indexAdd(0, long([2, 0, 2], x), s, { alpha: -0.5 })],
  ['indexFill_ on a clone', [[3, 4]], (x) => x.clone().indexFill_(1, long([0, 3], x), 2)],
  ['indexCopy', [[4, 3], [2, 3]], (x, s) => x.indexCopy(0, long([3, 1], x), s)],
  ['tril/triu', [[2, 3, 4]], (x) => x.tril(1).add(x.triu(-1))],
  ['diag/diagEmbed/diagonal', [[3, 4]], (x) => torch.diagEmbed(x.diagonal(1).add(torch.diag(x, -1).sum()), 1)],
  ['scatterReduce prod grads', [[3, 4], [2, 4]], (x, s) => x.scatterReduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]], x), s, 'prod')],
  ['scatterReduce amax grads', [[3, 4], [2, 4]], (x, s) => x.scatterReduce(1, long([[1, 1, 0, 3], [2, 2, 2, 0]], x), s, 'amax', { includeSelf: false })],
  ['array index', [[3, 4]], (x) => x.index([0, 2], [[1], [3]])],
];

describe.skipIf(!run)(`shape and index ops: ${DEV} values and gradients equal the CPU's`, () => {
  CASES.forEach(([name, shapes, fn], k) => {
    it(name, () => {
      const rng = mulberry32(700 + k);
      const inputs = shapes.map((s) => randomTensor(rng, s, torch.float64));
      const cpu = inputs.map((t) => t.clone().requiresGrad_());
      const dev = inputs.map((t) => toDev(t).requiresGrad_());
      const yc = fn(...cpu);
      const yd = fn(...dev);
      const upstream = randomTensor(rng, yc.shape, torch.float64);
      yc.backward(upstream);
      yd.backward(toDev(upstream));
      expect(mismatch(yd.detach(), yc.detach(), TOL_F64)).toBeNull();
      cpu.forEach((c, i) => expect(mismatch(dev[i].grad!, c.grad!, TOL_F64), `grad ${i}`).toBeNull());
    });
  });
});
