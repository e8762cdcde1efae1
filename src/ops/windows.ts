/**
 * The window functions of signal processing: `torch.hann_window`, `hamming_window`,
 * `blackman_window`, `bartlett_window` and `kaiser_window`, computed by PyTorch's sequence of
 * operations in the requested dtype (so float32 windows round as PyTorch's do). A periodic
 * window (the default) is the symmetric window of length N + 1 without its last value, as
 * `torch.stft` wants.
 */
import { Tensor } from '../tensor/tensor.js';
import { CREATION_KEYS, arange, empty, ones, type CreationOptions } from '../tensor/creation.js';
import { defaultFloat, type DType } from '../tensor/dtype.js';
import { argumentError, checkBoolean, checkNumber, checkOptions, toDTypeArg } from '../tensor/args.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, cos, div, mul, rsub, sqrt, sub } from './elementwise.js';
import { i0 } from './special.js';
import { narrow } from './shape.js';

/** `(N, periodic?, ...numbers, options?)`, PyTorch's positional order with the options object last. */
function windowArgs(fn: string, windowLength: unknown, rest: unknown[], numbers: number): { periodic: boolean; params: (number | undefined)[]; options: CreationOptions } {
  if (typeof windowLength !== 'number' || !Number.isInteger(windowLength)) throw argumentError(fn, 'windowLength', 'an integer', windowLength);
  if (windowLength < 0) throw new Error(`${fn} requires non-negative window_length, got window_length=${windowLength}`);
  let options: CreationOptions = {};
  const positional = rest.slice();
  const last = positional[positional.length - 1];
  if (last !== null && typeof last === 'object') {
    options = last as CreationOptions;
    positional.pop();
  }
  checkOptions(options, fn, CREATION_KEYS);
  if (positional.length > numbers + 1) throw new TypeError(`${fn}() takes at most ${numbers + 2} positional arguments but ${positional.length + 1} were given`);
  const periodic = (positional[0] ?? true) as boolean;
  checkBoolean(periodic, fn, 'periodic');
  const params = positional.slice(1).map((v, i) => {
    checkNumber(v, fn, `parameter ${i + 1}`);
    return v as number;
  });
  const dtype: DType = options.dtype === undefined || options.dtype === null ? defaultFloat : toDTypeArg(options.dtype, fn);
  if (!dtype.isFloatingPoint) throw new Error(`${fn} expects floating point dtypes, got: dtype=torch.${dtype.name}`);
  return { periodic, params, options: { ...options, dtype } };
}

/** Builds a window: the empty and length-1 cases, then `body` over arange(N or N + 1). */
function windowOf(length: number, periodic: boolean, options: CreationOptions, body: (n: Tensor, length: number) => Tensor): Tensor {
  const { requiresGrad, ...factory } = options;
  const out = noGrad(() => {
    if (length === 0) return empty([0], factory);
    if (length === 1) return ones([1], factory);
    const full = periodic ? length + 1 : length;
    const window = body(arange(full, factory), full);
    return periodic ? narrow(window, 0, 0, full - 1).contiguous() : window;
  });
  if (requiresGrad) out.requiresGrad_(true);
  return out;
}

/**
 * The Hann window, `0.5 - 0.5 cos(2πn / (N - 1))` (`torch.hann_window(windowLength, periodic=true)`).
 * @example torch.hannWindow(4) // tensor([0.0000, 0.5000, 1.0000, 0.5000])
 */
export function hannWindow(windowLength: number, ...rest: (boolean | CreationOptions)[]): Tensor {
  const { periodic, options } = windowArgs('hann_window', windowLength, rest, 0);
  return windowOf(windowLength, periodic, options, (n, length) => raisedCosine(n, length, 0.5, 0.5));
}

/**
 * The Hamming window, `alpha - beta cos(2πn / (N - 1))`
 * (`torch.hamming_window(windowLength, periodic=true, alpha=0.54, beta=0.46)`).
 * @example torch.hammingWindow(5, false) // tensor([0.0800, 0.5400, 1.0000, 0.5400, 0.0800])
 */
export function hammingWindow(windowLength: number, ...rest: (boolean | number | CreationOptions)[]): Tensor {
  const { periodic, params, options } = windowArgs('hamming_window', windowLength, rest, 2);
  return windowOf(windowLength, periodic, options, (n, length) => raisedCosine(n, length, params[0] ?? 0.54, params[1] ?? 0.46));
}

function raisedCosine(n: Tensor, length: number, alpha: number, beta: number): Tensor {
  return add(mul(cos(mul(n, (Math.PI * 2) / (length - 1))), -beta), alpha);
}

/**
 * The Blackman window, `0.42 - 0.5 cos(2πn / (N - 1)) + 0.08 cos(4πn / (N - 1))`.
 * @example torch.blackmanWindow(5, false) // tensor([-1.4901e-08, 3.4000e-01, 1.0000e+00, 3.4000e-01, -1.4901e-08])
 */
export function blackmanWindow(windowLength: number, ...rest: (boolean | CreationOptions)[]): Tensor {
  const { periodic, options } = windowArgs('blackman_window', windowLength, rest, 0);
  return windowOf(windowLength, periodic, options, (n, length) => {
    const w = mul(n, Math.PI / (length - 1));
    return add(sub(mul(cos(mul(w, 4)), 0.08), mul(cos(mul(w, 2)), 0.5)), 0.42);
  });
}

/**
 * The Bartlett (triangular) window, `1 - |2n / (N - 1) - 1|`.
 * @example torch.bartlettWindow(5, false) // tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
 */
export function bartlettWindow(windowLength: number, ...rest: (boolean | CreationOptions)[]): Tensor {
  const { periodic, options } = windowArgs('bartlett_window', windowLength, rest, 0);
  return windowOf(windowLength, periodic, options, (n, length) => {
    const w = mul(n, 2 / (length - 1));
    // The second half descends: 2 - w, written in place as PyTorch does.
    const firstHalf = ((length - 1) >> 1) + 1;
    const tail = narrow(w, 0, firstHalf, length - firstHalf);
    tail.copy_(rsub(tail, 2));
    return w;
  });
}

/**
 * The Kaiser window, `I0(beta sqrt(1 - ((n - a) / a)^2)) / I0(beta)` with a = (N - 1) / 2
 * (`torch.kaiser_window(windowLength, periodic=true, beta=12.0)`).
 * @example torch.kaiserWindow(5, false, 5) // tensor([0.0367, 0.4149, 1.0000, 0.4149, 0.0367])
 */
export function kaiserWindow(windowLength: number, ...rest: (boolean | number | CreationOptions)[]): Tensor {
  const { periodic, params, options } = windowArgs('kaiser_window', windowLength, rest, 1);
  const beta = params[0] ?? 12;
  return windowOf(windowLength, periodic, options, (n, length) => {
    const alpha = (length - 1) / 2;
    const ratio = div(sub(n, alpha), alpha);
    return div(i0(mul(sqrt(rsub(mul(ratio, ratio), 1)), beta)), i0(mul(ones([1], { dtype: n.dtype, device: n.device }), beta)));
  });
}
