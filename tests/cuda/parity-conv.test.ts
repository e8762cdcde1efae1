/**
 * Convolution, F.pad and fold/unfold on the device against the CPU: forward values and
 * input/weight/bias gradients over strides, padding ('same' included), dilation, groups
 * (depthwise included), the transposed forms, every padding mode and empty batches; and
 * the raw im2col/col2im kernels in float32, float64 and (im2col) float16/bfloat16. With
 * the CPU standing in (FLINT_CUDA_SELFTEST=1) the same sweep runs without a GPU.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { nn } from 'flint-torch';
import { SELF_TEST, cudaGate, expectParity, mulberry32, randomTensor, toDev } from './helpers.js';
import { col2imRaw, im2colRaw } from '../../src/nn/functional/conv-kernels.js';

const run = cudaGate(torch.cuda.isAvailable());
const F = nn.functional;

/** The output and the gradient of every input of `fn`, for parity. */
const withGrad = (fn: (...xs: Tensor[]) => Tensor) => (...xs: Tensor[]) => {
  const leaves = xs.map((x) => x.detach().requiresGrad_());
  const out = fn(...leaves);
  out.mul(out).sum().backward();
  return [out, ...leaves.map((l) => l.grad!)];
};

describe.skipIf(!run)('convolution on the device', () => {
  // Float32 convolutions on the GPU multiply in TF32 by default, as PyTorch's do; these
  // comparisons with the CPU want full float32 products (PyTorch's own tests turn it off too).
  beforeAll(() => {
    torch.backends.cudnn.allowTF32 = false;
  });
  afterAll(() => {
    torch.backends.cudnn.allowTF32 = true;
  });
  const rng = mulberry32(11);
  const r = (...shape: number[]) => randomTensor(rng, shape, torch.float64);
  const r32 = (...shape: number[]) => randomTensor(rng, shape, torch.float32);

  it('conv1d/2d/3d match the CPU, values and gradients', () => {
    expectParity('conv1d', [r(2, 3, 9), r(4, 3, 3), r(4)], withGrad((x, w, b) => F.conv1d(x, w, b, 2, 1)));
    expectParity('conv1d same', [r(1, 2, 6), r(3, 2, 4)], withGrad((x, w) => F.conv1d(x, w, null, 1, 'same')));
    expectParity('conv2d', [r(2, 3, 7, 6), r(4, 3, 3, 2), r(4)], withGrad((x, w, b) => F.conv2d(x, w, b, [2, 1], [1, 2], [1, 2])));
    expectParity('conv2d groups', [r(2, 4, 5, 5), r(6, 2, 3, 3), r(6)], withGrad((x, w, b) => F.conv2d(x, w, b, 1, 1, 1, 2)));
    expectParity('conv2d depthwise', [r(2, 3, 6, 6), r(6, 1, 3, 3), r(6)], withGrad((x, w, b) => F.conv2d(x, w, b, 2, 1, 1, 3)));
    expectParity('conv2d pointwise', [r(2, 5, 4, 3), r(3, 5, 1, 1), r(3)], withGrad((x, w, b) => F.conv2d(x, w, b)));
    expectParity('conv2d kernel > input', [r(1, 2, 2, 3), r(3, 2, 4, 4), r(3)], withGrad((x, w, b) => F.conv2d(x, w, b, 1, 2)));
    expectParity('conv3d', [r(1, 2, 4, 5, 4), r(3, 2, 2, 3, 2), r(3)], withGrad((x, w, b) => F.conv3d(x, w, b, [1, 2, 1], [1, 0, 1])));
    // Sums of products of values near 1 that cancel: float32 rounding in another order
    // differs by a few 1e-6 in the output and up to ~1e-4 in the input gradient, whose
    // terms (2·out·w, 36 of them) are larger (seen on an H200: 2.4e-6 and 7.6e-5).
    expectParity('conv2d float32', [r32(2, 3, 8, 8), r32(4, 3, 3, 3), r32(4)], withGrad((x, w, b) => F.conv2d(x, w, b, 1, 1)), { rtol: 1e-4, atol: 1e-4 });
  });

  it('transposed convolutions match the CPU', () => {
    expectParity('convTranspose1d', [r(2, 3, 5), r(3, 2, 3), r(2)], withGrad((x, w, b) => F.convTranspose1d(x, w, b, 2, 1, 1)));
    expectParity('convTranspose2d', [r(1, 4, 3, 4), r(4, 3, 4, 3), r(6)], withGrad((x, w, b) => F.convTranspose2d(x, w, b, [2, 3], [1, 0], [1, 2], 2)));
    expectParity('convTranspose2d outputPadding >= stride', [r(1, 2, 3, 3), r(2, 2, 3, 3)], withGrad((x, w) => F.convTranspose2d(x, w, null, 2, 0, 2, 1, 3)));
    expectParity('convTranspose3d', [r(1, 2, 2, 3, 2), r(2, 2, 2, 2, 3), r(2)], withGrad((x, w, b) => F.convTranspose3d(x, w, b, 2, [0, 1, 1])));
  });

  it('F.pad in every mode, fold and unfold match the CPU', () => {
    expectParity('pad constant', [r(2, 3, 5)], withGrad((x) => F.pad(x, [-1, 2, 1, -2], 'constant', 0.5)));
    expectParity('pad reflect', [r(1, 2, 4, 5)], withGrad((x) => F.pad(x, [1, 2, 3, 0], 'reflect')));
    expectParity('pad replicate', [r(1, 1, 2, 3, 2)], withGrad((x) => F.pad(x, [1, 2, 1, 0, 2, 1], 'replicate')));
    expectParity('pad circular', [r(1, 2, 3, 4)], withGrad((x) => F.pad(x, [1, -1, 3, 2], 'circular')));
    expectParity('unfold', [r(1, 2, 6, 5)], withGrad((x) => F.unfold(x, [3, 2], [1, 2], 1, [2, 1])));
    expectParity('fold', [r(1, 12, 6)], withGrad((x) => F.fold(x, [5, 4], [3, 2], [1, 2], 1, 2)));
  });

  it('empty batches and the raw kernels in every dtype', () => {
    expectParity('conv2d empty batch', [r(0, 3, 5, 5), r(2, 3, 3, 3), r(2)], withGrad((x, w, b) => F.conv2d(x, w, b)));
    const g = { kernel: [2, 3], stride: [2, 1], padding: [1, 1], dilation: [1, 2] };
    for (const dtype of [torch.float32, torch.float64, torch.float16, torch.bfloat16]) {
      expectParity(`im2col ${dtype.name}`, [r(2, 3, 5, 6).to(dtype)], (x) => im2colRaw(x.contiguous(), g));
    }
    for (const dtype of [torch.float32, torch.float64]) {
      expectParity(`col2im ${dtype.name}`, [r(2, 18, 12).to(dtype)], (c) => col2imRaw(c, [2, 3, 5, 6], g));
    }
  });

  it('modules with every padding mode match the CPU', () => {
    for (const paddingMode of ['zeros', 'reflect', 'replicate', 'circular'] as const) {
      expectParity(`Conv2d ${paddingMode}`, [r(2, 2, 5, 4)], withGrad((x) => {
        torch.manualSeed(3);
        const m = new nn.Conv2d(2, 3, 3, { padding: 1, paddingMode, dtype: torch.float64 });
        m.to(x.device);
        return m(x) as Tensor;
      }));
    }
  });
});

describe.skipIf(!run || SELF_TEST)('convolution math on the GPU: torch.backends.cudnn.allowTF32', () => {
  it('is on by default: a float32 conv2d may round its products to TF32, and float32 matmul keeps full precision around it', () => {
    expect(torch.backends.cudnn.allowTF32).toBe(true);
    expect(torch.backends.cuda.matmul.allowTF32).toBe(false);
    const rng = mulberry32(99);
    const x = randomTensor(rng, [4, 16, 12, 12], torch.float32);
    const w = randomTensor(rng, [8, 16, 3, 3], torch.float32);
    const cpu = F.conv2d(x, w, null, 1, 1);
    const scale = cpu.abs().max().item() as number;
    const errorOf = (allowTF32: boolean, cudnn: boolean) => {
      torch.backends.cudnn.allowTF32 = allowTF32;
      torch.backends.cudnn.enabled = cudnn;
      try {
        return (F.conv2d(toDev(x), toDev(w), null, 1, 1).cpu().sub(cpu).abs().max().item() as number) / scale;
      } finally {
        torch.backends.cudnn.allowTF32 = true;
        torch.backends.cudnn.enabled = true;
      }
    };
    // 144 products with 10-bit mantissas: errors near 1e-4 of the largest output; float32:
    // near 1e-7. Flint's own kernels multiply in TF32 whenever allowed; cuDNN may (PyTorch's
    // flag permits TF32, it does not force it), so for cuDNN only the bounds are certain.
    expect(errorOf(true, false)).toBeGreaterThan(1e-5);
    expect(errorOf(true, false)).toBeLessThan(1e-2);
    expect(errorOf(true, true)).toBeLessThan(1e-2);
    expect(errorOf(false, false)).toBeLessThan(1e-5);
    expect(errorOf(false, true)).toBeLessThan(1e-5);
    const a = randomTensor(rng, [64, 300], torch.float32);
    const b = randomTensor(rng, [300, 64], torch.float32);
    const mmError = (toDev(a).mm(toDev(b)).cpu().sub(a.mm(b)).abs().max().item() as number) / (a.mm(b).abs().max().item() as number);
    expect(mmError).toBeLessThan(1e-5);
  });
});
