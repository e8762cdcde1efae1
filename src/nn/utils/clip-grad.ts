/**
 * `nn.utils.clipGradNorm_` / `clipGradValue_`, as PyTorch 1.13's torch/nn/utils/clip_grad.py:
 * the same norms, the same `max_norm / (total_norm + 1e-6)` coefficient clamped to 1 (so
 * the gradients are always multiplied, as PyTorch does to avoid a device sync), and the
 * same message for a non-finite norm.
 */
import { warnOnce } from '../../utils/warn-once.js';
import { Tensor } from '../../tensor/tensor.js';
import { describeValue } from '../../tensor/args.js';
import { zeros } from '../../tensor/creation.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { tidy } from '../../memory/storage.js';
import { stack } from '../../ops/shape.js';
import { amax } from '../../ops/reduce.js';
import { norm } from '../../ops/norms.js';
import { clamp } from '../../ops/clamp.js';

/** `clip_grad_norm_`'s keyword arguments. @example { maxNorm: 1.0, normType: 'inf' } */
export interface ClipGradNormOptions {
  maxNorm?: number;
  /** A p-norm order; `'inf'` or `Infinity` for the largest absolute value. Default 2. */
  normType?: number | 'inf';
  /** Throw when the total norm is NaN or infinite instead of scaling by it. Default false. */
  errorIfNonfinite?: boolean;
}

function tensorsOf(parameters: Iterable<Tensor> | Tensor, fn: string): Tensor[] {
  if (parameters instanceof Tensor) return [parameters];
  if (parameters === null || typeof (parameters as Iterable<Tensor>)?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`${fn}(): argument 'parameters' must be a Tensor or an iterable of Tensors, but got ${describeValue(parameters)}`);
  }
  const list = Array.from(parameters);
  for (const p of list) {
    if (!(p instanceof Tensor)) throw new TypeError(`${fn}(): argument 'parameters' must hold Tensors, but it holds ${describeValue(p)}`);
  }
  return list;
}

function checkNumber(value: unknown, fn: string, name: string): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${fn}(): argument '${name}' must be a number, but got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Scales the gradients of `parameters` in place so that their total `normType`-norm (as if
 * concatenated into one vector) is at most `maxNorm`; returns that total norm, before
 * clipping, as a 0-dim tensor (`torch.tensor(0.)` when no parameter has a gradient).
 * @example
 * loss.backward();
 * const total = torch.nn.utils.clipGradNorm_(model.parameters(), 1.0); // or { maxNorm: 1.0 }
 * optimizer.step();
 */
export function clipGradNorm_(
  parameters: Iterable<Tensor> | Tensor,
  maxNorm: number | ClipGradNormOptions,
  normType: number | 'inf' | ClipGradNormOptions = 2,
  errorIfNonfinite = false,
): Tensor {
  let options: ClipGradNormOptions = {};
  if (typeof maxNorm === 'object' && maxNorm !== null) options = maxNorm;
  else if (typeof normType === 'object' && normType !== null) options = { ...normType, maxNorm };
  else options = { maxNorm, normType, errorIfNonfinite };
  const fn = 'clip_grad_norm_';
  const params = tensorsOf(parameters, fn);
  const limit = checkNumber(options.maxNorm, fn, 'max_norm');
  const rawOrder = options.normType ?? 2;
  const order = rawOrder === 'inf' ? Infinity : checkNumber(rawOrder, fn, 'norm_type');
  const check = options.errorIfNonfinite ?? false;
  if (typeof check !== 'boolean') throw new TypeError(`${fn}(): argument 'error_if_nonfinite' must be a boolean, but got ${describeValue(check)}`);

  // `_grad`: read and scaled in place, never kept, so zeroGrad may still free them.
  const grads = params.map((p) => p._grad).filter((g): g is Tensor => g !== null && g !== undefined);
  if (grads.length === 0) return zeros([]);
  return noGrad(() =>
    tidy(() => {
      let total: Tensor;
      if (order === Infinity) {
        const norms = grads.map((g) => g.detach().abs().max());
        total = norms.length === 1 ? norms[0] : amax(stack(norms)); // torch.max of a stack, without indices
      } else {
        total = norm(stack(grads.map((g) => norm(g.detach(), order))), order);
      }
      if (check && !Number.isFinite(total.item())) {
        throw new Error(
          `The total norm of order ${order === Infinity ? 'inf' : Number.isInteger(order) ? order.toFixed(1) : String(order)} for gradients from \`parameters\` is ` +
            'non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite ' +
            'norm anyway, set `error_if_nonfinite=False`',
        );
      }
      // Python's `max_norm / t` is `t.reciprocal() * max_norm` (Tensor.__rtruediv__).
      const coef = clamp(total.add(1e-6).reciprocal().mul(limit), { max: 1.0 });
      for (const g of grads) g.detach().mul_(coef);
      return total;
    }),
  );
}

/**
 * Clamps every gradient of `parameters` in place to `[-clipValue, clipValue]`.
 * @example torch.nn.utils.clipGradValue_(model.parameters(), 0.5); // or { clipValue: 0.5 }
 */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number | { clipValue: number }): void {
  const fn = 'clip_grad_value_';
  const params = tensorsOf(parameters, fn);
  const raw = typeof clipValue === 'object' && clipValue !== null ? clipValue.clipValue : clipValue;
  const value = checkNumber(raw, fn, 'clip_value');
  noGrad(() => {
    for (const p of params) if (p._grad) p._grad.data.clamp_(-value, value);
  });
}

/**
 * Deprecated `nn.utils.clip_grad_norm`: warns once, then `clipGradNorm_`.
 * @example torch.nn.utils.clipGradNorm(model.parameters(), 1.0)
 */
export function clipGradNorm(
  parameters: Iterable<Tensor> | Tensor,
  maxNorm: number | ClipGradNormOptions,
  normType: number | 'inf' | ClipGradNormOptions = 2,
  errorIfNonfinite = false,
): Tensor {
  warnOnce('clip_grad_norm', 'torch.nn.utils.clip_grad_norm is now deprecated in favor of torch.nn.utils.clip_grad_norm_.');
  return clipGradNorm_(parameters, maxNorm, normType, errorIfNonfinite);
}
