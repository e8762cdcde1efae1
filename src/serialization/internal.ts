/**
 * The unpickler's own objects (tensor recipes, globals, dict boxes, numpy arrays and
 * user objects under construction), told apart from loaded values by a private symbol.
 */

/**
 * Marks the VM's own objects (recipes, globals, dict boxes), so that a loaded dict that
 * happens to have a 'kind' key is never mistaken for one.
 */
const INTERNAL = Symbol('flint.unpickle');

/**
 * Tags one of the VM's own objects.
 * @example const ref = internal({ kind: 'storage', ... });
 */
export function internal<T extends object>(obj: T): T {
  Object.defineProperty(obj, INTERNAL, { value: true });
  return obj;
}

/**
 * Whether `v` is one of the VM's own objects of `kind` (never a loaded dict).
 * @example if (isInternal(v, 'tensor')) build(v as TensorRecipe);
 */
export function isInternal(v: unknown, kind: string): boolean {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[INTERNAL] === true && (v as { kind?: string }).kind === kind;
}

/**
 * A loaded value in an error message. `String()` would throw on a dict (a null-prototype
 * object), turning a clear refusal into a TypeError.
 * @example throw new Error(`unpickle: found ${showValue(v)}`);
 */
export function showValue(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v instanceof Map) return 'a dict';
  return Object.getPrototypeOf(v) === null ? 'a dict' : 'an object';
}
