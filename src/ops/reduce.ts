/**
 * Reductions over any set of dims: sum, mean, prod, max, min, argmax, argmin, any,
 * all, logsumexp (norm, var and std are in norms.ts). Argument forms follow PyTorch: `sum()`, `sum(1)`, `sum(1, true)`,
 * `sum([0, 1])`, `sum({ dim, keepdim })`, `sum(1, { keepdim: true })`.
 */
import { BinaryOp, ReduceOp } from '../native/enums.generated.js';
import { type Backward, record } from '../autograd/function.js';
import { gradEnabled } from '../autograd/grad-mode.js';
import * as call from '../native/calls.generated.js';
import { fresh, layoutOf } from '../native/meta.js';
import { DType, bool, computeDType, defaultFloat, int64, scalarTypeName } from '../tensor/dtype.js';
import { Tensor, fromHandle } from '../tensor/tensor.js';
import { contiguousStrides, normalizeDim, sameShape } from '../tensor/shape.js';
import { castKernel, reduceKernel, scalarKernel } from './tensor-kernels.js';
import { div, eq, exp, logicalAnd, logicalOr, maximum, minimum, mul, ne, sub, where } from './elementwise.js';
import { zerosOf } from './internal-tensors.js';
import { expand, reshape, toDtype, unsqueeze, view } from './shape.js';
import { checkBoolean, checkOptions, checkTensor, keysOf, toDTypeArg } from '../tensor/args.js';
import { scatter } from './indexing.js';
import { autocastHook, autocastOp } from '../amp/autocast-policy.js';
import { complexProd, complexSum } from '../complex/math.js';

/** A dim argument: one dim, several, or none (all). */
export type Dims = number | number[] | null | undefined;
/** Options that PyTorch takes as keywords (`dtype` also by name, as `'float64'`). */
export interface ReduceOptions {
  dim?: Dims;
  keepdim?: boolean;
  dtype?: DType | string;
}
/** The keys sum, mean and prod accept. */
const REDUCE_KEYS = keysOf<ReduceOptions>()('dim', 'keepdim', 'dtype');
/**
 * The options of max, min, argmax and argmin, which take no dtype.
 * @example x.max({ dim: 1, keepdim: true })
 */
export interface DimOptions {
  dim?: number | null;
  keepdim?: boolean;
}
const DIM_KEYS = keysOf<DimOptions>()('dim', 'keepdim');

/**
 * Parsed reduction arguments; `dtype` checked and converted. @internal
 * @example reduceArgs('sum', ['dim', 'keepdim', 'dtype'], 1, true) // { dim: 1, keepdim: true, dtype: undefined }
 */
export interface ReduceArgs {
  dim: Dims;
  keepdim: boolean;
  dtype: DType | undefined;
}

function optionsObject(value: unknown): value is ReduceOptions {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Untangles `(dim?, keepdim?, options?)` call forms, checking every options object
 * against `allowed` and `keepdim` / `dtype` against their types, naming `fn`. @internal
 */
export function reduceArgs(
  fn: string,
  allowed: readonly string[],
  dimOrOptions?: unknown,
  keepdimOrOptions?: unknown,
  maybeOptions?: unknown,
): ReduceArgs {
  const args: ReduceArgs = { dim: undefined, keepdim: false, dtype: undefined };
  let dtype: unknown;
  if (optionsObject(dimOrOptions)) dtype = takeOptions(args, dimOrOptions, fn, allowed, dtype);
  else args.dim = dimOrOptions as Dims;
  if (optionsObject(keepdimOrOptions)) dtype = takeOptions(args, keepdimOrOptions, fn, allowed, dtype);
  else if (keepdimOrOptions !== undefined) args.keepdim = keepdimOrOptions as boolean;
  if (maybeOptions !== undefined) {
    if (optionsObject(maybeOptions)) dtype = takeOptions(args, maybeOptions, fn, allowed, dtype);
    else checkOptions(maybeOptions, fn, allowed);
  }
  checkBoolean(args.keepdim, fn, 'keepdim');
  if (dtype !== undefined && dtype !== null) args.dtype = toDTypeArg(dtype, fn);
  return args;
}

/** Copies one options object's fields into `args`; returns the dtype seen so far. */
function takeOptions(args: ReduceArgs, options: ReduceOptions, fn: string, allowed: readonly string[], dtype: unknown): unknown {
  checkOptions(options, fn, allowed);
  if (options.dim !== undefined) args.dim = options.dim;
  if (options.keepdim !== undefined) args.keepdim = options.keepdim;
  return options.dtype !== undefined ? options.dtype : dtype;
}

/** Normalised, sorted, unique dims to reduce; all dims when `dim` is absent. @internal */
export function reduceDims(x: Tensor, dim: Dims, fn?: string): number[] {
  const ndim = x._shape.length;
  if (dim === undefined || dim === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = Array.isArray(dim) ? dim : [dim];
  if (Array.isArray(dim) && dim.length === 0) return Array.from({ length: ndim }, (_, i) => i);
  const out = new Set<number>();
  for (const d of list) {
    const n = normalizeDim(d, ndim, false, fn);
    if (out.has(n)) throw new Error(`dim ${n} appears multiple times in the list of dims`);
    out.add(n);
  }
  return [...out].filter((d) => d < Math.max(ndim, 1)).sort((a, b) => a - b).filter((d) => d < ndim || ndim === 0);
}

/** The shape with reduced dims kept as 1 (keepdim) or dropped. */
function outputShape(x: Tensor, dims: number[], keepdim: boolean): number[] {
  const reduced = new Set(dims);
  const shape: number[] = [];
  x._shape.forEach((s, d) => {
    if (!reduced.has(d)) shape.push(s);
    else if (keepdim) shape.push(1);
  });
  return shape;
}

/** Runs a reduction kernel (no autograd) and reshapes for keepdim. @internal */
export function reduceRaw(code: ReduceOp, x: Tensor, dims: number[], keepdim: boolean, outDtype: DType): Tensor {
  const realDims = x._shape.length === 0 ? [] : dims;
  const out = reduceKernel(code, x, realDims, outDtype);
  const shape = outputShape(x, realDims, keepdim);
  if (sameShape(shape, out._shape)) return out;
  const reshaped = new Tensor(out._storage, shape, contiguousStrides(shape), 0, outDtype);
  out.dispose();
  return reshaped;
}

/** Re-expands a reduced gradient to the input's shape. */
function expandBack(g: Tensor, inputShape: number[], dims: number[], keepdim: boolean): Tensor {
  let grad = g;
  if (!keepdim && inputShape.length > 0) for (const d of dims) grad = unsqueeze(grad, d);
  return expand(grad, inputShape);
}

/**
 * Sum over dims, as `torch.sum` (integers and bools sum to int64).
 * @example x.sum(); x.sum(1, true); x.sum([0, 1])
 */
export function sum(x: Tensor, dim?: Dims | ReduceOptions, keepdim?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
  if (autocastHook.active) return autocastOp('sum', sum, arguments);
  checkTensor(x, 'sum', 'input');
  const args = reduceArgs('sum', REDUCE_KEYS, dim, keepdim, options);
  let input = x;
  // A complex target is a recorded conversion: complexSum's history starts from it.
  if (args.dtype && args.dtype !== x._dtype) input = args.dtype.isComplex ? toDtype(x, args.dtype) : castKernel(x, args.dtype);
  const dims = reduceDims(input, args.dim, 'sum');
  if (input._dtype.isComplex) return complexSum(input, dims, args.keepdim, args.dim === undefined || args.dim === null ? 'SumBackward0' : 'SumBackward1');
  const outDtype = input._dtype.isFloatingPoint ? input._dtype : int64;
  const out = reduceRaw(ReduceOp.Sum, input, dims, args.keepdim, outDtype);
  if (!gradEnabled() || !x._requiresGrad) return out;
  const shape = x._shape;
  const inputDtype = x._dtype;
  const keep = args.keepdim;
  const name = args.dim === undefined || args.dim === null ? 'SumBackward0' : 'SumBackward1';
  // The closure keeps the input's shape and dtype, never the input (SumBackward saves nothing).
  return record(out, name, [x], () => (g) => [toDtype(expandBack(g, shape, dims, keep), inputDtype)]);
}

/**
 * Mean over dims (floating inputs only, as PyTorch).
 * @example x.mean(); x.mean(0, true)
 */
export function mean(x: Tensor, dim?: Dims | ReduceOptions, keepdim?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
  checkTensor(x, 'mean', 'input');
  const args = reduceArgs('mean', REDUCE_KEYS, dim, keepdim, options);
  const dtype = args.dtype ?? x._dtype;
  if (!dtype.isFloatingPoint && !dtype.isComplex) {
    throw new Error(
      `mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${scalarTypeName(dtype)}`,
    );
  }
  const input = dtype === x._dtype ? x : dtype.isComplex ? toDtype(x, dtype) : castKernel(x, dtype);
  const dims = reduceDims(input, args.dim, 'mean');
  let count = 1;
  for (const d of dims) count *= input._shape[d] ?? 1;
  if (input._dtype.isComplex) return complexSum(input, dims, args.keepdim, args.dim === undefined || args.dim === null ? 'MeanBackward0' : 'MeanBackward1', count);
  // float16/bfloat16 divide before rounding, as PyTorch's float32 accumulation does.
  const accumulate = computeDType(dtype);
  const total = reduceRaw(ReduceOp.Sum, input, dims, args.keepdim, accumulate);
  let out = scalarKernel(BinaryOp.Div, total, count, false, accumulate);
  total.dispose();
  if (accumulate !== dtype) {
    const rounded = castKernel(out, dtype);
    out.dispose();
    out = rounded;
  }
  if (!gradEnabled() || !x._requiresGrad) return out;
  const shape = x._shape;
  const keep = args.keepdim;
  const name = args.dim === undefined || args.dim === null ? 'MeanBackward0' : 'MeanBackward1';
  return record(out, name, [x], () => (g) => [div(expandBack(g, shape, dims, keep), count)]);
}

/**
 * Product over dims.
 * @example x.prod(); x.prod(1)
 */
export function prod(x: Tensor, dim?: number | ReduceOptions, keepdim?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
  if (autocastHook.active) return autocastOp('prod', prod, arguments);
  checkTensor(x, 'prod', 'input');
  const args = reduceArgs('prod', REDUCE_KEYS, dim, keepdim, options);
  // A differentiable cast first, so that the product's backward below stays as it is.
  if (args.dtype !== undefined && args.dtype !== x._dtype) x = toDtype(x, args.dtype);
  const dims = reduceDims(x, args.dim, 'prod');
  if (x._dtype.isComplex) return complexProd(x, dims, args.keepdim, args.dim === undefined || args.dim === null ? 'ProdBackward0' : 'ProdBackward1');
  const outDtype = x._dtype.isFloatingPoint ? x._dtype : int64;
  const out = reduceRaw(ReduceOp.Prod, x, dims, args.keepdim, outDtype);
  const name = args.dim === undefined || args.dim === null ? 'ProdBackward0' : 'ProdBackward1';
  const keep = args.keepdim;
  return record(out, name, [x], (node) => prodBackward(node.save(x), dims, keep));
}

function prodBackward(sx: () => Tensor, dims: number[], keepdim: boolean): Backward {
  return (g) => {
    // d(prod)/dx_i is the product of the other elements. Dividing the product by x_i
    // fails at zeros, so, as PyTorch does: with no zero in the slice it is prod/x_i;
    // with one zero, the zero's entry is the product of the nonzeros and the rest get 0;
    // with two or more, every entry is 0.
    const input = sx();
    const isZero = eq(input, 0);
    const safe = where(isZero, 1, input);
    const zeros = sum(isZero, dims, true);
    // prod itself, not the raw kernel, so that createGraph records it
    const nonzeroProduct = prod(safe, { dim: dims, keepdim: true });
    const others = where(
      eq(zeros, 0),
      div(nonzeroProduct, safe),
      where(logicalAnd(eq(zeros, 1), isZero), nonzeroProduct, 0),
    );
    return [mul(expandBack(g, input._shape, dims, keepdim), others)];
  };
}

/**
 * PyTorch's `(values, indices)` named tuple (`torch.return_types.max`): destructure it as
 * `[values, indices]`, or read `.values` and `.indices`.
 * @example const { values, indices } = x.max(1); const [v, i] = x.min(0);
 */
export type ValuesIndices = [Tensor, Tensor] & { readonly values: Tensor; readonly indices: Tensor };

/** @internal A ValuesIndices pair: an array whose own `values`/`indices` shadow Array's methods. */
export function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  const pair = [values, indices];
  Object.defineProperty(pair, 'values', { value: values, enumerable: false });
  Object.defineProperty(pair, 'indices', { value: indices, enumerable: false });
  return pair as unknown as ValuesIndices;
}

/** Max/min-like reductions have no identity: an empty reduced dim is PyTorch's error. */
function checkNonEmptyDim(x: Tensor, d: number, name: string): void {
  if (x._shape.length > 0 && x._shape[d] === 0) {
    throw new Error(`${name}(): Expected reduction dim ${d} to have non-zero size.`);
  }
}

/** Max or min over everything (a 0-d tensor) or along one dim ([values, indices]). */
function extremum(x: Tensor, isMax: boolean, dim: number | undefined | null, keepdim: boolean): Tensor | ValuesIndices {
  const fn = isMax ? 'max' : 'min';
  if (dim === undefined || dim === null) {
    if (x.numel() === 0) {
      throw new Error(
        `${isMax ? 'max' : 'min'}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
      );
    }
    const dims = reduceDims(x, null);
    const out = reduceRaw(isMax ? ReduceOp.Max : ReduceOp.Min, x, dims, false, x._dtype);
    return record(out, isMax ? 'MaxBackward1' : 'MinBackward1', [x], (node) => extremumAllBackward(node.save(x), node.save(out)));
  }
  const d = normalizeDim(dim, x._shape.length, false, fn);
  checkNonEmptyDim(x, d, fn);
  const values = reduceRaw(isMax ? ReduceOp.Max : ReduceOp.Min, x, x._shape.length ? [d] : [], keepdim, x._dtype);
  const indices = reduceRaw(isMax ? ReduceOp.ArgMax : ReduceOp.ArgMin, x, x._shape.length ? [d] : [], keepdim, int64);
  // The indices are saved (version-checked), as PyTorch's MaxBackward0; the input is not.
  record(values, isMax ? 'MaxBackward0' : 'MinBackward0', [x], (node) => extremumDimBackward(node.save(indices), x._shape, d, keepdim));
  return valuesIndices(values, indices);
}

/**
 * PyTorch's evenly_distribute_backward: the gradient is shared evenly among the tied
 * extremes, or among the NaNs when the result is NaN; every other element gets exactly 0
 * (a select, so an inf gradient does not make 0 * inf = NaN).
 */
function extremumAllBackward(sx: () => Tensor, so: () => Tensor): Backward {
  return (g) => {
    const input = sx();
    const value = so();
    const mask = logicalOr(eq(input, value), logicalAnd(ne(input, input), ne(value, value)));
    return [where(mask, div(g, sum(mask)), 0)];
  };
}

/** max(dim) / min(dim): the gradient goes to the chosen index of each slice. */
function extremumDimBackward(si: () => Tensor, shape: number[], d: number, keepdim: boolean): Backward {
  return (g) => {
    if (shape.length === 0) return [g];
    const indices = si();
    const gk = keepdim ? g : unsqueeze(g, d);
    const ik = keepdim ? indices : unsqueeze(indices, d);
    return [scatter(zerosOf(shape.slice(), g), d, ik, gk)];
  };
}

/**
 * `max()` of all elements, or `max(dim)` -> `(values, indices)`, or elementwise with a tensor.
 * @example x.max(); const [values, indices] = x.max(1); x.max(1).values
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, other: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, options: { dim: number; keepdim?: boolean }): ValuesIndices;
export function max(x: Tensor, dim?: number | Tensor | DimOptions, keepdim?: boolean): Tensor | ValuesIndices;
export function max(x: Tensor, dim?: number | Tensor | DimOptions, keepdim?: boolean): Tensor | ValuesIndices {
  checkTensor(x, 'max', 'input');
  if (dim instanceof Tensor) return maximumOf(x, dim, true);
  const args = reduceArgs('max', DIM_KEYS, dim, keepdim);
  return extremum(x, true, args.dim as number | undefined, args.keepdim);
}

/**
 * `min()` of all elements, or `min(dim)` -> `(values, indices)`.
 * @example x.min(); const [values, indices] = x.min(0); x.min(0).indices
 */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, other: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, options: { dim: number; keepdim?: boolean }): ValuesIndices;
export function min(x: Tensor, dim?: number | Tensor | DimOptions, keepdim?: boolean): Tensor | ValuesIndices;
export function min(x: Tensor, dim?: number | Tensor | DimOptions, keepdim?: boolean): Tensor | ValuesIndices {
  checkTensor(x, 'min', 'input');
  if (dim instanceof Tensor) return maximumOf(x, dim, false);
  const args = reduceArgs('min', DIM_KEYS, dim, keepdim);
  return extremum(x, false, args.dim as number | undefined, args.keepdim);
}

function maximumOf(a: Tensor, b: Tensor, isMax: boolean): Tensor {
  return isMax ? maximum(a, b) : minimum(a, b);
}

function amaxOrAmin(x: Tensor, isMax: boolean, dim: Dims, keepdim: boolean): Tensor {
  const name = isMax ? 'amax' : 'amin';
  const dims = reduceDims(x, Array.isArray(dim) && dim.length === 0 ? null : dim);
  for (const d of dims) checkNonEmptyDim(x, d, name);
  const out = reduceRaw(isMax ? ReduceOp.Max : ReduceOp.Min, x, dims, keepdim, x._dtype);
  if (!gradEnabled() || !x._requiresGrad) return out;
  return record(out, isMax ? 'AmaxBackward0' : 'AminBackward0', [x], (node) => amaxBackward(node.save(x), node.save(out), dims, keepdim));
}

/**
 * PyTorch's scale_grad_by_count: ties share the gradient evenly. A NaN result matches
 * nothing, so its slice gets grad / 0 * 0 = NaN, as in PyTorch.
 */
function amaxBackward(sx: () => Tensor, so: () => Tensor, dims: number[], keepdim: boolean): Backward {
  return (g) => {
    const input = sx();
    const mask = eq(input, keepdim ? so() : unsqueezeAll(so(), dims));
    const grad = keepdim ? g : unsqueezeAll(g, dims);
    return [mul(div(grad, sum(mask, dims, true)), mask)];
  };
}

function unsqueezeAll(t: Tensor, dims: number[]): Tensor {
  let out = t;
  for (const d of dims) out = unsqueeze(out, d);
  return out;
}

/**
 * The maximum over `dim` (one dim, several, or all when omitted or []), values only, as
 * `torch.amax`. Ties share the gradient evenly.
 * @example x.amax(); x.amax(1); x.amax([0, 2], true)
 */
export function amax(x: Tensor, dim: Dims = null, keepdim = false): Tensor {
  return amaxOrAmin(x, true, dim, keepdim);
}

/**
 * The minimum over `dim`, values only, as `torch.amin`. Ties share the gradient evenly.
 * @example x.amin(0)
 */
export function amin(x: Tensor, dim: Dims = null, keepdim = false): Tensor {
  return amaxOrAmin(x, false, dim, keepdim);
}

/**
 * `x` in `dtype`, with its dims in `order` laid out row-major (a copy unless it already is).
 * The fused row kernels read it as [rows, cols].
 */
function inRowOrder(x: Tensor, dtype: DType, order: number[]): Tensor {
  const input = x._dtype === dtype ? x : castKernel(x, dtype);
  const shape = order.map((d) => x._shape[d]);
  const strides = order.map((d) => input._strides[d]);
  if (sameShape(strides, contiguousStrides(shape))) return input;
  const handle = call.cast(fresh(dtype, shape), layoutOf(input, dtype, input._offset, shape, strides))!;
  if (input !== x) input.dispose();
  return fromHandle(handle, shape, dtype, x.device);
}

/**
 * `torch.logsumexp`: `log(sum(exp(x)))` over `dim` (one dim, several, or all with `[]`),
 * shifted by the maximum so that it neither overflows nor underflows. Integer and bool
 * inputs give the default float dtype. A fused native kernel computes it, and another its
 * gradient, `grad * exp(x - result)`.
 * @example torch.logsumexp(x, 1); x.logsumexp([0, 1], true)
 */
export function logsumexp(x: Tensor, dim: number | number[], keepdim = false): Tensor {
  if (autocastHook.active) return autocastOp('logsumexp', logsumexp, arguments);
  checkTensor(x, 'logsumexp', 'input');
  if (dim === undefined) {
    throw new TypeError(
      'logsumexp() received an invalid combination of arguments - got (Tensor), but expected one of:\n' +
        ' * (Tensor input, tuple of ints dim, bool keepdim, *, Tensor out)\n' +
        ' * (Tensor input, tuple of names dim, bool keepdim, *, Tensor out)\n',
    );
  }
  checkBoolean(keepdim, 'logsumexp', 'keepdim');
  const ndim = x._shape.length;
  const dims = reduceDims(x, dim, 'logsumexp').filter((d) => d < ndim);
  const resultDtype = x._dtype.isFloatingPoint ? x._dtype : defaultFloat;
  const dtype = computeDType(resultDtype);
  // The kernels work on the rows of [kept, reduced]: the reduced dims go last.
  const kept = x._shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const order = [...kept, ...dims];
  const rows = kept.reduce((n, d) => n * x._shape[d], 1);
  const cols = dims.reduce((n, d) => n * x._shape[d], 1);
  const asRows = (t: Tensor) => layoutOf(t, dtype, t._offset, [rows, cols], [cols, 1]);
  const perRow = (t: Tensor) => layoutOf(t, dtype, t._offset, [rows], [1]);
  const keptShape = x._shape.map((n, d) => (dims.includes(d) ? 1 : n));
  const flat = inRowOrder(x, dtype, order);
  const handle = call.logsumexp(fresh(dtype, [rows]), asRows(flat));
  if (flat !== x) flat.dispose();
  const result = fromHandle(handle, keepdim ? keptShape : kept.map((d) => x._shape[d]), dtype, x.device);
  const out = dtype === resultDtype ? result : toDtype(result, resultDtype);
  return record(out, 'LogsumexpBackward0', [x], (node) => {
    const savedX = node.save(x);
    const savedResult = node.save(result);
    return (g) => {
      if (gradEnabled()) {
        // createGraph: the same formula from differentiable ops, for double backward.
        const lse = reshape(savedResult(), keptShape);
        return [mul(reshape(g, keptShape), exp(sub(savedX(), lse)))];
      }
      const gradRows = g._dtype === dtype && g.isContiguous() ? g : castKernel(g, dtype);
      const input = inRowOrder(savedX(), dtype, order);
      const handle = call.logsumexpBackward(fresh(dtype, [rows, cols]), perRow(gradRows), asRows(input), perRow(savedResult()));
      if (gradRows !== g) gradRows.dispose();
      if (input !== savedX()) input.dispose();
      // The gradient is laid out as [kept, reduced]: present it in x's dim order.
      const arranged = contiguousStrides(order.map((d) => x._shape[d]));
      const gradInput = fromHandle(handle, x._shape.slice(), dtype, x.device, x._shape.map((_, d) => arranged[order.indexOf(d)]));
      return [dtype === x._dtype ? gradInput : toDtype(gradInput, x._dtype)];
    };
  });
}

function argExtremum(x: Tensor, code: ReduceOp, dim: number | null | undefined, keepdim: boolean): Tensor {
  const fn = code === ReduceOp.ArgMax ? 'argmax' : 'argmin';
  if (dim === undefined || dim === null) {
    if (x.numel() === 0) {
      const name = code === ReduceOp.ArgMax ? 'argmax' : 'argmin';
      throw new Error(`${name}(): Expected reduction dim to be specified for input.numel() == 0.`);
    }
    const flat = reshape(x, [-1]);
    const out = reduceRaw(code, flat, [0], false, int64);
    return keepdim ? reshape(out, x._shape.map(() => 1)) : out;
  }
  const d = normalizeDim(dim, x._shape.length, false, fn);
  checkNonEmptyDim(x, d, fn);
  return reduceRaw(code, x, x._shape.length ? [d] : [], keepdim, int64);
}

/** Index of the maximum (first on ties). @example x.argmax(); x.argmax(1) */
export function argmax(x: Tensor, dim?: number | null | DimOptions, keepdim?: boolean): Tensor {
  checkTensor(x, 'argmax', 'input');
  const args = reduceArgs('argmax', DIM_KEYS, dim, keepdim);
  return argExtremum(x, ReduceOp.ArgMax, args.dim as number | undefined, args.keepdim);
}

/** Index of the minimum (first on ties). @example x.argmin(0) */
export function argmin(x: Tensor, dim?: number | null | DimOptions, keepdim?: boolean): Tensor {
  checkTensor(x, 'argmin', 'input');
  const args = reduceArgs('argmin', DIM_KEYS, dim, keepdim);
  return argExtremum(x, ReduceOp.ArgMin, args.dim as number | undefined, args.keepdim);
}

/** Whether any element is nonzero (over dims). @example mask.any() */
export function any(x: Tensor, dim?: number, keepdim = false): Tensor {
  checkTensor(x, 'any', 'input');
  checkBoolean(keepdim, 'any', 'keepdim');
  return reduceRaw(ReduceOp.Any, x, reduceDims(x, dim, 'any'), keepdim, bool);
}

/** Whether all elements are nonzero (over dims). @example x.eq(y).all() */
export function all(x: Tensor, dim?: number, keepdim = false): Tensor {
  checkTensor(x, 'all', 'input');
  checkBoolean(keepdim, 'all', 'keepdim');
  return reduceRaw(ReduceOp.All, x, reduceDims(x, dim, 'all'), keepdim, bool);
}

/**
 * Sums a broadcast gradient back down to `shape` (the inverse of broadcasting).
 * @internal
 */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g._shape, shape)) return g;
  const lead = g._shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g._shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && g._shape[i] !== 1)) dims.push(i);
  }
  if (dims.length === 0) return view(g, shape as number[]);
  const reduced = sum(g, dims, true);
  const out = view(reduced, shape as number[]);
  reduced._letGo();
  return out;
}
