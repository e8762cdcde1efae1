/**
 * `torch.serialization.add_safe_globals` for flint. PyTorch's `weights_only` loader
 * refuses every global (class or function a pickle names) that is not allowlisted; a
 * user allowlists their own classes by passing them. flint cannot import Python
 * classes, and never runs code from a file, so an allowlist entry says what the global
 * should become in JS: by default a plain object that the pickle's state fills (a
 * dataclass, an `argparse.Namespace`), or whatever a JS function or class the user
 * gives makes of the pickled arguments and state.
 */

import { runThenRestore } from '../scoped.js';

/** Makes the JS value of a global from the arguments the pickle calls it with (a class is called with `new`). */
export type Reconstruct = ((...args: any[]) => unknown) | (new (...args: any[]) => unknown);

/**
 * One allowlisted global. `module` and `name` are as the pickle names them
 * (`type(obj).__module__`, `type(obj).__qualname__`).
 *
 * - `reconstruct` omitted: the global called without arguments (how pickle makes an
 *   ordinary object, `cls.__new__(cls)`) gives an empty plain object (null prototype,
 *   like every loaded dict), which the pickled state (`__dict__`, and `__slots__`
 *   values) then fills; called with arguments (a namedtuple, a tuple subclass) it gives
 *   the arguments as an array; named without a call, a frozen `{ module, name }`.
 * - `reconstruct: 'dict'`: the global is a dict subclass (OrderedDict-like): it loads as
 *   a dict with its items; constructor arguments (a defaultdict's factory) are dropped.
 * - `reconstruct: fn`: `fn(...args)` (or `new fn(...args)` for a class) makes the object,
 *   with tensors and nested values already loaded; named without a call, the global is
 *   `fn` itself.
 * - `setState(obj, state)`: Python's `__setstate__`, for objects whose pickled state is
 *   not a dict. By default a dict state's keys become the object's own properties.
 */
export interface SafeGlobal {
  module: string;
  name: string;
  reconstruct?: Reconstruct | 'dict';
  setState?: (obj: any, state: unknown) => void;
}

/**
 * What `addSafeGlobals` accepts: a `'module.name'` string, a `SafeGlobal`, or PyTorch's
 * `(callable, 'module.name')` pair as `[fn, 'module.name']`.
 */
export type SafeGlobalLike = string | SafeGlobal | readonly [Reconstruct, string];

/** Allowlisted by the user, by 'module.name' as the pickle names it. */
const registry = new Map<string, SafeGlobal>();
/** The globals flint loads without an allowlist entry; the unpickler registers them. */
let isBuiltIn: (qualified: string) => boolean = () => false;

/**
 * Tells this module which globals the unpickler loads on its own.
 * @internal
 * @example setBuiltInGlobals((q) => FUNCTIONS.has(q));
 */
export function setBuiltInGlobals(test: (qualified: string) => boolean): void {
  isBuiltIn = test;
}

const QUALIFIED = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$/;

function splitQualified(qualified: unknown, what: string): { module: string; name: string } {
  if (typeof qualified !== 'string' || !QUALIFIED.test(qualified)) {
    throw new TypeError(`${what}: expected a global as 'module.name' (such as 'argparse.Namespace'), found ${typeof qualified === 'string' ? `'${qualified}'` : typeof qualified}`);
  }
  const dot = qualified.lastIndexOf('.');
  return { module: qualified.slice(0, dot), name: qualified.slice(dot + 1) };
}

function toEntry(spec: SafeGlobalLike, what: string): SafeGlobal {
  if (typeof spec === 'string') return splitQualified(spec, what);
  if (Array.isArray(spec)) {
    const [fn, qualified] = spec as readonly [unknown, unknown];
    if (spec.length !== 2 || typeof fn !== 'function') {
      throw new TypeError(`${what}: a pair must be [function or class, 'module.name'], as PyTorch's (callable, name) tuples`);
    }
    return { ...splitQualified(qualified, what), reconstruct: fn as Reconstruct };
  }
  if (spec === null || typeof spec !== 'object') {
    throw new TypeError(`${what}: expected 'module.name', { module, name, reconstruct? } or [fn, 'module.name'], found ${spec === null ? 'null' : typeof spec}`);
  }
  const { module, name, reconstruct, setState } = spec as SafeGlobal;
  for (const key of Object.keys(spec)) {
    if (!['module', 'name', 'reconstruct', 'setState'].includes(key)) {
      throw new TypeError(`${what}: unexpected key '${key}' (expected module, name, reconstruct, setState)`);
    }
  }
  splitQualified(`${String(module)}.${String(name)}`, what);
  if (typeof module !== 'string' || typeof name !== 'string') throw new TypeError(`${what}: module and name must be strings`);
  if (reconstruct !== undefined && reconstruct !== 'dict' && typeof reconstruct !== 'function') {
    throw new TypeError(`${what}: reconstruct must be a function, a class or 'dict', found ${typeof reconstruct}`);
  }
  if (setState !== undefined && typeof setState !== 'function') throw new TypeError(`${what}: setState must be a function, found ${typeof setState}`);
  return { module, name, ...(reconstruct !== undefined && { reconstruct }), ...(setState !== undefined && { setState }) };
}

function validated(globals: readonly SafeGlobalLike[], what: string): SafeGlobal[] {
  if (!Array.isArray(globals)) throw new TypeError(`${what}: expected an array of globals, found ${globals === null ? 'null' : typeof globals}`);
  const entries = globals.map((g) => toEntry(g, what));
  for (const e of entries) {
    const qualified = `${e.module}.${e.name}`;
    if (isBuiltIn(qualified) && (e.reconstruct !== undefined || e.setState !== undefined)) {
      throw new TypeError(`${what}: '${qualified}' is loaded by flint itself and cannot be given a reconstruct or setState`);
    }
  }
  return entries;
}

/**
 * `torch.serialization.add_safe_globals`: lets `load` accept these globals. Globals
 * flint loads by default (numpy's, OrderedDict, tensors) may be listed and change
 * nothing, so ported allowlists such as `[np.core.multiarray._reconstruct, np.ndarray,
 * np.dtype]` work as they are. Nothing from a file is ever executed: an entry only says
 * which JS value the global becomes.
 * @example
 * torch.serialization.addSafeGlobals(['argparse.Namespace']);
 * const ckpt = torch.loadSync('ckpt.pt') as { args: { lr: number } };
 * torch.serialization.addSafeGlobals([[(x: number, y: number) => ({ x, y }), '__main__.Point']]);
 */
export function addSafeGlobals(globals: readonly SafeGlobalLike[]): void {
  for (const e of validated(globals, 'addSafeGlobals')) {
    const qualified = `${e.module}.${e.name}`;
    if (!isBuiltIn(qualified)) registry.set(qualified, e);
  }
}

/**
 * `torch.serialization.get_safe_globals`: the globals the user has allowlisted, as
 * `SafeGlobal` entries (copies).
 * @example torch.serialization.getSafeGlobals().map((g) => `${g.module}.${g.name}`)
 */
export function getSafeGlobals(): SafeGlobal[] {
  return [...registry.values()].map((e) => ({ ...e }));
}

/**
 * `torch.serialization.clear_safe_globals`: forgets every user-allowlisted global.
 * @example torch.serialization.clearSafeGlobals()
 */
export function clearSafeGlobals(): void {
  registry.clear();
}

/**
 * `torch.serialization.safe_globals` (a context manager in PyTorch): the globals are
 * allowlisted while `fn` runs, until its promise settles for an async `fn` (so that
 * `safeGlobals(g, () => torch.load(f))` covers that load), then the allowlist is
 * restored. The allowlist is global: loads that run meanwhile see these entries too.
 * @example const ckpt = torch.serialization.safeGlobals(['argparse.Namespace'], () => torch.loadSync('ckpt.pt'));
 */
export function safeGlobals<T>(globals: readonly SafeGlobalLike[], fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`safeGlobals: expected a function to run, found ${typeof fn}`);
  const entries = validated(globals, 'safeGlobals');
  const saved = new Map(registry);
  const restore = (): void => {
    registry.clear();
    for (const [k, v] of saved) registry.set(k, v);
  };
  addSafeGlobals(entries);
  return runThenRestore(fn, restore);
}

/**
 * The user's entry for a global, if it is allowlisted.
 * @internal
 * @example const entry = userGlobal('argparse.Namespace');
 */
export function userGlobal(qualified: string): SafeGlobal | undefined {
  return registry.get(qualified);
}

/** A call of a user-allowlisted global, made into its JS value once tensors are loaded. */
export interface UserObjectRecipe {
  kind: 'object';
  entry: SafeGlobal;
  args: unknown[];
  /** The pickled state (BUILD), if any. */
  state?: unknown;
  hasState: boolean;
}

const isClass = (fn: Reconstruct): boolean => /^class[\s{]/.test(Function.prototype.toString.call(fn));

/**
 * The JS value of a user global called with `args` (already loaded).
 * @internal
 * @example const obj = constructUserObject(entry, [1, 2]);
 */
export function constructUserObject(entry: SafeGlobal, args: unknown[]): unknown {
  const { reconstruct } = entry;
  if (typeof reconstruct !== 'function') return args.length === 0 ? Object.create(null) : args;
  try {
    return isClass(reconstruct) ? new (reconstruct as new (...a: unknown[]) => unknown)(...args) : (reconstruct as (...a: unknown[]) => unknown)(...args);
  } catch (error) {
    throw new Error(`load: the reconstruct function of '${entry.module}.${entry.name}' failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

/** Sets a property as an own data property, so that a key such as '__proto__' stays a key. */
function setOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Python's BUILD on a user object: `setState`, or by default a dict state (and the
 * slots dict of a `(dict, slots)` pair) copied onto the object as own properties.
 * @internal
 * @example applyUserState(entry, obj, { lr: 0.1 });
 */
export function applyUserState(entry: SafeGlobal, obj: unknown, state: unknown): void {
  const qualified = `${entry.module}.${entry.name}`;
  if (entry.setState !== undefined) {
    try {
      entry.setState(obj, state);
    } catch (error) {
      throw new Error(`load: the setState function of '${qualified}' failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
    return;
  }
  const isDict = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === null;
  const parts = Array.isArray(state) && state.length === 2 && state.every((s) => s === null || isDict(s)) ? state : [state];
  if (obj === null || typeof obj !== 'object' || !parts.every((s) => s === null || isDict(s))) {
    throw new Error(`load: cannot set the pickled state of '${qualified}' (found ${Array.isArray(state) ? 'a tuple' : typeof state} state for ${obj === null ? 'null' : typeof obj}); give its safe-global entry a setState(obj, state) function`);
  }
  for (const part of parts as (Record<string, unknown> | null)[]) {
    if (part !== null) for (const key of Object.keys(part)) setOwn(obj, key, part[key]);
  }
}

/**
 * The value of a global named but never called: the user's function, else `{ module, name }`.
 * @internal
 * @example const v = globalValue('numpy', 'ndarray', undefined);
 */
export function globalValue(module: string, name: string, entry: SafeGlobal | undefined): unknown {
  if (entry !== undefined && typeof entry.reconstruct === 'function') return entry.reconstruct;
  return Object.freeze({ module, name });
}
