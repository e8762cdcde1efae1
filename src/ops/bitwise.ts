/**
 * The bit operations of integer and bool tensors (bitwise and, or, xor, not, and the two
 * shifts: native kernels), logical xor, and the in-place forms of these and of the
 * comparisons and logical ops (`x.eq_(y)`, `m.logicalAnd_(n)`), with PyTorch's type promotion
 * and messages. None of them is differentiable: their results are integers or bools.
 */
import { BinaryOp, UnaryOp } from '../native/enums.generated.js';
import { type DType, resultType, scalarTypeName } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { checkTensor, checkTensorOrScalar } from '../tensor/args.js';
import { binaryKernel, castKernel, scalarKernel, unaryKernel } from './tensor-kernels.js';
import { eq, ge, gt, le, logicalAnd, logicalNot, logicalOr, lt, ne, operand, type TensorOrScalar } from './elementwise.js';
import { unaryInplace, viaRebase } from './inplace-math.js';

function refuseFloat(dtype: DType, kernel: string): void {
  if (dtype.isFloatingPoint) throw new Error(`"${kernel}" not implemented for '${scalarTypeName(dtype.name)}'`);
}

/** A bit operation in the operands' promoted dtype; a float result is refused, as PyTorch does. */
function bitwiseForward(fn: string, kernel: string, op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (!(a instanceof Tensor)) {
    checkTensorOrScalar(a, fn, 'input');
    checkTensor(b, fn, 'other');
  } else {
    checkTensorOrScalar(b, fn, 'other');
  }
  const dtype = resultType([operand(a), operand(b)]);
  refuseFloat(dtype, kernel);
  const as = (x: Tensor): Tensor => (x._dtype === dtype ? x : castKernel(x, dtype));
  if (a instanceof Tensor && b instanceof Tensor) return binaryKernel(op, as(a), as(b), dtype);
  if (a instanceof Tensor) return scalarKernel(op, as(a), Number(b), false, dtype);
  return scalarKernel(op, as(b as Tensor), Number(a), true, dtype);
}

/**
 * Bitwise and of integers (logical and of bools), elementwise; either operand may be a number.
 * @example torch.bitwiseAnd(torch.tensor([12, 10]), 6) // tensor([4, 2])
 */
export function bitwiseAnd(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  return bitwiseForward('bitwiseAnd', 'bitwise_and_cpu', BinaryOp.BitwiseAnd, input, other);
}

/**
 * Bitwise or of integers (logical or of bools), elementwise.
 * @example torch.bitwiseOr(torch.tensor([12, 10]), torch.tensor([1, 5])) // tensor([13, 15])
 */
export function bitwiseOr(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  return bitwiseForward('bitwiseOr', 'bitwise_or_cpu', BinaryOp.BitwiseOr, input, other);
}

/**
 * Bitwise exclusive or of integers (and of bools), elementwise.
 * @example torch.bitwiseXor(torch.tensor([3, 5]), 1) // tensor([2, 4])
 */
export function bitwiseXor(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  return bitwiseForward('bitwiseXor', 'bitwise_xor_cpu', BinaryOp.BitwiseXor, input, other);
}

/**
 * `input << other`, elementwise, wrapping in the integer type. A shift by a negative amount or
 * by the type's width or more gives 0, as in PyTorch 2.x (PyTorch 1.13 leaves it to the CPU).
 * @example torch.bitwiseLeftShift(torch.tensor([1, 3]), torch.tensor([4, 1])) // tensor([16, 6])
 */
export function bitwiseLeftShift(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  return bitwiseForward('bitwiseLeftShift', 'lshift_cpu', BinaryOp.LeftShift, input, other);
}

/**
 * `input >> other`, elementwise, arithmetic for signed types. A shift by a negative amount or by
 * the type's width or more gives the sign's fill (0 or -1), as in PyTorch 2.x.
 * @example torch.bitwiseRightShift(torch.tensor([-16, 16]), 2) // tensor([-4, 4])
 */
export function bitwiseRightShift(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  return bitwiseForward('bitwiseRightShift', 'rshift_cpu', BinaryOp.RightShift, input, other);
}

/**
 * Bitwise not of integers (logical not of bools), elementwise.
 * @example torch.bitwiseNot(torch.tensor([0, 5], { dtype: torch.uint8 })) // tensor([255, 250], dtype=torch.uint8)
 */
export function bitwiseNot(input: Tensor): Tensor {
  checkTensor(input, 'bitwiseNot', 'input');
  refuseFloat(input._dtype, 'bitwise_not_cpu');
  return unaryKernel(UnaryOp.BitwiseNot, input);
}

/**
 * Logical exclusive or, elementwise: a bool tensor, true where exactly one operand is non-zero
 * (NaN counts as non-zero).
 * @example torch.logicalXor(torch.tensor([true, false]), torch.tensor([true, true])) // tensor([False,  True])
 */
export function logicalXor(input: Tensor, other: Tensor): Tensor {
  checkTensor(input, 'logicalXor', 'input');
  checkTensor(other, 'logicalXor', 'other');
  return ne(ne(input, 0), ne(other, 0));
}

// ---- in place ----------------------------------------------------------------------------

type BinaryFn = (a: Tensor, b: TensorOrScalar) => Tensor;

/** `self` op= `other`, in `self`'s dtype: a result type that `self` cannot hold is refused. */
function inplace(fn: string, outOfPlace: BinaryFn): (self: Tensor, other: TensorOrScalar) => Tensor {
  return (self, other) => viaRebase(self, fn, [other], (current) => outOfPlace(current, other));
}

/** In-place bitwise and. @example mask.bitwiseAnd_(other) */
export const bitwiseAnd_ = inplace('bitwiseAnd_', bitwiseAnd);
/** In-place bitwise or. @example flags.bitwiseOr_(4) */
export const bitwiseOr_ = inplace('bitwiseOr_', bitwiseOr);
/** In-place bitwise xor. @example flags.bitwiseXor_(1) */
export const bitwiseXor_ = inplace('bitwiseXor_', bitwiseXor);
/** In-place left shift. @example x.bitwiseLeftShift_(2) */
export const bitwiseLeftShift_ = inplace('bitwiseLeftShift_', bitwiseLeftShift);
/** In-place right shift. @example x.bitwiseRightShift_(2) */
export const bitwiseRightShift_ = inplace('bitwiseRightShift_', bitwiseRightShift);
/** In-place bitwise not. @example flags.bitwiseNot_() */
export const bitwiseNot_ = (self: Tensor): Tensor => {
  checkTensor(self, 'bitwiseNot_', 'input');
  refuseFloat(self._dtype, 'bitwise_not_cpu');
  return unaryInplace(self, 'bitwiseNot_', UnaryOp.BitwiseNot, bitwiseNot, false);
};

/** In-place `==`: 1 where equal, 0 elsewhere, in `self`'s dtype. @example x.eq_(y) */
export const eq_ = inplace('eq_', eq);
/** In-place `!=`. @example x.ne_(0) */
export const ne_ = inplace('ne_', ne);
/** In-place `>`. @example x.gt_(0) */
export const gt_ = inplace('gt_', gt);
/** In-place `>=`. @example x.ge_(0) */
export const ge_ = inplace('ge_', ge);
/** In-place `<`. @example x.lt_(0) */
export const lt_ = inplace('lt_', lt);
/** In-place `<=`. @example x.le_(0) */
export const le_ = inplace('le_', le);
/** In-place logical and, in `self`'s dtype. @example mask.logicalAnd_(other) */
export const logicalAnd_ = (self: Tensor, other: Tensor): Tensor => viaRebase(self, 'logicalAnd_', [other], (c) => logicalAnd(c, other));
/** In-place logical or. @example mask.logicalOr_(other) */
export const logicalOr_ = (self: Tensor, other: Tensor): Tensor => viaRebase(self, 'logicalOr_', [other], (c) => logicalOr(c, other));
/** In-place logical xor. @example mask.logicalXor_(other) */
export const logicalXor_ = (self: Tensor, other: Tensor): Tensor => viaRebase(self, 'logicalXor_', [other], (c) => logicalXor(c, other));
/** In-place logical not. @example mask.logicalNot_() */
export const logicalNot_ = (self: Tensor): Tensor => viaRebase(self, 'logicalNot_', [], logicalNot);
