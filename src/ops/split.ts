/**
 * Splitting and joining: split, chunk, unbind, tensorSplit, the Tensor method unfold,
 * narrowCopy, and hstack/vstack/dstack/columnStack. The pieces of a split are views, as
 * PyTorch's; the stacks are cat over reshaped inputs.
 */
import { record, slotsOf } from '../autograd/function.js';
import { FREED_MESSAGE, Node } from '../autograd/node.js';
import { gradEnabled } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { float64, int64 } from '../tensor/dtype.js';
import { normalizeDim } from '../tensor/shape.js';
import { argumentError, checkInteger, checkTensor } from '../tensor/args.js';
import { castKernel, copyKernel, indexPutKernel } from './tensor-kernels.js';
import { zerosOf } from './internal-tensors.js';
import { cat, makeView, narrow, narrowRaw, reshape, selectRaw, stack } from './shape.js';
import { fromArray } from '../tensor/creation.js';
import { movedim } from './reorder.js';
import { tidy } from '../memory/storage.js';

/** A narrowing view of `x` recorded under `name`; its backward writes g into zeros. */
function slicePiece(x: Tensor, d: number, begin: number, length: number, name: string): Tensor {
  const out = narrowRaw(x, d, begin, length);
  const inputShape = x._shape;
  return record(out, name, [x], () => (g) => {
    const grad = zerosOf(inputShape.slice(), g);
    copyKernel(narrowRaw(grad, d, begin, length), g);
    return [grad];
  }, { onceDifferentiable: true });
}

/**
 * The pieces of one split or unbind as ONE node with an output per piece, as PyTorch's
 * SplitBackward0 and UnbindBackward0: its backward is one cat (split) or stack (unbind) of
 * the pieces' gradients, with zeros for a piece that got none. A node per piece would fill
 * an input-sized zero gradient for each and leave the engine to sum them (attention's q/k/v
 * pieces: three fills, three copies, two adds).
 */
class PiecesNode extends Node {
  constructor(
    name: string,
    x: Tensor,
    readonly dim: number,
    readonly sizes: number[],
    /** unbind's pieces lack the dim, so their gradients are stacked rather than concatenated */
    readonly stacked: boolean,
  ) {
    super(name, [x._edge()]);
    this.nextSlots = slotsOf([x]);
    this.numOutputs = sizes.length;
    this.backwardFn = () => {
      throw new Error(`${name}: its gradients arrive per piece`);
    };
  }

  override applyAll(slots: (Tensor | undefined)[]): (Tensor | null)[] {
    if (this.released) throw new Error(FREED_MESSAGE);
    const like = slots.find((g) => g !== undefined)!;
    const parts = this.sizes.map((size, i) => {
      const g = slots[i];
      if (g !== undefined) return g;
      const shape = like._shape.slice();
      if (!this.stacked) shape[this.dim] = size;
      return zerosOf(shape, like);
    });
    if (parts.length === 1 && !this.stacked) return [parts[0]];
    const grad = this.stacked ? stack(parts, this.dim) : cat(parts, this.dim);
    // The zero parts were the node's own temporaries (cat and stack copied them).
    parts.forEach((t, i) => slots[i] === undefined && t.dispose());
    return [grad];
  }
}

/** Records `views` (pieces of `x` along `d`) as the outputs of one backward node. */
function recordPieces(x: Tensor, views: Tensor[], d: number, sizes: number[], name: string, stacked: boolean): Tensor[] {
  if (!gradEnabled() || !x._requiresGrad || views.length === 0) return views;
  const node = new PiecesNode(name, x, d, sizes, stacked);
  views.forEach((v, i) => {
    v._gradFn = node;
    v._outputNr = i;
    v._requiresGrad = true;
  });
  return views;
}

/** Views of consecutive pieces of `sizes` along `d`, one backward node for them all. */
function pieces(x: Tensor, d: number, sizes: number[], name: string): Tensor[] {
  let start = 0;
  const views = sizes.map((size) => {
    const piece = narrowRaw(x, d, start, size);
    start += size;
    return piece;
  });
  return recordPieces(x, views, d, sizes, name, false);
}

/**
 * Splits into views of `splitSize` along `dim` (the last may be smaller), or of the given sizes.
 * @example torch.split(x, 2); x.split([1, 3], 1)
 */
export function split(x: Tensor, splitSizeOrSections: number | number[], dim = 0): Tensor[] {
  checkTensor(x, 'split', 'input');
  checkInteger(dim, 'split', 'dim');
  if (x._shape.length === 0) throw new Error('split expects at least a 1-dimensional tensor');
  const d = normalizeDim(dim, x._shape.length, false, 'split');
  const size = x._shape[d];
  if (Array.isArray(splitSizeOrSections)) {
    splitSizeOrSections.forEach((s, i) => checkInteger(s, 'split', `split_size_or_sections[${i}]`));
    const total = splitSizeOrSections.reduce((a, b) => a + b, 0);
    if (total !== size || splitSizeOrSections.some((s) => s < 0)) {
      throw new Error(
        `split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), but got split_sizes=[${splitSizeOrSections.join(', ')}]`,
      );
    }
    return pieces(x, d, splitSizeOrSections, 'SplitWithSizesBackward0');
  }
  checkInteger(splitSizeOrSections, 'split', 'split_size_or_sections');
  const s = splitSizeOrSections;
  if (s < 0) throw new Error(`split expects split_size be non-negative, but got split_size=${s}`);
  if (s === 0 && size !== 0) throw new Error(`split_size can only be 0 if dimension size is 0, but got dimension size of ${size}`);
  const count = s === 0 ? 1 : Math.max(Math.ceil(size / s), 1);
  const sizes = Array.from({ length: count }, (_, i) => Math.min(s, size - i * s));
  return pieces(x, d, sizes, 'SplitBackward0');
}

/**
 * Splits into at most `chunks` views of equal size (the last may be smaller).
 * @example torch.chunk(x, 3, 1)
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor(x, 'chunk', 'input');
  checkInteger(chunks, 'chunk', 'chunks');
  if (x._shape.length === 0) throw new Error('chunk expects at least a 1-dimensional tensor');
  if (chunks <= 0) throw new Error(`chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const d = normalizeDim(dim, x._shape.length, false, 'chunk');
  const size = x._shape[d];
  const splitSize = Math.ceil(size / chunks);
  // PyTorch: a zero-size dim with more than one chunk gives `chunks` empty pieces.
  if (splitSize === 0 && size === 0) return pieces(x, d, new Array<number>(chunks).fill(0), 'SplitBackward0');
  return split(x, splitSize, d);
}

/**
 * The slices along `dim`, each without that dim.
 * @example const [a, b] = torch.unbind(x)
 */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  checkTensor(x, 'unbind', 'input');
  if (x._shape.length === 0) throw new Error('Dimension specified as 0 but tensor has no dimensions');
  const d = normalizeDim(dim, x._shape.length, false, 'unbind');
  const views = Array.from({ length: x._shape[d] }, (_, i) => selectRaw(x, d, i));
  return recordPieces(x, views, d, views.map(() => 1), 'UnbindBackward0', true);
}

/** Python's slice bounds for start:stop (step 1) over `size`. */
function sliceBounds(start: number, stop: number, size: number): [number, number] {
  const clampBound = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const a = clampBound(start);
  return [a, Math.max(clampBound(stop), a)];
}

/**
 * numpy.array_split: `sections` near-equal views, or views split before each index.
 * A 0-d int64 tensor counts as sections, a 1-D one as indices.
 * @example torch.tensorSplit(x, 3); torch.tensorSplit(x, [1, 4], 1)
 */
export function tensorSplit(x: Tensor, indicesOrSections: number | number[] | Tensor, dim = 0): Tensor[] {
  checkTensor(x, 'tensor_split', 'input');
  if (x._shape.length === 0) {
    throw new Error('tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims');
  }
  const d = normalizeDim(dim, x._shape.length, false, 'tensor_split');
  let spec: number | number[];
  if (indicesOrSections instanceof Tensor) {
    const t = indicesOrSections;
    if (t.device.type !== 'cpu') {
      throw new Error(`tensor_split expected tensor_indices_or_sections to be on cpu, but it's on ${t.device}`);
    }
    if (t._dtype !== int64) {
      throw new Error(`tensor_split expected tensor_indices_or_sections to have dtype of long, but got ${t._dtype.name}`);
    }
    if (t._shape.length > 1) {
      throw new Error(`tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional tensor, but got a tensor with ${t._shape.length} dims`);
    }
    const values = Array.from(t._numbers(), Number);
    spec = t._shape.length === 0 ? values[0] : values;
  } else spec = indicesOrSections;
  const size = x._shape[d];
  if (Array.isArray(spec)) {
    spec.forEach((v, i) => checkInteger(v, 'tensor_split', `indices[${i}]`));
    const bounds = [0, ...spec];
    return bounds.map((start, i) => {
      const [a, b] = sliceBounds(start, i + 1 < bounds.length ? bounds[i + 1] : size, size);
      return slicePiece(x, d, a, b - a, 'SliceBackward0');
    });
  }
  if (typeof spec !== 'number') throw argumentError('tensor_split', 'indices_or_sections', 'an integer, an array of integers or a Tensor', spec);
  checkInteger(spec, 'tensor_split', 'sections');
  if (spec <= 0) throw new Error(`number of sections must be larger than 0, got ${spec}`);
  const base = Math.floor(size / spec);
  const extra = size % spec;
  // PyTorch's tensor_split is composed of slices: a SliceBackward0 node per piece.
  let start = 0;
  return Array.from({ length: spec }, (_, i) => {
    const length = base + (i < extra ? 1 : 0);
    start += length;
    return slicePiece(x, d, start - length, length, 'SliceBackward0');
  });
}

/**
 * `x.unfold(dimension, size, step)`: a view of every window of `size` along `dimension`,
 * `step` apart, with the window as a new last dim.
 * @example torch.arange(7).unfold(0, 2, 2) // [[0, 1], [2, 3], [4, 5]]
 */
export function unfold(x: Tensor, dimension: number, size: number, step: number): Tensor {
  checkTensor(x, 'unfold', 'input');
  checkInteger(size, 'unfold', 'size');
  checkInteger(step, 'unfold', 'step');
  const n = x._shape.length;
  const d = normalizeDim(dimension, n, false, 'unfold', 'dimension');
  const dimSize = n === 0 ? 1 : x._shape[d];
  if (size > dimSize) throw new Error(`maximum size for tensor at dimension ${d} is ${dimSize} but size is ${size}`);
  if (size < 0) throw new Error(`size is ${size} but must be >= 0`);
  if (step <= 0) throw new Error(`step is ${step} but must be > 0`);
  const windows = Math.floor((dimSize - size) / step) + 1;
  const dimStride = n === 0 ? 1 : x._strides[d];
  const shape = n === 0 ? [size] : [...x._shape, size];
  const strides = n === 0 ? [1] : [...x._strides, dimStride];
  if (n > 0) {
    shape[d] = windows;
    strides[d] = dimStride * step;
  }
  const out = makeView(x, shape, strides, x._offset);
  const inputShape = x._shape;
  return record(out, 'UnfoldBackward0', [x], () => (g) => {
    if (n === 0) return [reshape(g, [])];
    // Windows may overlap: accumulate each window element into its source position.
    const positions = new Float64Array(windows * size);
    for (let w = 0; w < windows; w++) for (let j = 0; j < size; j++) positions[w * size + j] = w * step + j;
    const grad = zerosOf(inputShape.slice(), g);
    tidy(() => {
      const index = fromArray(positions, float64, [windows * size], int64, g.device);
      const moved = movedim(g, n, d + 1).contiguous();
      indexPutKernel(grad, d, index, reshape(moved, [...inputShape.slice(0, d), windows * size, ...inputShape.slice(d + 1)]), true);
    });
    return [grad];
  }, { onceDifferentiable: true });
}

/**
 * A copy (not a view) of `length` elements along `dim` from `start`. As in PyTorch 1.13,
 * it has no derivative: backward through it throws.
 * @example torch.narrowCopy(x, 0, 1, 2)
 */
export function narrowCopy(x: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor(x, 'narrow_copy', 'input');
  const out = castKernel(narrow(x.detach(), dim, start, length), x._dtype);
  return record(out, 'NotImplemented', [x], () => () => {
    throw new Error('derivative for aten::narrow_copy is not implemented');
  });
}

function checkTensorList(tensors: unknown, fn: string): asserts tensors is Tensor[] {
  if (!Array.isArray(tensors)) throw argumentError(fn, 'tensors', 'an array of Tensors', tensors);
  tensors.forEach((t, i) => checkTensor(t, fn, `tensors[${i}]`));
  if (tensors.length === 0) throw new Error(`${fn} expects a non-empty TensorList`);
}

/** atleast_1d/2d/3d's shapes: sizes padded as numpy does. */
function atLeast(x: Tensor, dims: 1 | 2 | 3): Tensor {
  const s = x._shape;
  if (s.length >= dims) return x;
  if (dims === 1) return reshape(x, [1]);
  if (dims === 2) return reshape(x, s.length === 0 ? [1, 1] : [1, s[0]]);
  return reshape(x, s.length === 0 ? [1, 1, 1] : s.length === 1 ? [1, s[0], 1] : [s[0], s[1], 1]);
}

/**
 * Stacks horizontally: along dim 1, or dim 0 for 1-D inputs.
 * @example torch.hstack([a, b])
 */
export function hstack(tensors: Tensor[]): Tensor {
  checkTensorList(tensors, 'hstack');
  const parts = tensors.map((t) => atLeast(t, 1));
  return cat(parts, parts[0]._shape.length === 1 ? 0 : 1);
}

/**
 * Stacks vertically (along dim 0, 1-D inputs as rows).
 * @example torch.vstack([a, b])
 */
export function vstack(tensors: Tensor[]): Tensor {
  checkTensorList(tensors, 'vstack');
  return cat(tensors.map((t) => atLeast(t, 2)), 0);
}

/**
 * Stacks depth-wise (along dim 2, after atleast_3d).
 * @example torch.dstack([a, b])
 */
export function dstack(tensors: Tensor[]): Tensor {
  checkTensorList(tensors, 'dstack');
  return cat(tensors.map((t) => atLeast(t, 3)), 2);
}

/**
 * Stacks as columns: 0-d and 1-D inputs become columns, then cat along dim 1.
 * @example torch.columnStack([a, b])
 */
export function columnStack(tensors: Tensor[]): Tensor {
  checkTensorList(tensors, 'column_stack');
  return cat(tensors.map((t) => (t._shape.length <= 1 ? reshape(t, [t.numel(), 1]) : t)), 1);
}

/** One tensor for one input, a list for several, as PyTorch's atleast_* return. */
function atLeastAll(fn: string, dims: 1 | 2 | 3, tensors: (Tensor | Tensor[])[]): Tensor | Tensor[] {
  const list = tensors.length === 1 && Array.isArray(tensors[0]) ? tensors[0] : (tensors as Tensor[]);
  list.forEach((t, i) => checkTensor(t, fn, `tensors[${i}]`));
  const out = list.map((t) => atLeast(t, dims));
  return tensors.length === 1 && !Array.isArray(tensors[0]) ? out[0] : out;
}

/**
 * Views with at least one dim (0-d becomes [1]); several tensors (or a list) give a list.
 * @example torch.atleast1d(torch.tensor(5)).shape // [1]
 */
export function atleast1d(tensor: Tensor): Tensor;
export function atleast1d(...tensors: (Tensor | Tensor[])[]): Tensor | Tensor[];
export function atleast1d(...tensors: (Tensor | Tensor[])[]): Tensor | Tensor[] {
  return atLeastAll('atleast_1d', 1, tensors);
}
/**
 * Views with at least two dims (a 1-D tensor becomes a row).
 * @example torch.atleast2d(torch.tensor([1, 2])).shape // [1, 2]
 */
export function atleast2d(tensor: Tensor): Tensor;
export function atleast2d(...tensors: (Tensor | Tensor[])[]): Tensor | Tensor[];
export function atleast2d(...tensors: (Tensor | Tensor[])[]): Tensor | Tensor[] {
  return atLeastAll('atleast_2d', 2, tensors);
}
/**
 * Views with at least three dims (NumPy's padding: [n] -> [1, n, 1], [m, n] -> [m, n, 1]).
 * @example torch.atleast3d(torch.tensor([1, 2])).shape // [1, 2, 1]
 */
export function atleast3d(tensor: Tensor): Tensor;
export function atleast3d(...tensors: (Tensor | Tensor[])[]): Tensor | Tensor[];
export function atleast3d(...tensors: (Tensor | Tensor[])[]): Tensor | Tensor[] {
  return atLeastAll('atleast_3d', 3, tensors);
}

/** `vstack` under its other name. @example torch.rowStack([a, b]) */
export const rowStack = (tensors: Tensor[]): Tensor => vstack(tensors);

/** tensorSplit along `dim` for h/v/dsplit, with their checks and messages. */
function directionalSplit(fn: string, x: Tensor, sections: number | number[], dim: number, minDims: number): Tensor[] {
  checkTensor(x, fn, 'input');
  if (x._shape.length < minDims) {
    throw new Error(`torch.${fn} requires a tensor with at least ${minDims} dimension, but got a tensor with ${x._shape.length} dimensions!`);
  }
  if (typeof sections === 'number') {
    if (!Number.isInteger(sections)) throw argumentError(fn, 'sections', 'an integer', sections);
    if (sections === 0 || x._shape[dim] % sections !== 0) {
      throw new Error(`torch.${fn} attempted to split along dimension ${dim}, but the size of the dimension ${x._shape[dim]} is not divisible by the split_size ${sections}!`);
    }
  }
  return tensorSplit(x, sections, dim);
}

/**
 * Splits into equal parts (or at indices) along dim 1, or dim 0 for a 1-D tensor.
 * @example torch.hsplit(torch.arange(16).reshape(4, 4), 2) // two 4×2 tensors
 */
export function hsplit(x: Tensor, sections: number | number[]): Tensor[] {
  checkTensor(x, 'hsplit', 'input');
  return directionalSplit('hsplit', x, sections, x._shape.length === 1 ? 0 : 1, 1);
}
/**
 * Splits along dim 0 (rows); needs at least 2 dims.
 * @example torch.vsplit(torch.arange(16).reshape(4, 4), [1, 3])
 */
export function vsplit(x: Tensor, sections: number | number[]): Tensor[] {
  return directionalSplit('vsplit', x, sections, 0, 2);
}
/**
 * Splits along dim 2 (depth); needs at least 3 dims.
 * @example torch.dsplit(torch.zeros(2, 2, 4), 2)
 */
export function dsplit(x: Tensor, sections: number | number[]): Tensor[] {
  return directionalSplit('dsplit', x, sections, 2, 3);
}
