/**
 * scatter_reduce ('sum' | 'prod' | 'mean' | 'amax' | 'amin', includeSelf) with PyTorch's
 * gradients, and scatter's legacy `reduce: 'add' | 'multiply'` (which, as in PyTorch, has
 * no derivative). Products, maxima and minima use the native scatterReduce kernel.
 */
import * as call from '../native/calls.generated.js';
import { BinaryOp } from '../native/enums.generated.js';
import { checkInplace, record } from '../autograd/function.js';
import { gradEnabled } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { int64 } from '../tensor/dtype.js';
import { normalizeDim, shapeString } from '../tensor/shape.js';
import { argumentError, checkBoolean, checkOptions, checkTensor } from '../tensor/args.js';
import { castKernel, gatherKernel, scatterKernel } from './tensor-kernels.js';
import { filled } from './internal-tensors.js';
import { reshape } from './shape.js';
import { div, eq, logicalAnd, mul, where } from './elementwise.js';
import { inplaceVia } from './inplace-via.js';
import { tidy } from '../memory/storage.js';
import { checkWriteOverlap } from './overlap.js';

/** scatter_reduce's reductions. */
export type ScatterReduction = 'sum' | 'prod' | 'mean' | 'amax' | 'amin';

/** Options of scatterReduce. */
export interface ScatterReduceOptions {
  /** Whether self's values take part in the reduction (default true). */
  includeSelf?: boolean;
}

/** Options of scatter's legacy reduce form. */
export interface ScatterOptions {
  reduce?: 'add' | 'multiply';
}

const REDUCTIONS: readonly ScatterReduction[] = ['sum', 'prod', 'mean', 'amax', 'amin'];

/** 0-d operands act as 1-element vectors, as in PyTorch's gather/scatter. */
function asVector(t: Tensor): Tensor {
  return t._shape.length === 0 ? reshape(t, [1]) : t;
}

function checkIndexTensor(x: Tensor, index: unknown, fn: string): asserts index is Tensor {
  checkTensor(index, fn, 'index');
  if (index._dtype !== int64) throw new Error(`${fn}(): Expected dtype int64 for index`);
  if (index._shape.length !== x._shape.length && !(index._shape.length <= 1 && x._shape.length <= 1)) {
    throw new Error('Index tensor must have the same number of dimensions as self tensor');
  }
}

/**
 * PyTorch's scatter_shape_check and dtype check, before anything is written (an excluded
 * self is overwritten first, so the kernel's own check would come too late).
 */
function checkScatterSource(x: Tensor, d: number, index: Tensor, src: Tensor, fn: string): void {
  if (src._dtype !== x._dtype) throw new Error(`${fn}(): Expected self.dtype to be equal to src.dtype`);
  const [xs, is, ss] = [x, index, src].map((t) => (t._shape.length === 0 ? [1] : t._shape));
  const fits = ss.length === is.length && is.every((s, k) => (k === d || s <= xs[k]) && s <= ss[k]);
  if (!fits) {
    throw new Error(
      `Expected index ${shapeString(is)} to be smaller than self ${shapeString(xs)} apart from dimension ${d} and to be smaller size than src ${shapeString(ss)}`,
    );
  }
}

/** Combines `src` into `out` (in place, no autograd) at `index` along `d`. */
function combineRaw(out: Tensor, d: number, index: Tensor, src: Tensor, reduce: ScatterReduction | 'overwrite'): void {
  const o = asVector(out);
  const i = asVector(index);
  const s = asVector(src);
  if (reduce === 'overwrite') scatterKernel(o, d, i, s, false);
  else if (reduce === 'sum' || reduce === 'mean') scatterKernel(o, d, i, s, true);
  else call.scatterReduce(reduce === 'prod' ? BinaryOp.Mul : reduce === 'amax' ? BinaryOp.Maximum : BinaryOp.Minimum, o, d, i, s);
}

/** The forward of scatter_reduce on detached tensors. */
function scatterReduceRaw(x: Tensor, d: number, index: Tensor, src: Tensor, reduce: ScatterReduction, includeSelf: boolean): Tensor {
  const out = castKernel(x, x._dtype);
  if (!includeSelf && (reduce === 'amax' || reduce === 'amin')) {
    // Each target starts from one of the values reduced into it: exact for every dtype,
    // where int64's extreme values are no doubles (2^63 - 1 would round and wrap).
    combineRaw(out, d, index, src, 'overwrite');
  } else if (!includeSelf) {
    const start = filled(index._shape.slice(), reduce === 'prod' ? 1 : 0, x._dtype, x.device);
    combineRaw(out, d, index, start, 'overwrite');
    start.dispose();
  }
  combineRaw(out, d, index, src, reduce);
  if (reduce !== 'mean') return out;
  return tidy(() => {
    const counts = filled(x._shape.slice(), includeSelf ? 1 : 0, x._dtype, x.device);
    combineRaw(counts, d, index, filled(index._shape.slice(), 1, x._dtype, x.device), 'sum');
    const safe = where(eq(counts, 0), 1, counts);
    const mean = x._dtype.isFloatingPoint ? div(out, safe) : div(out, safe, { roundingMode: 'floor' });
    out.dispose();
    return mean;
  });
}

/**
 * Reduces `src` into a copy of x at `index` along `dim` with `reduce`; with
 * `includeSelf: false` the scattered-to positions start from the reduction's identity.
 * Gradients are PyTorch's (amax/amin share a tie's gradient evenly).
 * @example x.scatterReduce(0, idx, src, 'amax', { includeSelf: false })
 */
export function scatterReduce(x: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduction, options: ScatterReduceOptions = {}): Tensor {
  checkTensor(x, 'scatter_reduce', 'input');
  checkTensor(src, 'scatter_reduce', 'src');
  checkOptions(options, 'scatter_reduce', ['includeSelf']);
  const includeSelf = options.includeSelf ?? true;
  checkBoolean(includeSelf, 'scatter_reduce', 'includeSelf');
  if (!REDUCTIONS.includes(reduce)) {
    throw new Error(`reduce argument must be either sum, prod, mean, amax or amin, got ${String(reduce)}`);
  }
  const d = normalizeDim(dim, x._shape.length, false, 'scatter_reduce');
  checkIndexTensor(x, index, 'scatter_reduce');
  checkScatterSource(x, d, index, src, 'scatter_reduce');
  const xd = x.detach();
  const sd = src.detach();
  const out = scatterReduceRaw(xd, d, index, sd, reduce, includeSelf);
  if (!gradEnabled() || !(x._requiresGrad || src._requiresGrad)) return out;
  if (!x._dtype.isFloatingPoint) return out;
  return record(out, 'ScatterReduceBackward0', [x, src], (node) => {
    const sx = node.save(xd);
    const ss = node.save(sd);
    const si = node.save(index);
    const sr = node.save(out);
    return (g) => tidy(() => scatterReduceBackward(g, sx(), ss(), si(), sr(), d, reduce, includeSelf));
  }, { onceDifferentiable: true });
}

function gatherRaw(t: Tensor, d: number, index: Tensor): Tensor {
  return reshape(gatherKernel(asVector(t), d, asVector(index)), index._shape);
}

/** scatter_add on detached tensors: a copy of `base` with `src` added at `index`. */
function scatterAddRaw(base: Tensor, d: number, index: Tensor, src: Tensor): Tensor {
  const out = castKernel(base, base._dtype);
  combineRaw(out, d, index, src, 'sum');
  return out;
}

/** PyTorch 1.13's scatter_reduce_backward (FunctionsManual.cpp), on detached tensors. */
function scatterReduceBackward(
  g: Tensor, self: Tensor, src: Tensor, index: Tensor, result: Tensor, d: number, reduce: ScatterReduction, includeSelf: boolean,
): [Tensor, Tensor] {
  let gradSelf: Tensor;
  let gradSrc: Tensor;
  if (reduce === 'sum') {
    gradSelf = g;
    gradSrc = gatherRaw(g, d, index);
  } else if (reduce === 'mean') {
    const ones = filled(index._shape.slice(), 1, g._dtype, g.device);
    const counts = scatterAddRaw(filled(g._shape.slice(), includeSelf ? 1 : 0, g._dtype, g.device), d, index, ones);
    const n = where(eq(counts, 0), 1, counts);
    gradSelf = div(g, n);
    gradSrc = div(gatherRaw(g, d, index), gatherRaw(n, d, index));
  } else if (reduce === 'prod') {
    // Products with zeros: divide by the zero-free factors, and give a src that is the only
    // zero at its position the product of the others.
    const maskedSelf = where(eq(self, 0), 1, self);
    const maskedSelfResult = scatterReduceRaw(maskedSelf, d, index, src, 'prod', includeSelf);
    gradSelf = div(mul(g, maskedSelfResult), maskedSelf);
    const srcZero = eq(src, 0);
    const zeros = scatterAddRaw(filled(self._shape.slice(), 0, g._dtype, g.device), d, index, castKernel(srcZero, g._dtype));
    const srcNumZeros = gatherRaw(zeros, d, index);
    const single = logicalAnd(srcZero, eq(srcNumZeros, 1));
    const maskedSrc = where(single, 1, src);
    const maskedSrcResult = scatterReduceRaw(self, d, index, maskedSrc, 'prod', includeSelf);
    gradSrc = where(single, gatherRaw(mul(g, maskedSrcResult), d, index), div(gatherRaw(mul(g, result), d, index), where(srcZero, 1, src)));
  } else {
    const value = gatherRaw(result, d, index);
    const selfIsResult = castKernel(eq(self, result), g._dtype);
    const srcIsResult = castKernel(eq(src, value), g._dtype);
    const share = scatterAddRaw(selfIsResult, d, index, srcIsResult);
    const distributed = div(g, share);
    gradSelf = mul(selfIsResult, distributed);
    gradSrc = mul(srcIsResult, gatherRaw(distributed, d, index));
  }
  if (!includeSelf) {
    const scattered = filled(self._shape.slice(), 1, g._dtype, g.device);
    combineRaw(scattered, d, index, filled(index._shape.slice(), 0, g._dtype, g.device), 'overwrite');
    gradSelf = mul(gradSelf, scattered);
  }
  return [gradSelf, gradSrc];
}

/** The legacy scatter reduce ('add' | 'multiply'), after its checks. */
function legacyReduce(options: ScatterOptions | undefined, fn: string): 'sum' | 'prod' | null {
  checkOptions(options, fn, ['reduce']);
  const reduce = options?.reduce;
  if (reduce === undefined) return null;
  if (reduce !== 'add' && reduce !== 'multiply') throw new Error('reduce argument must be either add or multiply.');
  return reduce === 'add' ? 'sum' : 'prod';
}

function sourceOf(x: Tensor, index: Tensor, src: Tensor | number, fn: string): Tensor {
  if (src instanceof Tensor) {
    if (src._dtype !== x._dtype) throw new Error(`${fn}(): Expected self.dtype to be equal to src.dtype`);
    return src.detach();
  }
  if (typeof src !== 'number' && typeof src !== 'boolean') throw argumentError(fn, 'src', 'a Tensor or a number', src);
  return filled(index._shape.slice(), Number(src), x._dtype, x.device);
}

/**
 * scatter with `reduce: 'add' | 'multiply'`: a copy of x with src (or a value) combined
 * at `index`. PyTorch defines no derivative for it: backward through it throws.
 * @internal
 */
export function scatterWithReduce(x: Tensor, dim: number, index: Tensor, src: Tensor | number, options: ScatterOptions): Tensor {
  const reduce = legacyReduce(options, 'scatter')!;
  const d = normalizeDim(dim, x._shape.length, false, 'scatter');
  checkIndexTensor(x, index, 'scatter');
  const source = sourceOf(x, index, src, 'scatter');
  const out = castKernel(x, x._dtype);
  combineRaw(out, d, index, source, reduce);
  return record(out, 'NotImplemented', [x, src instanceof Tensor ? src : null], () => () => {
    throw new Error('derivative for aten::scatter is not implemented');
  });
}

/**
 * In-place scatter with `reduce: 'add' | 'multiply'` (no derivative, as PyTorch's).
 * @internal
 */
export function scatterWithReduce_(x: Tensor, dim: number, index: Tensor, src: Tensor | number, options: ScatterOptions): Tensor {
  const reduce = legacyReduce(options, 'scatter_')!;
  checkInplace(x);
  const d = normalizeDim(dim, x._shape.length, false, 'scatter_');
  checkIndexTensor(x, index, 'scatter');
  checkWriteOverlap(x, index, src);
  if (gradEnabled() && (x._requiresGrad || (src instanceof Tensor && src._requiresGrad))) {
    throw new Error('derivative for aten::scatter_ is not implemented');
  }
  const source = sourceOf(x, index, src, 'scatter_');
  combineRaw(x, d, index, source, reduce);
  x._version.value++;
  return x;
}

/**
 * In-place `scatterReduce`.
 * @example x.scatterReduce_(0, idx, src, 'sum')
 */
export function scatterReduce_(x: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduction, options: ScatterReduceOptions = {}): Tensor {
  checkTensor(x, 'scatter_reduce_', 'input');
  checkWriteOverlap(x, index, src);
  return inplaceVia(x, [src], (current) => scatterReduce(current, dim, index, src, reduce, options));
}

