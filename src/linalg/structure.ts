/**
 * The structural torch.linalg functions, composed from other ops so that their gradients
 * come from those: linalg.diagonal (torch.diagonal over the last two dims), linalg.vander
 * (ascending powers, as PyTorch's cumprod) and linalg.householderProduct (torch.orgqr), the
 * product of Householder reflectors, which differentiates through its composition and is
 * named as PyTorch's node.
 */
import { checkInteger, checkOptions, checkTensor, keysOf } from '../tensor/args.js';
import { Tensor } from '../tensor/tensor.js';
import { scalarTypeName } from '../tensor/dtype.js';
import { renameGradFn } from '../autograd/function.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { cumprod } from '../ops/scan.js';
import { cat, expand, narrow, unsqueeze } from '../ops/shape.js';
import { diagonal as diagonalOp } from '../ops/structured.js';
import { filled } from '../ops/internal-tensors.js';
import { eyeLike, mT, tril } from './matrix-helpers.js';

/**
 * The options of linalg.diagonal: the diagonal `offset` (0) of dims `dim1` (-2) and `dim2` (-1).
 * @example torch.linalg.diagonal(A, { offset: 1 })
 */
export interface LinalgDiagonalOptions {
  offset?: number;
  dim1?: number;
  dim2?: number;
}
const DIAGONAL_KEYS = keysOf<LinalgDiagonalOptions>()('offset', 'dim1', 'dim2');

/**
 * The diagonals of a batch of matrices, [..., k] (torch.diagonal with dims -2, -1 by
 * default), as a view.
 * @example torch.linalg.diagonal(torch.eye(3)) // [1, 1, 1]
 */
export function diagonal(A: Tensor, options?: LinalgDiagonalOptions): Tensor {
  checkTensor(A, 'linalg.diagonal', 'A');
  checkOptions(options, 'linalg.diagonal', DIAGONAL_KEYS);
  return diagonalOp(A, options?.offset ?? 0, options?.dim1 ?? -2, options?.dim2 ?? -1);
}

/**
 * The options of linalg.vander: `N`, the number of columns (default x.size(-1)).
 * @example torch.linalg.vander(x, { N: 3 })
 */
export interface LinalgVanderOptions {
  N?: number | null;
}
const VANDER_KEYS = keysOf<LinalgVanderOptions>()('N');

/**
 * The Vandermonde matrix of the last dim of x: columns 1, x, x², ..., x^(N-1) (ascending,
 * unlike torch.vander), batched over x's other dims. Integer inputs give int64.
 * @example torch.linalg.vander(torch.tensor([1, 2, 3])) // [[1, 1, 1], [1, 2, 4], [1, 3, 9]]
 */
export function vander(x: Tensor, options?: LinalgVanderOptions): Tensor {
  checkTensor(x, 'linalg.vander', 'x');
  checkOptions(options, 'linalg.vander', VANDER_KEYS);
  const dtype = x._dtype.name;
  if (!(dtype === 'float32' || dtype === 'float64' || (!x._dtype.isFloatingPoint && dtype !== 'bool'))) {
    throw new Error(`linalg.vander supports floating point, complex, and integer tensors, but got ${scalarTypeName(x._dtype)}`);
  }
  const base = x._shape.length === 0 ? unsqueeze(x, -1) : x;
  const shape = base._shape.slice();
  const N = options?.N ?? shape[shape.length - 1];
  checkInteger(N, 'linalg.vander', 'N');
  if (N <= 1) throw new Error('N must be greater than 1.');
  // Running products, as PyTorch's: exact for integers (promoted to int64 by cumprod).
  const powers = cumprod(expand(unsqueeze(base, -1), [...shape, N - 1]), -1);
  return cat([filled([...shape, 1], 1, powers._dtype, powers.device), powers], -1);
}

/**
 * The first n columns of the product H₁ H₂ ⋯ H_k of Householder reflectors
 * Hᵢ = I - τᵢ vᵢ vᵢᵀ, where vᵢ is column i of A below the diagonal with a 1 on it (as
 * linalg.qr's geqrf leaves them): LAPACK's orgqr, composed from matrix products here, so
 * the gradient is that of the composition (PyTorch's backward computes the same values).
 * @example const Q = torch.linalg.householderProduct(V, tau);
 */
export function householderProduct(A: Tensor, tau: Tensor): Tensor {
  const fn = 'torch.linalg.householder_product';
  checkTensor(A, 'linalg.householder_product', 'input');
  checkTensor(tau, 'linalg.householder_product', 'tau');
  if (A._shape.length < 2) throw new Error(`${fn}: input must have at least 2 dimensions.`);
  const [m, n] = A._shape.slice(-2);
  if (m < n) throw new Error(`${fn}: input.shape[-2] must be greater than or equal to input.shape[-1]`);
  const k = tau._shape.length === 0 ? 1 : tau._shape[tau._shape.length - 1];
  if (n < k) throw new Error(`${fn}: input.shape[-1] must be greater than or equal to tau.shape[-1]`);
  if (A._shape.length - tau._shape.length !== 1) {
    throw new Error(`${fn}: Expected tau to have one dimension less than input, but got tau.ndim equal to ${tau._shape.length} and input.ndim is equal to ${A._shape.length}`);
  }
  const batch = A._shape.slice(0, -2);
  if (batch.some((s, i) => s !== tau._shape[i])) {
    throw new Error(`${fn}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got [${tau._shape.slice(0, -1).join(', ')}]`);
  }
  if (tau._dtype !== A._dtype) {
    throw new Error(`${fn}: tau dtype ${scalarTypeName(tau._dtype)} does not match input dtype ${scalarTypeName(A._dtype)}`);
  }
  const dtype = A._dtype.name;
  if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`"orgqr_cpu" not implemented for '${scalarTypeName(A._dtype)}'`);
  if (A.device.type === 'cuda') throw new Error(`${fn} is not implemented on CUDA yet`);
  const V = add(tril(A, -1), eyeLike(A, m, n));
  // Applied right to left to the first n columns of I, as orgqr does: k products of m×n.
  let Q: Tensor = expand(eyeLike(A, m, n), [...batch, m, n]);
  if (k === 0) Q = add(Q, mul(A, 0));
  for (let i = k - 1; i >= 0; i--) {
    const v = narrow(V, -1, i, 1);
    const t = unsqueeze(narrow(tau, -1, i, 1), -1);
    Q = sub(Q, mul(t, matmul(v, matmul(mT(v), Q))));
  }
  return renameGradFn(Q, 'LinalgHouseholderProductBackward0');
}

/**
 * `torch.orgqr(A, tau)`: the same as torch.linalg.householderProduct.
 * @example const Q = torch.orgqr(V, tau);
 */
export function orgqr(A: Tensor, tau: Tensor): Tensor {
  return householderProduct(A, tau);
}
