/**
 * Tensors built from others or from sizes: `trilIndices` / `triuIndices`, `combinations`,
 * `cartesianProd`, `blockDiag`, `vander` and `diagflat`, composed from indexing and
 * products so that their gradients come from those.
 */
import { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from '../tensor/creation.js';
import { NO_COMPLEX_KERNEL } from '../native/meta.js';
import { type DType, int64, resultType, scalarTypeName } from '../tensor/dtype.js';
import { type DeviceLike } from '../tensor/device.js';
import { argumentError, checkInteger, checkOptions, checkTensor } from '../tensor/args.js';
import { cat, stack } from './shape.js';
import { meshgrid, diag } from './structured.js';

/** The options of `trilIndices` / `triuIndices`. */
export interface TriangleIndicesOptions {
  dtype?: DType;
  device?: DeviceLike;
}

function triangleIndices(fn: string, row: number, col: number, offset: number, options: TriangleIndicesOptions, lower: boolean): Tensor {
  checkInteger(row, fn, 'row');
  checkInteger(col, fn, 'col');
  checkInteger(offset, fn, 'offset');
  checkOptions(options, fn, ['dtype', 'device']);
  if (row < 0) throw new Error(`row must be non-negative, got${row}`);
  if (col < 0) throw new Error(`col must be non-negative, got${col}`);
  const dtype = options.dtype ?? int64;
  if (dtype !== int64 && dtype.name !== 'int32') throw new Error(`"${fn}" not implemented for '${scalarTypeName(dtype.name)}'`);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let i = 0; i < row; i++) {
    for (let j = 0; j < col; j++) {
      if (lower ? j - i <= offset : j - i >= offset) {
        rows.push(i);
        cols.push(j);
      }
    }
  }
  return tensor([rows, cols], { dtype, device: options.device }).reshape([2, rows.length]);
}

/**
 * The indices of the lower triangle of a row×col matrix (diagonal `offset` and below), as a
 * 2×N tensor of row indices over column indices, in row-major order.
 * @example torch.trilIndices(3, 3) // [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
 */
export function trilIndices(row: number, col: number, offset = 0, options: TriangleIndicesOptions = {}): Tensor {
  return triangleIndices('tril_indices', row, col, offset, options, true);
}

/**
 * The indices of the upper triangle of a row×col matrix (diagonal `offset` and above).
 * @example torch.triuIndices(3, 3, 1) // [[0, 0, 1], [1, 2, 2]]
 */
export function triuIndices(row: number, col: number, offset = 0, options: TriangleIndicesOptions = {}): Tensor {
  return triangleIndices('triu_indices', row, col, offset, options, false);
}

/** The index tuples i1 < i2 < ... (or ≤ with replacement) of r elements from n, in lexicographic order. */
function indexTuples(n: number, r: number, withReplacement: boolean): number[][] {
  const out: number[][] = [];
  const current: number[] = [];
  const walk = (start: number): void => {
    if (current.length === r) {
      out.push(current.slice());
      return;
    }
    for (let i = start; i < n; i++) {
      current.push(i);
      walk(withReplacement ? i : i + 1);
      current.pop();
    }
  };
  walk(0);
  return out;
}

/**
 * The r-length combinations of a 1-D tensor's elements (Python's itertools.combinations, or
 * combinations_with_replacement), one per row.
 * @example torch.combinations(torch.tensor([1, 2, 3])) // [[1, 2], [1, 3], [2, 3]]
 */
export function combinations(input: Tensor, r = 2, options: { withReplacement?: boolean } | boolean = {}): Tensor {
  checkTensor(input, 'combinations', 'input');
  checkInteger(r, 'combinations', 'r');
  const withReplacement = typeof options === 'boolean' ? options : (checkOptions(options, 'combinations', ['withReplacement']), options.withReplacement ?? false);
  if (input.dim() !== 1) throw new Error(`Expect a 1D vector, but got shape [${input.shape.join(', ')}]`);
  if (r < 0) throw new Error(`Expect a non-negative number, but got ${r}`);
  if (r === 0) return tensor([], { dtype: input.dtype, device: input.device });
  const tuples = indexTuples(input.shape[0], r, withReplacement);
  if (tuples.length === 0) return zeros([0, r], { dtype: input.dtype, device: input.device });
  const index = tensor(tuples.flat(), { dtype: int64, device: input.device });
  return input.indexSelect(0, index).reshape([tuples.length, r]);
}

/**
 * The Cartesian product of 1-D tensors, one combination per row (a single tensor is
 * returned as is).
 * @example torch.cartesianProd(torch.tensor([1, 2]), torch.tensor([3, 4])) // [[1, 3], [1, 4], [2, 3], [2, 4]]
 */
export function cartesianProd(...tensors: Tensor[]): Tensor {
  if (tensors.length === 0) throw new Error('cartesian_prod expects a non-empty TensorList');
  tensors.forEach((t, i) => {
    checkTensor(t, 'cartesian_prod', `tensors[${i}]`);
    if (t.dim() !== 1) throw new Error(`Expect a 1D vector, but got shape [${t.shape.join(', ')}]`);
  });
  if (tensors.length === 1) return tensors[0];
  const grids = meshgrid(tensors, { indexing: 'ij' });
  return stack(grids.map((g) => g.flatten()), 1);
}

/**
 * A block-diagonal matrix of the given 0-, 1- or 2-D tensors (0-D as 1×1, 1-D as a row),
 * in their promoted dtype.
 * @example torch.blockDiag(torch.ones(2, 2), torch.tensor([[5]])) // 3×3
 */
export function blockDiag(...tensors: Tensor[]): Tensor {
  tensors.forEach((t, i) => {
    checkTensor(t, 'block_diag', `tensors[${i}]`);
    if (t.dim() > 2) throw new Error(`torch.block_diag: Input tensors must have 2 or fewer dimensions. Input ${i} has ${t.dim()} dimensions`);
  });
  if (tensors.length === 0) return zeros([1, 0]);
  const dtype = resultType(tensors.map((t) => ({ dtype: t.dtype, dim: t.dim() })));
  const blocks = tensors.map((t) => (t.dim() === 2 ? t : t.reshape([1, t.numel()])).to(dtype));
  const totalCols = blocks.reduce((n, b) => n + b.shape[1], 0);
  let left = 0;
  const rows = blocks.map((b) => {
    const [h, w] = b.shape;
    const parts = [zeros([h, left], { dtype, device: b.device }), b, zeros([h, totalCols - left - w], { dtype, device: b.device })];
    left += w;
    return cat(parts, 1);
  });
  return cat(rows, 0);
}

/**
 * The Vandermonde matrix of a 1-D tensor: columns x^(N-1), ..., x, 1 (or the reverse with
 * `increasing`); N defaults to x's length.
 * @example torch.vander(torch.tensor([1, 2, 3]), 3) // [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
 */
export function vander(x: Tensor, N: number | null = null, options: { increasing?: boolean } = {}): Tensor {
  checkTensor(x, 'vander', 'x');
  checkOptions(options, 'vander', ['increasing']);
  if (x.dim() !== 1) throw new Error('x must be a one-dimensional tensor.');
  const n = N ?? x.shape[0];
  checkInteger(n, 'vander', 'N');
  if (n < 0) throw new Error('N must be non-negative.');
  // Integer and bool inputs give int64 powers, as PyTorch promotes them.
  if (x.dtype.isComplex) throw new TypeError(NO_COMPLEX_KERNEL);
  const base = x.dtype.isFloatingPoint ? x : x.to(int64);
  let columns: Tensor;
  if (n === 0) columns = zeros([x.shape[0], 0], { dtype: base.dtype, device: x.device });
  else {
    // Running products, as PyTorch's cumprod over [1, x, x, ...]: exact for integers.
    const ones = base.newOnes([x.shape[0], 1]);
    const repeated = n > 1 ? cat([ones, base.unsqueeze(1).expand([x.shape[0], n - 1])], 1) : ones;
    columns = repeated.cumprod(1);
  }
  return options.increasing ? columns : columns.flip([1]);
}

/**
 * A 2-D tensor with the flattened input on its `offset` diagonal.
 * @example torch.diagflat(torch.tensor([[1, 2], [3, 4]])) // 4×4 with 1, 2, 3, 4 on the diagonal
 */
export function diagflat(input: Tensor, offset = 0): Tensor {
  checkTensor(input, 'diagflat', 'input');
  if (typeof offset !== 'number' || !Number.isInteger(offset)) throw argumentError('diagflat', 'offset', 'an integer', offset);
  return diag(input.flatten(), offset);
}
