/**
 * What the distributions share, as torch.distributions.utils: parameters broadcast
 * together, sums over the rightmost dims, probabilities clamped away from 0 and 1, and
 * conversions between probabilities and logits.
 */
import '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';
import { DType, bfloat16, float16, float32, getDefaultDtype } from '../tensor/dtype.js';
import { empty, tensor } from '../tensor/creation.js';
import { broadcastTensors } from '../ops/shape.js';
import { sigmoid } from '../ops/elementwise.js';
import { softmax } from '../ops/softmax.js';
import { normal_ } from '../ops/fill.js';

/** torch.finfo's eps, tiny and min of a float dtype. */
export function finfo(dtype: DType): { eps: number; tiny: number; min: number } {
  if (dtype === float32) return { eps: 1.1920928955078125e-7, tiny: 1.1754943508222875e-38, min: -3.4028234663852886e38 };
  if (dtype === float16) return { eps: 0.0009765625, tiny: 6.103515625e-5, min: -65504 };
  if (dtype === bfloat16) return { eps: 0.0078125, tiny: 1.1754943508222875e-38, min: -3.3895313892515355e38 };
  return { eps: 2.220446049250313e-16, tiny: 2.2250738585072014e-308, min: -Number.MAX_VALUE };
}

/**
 * Parameters as tensors of one broadcast shape. Numbers take the dtype and device of the
 * first tensor among them, or the default dtype when all are numbers.
 * @example const [loc, scale] = broadcastAll('Normal', { loc: 0, scale: torch.ones(3) });
 */
export function broadcastAll(fn: string, values: Record<string, Tensor | number>): Tensor[] {
  const entries = Object.entries(values);
  for (const [name, v] of entries) {
    if (!(v instanceof Tensor) && typeof v !== 'number') {
      throw new TypeError(`${fn}: argument '${name}' must be a Tensor or a number (Input arguments must all be instances of numbers.Number, torch.Tensor or objects implementing __torch_function__.), but got ${v === null ? 'null' : typeof v}`);
    }
  }
  const like = entries.map(([, v]) => v).find((v): v is Tensor => v instanceof Tensor);
  const tensors = entries.map(([, v]) =>
    v instanceof Tensor ? v : tensor(v, { dtype: like?.dtype ?? getDefaultDtype(), device: like?.device }),
  );
  return broadcastTensors(...tensors);
}

/** True when every parameter was given as a plain number (the batch shape is then []). */
export function allNumbers(...values: unknown[]): boolean {
  return values.every((v) => typeof v === 'number');
}

/** Sums the `dim` rightmost dims (`_sum_rightmost`). @example sumRightmost(logProb, 1) */
export function sumRightmost(value: Tensor, dim: number): Tensor {
  if (dim === 0) return value;
  return value.reshape([...value.shape.slice(0, value.dim() - dim), -1]).sum(-1);
}

/** Probabilities clamped to [eps, 1 - eps] of their dtype. @example clampProbs(p) */
export function clampProbs(probs: Tensor): Tensor {
  const { eps } = finfo(probs.dtype);
  return probs.clamp(eps, 1 - eps);
}

/** Logits to probabilities: sigmoid when binary, else softmax over the last dim. */
export function logitsToProbs(logits: Tensor, isBinary = false): Tensor {
  return isBinary ? sigmoid(logits) : softmax(logits, -1);
}

/** Probabilities to logits (log-odds when binary, else log-probabilities), clamped first. */
export function probsToLogits(probs: Tensor, isBinary = false): Tensor {
  const clamped = clampProbs(probs);
  return isBinary ? clamped.log().sub(clamped.neg().log1p()) : clamped.log();
}

/** Standard normal draws of `shape`, as `torch.empty(shape).normal_()`. */
export function standardNormal(shape: readonly number[], like: Tensor): Tensor {
  return normal_(empty([...shape], { dtype: like.dtype, device: like.device }));
}

/** The Euler–Mascheroni constant, as PyTorch's `euler_constant`. */
export const EULER_GAMMA = 0.5772156649015329;

/**
 * A number as Python's `repr(float)` writes it: `4.0`, `0.5`, `1e-05`, `1e+16`, `nan`, `inf`.
 * @example pythonFloat(4) // '4.0'
 */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    // Python's exponent has at least two digits and a sign: 1e-05, 1e+16.
    const [mantissa, exponent] = x.toExponential().split('e');
    const sign = exponent[0] === '-' ? '-' : '+';
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  const text = String(x);
  return Number.isInteger(x) ? `${text}.0` : text;
}
