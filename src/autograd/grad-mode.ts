/** Grad mode: whether ops record the graph. Per JS environment, like PyTorch's thread-local. */
import { checkBoolean, checkFunction } from '../tensor/args.js';

let enabled = true;

/** @internal */
export function gradEnabled(): boolean {
  return enabled;
}

/**
 * `torch.is_grad_enabled()`.
 * @example torch.isGradEnabled() // true
 */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * `torch.set_grad_enabled(mode)`.
 * @example torch.setGradEnabled(false)
 */
export function setGradEnabled(mode: boolean): void {
  checkBoolean(mode, 'setGradEnabled', 'mode');
  enabled = mode;
}

function withMode<T>(mode: boolean, fn: () => T): T {
  const previous = enabled;
  enabled = mode;
  try {
    // The mode covers fn's synchronous part only: holding it across an await would leak
    // it into unrelated callbacks that run meanwhile.
    return fn();
  } finally {
    enabled = previous;
  }
}

/**
 * Runs `fn` without recording the graph (`with torch.no_grad():`) and returns its result.
 *
 * @example
 * const y = torch.noGrad(() => net(X));
 */
export function noGrad<T>(fn: () => T): T {
  checkFunction(fn, 'noGrad', 'fn');
  return withMode(false, fn);
}

/**
 * Runs `fn` with graph recording on (`with torch.enable_grad():`).
 *
 * @example
 * torch.noGrad(() => torch.enableGrad(() => x.mul(2))).requiresGrad // true if x requires grad
 */
export function enableGrad<T>(fn: () => T): T {
  checkFunction(fn, 'enableGrad', 'fn');
  return withMode(true, fn);
}

let inference = false;

/**
 * `torch.is_inference_mode_enabled()`.
 * @example torch.isInferenceModeEnabled() // false
 */
export function isInferenceModeEnabled(): boolean {
  return inference;
}

/**
 * Runs `fn` in inference mode (`with torch.inference_mode():`): no graph is recorded, and
 * tensors created meanwhile are inference tensors, which autograd refuses to save for a
 * later backward. `inferenceMode(false, fn)` runs `fn` with the mode off.
 *
 * @example
 * const y = torch.inferenceMode(() => net(X)); // y.isInference() === true
 */
export function inferenceMode<T>(modeOrFn: boolean | (() => T), maybeFn?: () => T): T {
  const mode = typeof modeOrFn === 'boolean' ? modeOrFn : true;
  const fn = typeof modeOrFn === 'boolean' ? maybeFn : modeOrFn;
  checkFunction(fn, 'inferenceMode', 'fn');
  const previous = inference;
  inference = mode;
  try {
    return mode ? withMode(false, fn as () => T) : (fn as () => T)();
  } finally {
    inference = previous;
  }
}
