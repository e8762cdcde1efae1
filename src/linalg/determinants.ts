/**
 * det and slogdet from an LU factorization (getrf), with PyTorch's gradients: g·det·A⁻ᵀ
 * and g·A⁻ᵀ.
 */
import { fromArray } from '../tensor/creation.js';
import { float64 } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { record } from '../autograd/function.js';
import { lt, mul, ne, where } from '../ops/elementwise.js';
import { unsqueeze } from '../ops/shape.js';
import { checkMatrices, luRaw } from './lapack.js';
import { inv } from './decompositions.js';
import { eyeLike, mT, namedTuple } from './matrix-helpers.js';

/** Per matrix of the batch: the sign of its determinant and log|det| (sign 0, -inf when singular). */
function luDeterminants(A: Tensor): { sign: Float64Array; logabs: Float64Array } {
  const n = A._shape[A._shape.length - 1];
  const { lu, pivots } = luRaw(A);
  const values = lu.dataSync();
  const piv = pivots.dataSync();
  lu.dispose();
  pivots.dispose();
  const batch = A._shape.slice(0, -2).reduce((p, s) => p * s, 1);
  const sign = new Float64Array(batch);
  const logabs = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let s = 1;
    let l = 0;
    for (let i = 0; i < n; i++) {
      const d = Number(values[b * n * n + i * n + i]);
      if (Number(piv[b * n + i]) !== i + 1) s = -s;
      if (d < 0) s = -s;
      if (d === 0) s = 0;
      l += Math.log(Math.abs(d));
    }
    sign[b] = s;
    logabs[b] = s === 0 ? -Infinity : l;
  }
  return { sign, logabs };
}

function batchTensor(values: Float64Array, like: Tensor): Tensor {
  return fromArray(values, float64, like._shape.slice(0, -2), like._dtype, like.device);
}

/**
 * The determinant of a square matrix (or of each in a batch).
 * @example torch.linalg.det(torch.tensor([[1, 2], [3, 4]], { dtype: torch.float64 })) // -2
 */
export function det(A: Tensor): Tensor {
  checkMatrices(A, 'linalg.det', true);
  const { sign, logabs } = luDeterminants(A);
  const values = sign.map((s, i) => s * Math.exp(logabs[i]));
  const out = batchTensor(values, A);
  const singular = values.map((v) => (v === 0 ? 1 : 0));
  return record(out, 'LinalgDetBackward0', [A], (node) => {
    const sA = node.save(A);
    const sOut = node.save(out);
    return (g) => {
      // PyTorch 1.13 solves (g·det) I against A's LU: for an exactly singular matrix the
      // right-hand side is zero and so is the gradient. Those matrices are swapped for I
      // here, so that the inverse exists; their factor g·det is 0 all the same.
      let a = sA();
      if (singular.some((v) => v === 1)) {
        const mask = fromArray(Float64Array.from(singular), float64, [...a._shape.slice(0, -2), 1, 1], a._dtype, a.device);
        const eye = eyeLike(a, a._shape[a._shape.length - 1]);
        a = where(ne(mask, 0), eye, a);
      }
      return [mul(unsqueeze(unsqueeze(mul(g, sOut()), -1), -1), mT(inv(a)))];
    };
  });
}

/** linalg.slogdet's result: `[sign, logabsdet]`, or by name. @example const [sign, logabsdet] = torch.linalg.slogdet(A); */
export type SlogdetResult = [Tensor, Tensor] & { readonly sign: Tensor; readonly logabsdet: Tensor };

/**
 * The sign and the log of the absolute value of the determinant, stable where det over- or underflows.
 * @example const { sign, logabsdet } = torch.linalg.slogdet(A);
 */
export function slogdet(A: Tensor): SlogdetResult {
  checkMatrices(A, 'linalg.slogdet', true);
  const { sign, logabs } = luDeterminants(A);
  const signT = batchTensor(sign, A);
  const logabsdet = batchTensor(logabs, A);
  // The sign shares PyTorch's node but carries no gradient.
  record(signT, 'LinalgSlogdetBackward0', [A], () => () => [null]);
  record(logabsdet, 'LinalgSlogdetBackward0', [A], (node) => {
    const sA = node.save(A);
    return (g) => [mul(unsqueeze(unsqueeze(g, -1), -1), mT(inv(sA())))];
  });
  return namedTuple({ sign: signT, logabsdet }) as unknown as SlogdetResult;
}

/**
 * log(det(A)): NaN where the determinant is negative, -inf where it is 0 (as torch.logdet).
 * @example torch.logdet(torch.tensor([[2, 0], [0, 3]], { dtype: torch.float64 })) // log 6
 */
export function logdet(A: Tensor): Tensor {
  checkMatrices(A, 'linalg.slogdet', true);
  const { sign, logabsdet } = slogdet(A);
  return where(lt(sign, 0), NaN, logabsdet);
}
