/**
 * torch.linalg's norms: vectorNorm (over the p-norm of ops/norms.ts, whose backward is
 * PyTorch's norm_backward), matrixNorm ('fro', 'nuc', ±inf, ±1, ±2) and norm, which picks
 * between them as PyTorch does.
 */
import { autocastOp } from '../amp/autocast-policy.js';
import { autocastHook } from '../amp/autocast-state.js';
import { checkBoolean, checkOptions, keysOf, toDTypeArg } from '../tensor/args.js';
import type { DType } from '../tensor/dtype.js';
import { scalarTypeName } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { abs } from '../ops/elementwise.js';
import { norm as pNorm } from '../ops/norms.js';
import { amax, amin, sum } from '../ops/reduce.js';
import { flatten, permute, toDtype, unsqueeze } from '../ops/shape.js';
import { checkFloat } from './lapack.js';
import { svdvals } from './decompositions.js';
import { scoped } from './matrix-helpers.js';

/**
 * The keyword options of vectorNorm: `dtype` casts the input first.
 * @example torch.linalg.vectorNorm(x, 2, null, false, { dtype: torch.float64 })
 */
export interface VectorNormOptions {
  dtype?: DType;
}
const VECTOR_KEYS = keysOf<VectorNormOptions>()('dtype');

function rename(t: Tensor, name: string): Tensor {
  if (t._gradFn) (t._gradFn as { name: string }).name = name;
  return t;
}

function normDims(dim: number | number[] | null | undefined): number[] | null {
  if (dim === undefined || dim === null) return null;
  return typeof dim === 'number' ? [dim] : dim;
}

/**
 * The vector ord-norm over `dim` (all elements by default): ord any real, Infinity, -Infinity or 0.
 * @example torch.linalg.vectorNorm(x); torch.linalg.vectorNorm(x, 1, -1)
 */
export function vectorNorm(x: Tensor, ord: number = 2, dim?: number | number[] | null, keepdim = false, options?: VectorNormOptions): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`linalg_vector_norm(): argument 'input' (position 1) must be Tensor, not ${typeof x}`);
  if (typeof ord !== 'number') throw new TypeError(`linalg_vector_norm(): argument 'ord' (position 2) must be Number, not ${typeof ord === 'string' ? 'str' : typeof ord}`);
  checkBoolean(keepdim, 'linalg.vector_norm', 'keepdim');
  checkOptions(options, 'linalg.vector_norm', VECTOR_KEYS);
  const input = options?.dtype !== undefined ? toDtype(x, toDTypeArg(options.dtype, 'linalg.vector_norm')) : x;
  // A complex vector's norms are its magnitudes' (real), as PyTorch computes them.
  if (input._dtype.isComplex) return rename(pNorm(abs(input), { p: ord, dim: normDims(dim) ?? undefined, keepdim }), 'LinalgVectorNormBackward0');
  if (!input._dtype.isFloatingPoint) {
    throw new Error(`linalg.vector_norm: Expected a floating point or complex tensor as input. Got ${scalarTypeName(input._dtype)}`);
  }
  const dims = normDims(dim);
  return rename(pNorm(input, { p: ord, dim: dims ?? undefined, keepdim }), 'LinalgVectorNormBackward0');
}

/** A matrix norm's order. @example torch.linalg.matrixNorm(A, 'nuc') */
export type MatrixNormOrder = 'fro' | 'nuc' | number;

function wrapDim(d: number, ndim: number, fn: string): number {
  if (d < -ndim || d >= ndim) throw new Error(`${fn}: Dimension out of range (expected to be in range of [${-ndim}, ${ndim - 1}], but got ${d})`);
  return d < 0 ? d + ndim : d;
}

/**
 * The matrix norm over the two dims `dim` (default the last two): 'fro', 'nuc', Infinity, -Infinity, 1, -1, 2, -2.
 * @example torch.linalg.matrixNorm(A); torch.linalg.matrixNorm(A, 'nuc'); torch.linalg.matrixNorm(A, 2)
 */
export function matrixNorm(A: Tensor, ord: MatrixNormOrder = 'fro', dim: [number, number] = [-2, -1], keepdim = false, options?: VectorNormOptions): Tensor {
  if (autocastHook.active) return autocastOp('linalgMatrixNorm', matrixNorm, arguments);
  const fn = 'linalg.matrix_norm';
  if (!(A instanceof Tensor)) throw new TypeError(`linalg_matrix_norm(): argument 'input' (position 1) must be Tensor, not ${typeof A}`);
  if (A._shape.length < 2) throw new Error(`${fn}: The input tensor A must have at least 2 dimensions.`);
  checkOptions(options, fn, VECTOR_KEYS);
  const input = options?.dtype !== undefined ? toDtype(A, toDTypeArg(options.dtype, fn)) : A;
  if (input._dtype.isComplex && (ord === 'nuc' || ord === 2 || ord === -2)) {
    throw new Error(`${fn}: the ${String(ord)} norm of a complex matrix needs its singular values, and flint has no complex SVD yet ('fro', ±1 and ±inf are supported)`);
  }
  if (!input._dtype.isFloatingPoint && !input._dtype.isComplex) throw new Error(`${fn}: Expected a floating point or complex tensor as input. Got ${scalarTypeName(input._dtype)}`);
  if (!Array.isArray(dim) || dim.length !== 2) throw new Error(`${fn}: dim must be a 2-tuple. Got ${String(dim)}`);
  const ndim = input._shape.length;
  const d0 = wrapDim(dim[0], ndim, fn);
  const d1 = wrapDim(dim[1], ndim, fn);
  if (d0 === d1) throw new Error(`${fn}: dims must be different. Got (${dim[0]}, ${dim[1]})`);
  return scoped([input], () => matrixNormOf(input, ord, d0, d1, keepdim, fn));
}

function matrixNormOf(input: Tensor, ord: MatrixNormOrder, d0: number, d1: number, keepdim: boolean, fn: string): Tensor {
  const ndim = input._shape.length;
  if (ord === 'fro') return vectorNorm(input, 2, [d0, d1], keepdim);
  const valid = ord === 'nuc' || ord === 2 || ord === -2 || ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity;
  if (!valid) throw new Error(`${fn}: Order ${String(ord)} not supported.`);
  let out: Tensor;
  if (ord === 'nuc' || ord === 2 || ord === -2) {
    checkFloat(input, fn);
    // The two dims go last, in order, for the SVD.
    const rest = [...Array(ndim).keys()].filter((d) => d !== d0 && d !== d1);
    const s = svdvals(permute(input, [...rest, d0, d1]));
    out = ord === 'nuc' ? sum(s, -1) : ord === 2 ? amax(s, -1) : amin(s, -1);
  } else {
    // ±1: the max/min column sum of |A|, ±inf: the max/min row sum.
    const sumDim = ord === 1 || ord === -1 ? d0 : d1;
    const reduceDim = ord === 1 || ord === -1 ? d1 : d0;
    const byMax = ord === 1 || ord === Infinity;
    const sums = sum(abs(input), sumDim, keepdim);
    const at = keepdim || reduceDim < sumDim ? reduceDim : reduceDim - 1;
    return byMax ? amax(sums, at, keepdim) : amin(sums, at, keepdim);
  }
  if (keepdim) for (const d of [Math.min(d0, d1), Math.max(d0, d1)]) out = unsqueeze(out, d);
  return out;
}

/**
 * torch.linalg.norm: a vector norm for a 1-D `dim` (or a 1-D input), a matrix norm for a 2-D one
 * (or a 2-D input with `ord`), and the 2-norm of all elements when neither `ord` nor `dim` is given.
 * @example torch.linalg.norm(x); torch.linalg.norm(A, 'fro'); torch.linalg.norm(A, 2, [0, 1])
 */
export function norm(A: Tensor, ord: MatrixNormOrder | null = null, dim: number | number[] | null = null, keepdim = false, options?: VectorNormOptions): Tensor {
  if (!(A instanceof Tensor)) throw new TypeError(`linalg_norm(): argument 'input' (position 1) must be Tensor, not ${typeof A}`);
  const dims = normDims(dim);
  if (dims !== null && dims.length !== 1 && dims.length !== 2) {
    throw new Error(`linalg.norm: If dim is specified, it must be of length 1 or 2. Got [${dims.join(', ')}]`);
  }
  if (dims === null && ord !== null && A._shape.length !== 1 && A._shape.length !== 2) {
    throw new Error(`linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got ${A._shape.length}D.`);
  }
  const matrix = dims !== null ? dims.length === 2 : ord !== null && A._shape.length === 2;
  if (matrix) return matrixNorm(A, ord ?? 'fro', (dims ?? [-2, -1]) as [number, number], keepdim, options);
  if (typeof ord === 'string') throw new Error(`linalg.norm: Order ${ord} not supported.`);
  if (dims === null && ord === null && !keepdim) return vectorNorm(A.dim() > 1 ? flatten(A) : A, 2, null, false, options);
  return vectorNorm(A, ord ?? 2, dims, keepdim, options);
}
