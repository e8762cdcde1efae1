/**
 * The complex-number API: `conj`, `conjPhysical`, `real`, `imag`, `angle`, `isreal` and
 * `adjoint`. For a real tensor, as PyTorch answers it: `conj`, `conjPhysical` and
 * `resolveConj` give the tensor itself, `x.real` is `x`, `x.imag` raises PyTorch's error,
 * `angle` is 0 or π (NaN stays NaN), `isreal` is all true, and `adjoint` is the transpose of
 * the last two dims. A complex tensor goes to src/complex/: `real`/`imag` are views of its
 * parts, and `conj` is a copy (PyTorch's is a lazy view with a conjugate bit, which flint
 * does not have, so `isConj()` is always false).
 */
import { record } from '../autograd/function.js';
import { Tensor } from '../tensor/tensor.js';
import { bool, defaultFloat } from '../tensor/dtype.js';
import { checkTensor } from '../tensor/args.js';
import { noGrad } from '../autograd/grad-mode.js';
import { isnan } from './unary-math.js';
import { lt, where } from './elementwise.js';
import { filled, zerosOf } from './internal-tensors.js';
import { toDtype, transpose } from './shape.js';
import { complexAngle, conj as complexConj } from '../complex/math.js';
import { imagPart, realPart } from '../complex/parts.js';
import { eq } from './elementwise.js';

/**
 * `torch.conj(input)`: the complex conjugate, which for a real tensor is the tensor itself.
 * @example torch.conj(x) === x // true for a real x
 */
export function conj(input: Tensor): Tensor {
  checkTensor(input, 'conj', 'input');
  return input._dtype.isComplex ? complexConj(input) : input;
}

/**
 * `torch.conj_physical(input)`: the conjugate materialized; for a real tensor, the tensor itself.
 * @example torch.conjPhysical(x) === x
 */
export function conjPhysical(input: Tensor): Tensor {
  checkTensor(input, 'conj_physical', 'input');
  return input._dtype.isComplex ? complexConj(input, 'ConjPhysicalBackward0') : input;
}

/**
 * In-place `conjPhysical`, which leaves a real tensor as it is.
 * @example x.conjPhysical_()
 */
export function conjPhysical_(input: Tensor): Tensor {
  checkTensor(input, 'conj_physical_', 'input');
  if (input._dtype.isComplex) input.copy_(complexConj(input, 'ConjPhysicalBackward0'));
  return input;
}

/**
 * `torch.real(input)`: the real part, which for a real tensor is the tensor itself.
 * @example torch.real(x) === x
 */
export function real(input: Tensor): Tensor {
  checkTensor(input, 'real', 'input');
  return realPart(input);
}

/**
 * `torch.imag(input)`: the imaginary part, which real tensors do not have: it raises
 * PyTorch's error.
 * @example torch.imag(x) // throws: imag is not implemented for tensors with non-complex dtypes.
 */
export function imag(input: Tensor): Tensor {
  checkTensor(input, 'imag', 'input');
  if (input._dtype.isComplex) return imagPart(input);
  throw new Error('imag is not implemented for tensors with non-complex dtypes.');
}

/**
 * `torch.angle(input)`: the argument of each element, π for a negative number and 0
 * otherwise (NaN stays NaN). Integer and bool inputs give the default float dtype. The
 * gradient is zero, as PyTorch's AngleBackward0 gives for real inputs.
 * @example torch.angle(torch.tensor([-1, 2])) // tensor([3.1416, 0.0000])
 */
export function angle(input: Tensor): Tensor {
  checkTensor(input, 'angle', 'input');
  if (input._dtype.isComplex) return complexAngle(input);
  const dtype = input._dtype.isFloatingPoint ? input._dtype : defaultFloat;
  const out = noGrad(() => {
    const x = toDtype(input, dtype);
    const pi = filled([], Math.PI, dtype, input.device);
    const zero = filled([], 0, dtype, input.device);
    return where(isnan(x), x, where(lt(x, 0), pi, zero));
  });
  return record(out, 'AngleBackward0', [input], () => (g) => [zerosOf(g._shape.slice(), g)]);
}

/**
 * `torch.isreal(input)`: whether each element is real, which every element of a real tensor is.
 * @example torch.isreal(x).all().item() // true
 */
export function isreal(input: Tensor): Tensor {
  checkTensor(input, 'isreal', 'input');
  if (input._dtype.isComplex) return eq(imagPart(input), 0);
  return filled(input._shape.slice(), 1, bool, input.device);
}

/**
 * `torch.adjoint(input)`: the conjugate transpose of the last two dims, for a real tensor
 * their transpose (a view).
 * @example torch.adjoint(torch.zeros(2, 3, 4)).shape // [2, 4, 3]
 */
export function adjoint(input: Tensor): Tensor {
  checkTensor(input, 'adjoint', 'input');
  return conj(conjugateTranspose(input, 'tensor.adjoint()'));
}

/** The last two dims swapped, refused below two dims with PyTorch's words for `what` (adjoint, mH). @internal */
export function conjugateTranspose(input: Tensor, what: string): Tensor {
  if (input._shape.length < 2) {
    throw new Error(`${what} is only supported on matrices or batches of matrices. Got ${input._shape.length}-D tensor.`);
  }
  return transpose(input, -2, -1);
}
