/**
 * PyTorch's three Fourier primitives, `_fft_c2c`, `_fft_r2c` and `_fft_c2r`, with their
 * backward formulas (derivatives.yaml's `fft_r2c_backward`, `fft_c2r_backward`, and c2c in the
 * other direction) beside them. torch.fft's functions (src/fft/index.ts) are compositions of
 * these with padding, slicing and conjugation, as in PyTorch's SpectralOps.cpp.
 *
 * The native kernels (native/cpu/fft.cc, on pocketfft as PyTorch's CPU build) transform one
 * axis of a contiguous signal per call; the axes go in PyTorch's order, with the scale on the
 * first pass, which is the arithmetic pocketfft does for several axes at once.
 */
import * as call from '../native/calls.generated.js';
import { FftNorm } from '../native/enums.generated.js';
import { fresh, layoutOf } from '../native/meta.js';
import { record } from '../autograd/function.js';
import { Tensor, fromHandle, realLayout } from '../tensor/tensor.js';
import { toComplexDType, toRealDType } from '../tensor/dtype.js';
import { shapeNumel } from '../tensor/shape.js';
import { castKernel } from '../ops/tensor-kernels.js';
import { realPart } from '../complex/parts.js';
import { constantPad } from '../nn/functional/padding.js';
import { mul } from '../ops/elementwise.js';
import { tensor } from '../tensor/creation.js';

export { FftNorm };

function refuseDevice(x: Tensor): void {
  if (x.device.type !== 'cpu') throw new Error(`torch.fft is not implemented on ${x.device.type.toUpperCase()} yet: move the signal to the CPU first`);
}

/** [before, n, after]: the signal's shape around axis `d`. */
function around(shape: readonly number[], d: number): [number, number, number] {
  return [shapeNumel(shape.slice(0, d)), shape[d], shapeNumel(shape.slice(d + 1))];
}

function contiguousOf(x: Tensor): Tensor {
  return x.isContiguous() ? x : castKernel(x, x._dtype);
}

function release(temporary: Tensor, keep: Tensor): void {
  if (temporary !== keep) temporary.dispose();
}

/** One c2c pass over axis `d` of contiguous complex `z`. */
function c2cAxis(z: Tensor, d: number, forward: boolean, norm: FftNorm, size: number): Tensor {
  const [b, n, m] = around(z._shape, d);
  const dtype = toRealDType(z._dtype);
  const handle = call.fftC2c(fresh(dtype, [b, n, m, 2]), layoutOf(z, dtype, 2 * z._offset, [b, n, m, 2], [2 * n * m, 2 * m, 2, 1]), forward, norm, size);
  return fromHandle(handle, z._shape.slice(), z._dtype, z.device);
}

function signalSize(shape: readonly number[], dims: readonly number[]): number {
  return dims.reduce((p, d) => p * shape[d], 1);
}

/** `_fft_c2c` with no autograd. @internal */
export function c2cRaw(input: Tensor, dims: readonly number[], norm: FftNorm, forward: boolean): Tensor {
  refuseDevice(input);
  const size = Math.max(1, signalSize(input._shape, dims));
  let out = contiguousOf(input);
  if (dims.length === 0 || input.numel() === 0) return out === input ? castKernel(input, input._dtype) : out;
  dims.forEach((d, i) => {
    const next = c2cAxis(out, d, forward, i === 0 ? norm : FftNorm.None, size);
    release(out, input);
    out = next;
  });
  return out;
}

/** `_fft_r2c` with no autograd: r2c over the last of `dims`, c2c over the others, and the other half filled by symmetry when not `onesided`. @internal */
export function r2cRaw(input: Tensor, dims: readonly number[], norm: FftNorm, onesided: boolean): Tensor {
  refuseDevice(input);
  const last = dims[dims.length - 1];
  const x = contiguousOf(input);
  const [b, n, m] = around(x._shape, last);
  const half = Math.floor(n / 2) + 1;
  const halfShape = x._shape.slice();
  halfShape[last] = half;
  const dtype = x._dtype;
  let out: Tensor;
  if (x.numel() === 0) {
    out = fromHandle(call.alloc(x.device.code, shapeNumel(halfShape) * 2 * dtype.itemsize, null), halfShape, toComplexDType(dtype), x.device);
  } else {
    const handle = call.fftR2c(fresh(dtype, [b, half, m, 2]), layoutOf(x, dtype, x._offset, [b, n, m], [n * m, m, 1]), norm, Math.max(1, signalSize(x._shape, dims)));
    out = fromHandle(handle, halfShape, toComplexDType(dtype), x.device);
  }
  release(x, input);
  if (dims.length > 1 && out.numel() > 0) {
    dims.slice(0, -1).forEach((d) => {
      const next = c2cAxis(out, d, true, FftNorm.None, 1);
      out.dispose();
      out = next;
    });
  }
  return onesided ? out : fillConjugateSymmetry(out, last, n);
}

/**
 * The full spectrum of a real signal of length `n` along `d` from its one-sided half: entry
 * k ≥ n/2 + 1 is conj(entry n - k), as PyTorch's _fft_fill_with_conjugate_symmetry_ (1-D,
 * the only case torch.fft asks it for).
 */
function fillConjugateSymmetry(halfSpectrum: Tensor, d: number, n: number): Tensor {
  const half = halfSpectrum._shape[d];
  const shape = halfSpectrum._shape.slice();
  shape[d] = n;
  const pairs = realLayout(halfSpectrum);
  const out = fromHandle(call.alloc(halfSpectrum.device.code, shapeNumel(shape) * halfSpectrum._dtype.itemsize, null), shape, halfSpectrum._dtype, halfSpectrum.device);
  const outPairs = realLayout(out);
  outPairs.narrow(d, 0, half).copy_(pairs);
  const rest = n - half;
  if (rest > 0) {
    const mirrored = pairs.narrow(d, 1, rest).flip(d);
    mirrored.select(-1, 1).neg_();
    outPairs.narrow(d, half, rest).copy_(mirrored);
    mirrored.dispose();
  }
  pairs.dispose();
  outPairs.dispose();
  halfSpectrum.dispose();
  return out;
}

/** `_fft_c2r` with no autograd: c2c (inverse) over all but the last of `dims`, then c2r to `lastDimSize`. @internal */
export function c2rRaw(input: Tensor, dims: readonly number[], norm: FftNorm, lastDimSize: number): Tensor {
  refuseDevice(input);
  let z = input;
  let last = dims;
  if (dims.length > 1) {
    z = c2cRaw(input, dims.slice(0, -1), norm, false);
    last = dims.slice(-1);
  }
  const x = contiguousOf(z);
  if (x !== z) release(z, input);
  const d = last[0];
  const [b, h, m] = around(x._shape, d);
  const shape = x._shape.slice();
  shape[d] = lastDimSize;
  const dtype = toRealDType(x._dtype);
  let out: Tensor;
  if (shapeNumel(shape) === 0) {
    out = fromHandle(call.alloc(x.device.code, 0, null), shape, dtype, x.device);
  } else {
    const handle = call.fftC2r(fresh(dtype, [b, lastDimSize, m]), layoutOf(x, dtype, 2 * x._offset, [b, h, m, 2], [2 * h * m, 2 * m, 2, 1]), norm, lastDimSize);
    out = fromHandle(handle, shape, dtype, x.device);
  }
  release(x, input);
  return out;
}

// ---- the differentiable primitives ---------------------------------------------------

/**
 * `_fft_c2c(input, dims, norm, forward)`: FftC2CBackward0, whose gradient is the transform
 * in the other direction with the same scaling.
 * @internal
 */
export function fftC2c(input: Tensor, dims: readonly number[], norm: FftNorm, forward: boolean): Tensor {
  const out = c2cRaw(input, dims, norm, forward);
  return record(out, 'FftC2CBackward0', [input], () => (g) => [fftC2c(g, dims, norm, !forward)]);
}

/**
 * `_fft_r2c(input, dims, norm, onesided)`: FftR2CBackward0. The one-sided spectrum's
 * gradient is zero-padded to the full length, transformed back, and its real part taken.
 * @internal
 */
export function fftR2c(input: Tensor, dims: readonly number[], norm: FftNorm, onesided: boolean): Tensor {
  const out = r2cRaw(input, dims, norm, onesided);
  const last = dims[dims.length - 1];
  const lastSize = input._shape[last];
  return record(out, 'FftR2CBackward0', [input], () => (g) => {
    const missing = onesided ? lastSize - g._shape[last] : 0;
    const full = missing > 0 ? constantPad(g, padAtEnd(g._shape.length, last, missing), 0) : g;
    return [realPart(fftC2c(full, dims, norm, false))];
  });
}

/** F.pad's list (last dim first) that adds `count` entries at the end of dim `d`. */
function padAtEnd(ndim: number, d: number, count: number): number[] {
  const pad = new Array<number>(2 * (ndim - d)).fill(0);
  pad[pad.length - 1] = count;
  return pad;
}

/**
 * `_fft_c2r(input, dims, norm, lastDimSize)`: FftC2RBackward0, an r2c of the gradient with
 * the entries whose mirror images the one-sided input stood for counted twice.
 * @internal
 */
export function fftC2r(input: Tensor, dims: readonly number[], norm: FftNorm, lastDimSize: number): Tensor {
  const out = c2rRaw(input, dims, norm, lastDimSize);
  const last = dims[dims.length - 1];
  return record(out, 'FftC2RBackward0', [input], () => (g) => {
    const gi = fftR2c(g, dims, norm, true);
    const doubled = g._shape[last] - gi._shape[last];
    if (doubled <= 0) return [gi];
    // Entries 1 .. doubled stand for themselves and their mirror images.
    const weights = new Array<number>(gi._shape[last]).fill(1).fill(2, 1, 1 + doubled);
    const shape = gi._shape.map((s, d) => (d === last ? s : 1));
    return [mul(gi, tensor(weights, { dtype: toRealDType(gi._dtype) }).reshape(shape))];
  });
}
