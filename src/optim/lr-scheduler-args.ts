/**
 * Argument binding and checks shared by the LR schedulers. A scheduler's PyTorch
 * parameters may be given positionally (in PyTorch's order) and/or by name in one last
 * options object, as a Python call can; each is bound once here, where it enters.
 */
import type { Optimizer } from './optimizer.js';
import { checkOptions, describe } from './validate.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Binds a scheduler's arguments (after the optimizer) to PyTorch's parameter `names`, as
 * Python binds `f(a, b, c=1)`: positional values first, then the trailing options object.
 * `undefined` counts as not given, so the default applies.
 * @internal
 * @example bindArgs('MultiStepLR', ['milestones', 'gamma', 'lastEpoch'], ['milestones'], [[30, 80], { gamma: 0.5 }])
 */
export function bindArgs(owner: string, names: readonly string[], required: readonly string[], args: readonly unknown[]): Record<string, unknown> {
  const last = args.length > 0 ? args[args.length - 1] : undefined;
  const options = isPlainObject(last) ? last : {};
  const positional = isPlainObject(last) ? args.slice(0, -1) : args.slice();
  if (positional.length > names.length) {
    throw new TypeError(`${owner}() takes at most ${names.length} arguments after the optimizer (${names.join(', ')}), but ${positional.length} were given`);
  }
  checkOptions(owner, options, names);
  const bound: Record<string, unknown> = {};
  positional.forEach((value, i) => {
    if (value !== undefined) bound[names[i]] = value;
  });
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key in bound) throw new TypeError(`${owner}() got multiple values for argument '${key}'`);
    bound[key] = value;
  }
  for (const name of required) {
    if (!(name in bound)) throw new TypeError(`${owner}() missing required argument '${name}' (pass it after the optimizer, or as { ${name} })`);
  }
  return bound;
}

/**
 * A whole number of epochs or steps, at least `min`.
 * @internal
 * @example integerAtLeast('ConstantLR', 'totalIters', 5, 0)
 */
export function integerAtLeast(owner: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    throw new Error(`${owner}: expected ${name} to be ${what}, but found ${describe(value)}`);
  }
  return value;
}

/**
 * A finite number in [lo, hi]; `message` is PyTorch's ValueError text when it has one.
 * @internal
 * @example numberIn('ConstantLR', 'factor', 0.5, 0, 1, 'Constant multiplicative factor expected to be between 0 and 1.')
 */
export function numberIn(owner: string, name: string, value: unknown, lo: number, hi: number, message?: string): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${owner}: expected ${name} to be a number, but found ${describe(value)}`);
  }
  if (!(value >= lo && value <= hi)) throw new Error(message ?? `${owner}: expected ${name} to be between ${lo} and ${hi}, but found ${value}`);
  return value;
}

/**
 * A function argument (an LR lambda, a scale function).
 * @internal
 * @example callable('LambdaLR', 'lrLambda', (e: number) => 0.9 ** e)
 */
export function callable<F>(owner: string, name: string, value: unknown): F {
  if (typeof value !== 'function') throw new TypeError(`${owner}: expected ${name} to be a function, but found ${describe(value)}`);
  return value as F;
}

/**
 * One value per param group from a number or an array (PyTorch's `_format_param`).
 * @internal
 * @example perGroup('CyclicLR', 'maxLr', opt, 0.1) // [0.1, 0.1] for two groups
 */
export function perGroup(owner: string, name: string, optimizer: Optimizer, value: unknown): number[] {
  const groups = optimizer.paramGroups.length;
  const values = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && value.length !== groups) {
    throw new Error(`expected ${groups} values for ${name}, got ${value.length}`);
  }
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new TypeError(`${owner}: expected ${name} to be a finite number or an array of one per param group, but found ${describe(v)}`);
    }
  }
  return Array.isArray(value) ? (value as number[]).slice() : new Array<number>(groups).fill(value as number);
}

/**
 * The optimizer argument, checked before anything reads its groups.
 * @internal
 * @example checkOptimizer(opt)
 */
export function checkOptimizer(optimizer: unknown, OptimizerClass: abstract new (...args: never[]) => unknown): void {
  if (!(optimizer instanceof OptimizerClass)) {
    throw new TypeError(`${(optimizer as object | null)?.constructor?.name ?? typeof optimizer} is not an Optimizer`);
  }
}

/**
 * A number as Python's `'%.4e' % x` writes it (a two-digit exponent at least).
 * @internal
 * @example pyExp4(0.1) // '1.0000e-01'
 */
export function pyExp4(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const [mantissa, exponent] = x.toExponential(4).split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
}

/**
 * An epoch as PyTorch's verbose messages write it: `'%.5d'` for a whole number, `'%.2f'`
 * otherwise (PyTorch decides by the Python type, so a float like 3.0 prints as '3.00' there).
 * @internal
 * @example epochString(7) // '00007'
 */
export function epochString(epoch: number): string {
  if (!Number.isInteger(epoch)) return epoch.toFixed(2);
  return epoch < 0 ? `-${String(-epoch).padStart(5, '0')}` : String(epoch).padStart(5, '0');
}
