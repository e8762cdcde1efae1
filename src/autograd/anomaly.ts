/**
 * Anomaly detection (`torch.autograd.detect_anomaly` / `set_detect_anomaly`): while it is
 * on, the engine checks every gradient a backward node returns and throws PyTorch's error
 * naming the node as soon as one holds a NaN, instead of letting it spread to the leaves.
 */
import type { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkFunction } from '../tensor/args.js';
import type { Node } from './node.js';

let detecting = false;
let checkNan = true;

/**
 * `torch.is_anomaly_enabled()`.
 * @example torch.autograd.isAnomalyEnabled() // false
 */
export function isAnomalyEnabled(): boolean {
  return detecting;
}

/**
 * `torch.is_anomaly_check_nan_enabled()`.
 * @example torch.autograd.isAnomalyCheckNanEnabled() // true
 */
export function isAnomalyCheckNanEnabled(): boolean {
  return checkNan;
}

/**
 * `torch.autograd.set_detect_anomaly(mode, check_nan=True)`: turns anomaly detection on or
 * off; `checkNan: false` keeps it on without the NaN check (flint records no forward
 * tracebacks, so detection then does nothing else).
 * @example torch.autograd.setDetectAnomaly(true)
 */
export function setDetectAnomaly(mode: boolean, nanCheck = true): void {
  checkBoolean(mode, 'setDetectAnomaly', 'mode');
  checkBoolean(nanCheck, 'setDetectAnomaly', 'checkNan');
  detecting = mode;
  checkNan = nanCheck;
}

/**
 * `with torch.autograd.detect_anomaly():` — runs `fn` (which typically calls `backward`)
 * with anomaly detection on, and returns its result.
 *
 * @example
 * torch.autograd.detectAnomaly(() => loss.backward());
 * // Error: Function 'DivBackward0' returned nan values in its 0th output.
 */
export function detectAnomaly<T>(fn: () => T, options: { checkNan?: boolean } = {}): T {
  checkFunction(fn, 'detectAnomaly', 'fn');
  if (typeof options !== 'object' || options === null) throw new TypeError(`detectAnomaly(): expected an options object, but got ${typeof options}`);
  for (const key of Object.keys(options)) {
    if (key !== 'checkNan') throw new TypeError(`detectAnomaly() got an unexpected option '${key}'; expected checkNan`);
  }
  const previous = [detecting, checkNan] as const;
  setDetectAnomaly(true, options.checkNan ?? true);
  try {
    return fn();
  } finally {
    [detecting, checkNan] = previous;
  }
}

/** Throws PyTorch's error when one of `node`'s returned gradients holds a NaN. @internal */
export function checkNanGradients(node: Node, grads: readonly (Tensor | null | undefined)[]): void {
  if (!checkNan) return;
  grads.forEach((g, i) => {
    if (g === null || g === undefined || !g._dtype.isFloatingPoint) return;
    const values = g.dataSync() as ArrayLike<number>;
    for (let k = 0; k < values.length; k++) {
      if (Number.isNaN(values[k])) throw new Error(`Function '${node.name}' returned nan values in its ${i}th output.`);
    }
  });
}
