/**
 * Structured creation: tril/triu, diag, diagEmbed, diagonal, meshgrid, logspace, and the
 * Tensor methods newZeros/newOnes/newFull/newEmpty/newTensor.
 */
import { record } from '../autograd/function.js';
import { Tensor, type NestedList } from '../tensor/tensor.js';
import { bool, defaultFloat, float64 } from '../tensor/dtype.js';
import { normalizeDim, parseShape } from '../tensor/shape.js';
import { argumentError, checkInteger, checkNumber, checkOptions, checkTensor } from '../tensor/args.js';
import { CREATION_KEYS, type CreationOptions, empty, fromArray, full, linspace, tensor } from '../tensor/creation.js';
import { castKernel, copyKernel } from './tensor-kernels.js';
import { zerosOf } from './internal-tensors.js';
import { makeView, reshape } from './shape.js';
import { where } from './elementwise.js';
import { inplaceVia } from './inplace-via.js';

/** A bool [rows, cols] mask of the elements on or below (tril) / on or above (triu) `diagonal`. */
function triangle(rows: number, cols: number, diagonal: number, lower: boolean, like: Tensor): Tensor {
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) values[i * cols + j] = (lower ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
  }
  return fromArray(values, float64, [rows, cols], bool, like.device);
}

function triangular(x: Tensor, diagonal: number, lower: boolean): Tensor {
  const fn = lower ? 'tril' : 'triu';
  checkTensor(x, fn, 'input');
  checkInteger(diagonal, fn, 'diagonal');
  const n = x._shape.length;
  if (n < 2) throw new Error(`${fn}: input tensor must have at least 2 dimensions`);
  const mask = triangle(x._shape[n - 2], x._shape[n - 1], diagonal, lower, x);
  const zero = zerosOf([], x);
  const out = where(mask, x.detach(), zero);
  mask.dispose();
  zero.dispose();
  return record(out, lower ? 'TrilBackward0' : 'TriuBackward0', [x], () => (g) => [triangular(g, diagonal, lower)]);
}

/**
 * The lower triangle of the last two dims (elements with `col - row <= diagonal`), the rest zero.
 * @example torch.tril(m); torch.tril(m, -1)
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangular(x, diagonal, true);
}

/**
 * The upper triangle of the last two dims (elements with `col - row >= diagonal`), the rest zero.
 * @example torch.triu(m, 1)
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangular(x, diagonal, false);
}

/**
 * In-place `tril`.
 * @example m.tril_()
 */
export function tril_(x: Tensor, diagonal = 0): Tensor {
  checkTensor(x, 'tril_', 'input');
  return inplaceVia(x, [], (current) => tril(current, diagonal));
}

/**
 * In-place `triu`.
 * @example m.triu_(1)
 */
export function triu_(x: Tensor, diagonal = 0): Tensor {
  checkTensor(x, 'triu_', 'input');
  return inplaceVia(x, [], (current) => triu(current, diagonal));
}

/** The view of diagonal `offset` of dims d1, d2 (appended as the last dim), with no autograd. */
function diagonalRaw(x: Tensor, offset: number, d1: number, d2: number): Tensor {
  const s1 = x._shape[d1];
  const s2 = x._shape[d2];
  let start = x._offset;
  let length: number;
  if (offset >= 0) {
    length = Math.max(Math.min(s1, s2 - offset), 0);
    start += offset * x._strides[d2];
  } else {
    length = Math.max(Math.min(s1 + offset, s2), 0);
    start -= offset * x._strides[d1];
  }
  if (length === 0) start = x._offset;
  const keep = x._shape.map((_, i) => i).filter((i) => i !== d1 && i !== d2);
  const shape = [...keep.map((i) => x._shape[i]), length];
  const strides = [...keep.map((i) => x._strides[i]), x._strides[d1] + x._strides[d2]];
  return makeView(x, shape, strides, start);
}

function diagonalDims(n: number, dim1: number, dim2: number, fn: string): [number, number] {
  const d1 = normalizeDim(dim1, n, false, fn, 'dim1');
  const d2 = normalizeDim(dim2, n, false, fn, 'dim2');
  if (d1 === d2) throw new Error(`diagonal dimensions cannot be identical ${dim1}, ${dim2}`);
  return [d1, d2];
}

/**
 * A view of a diagonal of dims `dim1`, `dim2`, appended as the last dim.
 * @example torch.diagonal(m); torch.diagonal(batch, 1, 1, 2)
 */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  checkTensor(x, 'diagonal', 'input');
  checkInteger(offset, 'diagonal', 'offset');
  const [d1, d2] = diagonalDims(x._shape.length, dim1, dim2, 'diagonal');
  const out = diagonalRaw(x, offset, d1, d2);
  const inputShape = x._shape;
  return record(out, 'DiagonalBackward0', [x], () => (g) => {
    const grad = zerosOf(inputShape.slice(), g);
    copyKernel(diagonalRaw(grad, offset, d1, d2), g);
    return [grad];
  }, { onceDifferentiable: true });
}

/**
 * A tensor whose diagonals (of `dim1`, `dim2`, which are new dims) hold the last dim of x.
 * @example torch.diagEmbed(torch.tensor([1, 2])) // [[1, 0], [0, 2]]
 */
export function diagEmbed(x: Tensor, offset = 0, dim1 = -2, dim2 = -1): Tensor {
  checkTensor(x, 'diag_embed', 'input');
  checkInteger(offset, 'diag_embed', 'offset');
  const n = x._shape.length + 1;
  const [d1, d2] = diagonalDims(n, dim1, dim2, 'diag_embed');
  const last = x._shape.length === 0 ? 1 : x._shape[x._shape.length - 1];
  const size = last + Math.abs(offset);
  const rest = x._shape.slice(0, -1);
  const shape: number[] = [];
  let r = 0;
  for (let i = 0; i < n; i++) shape.push(i === d1 || i === d2 ? size : rest[r++]);
  const out = zerosOf(shape, x);
  copyKernel(diagonalRaw(out, offset, d1, d2), x._shape.length === 0 ? reshape(x.detach(), [1]) : x.detach());
  const inputShape = x._shape;
  return record(out, 'DiagEmbedBackward0', [x], () => (g) => [reshape(diagonal(g, offset, d1, d2), inputShape)]);
}

/**
 * A 1-D input becomes a 2-D matrix with it on diagonal `diagonal`; a 2-D input gives that
 * diagonal as a 1-D copy.
 * @example torch.diag(torch.tensor([1, 2])); torch.diag(m, 1)
 */
export function diag(x: Tensor, diagonalOffset = 0): Tensor {
  checkTensor(x, 'diag', 'input');
  checkInteger(diagonalOffset, 'diag', 'diagonal');
  const n = x._shape.length;
  if (n !== 1 && n !== 2) throw new Error(`diag(): Supports 1D or 2D tensors. Got ${n}D`);
  let out: Tensor;
  if (n === 1) {
    const size = x._shape[0] + Math.abs(diagonalOffset);
    out = zerosOf([size, size], x);
    copyKernel(diagonalRaw(out, diagonalOffset, 0, 1), x.detach());
  } else {
    out = castKernel(diagonalRaw(x.detach(), diagonalOffset, 0, 1), x._dtype);
  }
  const inputShape = x._shape;
  return record(out, 'DiagBackward0', [x], () => (g) => {
    if (n === 1) return [diagonal(g, diagonalOffset)];
    const grad = zerosOf(inputShape.slice(), g);
    copyKernel(diagonalRaw(grad, diagonalOffset, 0, 1), g);
    return [grad];
  }, { onceDifferentiable: true });
}

/** Options of meshgrid. */
export interface MeshgridOptions {
  /** 'ij' (matrix indexing, the default) or 'xy' (Cartesian: the first two dims swapped). */
  indexing?: 'ij' | 'xy';
}

/**
 * Coordinate grids from 1-D (or 0-d) tensors: output i varies along dim i (with 'xy', the
 * first two inputs' dims are swapped). Outputs are expanded views.
 * @example const [X, Y] = torch.meshgrid([x, y], { indexing: 'xy' })
 */
export function meshgrid(...args: (Tensor | Tensor[] | MeshgridOptions)[]): Tensor[] {
  let options: MeshgridOptions = {};
  const last = args[args.length - 1];
  if (last !== undefined && !(last instanceof Tensor) && !Array.isArray(last)) {
    options = last;
    args = args.slice(0, -1);
  }
  checkOptions(options, 'meshgrid', ['indexing']);
  const indexing = options.indexing ?? 'ij';
  if (indexing !== 'ij' && indexing !== 'xy') {
    throw new Error(`torch.meshgrid: indexing must be one of "xy" or "ij", but received: ${String(indexing)}`);
  }
  const tensors = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as Tensor[];
  if (tensors.length === 0) throw new Error('meshgrid expects a non-empty TensorList');
  tensors.forEach((t, i) => {
    checkTensor(t, 'meshgrid', `tensors[${i}]`);
    if (t._shape.length > 1) throw new Error(`torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: ${t}`);
    if (t._dtype !== tensors[0]._dtype) throw new Error('torch.meshgrid: Expected all tensors in the tensor list to have the same dtype.');
    if (t.device.toString() !== tensors[0].device.toString()) {
      throw new Error('torch.meshgrid: Expected all tensors in the tensor list to have the same device.');
    }
  });
  const swap = indexing === 'xy' && tensors.length >= 2;
  const order = tensors.map((_, i) => i);
  if (swap) [order[0], order[1]] = [order[1], order[0]];
  const sizes = order.map((i) => tensors[i].numel());
  return tensors.map((t, i) => {
    const position = order.indexOf(i);
    const viewShape = sizes.map((s, k) => (k === position ? s : 1));
    return reshape(t, viewShape).expand(sizes);
  });
}

/** Options of logspace: creation options. */
export type LogspaceOptions = CreationOptions;

/**
 * `steps` values from base^start to base^end, evenly spaced on a log scale.
 * @example torch.logspace(0, 2, 3) // [1, 10, 100]
 */
export function logspace(start: number, end: number, steps: number, base: number | LogspaceOptions = 10, options: LogspaceOptions = {}): Tensor {
  if (typeof base === 'object' && base !== null) {
    options = base;
    base = 10;
  }
  checkNumber(start, 'logspace', 'start');
  checkNumber(end, 'logspace', 'end');
  checkNumber(base, 'logspace', 'base');
  checkOptions(options, 'logspace', CREATION_KEYS);
  const exponents = linspace(start, end, steps, { dtype: float64 });
  const raw = exponents._numbers();
  const values = Float64Array.from(raw, (e) => (base as number) ** e);
  exponents.dispose();
  const out = tensor(values, { ...options, dtype: options.dtype ?? defaultFloat });
  return out;
}

/** Creation options of the new* methods (dtype and device default to the tensor's). */
export type NewOptions = CreationOptions;

function splitSize(args: unknown[], fn: string): { shape: number[]; options: NewOptions } {
  let options: NewOptions = {};
  let rest = args;
  const last = args[args.length - 1];
  if (last !== null && typeof last === 'object' && !Array.isArray(last)) {
    options = last as NewOptions;
    rest = args.slice(0, -1);
  }
  checkOptions(options, fn, CREATION_KEYS);
  return { shape: parseShape(rest, false, fn), options };
}

function inherit(x: Tensor, options: NewOptions): NewOptions {
  return { dtype: options.dtype ?? x._dtype, device: options.device ?? x.device, requiresGrad: options.requiresGrad ?? false };
}

/**
 * Zeros with this tensor's dtype and device (unless given).
 * @example x.newZeros(2, 3)
 */
export function newZeros(x: Tensor, ...args: (number | number[] | NewOptions)[]): Tensor {
  checkTensor(x, 'new_zeros', 'self');
  const { shape, options } = splitSize(args, 'new_zeros');
  return full(shape, 0, inherit(x, options));
}

/**
 * Ones with this tensor's dtype and device (unless given).
 * @example x.newOnes([2])
 */
export function newOnes(x: Tensor, ...args: (number | number[] | NewOptions)[]): Tensor {
  checkTensor(x, 'new_ones', 'self');
  const { shape, options } = splitSize(args, 'new_ones');
  return full(shape, 1, inherit(x, options));
}

/**
 * Uninitialised values with this tensor's dtype and device (unless given).
 * @example x.newEmpty(4)
 */
export function newEmpty(x: Tensor, ...args: (number | number[] | NewOptions)[]): Tensor {
  checkTensor(x, 'new_empty', 'self');
  const { shape, options } = splitSize(args, 'new_empty');
  return empty(shape, inherit(x, options));
}

/**
 * `fillValue` everywhere, with this tensor's dtype (a float value in an int tensor
 * truncates) and device unless given.
 * @example x.newFull([2, 2], 7)
 */
export function newFull(x: Tensor, size: number[] | number, fillValue: number | boolean, options: NewOptions = {}): Tensor {
  checkTensor(x, 'new_full', 'self');
  checkOptions(options, 'new_full', CREATION_KEYS);
  const shape = parseShape([size], false, 'new_full');
  return full(shape, fillValue, inherit(x, options));
}

/**
 * A new tensor from data (a copy, with no history), with this tensor's dtype and device
 * unless given.
 * @example x.newTensor([1, 2, 3])
 */
export function newTensor(x: Tensor, data: NestedList | Tensor | ArrayBufferView, options: NewOptions = {}): Tensor {
  checkTensor(x, 'new_tensor', 'self');
  if (data === undefined) throw argumentError('new_tensor', 'data', 'an array, a typed array or a Tensor', data);
  return tensor(data as Parameters<typeof tensor>[0], inherit(x, options));
}
