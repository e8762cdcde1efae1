/** Small tensors the ops need internally (0-d scalars, zeros), without autograd. */
import { DType } from '../tensor/dtype.js';
import type { Device } from '../tensor/device.js';
import type { Tensor } from '../tensor/tensor.js';
import { emptyKernel, fillKernel } from './tensor-kernels.js';

/** A new tensor of `shape` filled with `value`. @internal */
export function filled(shape: number[], value: number, dtype: DType, device: Device): Tensor {
  const t = emptyKernel(shape, dtype, device);
  fillKernel(t, value);
  return t;
}

/** A 0-d tensor holding `value`, on `like`'s device, with `dtype` or `like`'s dtype. @internal */
export function scalarLike(value: number, like: Tensor, dtype?: DType): Tensor {
  return filled([], value, dtype ?? like._dtype, like.device);
}

/** Zeros shaped like `shape`, on `like`'s device. @internal */
export function zerosOf(shape: number[], like: Tensor, dtype?: DType): Tensor {
  return filled(shape, 0, dtype ?? like._dtype, like.device);
}
