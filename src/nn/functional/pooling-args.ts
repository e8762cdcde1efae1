/*
 * The pooling functions' arguments: PyTorch's positional parameters with one trailing
 * options object for its keywords, sizes given as an int or a tuple per spatial dim, and
 * PyTorch's output-size rule and messages.
 * Internal to flint.
 */
import { Tensor } from '../../tensor/tensor.js';
import { argumentError, describeValue } from '../../tensor/args.js';
import { scalarTypeName } from '../../tensor/dtype.js';

/** A window size, stride, padding or dilation: one int for every spatial dim, or one per dim. */
export type PoolSize = number | readonly number[];
/** An adaptive output size: one int, or one per spatial dim where `null` keeps the input's size. */
export type AdaptiveSize = number | null | readonly (number | null)[];

const isOptions = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tensor) && !ArrayBuffer.isView(v);

/**
 * Binds `args` (the values after the input) to `names` by position, with a trailing
 * options object naming any of them, as Python binds keywords.
 * @example bindArgs('max_pool2d', [2, { ceilMode: true }], ['kernelSize', 'stride', 'ceilMode'])
 * // { kernelSize: 2, ceilMode: true }
 */
export function bindArgs(fn: string, args: readonly unknown[], names: readonly string[]): Record<string, unknown> {
  // Trailing undefineds are arguments left out, not given (a module passes all it declares).
  let given = args.length;
  while (given > 0 && args[given - 1] === undefined) given--;
  let positional = args.slice(0, given);
  const bound: Record<string, unknown> = {};
  const last = positional[given - 1];
  if (given > 0 && isOptions(last)) {
    positional = positional.slice(0, -1);
    for (const [key, value] of Object.entries(last)) {
      if (!names.includes(key)) {
        throw new TypeError(`${fn}() got an unexpected option '${key}' (expected one of: ${names.join(', ')})`);
      }
      bound[key] = value;
    }
  }
  const count = positional.length;
  if (count > names.length) {
    throw new TypeError(`${fn}() takes at most ${names.length} arguments after the input, but ${count} were given`);
  }
  for (let i = 0; i < count; i++) {
    if (positional[i] === undefined) continue;
    if (names[i] in bound) throw new TypeError(`${fn}() got multiple values for argument '${names[i]}'`);
    bound[names[i]] = positional[i];
  }
  return bound;
}

const COUNT_WORDS = ['', 'one', 'two', 'three'];

/**
 * `value` as one int per spatial dim: an int is repeated, a tuple must have `nd` entries.
 * `what` words PyTorch's message ("kernel_size must either be a single int, or a tuple of two ints").
 * @example expandSize('max_pool2d', 'kernel_size', [2, 3], 2) // [2, 3]
 */
export function expandSize(fn: string, what: string, value: unknown, nd: number, phrase = 'must either be a single int, or'): number[] {
  const values = typeof value === 'number' ? Array(nd).fill(value) : value;
  if (!Array.isArray(values) || values.length !== nd) {
    if (Array.isArray(values) && values.every((v) => Number.isInteger(v))) {
      const tuple = nd === 1 ? 'a tuple of one int' : `a tuple of ${COUNT_WORDS[nd]} ints`;
      throw new Error(`${fn}: ${what} ${phrase} ${tuple}`);
    }
    throw argumentError(fn, what, `an int or a tuple of ${nd} ints`, value);
  }
  for (const v of values) {
    if (!Number.isInteger(v)) throw argumentError(fn, what, `an int or a tuple of ${nd} ints`, value);
  }
  return values.slice();
}

/** A boolean option, checked. */
export function flag(fn: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw argumentError(fn, name, 'a boolean', value);
  return value;
}

/**
 * PyTorch's pooling_output_shape: floor (or ceil) division, where with ceilMode the last
 * window must start inside the input or the left padding.
 * @example poolOutputSize(7, 2, 0, 2, 1, true) // 4
 */
export function poolOutputSize(input: number, kernel: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  const numerator = input + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
  let out = Math.floor(numerator / stride) + 1;
  if (ceilMode && (out - 1) * stride >= input + pad) out--;
  return out;
}

/** PyTorch's message for a dtype a float-only kernel refuses: `"max_pool2d" not implemented for 'Long'`. */
export function checkFloating(x: Tensor, kernel: string): void {
  if (!x._dtype.isFloatingPoint) throw new Error(`"${kernel}" not implemented for '${scalarTypeName(x._dtype)}'`);
}

/** PyTorch's shape list, `[2, 3, 0, 8]`. */
export const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** PyTorch's "Expected 2 to 3 dimensions" check of the 1-d composites (avg_pool1d, adaptive_*_pool1d). */
export function checkDims1d(x: Tensor, fn: string): void {
  const n = x._shape.length;
  if (n < 2 || n > 3) {
    throw new Error(`Expected 2 to 3 dimensions, but got ${n}-dimensional tensor for argument #1 'self' (while checking arguments for ${fn})`);
  }
}

/** The input check at a function's entry, with the type PyTorch names. */
export function checkInput(x: unknown, fn: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new TypeError(`${fn}(): argument 'input' (position 1) must be Tensor, not ${describeValue(x)}`);
  }
}
