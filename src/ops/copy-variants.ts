/**
 * The `*_copy` forms of the view ops (`torch.viewCopy`, `permuteCopy`, ..., PyTorch 1.13's
 * functionalization ops: the view op, then a copy) and the unsafe splits (`unsafeChunk`,
 * `unsafeSplit`, `unsafeSplitWithSizes`: the pieces share the input's memory but are not
 * views of it to autograd).
 *
 * A `_copy` result is laid out as PyTorch's `clone()` lays out the view's copy: with the
 * view's own strides when they are dense (a permuted copy stays permuted), else dense in the
 * order of the view's strides. Its gradient is the view op's: the view is taken with autograd
 * and the copy is one more node, named as PyTorch names the whole (`PermuteBackward0_copy`).
 */
import { record, renameGradFn } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { DType, scalarTypeName } from '../tensor/dtype.js';
import { normalizeDim } from '../tensor/shape.js';
import { argumentError, checkInteger, checkTensor, toDTypeArg } from '../tensor/args.js';
import { fromArray } from '../tensor/creation.js';
import { copyKernel, emptyKernel } from './tensor-kernels.js';
import { zerosOf } from './internal-tensors.js';
import { expand, makeView, permute, reshape, squeeze, t, transpose, unsqueeze } from './shape.js';
import { select } from './indexing.js';
import { diagonal } from './structured.js';
import { chunk, split, unbind, unfold } from './split.js';
import { sliceScatter } from './scatter-views.js';

/** PyTorch's is_non_overlapping_and_dense: size-1 dims aside, the strides are a dense layout's. */
function isNonOverlappingAndDense(shape: readonly number[], strides: readonly number[]): boolean {
  const n = shape.length;
  if (n === 1) return shape[0] < 2 || strides[0] === 1;
  const perm = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    if (shape[a] < 2) return shape[b] < 2 ? 0 : 1;
    if (shape[b] < 2) return -1;
    return strides[a] - strides[b];
  });
  let required = 1;
  for (const d of perm) {
    if (shape[d] < 2) return true;
    if (strides[d] !== required) return false;
    required *= shape[d];
  }
  return true;
}

/**
 * PyTorch's infer_dense_strides: dense strides that keep the order of `strides` (a stable
 * insertion sort, stride-0 dims staying where a contiguous layout has them).
 */
function inferDenseStrides(shape: readonly number[], strides: readonly number[]): number[] {
  const n = shape.length;
  if (n === 0) return [];
  if (n === 1) return [1];
  const perm = Array.from({ length: n }, (_, i) => n - 1 - i);
  const shouldSwap = (d0: number, d1: number): number => {
    const [s0, s1] = [strides[d0], strides[d1]];
    if (s0 === 0 || s1 === 0) return 0;
    if (s0 !== s1) return s0 < s1 ? -1 : 1;
    return shape[d0] > shape[d1] ? 1 : 0;
  };
  for (let i = 1; i < n; i++) {
    let d1 = i;
    for (let j = 1; j <= i; j++) {
      const d0 = i - j;
      const c = shouldSwap(perm[d0], perm[d1]);
      if (c > 0) {
        [perm[d0], perm[d1]] = [perm[d1], perm[d0]];
        d1 = d0;
      } else if (c < 0) break;
    }
  }
  const out = new Array<number>(n);
  let stride = 1;
  for (const d of perm) {
    out[d] = stride;
    if (shape[d] > 1) stride *= shape[d];
  }
  return out;
}

/**
 * An uninitialised tensor shaped as `v`, laid out as PyTorch's `empty_like(v)` (its
 * preserve_format): `v`'s strides when they are dense, else dense in their order. @internal
 * @example const out = emptyPreserving(x.t())
 */
export function emptyPreserving(v: Tensor): Tensor {
  const strides = isNonOverlappingAndDense(v._shape, v._strides) ? v._strides.slice() : inferDenseStrides(v._shape, v._strides);
  const block = emptyKernel([v.numel()], v._dtype, v.device);
  const out = new Tensor(block._storage, v._shape.slice(), strides, 0, v._dtype);
  block.dispose();
  return out;
}

/** A new tensor (not a view) holding `v`'s values, laid out as `v.clone()` is in PyTorch. */
function preservedCopy(v: Tensor): Tensor {
  const out = emptyPreserving(v);
  if (out.numel() > 0) copyKernel(out, v);
  return out;
}

/** `viewOp(x)` copied, with the view's gradient under PyTorch's `<Name>Backward0_copy`. */
function copyOf(v: Tensor, name: string): Tensor {
  const out = noGrad(() => preservedCopy(v));
  return record(out, name, [v], () => (g) => [g]);
}

/** Copies of each piece of a split, each named as PyTorch names the pieces' node. */
function copiesOf(input: Tensor, pieces: Tensor[], name: string): Tensor[] {
  return pieces.map((p) => named(input, p, name));
}

/** The copy of `v`, a view of `input` made for it, which is let go once copied. */
function named(input: Tensor, v: Tensor, name: string): Tensor {
  const out = copyOf(v, name);
  if (v !== input) v._letGo();
  return out;
}

/**
 * `torch.view_copy(input, size)`: `input.view(size)` as a new tensor (or, where the strides
 * do not allow a view, `input.reshape(size)`, as PyTorch's); with a dtype, the bytes read as
 * that dtype (`view(dtype)`'s rules for element sizes), which autograd does not follow.
 * @example torch.viewCopy(x, [2, -1]); torch.viewCopy(x, torch.int32)
 */
export function viewCopy(input: Tensor, size: number[] | DType | string): Tensor {
  checkTensor(input, 'view_copy', 'input');
  if (size instanceof DType || typeof size === 'string') return viewDtypeCopy(input, toDTypeArg(size, 'view_copy'));
  if (!Array.isArray(size)) throw argumentError('view_copy', 'size', 'an array of integers or a dtype', size);
  const v = reshape(input, size);
  const out = noGrad(() => preservedCopy(v));
  // reshape may have copied already: a contiguous result either way, as PyTorch's clone(contiguous).
  const result = record(out, 'ViewBackward0_copy', [v], () => (g) => [g]);
  if (v !== input) v._letGo();
  return result;
}

/** `view(dtype)` copied: the view's checks, then the contiguous bytes read as `dtype`. */
function viewDtypeCopy(x: Tensor, dtype: DType): Tensor {
  const from = x._dtype.itemsize;
  const to = dtype.itemsize;
  const what = `${scalarTypeName(x._dtype)} as ${scalarTypeName(dtype)} (different element sizes)`;
  const shape = x._shape.slice();
  const n = shape.length;
  if (from !== to) {
    if (n === 0) throw new Error(`self.dim() cannot be 0 to view ${what}`);
    if (x._strides[n - 1] !== 1) throw new Error(`self.stride(-1) must be 1 to view ${what}, but got ${x._strides[n - 1]}`);
    if (from > to) shape[n - 1] *= from / to;
    else {
      const ratio = to / from;
      if (shape[n - 1] % ratio !== 0) throw new Error(`self.size(-1) must be divisible by ${ratio} to view ${what}, but got ${shape[n - 1]}`);
      if (x._offset % ratio !== 0) throw new Error(`self.storage_offset() must be divisible by ${ratio} to view ${what}, but got ${x._offset}`);
      for (let i = 0; i < n - 1; i++) {
        if (x._strides[i] % ratio !== 0) throw new Error(`self.stride(${i}) must be divisible by ${ratio} to view ${what}, but got ${x._strides[i]}`);
      }
      shape[n - 1] /= ratio;
    }
  }
  const values = x.contiguous().dataSync();
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return fromArray(bytes, dtype, shape, dtype, x.device);
}

/** `torch.permute_copy(input, dims)`: a permuted copy, laid out permuted. @example torch.permuteCopy(x, [2, 0, 1]) */
export function permuteCopy(input: Tensor, dims: number[]): Tensor {
  checkTensor(input, 'permute_copy', 'input');
  return named(input, permute(input, dims), 'PermuteBackward0_copy');
}

/**
 * The options of `expandCopy`: PyTorch's keyword `implicit`, which changes nothing here.
 * @example torch.expandCopy(x, [3, 4], { implicit: false })
 */
export interface ExpandCopyOptions {
  implicit?: boolean;
}

/** `torch.expand_copy(input, size)`: the expanded values, materialized. @example torch.expandCopy(torch.ones(3, 1), [3, 4]) */
export function expandCopy(input: Tensor, size: number[], options?: ExpandCopyOptions): Tensor {
  checkTensor(input, 'expand_copy', 'input');
  if (options?.implicit !== undefined && typeof options.implicit !== 'boolean') throw argumentError('expand_copy', 'implicit', 'a boolean', options.implicit);
  return named(input, expand(input, size), 'ExpandBackward0_copy');
}

/** `torch.transpose_copy(input, dim0, dim1)`. @example torch.transposeCopy(x, 0, 1) */
export function transposeCopy(input: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor(input, 'transpose_copy', 'input');
  return named(input, transpose(input, dim0, dim1), 'TransposeBackward0_copy');
}

/** `torch.t_copy(input)`: the transpose of a matrix (≤ 2-D), copied. @example torch.tCopy(m) */
export function tCopy(input: Tensor): Tensor {
  checkTensor(input, 't_copy', 'input');
  return named(input, t(input), 'TBackward0_copy');
}

/** `torch.squeeze_copy(input, dim?)`. @example torch.squeezeCopy(torch.zeros(2, 1, 3)) */
export function squeezeCopy(input: Tensor, dim?: number): Tensor {
  checkTensor(input, 'squeeze_copy', 'input');
  return named(input, squeeze(input, dim), dim === undefined ? 'SqueezeBackward0_copy' : 'SqueezeBackward1_copy');
}

/** `torch.unsqueeze_copy(input, dim)`. @example torch.unsqueezeCopy(x, 0) */
export function unsqueezeCopy(input: Tensor, dim: number): Tensor {
  checkTensor(input, 'unsqueeze_copy', 'input');
  return named(input, unsqueeze(input, dim), 'UnsqueezeBackward0_copy');
}

/** `torch.select_copy(input, dim, index)`. @example torch.selectCopy(x, 1, 0) */
export function selectCopy(input: Tensor, dim: number, index: number): Tensor {
  checkTensor(input, 'select_copy', 'input');
  return named(input, select(input, dim, index), 'SelectBackward0_copy');
}

/**
 * `torch.slice_copy(input, dim=0, start=None, end=None, step=1)`: Python's `input[start:end:step]`
 * along `dim`, copied (bounds clamped, negative ones counted from the end).
 * @example torch.sliceCopy(x, 1, 0, null, 2)
 */
export function sliceCopy(input: Tensor, dim = 0, start: number | null = null, end: number | null = null, step = 1): Tensor {
  checkTensor(input, 'slice_copy', 'input');
  checkInteger(dim, 'slice_copy', 'dim');
  if (start !== null) checkInteger(start, 'slice_copy', 'start');
  if (end !== null) checkInteger(end, 'slice_copy', 'end');
  checkInteger(step, 'slice_copy', 'step');
  if (input._shape.length === 0) throw new Error('slice() cannot be applied to a 0-dim tensor.');
  const d = normalizeDim(dim, input._shape.length);
  if (step <= 0) throw new Error('slice step must be positive');
  const size = input._shape[d];
  const wrap = (v: number) => (v < 0 ? v + size : v);
  const begin = Math.min(Math.max(wrap(start ?? 0), 0), size);
  const stop = Math.min(Math.max(wrap(end ?? size), begin), size);
  const shape = input._shape.slice();
  const strides = input._strides.slice();
  shape[d] = Math.ceil((stop - begin) / step);
  strides[d] *= step;
  const out = noGrad(() => {
    const v = makeView(input, shape, strides, input._offset + begin * input._strides[d]);
    const copied = preservedCopy(v);
    v.dispose();
    return copied;
  });
  const inputShape = input._shape.slice();
  return record(out, 'SliceBackward0_copy', [input], () => (g) => [sliceScatter(zerosOf(inputShape.slice(), g), g, d, begin, stop, step)]);
}

/** `torch.diagonal_copy(input, offset=0, dim1=0, dim2=1)`. @example torch.diagonalCopy(m) */
export function diagonalCopy(input: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  checkTensor(input, 'diagonal_copy', 'input');
  return named(input, diagonal(input, offset, dim1, dim2), 'DiagonalBackward0_copy');
}

/**
 * `torch.detach_copy(input)`: a copy outside the graph's history. As PyTorch 1.13's, the result
 * still requires grad when `input` does, and backward through it throws.
 * @example torch.detachCopy(x)
 */
export function detachCopy(input: Tensor): Tensor {
  checkTensor(input, 'detach_copy', 'input');
  const out = noGrad(() => preservedCopy(input));
  return record(out, 'NotImplemented', [input], () => () => {
    throw new Error('derivative for aten::detach_copy is not implemented');
  });
}

/** `torch.alias_copy(input)`: a copy that autograd treats as the input. @example torch.aliasCopy(x) */
export function aliasCopy(input: Tensor): Tensor {
  checkTensor(input, 'alias_copy', 'input');
  return copyOf(input, 'AliasBackward0_copy');
}

/** `torch.unbind_copy(input, dim=0)`: copies of the slices along `dim`. @example const [a, b] = torch.unbindCopy(x) */
export function unbindCopy(input: Tensor, dim = 0): Tensor[] {
  checkTensor(input, 'unbind_copy', 'input');
  return copiesOf(input, unbind(input, dim), 'UnbindBackward0_copy');
}

/** `torch.split_copy(input, split_size, dim=0)`: copies of the pieces of `split`. @example torch.splitCopy(x, 2) */
export function splitCopy(input: Tensor, splitSize: number, dim = 0): Tensor[] {
  checkTensor(input, 'split_copy', 'input');
  checkInteger(splitSize, 'split_copy', 'split_size');
  return copiesOf(input, split(input, splitSize, dim), 'SplitBackward0_copy');
}

/** `torch.split_with_sizes_copy(input, split_sizes, dim=0)`. @example torch.splitWithSizesCopy(x, [1, 3]) */
export function splitWithSizesCopy(input: Tensor, splitSizes: number[], dim = 0): Tensor[] {
  checkTensor(input, 'split_with_sizes_copy', 'input');
  if (!Array.isArray(splitSizes)) throw argumentError('split_with_sizes_copy', 'split_sizes', 'an array of integers', splitSizes);
  return copiesOf(input, split(input, splitSizes, dim), 'SplitWithSizesBackward0_copy');
}

/** `torch.unfold_copy(input, dimension, size, step)`: the windows of `unfold`, copied. @example torch.unfoldCopy(x, 0, 2, 1) */
export function unfoldCopy(input: Tensor, dimension: number, size: number, step: number): Tensor {
  checkTensor(input, 'unfold_copy', 'input');
  return named(input, unfold(input, dimension, size, step), 'UnfoldBackward0_copy');
}

/**
 * The pieces as PyTorch's unsafe splits return them: the same memory as `input`, but not views
 * to autograd (no base; each its own version counter), their one node named `name`.
 */
function unsafePieces(pieces: Tensor[], name: string): Tensor[] {
  return pieces.map((p) => {
    const out = new Tensor(p._storage, p._shape, p._strides, p._offset, p._dtype);
    out._gradFn = p._gradFn;
    out._outputNr = p._outputNr;
    out._requiresGrad = p._requiresGrad;
    p.dispose();
    return renameGradFn(out, name);
  });
}

/**
 * `torch.unsafe_chunk(input, chunks, dim=0)`: `chunk`'s pieces, sharing `input`'s memory
 * without being views of it, so in-place changes to them are not tracked back to `input`.
 * @example const [a, b] = torch.unsafeChunk(x, 2)
 */
export function unsafeChunk(input: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor(input, 'unsafe_chunk', 'input');
  return unsafePieces(chunk(input, chunks, dim), 'UnsafeSplitBackward0');
}

/** `torch.unsafe_split(input, split_size, dim=0)`: as {@link unsafeChunk}, for `split`. @example torch.unsafeSplit(x, 2, 1) */
export function unsafeSplit(input: Tensor, splitSize: number, dim = 0): Tensor[] {
  checkTensor(input, 'unsafe_split', 'input');
  checkInteger(splitSize, 'unsafe_split', 'split_size');
  return unsafePieces(split(input, splitSize, dim), 'UnsafeSplitBackward0');
}

/** `torch.unsafe_split_with_sizes(input, split_sizes, dim=0)`. @example torch.unsafeSplitWithSizes(x, [1, 2]) */
export function unsafeSplitWithSizes(input: Tensor, splitSizes: number[], dim = 0): Tensor[] {
  checkTensor(input, 'unsafe_split_with_sizes', 'input');
  if (!Array.isArray(splitSizes)) throw argumentError('unsafe_split_with_sizes', 'split_sizes', 'an array of integers', splitSizes);
  return unsafePieces(split(input, splitSizes, dim), 'UnsafeSplitWithSizesBackward0');
}
