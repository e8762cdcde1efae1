/**
 * The machinery of `torch.nn.utils.prune`, as PyTorch 1.13's torch/nn/utils/prune.py:
 * `BasePruningMethod` (whose instances are the forward pre-hooks, as Python's `__call__`
 * makes them), its `apply` (the `name_orig` / `name_mask` reparametrization, and the
 * `PruningContainer` a second pruning of the same tensor builds), `remove`, and
 * `PruningContainer` with 1.13's `_combine_masks`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- pruning acts on modules of any output type */
import { inspect } from 'node:util';
import { Tensor } from '../../tensor/tensor.js';
import { argumentError, describeValue } from '../../tensor/args.js';
import { sameShape } from '../../tensor/shape.js';
import { onesLike, tensor } from '../../tensor/creation.js';
import { int64 } from '../../tensor/dtype.js';
import { keep } from '../../memory/storage.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';

/** Which part of a tensor a method prunes, so that `PruningContainer` knows what is left to prune. @example 'structured' */
export type PruningType = 'unstructured' | 'structured' | 'global';

/** `BasePruningMethod.prune`'s keyword arguments. @example { defaultMask: mask, importanceScores: scores } */
export interface PruneOptions {
  /** the mask of earlier pruning, ones by default */
  defaultMask?: Tensor | null;
  /** what decides the pruning instead of `t` itself, of `t`'s shape */
  importanceScores?: Tensor | null;
}

/** A pruning method class as `apply` and `globalUnstructured` construct it. @example nn.utils.prune.L1Unstructured */
export type PruningMethodClass = (abstract new (...args: any[]) => BasePruningMethod) & { PRUNING_TYPE?: PruningType };

/** `torch.Size([3, 4])`, as PyTorch's messages print a shape. @internal */
export function sizeString(t: Tensor): string {
  return `torch.Size([${t.shape.join(', ')}])`;
}

/** `getattr(module, name)` for a tensor attribute, with Python's AttributeError text. @internal */
export function tensorAttr(module: Module<any>, name: string): Tensor {
  const value = (module as unknown as Record<string, unknown>)[name];
  if (value === undefined) throw new Error(`'${module._getName()}' object has no attribute '${name}'`);
  if (!(value instanceof Tensor)) throw new TypeError(`'${name}' of ${module._getName()} must be a Tensor to be pruned, but it is ${describeValue(value)}`);
  return value;
}

function setAttr(module: Module<any>, name: string, value: Tensor): void {
  (module as unknown as Record<string, Tensor>)[name] = value;
}

/** Deletes the attribute through the module's Proxy, which also drops it from `_parameters` / `_buffers`. */
function delAttr(module: Module<any>, name: string): void {
  delete (module as unknown as Record<string, unknown>)[name];
}

/** A trailing plain object: keyword arguments, in flint's convention. @internal */
export function isOptions(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || value instanceof Tensor) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface BasePruningMethod {
  /** The forward pre-hook: sets `module[name]` to `name_orig * name_mask` (Python's `__call__`). */
  (module: Module<any>, inputs?: unknown[]): void;
}

/**
 * The base of every pruning method (PyTorch's `BasePruningMethod`): a subclass sets a static
 * `PRUNING_TYPE` and implements `computeMask`. An instance is callable, and is itself the
 * forward pre-hook that `apply` registers, so `module._forwardPreHooks` holds the methods.
 * @example
 * class KeepPositive extends nn.utils.prune.BasePruningMethod {
 *   static override PRUNING_TYPE = 'unstructured' as const;
 *   computeMask(t: torch.Tensor, defaultMask: torch.Tensor) { return defaultMask.mul(t.gt(0)); }
 * }
 * KeepPositive.apply(layer, 'weight');
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class BasePruningMethod {
  /** Which part of the tensor the method prunes; each concrete method sets it. */
  static PRUNING_TYPE: PruningType | undefined;
  /** The name of the tensor this method prunes, set by `apply` (Python's `_tensor_name`). */
  declare _tensorName: string | undefined;

  constructor() {
    // The instance is a function so that it can be registered as a forward pre-hook. Fields
    // of subclasses are defined on it after this returns; the base's own must be set here.
    const hook = (module: Module<any>): void => {
      const self = hook as unknown as BasePruningMethod;
      setAttr(module, self._tensorName as string, self.applyMask(module));
    };
    delete (hook as { name?: string }).name;
    delete (hook as { length?: number }).length;
    Object.setPrototypeOf(hook, new.target.prototype);
    Object.defineProperty(hook, '_tensorName', { value: undefined, writable: true, enumerable: true, configurable: true });
    return hook as unknown as BasePruningMethod;
  }

  /**
   * The class's `PRUNING_TYPE`, read through the instance as Python's class attribute is.
   * @example new nn.utils.prune.L1Unstructured(2).PRUNING_TYPE // 'unstructured'
   */
  get PRUNING_TYPE(): PruningType {
    const type = (this.constructor as typeof BasePruningMethod).PRUNING_TYPE;
    if (type === undefined) throw new TypeError(`'${this.constructor.name}' object has no attribute 'PRUNING_TYPE'`);
    return type;
  }

  /**
   * The mask for `t` (the importance scores of the tensor to prune): `defaultMask`, the mask
   * of earlier pruning of the same shape, with what this method prunes set to 0.
   * @example method.computeMask(layer.weight, torch.onesLike(layer.weight))
   */
  abstract computeMask(t: Tensor, defaultMask: Tensor): Tensor;

  /**
   * `module[name + '_mask'] * module[name + '_orig']`: the pruned tensor.
   * @example const pruned = method.applyMask(layer);
   */
  applyMask(module: Module<any>): Tensor {
    if (this._tensorName === undefined || this._tensorName === null) throw new Error(`Module ${String(module)} has to be pruned`);
    const mask = tensorAttr(module, `${this._tensorName}_mask`);
    const orig = tensorAttr(module, `${this._tensorName}_orig`);
    // Kept past any tidy() scope around the forward, as PyTorch's attribute stays readable.
    return keep(mask.to(orig.dtype).mul(orig));
  }

  /**
   * Prunes `module[name]` with a new instance of this class made from `args`: the parameter
   * becomes `name_orig`, the mask the buffer `name_mask`, and `module[name]` their product,
   * recomputed before every forward by the method, registered as a forward pre-hook. A
   * trailing options object may hold `importanceScores` (a tensor of the parameter's shape
   * that decides the pruning instead of the parameter); its other keys go to the
   * constructor as its options. Returns the hook: the method, or the `PruningContainer`
   * holding it when `module[name]` was pruned before.
   * @example nn.utils.prune.L1Unstructured.apply(layer, 'weight', 0.3, { importanceScores: scores })
   */
  static apply(module: Module<any>, name: string, ...args: unknown[]): BasePruningMethod {
    let ctorArgs = args;
    let importanceScores: unknown = null;
    const last = args[args.length - 1];
    if (isOptions(last)) {
      const { importanceScores: scores = null, ...rest } = last;
      importanceScores = scores;
      ctorArgs = Object.keys(rest).length === 0 ? args.slice(0, -1) : [...args.slice(0, -1), rest];
    }
    return applyPruning(this as unknown as PruningMethodClass, module, name, ctorArgs, importanceScores);
  }

  /**
   * `t` pruned by this method: `t * computeMask(importanceScores ?? t, defaultMask ?? ones)`.
   * @example new nn.utils.prune.L1Unstructured(2).prune(w)
   */
  prune(t: Tensor, defaultMask: Tensor | null | PruneOptions = null, importanceScores: Tensor | null = null): Tensor {
    if (isOptions(defaultMask)) ({ defaultMask = null, importanceScores = null } = defaultMask as PruneOptions);
    if (!(t instanceof Tensor)) throw argumentError('prune', 't', 'a Tensor', t);
    if (importanceScores !== null && importanceScores !== undefined) {
      if (!sameShape(importanceScores.shape, t.shape)) throw new Error('importance_scores should have the same shape as tensor t');
    } else {
      importanceScores = t;
    }
    const mask = (defaultMask as Tensor | null) ?? onesLike(t);
    return t.mul(this.computeMask(importanceScores, mask));
  }

  /**
   * Makes the pruning permanent: `module[name]` becomes a Parameter again (the `name_orig`
   * Parameter object, now holding `orig * mask`), and `name_orig` and `name_mask` are
   * dropped. It does not unregister the hook; the module-level `prune.remove` does.
   * @example hook.remove(layer)
   */
  remove(module: Module<any>): void {
    const name = this._tensorName;
    if (name === undefined || name === null) throw new Error(`Module ${String(module)} has to be pruned            before pruning can be removed`);
    const weight = this.applyMask(module);
    if ((module as unknown as Record<string, unknown>)[name] !== undefined) delAttr(module, name);
    const orig = module._parameters.get(`${name}_orig`);
    if (orig === undefined || orig === null) throw new Error(`'${name}_orig'`);
    orig.data = weight;
    delAttr(module, `${name}_orig`);
    if (!module._buffers.has(`${name}_mask`)) throw new Error(`'${name}_mask'`);
    delAttr(module, `${name}_mask`);
    setAttr(module, name, orig);
  }

  /** As Python prints the object. @example String(method) // '<torch.nn.utils.prune.L1Unstructured object>' */
  toString(): string {
    return `<torch.nn.utils.prune.${this.constructor.name} object>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * `BasePruningMethod.apply` for the class `cls` and its constructor's arguments: finds a
 * pruning hook already on `module[name]` (wrapping both in a container), moves the
 * parameter to `name_orig`, and registers the mask, the pruned tensor and the hook,
 * rolling the parameter back if computing the mask fails. @internal
 */
export function applyPruning(cls: PruningMethodClass, module: Module<any>, name: string, ctorArgs: unknown[], importanceScores: unknown): BasePruningMethod {
  if (!(module instanceof Module)) throw argumentError('apply', 'module', 'an nn.Module', module);
  if (typeof name !== 'string') throw argumentError('apply', 'name', 'a string', name);
  let oldMethod: BasePruningMethod | null = null;
  const toRemove: number[] = [];
  for (const [key, hook] of module._forwardPreHooks) {
    if (hook instanceof BasePruningMethod && hook._tensorName === name) {
      oldMethod = hook;
      toRemove.push(key);
    }
  }
  if (toRemove.length > 1) {
    throw new Error(`Avoid adding multiple pruning hooks to the                same tensor ${name} of module ${String(module)}. Use a PruningContainer.`);
  }
  for (const key of toRemove) module._forwardPreHooks.delete(key);

  let method = new (cls as unknown as new (...args: unknown[]) => BasePruningMethod)(...ctorArgs);
  method._tensorName = name;
  if (oldMethod !== null) {
    if (oldMethod instanceof PruningContainer) {
      oldMethod.addPruningMethod(method);
      method = oldMethod;
    } else {
      const container = new PruningContainer(oldMethod);
      container.addPruningMethod(method);
      method = container;
    }
  }

  const orig = tensorAttr(module, name);
  let scores: Tensor;
  if (importanceScores !== null && importanceScores !== undefined) {
    if (!(importanceScores instanceof Tensor)) throw argumentError('apply', 'importanceScores', 'a Tensor', importanceScores);
    if (!sameShape(importanceScores.shape, orig.shape)) {
      throw new Error(`importance_scores should have the same shape as parameter                 ${name} of ${String(module)}`);
    }
    scores = importanceScores;
  } else {
    scores = orig;
  }

  let defaultMask: Tensor;
  if (!(method instanceof PruningContainer)) {
    module.registerParameter(`${name}_orig`, orig as Parameter);
    delAttr(module, name);
    defaultMask = onesLike(orig);
  } else {
    defaultMask = tensorAttr(module, `${name}_mask`).detach().clone();
  }

  try {
    const mask = method.computeMask(scores, defaultMask);
    module.registerBuffer(`${name}_mask`, mask);
    setAttr(module, name, method.applyMask(module));
    module.registerForwardPreHook(method);
  } catch (error) {
    if (!(method instanceof PruningContainer)) {
      const saved = tensorAttr(module, `${name}_orig`);
      module.registerParameter(name, saved as Parameter);
      delAttr(module, `${name}_orig`);
    }
    throw error;
  }
  return method;
}

/**
 * A sequence of pruning methods applied one after the other to the same tensor (iterative
 * pruning): each new method computes its mask on what the earlier ones left, as its
 * `PRUNING_TYPE` defines it: the unpruned entries ('unstructured'), the channels not yet
 * wholly pruned ('structured'), or all of the tensor ('global').
 * @example
 * nn.utils.prune.l1Unstructured(layer, 'weight', 0.2);
 * nn.utils.prune.randomStructured(layer, 'weight', 1, 0);
 * const hook = [...layer._forwardPreHooks.values()][0]; // a PruningContainer of both
 */
export class PruningContainer extends BasePruningMethod {
  /** The methods, in the order they were applied. */
  _pruningMethods: (BasePruningMethod | null)[] = [];

  constructor(...methods: (BasePruningMethod | null)[]) {
    super();
    if (methods.length === 1) {
      this._tensorName = methods[0]?._tensorName;
      this.addPruningMethod(methods[0]);
    } else {
      for (const method of methods) this.addPruningMethod(method);
    }
  }

  /**
   * Appends `method`, which must prune the tensor this container prunes.
   * @example container.addPruningMethod(method)
   */
  addPruningMethod(method: BasePruningMethod | null): void {
    if (!(method instanceof BasePruningMethod) && method !== null) {
      throw new TypeError(`${describeValue(method)} is not a BasePruningMethod subclass`);
    }
    if (method !== null && this._tensorName === undefined) throw new Error("'PruningContainer' object has no attribute '_tensor_name'");
    if (method !== null && this._tensorName !== method._tensorName) {
      throw new Error(
        `Can only add pruning methods acting on the parameter named '${this._tensorName}' to PruningContainer ${String(this)}. Found '${method._tensorName}'`,
      );
    }
    this._pruningMethods.push(method);
  }

  /** The number of methods (Python's `len`). @example container.length // 2 */
  override get length(): number {
    return this._pruningMethods.length;
  }

  /** The `index`-th method (Python's `container[index]`, negative from the end). @example container.at(-1) */
  at(index: number): BasePruningMethod | null | undefined {
    return this._pruningMethods.at(index);
  }

  [Symbol.iterator](): Iterator<BasePruningMethod | null> {
    return this._pruningMethods[Symbol.iterator]();
  }

  /**
   * The mask of the last method, computed on the part of `t` that `defaultMask` left
   * unpruned, combined with `defaultMask`.
   * @example container.computeMask(weight, previousMask)
   */
  computeMask(t: Tensor, defaultMask: Tensor): Tensor {
    const method = this._pruningMethods[this._pruningMethods.length - 1];
    if (method === undefined || method === null) throw new Error("'NoneType' object has no attribute 'PRUNING_TYPE'");
    return combineMasks(method, t, defaultMask);
  }
}

/** 1.13's `_combine_masks`: the new method's partial mask written into (a copy of) `mask`. */
function combineMasks(method: BasePruningMethod, t: Tensor, mask: Tensor): Tensor {
  // As `mask.to(dtype=t.dtype)`: the same tensor when the dtypes agree.
  const newMask = mask.dtype === t.dtype ? mask : mask.to(t.dtype);
  const type = method.PRUNING_TYPE;
  if (type === 'unstructured') {
    const slc = mask.eq(1);
    const partial = method.computeMask(t.index(slc), mask.index(slc));
    newMask.indexPut_([slc], partial.to(newMask.dtype));
  } else if (type === 'structured') {
    const dimOf = (method as unknown as { dim?: unknown }).dim;
    if (typeof dimOf !== 'number') throw new Error('Pruning methods of PRUNING_TYPE "structured" need to have the attribute `dim` defined.');
    const nDims = t.ndim;
    const dim = dimOf < 0 ? nDims + dimOf : dimOf;
    if (dim < 0) throw new RangeError(`Index is out of bounds for tensor with dimensions ${nDims}`);
    const others = Array.from({ length: nDims }, (_, d) => d).filter((d) => d !== dim);
    // Over no dims (a 1-d tensor) the sum is over all of them, as in 1.13: the tensor is then
    // indexed by a 0-d bool, which adds a leading dim of size 1 (or 0 when it is all pruned).
    const keepChannel = mask.sum(others).ne(0);
    if (nDims === 1) {
      const rows = keepChannel.item() ? [0] : [];
      const index = tensor(rows, { dtype: int64, device: t.device });
      const partial = method.computeMask(t.unsqueeze(0).indexSelect(0, index), mask.unsqueeze(0).indexSelect(0, index));
      newMask.unsqueeze(0).indexCopy_(0, index, partial.to(newMask.dtype));
    } else {
      const index = keepChannel.nonzero().view(-1);
      const partial = method.computeMask(t.indexSelect(dim, index), mask.indexSelect(dim, index));
      newMask.indexCopy_(dim, index, partial.to(newMask.dtype));
    }
  } else if (type === 'global') {
    const partial = method.computeMask(t, mask);
    if (partial !== newMask) newMask.copy_(partial.to(newMask.dtype));
  } else {
    throw new Error(`Unrecognized PRUNING_TYPE ${String(type)}`);
  }
  return newMask;
}

