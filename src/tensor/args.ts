/**
 * Argument checks for the public API, so that a wrong argument fails where it enters,
 * with a message that says what was expected and what was found, rather than deep in a
 * kernel. PyTorch raises TypeError for a wrong type; so do these.
 */

/** How a value reads in a message: its type, and the value when it is short. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'object') return `an object of type ${(value as object).constructor?.name ?? 'Object'}`;
  return typeof value;
}

/**
 * Throws a TypeError unless `value` is an integer (a JS number with no fraction).
 * @example checkInteger(1.5, 'select', 'index') // TypeError: select(): argument 'index' must be an integer, but got the number 1.5
 */
export function checkInteger(value: unknown, fn: string, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${fn}(): argument '${name}' must be an integer, but got ${describeValue(value)}`);
  }
}

/**
 * Throws a TypeError naming the first key of `options` that `allowed` does not list, as
 * Python does for an unexpected keyword argument. `undefined` and `null` pass.
 * @example checkOptions({ maxNorm: 1 }, 'Embedding', ['paddingIdx', 'dtype', 'device'])
 * // TypeError: Embedding() got an unexpected option 'maxNorm' (expected one of: paddingIdx, dtype, device)
 */
export function checkOptions(options: unknown, fn: string, allowed: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${fn}(): expected an options object, but got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${fn}() got an unexpected option '${key}' (expected one of: ${allowed.join(', ')})`);
    }
  }
}
