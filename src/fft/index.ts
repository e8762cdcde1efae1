/**
 * `torch.fft`: discrete Fourier transforms of real and complex signals, as PyTorch's
 * (SpectralOps.cpp): the same argument handling (`n`/`s` pad with zeros or trim, `dim`
 * defaults, `norm` as 'backward', 'forward' or 'ortho'), the same dtypes (an integer signal
 * becomes the default float, a real one gives complex64 or complex128), and gradients through
 * every transform. Each function is a composition of the three primitives in transforms.ts.
 * CPU only for now; a CUDA tensor is refused with a clear error.
 *
 * Each function frees its intermediates (the promoted, resized and conjugated copies) at once
 * (tidy). Positional arguments stay positional and keyword arguments may come as a last options
 * object: `fft.fft(x, 8)`, `fft.fft(x, null, 0)`, `fft.fft(x, { n: 8, norm: 'ortho' })`.
 */
import { Tensor } from '../tensor/tensor.js';
import { tidy } from '../memory/storage.js';
import { type DType, defaultFloat, float16, bfloat16, scalarTypeName, toComplexDType, toDType } from '../tensor/dtype.js';
import { argumentError, checkTensor } from '../tensor/args.js';
import { arange, type CreationOptions } from '../tensor/creation.js';
import { narrow, toDtype } from '../ops/shape.js';
import { roll } from '../ops/reorder.js';
import { conj } from '../ops/real-tensors.js';
import { constantPad } from '../nn/functional/padding.js';
import { FftNorm, fftC2c, fftC2r, fftR2c } from './transforms.js';

/** How a transform is scaled: PyTorch's `norm` argument (null means 'backward'). */
export type FftNormMode = 'backward' | 'forward' | 'ortho' | null;

/** Keyword arguments of the one-dimensional transforms. */
export interface FftOptions {
  /** Signal length: the input is zero-padded or trimmed to it along `dim`. */
  n?: number | null;
  /** The dim to transform (default -1). */
  dim?: number;
  /** 'backward' (default: no scaling forward, 1/n inverse), 'forward' or 'ortho'. */
  norm?: FftNormMode;
}

/** Keyword arguments of the n-dimensional transforms. */
export interface FftnOptions {
  /** Signal sizes per transformed dim (-1 keeps a dim's size). */
  s?: readonly number[] | null;
  /** The dims to transform (default: all, or the last `s.length`; for the 2-D ones, the last two). */
  dim?: readonly number[] | null;
  /** 'backward' (default), 'forward' or 'ortho'. */
  norm?: FftNormMode;
}

// ---- arguments -----------------------------------------------------------------------

function isOptions(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Positional values, then those of a trailing options object, by name. */
function argsOf(fn: string, rest: readonly unknown[], names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let i = 0;
  for (; i < rest.length && i < names.length && !isOptions(rest[i]); i++) out[names[i]] = rest[i];
  if (i < rest.length) {
    const options = rest[i];
    if (!isOptions(options) || i !== rest.length - 1) throw argumentError(fn, names[i] ?? 'options', `${names.slice(i).join(', ')} or an options object last`, options);
    for (const key of Object.keys(options)) {
      if (!names.includes(key)) throw new Error(`${fn}() got an unexpected keyword argument '${key}'`);
      if (key in out) throw new Error(`${fn}() got multiple values for argument '${key}'`);
      out[key] = options[key];
    }
  }
  return out;
}

function normMode(norm: unknown, forward: boolean): FftNorm {
  if (norm === undefined || norm === null || norm === 'backward') return forward ? FftNorm.None : FftNorm.ByN;
  if (norm === 'forward') return forward ? FftNorm.ByN : FftNorm.None;
  if (norm === 'ortho') return FftNorm.ByRootN;
  throw new Error(`Invalid normalization mode: ${typeof norm === 'string' ? `"${norm}"` : String(norm)}`);
}

function wrapDim(dim: unknown, ndim: number, fn: string): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) throw argumentError(fn, 'dim', 'an integer', dim);
  if (ndim === 0) throw new RangeError(`Dimension specified as ${dim} but tensor has no dimensions`);
  if (dim < -ndim || dim >= ndim) throw new RangeError(`Dimension out of range (expected to be in range of [${-ndim}, ${ndim - 1}], but got ${dim})`);
  return dim < 0 ? dim + ndim : dim;
}

function checkLength(n: unknown, fn: string, name: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw argumentError(fn, name, 'an integer', n);
  if (n < 1) throw new Error(`Invalid number of data points (${n}) specified`);
  return n;
}

/** PyTorch's promote_type_fft: integers become the default float; half is CUDA-only. */
function fftDtype(dtype: DType, requireComplex: boolean): DType {
  if (dtype.isComplex) return dtype;
  const real = dtype.isFloatingPoint ? dtype : defaultFloat;
  if (real === float16 || real === bfloat16) throw new Error(`Unsupported dtype ${scalarTypeName(real)}`);
  return requireComplex ? toComplexDType(real) : real;
}

function promote(x: Tensor, requireComplex: boolean): Tensor {
  const dtype = fftDtype(x._dtype, requireComplex);
  return dtype === x._dtype ? x : toDtype(x, dtype);
}

/** PyTorch's resize_fft_input: zero-pads or trims each of `dims` to its size. */
function resize(x: Tensor, dims: readonly number[], sizes: readonly number[]): Tensor {
  let out = x;
  const pad = new Array<number>(2 * x._shape.length).fill(0);
  let padding = false;
  dims.forEach((d, i) => {
    const size = sizes[i];
    if (out._shape[d] > size) out = narrow(out, d, 0, size);
    else if (out._shape[d] < size) {
      // F.pad's list runs from the last dim backwards.
      pad[2 * (x._shape.length - 1 - d) + 1] = size - out._shape[d];
      padding = true;
    }
  });
  return padding ? constantPad(out, pad, 0) : out;
}

interface ShapeAndDims {
  shape: number[];
  dim: number[];
}

/** PyTorch's canonicalize_fft_shape_and_dim_args. */
function shapeAndDims(x: Tensor, s: unknown, dim: unknown, fn: string): ShapeAndDims {
  const ndim = x._shape.length;
  const given = (v: unknown): v is readonly number[] => v !== undefined && v !== null;
  if (given(s) && !Array.isArray(s)) throw argumentError(fn, 's', 'an array of integers', s);
  if (given(dim) && !Array.isArray(dim)) throw argumentError(fn, 'dim', 'an array of integers', dim);
  let dims: number[] = given(dim) ? dim.map((d) => wrapDim(d, ndim, fn)) : [];
  if (given(dim)) {
    const sorted = [...dims].sort((a, b) => a - b);
    if (sorted.some((d, i) => i > 0 && d === sorted[i - 1])) throw new Error('FFT dims must be unique');
  }
  let shape: number[];
  if (given(s)) {
    if (given(dim) && dim.length !== s.length) throw new Error('When given, dim and shape arguments must have the same length');
    if (s.length > ndim) throw new Error(`Got shape with ${s.length} values but input tensor only has ${ndim} dimensions.`);
    if (!given(dim)) dims = s.map((_, i) => ndim - s.length + i);
    shape = s.map((n, i) => {
      if (typeof n !== 'number' || !Number.isInteger(n)) throw argumentError(fn, `s[${i}]`, 'an integer', n);
      return n === -1 ? x._shape[dims[i]] : n;
    });
  } else {
    if (!given(dim)) dims = x._shape.map((_, i) => i);
    shape = dims.map((d) => x._shape[d]);
  }
  for (const n of shape) if (n <= 0) throw new Error(`Invalid number of data points (${n}) specified`);
  return { shape, dim: dims };
}

/** PyTorch's canonicalize_fft_c2r_shape_and_dim_args: also the output's last-dim length. */
function c2rShapeAndDims(x: Tensor, s: unknown, dim: unknown, fn: string): ShapeAndDims & { lastDimSize: number } {
  const desc = shapeAndDims(x, s, dim, fn);
  if (desc.shape.length === 0) throw new Error(`${fn} must transform at least one axis`);
  const sList = s as readonly number[] | null | undefined;
  const lastDimSize = sList === undefined || sList === null || sList[sList.length - 1] === -1 ? 2 * (x._shape[desc.dim[desc.dim.length - 1]] - 1) : desc.shape[desc.shape.length - 1];
  if (lastDimSize < 1) throw new Error(`Invalid number of data points (${lastDimSize}) specified`);
  desc.shape[desc.shape.length - 1] = Math.floor(lastDimSize / 2) + 1;
  return { ...desc, lastDimSize };
}

// ---- one dimension -------------------------------------------------------------------

type OneDimArgs = [n?: number | null | FftOptions, dim?: number | FftOptions, norm?: FftNormMode | FftOptions];

function oneDim(fn: string, input: Tensor, rest: readonly unknown[]): { n: number | null; dim: number; norm: unknown } {
  checkTensor(input, fn, 'input');
  const a = argsOf(fn, rest, ['n', 'dim', 'norm']);
  // A 0-d signal has no points along any dim: PyTorch's message for it.
  if (input._shape.length === 0) throw new Error('Invalid number of data points (0) specified');
  const dim = wrapDim(a.dim ?? -1, input._shape.length, fn);
  const n = a.n === undefined || a.n === null ? null : checkLength(a.n, fn, 'n');
  if (n === null) checkLength(input._shape[dim], fn, 'n');
  return { n, dim, norm: a.norm };
}

/** PyTorch's fft_c2c: a complex signal, transformed along one dim. */
function c2c(fn: string, input: Tensor, rest: readonly unknown[], forward: boolean): Tensor {
  const { n, dim, norm } = oneDim(fn, input, rest);
  if (!input._dtype.isComplex) throw new Error(`${fn} expects a complex input tensor, but got ${scalarTypeName(input._dtype)}`);
  const x = n === null ? input : resize(input, [dim], [n]);
  return fftC2c(x, [dim], normMode(norm, forward), forward);
}

/** PyTorch's fft_r2c: a real signal; the inverse direction is the conjugate of the forward one. */
function r2c(fn: string, input: Tensor, rest: readonly unknown[], forward: boolean, onesided: boolean): Tensor {
  const { n, dim, norm } = oneDim(fn, input, rest);
  if (input._dtype.isComplex) throw new Error(`${fn} expects a real input tensor, but got ${scalarTypeName(input._dtype)}`);
  let x = promote(input, false);
  if (n !== null) x = resize(x, [dim], [n]);
  const out = fftR2c(x, [dim], normMode(norm, forward), onesided);
  return forward ? out : conj(out);
}

/** PyTorch's fft_c2r: a Hermitian half-spectrum to a real signal of length n (default 2·(m - 1)). */
function c2r(fn: string, input: Tensor, rest: readonly unknown[], forward: boolean): Tensor {
  checkTensor(input, fn, 'input');
  const a = argsOf(fn, rest, ['n', 'dim', 'norm']);
  let x = promote(input, true);
  if (x._shape.length === 0) throw new Error('Invalid number of data points (0) specified');
  const dim = wrapDim(a.dim ?? -1, x._shape.length, fn);
  const n = a.n === undefined || a.n === null ? 2 * (x._shape[dim] - 1) : (a.n as number);
  checkLength(n, fn, 'n');
  if (a.n !== undefined && a.n !== null) x = resize(x, [dim], [Math.floor(n / 2) + 1]);
  if (forward) x = conj(x);
  return fftC2r(x, [dim], normMode(a.norm, forward), n);
}

/**
 * The discrete Fourier transform along one dim: `torch.fft.fft(input, n, dim, norm)`. A real
 * input gives its full (two-sided) complex spectrum.
 * @example torch.fft.fft(torch.tensor([1, 2, 3, 4])) // tensor([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
 */
export function fft(input: Tensor, ...rest: OneDimArgs): Tensor {
  return tidy(() => input instanceof Tensor && input._dtype.isComplex ? c2c('fft', input, rest, true) : r2c('fft', input, rest, true, false));
}

/**
 * The inverse transform along one dim, scaled by 1/n by default: `torch.fft.ifft`.
 * @example torch.fft.ifft(torch.fft.fft(x)) // x, as complex
 */
export function ifft(input: Tensor, ...rest: OneDimArgs): Tensor {
  return tidy(() => input instanceof Tensor && input._dtype.isComplex ? c2c('ifft', input, rest, false) : r2c('ifft', input, rest, false, false));
}

/**
 * The one-sided spectrum of a real signal (n/2 + 1 entries): `torch.fft.rfft`.
 * @example torch.fft.rfft(torch.tensor([1, 2, 3, 4])) // tensor([10.+0.j, -2.+2.j, -2.+0.j])
 */
export function rfft(input: Tensor, ...rest: OneDimArgs): Tensor {
  return tidy(() => r2c('rfft', input, rest, true, true));
}

/**
 * The real signal of a one-sided spectrum, of length `n` (default 2·(m - 1)): `torch.fft.irfft`.
 * @example torch.fft.irfft(torch.fft.rfft(x), x.shape[0]) // x
 */
export function irfft(input: Tensor, ...rest: OneDimArgs): Tensor {
  return tidy(() => c2r('irfft', input, rest, false));
}

/**
 * The real spectrum of a Hermitian-symmetric signal given by its first half: `torch.fft.hfft`.
 * @example torch.fft.hfft(torch.fft.ihfft(x), x.shape[0]) // x
 */
export function hfft(input: Tensor, ...rest: OneDimArgs): Tensor {
  return tidy(() => c2r('hfft', input, rest, true));
}

/**
 * The inverse of hfft: the first half of a real signal's inverse transform, `torch.fft.ihfft`.
 * @example torch.fft.ihfft(torch.tensor([1, 2, 3, 4]).float())
 */
export function ihfft(input: Tensor, ...rest: OneDimArgs): Tensor {
  return tidy(() => r2c('ihfft', input, rest, false, true));
}

// ---- n dimensions --------------------------------------------------------------------

type NDimArgs = [s?: readonly number[] | null | FftnOptions, dim?: readonly number[] | null | FftnOptions, norm?: FftNormMode | FftnOptions];

function nDimArgs(fn: string, input: Tensor, rest: readonly unknown[], defaultDims: readonly number[] | null): { s: unknown; dim: unknown; norm: unknown } {
  checkTensor(input, fn, 'input');
  const a = argsOf(fn, rest, ['s', 'dim', 'norm']);
  return { s: a.s, dim: a.dim === undefined ? defaultDims : a.dim, norm: a.norm };
}

function fftnAny(fn: string, input: Tensor, rest: readonly unknown[], forward: boolean, defaultDims: readonly number[] | null): Tensor {
  const a = nDimArgs(fn, input, rest, defaultDims);
  const desc = shapeAndDims(input, a.s, a.dim, fn);
  const x = resize(promote(input, true), desc.dim, desc.shape);
  return fftC2c(x, desc.dim, normMode(a.norm, forward), forward);
}

function rfftnAny(fn: string, input: Tensor, rest: readonly unknown[], defaultDims: readonly number[] | null): Tensor {
  const a = nDimArgs(fn, input, rest, defaultDims);
  if (input._dtype.isComplex) throw new Error(`${fn} expects a real-valued input tensor, but got ${scalarTypeName(input._dtype)}`);
  const desc = shapeAndDims(input, a.s, a.dim, fn);
  if (desc.shape.length === 0) throw new Error(`${fn} must transform at least one axis`);
  const x = resize(promote(input, false), desc.dim, desc.shape);
  return fftR2c(x, desc.dim, normMode(a.norm, true), true);
}

function irfftnAny(fn: string, input: Tensor, rest: readonly unknown[], defaultDims: readonly number[] | null): Tensor {
  const a = nDimArgs(fn, input, rest, defaultDims);
  const desc = c2rShapeAndDims(input, a.s, a.dim, fn);
  const x = resize(promote(input, true), desc.dim, desc.shape);
  return fftC2r(x, desc.dim, normMode(a.norm, false), desc.lastDimSize);
}

function hfftnAny(fn: string, input: Tensor, rest: readonly unknown[], defaultDims: readonly number[] | null): Tensor {
  const a = nDimArgs(fn, input, rest, defaultDims);
  const desc = c2rShapeAndDims(input, a.s, a.dim, fn);
  const x = resize(promote(input, true), desc.dim, desc.shape);
  const norm = normMode(a.norm, true);
  const lastDim = desc.dim[desc.dim.length - 1];
  const partial = desc.dim.length > 1 ? fftC2c(x, desc.dim.slice(0, -1), norm, true) : x;
  return fftC2r(conj(partial), [lastDim], norm, desc.lastDimSize);
}

function ihfftnAny(fn: string, input: Tensor, rest: readonly unknown[], defaultDims: readonly number[] | null): Tensor {
  const a = nDimArgs(fn, input, rest, defaultDims);
  const desc = shapeAndDims(input, a.s, a.dim, fn);
  if (desc.shape.length === 0) throw new Error(`${fn} must transform at least one axis`);
  const x = resize(promote(input, false), desc.dim, desc.shape);
  const norm = normMode(a.norm, false);
  const half = conj(fftR2c(x, [desc.dim[desc.dim.length - 1]], norm, true));
  return desc.dim.length === 1 ? half : fftC2c(half, desc.dim.slice(0, -1), norm, false);
}

const LAST_TWO = [-2, -1] as const;

/**
 * The n-dimensional transform over `dim` (default: every dim): `torch.fft.fftn(input, s, dim, norm)`.
 * @example torch.fft.fftn(x, null, [0, 1])
 */
export function fftn(input: Tensor, ...rest: NDimArgs): Tensor {
  return tidy(() => fftnAny('fftn', input, rest, true, null));
}
/** The n-dimensional inverse transform: `torch.fft.ifftn`. @example torch.fft.ifftn(torch.fft.fftn(x)) */
export function ifftn(input: Tensor, ...rest: NDimArgs): Tensor {
  return tidy(() => fftnAny('ifftn', input, rest, false, null));
}
/** The 2-D transform over the last two dims: `torch.fft.fft2`. @example torch.fft.fft2(image) */
export function fft2(input: Tensor, ...rest: NDimArgs): Tensor {
  return tidy(() => fftnAny('fft2', input, rest, true, LAST_TWO));
}
/** The 2-D inverse transform: `torch.fft.ifft2`. @example torch.fft.ifft2(torch.fft.fft2(image)) */
export function ifft2(input: Tensor, ...rest: NDimArgs): Tensor {
  return tidy(() => fftnAny('ifft2', input, rest, false, LAST_TWO));
}
/** The n-dimensional one-sided transform of a real signal (half along the last dim): `torch.fft.rfftn`. @example torch.fft.rfftn(x) */
export function rfftn(input: Tensor, ...rest: NDimArgs): Tensor {
  return tidy(() => rfftnAny('rfftn', input, rest, null));
}
/** The real signal of an n-dimensional one-sided spectrum: `torch.fft.irfftn`. @example torch.fft.irfftn(torch.fft.rfftn(x), x.shape) */
export function irfftn(input: Tensor, ...rest: NDimArgs): Tensor {
  return tidy(() => irfftnAny('irfftn', input, rest, null));
}
/** The 2-D one-sided transform: `torch.fft.rfft2`. @example torch.fft.rfft2(image) */
export function rfft2(input: Tensor, ...rest: NDimArgs): Tensor {
  return tidy(() => rfftnAny('rfft2', input, rest, LAST_TWO));
}
/** The real signal of a 2-D one-sided spectrum: `torch.fft.irfft2`. @example torch.fft.irfft2(torch.fft.rfft2(image), image.shape.slice(-2)) */
export function irfft2(input: Tensor, ...rest: NDimArgs): Tensor {
  return tidy(() => irfftnAny('irfft2', input, rest, LAST_TWO));
}
/** The n-dimensional hfft: `torch.fft.hfftn`. @example torch.fft.hfftn(x) */
export function hfftn(input: Tensor, ...rest: NDimArgs): Tensor {
  return tidy(() => hfftnAny('hfftn', input, rest, null));
}
/** The n-dimensional ihfft: `torch.fft.ihfftn`. @example torch.fft.ihfftn(x) */
export function ihfftn(input: Tensor, ...rest: NDimArgs): Tensor {
  return tidy(() => ihfftnAny('ihfftn', input, rest, null));
}
/** The 2-D hfft: `torch.fft.hfft2`. @example torch.fft.hfft2(x) */
export function hfft2(input: Tensor, ...rest: NDimArgs): Tensor {
  return tidy(() => hfftnAny('hfft2', input, rest, LAST_TWO));
}
/** The 2-D ihfft: `torch.fft.ihfft2`. @example torch.fft.ihfft2(x) */
export function ihfft2(input: Tensor, ...rest: NDimArgs): Tensor {
  return tidy(() => ihfftnAny('ihfft2', input, rest, LAST_TWO));
}

// ---- frequencies and shifts ----------------------------------------------------------

/** Keyword arguments of fftfreq and rfftfreq: the creation options. */
export type FftFreqOptions = CreationOptions;

function freqArgs(fn: string, n: number, d: number | FftFreqOptions | undefined, options: FftFreqOptions | undefined): { spacing: number; options: FftFreqOptions } {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw argumentError(fn, 'n', 'an integer', n);
  const spacing = typeof d === 'number' ? d : 1;
  const opts = (typeof d === 'object' && d !== null ? d : options) ?? {};
  const dtype = opts.dtype === undefined ? defaultFloat : toDType(opts.dtype as DType | string);
  if (!dtype.isFloatingPoint && !dtype.isComplex) throw new Error(`${fn} requires a floating point or complex dtype`);
  return { spacing, options: opts };
}

/**
 * The sample frequencies of an n-point transform with sample spacing `d`:
 * [0, 1, ..., ⌈n/2⌉ - 1, -⌊n/2⌋, ..., -1] / (d·n), `torch.fft.fftfreq`.
 * @example torch.fft.fftfreq(4) // tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
 */
export function fftfreq(n: number, d?: number | FftFreqOptions, options?: FftFreqOptions): Tensor {
  const a = freqArgs('fftfreq', n, d, options);
  const { requiresGrad, ...creation } = a.options as FftFreqOptions & { requiresGrad?: boolean };
  const out = arange(n, { ...creation, dtype: creation.dtype ?? defaultFloat });
  const right = Math.floor((n + 1) / 2);
  if (n > right) narrow(out, 0, right, n - right).copy_(arange(-Math.floor(n / 2), 0, 1, { dtype: out.dtype }));
  out.mul_(1 / (n * a.spacing));
  return requiresGrad ? out.requiresGrad_() : out;
}

/**
 * The sample frequencies of rfft's one-sided output: [0, 1, ..., ⌊n/2⌋] / (d·n), `torch.fft.rfftfreq`.
 * @example torch.fft.rfftfreq(4) // tensor([0.0000, 0.2500, 0.5000])
 */
export function rfftfreq(n: number, d?: number | FftFreqOptions, options?: FftFreqOptions): Tensor {
  const a = freqArgs('rfftfreq', n, d, options);
  const { requiresGrad, ...creation } = a.options as FftFreqOptions & { requiresGrad?: boolean };
  const out = arange(Math.floor(n / 2) + 1, { ...creation, dtype: creation.dtype ?? defaultFloat });
  out.mul_(1 / (n * a.spacing));
  return requiresGrad ? out.requiresGrad_() : out;
}

function shiftDims(x: Tensor, dim: number | readonly number[] | null | undefined, fn: string): number[] {
  if (dim === undefined || dim === null) return x._shape.map((_, i) => i);
  return (typeof dim === 'number' ? [dim] : [...dim]).map((d) => wrapDim(d, x._shape.length, fn));
}

/**
 * Moves the zero frequency to the middle: a roll by ⌊size/2⌋ along `dim` (default all), `torch.fft.fftshift`.
 * @example torch.fft.fftshift(torch.fft.fftfreq(5)) // tensor([-0.4000, -0.2000,  0.0000,  0.2000,  0.4000])
 */
export function fftshift(input: Tensor, dim?: number | readonly number[] | null): Tensor {
  checkTensor(input, 'fftshift', 'input');
  const dims = shiftDims(input, dim, 'fftshift');
  return roll(input, dims.map((d) => Math.floor(input._shape[d] / 2)), dims);
}

/**
 * The inverse of fftshift: a roll by ⌈size/2⌉, `torch.fft.ifftshift`.
 * @example torch.fft.ifftshift(torch.fft.fftshift(x)) // x
 */
export function ifftshift(input: Tensor, dim?: number | readonly number[] | null): Tensor {
  checkTensor(input, 'ifftshift', 'input');
  const dims = shiftDims(input, dim, 'ifftshift');
  return roll(input, dims.map((d) => Math.floor((input._shape[d] + 1) / 2)), dims);
}

