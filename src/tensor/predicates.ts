/**
 * The questions torch answers about a tensor or an object: `torch.isTensor`,
 * `isFloatingPoint`, `isComplex`, `isNonzero`, `numel`, and the Tensor's `isSigned` and
 * `isSameSize`.
 */
import { Tensor } from './tensor.js';
import { checkTensor } from './args.js';

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

/** Whether the dtype of `input` is complex: never, as flint has no complex dtypes. @example torch.isComplex(x) // false */
export function isComplex(input: Tensor): boolean {
  checkTensor(input, 'isComplex', 'input');
  return false;
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
