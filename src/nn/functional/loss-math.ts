/**
 * The small pieces the composite losses share: reductions (with PyTorch's messages),
 * log-sigmoid and softplus with exact derivatives (composing them from abs and clamp
 * would give a wrong one-sided derivative at 0), xlogy, and the "clamp under no_grad"
 * PyTorch applies to a cloned tensor (value clamped, gradient passed through unchanged).
 */
import { type Backward, record } from '../../autograd/function.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';
import type { Tensor } from '../../tensor/tensor.js';
import { abs, add, clamp, eq, exp, ge, gradTo, le, log, log1p, logicalAnd, logicalNot, mul, neg, relu, sigmoid, sub, where } from '../../ops/elementwise.js';
import { any, mean, sum } from '../../ops/reduce.js';
import { checkReduction } from './loss.js';

/**
 * Applies `reduction` to per-element losses, after checking it names a reduction.
 * @internal
 * @example reduceLoss(perElement, 'mean', 'huberLoss')
 */
export function reduceLoss(x: Tensor, reduction: unknown, fn: string): Tensor {
  checkReduction(reduction, fn);
  return reduction === 'none' ? x : reduction === 'sum' ? sum(x) : mean(x);
}

/**
 * Like `reduceLoss`, for the losses whose Python code raises `"<reduction> is not valid"`
 * (multilabel_soft_margin_loss, gaussian_nll_loss) instead of the usual message.
 * @internal
 * @example reduceLossNotValid(loss, 'avg') // Error: avg is not valid
 */
export function reduceLossNotValid(x: Tensor, reduction: unknown, fn: string): Tensor {
  checkReductionNotValid(reduction, fn);
  return reduceLoss(x, reduction, fn);
}

/**
 * Throws PyTorch's `"<reduction> is not valid"` for a string that is not a reduction.
 * @internal
 * @example checkReductionNotValid('avg', 'gaussianNllLoss')
 */
export function checkReductionNotValid(reduction: unknown, fn: string): void {
  if (typeof reduction === 'string' && reduction !== 'none' && reduction !== 'mean' && reduction !== 'sum') {
    throw new Error(`${reduction} is not valid`);
  }
  checkReduction(reduction, fn);
}

/**
 * `log(sigmoid(x))`, computed without overflow, with the derivative `sigmoid(-x)`.
 * @internal
 * @example logSigmoid(logits)
 */
export function logSigmoid(x: Tensor): Tensor {
  const out = noGrad(() => sub(clamp(x, null, 0), log1p(exp(neg(abs(x))))));
  if (!gradEnabled() || !x._requiresGrad) return out;
  return record(out, 'LogSigmoidBackward0', [x], (node) => {
    const sx = node.save(x);
    const shape = x._shape;
    const dtype = x._dtype;
    return ((g) => [gradTo(mul(g, sigmoid(neg(sx()))), shape, dtype)]) as Backward;
  });
}

/**
 * `log(1 + exp(x))`, computed without overflow, with the derivative `sigmoid(x)`.
 * @internal
 * @example softplus(neg(mul(x, y)))
 */
export function softplus(x: Tensor): Tensor {
  const out = noGrad(() => add(relu(x), log1p(exp(neg(abs(x))))));
  if (!gradEnabled() || !x._requiresGrad) return out;
  return record(out, 'SoftplusBackward0', [x], (node) => {
    const sx = node.save(x);
    const shape = x._shape;
    const dtype = x._dtype;
    return ((g) => [gradTo(mul(g, sigmoid(sx())), shape, dtype)]) as Backward;
  });
}

/**
 * `x * log(y)`, 0 where `x` is 0 (torch.xlogy).
 * @internal
 * @example xlogy(t, t) // t log t, 0 at t = 0
 */
export function xlogy(x: Tensor, y: Tensor): Tensor {
  return where(eq(x, 0), 0, mul(x, log(y)));
}

/**
 * `x.clone()` then `clamp_min_(min)` under no_grad, as PyTorch's gaussian_nll_loss and
 * cosine_similarity do: the values are clamped, the gradient passes through unchanged.
 * @internal
 * @example clampMinPassThrough(variance, 1e-6)
 */
export function clampMinPassThrough(x: Tensor, min: number): Tensor {
  const out = noGrad(() => clamp(x, min));
  if (!gradEnabled() || !x._requiresGrad) return out;
  const shape = x._shape;
  const dtype = x._dtype;
  return record(out, 'CloneBackward0', [x], () => (g) => [gradTo(g, shape, dtype)]);
}

/**
 * Whether any element is outside [lo, hi] (or NaN), read back to JS: PyTorch checks
 * these ranges in its kernels and raises.
 * @internal
 * @example anyOutside(probabilities, 0, 1)
 */
export function anyOutside(x: Tensor, lo: number, hi: number): boolean {
  return noGrad(() => {
    const inside = logicalAnd(ge(x, lo), le(x, hi));
    return Boolean(any(logicalNot(inside)).item());
  });
}
