/**
 * Argument checks shared by the optimizers and schedulers. Every argument is checked
 * where it enters (the constructor), so a bad value fails with its name and the value
 * found, instead of turning into NaN rates or a failure many steps later. Where PyTorch
 * raises, the message starts with PyTorch's own words ("Invalid learning rate: -1").
 */

/**
 * A short description of a value for an error message.
 * @internal
 * @example describe('0.1') // "the string '0.1'"
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `the string '${value.length > 40 ? `${value.slice(0, 37)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'function') return 'a function';
  const name = (value as object).constructor?.name;
  return name === undefined || name === 'Object' ? 'an object' : `a ${name}`;
}

/** snake_case -> camelCase, to suggest the flint spelling of a PyTorch keyword. */
function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Checks that `options` is undefined or a plain object whose keys are all in `allowed`,
 * as Python rejects an unexpected keyword argument.
 * @internal
 * @example checkOptions('SGD', { lr: 0.1 }, ['lr', 'momentum'])
 */
export function checkOptions(owner: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${owner}: expected an options object with keys ${allowed.join(', ')}, but found ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const hint = allowed.includes(camel(key)) ? ` (did you mean '${camel(key)}'? flint spells options in camelCase)` : '';
    throw new TypeError(`${owner}() got an unexpected option '${key}'${hint}; expected one of ${allowed.join(', ')}`);
  }
}

/**
 * A number that must not be negative (NaN neither): `message` is PyTorch's prefix.
 * @internal
 * @example nonNegative('Invalid learning rate', lr)
 */
export function nonNegative(message: string, value: unknown): void {
  if (typeof value !== 'number') throw new TypeError(`${message}: expected a non-negative number, but found ${describe(value)}`);
  if (!(value >= 0)) throw new Error(`${message}: ${value}`);
}

/**
 * A finite number (any sign).
 * @internal
 * @example finiteNumber('StepLR', 'gamma', 0.1)
 */
export function finiteNumber(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${owner}: expected ${name} to be a finite number, but found ${describe(value)}`);
  }
}

/**
 * A boolean flag.
 * @internal
 * @example boolean('SGD', 'nesterov', true)
 */
export function boolean(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new TypeError(`${owner}: expected ${name} to be true or false, but found ${describe(value)}`);
}

/**
 * Adam-style `betas`: a pair of numbers in [0, 1), with PyTorch's message for a value outside.
 * @internal
 * @example betaPair('Adamax', [0.9, 0.999])
 */
export function betaPair(owner: string, betas: unknown): void {
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new TypeError(`${owner}: expected betas to be a pair [beta1, beta2], but found ${describe(betas)}`);
  }
  betas.forEach((beta: unknown, i) => {
    if (typeof beta !== 'number') throw new TypeError(`Invalid beta parameter at index ${i}: expected a number in [0, 1), but found ${describe(beta)}`);
    if (!(beta >= 0 && beta < 1)) throw new Error(`Invalid beta parameter at index ${i}: ${beta}`);
  });
}

/**
 * A pair of numbers (Rprop's `etas` and `stepSizes`).
 * @internal
 * @example numberPair('Rprop', 'etas', [0.5, 1.2])
 */
export function numberPair(owner: string, name: string, value: unknown): asserts value is [number, number] {
  if (!Array.isArray(value) || value.length !== 2 || value.some((v) => typeof v !== 'number' || Number.isNaN(v))) {
    throw new TypeError(`${owner}: expected ${name} to be a pair of numbers, but found ${describe(value)}`);
  }
}

/**
 * A copy of a pair option, so that groups made from one options object do not share it.
 * @internal
 * @example super(params, { betas: copyPair(betas) })
 */
export function copyPair<T>(value: T): T {
  return (Array.isArray(value) ? value.slice() : value) as T;
}
