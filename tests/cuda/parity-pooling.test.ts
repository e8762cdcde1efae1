/**
 * Pooling on CUDA vs the CPU (native/cuda/pooling.cu vs native/cpu/pooling.cc): forward
 * values and int64 indices, and the input gradient for one upstream gradient, over max,
 * average and adaptive pooling in 1-3 dims with padding, dilation, ceilMode, strides
 * larger than the kernel, overlapping windows, ties, NaN and strided inputs.
 */
import { describe, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { DEV, Failures, cudaGate, mulberry32, parity, randomTensor } from './helpers.js';

const hasCuda = torch.cuda.isAvailable();
const run = cudaGate(hasCuda);
const F = torch.nn.functional;

type Pool = (x: Tensor) => Tensor | [Tensor, Tensor];

/** `[y, (indices,) dL/dx]` for L = sum(y * g), g a fixed ramp: forward and backward in one parity check. */
function withGrad(pool: Pool): (x: Tensor) => Tensor[] {
  return (x) => {
    const leaf = x.detach().requiresGrad_();
    const result = pool(leaf);
    const [y, indices] = Array.isArray(result) ? result : [result, null];
    const g = torch.linspace(-1, 2, y.numel(), { dtype: y.dtype }).reshape(y.shape).to(y.device);
    const [grad] = torch.autograd.grad([y], [leaf], [g]);
    return indices === null ? [y.detach(), grad!] : [y.detach(), indices, grad!];
  };
}

const CASES: [string, number[], Pool][] = [
  ['maxPool1d(3, 2, 1, dilation 2, ceil)', [2, 3, 17], (x) => F.maxPool1d(x, 3, 2, 1, 2, true, true)],
  ['maxPool2d(2)', [4, 3, 8, 10], (x) => F.maxPool2d(x, 2, { returnIndices: true })],
  ['maxPool2d(3, 2, 1) ResNet stem', [2, 4, 15, 13], (x) => F.maxPool2d(x, 3, 2, 1, 1, false, true)],
  ['maxPool2d rect, dilation, ceil', [2, 2, 11, 9], (x) => F.maxPool2d(x, [2, 3], [2, 1], [1, 1], [2, 1], true, true)],
  ['maxPool2d stride > kernel', [1, 3, 9, 9], (x) => F.maxPool2d(x, 2, 3)],
  ['maxPool2d unbatched', [3, 7, 7], (x) => F.maxPool2d(x, 3, 1, 1, 1, false, true)],
  ['maxPool3d(2, 1, 1)', [1, 2, 5, 6, 7], (x) => F.maxPool3d(x, 2, 1, 1, 1, false, true)],
  ['maxPool3d ceil, dilation', [2, 1, 7, 6, 5], (x) => F.maxPool3d(x, [2, 3, 2], 2, [1, 1, 0], [1, 2, 1], true, true)],
  ['avgPool1d(4, 3, 2, ceil, no pad count)', [2, 3, 13], (x) => F.avgPool1d(x, 4, 3, 2, true, false)],
  ['avgPool2d(3, 2, 1)', [2, 3, 9, 11], (x) => F.avgPool2d(x, 3, 2, 1)],
  ['avgPool2d ceil, no pad count', [2, 3, 9, 11], (x) => F.avgPool2d(x, 3, 3, 1, true, false)],
  ['avgPool2d divisorOverride, overlapping', [1, 2, 7, 8], (x) => F.avgPool2d(x, [3, 2], 1, [1, 1], false, true, 5)],
  ['avgPool2d stride > kernel', [1, 3, 10, 10], (x) => F.avgPool2d(x, 2, 3)],
  ['avgPool3d pad, ceil', [1, 2, 5, 6, 7], (x) => F.avgPool3d(x, [3, 2, 3], 2, 1, true, false)],
  ['adaptiveAvgPool1d(5)', [2, 3, 13], (x) => F.adaptiveAvgPool1d(x, 5)],
  ['adaptiveAvgPool2d([3, 4])', [2, 3, 7, 9], (x) => F.adaptiveAvgPool2d(x, [3, 4])],
  ['adaptiveAvgPool2d larger than input', [1, 2, 5, 6], (x) => F.adaptiveAvgPool2d(x, [7, 9])],
  ['adaptiveAvgPool2d([1, 1]) (mean)', [4, 8, 7, 7], (x) => F.adaptiveAvgPool2d(x, [1, 1])],
  ['adaptiveAvgPool3d([2, 3, 4])', [1, 2, 5, 7, 9], (x) => F.adaptiveAvgPool3d(x, [2, 3, 4])],
  ['adaptiveMaxPool1d(4)', [2, 3, 11], (x) => F.adaptiveMaxPool1d(x, 4, true)],
  ['adaptiveMaxPool2d([3, null])', [2, 3, 7, 9], (x) => F.adaptiveMaxPool2d(x, [3, null], true)],
  ['adaptiveMaxPool2d larger than input', [1, 2, 4, 5], (x) => F.adaptiveMaxPool2d(x, [6, 7], true)],
  ['adaptiveMaxPool3d(2)', [1, 2, 5, 6, 7], (x) => F.adaptiveMaxPool3d(x, 2, true)],
];

describe.skipIf(!run)(`pooling: ${DEV} vs cpu`, () => {
  it('max, average and adaptive pooling in 1-3 dims: values, indices and gradients, float32 and float64', () => {
    const rng = mulberry32(1311);
    const failures = new Failures();
    for (const dtype of [torch.float32, torch.float64]) {
      for (const [name, shape, pool] of CASES) {
        const x = randomTensor(rng, shape, dtype, { lo: -3, hi: 3 });
        failures.add(parity(`${name} ${dtype.name}`, [x], withGrad(pool)));
      }
    }
    failures.check();
  });

  it('strided inputs, ties, NaN and -inf windows, empty batches', () => {
    const rng = mulberry32(1312);
    const failures = new Failures();
    const base = randomTensor(rng, [3, 2, 12, 10], torch.float32, { lo: -2, hi: 2 });
    failures.add(parity('maxPool2d of a transposed narrow view', [base], withGrad((t) => F.maxPool2d(t.transpose(2, 3).narrow(0, 1, 2), 3, 2, 1, 1, false, true))));
    failures.add(parity('avgPool2d of a transposed view', [base], withGrad((t) => F.avgPool2d(t.transpose(2, 3), 3, 2, 1))));
    failures.add(parity('adaptiveAvgPool2d of a permuted view', [base], withGrad((t) => F.adaptiveAvgPool2d(t.permute(1, 0, 3, 2), [4, 3]))));
    const ties = torch.tensor([[[[1, 1, 2, 2], [1, 1, 2, 2], [0, 3, 3, 0], [3, 0, 0, 3]]]], { dtype: torch.float32 });
    failures.add(parity('maxPool2d ties (first index wins)', [ties], (t) => F.maxPool2d(t, 2, 1, 0, 1, false, true)));
    failures.add(parity('adaptiveMaxPool2d ties', [ties], (t) => F.adaptiveMaxPool2d(t, 3, true)));
    const special = torch.tensor([[[[1, NaN, 2, 5], [NaN, 0, 2, 9], [-1, -2, -Infinity, -Infinity], [-3, -4, -Infinity, -Infinity]]]]);
    failures.add(parity('maxPool2d NaN and -inf', [special], (t) => F.maxPool2d(t, 2, { returnIndices: true })));
    failures.add(parity('adaptiveMaxPool2d NaN', [special], (t) => F.adaptiveMaxPool2d(t, [2, 3], true)));
    failures.add(parity('avgPool2d NaN', [special], (t) => F.avgPool2d(t, 2, 1)));
    const empty = torch.zeros([0, 3, 6, 6]);
    failures.add(parity('maxPool2d empty batch', [empty], withGrad((t) => F.maxPool2d(t, 2))));
    failures.add(parity('avgPool2d empty batch', [empty], withGrad((t) => F.avgPool2d(t, 2))));
    failures.add(parity('adaptiveAvgPool2d empty batch', [empty], withGrad((t) => F.adaptiveAvgPool2d(t, 4))));
    failures.check();
  });

  it('maxUnpool2d and lpPool2d (composites over the kernels and scatter/gather)', () => {
    const rng = mulberry32(1313);
    const failures = new Failures();
    const x = randomTensor(rng, [2, 3, 8, 10], torch.float32, { lo: 0.1, hi: 2 });
    failures.add(parity('maxUnpool2d of maxPool2d', [x], (t) => {
      const [y, idx] = F.maxPool2d(t, 2, { returnIndices: true });
      return F.maxUnpool2d(y, idx, 2);
    }));
    failures.add(parity('lpPool2d(2, 3, 2)', [x], withGrad((t) => F.lpPool2d(t, 2, 3, 2))));
    failures.check();
  });
});
