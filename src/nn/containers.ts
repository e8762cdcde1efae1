/**
 * Containers: Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict, as in
 * PyTorch's `container.py`. Indexing is positional (`at(i)`, negative allowed) because JS
 * has no `__getitem__`; children are also reachable as fields named '0', '1', ...
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- a module of any output type, as PyTorch's untyped nn.Module */
import { Tensor } from '../tensor/tensor.js';
import { gradEnabled } from '../autograd/grad-mode.js';
import { Module, holdsNoActivations, moduleStructureVersion } from './module.js';
import { Parameter } from './parameter.js';
import { Linear } from './layers/linear.js';
import { ReLU } from './layers/activation.js';
import { linearRelu } from './functional/layers.js';
import { argumentError } from '../tensor/args.js';

function position(index: number, length: number, what: string): number {
  if (!Number.isInteger(index)) throw new TypeError(`${what} indices must be integers, not ${typeof index}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) throw new RangeError(`index ${index} is out of range`);
  return i;
}

/** Throws unless `value` can be iterated, naming the container and the argument. */
function checkIterable(value: unknown, fn: string, name: string): void {
  if (value === null || value === undefined || typeof (value as Iterable<unknown>)[Symbol.iterator] !== 'function' || typeof value === 'string') {
    throw argumentError(fn, name, 'an iterable (such as an array)', value);
  }
}

/** Throws unless `value` is a plain object or a Map, naming the container and the argument. */
function checkMapping(value: unknown, fn: string, name: string): void {
  if (!(value instanceof Map) && !isPlainObject(value)) throw argumentError(fn, name, 'an object or a Map', value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Module) && !Array.isArray(value) && !(value instanceof Map);
}

/**
 * The type of `Sequential.at(index)`: with an explicit `at<R>(...)`, R; else, for a literal
 * index into a Sequential built from a list, the module at that position; else the union
 * of the modules.
 * @example type First = SequentialItem<[Linear, ReLU], never, 0>; // Linear
 */
export type SequentialItem<T extends Module<any>[], R, I extends number> = [R] extends [never]
  ? [T[number]] extends [never]
    ? Module<any> // built empty (`new Sequential()`), then filled with addModule
    : number extends I
      ? T[number]
      : `${I}` extends keyof T
        ? T[I]
        : T[number]
  : R;

/**
 * What Sequential and ModuleList share: children named '0', '1', ... reached by position.
 * `M` is the type of their modules.
 */
abstract class ModuleSequence<Out, M extends Module<any>> extends Module<Out> {
  /** The module at position `i`, untyped; `at` is each container's typed form. */
  protected _at(index: number): M {
    const i = position(index, this._modules.size, this._getName());
    return [...this._modules.values()][i] as M;
  }

  /** Replaces the module at position `i`. @example layers.set(0, new nn.Identity()) */
  set(index: number, module: Module<any>): void {
    const i = position(index, this._modules.size, this._getName());
    this.addModule([...this._modules.keys()][i], module);
  }

  /** The number of modules. @example net.length // 3 */
  override get length(): number {
    return this._modules.size;
  }

  /** Appends a module at the end. @example net.append(new nn.ReLU()) */
  append(module: Module<any>): this {
    this.addModule(String(this._modules.size), module);
    return this;
  }

  /** Appends several modules. @example net.extend([new nn.ReLU(), new nn.Linear(4, 2)]) */
  extend(modules: Iterable<Module<any>>): this {
    checkIterable(modules, 'extend', 'modules');
    for (const m of modules) this.append(m);
    return this;
  }

  *[Symbol.iterator](): IterableIterator<M> {
    for (const m of this._modules.values()) yield m as M;
  }
}

/** A Sequential's children, and whether each holds no activations (see `holdsNoActivations`). */
interface SequentialPlan {
  version: number;
  modules: (Module<any> | null)[];
  holds: boolean[];
}

const plans = new WeakMap<object, SequentialPlan>();

/**
 * The plan of `seq`'s forward, derived once and kept until any module's children or hooks
 * change: a forward of a small model spent 5% of its time re-deriving it.
 */
function sequentialPlan(seq: Sequential<any>): SequentialPlan {
  const version = moduleStructureVersion();
  let plan = plans.get(seq);
  if (plan === undefined || plan.version !== version) {
    const modules = [...seq._modules.values()];
    plan = { version, modules, holds: modules.map((m) => m !== null && holdsNoActivations(m)) };
    plans.set(seq, plan);
  }
  return plan;
}

/**
 * Runs its modules in order, feeding each one's output to the next.
 *
 * @example
 * const net = new nn.Sequential(new nn.Linear(20, 256), new nn.ReLU(), new nn.Linear(256, 10));
 * const named = new nn.Sequential({ hidden: new nn.Linear(4, 8), act: new nn.ReLU() });
 * net.at(-1); // Linear(in_features=256, out_features=10, bias=True)
 * net.at(0).weight.shape; // [256, 20]: at(0) is typed Linear
 */
export class Sequential<T extends Module<any>[] = Module<any>[]> extends ModuleSequence<any, T[number]> {
  /** The modules in order, named '0', '1', ... @example new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU()) */
  constructor(...modules: T);
  /** The modules by name, in insertion order. @example new nn.Sequential({ fc: new nn.Linear(2, 3) }) */
  constructor(modules: Record<string, Module<any>> | Map<string, Module<any>>);
  constructor(...modules: (Module<any> | Record<string, Module<any>> | Map<string, Module<any>>)[]) {
    super();
    if (modules.length === 1 && (isPlainObject(modules[0]) || modules[0] instanceof Map)) {
      const entries = modules[0] instanceof Map ? [...modules[0]] : Object.entries(modules[0]);
      for (const [name, module] of entries) this.addModule(name, module as Module<any>);
    } else {
      modules.forEach((module, i) => this.addModule(String(i), module as Module<any>));
    }
  }

  static override _holdsNoActivations = true;

  /**
   * The module at position `i` (negative counts from the end). Typed: for a literal index
   * into a Sequential built from a list, the module's own class; `at<nn.Linear>(i)` says
   * which otherwise.
   * @example net.at(0).weight
   */
  at<R extends Module<any> = never, I extends number = number>(index: I): SequentialItem<T, R, I> {
    return this._at(index) as SequentialItem<T, R, I>;
  }

  /**
   * The chain: each module's output is the next one's input. An activation passed between
   * two of flint's own layers is let go as soon as the next layer has consumed it, as
   * PyTorch's refcounting lets go of it: nothing but the graph can hold it then, so it is
   * freed at once if no backward node saved it, or else when the last node that saved it
   * is released by backward. Training and inference then do not wait for the garbage
   * collector. Under noGrad, Linear then ReLU runs as one fused product.
   */
  override forward(input: any): any {
    const fuse = !gradEnabled();
    const { modules, holds } = sequentialPlan(this as Sequential<any>);
    let x = input;
    let previous = -1;
    for (let i = 0; i < modules.length; i++) {
      const module = modules[i];
      let y: unknown;
      let last = i;
      if (fuse && holds[i] && holds[i + 1] && module instanceof Linear && modules[i + 1] instanceof ReLU && x instanceof Tensor) {
        // Inference through Linear then ReLU: one product and one fused bias+ReLU pass.
        y = linearRelu(x, module.weight, module.bias);
        last = i + 1;
        i++;
      } else {
        y = module!(x);
      }
      if (x !== input && x !== y && x instanceof Tensor && previous >= 0 && holds[previous] && holds[i]) {
        x._letGo();
      }
      previous = last;
      x = y;
    }
    return x;
  }

  /** A new Sequential of the modules in `[start, end)`, as PyTorch's slicing. @example net.slice(0, 2) */
  slice(start = 0, end = this.length): Sequential<T[number][]> {
    const entries = [...this._modules].slice(start, end);
    return new Sequential(new Map(entries as [string, Module<any>][])) as Sequential<T[number][]>;
  }
}

/**
 * A list of modules that registers them (for parameters(), to(), stateDict) but has no
 * forward of its own.
 * @example
 * const layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);
 * for (const layer of layers) x = layer(x);
 */
export class ModuleList<M extends Module<any> = Module<any>> extends ModuleSequence<never, M> {
  // A list has no forward: it passes nothing on, so it keeps nothing (the Transformer stacks
  // hold their layers in one).
  static override _holdsNoActivations = true;

  constructor(modules: Iterable<M> = []) {
    super();
    checkIterable(modules, 'ModuleList', 'modules');
    for (const m of modules) this.append(m);
  }

  /**
   * The module at position `i` (negative counts from the end), of the list's module type;
   * `at<Sub>(i)` narrows it.
   * @example layers.at(-1)
   */
  at<R extends M = M>(index: number): R {
    return this._at(index) as R;
  }
}

/**
 * Modules by name, registered in insertion order.
 * @example
 * const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), reg: new nn.Linear(8, 1) });
 * heads.get('cls')(x);
 */
export class ModuleDict extends Module<never> {
  constructor(modules: Record<string, Module<any>> | Map<string, Module<any>> = {}) {
    super();
    this.update(modules);
  }

  /** The module named `key`. @example heads.get('cls') */
  get<M extends Module<any> = Module<any>>(key: string): M {
    const m = this._modules.get(key);
    if (m === undefined) throw new Error(`KeyError: '${key}'`);
    return m as M;
  }

  /** Adds or replaces a module. @example heads.set('aux', new nn.Linear(8, 2)) */
  set(key: string, module: Module<any>): void {
    this.addModule(key, module as Module<any>);
  }

  /** Whether `key` is present. @example heads.has('cls') */
  has(key: string): boolean {
    return this._modules.has(key);
  }

  /** Removes and returns the module named `key`. @example heads.pop('aux') */
  pop(key: string): Module<any> {
    const m = this.get(key);
    delete (this as unknown as Record<string, unknown>)[key];
    return m;
  }

  /** Adds every entry of `modules`. @example heads.update({ extra: new nn.ReLU() }) */
  update(modules: Record<string, Module<any>> | Map<string, Module<any>>): void {
    checkMapping(modules, 'ModuleDict.update', 'modules');
    const entries = modules instanceof Map ? [...modules] : Object.entries(modules);
    for (const [k, m] of entries) this.addModule(k, m as Module<any>);
  }

  /** @example heads.keys() */
  keys(): string[] {
    return [...this._modules.keys()];
  }

  /** @example heads.values() */
  values(): Module<any>[] {
    return [...this._modules.values()] as Module<any>[];
  }

  /** @example heads.items() */
  items(): [string, Module<any>][] {
    return [...this._modules] as [string, Module<any>][];
  }

  /** @example heads.length */
  override get length(): number {
    return this._modules.size;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    yield* this._modules.keys();
  }
}

function asParameter(value: Tensor | Parameter): Parameter {
  return value instanceof Parameter ? value : new Parameter(value);
}

/**
 * A list of parameters, registered under '0', '1', ...
 * @example
 * const ps = new nn.ParameterList([new nn.Parameter(torch.randn(3))]);
 * ps.at(0).shape; // [3]
 */
export class ParameterList extends Module<never> {
  constructor(values: Iterable<Tensor | Parameter> = []) {
    super();
    checkIterable(values, 'ParameterList', 'values');
    for (const v of values) this.append(v);
  }

  /** @example ps.at(0) */
  at(index: number): Parameter {
    const i = position(index, this._parameters.size, 'ParameterList');
    return [...this._parameters.values()][i]!;
  }

  /** @example ps.set(0, new nn.Parameter(torch.zeros(3))) */
  set(index: number, value: Tensor | Parameter): void {
    const i = position(index, this._parameters.size, 'ParameterList');
    this.registerParameter([...this._parameters.keys()][i], asParameter(value));
  }

  /** Appends (a plain tensor becomes a Parameter, as PyTorch). @example ps.append(torch.zeros(2)) */
  append(value: Tensor | Parameter): this {
    this.registerParameter(String(this._parameters.size), asParameter(value));
    return this;
  }

  /** @example ps.extend([a, b]) */
  extend(values: Iterable<Tensor | Parameter>): this {
    checkIterable(values, 'extend', 'values');
    for (const v of values) this.append(v);
    return this;
  }

  /** @example ps.length */
  override get length(): number {
    return this._parameters.size;
  }

  *[Symbol.iterator](): IterableIterator<Parameter> {
    for (const p of this._parameters.values()) yield p!;
  }

  override extraRepr(): string {
    return [...this._parameters].map(([k, p]) => `  (${k}): ${describe(p!)}`).join('\n');
  }
}

/**
 * Parameters by name.
 * @example
 * const pd = new nn.ParameterDict({ scale: new nn.Parameter(torch.ones(1)) });
 * pd.get('scale');
 */
export class ParameterDict extends Module<never> {
  constructor(values: Record<string, Tensor | Parameter> | Map<string, Tensor | Parameter> = {}) {
    super();
    this.update(values);
  }

  /** @example pd.get('scale') */
  get(key: string): Parameter {
    const p = this._parameters.get(key);
    if (p === undefined || p === null) throw new Error(`KeyError: '${key}'`);
    return p;
  }

  /** @example pd.set('shift', torch.zeros(1)) */
  set(key: string, value: Tensor | Parameter): void {
    this.registerParameter(key, asParameter(value));
  }

  /** @example pd.has('scale') */
  has(key: string): boolean {
    return this._parameters.has(key);
  }

  /** @example pd.update({ a: torch.zeros(2) }) */
  update(values: Record<string, Tensor | Parameter> | Map<string, Tensor | Parameter>): void {
    checkMapping(values, 'ParameterDict.update', 'values');
    const entries = values instanceof Map ? [...values] : Object.entries(values);
    for (const [k, v] of entries) this.set(k, v);
  }

  /** @example pd.keys() */
  keys(): string[] {
    return [...this._parameters.keys()];
  }

  /** @example pd.values() */
  values(): Parameter[] {
    return [...this._parameters.values()] as Parameter[];
  }

  /** @example pd.items() */
  items(): [string, Parameter][] {
    return [...this._parameters] as [string, Parameter][];
  }

  /** @example pd.length */
  override get length(): number {
    return this._parameters.size;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    yield* this._parameters.keys();
  }

  override extraRepr(): string {
    return [...this._parameters].map(([k, p]) => `  (${k}): ${describe(p!)}`).join('\n');
  }
}

/** PyTorch's one-line description of a parameter inside a container repr. */
function describe(p: Parameter): string {
  const typeName = p.dtype.name === 'float32' ? 'torch.FloatTensor' : `torch.${p.dtype.name}`;
  return `Parameter containing: [${typeName} of size ${p.shape.join('x')}]`;
}

