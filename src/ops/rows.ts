/**
 * Shared plumbing of the sort and scan ops: lay a tensor out as contiguous [rows, cols]
 * rows along one dim for the native row kernels, present their results in the input's dim
 * order, and read PyTorch's `(positional..., { keyword })` argument forms.
 */
import { float32, float64, int64, type DType } from '../tensor/dtype.js';
import { Tensor, fromHandle } from '../tensor/tensor.js';
import { contiguousStrides, normalizeDim, sameShape } from '../tensor/shape.js';
import type { Handle } from '../native/addon.js';
import * as call from '../native/calls.generated.js';
import { fresh, layoutOf } from '../native/meta.js';
import { checkOptions } from '../tensor/args.js';
import { castKernel } from './tensor-kernels.js';
import { scatter, scatterAdd } from './indexing.js';
import { zerosOf } from './internal-tensors.js';
import { unsqueeze } from './shape.js';

/**
 * The dtype the row kernels run in: float64 and float32 as they are, float16/bfloat16 in
 * float32, every integer and bool in int64 (all exact, so casting back loses nothing).
 * @internal
 * @example rowDtype(torch.float16) // float32
 */
export function rowDtype(dtype: DType): DType {
  if (dtype === float64 || dtype === float32) return dtype;
  return dtype.isFloatingPoint ? float32 : int64;
}

/**
 * `x` along dim `d` as contiguous rows, in `dtype`: the other dims first, `d` last.
 * @internal
 * @example const r = toRows(x, 0, float32); // r.flat is [r.rows, r.cols]
 */
export interface Rows {
  /** The contiguous [rows, cols] data (x itself when already laid out so). */
  flat: Tensor;
  rows: number;
  cols: number;
  /** x's dims in the order the rows store them. */
  order: number[];
  dtype: DType;
}

/**
 * Lays `x` out as rows along `d` (a copy unless it already is). @internal
 * @example const r = toRows(x, 1, rowDtype(x.dtype))
 */
export function toRows(x: Tensor, d: number, dtype: DType): Rows {
  const ndim = x._shape.length;
  const order = [...Array(ndim).keys()].filter((i) => i !== d);
  if (ndim > 0) order.push(d);
  const cols = ndim === 0 ? 1 : x._shape[d];
  const rows = cols === 0 ? x._shape.reduce((n, s, i) => (i === d ? n : n * s), 1) : x.numel() / cols;
  const input = x._dtype === dtype ? x : castKernel(x, dtype);
  const shape = order.map((i) => x._shape[i]);
  const strides = order.map((i) => input._strides[i]);
  if (sameShape(strides, contiguousStrides(shape)) || x.numel() === 0) return { flat: input, rows, cols, order, dtype };
  const handle = call.cast(fresh(dtype, shape), layoutOf(input, dtype, input._offset, shape, strides))!;
  if (input !== x) input.dispose();
  return { flat: fromHandle(handle, shape, dtype, x.device), rows, cols, order, dtype };
}

/**
 * The [rows, cols] view of the rows' data, for a kernel call. @internal
 * @example call.scan(op, fresh(r.dtype, [r.rows, r.cols]), null, rowsView(r))
 */
export function rowsView(r: Rows, t: Tensor = r.flat, dtype: DType = r.dtype) {
  return layoutOf(t, dtype, t._offset, [r.rows, r.cols], [r.cols, 1]);
}

/**
 * A [rows, cols] (or [rows, width]) kernel result as a tensor in x's dim order, shaped like
 * x with the rows' dim of size `width` when given. @internal
 * @example const values = fromRows(handle, x, r, r.dtype)
 */
export function fromRows(handle: Handle, x: Tensor, r: Rows, dtype: DType, width?: number): Tensor {
  const d = r.order[r.order.length - 1];
  const shape = x._shape.map((s, i) => (i === d && width !== undefined ? width : s));
  const arranged = contiguousStrides(r.order.map((i) => shape[i]));
  const strides = shape.map((_, i) => arranged[r.order.indexOf(i)]);
  return fromHandle(handle, shape, dtype, x.device, strides);
}

/**
 * Releases the rows' copy, if toRows made one. @internal
 * @example releaseRows(x, r)
 */
export function releaseRows(x: Tensor, r: Rows): void {
  if (r.flat !== x) r.flat.dispose();
}

/**
 * `t` in `dtype`, disposing `t` when a cast was needed. @internal
 * @example const out = castBack(rowsResult, x.dtype)
 */
export function castBack(t: Tensor, dtype: DType): Tensor {
  if (t._dtype === dtype) return t;
  const out = castKernel(t, dtype);
  t.dispose();
  return out;
}

/**
 * A dim argument checked and normalised for `x` (0-d tensors take 0 and -1). @internal
 * @example dimOf(torch.zeros([2, 3]), -1, 'sort') // 1
 */
export function dimOf(x: Tensor, dim: unknown, fn: string): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) {
    throw new TypeError(`${fn}(): argument 'dim' must be an integer, but got ${dim === undefined ? 'undefined' : typeof dim}`);
  }
  return normalizeDim(dim, x._shape.length, false, fn);
}

/**
 * Reads PyTorch's call forms: positional arguments in `names` order, any of which may be
 * replaced by one trailing options object of those names (and `keywordOnly`).
 * @internal
 * @example parseCall('sort', ['dim', 'descending'], ['stable'], { dim: -1, descending: false, stable: false }, [0, { stable: true }])
 */
export function parseCall<T extends Record<string, unknown>>(
  fn: string,
  names: readonly (keyof T & string)[],
  keywordOnly: readonly (keyof T & string)[],
  defaults: T,
  args: readonly unknown[],
): T {
  const out: Record<string, unknown> = { ...defaults };
  // Trailing undefineds are arguments not given; earlier ones keep their defaults.
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  let positional = args.slice(0, end);
  const last = end > 0 ? args[end - 1] : undefined;
  let options: Record<string, unknown> | undefined;
  if (last !== null && typeof last === 'object' && !Array.isArray(last) && !(last instanceof Tensor)) {
    options = last as Record<string, unknown>;
    positional = args.slice(0, end - 1);
  }
  if (positional.length > names.length) throw new TypeError(`${fn}() takes at most ${names.length} positional arguments after the input`);
  positional.forEach((v, i) => {
    if (v !== undefined) out[names[i]] = v;
  });
  if (options) {
    checkOptions(options, fn, [...names, ...keywordOnly]);
    for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v;
  }
  return out as T;
}

/**
 * PyTorch's value_selecting_reduction_backward: the gradient of values picked at `indices`
 * along `d` goes back to those positions (added up where one is picked twice, as
 * cummax's are). @internal
 * @example (g) => [selectedBackward(g, savedIndices(), x.shape, 1, false)]
 */
export function selectedBackward(g: Tensor, indices: Tensor, shape: number[], d: number, keepdim: boolean, accumulate = false): Tensor {
  if (shape.length === 0) return g;
  const gk = keepdim ? g : unsqueeze(g, d);
  const ik = keepdim ? indices : unsqueeze(indices, d);
  const zeros = zerosOf(shape.slice(), g);
  return accumulate ? scatterAdd(zeros, d, ik, gk) : scatter(zeros, d, ik, gk);
}
