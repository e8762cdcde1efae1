/**
 * `nn.Module`: the base of every layer and model, following PyTorch's `module.py`.
 *
 * Two JS-specific choices make a module behave as a PyTorch user expects:
 * - A module is callable (`net(X)`): the constructor returns a function object whose
 *   prototype is the subclass's prototype, so `instanceof`, fields and methods work.
 * - Assigning a Module or Parameter to a field registers it (PyTorch's `__setattr__`):
 *   the returned object is a Proxy whose `defineProperty` trap sees both `this.x = v`
 *   and class field initialisers, in the order they run.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- a module of any output type, as PyTorch's untyped nn.Module */
import { inspect } from 'node:util';
import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { bfloat16, float16, float32, float64 } from '../tensor/dtype.js';
import type { DeviceLike } from '../tensor/device.js';
import { Parameter, isLazy } from './parameter.js';
import { collectStateDict, emptyStateDict, loadStateDictInto, type LoadStateDictResult } from './state-dict.js';
import { castForModuleType, loadOwnState, neverCalled, saveOwnState } from './module-state.js';
import { bufferAt, parameterAt, submoduleAt } from './paths.js';
import { moduleRepr } from './repr.js';
import {
  addForwardHook,
  callWithHooks,
  hasCallHooks,
  installModuleHookMethods,
  type ForwardHookOptions,
  type ForwardPreHookOptions,
  type LocalMetadata,
} from './module-hooks.js';
import { argumentError, checkBoolean, checkFunction } from '../tensor/args.js';
import { warnOnce } from '../utils/warn-once.js';
import { PROFILING, profileModuleCall } from '../profiler/recorder.js';
import {
  LOAD_STATE_DICT_KEYS,
  REGISTER_BUFFER_KEYS,
  ZERO_GRAD_KEYS,
  checkStateDictArg,
  flagOption,
  moduleTarget,
  stateDictArgs,
  type LoadStateDictOptions,
  type ModuleToOptions,
  type RegisterBufferOptions,
  type StateDictOptions,
  type ZeroGradOptions,
} from './module-options.js';


/** A module's state dict: name → tensor, in registration order. */
export type StateDict = Record<string, Tensor>;

/** What `registerForwardHook` and friends return. */
export interface RemovableHandle {
  remove(): void;
}

/** `hook(module, args)`, or with `withKwargs` `hook(module, args, kwargs)` returning `[args, kwargs]`. */
type PreHook = (module: Module, args: unknown[], kwargs: Record<string, unknown>) => unknown;
/** `hook(module, args, output)`, or with `withKwargs` `hook(module, args, kwargs, output)`. */
type Hook = (module: Module, args: unknown[], outputOrKwargs: any, output: any) => unknown;

/**
 * A Module is also callable: `net(X)` runs hooks and `forward(X)`, and takes what its
 * `forward` takes, so `net('not a tensor')` is a compile error where forward says Tensor.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Module<Out = Tensor> {
  (...inputs: Parameters<this['forward']>): ReturnType<this['forward']>;
}

const internal = (value: unknown): PropertyDescriptor => ({ value, writable: true, enumerable: false, configurable: true });

/** Bumped by every change to any module's children or forward hooks. */
let structureVersion = 0;

/**
 * A Map that bumps `structureVersion` when it changes: modules' children and hooks are
 * kept in these, so that what is derived from the tree (Sequential's plan of which
 * activations it may free) can be cached until the tree changes.
 */
class VersionedMap<K, V> extends Map<K, V> {
  override set(key: K, value: V): this {
    structureVersion++;
    return super.set(key, value);
  }
  override delete(key: K): boolean {
    structureVersion++;
    return super.delete(key);
  }
  override clear(): void {
    structureVersion++;
    super.clear();
  }
}

/**
 * A number that changes whenever any module gains or loses a child or a forward hook.
 * @internal
 */
export function moduleStructureVersion(): number {
  return structureVersion;
}

/** PyTorch's `__setattr__`, run for every field defined on a module. */
const registrationTrap: ProxyHandler<Module<any>> = {
  defineProperty(target, key, descriptor) {
    if (typeof key === 'string' && 'value' in descriptor) {
      target._assign(key, descriptor.value);
    }
    return Reflect.defineProperty(target, key, descriptor);
  },
  deleteProperty(target, key) {
    if (typeof key === 'string') {
      target._parameters.delete(key);
      target._buffers.delete(key);
      target._modules.delete(key);
      target._nonPersistent.delete(key);
    }
    return Reflect.deleteProperty(target, key);
  },
};

function typeName(value: unknown): string {
  if (value instanceof Tensor) return `torch.${value.dtype.name === 'float32' ? 'Float' : value.dtype.name}Tensor`;
  if (value === null) return 'NoneType';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return typeof value === 'object' || typeof value === 'function' ? (value as object).constructor?.name ?? 'object' : typeof value;
}

/**
 * Base class for all neural network modules, as `torch.nn.Module`. Subclasses set their
 * layers and parameters as fields in the constructor and implement `forward`.
 *
 * @example
 * class MLP extends nn.Module {
 *   hidden = new nn.Linear(20, 256);
 *   out = new nn.Linear(256, 10);
 *   forward(X: torch.Tensor) { return this.out(F.relu(this.hidden(X))); }
 * }
 * const net = new MLP();
 * net(torch.rand(2, 20)).shape; // [2, 10]
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Module<Out = Tensor> {
  /** @internal */ declare _parameters: Map<string, Parameter | null>;
  /** @internal */ declare _buffers: Map<string, Tensor | null>;
  /** @internal */ declare _nonPersistent: Set<string>;
  /** @internal */ declare _modules: Map<string, Module<any> | null>;
  /** @internal */ declare _forwardPreHooks: Map<number, PreHook>;
  /** @internal */ declare _forwardHooks: Map<number, Hook>;
  /** Whether the module is in training mode (`train()` / `eval()`). */
  declare training: boolean;
  /** The state-dict version PyTorch records in `_metadata` (bumped by layers whose format changed). */
  static _version = 1;
  /**
   * Set by flint's own layers, which never keep a reference to their inputs or outputs.
   * Sequential may then free the activations it passes between them under noGrad.
   * @internal
   */
  static _holdsNoActivations = false;

  constructor() {
    // The callable: an arrow function has no `prototype` of its own, and `name`/`length`
    // are deleted so that subclasses may use those names as fields.
    let self: Module<Out>;
    // `module(...)`: pre-hooks, backward-hook wrapping, forward, hooks (module-hooks.ts).
    // Its own fields are read on the callable, not through the Proxy: reads through even a
    // trap-less Proxy miss V8's inline caches, and they were 6% of a small model's forward.
    // `forward` still runs with the Proxy as `this`, so its assignments are registered, and
    // through Reflect.apply: a forward that is itself a Module has Module's `apply`.
    const callable = (...inputs: unknown[]): Out => {
      const own = callable as unknown as Module<Out>;
      if (PROFILING.modules) return profileModuleCall(self, () => callModule(self, own, inputs));
      return hasCallHooks(self, own) ? (callWithHooks(self, inputs) as Out) : Reflect.apply(own.forward, self, inputs);
    };
    delete (callable as { name?: string }).name;
    delete (callable as { length?: number }).length;
    Object.setPrototypeOf(callable, new.target.prototype);
    Object.defineProperties(callable, {
      _parameters: internal(new Map()),
      _buffers: internal(new Map()),
      _nonPersistent: internal(new Set()),
      _modules: internal(new VersionedMap()),
      _forwardPreHooks: internal(new VersionedMap()),
      _forwardHooks: internal(new VersionedMap()),
      training: internal(true),
    });
    self = new Proxy(callable as unknown as Module<Out>, registrationTrap as ProxyHandler<Module<Out>>);
    return self;
  }

  /**
   * The computation; every subclass implements it.
   * @example forward(X: Tensor) { return this.linear(X).relu(); }
   */
  forward(..._inputs: any[]): Out { // eslint-disable-line @typescript-eslint/no-explicit-any
    throw new Error(`Module [${this._getName()}] is missing the required "forward" function`);
  }

  /** @internal PyTorch's __setattr__ rules for one field. */
  _assign(name: string, value: unknown): void {
    if (value instanceof Parameter) {
      this._buffers.delete(name);
      this._modules.delete(name);
      this._parameters.set(name, value);
    } else if (this._parameters.has(name)) {
      if (value !== null && value !== undefined) {
        throw new TypeError(`cannot assign '${typeName(value)}' as parameter '${name}' (torch.nn.Parameter or None expected)`);
      }
      this._parameters.set(name, null);
    } else if (value instanceof Module) {
      this._parameters.delete(name);
      this._buffers.delete(name);
      this._modules.set(name, value);
    } else if (this._modules.has(name)) {
      if (value !== null && value !== undefined) {
        throw new TypeError(`cannot assign '${typeName(value)}' as child module '${name}' (torch.nn.Module or None expected)`);
      }
      this._modules.set(name, null);
    } else if (this._buffers.has(name)) {
      if (value !== null && value !== undefined && !(value instanceof Tensor)) {
        throw new TypeError(`cannot assign '${typeName(value)}' as buffer '${name}' (torch.Tensor or None expected)`);
      }
      this._buffers.set(name, (value as Tensor | null) ?? null);
    }
  }

  private _checkName(name: string, kind: string): void {
    if (typeof name !== 'string') throw new TypeError(`${kind} name should be a string. Got ${typeof name}`);
    if (name.includes('.')) throw new Error(`${kind} name can't contain "."`);
    if (name === '') throw new Error(`${kind} name can't be empty string ""`);
  }

  /** Defines `name` on the module without running the registration trap again. */
  private _define(name: string, value: unknown): void {
    Reflect.defineProperty(Object(this), name, { value, writable: true, enumerable: true, configurable: true });
  }

  /**
   * Registers a parameter (or a `null` placeholder, as Linear does for a missing bias).
   * @example this.registerParameter('bias', null)
   */
  registerParameter(name: string, param: Parameter | null): void {
    this._checkName(name, 'parameter');
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(`cannot assign '${typeName(param)}' object to parameter '${name}' (torch.nn.Parameter or None required)`);
    }
    if (!this._parameters.has(name) && (this._modules.has(name) || this._buffers.has(name))) {
      throw new Error(`attribute '${name}' already exists`);
    }
    this._parameters.set(name, param);
    this._define(name, param);
  }

  /**
   * Registers a tensor that is state but not a parameter (BatchNorm's running stats).
   * Non-persistent buffers are left out of the state dict.
   * @example this.registerBuffer('runningMean', torch.zeros(n))
   */
  registerBuffer(name: string, tensor: Tensor | null, options: RegisterBufferOptions = {}): void {
    this._checkName(name, 'buffer');
    const persistent = flagOption(options, 'registerBuffer', REGISTER_BUFFER_KEYS, 'persistent', true);
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new TypeError(`cannot assign '${typeName(tensor)}' object to buffer '${name}' (torch Tensor or None required)`);
    }
    if (!this._buffers.has(name) && (this._modules.has(name) || this._parameters.has(name))) {
      throw new Error(`attribute '${name}' already exists`);
    }
    if (tensor !== null) tensor._keep = true;
    this._buffers.set(name, tensor);
    if (!persistent) this._nonPersistent.add(name);
    else this._nonPersistent.delete(name);
    this._define(name, tensor);
  }

  /**
   * Adds a child module under any name, even one that is not an identifier
   * (the seed chapter's `'block 0'`).
   * @example net.addModule(`block ${i}`, block1())
   */
  addModule(name: string, module: Module<any> | null): void {
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${typeName(module)} is not a Module subclass`);
    this._checkName(name, 'module');
    if (!this._modules.has(name) && (this._parameters.has(name) || this._buffers.has(name))) {
      throw new Error(`attribute '${name}' already exists`);
    }
    this._modules.set(name, module);
    this._define(name, module);
  }

  /** Alias of `addModule`. @example net.registerModule('head', new nn.Linear(8, 2)) */
  registerModule(name: string, module: Module<any> | null): void {
    this.addModule(name, module);
  }

  // ---- traversal -------------------------------------------------------------------

  /**
   * `[name, module]` for this module and every descendant, each module once.
   * @example for (const [name, m] of net.namedModules()) console.log(name, String(m));
   */
  namedModules(prefix = '', memo: Set<Module<any>> = new Set(), removeDuplicate = true): [string, Module<any>][] {
    const out: [string, Module<any>][] = [];
    const visit = (module: Module<any>, modulePrefix: string): void => {
      if (removeDuplicate) {
        if (memo.has(module)) return;
        memo.add(module);
      }
      out.push([modulePrefix, module]);
      for (const [name, child] of module._modules) {
        if (child === null) continue;
        visit(child, modulePrefix === '' ? name : `${modulePrefix}.${name}`);
      }
    };
    visit(this as Module<any>, prefix);
    return out;
  }

  /** This module and every descendant. @example net.modules().length */
  modules(): Module<any>[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** `[name, child]` for the direct children. @example net.namedChildren()[0][0] // '0' */
  namedChildren(): [string, Module<any>][] {
    const seen = new Set<Module<any>>();
    const out: [string, Module<any>][] = [];
    for (const [name, child] of this._modules) {
      if (child !== null && !seen.has(child)) {
        seen.add(child);
        out.push([name, child]);
      }
    }
    return out;
  }

  /** The direct children. @example net.children().length */
  children(): Module<any>[] {
    return this.namedChildren().map(([, m]) => m);
  }

  private _namedMembers<T>(
    fn: string,
    members: (m: Module<any>) => Iterable<[string, T | null]>,
    prefix: string,
    recurse: boolean,
    removeDuplicate: boolean,
  ): [string, T][] {
    if (typeof prefix !== 'string') throw argumentError(fn, 'prefix', 'a string', prefix);
    checkBoolean(recurse, fn, 'recurse');
    checkBoolean(removeDuplicate, fn, 'removeDuplicate');
    const seen = new Set<T>();
    const out: [string, T][] = [];
    const modules: [string, Module<any>][] = recurse ? this.namedModules(prefix, new Set(), removeDuplicate) : [[prefix, this as Module<any>]];
    for (const [modulePrefix, module] of modules) {
      for (const [name, value] of members(module)) {
        if (value === null || (removeDuplicate && seen.has(value))) continue;
        seen.add(value);
        out.push([modulePrefix === '' ? name : `${modulePrefix}.${name}`, value]);
      }
    }
    return out;
  }

  /**
   * `[name, parameter]` in registration order; a tied parameter appears once, under
   * its first name.
   * @example net.namedParameters().map(([n, p]) => [n, p.shape])
   */
  namedParameters(prefix = '', recurse = true, removeDuplicate = true): [string, Parameter][] {
    return this._namedMembers('namedParameters', (m) => m._parameters, prefix, recurse, removeDuplicate);
  }

  /** The parameters, for an optimizer. @example new torch.optim.SGD(net.parameters(), { lr: 0.1 }) */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  /** `[name, buffer]` in registration order. @example bn.namedBuffers() */
  namedBuffers(prefix = '', recurse = true, removeDuplicate = true): [string, Tensor][] {
    return this._namedMembers('namedBuffers', (m) => m._buffers, prefix, recurse, removeDuplicate);
  }

  /** The buffers. @example bn.buffers().length // 3 */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  // ---- state dict ------------------------------------------------------------------

  /**
   * Parameters and persistent buffers by dotted name, detached, in registration order, and the
   * extra state of modules whose class overrides `getExtraState` (under `prefix + '_extra_state'`).
   * The object also carries PyTorch's `_metadata` (non-enumerable), which checkpoints need.
   * @example net.stateDict()['2.bias']
   */
  stateDict(options: StateDictOptions = {}): StateDict {
    const { prefix, keepVars } = stateDictArgs(options);
    return collectStateDict(this as Module<any>, emptyStateDict(), prefix, keepVars);
  }

  /**
   * PyTorch's `_save_to_state_dict`: puts this module's own state (parameters, persistent
   * buffers, extra state), not its children's, into `destination`. `stateDict()` calls it on
   * every module; a subclass may override it to save its state in another form.
   * @example
   * override _saveToStateDict(destination: StateDict, prefix: string, keepVars: boolean) {
   *   super._saveToStateDict(destination, prefix, keepVars);
   *   destination[prefix + 'scale'] = torch.tensor(this.scale);
   * }
   */
  _saveToStateDict(destination: StateDict, prefix: string, keepVars: boolean): void {
    saveOwnState(this as Module<any>, destination, prefix, keepVars);
  }

  /**
   * PyTorch's `_load_from_state_dict`: runs the load pre-hooks, then copies this module's own
   * entries (not its children's) and hands `prefix + '_extra_state'` to `setExtraState`;
   * problems go to `missingKeys` / `unexpectedKeys` / `errorMsgs`, which `loadStateDict`
   * reports together. `stateDict` is a copy the override may change; `localMetadata` is the
   * checkpoint's `_metadata` entry for the module (`{}` if none), so that an override can
   * convert an older format by its `version`.
   * @example
   * override _loadFromStateDict(sd: StateDict, prefix: string, meta: { version?: number }, ...rest: [boolean, string[], string[], string[]]) {
   *   if ((meta.version ?? 0) < 2 && prefix + 'w' in sd) { sd[prefix + 'weight'] = sd[prefix + 'w']; delete sd[prefix + 'w']; }
   *   super._loadFromStateDict(sd, prefix, meta, ...rest);
   * }
   */
  _loadFromStateDict(
    stateDict: StateDict,
    prefix: string,
    localMetadata: LocalMetadata,
    strict: boolean,
    missingKeys: string[],
    unexpectedKeys: string[],
    errorMsgs: string[],
  ): void {
    loadOwnState(this as Module<any>, stateDict, prefix, localMetadata, strict, missingKeys, unexpectedKeys, errorMsgs);
  }

  /**
   * The extra state to save with the module's state dict. A class that overrides it (and
   * `setExtraState`) gets `prefix + '_extra_state'` in its state dict; the base raises.
   * @example override getExtraState() { return { steps: this.steps }; }
   */
  getExtraState(): unknown {
    throw neverCalled('get_extra_state');
  }

  /**
   * Takes back what `getExtraState` returned, when `loadStateDict` finds
   * `prefix + '_extra_state'`; the base raises.
   * @example override setExtraState(state: { steps: number }) { this.steps = state.steps; }
   */
  setExtraState(_state: any): void {
    throw neverCalled('set_extra_state');
  }

  /**
   * Copies values from a state dict into this module's parameters and buffers, in
   * place. Strict mode throws one error listing every missing key, unexpected key and
   * size mismatch, worded as PyTorch's. It takes `unknown` (checked at run time: an object
   * or a Map of tensors), so `net.loadStateDict(await torch.load(file))` needs no cast.
   * @example clone.loadStateDict(net.stateDict())
   */
  loadStateDict(stateDict: unknown, options: LoadStateDictOptions = {}): LoadStateDictResult {
    checkStateDictArg(stateDict);
    const strict = flagOption(options, 'loadStateDict', LOAD_STATE_DICT_KEYS, 'strict', true);
    return loadStateDictInto(this as Module<any>, stateDict, strict);
  }

  // ---- utilities -------------------------------------------------------------------

  /**
   * Calls `fn` on every child (recursively) and then on this module; returns this.
   * @example net.apply((m) => { if (m instanceof nn.Linear) nn.init.zeros_(m.bias); })
   */
  apply(fn: (module: Module<any>) => void): this {
    checkFunction(fn, 'apply', 'fn');
    for (const child of this.children()) child.apply(fn);
    fn(this as Module<any>);
    return this;
  }

  /** Sets training mode here and in every descendant. @example net.train() */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new Error('training mode is expected to be boolean');
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  /** Evaluation mode (`train(false)`): Dropout passes through, BatchNorm uses running stats. @example net.eval() */
  eval(): this {
    return this.train(false);
  }

  /**
   * Resets every parameter's gradient (to null by default, as PyTorch 2's `set_to_none`).
   * @example net.zeroGrad()
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    const setToNone = flagOption(options, 'zeroGrad', ZERO_GRAD_KEYS, 'setToNone', true);
    for (const p of this.parameters()) {
      if (p._grad === null) continue;
      if (setToNone) p._dropGrad();
      else {
        const grad = p.grad!;
        if (grad.gradFn !== null) p.grad = grad.detach();
        else grad.requiresGrad_(false);
        p.grad!.zero_();
      }
    }
  }

  /** Sets `requiresGrad` on every parameter. @example net.requiresGrad_(false) // freeze */
  requiresGrad_(requiresGrad = true): this {
    checkBoolean(requiresGrad, 'requiresGrad_', 'requiresGrad');
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * The descendant at a dotted path (`'0.block 1'`).
   * @example rgnet.getSubmodule('0.block 1')
   */
  getSubmodule(target: string): Module<any> {
    return submoduleAt(this as Module<any>, target);
  }

  /**
   * The parameter at a dotted path.
   * @example net.getParameter('0.weight')
   */
  getParameter(target: string): Parameter {
    return parameterAt(this as Module<any>, target);
  }

  /**
   * The buffer at a dotted path.
   * @example bn.getBuffer('running_mean')
   */
  getBuffer(target: string): Tensor {
    return bufferAt(this as Module<any>, target);
  }

  // ---- dtype and device --------------------------------------------------------------

  /** @internal replaces every parameter's and buffer's data (and grad) by `fn(data)`. */
  _apply(fn: (t: Tensor) => Tensor): this {
    noGrad(() => {
      for (const module of this.modules()) {
        for (const p of module._parameters.values()) {
          if (p === null) continue;
          const converted = fn(p.data);
          if (converted !== p && p.requiresGrad && !converted.isFloatingPoint() && !converted.dtype.isComplex) {
            throw new Error('data set to a tensor that requires gradients must be floating point or complex dtype');
          }
          if (converted !== p) p.data = converted;
          if (p.grad !== null) p.grad = fn(p.grad);
        }
        for (const [name, b] of module._buffers) {
          if (b === null) continue;
          const converted = fn(b);
          if (converted !== b && isLazy(b)) {
            // An uninitialized buffer stays the same object, as PyTorch's keeps its class.
            b.data = converted;
          } else if (converted !== b) {
            converted._keep = true;
            module._buffers.set(name, converted);
            Reflect.defineProperty(Object(module), name, { value: converted, writable: true, enumerable: true, configurable: true });
          }
        }
      }
    });
    return this;
  }

  /**
   * Moves or casts parameters and buffers in place: `to(torch.float64)`, `to('cpu')`,
   * or `to({ device, dtype })`. Casting touches floating-point tensors only.
   * @example net.to(torch.float64)
   */
  to(target: DType | DeviceLike | ModuleToOptions): this {
    const { dtype, device } = moduleTarget(target);
    if (dtype !== undefined && !dtype.isFloatingPoint && !dtype.isComplex) {
      throw new TypeError(`nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.${dtype.name}`);
    }
    if (dtype !== undefined && dtype.isComplex) {
      warnOnce(
        'complex-modules',
        'Complex modules are a new feature under active development whose design may change, and some modules might not work as expected when using complex tensors as parameters or buffers. Please file an issue at https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml if a complex module does not work as expected.',
      );
    }
    return this._apply((t) => {
      let out = t;
      if (device !== undefined) out = (out as Tensor & { to(d: DeviceLike): Tensor }).to(device);
      if (dtype !== undefined && (out.isFloatingPoint() || out.dtype.isComplex) && out.dtype !== dtype) {
        out = (out as Tensor & { to(d: DType): Tensor }).to(dtype);
      }
      return out;
    });
  }

  /** Casts floating-point parameters and buffers to float32. @example net.float() */
  float(): this {
    return this.to(float32);
  }

  /** Casts floating-point parameters and buffers to float64. @example net.double() */
  double(): this {
    return this.to(float64);
  }

  /** Casts floating-point parameters and buffers to float16. @example net.half() */
  half(): this {
    return this.to(float16);
  }

  /** Casts floating-point parameters and buffers to bfloat16. @example net.bfloat16() */
  bfloat16(): this {
    return this.to(bfloat16);
  }

  /**
   * Casts every parameter and buffer, integer ones included, to `dstType`: a dtype or a legacy
   * type name (`'torch.DoubleTensor'`), as PyTorch's `Module.type`.
   * @example new nn.BatchNorm1d(4).type(torch.float64) // num_batches_tracked becomes float64 too
   */
  type(dstType: DType | string): this {
    return this._apply((t) => castForModuleType(t, dstType));
  }

  /** Moves everything to the CPU. @example net.cpu() */
  cpu(): this {
    return this.to('cpu');
  }

  /** Moves everything to a CUDA device (cuda:0 by default). @example if (torch.cuda.isAvailable()) net.cuda() */
  cuda(device: number | string = 0): this {
    if (typeof device !== 'number' && typeof device !== 'string') throw argumentError('cuda', 'device', 'a device index or string', device);
    return this.to(typeof device === 'number' ? `cuda:${device}` : device);
  }

  // ---- hooks -----------------------------------------------------------------------

  /**
   * Runs `hook(module, args)` before each forward; a returned array replaces the args.
   * With `{ withKwargs: true }` it runs as `hook(module, args, kwargs)` (kwargs: the call's
   * trailing options object) and may return `[args, kwargs]`; `prepend` puts it first.
   * @example const h = net.registerForwardPreHook((m, args) => console.log(args.length)); h.remove();
   */
  registerForwardPreHook(hook: PreHook, options?: ForwardPreHookOptions): RemovableHandle {
    return addForwardHook(this as Module<any>, this._forwardPreHooks, hook, 'registerForwardPreHook', options);
  }

  /**
   * Runs `hook(module, args, output)` after each forward; a returned value replaces the output.
   * Options: `withKwargs` (`hook(module, args, kwargs, output)`), `prepend`, and `alwaysCall`
   * (also run when forward throws).
   * @example net.registerForwardHook((m, args, out) => console.log(String(out)))
   */
  registerForwardHook(hook: Hook, options?: ForwardHookOptions): RemovableHandle {
    return addForwardHook(this as Module<any>, this._forwardHooks, hook, 'registerForwardHook', options);
  }

  // ---- printing --------------------------------------------------------------------

  /** @internal the class name, as PyTorch's `_get_name()` */
  _getName(): string {
    return this.constructor.name;
  }

  /**
   * The layer's own settings inside its repr (`in_features=20, ...`); subclasses override.
   * @example extraRepr() { return `in_features=${this.inFeatures}`; }
   */
  extraRepr(): string {
    return '';
  }

  /**
   * PyTorch's module repr: the class name, `extraRepr()`, and `(name): child` lines.
   * @example console.log(String(net))
   */
  toString(): string {
    return moduleRepr(this._getName(), this.extraRepr(), this._modules);
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

const vouchedClasses = new WeakMap<Function, boolean>();

/**
 * Whether a class's own forward is vouched for by `_holdsNoActivations`: the nearest class
 * that sets the flag must be one whose `forward` the class still runs. A subclass with a
 * `forward` of its own (a user's `class Probe extends nn.ReLU` that keeps its input) is not
 * covered by its parent's flag.
 */
function classHoldsNoActivations(ctor: typeof Module): boolean {
  let known = vouchedClasses.get(ctor);
  if (known === undefined) {
    known = false;
    for (let c: Function | null = ctor; c !== null && c !== Module && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, '_holdsNoActivations')) {
        known = (c as typeof Module)._holdsNoActivations;
        break;
      }
      if (Object.hasOwn(c.prototype, 'forward')) break;
    }
    vouchedClasses.set(ctor, known);
  }
  return known;
}

/**
 * Whether nothing in `module` (its class, its hooks, its descendants) can keep a
 * reference to the tensors that flow through it.
 * @internal
 */
export function holdsNoActivations(module: Module<any>): boolean {
  if (!classHoldsNoActivations(module.constructor as typeof Module)) return false;
  if (module._forwardHooks.size !== 0 || module._forwardPreHooks.size !== 0) return false;
  for (const child of module._modules.values()) if (child !== null && !holdsNoActivations(child)) return false;
  return true;
}

installModuleHookMethods(Module);

/** A module call as the callable makes it, for the profiler's Module events. */
function callModule<Out>(self: Module<Out>, own: Module<Out>, inputs: unknown[]): Out {
  return hasCallHooks(self, own) ? (callWithHooks(self, inputs) as Out) : Reflect.apply(own.forward, self, inputs);
}
