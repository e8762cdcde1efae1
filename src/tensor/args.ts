/**
 * Argument checks for the public API, so that a wrong argument fails where it enters,
 * with a message that says what was expected and what was found, rather than deep in a
 * kernel. PyTorch raises TypeError for a wrong type; so do these. Each check is one
 * `typeof` or `instanceof` test on the success path, cheap enough for the tiny ops.
 */
import { Tensor } from './tensor.js';
import { DType, toDTypeOrNull } from './dtype.js';
import { Device, placement } from './device.js';

/**
 * How a value reads in a message: its type, and the value when it is short.
 * @example describeValue(1.5) // 'the number 1.5'
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (isThenable(value)) return 'a Promise';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (typeof value === 'bigint') return `the bigint ${value}n`;
  if (value instanceof Tensor) return `a Tensor of shape [${value._shape.join(', ')}] and dtype torch.${value._dtype.name}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return `an object of type ${(value as object).constructor?.name ?? 'Object'}`;
  return typeof value;
}

/**
 * The TypeError every check throws: `fn(): argument 'name' must be <expected>, but got <found>`.
 * @example throw argumentError('zeros', 'size', 'a sequence of integers', '2')
 */
export function argumentError(fn: string, name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`${fn}(): argument '${name}' must be ${expected}, but got ${describeValue(value)}${hintFor(expected, value)}`);
}

/** Whether `value` is a Promise or another thenable. @example isThenable(torch.load(path)) // true */
export function isThenable(value: unknown): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * The likely fix for the two mistakes JS code makes most at an argument: an un-awaited
 * Promise (torch.load and torch.save are async), and a plain array where a tensor goes.
 */
function hintFor(expected: string, value: unknown): string {
  if (isThenable(value)) return ' (did you forget await?)';
  if (/\bTensor\b/.test(expected) && (value as { isQuantized?: unknown } | null)?.isQuantized === true) {
    return ' (a quantized tensor has no kernels here: call .dequantize() for its values)';
  }
  if (Array.isArray(value) && /\bTensor\b/.test(expected) && !/\barray\b|\bsequence\b/.test(expected)) {
    return ' (wrap it with torch.tensor(...))';
  }
  return '';
}

/**
 * Throws a TypeError unless `value` is an integer (a JS number with no fraction).
 * @example checkInteger(1.5, 'select', 'index') // TypeError: select(): argument 'index' must be an integer, but got the number 1.5
 */
export function checkInteger(value: unknown, fn: string, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw argumentError(fn, name, 'an integer', value);
}

/**
 * Throws a TypeError unless `value` is a non-negative integer (a size or a count).
 * @example checkSize(-1, 'Linear', 'inFeatures') // TypeError: ... must be a non-negative integer, but got the integer -1
 */
export function checkSize(value: unknown, fn: string, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw argumentError(fn, name, 'a non-negative integer', value);
  }
}

/**
 * Throws a TypeError unless `value` is a positive integer (a count that cannot be zero).
 * @example checkPositiveInteger(0, 'LSTM', 'numLayers') // TypeError: ... must be a positive integer, but got the integer 0
 */
export function checkPositiveInteger(value: unknown, fn: string, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw argumentError(fn, name, 'a positive integer', value);
  }
}

/**
 * Throws a TypeError unless `value` is `true` or `false` (a truthy string is a mistake).
 * @example checkBoolean('yes', 'zeros', 'requiresGrad') // TypeError
 */
export function checkBoolean(value: unknown, fn: string, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw argumentError(fn, name, 'a boolean', value);
}

/**
 * Throws a TypeError unless `value` is a JS number (NaN and ±Infinity included, as
 * Python's float).
 * @example checkNumber('2', 'add', 'alpha') // TypeError: add(): argument 'alpha' must be a number, but got the string "2"
 */
export function checkNumber(value: unknown, fn: string, name: string): asserts value is number {
  if (typeof value !== 'number') throw argumentError(fn, name, 'a number', value);
}

/**
 * Throws a TypeError unless `value` is a Tensor.
 * @example checkTensor([1, 2], 'linear', 'input') // TypeError: linear(): argument 'input' must be a Tensor, but got an array of length 2
 */
export function checkTensor(value: unknown, fn: string, name: string): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw argumentError(fn, name, 'a Tensor', value);
}

/**
 * Throws a TypeError unless `value` is a Tensor, `null` or `undefined` (an optional tensor).
 * @example checkOptionalTensor(0, 'linear', 'bias') // TypeError
 */
export function checkOptionalTensor(value: unknown, fn: string, name: string): asserts value is Tensor | null | undefined {
  if (value !== null && value !== undefined && !(value instanceof Tensor)) throw argumentError(fn, name, 'a Tensor or null', value);
}

/**
 * Throws a TypeError unless `value` is a Tensor, a number or a boolean (an operand).
 * @example checkTensorOrScalar('a', 'add', 'other') // TypeError
 */
export function checkTensorOrScalar(value: unknown, fn: string, name: string): asserts value is Tensor | number | boolean {
  if (!(value instanceof Tensor) && typeof value !== 'number' && typeof value !== 'boolean') {
    throw argumentError(fn, name, 'a Tensor, a number or a boolean', value);
  }
}

/**
 * Throws a TypeError unless `value` is a number or a boolean (a scalar fill value).
 * @example checkScalar('a', 'full', 'fillValue') // TypeError
 */
export function checkScalar(value: unknown, fn: string, name: string): asserts value is number | boolean {
  if (typeof value !== 'number' && typeof value !== 'boolean') throw argumentError(fn, name, 'a number or a boolean', value);
}

/**
 * Throws a TypeError unless `value` is a function.
 * @example checkFunction(undefined, 'noGrad', 'fn') // TypeError
 */
export function checkFunction(value: unknown, fn: string, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw argumentError(fn, name, 'a function', value);
}

/**
 * Throws an Error unless `value` is one of `choices` (an enum-like string option). A
 * value of the wrong type is a TypeError, a string that is not listed an Error, as
 * PyTorch raises for `reduction='avg'`.
 * @example checkChoice('avg', 'mseLoss', 'reduction', ['none', 'mean', 'sum'])
 * // Error: mseLoss(): argument 'reduction' must be one of 'none', 'mean', 'sum', but got the string "avg"
 */
export function checkChoice<T extends string>(value: unknown, fn: string, name: string, choices: readonly T[]): asserts value is T {
  if ((choices as readonly unknown[]).includes(value)) return;
  const expected = `one of ${choices.map((c) => `'${c}'`).join(', ')}`;
  if (typeof value !== 'string') throw argumentError(fn, name, expected, value);
  throw new Error(`${fn}(): argument '${name}' must be ${expected}, but got ${describeValue(value)}`);
}

/**
 * A dtype argument as a DType: a `torch.float32`-style object or its name (`'float32'`,
 * `'torch.float32'`); anything else is a TypeError that names the argument.
 * @example toDTypeArg('float64', 'zeros') === torch.float64
 */
export function toDTypeArg(value: unknown, fn: string, name = 'dtype'): DType {
  if (value instanceof DType) {
    if (value.isQuantized) {
      throw new TypeError(`${fn}(): ${name} ${value} is quantized; quantized tensors come from torch.quantizePerTensor and torch.quantizePerChannel`);
    }
    return value;
  }
  const found = typeof value === 'string' ? toDTypeOrNull(value) : null;
  if (found === null) throw argumentError(fn, name, 'a torch.dtype (such as torch.float32) or its name', value);
  return found;
}

/**
 * A device argument as the canonical Device: a `torch.device` or a string such as
 * `'cpu'` or `'cuda:0'`. Another type is a TypeError; a string that names no device
 * keeps PyTorch's "Expected one of cpu, cuda device type ..." message.
 * @example toDeviceArg('cpu', 'zeros') === torch.device('cpu')
 */
export function toDeviceArg(value: unknown, fn: string, name = 'device'): Device {
  if (!(value instanceof Device) && typeof value !== 'string') {
    throw argumentError(fn, name, "a torch.device or a device string such as 'cpu' or 'cuda:0'", value);
  }
  return placement(value);
}

/**
 * Throws a TypeError naming the first key of `options` that `allowed` does not list, as
 * Python does for an unexpected keyword argument. `undefined` and `null` pass.
 * @example checkOptions({ maxNorm: 1 }, 'Embedding', ['paddingIdx', 'dtype', 'device'])
 * // TypeError: Embedding() got an unexpected option 'maxNorm' (expected one of: paddingIdx, dtype, device)
 */
export function checkOptions(options: unknown, fn: string, allowed: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options) || options instanceof Tensor) {
    throw new TypeError(`${fn}(): expected an options object, but got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${fn}() got an unexpected option '${key}' (expected one of: ${allowed.join(', ')})`);
    }
  }
}

/**
 * PyTorch's keyword arguments passed positionally, then an optional options object last (any
 * object but an array, a Tensor, a DType or a Device, which are positional values): merged
 * into one options object, with Python's errors for too many arguments or a key given twice.
 * @example positionalOptions('LSTM', [2, { batchFirst: true }], ['numLayers', 'bias'], LSTM_KEYS) // { numLayers: 2, batchFirst: true }
 */
export function positionalOptions<T extends object>(fn: string, rest: readonly unknown[], positional: readonly (keyof T & string)[], allowed: readonly string[]): T {
  const options: Record<string, unknown> = {};
  let values = rest;
  const last = rest[rest.length - 1];
  if (last !== null && typeof last === 'object' && !Array.isArray(last) && !(last instanceof Tensor) && !(last instanceof DType) && !(last instanceof Device)) {
    checkOptions(last, fn, allowed);
    Object.assign(options, last);
    values = rest.slice(0, -1);
  }
  if (values.length > positional.length) throw new TypeError(`${fn}(): takes at most ${positional.length + 2} positional arguments`);
  values.forEach((value, i) => {
    const key = positional[i];
    if (key in options) throw new TypeError(`${fn}(): got multiple values for argument '${key}'`);
    options[key] = value;
  });
  return options as T;
}

/**
 * The keys of an options type, listed once at runtime and checked by the compiler in both
 * directions: a key the type lacks, or a key of the type left out, is a compile error. So
 * the list that `checkOptions` enforces cannot drift from the type users see.
 * @example
 * interface LinearOptions { bias?: boolean; dtype?: DType }
 * const LINEAR_KEYS = keysOf<LinearOptions>()('bias', 'dtype');
 */
export function keysOf<T extends object>() {
  return <const K extends readonly (keyof T & string)[]>(
    ...keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missingKeys: Exclude<keyof T, K[number]> })
  ): readonly (keyof T & string)[] => keys;
}
