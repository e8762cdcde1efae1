/**
 * Moving tensors between devices: `x.to('cuda')`, `x.cpu()`. The forward copies bytes
 * across; the backward (ToCopyBackward0, as PyTorch names it) moves the gradient back.
 */
import { native } from '../native/addon.js';
import { record } from '../autograd/function.js';
import type { Device } from '../tensor/device.js';
import type { Tensor } from '../tensor/tensor.js';
import { castKernel, emptyKernel } from './kernels.js';

/** Copies `x` into a new contiguous tensor on `target`, with no autograd. @internal */
export function moveKernel(x: Tensor, target: Device): Tensor {
  const source = x.isContiguous() ? x : castKernel(x, x._dtype);
  const out = emptyKernel(x._shape.slice(), x._dtype, target);
  const itemsize = x._dtype.itemsize;
  native.copyAcross(out._handle(), 0, source._handle(), source._offset * itemsize, x.numel() * itemsize);
  if (source !== x) source.dispose();
  return out;
}

/**
 * `x.to(device)`: `x` itself when it is already there, else a copy that autograd
 * follows back to `x`'s device.
 *
 * @example
 * const g = toDevice(torch.ones(2), torch.device('cuda')); // needs a GPU
 */
export function toDevice(x: Tensor, target: Device): Tensor {
  if (x._storage.device === target) return x;
  const out = moveKernel(x, target);
  const from = x._storage.device;
  if (!x._dtype.isFloatingPoint) return out;
  return record(out, 'ToCopyBackward0', [x], () => (g) => [moveKernel(g, from)]);
}
