/**
 * The optimizer base class, as `torch.optim.Optimizer`: param groups, per-parameter state,
 * zeroGrad, and a state dict in PyTorch's own layout (snake_case keys, parameters as
 * indices), so that a dict saved by one side can be read by the other.
 */
import { captureUnderway } from '../cuda-capture.js';
import '../tensor/methods.js';
import { enableGrad, isGradEnabled, setGradEnabled } from '../autograd/grad-mode.js';
import { keep } from '../memory/storage.js';
import { tensor } from '../tensor/creation.js';
import { float32 } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { describe } from './validate.js';
import { PROFILING, withEvent } from '../profiler/recorder.js';

/**
 * One param group: its parameters and the hyperparameters they are updated with.
 * @example opt.paramGroups[0].lr = 0.01;
 */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  /** Set by the first LR scheduler attached to the optimizer (`initial_lr` in PyTorch). */
  initialLr?: number;
  [key: string]: unknown;
}

/**
 * A param group as passed to a constructor: parameters plus optional per-group overrides.
 * @example new optim.SGD([{ params: [w] }, { params: [b], lr: 0.1 }], { lr: 0.01 })
 */
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor> | Tensor };

/**
 * What an optimizer accepts: tensors (`net.parameters()`, an array) or param groups.
 * @example new optim.Adam(net.parameters())
 */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/**
 * One parameter's optimizer state (momentum buffers, moment estimates, step counts).
 * @example opt.state.get(w)?.expAvg
 */
export type ParamState = Record<string, ParamStateValue>;

/**
 * One entry of a parameter's state: a tensor, a number, or (LBFGS's history) a list of
 * tensors, with `null` for slots PyTorch leaves `None`.
 * @example const dirs = opt.state.get(w)?.oldDirs as Tensor[];
 */
export type ParamStateValue = Tensor | number | (Tensor | number | null)[];

/**
 * `optimizer.state_dict()` as PyTorch lays it out. `state` is keyed by parameter index,
 * an int as in PyTorch (whose dict has int keys), so it is a Map: `torch.save` writes
 * its keys as pickle ints, which PyTorch's `load_state_dict` matches to its parameters,
 * and loading PyTorch's file gives the same Map back.
 * @example const sd: OptimizerStateDict = opt.stateDict(); sd.state.get(0)?.exp_avg;
 */
export interface OptimizerStateDict {
  state: Map<number, Record<string, unknown>>;
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

/** PyTorch group keys for its fast paths; flint has one path, so they are written, never read. */
const TORCH_ONLY_KEYS = new Set(['foreach', 'differentiable', 'capturable', 'fused']);

/** Keys whose PyTorch spelling the camelCase rule cannot give back (LBFGS's `H_diag`). */
const SNAKE_EXCEPTIONS: Record<string, string> = { HDiag: 'H_diag' };

/** `weightDecay` -> `weight_decay`, as PyTorch spells keys in a state dict. */
function toSnake(key: string): string {
  if (Object.prototype.hasOwnProperty.call(SNAKE_EXCEPTIONS, key)) return SNAKE_EXCEPTIONS[key];
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function toCamel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Tensor);

/** The entries of a loaded dict: a plain (or null-prototype) object, or a Map. */
function entriesOf(value: Record<string, unknown> | Map<unknown, unknown>): [unknown, unknown][] {
  return value instanceof Map ? [...value] : Object.entries(value);
}

/** `dict[key]` of a loaded dict, which is an object, or a Map when a key is not a string. */
function field(dict: Record<string, unknown> | Map<unknown, unknown>, key: string): unknown {
  return dict instanceof Map ? dict.get(key) : Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : undefined;
}

/**
 * A parameter index from a state key: PyTorch's int (a number, in a Map), or the same
 * written as a string by code that kept the dict as a plain object.
 */
function paramIndex(key: unknown): number {
  const index = typeof key === 'string' && /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : key;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
    throw new Error(`loadStateDict: expected the keys of 'state' to be parameter indices (non-negative integers), but found ${describe(key)}`);
  }
  return index;
}

/** Checks the layout `loadStateDict` reads, naming what is missing or malformed. */
function checkStateDict(stateDict: unknown): { state: [number, Record<string, unknown> | Map<unknown, unknown>][]; groups: Record<string, unknown>[] } {
  const expected = "a state dict with 'state' and 'param_groups' (as Optimizer.stateDict() returns)";
  if (!(isRecord(stateDict) || stateDict instanceof Map)) throw new TypeError(`loadStateDict: expected ${expected}, but found ${describe(stateDict)}`);
  const dict = stateDict as Record<string, unknown> | Map<unknown, unknown>;
  for (const key of ['param_groups', 'state']) {
    if (field(dict, key) === undefined) {
      const found = entriesOf(dict).map(([k]) => `'${String(k)}'`);
      // PyTorch: KeyError: 'param_groups' (then 'state').
      throw new Error(`loadStateDict: expected ${expected}, but '${key}' is missing (found keys: ${found.length ? found.join(', ') : 'none'})`);
    }
  }
  const groups = field(dict, 'param_groups');
  if (!Array.isArray(groups)) throw new TypeError(`loadStateDict: expected 'param_groups' to be an array of param groups, but found ${describe(groups)}`);
  groups.forEach((group, i) => {
    if (!isRecord(group)) throw new TypeError(`loadStateDict: expected param_groups[${i}] to be an object, but found ${describe(group)}`);
    if (!Array.isArray(group.params)) {
      throw new TypeError(`loadStateDict: expected param_groups[${i}].params to be an array of parameter indices, but found ${describe(group.params)}`);
    }
    for (const id of group.params as unknown[]) paramIndex(id);
  });
  const state = field(dict, 'state');
  if (!(isRecord(state) || state instanceof Map)) {
    throw new TypeError(`loadStateDict: expected 'state' to be a Map (or object) from parameter index to state, but found ${describe(state)}`);
  }
  const entries = entriesOf(state as Record<string, unknown> | Map<unknown, unknown>).map(([key, value]) => {
    const index = paramIndex(key);
    if (!(isRecord(value) || value instanceof Map)) {
      throw new TypeError(`loadStateDict: expected the state of parameter ${index} to be an object, but found ${describe(value)}`);
    }
    return [index, value] as [number, Record<string, unknown> | Map<unknown, unknown>];
  });
  return { state: entries, groups: groups as Record<string, unknown>[] };
}

/**
 * Base class of all optimizers (`torch.optim.Optimizer`). Subclasses implement
 * `updateGroup`, which `step()` runs for each group with grad mode off.
 *
 * @example
 * class PlainSGD extends optim.Optimizer {
 *   constructor(params: Iterable<Tensor>, lr: number) { super(params, { lr }); }
 *   protected updateGroup(group: optim.ParamGroup) {
 *     for (const p of group.params) if (p.grad) p.add_(p.grad, { alpha: -group.lr });
 *   }
 * }
 */
export abstract class Optimizer<G extends ParamGroup = ParamGroup> {
  /** The constructor's options, filled into every group that does not override them. */
  readonly defaults: Omit<G, 'params'>;
  paramGroups: G[] = [];
  /** Per-parameter state, created lazily on a parameter's first update. */
  state = new Map<Tensor, ParamState>();
  /** Keys of `defaults` added to saved groups only for PyTorch, with their values. */
  protected torchGroupExtras: Record<string, unknown> = {};
  /**
   * State entries kept as JS numbers that PyTorch 1.13 keeps as float32 scalar tensors
   * (Adam's `step`, NAdam's `mu_product`, ASGD's `eta` and `mu`): `stateDict` writes them
   * as such tensors and `loadStateDict` reads them back as numbers. An optimizer whose
   * PyTorch `step` is a Python int (Adadelta, RMSprop, Rprop) leaves `step` out.
   */
  protected scalarTensorState: ReadonlySet<string> = new Set(['step']);

  constructor(params: Params<Omit<G, 'params'>>, defaults: Omit<G, 'params'>) {
    this.defaults = defaults;
    if (params instanceof Tensor) {
      throw new TypeError(
        `params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${typeName(params)}`,
      );
    }
    const list = Array.from(params as Iterable<unknown>);
    if (list.length === 0) throw new Error('optimizer got an empty parameter list');
    const groups = isGroup(list[0]) ? (list as ParamGroupInput<Omit<G, 'params'>>[]) : [{ params: list as Tensor[] }];
    for (const group of groups) this.addParamGroup(group as ParamGroupInput<Omit<G, 'params'>>);
  }

  /**
   * Adds a group (e.g. layers unfrozen while fine-tuning); unspecified options come from
   * the constructor's.
   * @example opt.addParamGroup({ params: head.parameters(), lr: 1e-4 })
   */
  addParamGroup(group: ParamGroupInput<Omit<G, 'params'>>): void {
    if (group === null || typeof group !== 'object') throw new TypeError('param group must be a dict');
    const raw = group.params;
    if (raw instanceof Set) {
      throw new TypeError(
        'optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets ' +
          'will change between runs. Please use a list instead.',
      );
    }
    const params = raw instanceof Tensor ? [raw] : Array.from(raw as Iterable<Tensor>);
    for (const p of params) {
      if (!(p instanceof Tensor)) {
        throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${typeName(p)}`);
      }
      if (!(p.isLeaf || p.retainsGrad)) throw new Error("can't optimize a non-leaf Tensor");
    }
    if (new Set(params).size !== params.length) {
      process.emitWarning(
        'optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; ' +
          'see github.com/pytorch/pytorch/issues/40967 for more information',
      );
    }
    for (const existing of this.paramGroups) {
      for (const p of existing.params) {
        if (params.includes(p)) throw new Error('some parameters appear in more than one parameter group');
      }
    }
    // PyTorch's setdefault: an override left undefined still takes the default.
    const filled: Record<string, unknown> = {};
    // Array options (betas, etas) copied, so that changing one group's does not change another's.
    for (const [key, value] of Object.entries(this.defaults)) filled[key] = Array.isArray(value) ? value.slice() : value;
    for (const [key, value] of Object.entries(group)) if (value !== undefined) filled[key] = value;
    filled.params = params;
    this.checkGroup(filled);
    this.paramGroups.push(filled as G);
  }

  /**
   * Checks a filled param group's hyperparameters (the constructor's options, and each
   * group's overrides), throwing PyTorch's message for a bad value. Runs inside the base
   * constructor, so an override must not read the subclass's own fields.
   */
  protected checkGroup(group: Record<string, unknown>): void {
    void group;
  }

  /**
   * Clears the gradients of all optimized tensors. With `setToNone` (the default, as in
   * PyTorch 2) `.grad` becomes null, so the next backward allocates instead of adding
   * into zeros, and `step()` skips parameters that got no gradient.
   * @example opt.zeroGrad(); opt.zeroGrad({ setToNone: false })
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    if (PROFILING.on) return withEvent(`Optimizer.zero_grad#${this.constructor.name}.zero_grad`, 'user_annotation', () => this.runZeroGrad(options));
    this.runZeroGrad(options);
  }

  private runZeroGrad(options: { setToNone?: boolean }): void {
    const setToNone = options.setToNone ?? true;
    const groups = this.paramGroups;
    for (let i = 0; i < groups.length; i++) {
      const params = groups[i].params;
      for (let j = 0; j < params.length; j++) {
        const p = params[j];
        const grad = p._grad;
        if (grad === null) continue;
        if (setToNone) {
          p._dropGrad();
        } else {
          if (grad.gradFn !== null) grad.detach_();
          else grad.requiresGrad_(false);
          grad.zero_();
        }
      }
    }
  }

  /**
   * One optimization step. `closure`, if given, re-evaluates the model with grad mode on
   * and returns the loss, which `step` returns (LBFGS-style optimizers call it repeatedly).
   * @example loss.backward(); opt.step();
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    if (PROFILING.on) return withEvent(`Optimizer.step#${this.constructor.name}.step`, 'user_annotation', () => this.runStep(closure));
    return this.runStep(closure);
  }

  private runStep<T>(closure?: () => T): T | undefined {
    if (captureUnderway() && this.onCuda()) this.checkCapturable();
    const loss = closure === undefined ? undefined : enableGrad(closure);
    // Set the mode directly rather than through noGrad(() => ...): step runs every
    // iteration, and the update itself must not be recorded.
    const previous = isGradEnabled();
    setGradEnabled(false);
    try {
      const groups = this.paramGroups;
      for (let i = 0; i < groups.length; i++) this.updateGroup(groups[i]);
    } finally {
      setGradEnabled(previous);
    }
    return loss;
  }

  /**
   * Whether a CUDA graph may capture this optimizer's step once its state exists: true
   * where the update reads nothing from the host that changes step to step. Optimizers
   * whose bias corrections or decays follow a host step count (Adam and its kin) would
   * replay the captured step's numbers forever, so they refuse, as PyTorch's do without
   * `capturable`.
   */
  protected capturableStep(): boolean {
    return false;
  }

  /** Whether `p`'s update needs state that its first step makes (SGD without momentum does not). */
  protected needsState(_group: G): boolean {
    return true;
  }

  /** Whether `p` has the state its later steps use. */
  protected hasState(p: Tensor): boolean {
    return this.state.get(p) !== undefined;
  }

  /** Whether the parameters are on a CUDA device (a CPU optimizer is no capture's business). */
  private onCuda(): boolean {
    return this.paramGroups.some((group) => group.params.some((p) => p.device.type === 'cuda'));
  }

  private checkCapturable(): void {
    if (!this.capturableStep()) {
      throw new Error(
        `Attempting CUDA graph capture of step() for an instance of ${this.constructor.name} but param_groups' capturable is False.`,
      );
    }
    for (const group of this.paramGroups) {
      if (!this.needsState(group)) continue;
      for (const p of group.params) {
        if (p._grad !== null && !this.hasState(p)) {
          throw new Error(
            `${this.constructor.name}.step(): a parameter has no optimizer state yet; its first step makes it, which a CUDA graph cannot capture: run step() eagerly before capturing (warm-up)`,
          );
        }
      }
    }
  }

  /** Updates the parameters of one group in place; called with grad mode off. */
  protected abstract updateGroup(group: G): void;

  /** The state record of `p`, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * The optimizer's state in PyTorch's layout. As in PyTorch, state tensors are the live
   * ones (not copies); `step` is written as a float32 scalar tensor.
   * @example const saved = opt.stateDict(); other.loadStateDict(saved);
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(group)) {
        if (key !== 'params') packed[toSnake(key)] = Array.isArray(value) ? value.slice() : value;
      }
      for (const [key, value] of Object.entries(this.torchGroupExtras)) if (!(key in packed)) packed[key] = value;
      packed.params = group.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return packed as Record<string, unknown> & { params: number[] };
    });
    const state = new Map<number, Record<string, unknown>>();
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const packed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(s)) {
        packed[toSnake(key)] = this.scalarTensorState.has(key) && typeof value === 'number' ? tensor(value, { dtype: float32 }) : value;
      }
      state.set(i, packed);
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Loads a state dict from `stateDict()`, or PyTorch's as `torch.load` returns it:
   * checks the layout and the group sizes, copies hyperparameters and clones state
   * tensors. State keys may be numbers (a Map, as PyTorch's int keys load) or numeric
   * strings (a plain object).
   * @example opt.loadStateDict((await torch.load('ckpt.pt') as { optimizer: optim.OptimizerStateDict }).optimizer)
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const groups = this.paramGroups;
    const { state: savedState, groups: saved } = checkStateDict(stateDict);
    if (groups.length !== saved.length) {
      throw new Error('loaded state dict has a different number of parameter groups');
    }
    for (let i = 0; i < groups.length; i++) {
      if (groups[i].params.length !== (saved[i].params as unknown[]).length) {
        throw new Error("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
      }
    }
    const idMap = new Map<number, Tensor>();
    for (let i = 0; i < groups.length; i++) {
      (saved[i].params as unknown[]).forEach((id, j) => idMap.set(paramIndex(id), groups[i].params[j]));
    }
    const state = new Map<Tensor, ParamState>();
    for (const [index, value] of savedState) {
      const p = idMap.get(index);
      if (p === undefined) continue; // PyTorch keeps such entries under their key; a Map of tensors cannot
      const entry: ParamState = {};
      for (const [name, v] of entriesOf(value)) {
        if (typeof name !== 'string') throw new Error(`loadStateDict: expected the state keys of parameter ${index} to be strings, but found ${describe(name)}`);
        // PyTorch 1.x writes momentum_buffer None for a parameter without one: the same as absent.
        if (v === null || v === undefined) continue;
        const key = toCamel(name);
        entry[key] = castState(p, key, v, this.scalarTensorState.has(key));
      }
      state.set(p, entry);
    }
    // As PyTorch, the saved groups replace the current ones, keeping only the params.
    this.paramGroups = groups.map((group, i) => {
      const next: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(saved[i])) {
        if (key === 'params' || TORCH_ONLY_KEYS.has(key)) continue;
        next[toCamel(key)] = Array.isArray(value) ? value.slice() : value;
      }
      next.params = group.params;
      return next as G;
    });
    this.state = state;
  }
}

function isGroup(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !(value instanceof Tensor);
}

/**
 * A loaded state entry: `step` (and the optimizer's other scalar-tensor entries) becomes a
 * number (it drives the bias corrections in double precision, as PyTorch's `step.item()`);
 * tensors are copied, in the parameter's floating dtype, and kept past `tidy` scopes since
 * they live as long as the optimizer; lists (LBFGS's history) are copied element by element.
 */
function castState(p: Tensor, name: string, value: unknown, scalar: boolean): ParamStateValue {
  if (name === 'step' || scalar) return value instanceof Tensor ? Number(value.item()) : Number(value);
  if (Array.isArray(value)) return value.map((v: unknown) => (v === null || v === undefined ? null : (castState(p, name, v, false) as Tensor | number)));
  if (value instanceof Tensor) {
    const dtype = p.isFloatingPoint() && value.isFloatingPoint() ? p.dtype : value.dtype;
    return keep(tensor(value, { dtype }));
  }
  return value as number;
}
