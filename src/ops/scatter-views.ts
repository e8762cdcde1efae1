/**
 * `torch.select_scatter`, `slice_scatter` and `diagonal_scatter`: a copy of `input` with one
 * view of it (a selected index, a strided slice, a diagonal) replaced by `src`. The backward is
 * PyTorch's: the gradient outside the view goes to `input`, the view's part of it to `src`.
 */
import { record } from '../autograd/function.js';
import { gradEnabled, noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { argumentError, checkInteger, checkTensor } from '../tensor/args.js';
import { clone, makeView } from './shape.js';
import { select } from './indexing.js';
import { diagonal } from './structured.js';
import { zerosLike } from '../tensor/creation.js';
import { gradTo } from './elementwise.js';

/** The view of `t` that a scatter replaces. */
type ViewOf = (t: Tensor) => Tensor;

function scatterInto(fn: string, gradFn: string, input: Tensor, src: Tensor, view: ViewOf, again: (g: Tensor, s: Tensor) => Tensor): Tensor {
  const target = view(input);
  if (target._shape.join() !== src._shape.join()) {
    throw new Error(`expected src to have a size equal to the slice of self. src size = [${src._shape.join(', ')}], slice size = [${target._shape.join(', ')}]`);
  }
  const out = noGrad(() => {
    const result = clone(input);
    view(result).copy_(src);
    return result;
  });
  if (!gradEnabled() || !(input._requiresGrad || src._requiresGrad)) return out;
  const srcMeta = { shape: src._shape, dtype: src._dtype };
  const inputMeta = { shape: input._shape, dtype: input._dtype };
  return record(out, gradFn, [input, src], () => (g) => [
    gradTo(again(g, zerosLike(view(g))), inputMeta.shape, inputMeta.dtype),
    gradTo(clone(view(g)), srcMeta.shape, srcMeta.dtype),
  ]);
}

/**
 * `input` with `input.select(dim, index)` replaced by `src`.
 * @example torch.selectScatter(torch.zeros(2, 2), torch.ones(2), 0, 0) // [[1, 1], [0, 0]]
 */
export function selectScatter(input: Tensor, src: Tensor, dim: number, index: number): Tensor {
  checkTensor(input, 'select_scatter', 'input');
  checkTensor(src, 'select_scatter', 'src');
  checkInteger(dim, 'select_scatter', 'dim');
  checkInteger(index, 'select_scatter', 'index');
  return scatterInto('select_scatter', 'SelectScatterBackward0', input, src, (t) => select(t, dim, index), (g, s) => selectScatter(g, s, dim, index));
}

/** Python's slice.indices for a positive step: the start and the element count along a dim of `size`. */
function sliceRange(size: number, start: number | null, end: number | null, step: number): [number, number] {
  const bound = (v: number | null, fallback: number): number => {
    if (v === null) return fallback;
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const s = bound(start, 0);
  const e = Math.max(bound(end, size), s);
  return [s, Math.ceil((e - s) / step)];
}

/**
 * `input` with the slice `start:end:step` of dim `dim` replaced by `src`
 * (`torch.slice_scatter(input, src, dim=0, start=None, end=None, step=1)`).
 * @example torch.sliceScatter(torch.zeros(4), torch.ones(2), 0, 0, null, 2) // [1, 0, 1, 0]
 */
export function sliceScatter(input: Tensor, src: Tensor, dim = 0, start: number | null = null, end: number | null = null, step = 1): Tensor {
  checkTensor(input, 'slice_scatter', 'input');
  checkTensor(src, 'slice_scatter', 'src');
  checkInteger(dim, 'slice_scatter', 'dim');
  for (const [name, v] of [['start', start], ['end', end]] as const) {
    if (v !== null) checkInteger(v, 'slice_scatter', name);
  }
  checkInteger(step, 'slice_scatter', 'step');
  if (step <= 0) throw new Error('slice step must be positive');
  const ndim = input._shape.length;
  if (dim < -ndim || dim >= Math.max(ndim, 1)) {
    throw new Error(`Dimension out of range (expected to be in range of [${-Math.max(ndim, 1)}, ${Math.max(ndim, 1) - 1}], but got ${dim})`);
  }
  const d = dim < 0 ? dim + ndim : dim;
  const view = (t: Tensor): Tensor => {
    const [s, count] = sliceRange(t._shape[d]!, start, end, step);
    const shape = t._shape.slice();
    shape[d] = count;
    const strides = t._strides.slice();
    strides[d] = t._strides[d]! * step;
    return makeView(t, shape, strides, t._offset + s * t._strides[d]!);
  };
  return scatterInto('slice_scatter', 'SliceScatterBackward0', input, src, view, (g, s) => sliceScatter(g, s, dim, start, end, step));
}

/**
 * `input` with its diagonal (`offset`, over dims `dim1`, `dim2`) replaced by `src`
 * (`torch.diagonal_scatter(input, src, offset=0, dim1=0, dim2=1)`).
 * @example torch.diagonalScatter(torch.zeros(3, 3), torch.ones(3)) // the identity
 */
export function diagonalScatter(input: Tensor, src: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  checkTensor(input, 'diagonal_scatter', 'input');
  checkTensor(src, 'diagonal_scatter', 'src');
  for (const [name, v] of [['offset', offset], ['dim1', dim1], ['dim2', dim2]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw argumentError('diagonal_scatter', name, 'an integer', v);
  }
  return scatterInto('diagonal_scatter', 'DiagonalScatterBackward0', input, src, (t) => diagonal(t, offset, dim1, dim2), (g, s) => diagonalScatter(g, s, offset, dim1, dim2));
}
