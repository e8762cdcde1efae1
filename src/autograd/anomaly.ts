/**
 * Anomaly detection (`torch.autograd.detect_anomaly` / `set_detect_anomaly`): while it is
 * on, the engine checks every gradient a backward node returns and throws PyTorch's error
 * naming the node as soon as one holds a NaN, instead of letting it spread to the leaves.
 */
import type { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkFunction } from '../tensor/args.js';
import type { Node } from './node.js';

let detecting = false;

/**
 * `torch.is_anomaly_enabled()`.
 * @example torch.autograd.isAnomalyEnabled() // false
 */
export function isAnomalyEnabled(): boolean {
  return detecting;
}

/**
 * `torch.autograd.set_detect_anomaly(mode)`: turns anomaly detection on or off.
 * @example torch.autograd.setDetectAnomaly(true)
 */
export function setDetectAnomaly(mode: boolean): void {
  checkBoolean(mode, 'setDetectAnomaly', 'mode');
  detecting = mode;
}

/**
 * `with torch.autograd.detect_anomaly():` — runs `fn` (which typically calls `backward`)
 * with anomaly detection on, and returns its result.
 *
 * @example
 * torch.autograd.detectAnomaly(() => loss.backward());
 * // Error: Function 'DivBackward0' returned nan values in its 0th output.
 */
export function detectAnomaly<T>(fn: () => T): T {
  checkFunction(fn, 'detectAnomaly', 'fn');
  const previous = detecting;
  detecting = true;
  try {
    return fn();
  } finally {
    detecting = previous;
  }
}

/** Throws PyTorch's error when one of `node`'s returned gradients holds a NaN. @internal */
export function checkNanGradients(node: Node, grads: readonly (Tensor | null | undefined)[]): void {
  grads.forEach((g, i) => {
    if (g === null || g === undefined || !g._dtype.isFloatingPoint) return;
    const values = g.dataSync() as ArrayLike<number>;
    for (let k = 0; k < values.length; k++) {
      if (Number.isNaN(values[k])) throw new Error(`Function '${node.name}' returned nan values in its ${i}th output.`);
    }
  });
}
