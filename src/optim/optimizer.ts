/**
 * The optimizer base class, as `torch.optim.Optimizer`: param groups, per-parameter state,
 * zeroGrad, and a state dict in PyTorch's own layout (snake_case keys, parameters as
 * indices), so that a dict saved by one side can be read by the other.
 */
import '../tensor/methods.js';
import { enableGrad, isGradEnabled, setGradEnabled } from '../autograd/grad-mode.js';
import { keep } from '../memory/storage.js';
import { tensor } from '../tensor/creation.js';
import { float32 } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

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
export type ParamState = Record<string, Tensor | number>;

/**
 * `optimizer.state_dict()` as PyTorch lays it out.
 * @example const sd: OptimizerStateDict = opt.stateDict();
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, unknown>>;
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

/** PyTorch group keys for its fast paths; flint has one path, so they are written, never read. */
const TORCH_ONLY_KEYS = new Set(['foreach', 'differentiable', 'capturable', 'fused']);

/** `weightDecay` -> `weight_decay`, as PyTorch spells keys in a state dict. */
function toSnake(key: string): string {
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
    const filled: Record<string, unknown> = { ...this.defaults };
    for (const [key, value] of Object.entries(group)) if (value !== undefined) filled[key] = value;
    filled.params = params;
    this.paramGroups.push(filled as G);
  }

  /**
   * Clears the gradients of all optimized tensors. With `setToNone` (the default, as in
   * PyTorch 2) `.grad` becomes null, so the next backward allocates instead of adding
   * into zeros, and `step()` skips parameters that got no gradient.
   * @example opt.zeroGrad(); opt.zeroGrad({ setToNone: false })
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    const groups = this.paramGroups;
    for (let i = 0; i < groups.length; i++) {
      const params = groups[i].params;
      for (let j = 0; j < params.length; j++) {
        const p = params[j];
        const grad = p.grad;
        if (grad === null) continue;
        if (setToNone) {
          p.grad = null;
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
    const state: Record<number, Record<string, unknown>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const packed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(s)) {
        packed[toSnake(key)] = key === 'step' && typeof value === 'number' ? tensor(value, { dtype: float32 }) : value;
      }
      state[i] = packed;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Loads a state dict from `stateDict()` (or PyTorch's, converted to tensors): checks
   * the group layout, copies hyperparameters and clones state tensors.
   * @example opt.loadStateDict(saved)
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const groups = this.paramGroups;
    const saved = stateDict.param_groups;
    if (groups.length !== saved.length) {
      throw new Error('loaded state dict has a different number of parameter groups');
    }
    for (let i = 0; i < groups.length; i++) {
      if (groups[i].params.length !== saved[i].params.length) {
        throw new Error("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
      }
    }
    const idMap = new Map<number, Tensor>();
    for (let i = 0; i < groups.length; i++) {
      saved[i].params.forEach((id, j) => idMap.set(Number(id), groups[i].params[j]));
    }
    const state = new Map<Tensor, ParamState>();
    for (const [key, value] of Object.entries(stateDict.state)) {
      const p = idMap.get(Number(key));
      if (p === undefined) continue; // PyTorch keeps such entries under their key; a Map of tensors cannot
      const entry: ParamState = {};
      for (const [name, v] of Object.entries(value)) entry[toCamel(name)] = castState(p, name, v);
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
 * A loaded state entry: `step` becomes a number (it drives the bias corrections in
 * double precision, as PyTorch's `step.item()`); tensors are copied, in the parameter's
 * floating dtype, and kept past `tidy` scopes since they live as long as the optimizer.
 */
function castState(p: Tensor, name: string, value: unknown): Tensor | number {
  if (name === 'step') return value instanceof Tensor ? Number(value.item()) : Number(value);
  if (value instanceof Tensor) {
    const dtype = p.isFloatingPoint() && value.isFloatingPoint() ? p.dtype : value.dtype;
    return keep(tensor(value, { dtype }));
  }
  return value as number;
}
