/**
 * The fused in-place ops PyTorch's update rules use (add with alpha, addcmul_, addcdiv_),
 * composed from flint's ops for the optimizers' private use. They run with grad mode off
 * and dispose their temporaries at once: an optimizer step runs every iteration, and
 * leaving a parameter-sized temporary per op to the garbage collector would hold that
 * memory for several iterations.
 */
import type { Tensor } from '../tensor/tensor.js';

/**
 * `self += alpha * other`, in PyTorch's order (the product rounded, then added).
 * @internal
 * @example addScaled_(buf, grad, 1 - dampening)
 */
export function addScaled_(self: Tensor, other: Tensor, alpha: number): Tensor {
  if (alpha === 1) return self.add_(other);
  const scaled = other.mul(alpha);
  self.add_(scaled);
  scaled.dispose();
  return self;
}

/**
 * A new tensor `x + alpha * y` (`x.add(y, alpha=alpha)`).
 * @internal
 * @example const decayed = plusScaled(grad, p, weightDecay);
 */
export function plusScaled(x: Tensor, y: Tensor, alpha: number): Tensor {
  const out = y.mul(alpha);
  // x + alpha*y == alpha*y + x exactly (IEEE addition commutes), and this order needs no second temporary.
  out.add_(x);
  return out;
}

/**
 * `self += value * t1 * t2` (`addcmul_`), multiplied in PyTorch's CPU kernel order.
 * @internal
 * @example addcmul_(expAvgSq, grad, grad, 1 - beta2)
 */
export function addcmul_(self: Tensor, t1: Tensor, t2: Tensor, value: number): Tensor {
  const product = t1.mul(value);
  product.mul_(t2);
  self.add_(product);
  product.dispose();
  return self;
}

/**
 * `self += value * t1 / t2` (`addcdiv_`), in PyTorch's CPU kernel order.
 * @internal
 * @example addcdiv_(p, expAvg, denom, -stepSize)
 */
export function addcdiv_(self: Tensor, t1: Tensor, t2: Tensor, value: number): Tensor {
  const quotient = t1.mul(value);
  quotient.div_(t2);
  self.add_(quotient);
  quotient.dispose();
  return self;
}

/**
 * Disposes `t` unless it is one of the tensors the caller does not own.
 * @internal
 * @example release(dp, grad, buf)
 */
export function release(t: Tensor, ...borrowed: (Tensor | undefined)[]): void {
  if (!borrowed.includes(t)) t.dispose();
}
