/**
 * linalg.invEx and linalg.solveEx (inv and solve reporting singular matrices in `info`
 * instead of raising), and linalg.tensorinv / tensorsolve (inv and solve of a tensor
 * reshaped to a matrix). The `info` codes are those of PyTorch's factorization: of Aᵀ for a
 * row-major A (PyTorch factors the column-major view), and a singular matrix's result is
 * getrs's substitutions with its zero pivot, inf and NaN as in PyTorch.
 */
import { checkBoolean, checkInteger, checkOptions, checkTensor, keysOf } from '../tensor/args.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { int32 } from '../tensor/dtype.js';
import { noGrad } from '../autograd/grad-mode.js';
import { contiguous, expand, flatten, reshape } from '../ops/shape.js';
import { movedim } from '../ops/reorder.js';
import { tidy } from '../memory/storage.js';
import { checkMatrices, raise, solveCodes } from './lapack.js';
import { type RawSolve, recordInverse, solve, solveWith } from './decompositions.js';
import { eyeLike, mT, namedTuple } from './matrix-helpers.js';
import { luPacked } from './lu.js';
import { getrs } from './lu-solve.js';

/** inv_ex's result: `[inverse, info]`, or by name. @example const { inverse, info } = torch.linalg.invEx(A); */
export type InvExResult = [Tensor, Tensor] & { readonly inverse: Tensor; readonly info: Tensor };

/** solve_ex's result: `[result, info]`, or by name. @example const { result, info } = torch.linalg.solveEx(A, B); */
export type SolveExResult = [Tensor, Tensor] & { readonly result: Tensor; readonly info: Tensor };

/**
 * The options of linalg.inv_ex: `checkErrors` raises as linalg.inv does for a singular matrix.
 * @example torch.linalg.invEx(A, { checkErrors: true })
 */
export interface InvExOptions {
  checkErrors?: boolean;
}
const INV_EX_KEYS = keysOf<InvExOptions>()('checkErrors');

/**
 * The options of linalg.solve_ex: `left` (false solves X A = B) and `checkErrors`.
 * @example torch.linalg.solveEx(A, B, { left: false })
 */
export interface SolveExOptions {
  left?: boolean;
  checkErrors?: boolean;
}
const SOLVE_EX_KEYS = keysOf<SolveExOptions>()('left', 'checkErrors');

/**
 * A X = B for a batch whose solve found a singular matrix: the info codes of PyTorch's
 * factorization and getrs's substitutions (inf and NaN where the pivot is zero).
 */
function singularSolve(A: Tensor, B: Tensor): { X: Tensor; codes: number[] } {
  return noGrad(() => tidy(() => {
    // PyTorch factors a row-major A as the column-major Aᵀ, and solves with the adjoint.
    const columnMajor = A.isContiguous();
    const { LU, pivots, codes } = luPacked(columnMajor ? mT(A) : A);
    return { X: contiguous(getrs(LU, pivots, B, columnMajor)), codes };
  }));
}

const infoTensor = (codes: number[], batch: number[], like: Tensor) => tensor(codes, { dtype: int32, device: like.device }).reshape(batch);

/**
 * The inverse without raising for a singular matrix: `info` (int32, one per matrix) is 0
 * where the matrix is invertible; where it is not, `inverse` holds inf and NaN, as PyTorch's.
 * @example const { inverse, info } = torch.linalg.invEx(A);
 */
export function invEx(A: Tensor, options?: InvExOptions): InvExResult {
  checkMatrices(A, 'linalg.inv', true);
  checkOptions(options, 'linalg.inv_ex', INV_EX_KEYS);
  const checkErrors = options?.checkErrors ?? false;
  checkBoolean(checkErrors, 'linalg.inv_ex', 'check_errors');
  const n = A._shape[A._shape.length - 1];
  const identity = noGrad(() => expand(eyeLike(A, n), A._shape.slice()));
  let [out, codes] = noGrad(() => solveCodes(A, identity));
  if (codes.some((c) => c !== 0)) {
    out.dispose();
    ({ X: out, codes } = singularSolve(A, identity));
    if (checkErrors) {
      raise(codes, A._shape.length > 2, (i) =>
        `linalg.inv_ex: The diagonal element ${i} is zero, the inversion could not be completed because the input matrix is singular.`);
    }
  }
  const info = infoTensor(codes, A._shape.slice(0, -2), A);
  return namedTuple({ inverse: recordInverse(A, out), info }) as unknown as InvExResult;
}

/**
 * linalg.solve without raising for a singular matrix: `info` (int32, one per matrix of the
 * broadcast batch) is 0 where A is invertible; where it is not, `result` holds inf and NaN.
 * @example const { result, info } = torch.linalg.solveEx(A, B);
 */
export function solveEx(A: Tensor, B: Tensor, options?: SolveExOptions): SolveExResult {
  checkOptions(options, 'linalg.solve_ex', SOLVE_EX_KEYS);
  const checkErrors = options?.checkErrors ?? false;
  checkBoolean(checkErrors, 'linalg.solve_ex', 'check_errors');
  let codes: number[] = [];
  let batch: number[] = [];
  const raw: RawSolve = (a, b) => {
    batch = a._shape.slice(0, -2);
    const [X, found] = solveCodes(a, b);
    codes = found;
    if (!found.some((c) => c !== 0)) return X;
    X.dispose();
    const singular = singularSolve(a, b);
    codes = singular.codes;
    if (checkErrors) raise(codes, a._shape.length > 2, () => 'torch.linalg.solve_ex: The solver failed because the input matrix is singular.');
    return singular.X;
  };
  const result = solveWith(A, B, options?.left === undefined ? undefined : { left: options.left }, raw);
  return namedTuple({ result, info: infoTensor(codes, batch, result) }) as unknown as SolveExResult;
}

/**
 * The options of linalg.tensorinv: `ind`, how many leading dims index the rows (default 2).
 * @example torch.linalg.tensorinv(A, { ind: 1 })
 */
export interface TensorinvOptions {
  ind?: number;
}
const TENSORINV_KEYS = keysOf<TensorinvOptions>()('ind');

const product = (shape: readonly number[]) => shape.reduce((p, s) => p * s, 1);

/**
 * The inverse of A seen as a matrix of its first `ind` dims by the rest (whose sizes must
 * multiply to the same), shaped A.shape[ind:] + A.shape[:ind], so that
 * tensordot(tensorinv(A), A, ind) is the identity.
 * @example torch.linalg.tensorinv(torch.eye(4, { dtype: torch.float64 }).reshape(4, 2, 2), { ind: 1 })
 */
export function tensorinv(A: Tensor, options?: TensorinvOptions): Tensor {
  checkTensor(A, 'linalg.tensorinv', 'input');
  checkOptions(options, 'linalg.tensorinv', TENSORINV_KEYS);
  const ind = options?.ind ?? 2;
  checkInteger(ind, 'linalg.tensorinv', 'ind');
  if (ind <= 0) throw new Error(`Expected a strictly positive integer for 'ind', but got ${ind}`);
  const end = A._shape.slice(ind);
  const start = A._shape.slice(0, ind);
  const [rows, cols] = [product(start), product(end)];
  if (cols !== rows) {
    throw new Error(`Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), but got ${cols} != ${rows}`);
  }
  const { inverse, info } = invEx(reshape(A, [cols, cols]));
  const code = Number(info.item());
  if (code !== 0) {
    raise([code], false, (i) => `inv: The diagonal element ${i} is zero, the inversion could not be completed because the input matrix is singular.`);
  }
  return reshape(inverse, [...end, ...start]);
}

/**
 * The options of linalg.tensorsolve: `dims`, dims of A moved to the end first.
 * @example torch.linalg.tensorsolve(A, B, { dims: [0, 2] })
 */
export interface TensorsolveOptions {
  dims?: number[] | null;
}
const TENSORSOLVE_KEYS = keysOf<TensorsolveOptions>()('dims');

/**
 * The X with tensordot(A, X, X.ndim) = B: A's leading B.ndim dims against the rest (after
 * moving `dims` of A to the end), solved as one square system. X has A.shape[B.ndim:].
 * @example torch.linalg.tensorsolve(A, B) // A [2, 3, 6], B [2, 3] -> X [6]
 */
export function tensorsolve(A: Tensor, B: Tensor, options?: TensorsolveOptions): Tensor {
  checkTensor(A, 'linalg.tensorsolve', 'input');
  checkTensor(B, 'linalg.tensorsolve', 'other');
  checkOptions(options, 'linalg.tensorsolve', TENSORSOLVE_KEYS);
  const ndim = A._shape.length;
  let a = A;
  const dims = options?.dims;
  if (dims !== undefined && dims !== null) {
    a = movedim(A, dims, dims.map((_, i) => ndim - dims.length + i));
  }
  const resultShape = a._shape.slice(B._shape.length);
  const [rows, cols] = [B.numel(), product(resultShape)];
  if (cols !== rows) {
    throw new Error(`Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), but got ${cols} != ${rows}`);
  }
  return reshape(solve(reshape(a, [cols, cols]), flatten(B)), resultShape);
}
