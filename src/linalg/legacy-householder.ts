/**
 * torch.geqrf and torch.ormqr, PyTorch 1.13's low-level Householder QR: LAPACK's geqrf and
 * ormqr (the native linalgGeqrf and linalgOrmqr kernels), as PyTorch's CPU path calls them.
 * Neither has a derivative in 1.13: both record their node (GeqrfBackward0, OrmqrBackward0),
 * whose backward raises PyTorch's error.
 */
import { checkBoolean, checkTensor } from '../tensor/args.js';
import type { Tensor } from '../tensor/tensor.js';
import { scalarTypeName } from '../tensor/dtype.js';
import { record } from '../autograd/function.js';
import { parseCall } from '../ops/rows.js';
import { checkLapackDtype } from './legacy.js';
import { geqrfRaw, ormqrRaw } from './lapack.js';
import { namedTuple } from './matrix-helpers.js';

/** torch.geqrf's result: `[a, tau]`, or `.a` and `.tau`. @example const { a, tau } = torch.geqrf(A); */
export type GeqrfResult = [Tensor, Tensor] & { readonly a: Tensor; readonly tau: Tensor };

const noDerivative = (name: string) => () => () => {
  throw new Error(`the derivative for '${name}' is not implemented.`);
};

/**
 * `torch.geqrf(input)`: LAPACK's QR factorization A = Q R in its packed form: R on and above
 * the diagonal of `a`, the Householder vectors of Q below it (each with an implicit 1 on the
 * diagonal), and their scalars `tau` ([..., min(m, n)]), so that Q = H₁ ⋯ H_k with
 * Hᵢ = I - τᵢ vᵢ vᵢᵀ. Use it with torch.linalg.householderProduct or torch.ormqr. Not
 * differentiable (backward raises, as in PyTorch).
 * @example const [a, tau] = torch.geqrf(A); const Q = torch.linalg.householderProduct(a, tau);
 */
export function geqrf(input: Tensor): GeqrfResult {
  checkTensor(input, 'geqrf', 'input');
  if (input._shape.length < 2) throw new Error('torch.geqrf: input must have at least 2 dimensions.');
  checkLapackDtype(input, 'geqrf_cpu', 'geqrf');
  const [a, t] = geqrfRaw(input);
  record(a, 'GeqrfBackward0', [input], noDerivative('geqrf'));
  record(t, 'GeqrfBackward0', [input], noDerivative('geqrf'));
  return namedTuple({ a, tau: t }) as unknown as GeqrfResult;
}

// dlamch('S') / dlamch('E'): below it dlarfg rescales, as LAPACK does.
/**
 * The options of torch.ormqr: `left` (true) computes op(Q) C, false C op(Q); `transpose`
 * (false) uses Qᵀ for op(Q).
 * @example torch.ormqr(a, tau, C, { transpose: true })
 */
export interface OrmqrOptions {
  left?: boolean;
  transpose?: boolean;
}

/**
 * `torch.ormqr(input, tau, other, left = true, transpose = false)`: `other` multiplied by
 * Q = H₁ ⋯ H_k, the product of the Householder reflectors (input, tau) as torch.geqrf
 * returns them, without forming Q: op(Q) C with `left`, else C op(Q), op(Q) = Qᵀ with
 * `transpose`. Batch dims must match. Not differentiable in PyTorch 1.13 (backward raises).
 * @example const [a, tau] = torch.geqrf(A); const QtB = torch.ormqr(a, tau, B, true, true);
 */
export function ormqr(
  input: Tensor,
  tau: Tensor,
  other: Tensor,
  left?: boolean | OrmqrOptions,
  transpose?: boolean | OrmqrOptions,
  options?: OrmqrOptions,
): Tensor {
  checkTensor(input, 'ormqr', 'input');
  checkTensor(tau, 'ormqr', 'input2');
  checkTensor(other, 'ormqr', 'input3');
  const o = parseCall<Required<OrmqrOptions>>('ormqr', ['left', 'transpose'], [], { left: true, transpose: false }, [left, transpose, options]);
  checkBoolean(o.left, 'ormqr', 'left');
  checkBoolean(o.transpose, 'ormqr', 'transpose');
  checkOrmqr(input, tau, other, o.left);
  const out = ormqrRaw(input, tau, other, o.left, o.transpose);
  return record(out, 'OrmqrBackward0', [input, tau, other], noDerivative('ormqr'));
}

/** ormqr_out's checks, in PyTorch's order and words. */
function checkOrmqr(input: Tensor, tau: Tensor, other: Tensor, left: boolean): void {
  const fn = 'torch.ormqr';
  if (input._shape.length < 2) throw new Error(`${fn}: input must have at least 2 dimensions.`);
  if (other._shape.length < 2) throw new Error(`${fn}: other must have at least 2 dimensions.`);
  if (tau._shape.length === 0) throw new Error('Dimension specified as -1 but tensor has no dimensions');
  const side = left ? -2 : -1;
  const otherSide = other._shape[other._shape.length + side];
  const k = tau._shape[tau._shape.length - 1];
  if (otherSide < k) throw new Error(`${fn}: other.shape[${side}] must be greater than or equal to tau.shape[-1]`);
  if (otherSide !== input._shape[input._shape.length - 2]) throw new Error(`${fn}: other.shape[${side}] must be equal to input.shape[-2]`);
  if (k > input._shape[input._shape.length - 1]) throw new Error(`${fn}: tau.shape[-1] must be less than or equal to input.shape[-1]`);
  if (input._shape.length - tau._shape.length !== 1) {
    throw new Error(`${fn}: Expected tau to have one dimension less than input, but got tau.ndim equal to ${tau._shape.length} and input.ndim is equal to ${input._shape.length}`);
  }
  if (input._shape.length !== other._shape.length) {
    throw new Error(`${fn}: Expected other to have the same number of dimensions as input, but got other.ndim equal to ${other._shape.length} and input.ndim is equal to ${input._shape.length}`);
  }
  const batch = input._shape.slice(0, -2);
  const sameBatch = (shape: number[]) => shape.every((s, i) => s === batch[i]);
  if (batch.length > 0) {
    const tauBatch = tau._shape.slice(0, -1);
    if (!sameBatch(tauBatch)) throw new Error(`${fn}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got [${tauBatch.join(', ')}]`);
    const otherBatch = other._shape.slice(0, -2);
    if (!sameBatch(otherBatch)) throw new Error(`${fn}: Expected batch dimensions of other to be equal to input.shape[:-2], but got [${otherBatch.join(', ')}]`);
  }
  for (const [t, name] of [[tau, 'tau'], [other, 'other']] as const) {
    if (t._dtype !== input._dtype) {
      throw new Error(`${fn}: Expected input and ${name} to have the same dtype, but input has dtype${scalarTypeName(input._dtype)} and ${name} has dtype ${scalarTypeName(t._dtype)}`);
    }
  }
  checkLapackDtype(input, 'ormqr_cpu', 'ormqr');
}
