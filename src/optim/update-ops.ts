/**
 * The fused in-place ops PyTorch's update rules use (add with alpha, addcmul_, addcdiv_),
 * composed from flint's ops for the optimizers' private use. They run with grad mode off
 * and dispose their temporaries at once: an optimizer step runs every iteration, and
 * leaving a parameter-sized temporary per op to the garbage collector would hold that
 * memory for several iterations.
 */
import type { Tensor } from '../tensor/tensor.js';
import { fullLike, zerosLike } from '../tensor/creation.js';
import { viewAsReal } from '../complex/parts.js';

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

/**
 * The gradient an update rule reads: negated under `maximize`, plus `weightDecay * p`
 * (`grad.add(param, alpha=weight_decay)`). Returns `grad` itself when neither applies, so
 * the caller frees the result with `release(g, grad)`.
 * @internal
 * @example const g = effectiveGrad(grad, p, weightDecay, maximize); ...; release(g, grad);
 */
export function effectiveGrad(grad: Tensor, p: Tensor, weightDecay: number, maximize: boolean): Tensor {
  let g = maximize ? grad.neg() : grad;
  if (weightDecay !== 0) {
    const decayed = plusScaled(g, p, weightDecay);
    release(g, grad);
    g = decayed;
  }
  return g;
}

/**
 * `self = max(self, other)` elementwise, in place (`torch.maximum(self, other, out=self)`),
 * so that a state tensor keeps its identity.
 * @internal
 * @example maximum_(expInf, candidate)
 */
export function maximum_(self: Tensor, other: Tensor): Tensor {
  const larger = self.maximum(other);
  self.copy_(larger);
  larger.dispose();
  return self;
}

/**
 * A value as PyTorch holds it in a float32 scalar tensor (`torch.tensor(x)` with the
 * default dtype), where an update rule keeps a scalar such as NAdam's `mu_product`.
 * @internal
 * @example state.eta = float32Scalar(lr)
 */
export const float32Scalar = Math.fround;

/**
 * `t.sqrt_()` for a temporary: a new tensor holding the square roots, `t` disposed.
 * @internal
 * @example const std = sqrtOfTemporary(squareAvg.add(eps));
 */
export function sqrtOfTemporary(t: Tensor): Tensor {
  const root = t.sqrt();
  t.dispose();
  return root;
}

/**
 * A tensor like `like` filled with `value`; a complex one has `value` in both its real and
 * imaginary parts, because PyTorch 2's optimizers treat a complex parameter as two real
 * numbers (Rprop's step size, Adagrad's initial accumulator: complex(v, v)).
 * @internal
 */
export function fullPartsLike(like: Tensor, value: number): Tensor {
  if (!like._dtype.isComplex) return fullLike(like, value);
  const out = zerosLike(like);
  viewAsReal(out).fill_(value);
  return out;
}
