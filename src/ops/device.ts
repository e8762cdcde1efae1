/**
 * Moving tensors between devices: `x.to('cuda')`, `x.cpu()`. The forward copies bytes
 * across; the backward (ToCopyBackward0, as PyTorch names it) moves the gradient back.
 */
import { record } from '../autograd/function.js';
import type { Device } from '../tensor/device.js';
import type { Tensor } from '../tensor/tensor.js';
import { transferKernel } from './tensor-kernels.js';

/**
 * `x.to(device)`: `x` itself when it is already there, else a copy that autograd
 * follows back to `x`'s device.
 *
 * @example
 * const g = toDevice(torch.ones(2), torch.device('cuda')); // needs a GPU
 */
export function toDevice(x: Tensor, target: Device): Tensor {
  if (x._storage.device === target) return x;
  const out = transferKernel(x, target);
  const from = x._storage.device;
  if (!x._dtype.isFloatingPoint && !x._dtype.isComplex) return out;
  return record(out, 'ToCopyBackward0', [x], () => (g) => [transferKernel(g, from)], { onceDifferentiable: true });
}
