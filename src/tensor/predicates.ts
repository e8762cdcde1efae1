/**
 * The questions torch answers about a tensor, an object or a dtype: `torch.isTensor`,
 * `isFloatingPoint`, `isComplex`, `isNonzero`, `numel`, `resultType`, `canCast`, and the
 * Tensor's `isSigned` and `isSameSize`.
 */
import { Tensor } from './tensor.js';
import { argumentError, checkTensor } from './args.js';
import { DType, bool, resultType as promotedType } from './dtype.js';

/**
 * Whether `obj` is a flint Tensor (a Parameter included).
 * @example torch.isTensor(torch.zeros(1)) // true; torch.isTensor([1]) // false
 */
export function isTensor(obj: unknown): obj is Tensor {
  return obj instanceof Tensor;
}

/** Whether the dtype of `input` is a floating type. @example torch.isFloatingPoint(torch.zeros(1)) // true */
export function isFloatingPoint(input: Tensor): boolean {
  checkTensor(input, 'isFloatingPoint', 'input');
  return input._dtype.isFloatingPoint;
}

/** Whether the dtype of `input` is complex (complex64 or complex128). @example torch.isComplex(torch.zeros(1, { dtype: torch.complex64 })) // true */
export function isComplex(input: Tensor): boolean {
  checkTensor(input, 'isComplex', 'input');
  return input._dtype.isComplex;
}

/** Whether the dtype of `input` is signed (every dtype but uint8 and bool). @example torch.isSigned(torch.zeros(1, { dtype: torch.uint8 })) // false */
export function isSigned(input: Tensor): boolean {
  checkTensor(input, 'isSigned', 'input');
  return input._dtype.isSigned;
}

/**
 * Whether the single element of `input` is non-zero; PyTorch's errors for no element or several.
 * @example torch.isNonzero(torch.tensor([0.5])) // true
 */
export function isNonzero(input: Tensor): boolean {
  checkTensor(input, 'isNonzero', 'input');
  const n = input.numel();
  if (n === 0) throw new Error('Boolean value of Tensor with no values is ambiguous');
  if (n > 1) throw new Error('Boolean value of Tensor with more than one value is ambiguous');
  // NaN is non-zero, as in PyTorch.
  return input.item() !== 0;
}

/** The number of elements of `input`. @example torch.numel(torch.zeros(2, 3)) // 6 */
export function numel(input: Tensor): number {
  checkTensor(input, 'numel', 'input');
  return input.numel();
}

/** Whether `input` and `other` have the same shape. @example a.isSameSize(b) */
export function isSameSize(input: Tensor, other: Tensor): boolean {
  checkTensor(input, 'isSameSize', 'input');
  checkTensor(other, 'isSameSize', 'other');
  return input._shape.length === other._shape.length && input._shape.every((d, i) => d === other._shape[i]);
}

/**
 * The dtype that an arithmetic op on `tensor1` and `tensor2` (tensors or numbers) computes in
 * (`torch.result_type`), by PyTorch's promotion rules: dimensioned tensors first, then 0-d
 * tensors, then numbers.
 * @example torch.resultType(torch.tensor([1, 2]), 1.5) // torch.float32
 */
export function resultType(tensor1: Tensor | number | boolean, tensor2: Tensor | number | boolean): DType {
  const operand = (x: Tensor | number | boolean, name: string) => {
    if (x instanceof Tensor) return { dtype: x._dtype, dim: x._shape.length };
    if (typeof x !== 'number' && typeof x !== 'boolean') throw argumentError('result_type', name, 'a Tensor or a number', x);
    return x;
  };
  return promotedType([operand(tensor1, 'tensor1'), operand(tensor2, 'tensor2')]);
}

/**
 * Whether a value of dtype `from` may be written into a tensor of dtype `to` by an in-place op
 * (`torch.can_cast`): not floating to integral, and nothing but bool to bool.
 * @example torch.canCast(torch.float64, torch.int32) // false
 */
export function canCast(from: DType, to: DType): boolean {
  if (!(from instanceof DType)) throw argumentError('can_cast', 'from', 'a dtype', from);
  if (!(to instanceof DType)) throw argumentError('can_cast', 'to', 'a dtype', to);
  if (from.isComplex && !to.isComplex) return false;
  if (from.isFloatingPoint && !to.isFloatingPoint && !to.isComplex) return false;
  return !(from !== bool && to === bool);
}
