/**
 * The options object of the distributions' constructors.
 * @internal
 */
import { checkOptions } from '../tensor/args.js';
import type { DistributionOptions } from './distribution.js';

/** Checks `options` (only `validateArgs`) and returns it, `{}` when absent. @example optionsOf('Normal', options) */
export function optionsOf(fn: string, options: DistributionOptions | undefined): DistributionOptions {
  checkOptions(options, fn, ['validateArgs']);
  const validateArgs = options?.validateArgs;
  if (validateArgs !== undefined && validateArgs !== null && typeof validateArgs !== 'boolean') {
    throw new TypeError(`${fn}(): argument 'validateArgs' must be a boolean, but got ${typeof validateArgs}`);
  }
  return { validateArgs: validateArgs ?? undefined };
}
