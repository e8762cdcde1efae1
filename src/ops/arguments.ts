/**
 * The argument checks and keyword options of the elementwise ops (operands, add/sub
 * `alpha`, div `roundingMode`, clamp bounds), kept out of elementwise.ts so that the
 * ops read as math.
 */
import { Tensor } from '../tensor/tensor.js';
import { argumentError, checkNumber, checkOptions, checkTensor, checkTensorOrScalar, keysOf } from '../tensor/args.js';

/**
 * Checks a binary op's operands where they enter: a Tensor, then a Tensor or a scalar. @internal
 * @example checkOperands('add', x, 'a') // TypeError: add(): argument 'other' must be a Tensor, a number or a boolean, ...
 */
export function checkOperands(fn: string, a: unknown, b: unknown): void {
  checkTensor(a, fn, 'input');
  checkTensorOrScalar(b, fn, 'other');
}

/**
 * The options of add, sub and their in-place forms: PyTorch's `alpha` keyword.
 * @example x.add(y, { alpha: 2 }); p.sub_(grad, { alpha: lr })
 */
export interface AlphaOptions {
  alpha?: number;
}
const ALPHA_KEYS = keysOf<AlphaOptions>()('alpha');

/**
 * `alpha` from add/sub options, checked (1 when absent). @internal
 * @example alphaOf({ alpha: 2 }, 'add') // 2
 */
export function alphaOf(options: AlphaOptions | undefined, fn: string): number {
  if (options === undefined) return 1;
  checkOptions(options, fn, ALPHA_KEYS);
  const alpha = options?.alpha ?? 1;
  checkNumber(alpha, fn, 'alpha');
  return alpha;
}

/**
 * The options of div: PyTorch's `rounding_mode` keyword.
 * @example x.div(y, { roundingMode: 'floor' })
 */
export interface DivOptions {
  roundingMode?: 'trunc' | 'floor' | null;
}
const DIV_KEYS = keysOf<DivOptions>()('roundingMode');

/**
 * `roundingMode` from div's options, checked: PyTorch's message for an unknown mode.
 * @internal
 * @example roundingModeOf({ roundingMode: 'floor' }) // 'floor'
 */
export function roundingModeOf(options: DivOptions): 'trunc' | 'floor' | null {
  checkOptions(options, 'div', DIV_KEYS);
  const mode = options?.roundingMode ?? null;
  if (mode !== null && mode !== 'trunc' && mode !== 'floor') {
    if (typeof mode !== 'string') throw argumentError('div', 'roundingMode', "null, 'trunc' or 'floor'", mode);
    throw new Error(`div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${mode}'`);
  }
  return mode;
}

/** The options form of clamp. */
interface ClampOptions {
  min?: number | Tensor | null;
  max?: number | Tensor | null;
}
const CLAMP_KEYS = keysOf<ClampOptions>()('min', 'max');

/**
 * Checks the keys of clamp's `{ min, max }` form. @internal
 * @example checkClampOptions({ min: 0 })
 */
export function checkClampOptions(options: object): void {
  checkOptions(options, 'clamp', CLAMP_KEYS);
}

/**
 * Throws unless a clamp bound is a number, a Tensor or null. @internal
 * @example checkBound('a', 'min') // TypeError: clamp(): argument 'min' must be a number, a Tensor or null, ...
 */
export function checkBound(value: unknown, name: string): void {
  if (value !== null && typeof value !== 'number' && !(value instanceof Tensor)) {
    throw argumentError('clamp', name, 'a number, a Tensor or null', value);
  }
}
