/**
 * `nn.Module` hooks beyond the plain forward ones: forward hooks with kwargs, `prepend`
 * and `alwaysCall`; full backward hooks and backward pre-hooks (PyTorch's BackwardHook:
 * the tensor inputs and outputs of a call pass through an identity Function whose
 * backward sees the module-level grad_input / grad_output); and state-dict hooks.
 *
 * "kwargs" in flint are the trailing options object of a call (a plain object after the
 * positional arguments), as a ported `forward(x, { mask })` receives them.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- a module of any output type, as PyTorch's untyped nn.Module */
import { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkFunction, checkOptions } from '../tensor/args.js';
import { gradEnabled } from '../autograd/grad-mode.js';
import { Function, type FunctionCtx } from '../autograd/function-api.js';
import type { Module, RemovableHandle, StateDict } from './module.js';
import type { LoadStateDictResult } from './state-dict.js';
import { attachBackwardHooks, type ModuleBackwardHook } from './module-legacy-backward-hook.js';

export type { ModuleBackwardHook } from './module-legacy-backward-hook.js';

const MIXED_BACKWARD_HOOKS = 'Cannot use both regular backward hooks and full backward hooks on a single Module. Please use only one of them.';

/** `hook(module, gradInput, gradOutput)`; may return replacement gradInput. */
export type FullBackwardHook = (module: Module<any>, gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]) => (Tensor | null)[] | void;
/** `hook(module, gradOutput)`; may return replacement gradOutput. */
export type BackwardPreHook = (module: Module<any>, gradOutput: (Tensor | null)[]) => (Tensor | null)[] | void;
/** `hook(module, prefix, keepVars)`, before a module's entries are collected. */
export type StateDictPreHook = (module: Module<any>, prefix: string, keepVars: boolean) => void;
/** `hook(module, stateDict, prefix, localMetadata)`; modifies the state dict in place. */
export type StateDictPostHook = (module: Module<any>, stateDict: StateDict, prefix: string, localMetadata: { version: number }) => void;
/** `hook(module, incompatibleKeys)`; may edit `missingKeys` / `unexpectedKeys` in place. */
export type LoadStateDictPostHook = (module: Module<any>, incompatibleKeys: LoadStateDictResult) => void;
/**
 * PyTorch 1.13's `_register_state_dict_hook` hook: `hook(module, stateDict, prefix, localMetadata)`,
 * which may edit the state dict in place or return a new one.
 * @example const keepWeights: StateDictHook = (m, sd) => Object.fromEntries(Object.entries(sd).filter(([k]) => k.endsWith('weight')));
 */
export type StateDictHook = (module: Module<any>, stateDict: StateDict, prefix: string, localMetadata: { version: number }) => StateDict | void | null;
/**
 * `hook(stateDict, prefix, localMetadata, strict, missingKeys, unexpectedKeys, errorMsgs)`: the
 * arguments of `_loadFromStateDict`, before it copies; it may edit the state dict and the lists.
 * @example const rename: LoadStateDictPreHook = (sd, prefix) => { sd[prefix + 'weight'] ??= sd[prefix + 'w']; delete sd[prefix + 'w']; };
 */
export type LoadStateDictPreHook = (
  stateDict: StateDict,
  prefix: string,
  localMetadata: LocalMetadata,
  strict: boolean,
  missingKeys: string[],
  unexpectedKeys: string[],
  errorMsgs: string[],
) => void;
/** A `LoadStateDictPreHook` that gets the module first (`withModule`). @example const log: LoadStateDictPreHookWithModule = (m, sd, prefix) => console.log(m.constructor.name, prefix); */
export type LoadStateDictPreHookWithModule = (module: Module<any>, ...args: Parameters<LoadStateDictPreHook>) => void;
/**
 * One module's entry of a state dict's `_metadata` (`{}` when the checkpoint has none): the
 * module's format `version`, and what hooks added (spectralNorm's `spectral_norm` versions).
 * @example (net.stateDict() as { _metadata?: Record<string, LocalMetadata> })._metadata?.['0']?.version // 1
 */
export interface LocalMetadata {
  version?: number;
  [key: string]: unknown;
}

/** Options of `registerForwardHook` (PyTorch's keywords). @example { withKwargs: true, prepend: true, alwaysCall: true } */
export interface ForwardHookOptions {
  /** the hook gets (module, args, kwargs, output) */
  withKwargs?: boolean;
  /** run before the hooks already registered */
  prepend?: boolean;
  /** run even when forward throws (with output undefined) */
  alwaysCall?: boolean;
}
/** Options of `registerForwardPreHook`. @example { withKwargs: true } */
export interface ForwardPreHookOptions {
  /** the hook gets (module, args, kwargs) and may return [args, kwargs] */
  withKwargs?: boolean;
  /** run before the hooks already registered */
  prepend?: boolean;
}
/** Options of the other hook registrations. @example { prepend: true } */
export interface PrependOption {
  prepend?: boolean;
}

interface HookState {
  kwargs: Set<number>;
  alwaysCall: Set<number>;
  backward: Map<number, FullBackwardHook>;
  backwardPre: Map<number, BackwardPreHook>;
  /** `registerBackwardHook`'s (non-full) hooks */
  legacyBackward: Map<number, ModuleBackwardHook>;
  stateDictPre: Map<number, StateDictPreHook>;
  /** `registerStateDictPostHook`'s and `_registerStateDictHook`'s, in one order as PyTorch keeps them */
  stateDictPost: Map<number, StateDictPostHook | StateDictHook>;
  /** the ids of `_registerStateDictHook`'s hooks, whose return value replaces the state dict */
  mayReplace: Set<number>;
  loadPre: Map<number, LoadStateDictPreHook>;
  loadPost: Map<number, LoadStateDictPostHook>;
}

const states = new WeakMap<Module<any>, HookState>();
let nextId = 0;
/**
 * Full backward (pre-)hooks registered on any module and not removed: while none are, a call
 * skips the state lookup. A hook left on a module that is then collected keeps the count up,
 * which costs only that lookup.
 */
let backwardHookCount = 0;

function state(module: Module<any>): HookState {
  let s = states.get(module);
  if (s === undefined) {
    s = { kwargs: new Set(), alwaysCall: new Set(), backward: new Map(), backwardPre: new Map(), legacyBackward: new Map(), stateDictPre: new Map(), stateDictPost: new Map(), mayReplace: new Set(), loadPre: new Map(), loadPost: new Map() };
    states.set(module, s);
  }
  return s;
}

function add<T>(hooks: Map<number, T>, hook: T, prepend: boolean, onRemove?: (id: number) => void): RemovableHandle {
  const id = nextId++;
  if (prepend) {
    const rest = [...hooks];
    hooks.clear();
    hooks.set(id, hook);
    for (const [k, v] of rest) hooks.set(k, v);
  } else {
    hooks.set(id, hook);
  }
  return {
    remove: () => {
      if (hooks.delete(id)) onRemove?.(id);
    },
  };
}

function flags(fn: string, options: object | undefined, keys: readonly string[]): Record<string, boolean> {
  if (options === undefined) return {};
  checkOptions(options, fn, keys);
  const out: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    checkBoolean(v, fn, k);
    out[k] = v;
  }
  return out;
}

/** Registers a forward pre-hook or hook with PyTorch's options. @internal */
export function addForwardHook(module: Module<any>, hooks: Map<number, any>, hook: unknown, fn: string, options: ForwardHookOptions | ForwardPreHookOptions | undefined): RemovableHandle {
  checkFunction(hook, fn, 'hook');
  const keys = fn === 'registerForwardHook' ? ['withKwargs', 'prepend', 'alwaysCall'] : ['withKwargs', 'prepend'];
  const o = flags(fn, options, keys);
  const s = state(module);
  const handle = add(hooks, hook, o.prepend ?? false, (id) => {
    s.kwargs.delete(id);
    s.alwaysCall.delete(id);
  });
  const id = nextId - 1;
  if (o.withKwargs) s.kwargs.add(id);
  if (o.alwaysCall) s.alwaysCall.add(id);
  return handle;
}

function isKwargs(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Tensor) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function splitKwargs(args: unknown[]): [unknown[], Record<string, unknown>] {
  return args.length > 0 && isKwargs(args[args.length - 1]) ? [args.slice(0, -1), args[args.length - 1] as Record<string, unknown>] : [args, {}];
}

function joinKwargs(args: unknown[], kwargs: Record<string, unknown>): unknown[] {
  return Object.keys(kwargs).length === 0 ? args : [...args, kwargs];
}

/**
 * Whether `module(...)` needs the slow path. `own` is the module's own object, whose fields
 * read faster than through its Proxy; `module` keys its hook state.
 * @internal
 */
export function hasCallHooks(module: Module<any>, own: Module<any> = module): boolean {
  if (own._forwardPreHooks.size !== 0 || own._forwardHooks.size !== 0) return true;
  if (backwardHookCount === 0) return false;
  const s = states.get(module);
  return s !== undefined && (s.backward.size !== 0 || s.backwardPre.size !== 0 || s.legacyBackward.size !== 0);
}

/** `module(...)` with its hooks, in PyTorch's `_call_impl` order. @internal */
export function callWithHooks(module: Module<any>, inputs: unknown[]): unknown {
  const s = states.get(module);
  let args = inputs;
  for (const [id, preHook] of [...module._forwardPreHooks]) {
    const hook = preHook as (...a: any[]) => unknown;
    if (s?.kwargs.has(id)) {
      const [positional, kwargs] = splitKwargs(args);
      const result = hook(module, positional, kwargs);
      if (result === undefined || result === null) continue;
      if (!Array.isArray(result) || result.length !== 2 || !Array.isArray(result[0]) || !isKwargs(result[1])) {
        throw new Error(`forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got ${String(result)}.`);
      }
      args = joinKwargs(result[0] as unknown[], result[1] as Record<string, unknown>);
    } else {
      const result = hook(module, args);
      if (result !== undefined) args = Array.isArray(result) ? result : [result];
    }
  }
  const backwardHook = s !== undefined && (s.backward.size !== 0 || s.backwardPre.size !== 0) && gradEnabled() ? new BackwardHook(module, s) : null;
  if (backwardHook !== null) args = backwardHook.setupInput(args);
  const called = new Set<number>();
  const runHook = (id: number, hook: (...a: any[]) => unknown, output: unknown): unknown => {
    if (s?.kwargs.has(id)) {
      const [positional, kwargs] = splitKwargs(args);
      return hook(module, positional, kwargs, output);
    }
    return hook(module, args, output);
  };
  let output: unknown;
  try {
    output = module.forward(...args);
    for (const [id, hook] of [...module._forwardHooks]) {
      called.add(id);
      const result = runHook(id, hook as (...a: any[]) => unknown, output);
      if (result !== undefined) output = result;
    }
  } catch (error) {
    for (const [id, hook] of [...module._forwardHooks]) {
      if (!s?.alwaysCall.has(id) || called.has(id)) continue;
      try {
        runHook(id, hook as (...a: any[]) => unknown, output);
      } catch (hookError) {
        process.emitWarning(
          'forward hook with ``always_call=True`` raised an exception that was silenced as another error was raised in forward: ' +
            String((hookError as Error).message ?? hookError),
        );
      }
    }
    throw error;
  }
  if (s !== undefined && s.legacyBackward.size !== 0) attachBackwardHooks(module, [...s.legacyBackward.values()], args, output);
  return backwardHook === null ? output : backwardHook.setupOutput(output);
}

interface HookCtx extends FunctionCtx {
  onBackward: (grads: (Tensor | null)[]) => (Tensor | null)[];
}

/** The identity whose backward lets a module see its gradients (PyTorch's BackwardHookFunction). */
class BackwardHookFunction extends Function {
  static override forward(ctx: FunctionCtx, onBackward: HookCtx['onBackward'], ...tensors: Tensor[]): Tensor[] {
    (ctx as HookCtx).onBackward = onBackward;
    ctx.setMaterializeGrads(false);
    ctx.markNonDifferentiable(...tensors.filter((t) => !t.requiresGrad));
    return tensors;
  }

  static override backward(ctx: FunctionCtx, ...grads: (Tensor | null)[]): (Tensor | null)[] {
    return [null, ...(ctx as HookCtx).onBackward(grads)];
  }
}

function checkCount(what: string, result: unknown, expected: number): (Tensor | null)[] {
  if (!Array.isArray(result)) throw new TypeError(`${what} must return an array of gradients or undefined, but got ${typeof result}`);
  if (result.length !== expected) {
    throw new Error(`${what} returned an invalid number of ${what.startsWith('Backward pre') ? 'grad_output' : 'grad_input'}, got ${result.length}, but expected ${expected}`);
  }
  return result as (Tensor | null)[];
}

/** One call's backward hooks: the gradients of its outputs, then of its inputs. */
class BackwardHook {
  private nInputs = 0;
  private inputHooked = false;
  private gradOutputs: (Tensor | null)[] = [];

  constructor(
    private readonly module: Module<any>,
    private readonly s: HookState,
  ) {}

  private wrap(values: unknown[], onBackward: HookCtx['onBackward']): unknown[] | null {
    const positions = values.map((v, i) => (v instanceof Tensor ? i : -1)).filter((i) => i >= 0);
    if (!positions.some((i) => (values[i] as Tensor).requiresGrad)) return null;
    const wrapped = BackwardHookFunction.apply(onBackward, ...positions.map((i) => values[i] as Tensor)) as Tensor[];
    const out = [...values];
    positions.forEach((p, k) => (out[p] = wrapped[k]));
    return out;
  }

  setupInput(args: unknown[]): unknown[] {
    this.nInputs = args.filter((a) => a instanceof Tensor).length;
    const wrapped = this.wrap(args, (grads) => this.onGradInput(grads));
    this.inputHooked = wrapped !== null;
    return wrapped ?? args;
  }

  setupOutput(output: unknown): unknown {
    const list = Array.isArray(output) ? output : [output];
    const wrapped = this.wrap(list, (grads) => this.onGradOutput(grads));
    if (wrapped === null) return output;
    return Array.isArray(output) ? wrapped : wrapped[0];
  }

  private onGradOutput(grads: (Tensor | null)[]): (Tensor | null)[] {
    let gradOutputs = grads;
    for (const hook of [...this.s.backwardPre.values()]) {
      const result = hook(this.module, gradOutputs);
      if (result !== undefined && result !== null) gradOutputs = checkCount('Backward pre hook', result, gradOutputs.length);
    }
    this.gradOutputs = gradOutputs;
    if (!this.inputHooked) {
      // No input requires grad: the hooks run now, with grad_input all null.
      const none = new Array<Tensor | null>(this.nInputs).fill(null);
      for (const hook of [...this.s.backward.values()]) {
        const result = hook(this.module, none, gradOutputs);
        if (result !== undefined && result !== null && result.some((g) => g !== null)) {
          throw new Error('Backward hook for Modules where no input requires gradient should always return None or None for all gradients.');
        }
      }
    }
    return gradOutputs;
  }

  private onGradInput(grads: (Tensor | null)[]): (Tensor | null)[] {
    let gradInputs = grads;
    for (const hook of [...this.s.backward.values()]) {
      const result = hook(this.module, gradInputs, this.gradOutputs);
      if (result !== undefined && result !== null) gradInputs = checkCount('Backward hook', result, gradInputs.length);
    }
    return gradInputs;
  }
}

/** Runs the state-dict pre-hooks of one module. @internal */
export function runStateDictPreHooks(module: Module<any>, prefix: string, keepVars: boolean): void {
  const s = states.get(module);
  if (s !== undefined) for (const hook of [...s.stateDictPre.values()]) hook(module, prefix, keepVars);
}

/**
 * Runs the state-dict hooks of one module, after its children's entries. A hook registered
 * with `_registerStateDictHook` may return a new state dict, which the next hooks and the
 * caller get (PyTorch 1.13); one from `registerStateDictPostHook` must return nothing.
 * @internal
 */
export function runStateDictPostHooks(module: Module<any>, destination: StateDict, prefix: string, metadata: { version: number }): StateDict {
  const s = states.get(module);
  if (s === undefined) return destination;
  let out = destination;
  for (const [id, hook] of [...s.stateDictPost]) {
    const result = hook(module, out, prefix, metadata);
    if (s.mayReplace.has(id)) {
      if (result !== undefined && result !== null) out = result;
    } else if (result !== undefined) {
      throw new Error('state_dict post-hook must return None');
    }
  }
  return out;
}

/** Runs the load-state-dict pre-hooks of one module (from its `_loadFromStateDict`). @internal */
export function runLoadStateDictPreHooks(module: Module<any>, args: Parameters<LoadStateDictPreHook>): void {
  const s = states.get(module);
  if (s !== undefined) for (const hook of [...s.loadPre.values()]) hook(...args);
}

/** Runs one module's load-state-dict post-hooks, after its children were loaded. @internal */
export function runLoadStateDictPostHooks(module: Module<any>, result: LoadStateDictResult): void {
  const s = states.get(module);
  if (s === undefined) return;
  for (const hook of [...s.loadPost.values()]) {
    if (hook(module, result) !== undefined) {
      throw new Error(
        'Hooks registered with ``register_load_state_dict_post_hook`` are not expected to return new values, if incompatible_keys need to be modified, it should be done inplace.',
      );
    }
  }
}

declare module './module.js' {
  interface Module<Out> {
    /**
     * `register_full_backward_hook`: `hook(module, gradInput, gradOutput)` runs when the
     * gradients of the module's tensor inputs are computed; returning an array replaces gradInput.
     * @example net.registerFullBackwardHook((m, gin, gout) => console.log(gout[0]?.shape))
     */
    registerFullBackwardHook(hook: FullBackwardHook, options?: PrependOption): RemovableHandle;
    /**
     * `register_full_backward_pre_hook`: `hook(module, gradOutput)` runs when the gradients
     * of the module's outputs are known; returning an array replaces gradOutput.
     * @example net.registerFullBackwardPreHook((m, gout) => [gout[0]!.mul(0.5)])
     */
    registerFullBackwardPreHook(hook: BackwardPreHook, options?: PrependOption): RemovableHandle;
    /**
     * PyTorch's deprecated `register_backward_hook`: after each call, `hook(module, gradInput,
     * gradOutput)` goes on the grad_fn of the output's first tensor, so `gradInput` is what
     * that one node computed for its own inputs; returning an array replaces it. It warns
     * when the forward was more than one node, as PyTorch 1.13 does. Prefer `registerFullBackwardHook`.
     * @example conv.registerBackwardHook((m, gin, gout) => { gradients = gout[0]; })
     */
    registerBackwardHook(hook: ModuleBackwardHook): RemovableHandle;
    /**
     * `register_state_dict_pre_hook`: `hook(module, prefix, keepVars)` before `stateDict` collects the module.
     * @example net.registerStateDictPreHook((m, prefix) => console.log(prefix))
     */
    registerStateDictPreHook(hook: StateDictPreHook): RemovableHandle;
    /**
     * `register_state_dict_post_hook`: `hook(module, stateDict, prefix, localMetadata)`
     * after the module and its children were collected; edits the state dict in place.
     * @example net.registerStateDictPostHook((m, sd, prefix) => { delete sd[prefix + 'cache']; })
     */
    registerStateDictPostHook(hook: StateDictPostHook): RemovableHandle;
    /**
     * `register_load_state_dict_post_hook`: `hook(module, incompatibleKeys)` after
     * `loadStateDict` copied the values and before strict mode reports; it may edit the key lists in place.
     * @example net.registerLoadStateDictPostHook((m, keys) => { keys.missingKeys.length = 0; })
     */
    registerLoadStateDictPostHook(hook: LoadStateDictPostHook): RemovableHandle;
    /**
     * PyTorch 1.13's `_register_state_dict_hook`: `hook(module, stateDict, prefix, localMetadata)`
     * after the module and its children were collected. It may edit the state dict in place or
     * return a new one, which the module's `stateDict()` then returns (a child's returned dict is
     * dropped by its parent, as in PyTorch). It runs in one order with `registerStateDictPostHook`'s.
     * @example net._registerStateDictHook((m, sd, prefix) => { delete sd[prefix + 'cache']; })
     */
    _registerStateDictHook(hook: StateDictHook): RemovableHandle;
    /**
     * PyTorch 1.13's `_register_load_state_dict_pre_hook`: `hook(stateDict, prefix, localMetadata,
     * strict, missingKeys, unexpectedKeys, errorMsgs)`, run by the module's own
     * `_loadFromStateDict` before it copies (so an override that does not call `super` skips it).
     * With `withModule` the module comes first. It may rename or convert entries in place.
     * @example
     * lin._registerLoadStateDictPreHook((sd, prefix) => {
     *   if (prefix + 'w' in sd) { sd[prefix + 'weight'] = sd[prefix + 'w']; delete sd[prefix + 'w']; }
     * });
     */
    _registerLoadStateDictPreHook(hook: LoadStateDictPreHook, withModule?: false): RemovableHandle;
    _registerLoadStateDictPreHook(hook: LoadStateDictPreHookWithModule, withModule: true): RemovableHandle;
    /**
     * PyTorch 2's public name of `_registerLoadStateDictPreHook(hook, true)`: the hook gets the module first.
     * @example net.registerLoadStateDictPreHook((m, sd, prefix) => console.log(prefix))
     */
    registerLoadStateDictPreHook(hook: LoadStateDictPreHookWithModule): RemovableHandle;
  }
}

/** Adds the hook registrations to Module's prototype (called once by module.ts). @internal */
export function installModuleHookMethods(moduleClass: { prototype: object }): void {
  const methods: Record<string, (this: Module<any>, hook: never, options?: any) => RemovableHandle> = {
    registerFullBackwardHook(hook: FullBackwardHook, options?: PrependOption) {
      checkFunction(hook, 'registerFullBackwardHook', 'hook');
      if (state(this).legacyBackward.size !== 0) throw new Error(MIXED_BACKWARD_HOOKS);
      const prepend = flags('registerFullBackwardHook', options, ['prepend']).prepend ?? false;
      backwardHookCount++;
      return add(state(this).backward, hook, prepend, () => backwardHookCount--);
    },
    registerFullBackwardPreHook(hook: BackwardPreHook, options?: PrependOption) {
      checkFunction(hook, 'registerFullBackwardPreHook', 'hook');
      const prepend = flags('registerFullBackwardPreHook', options, ['prepend']).prepend ?? false;
      backwardHookCount++;
      return add(state(this).backwardPre, hook, prepend, () => backwardHookCount--);
    },
    registerBackwardHook(hook: ModuleBackwardHook) {
      checkFunction(hook, 'registerBackwardHook', 'hook');
      const s = state(this);
      if (s.backward.size !== 0) throw new Error(MIXED_BACKWARD_HOOKS);
      backwardHookCount++;
      return add(s.legacyBackward, hook, false, () => backwardHookCount--);
    },
    registerStateDictPreHook(hook: StateDictPreHook) {
      checkFunction(hook, 'registerStateDictPreHook', 'hook');
      return add(state(this).stateDictPre, hook, false);
    },
    registerStateDictPostHook(hook: StateDictPostHook) {
      checkFunction(hook, 'registerStateDictPostHook', 'hook');
      return add(state(this).stateDictPost, hook, false);
    },
    registerLoadStateDictPostHook(hook: LoadStateDictPostHook) {
      checkFunction(hook, 'registerLoadStateDictPostHook', 'hook');
      return add(state(this).loadPost, hook, false);
    },
    _registerStateDictHook(hook: StateDictHook) {
      checkFunction(hook, '_registerStateDictHook', 'hook');
      const s = state(this);
      const handle = add(s.stateDictPost, hook, false, (id) => s.mayReplace.delete(id));
      s.mayReplace.add(nextId - 1);
      return handle;
    },
    _registerLoadStateDictPreHook(hook: LoadStateDictPreHook | LoadStateDictPreHookWithModule, withModule = false) {
      checkFunction(hook, '_registerLoadStateDictPreHook', 'hook');
      checkBoolean(withModule, '_registerLoadStateDictPreHook', 'withModule');
      // PyTorch's _WrappedHook holds the module weakly; the closure lives in the module's own hook state.
      const module = this;
      const wrapped: LoadStateDictPreHook = withModule
        ? (...args) => (hook as LoadStateDictPreHookWithModule)(module, ...args)
        : (hook as LoadStateDictPreHook);
      return add(state(this).loadPre, wrapped, false);
    },
    registerLoadStateDictPreHook(hook: LoadStateDictPreHookWithModule) {
      checkFunction(hook, 'registerLoadStateDictPreHook', 'hook');
      return (this as any)._registerLoadStateDictPreHook(hook, true) as RemovableHandle;
    },
  };
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(moduleClass.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}

/**
 * Registers `from`'s forward pre-hooks and forward hooks on `to` as well, each with the
 * options it was registered with (`withKwargs`, `alwaysCall`), in order: what Python's
 * `copy.deepcopy` keeps of a module's hooks. @internal
 * @example copyForwardHooks(original, copy)
 */
export function copyForwardHooks(from: Module<any>, to: Module<any>): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  const s = states.get(from);
  for (const [id, hook] of from._forwardPreHooks) to.registerForwardPreHook(hook, { withKwargs: s?.kwargs.has(id) ?? false });
  for (const [id, hook] of from._forwardHooks) {
    to.registerForwardHook(hook, { withKwargs: s?.kwargs.has(id) ?? false, alwaysCall: s?.alwaysCall.has(id) ?? false });
  }
}
