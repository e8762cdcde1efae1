/**
 * The pruning methods of `torch.nn.utils.prune`, as PyTorch 1.13: `Identity`,
 * `RandomUnstructured`, `L1Unstructured`, `RandomStructured`, `LnStructured` and
 * `CustomFromMask`, with 1.13's amount validation and messages, its draws (`rand_like` for
 * the unstructured method, `rand(nchannels)` and `kthvalue` for the structured one, so the
 * masks after `manualSeed` are PyTorch's) and its `topk` tie order.
 *
 * A JS number is a count when it is an integer (Python's `int`) and a fraction otherwise
 * (Python's `float`): JS cannot tell `1.0` from `1`, so a fraction of exactly 1 is written
 * as the count it stands for.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- pruning acts on modules of any output type */
import { Tensor } from '../../tensor/tensor.js';
import { argumentError, checkOptions } from '../../tensor/args.js';
import { rand, randLike, zerosLike } from '../../tensor/creation.js';
import { sameShape } from '../../tensor/shape.js';
import { norm } from '../../ops/norms.js';
import { matrixNorm } from '../../linalg/norms.js';
import { pyRepr } from '../repr.js';
import type { Module } from '../module.js';
import { BasePruningMethod, applyPruning, isOptions, sizeString, type PruningMethodClass } from './prune-base.js';

/** `ln_structured`'s `n`: a p-norm order (±Infinity included), or `'fro'` / `'nuc'` as `torch.norm` takes them. @example 'fro' */
export type LnOrder = number | 'fro' | 'nuc';

/** The keyword arguments of the amount-only methods' constructors. @example { amount: 0.3 } */
export interface AmountOptions {
  amount: number;
}
/** `RandomStructured`'s keyword arguments. @example { amount: 2, dim: 0 } */
export interface RandomStructuredOptions extends AmountOptions {
  dim?: number;
}
/** `LnStructured`'s keyword arguments. @example { amount: 0.5, n: 2, dim: 0 } */
export interface LnStructuredOptions extends AmountOptions {
  n: LnOrder;
  dim?: number;
}
/** `CustomFromMask`'s keyword argument. @example { mask } */
export interface CustomFromMaskOptions {
  mask: Tensor;
}
/** The `importanceScores` keyword of `l1Unstructured` / `lnStructured`. @example { importanceScores: w.abs() } */
export interface ImportanceOptions {
  /** a tensor of the parameter's shape that decides the pruning instead of the parameter */
  importanceScores?: Tensor | null;
}

function pyStr(value: unknown): string {
  return value === null ? 'None' : typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value);
}

/** 1.13's `_validate_pruning_amount_init`. */
function validateAmountInit(amount: unknown): asserts amount is number {
  if (typeof amount !== 'number') throw new TypeError(`Invalid type for amount: ${pyStr(amount)}. Must be int or float.`);
  // NaN passes, as in 1.13; it fails later, where it is rounded.
  if ((Number.isInteger(amount) && amount < 0) || (!Number.isInteger(amount) && (amount > 1 || amount < 0))) {
    throw new Error(`amount=${pyRepr(amount)} should either be a float in the range [0, 1] or a non-negative integer`);
  }
}

/** 1.13's `_validate_pruning_amount`. */
function validateAmount(amount: number, tensorSize: number): void {
  if (Number.isInteger(amount) && amount > tensorSize) {
    throw new Error(`amount=${amount} should be smaller than the number of parameters to prune=${tensorSize}`);
  }
}

/** 1.13's `_validate_structured_pruning`. */
function validateStructured(t: Tensor): void {
  if (t.ndim <= 1) {
    throw new Error(`Structured pruning can only be applied to multidimensional tensors. Found tensor of shape ${sizeString(t)} with ${t.ndim} dims`);
  }
}

/** 1.13's `_validate_pruning_dim`, then `t.shape[dim]` with Python's tuple indexing. */
function channels(t: Tensor, dim: number): number {
  if (dim >= t.ndim) throw new RangeError(`Invalid index ${dim} for tensor of size ${sizeString(t)}`);
  if (dim < -t.ndim) throw new RangeError('tuple index out of range');
  return t.shape[dim < 0 ? dim + t.ndim : dim];
}

/** Python's `round`: to the nearest integer, halves to the even one. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const frac = x - floor;
  if (frac !== 0.5) return frac < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** 1.13's `_compute_nparams_toprune`: a count as it is, a fraction rounded as Python rounds. */
function nparamsToPrune(amount: number, tensorSize: number): number {
  if (Number.isInteger(amount)) return amount;
  const n = amount * tensorSize;
  if (Number.isNaN(n)) throw new Error('cannot convert float NaN to integer');
  return roundHalfEven(n);
}

/** 1.13's `_compute_norm`: `torch.norm(t, p=n, dim=every dim but dim)`, with torch.norm's string orders. */
function channelNorms(t: Tensor, n: LnOrder, dim: number): Tensor {
  const d = dim < 0 ? dim + t.ndim : dim;
  const dims = Array.from({ length: t.ndim }, (_, i) => i).filter((i) => i !== d);
  if (typeof n === 'number') return norm(t, n, dims);
  if (n === 'fro') {
    if (dims.length > 2) throw new Error(`Expected at most 2 dimensions, but got ${dims.length} dimensions instead.`);
    return norm(t, 2, dims);
  }
  if (n === 'nuc') {
    if (dims.length !== 2) throw new Error("nuclear norm requires a 'dim' argument of size 2");
    return matrixNorm(t, 'nuc', dims as [number, number]);
  }
  throw new Error(`only valid string values are 'fro' and 'nuc', found ${pyStr(n)}`);
}

/** `mask` with 1 at `index` along `dim`, zeros elsewhere, times `defaultMask` (1.13's make_mask). */
function channelMask(t: Tensor, dim: number, index: Tensor, defaultMask: Tensor): Tensor {
  const mask = zerosLike(t);
  mask.indexFill_(dim < 0 ? dim + t.ndim : dim, index.to(t.device), 1);
  return mask.mul_(defaultMask.to(mask.dtype));
}

/** The constructor's first argument, or its options object checked against `keys`. */
function ctorOptions<T extends object>(first: unknown, fn: string, keys: readonly string[]): Partial<T> | null {
  if (!isOptions(first)) return null;
  checkOptions(first, fn, keys);
  return first as Partial<T>;
}

/**
 * Prunes nothing: the mask is the default mask (ones on a first pruning).
 * @example nn.utils.prune.Identity.apply(layer, 'weight')
 */
export class Identity extends BasePruningMethod {
  static override PRUNING_TYPE = 'unstructured' as const;

  constructor(options?: Record<string, never>) {
    super();
    checkOptions(options, 'Identity', []);
  }

  /** @example new nn.utils.prune.Identity().computeMask(w, torch.onesLike(w)) */
  computeMask(_t: Tensor, defaultMask: Tensor): Tensor {
    return defaultMask;
  }

  /** Prunes nothing, reparametrizing `module[name]` as `name_orig * name_mask`. @example nn.utils.prune.Identity.apply(layer, 'bias') */
  static override apply(module: Module<any>, name: string): Identity {
    return applyPruning(this as PruningMethodClass, module, name, [], null) as Identity;
  }
}

/** An unstructured method's `amount`, given alone or as `{ amount }`, checked as 1.13's init checks it. */
function amountArgument(amount: number | AmountOptions, cls: string): number {
  const o = ctorOptions<AmountOptions>(amount, cls, ['amount']);
  const a = o === null ? (amount as number) : o.amount;
  validateAmountInit(a);
  return a;
}

/** `defaultMask` with the `amount` entries that `pick(flat, k)` names zeroed (the unstructured methods' compute_mask). */
function unstructuredMask(t: Tensor, defaultMask: Tensor, amount: number, pick: (flat: Tensor, k: number) => Tensor): Tensor {
  const size = t.numel();
  const k = nparamsToPrune(amount, size);
  validateAmount(k, size);
  const mask = defaultMask.clone();
  if (k !== 0) mask.view(-1).indexPut_([pick(t, k)], 0);
  return mask;
}

/**
 * Prunes `amount` of the still unpruned entries, chosen at random (the `amount` largest of
 * `torch.rand_like(t)`, so PyTorch's draws after the same `manualSeed`).
 * @example nn.utils.prune.RandomUnstructured.apply(layer, 'weight', 0.3)
 */
export class RandomUnstructured extends BasePruningMethod {
  static override PRUNING_TYPE = 'unstructured' as const;
  /** A count (integer) or a fraction of the entries. */
  amount: number;

  constructor(amount: number | AmountOptions) {
    super();
    this.amount = amountArgument(amount, 'RandomUnstructured');
  }

  /** @example new nn.utils.prune.RandomUnstructured(2).computeMask(w, torch.onesLike(w)) */
  computeMask(t: Tensor, defaultMask: Tensor): Tensor {
    return unstructuredMask(t, defaultMask, this.amount, (x, k) => randLike(x).view(-1).topk(k).indices);
  }

  /** @example nn.utils.prune.RandomUnstructured.apply(layer, 'weight', 4) */
  static override apply(module: Module<any>, name: string, amount: number): RandomUnstructured {
    return applyPruning(this as PruningMethodClass, module, name, [amount], null) as RandomUnstructured;
  }
}

/**
 * Prunes `amount` of the still unpruned entries with the smallest absolute value
 * (`topk(largest=false)`, whose order among equal values is PyTorch's CPU order).
 * @example nn.utils.prune.L1Unstructured.apply(layer, 'weight', 0.3)
 */
export class L1Unstructured extends BasePruningMethod {
  static override PRUNING_TYPE = 'unstructured' as const;
  /** A count (integer) or a fraction of the entries. */
  amount: number;

  constructor(amount: number | AmountOptions) {
    super();
    this.amount = amountArgument(amount, 'L1Unstructured');
  }

  /** @example new nn.utils.prune.L1Unstructured(2).computeMask(w, torch.onesLike(w)) */
  computeMask(t: Tensor, defaultMask: Tensor): Tensor {
    return unstructuredMask(t, defaultMask, this.amount, (x, k) => x.abs().view(-1).topk(k, -1, false).indices);
  }

  /** @example nn.utils.prune.L1Unstructured.apply(layer, 'weight', 0.5, { importanceScores: scores }) */
  static override apply(module: Module<any>, name: string, amount: number, options: ImportanceOptions = {}): L1Unstructured {
    checkOptions(options, 'L1Unstructured.apply', ['importanceScores']);
    return applyPruning(this as PruningMethodClass, module, name, [amount], options.importanceScores ?? null) as L1Unstructured;
  }
}

/**
 * Prunes `amount` of the channels along `dim`, chosen at random (`torch.rand(nchannels)`
 * below its `amount`-th smallest value), on top of the default mask.
 * @example nn.utils.prune.RandomStructured.apply(conv, 'weight', 2, 0)
 */
export class RandomStructured extends BasePruningMethod {
  static override PRUNING_TYPE = 'structured' as const;
  /** A count (integer) or a fraction of the channels. */
  amount: number;
  /** The dim along which the channels lie. */
  dim: number;

  constructor(amount: number | RandomStructuredOptions, dim = -1) {
    super();
    const o = ctorOptions<RandomStructuredOptions>(amount, 'RandomStructured', ['amount', 'dim']);
    const a = o === null ? amount : o.amount;
    const d = o === null ? dim : (o.dim ?? -1);
    validateAmountInit(a);
    if (!Number.isInteger(d)) throw argumentError('RandomStructured', 'dim', 'an integer', d);
    this.amount = a;
    this.dim = d;
  }

  /** @example new nn.utils.prune.RandomStructured(1, 0).computeMask(w, torch.onesLike(w)) */
  computeMask(t: Tensor, defaultMask: Tensor): Tensor {
    validateStructured(t);
    const size = channels(t, this.dim);
    const k = nparamsToPrune(this.amount, size);
    validateAmount(k, size);
    if (k === 0) return defaultMask;
    const prob = rand(size);
    const threshold = prob.kthvalue(k).values;
    const kept = prob.gt(threshold).nonzero().view(-1);
    return channelMask(t, this.dim, kept, defaultMask);
  }

  /** @example nn.utils.prune.RandomStructured.apply(conv, 'weight', 0.5, 1) */
  static override apply(module: Module<any>, name: string, amount: number, dim = -1): RandomStructured {
    return applyPruning(this as PruningMethodClass, module, name, [amount, dim], null) as RandomStructured;
  }
}

/**
 * Prunes `amount` of the channels along `dim` with the smallest L`n` norm (keeping the
 * `topk` largest), on top of the default mask.
 * @example nn.utils.prune.LnStructured.apply(conv, 'weight', 0.5, 2, 0)
 */
export class LnStructured extends BasePruningMethod {
  static override PRUNING_TYPE = 'structured' as const;
  /** A count (integer) or a fraction of the channels. */
  amount: number;
  /** The norm's order. */
  n: LnOrder;
  /** The dim along which the channels lie. */
  dim: number;

  constructor(amount: number | LnStructuredOptions, n?: LnOrder, dim = -1) {
    super();
    const o = ctorOptions<LnStructuredOptions>(amount, 'LnStructured', ['amount', 'n', 'dim']);
    const a = o === null ? amount : o.amount;
    const order = o === null ? n : o.n;
    const d = o === null ? dim : (o.dim ?? -1);
    if (order === undefined) throw new TypeError("LnStructured(): missing the required argument 'n'");
    validateAmountInit(a);
    if (!Number.isInteger(d)) throw argumentError('LnStructured', 'dim', 'an integer', d);
    this.amount = a;
    this.n = order;
    this.dim = d;
  }

  /** @example new nn.utils.prune.LnStructured(1, 2, 0).computeMask(w, torch.onesLike(w)) */
  computeMask(t: Tensor, defaultMask: Tensor): Tensor {
    validateStructured(t);
    const size = channels(t, this.dim);
    const k = nparamsToPrune(this.amount, size);
    validateAmount(k, size);
    const top = channelNorms(t, this.n, this.dim).topk(size - k, -1, true);
    if (k === 0) return defaultMask;
    return channelMask(t, this.dim, top.indices, defaultMask);
  }

  /** @example nn.utils.prune.LnStructured.apply(conv, 'weight', 1, Infinity, 0, { importanceScores: scores }) */
  static override apply(module: Module<any>, name: string, amount: number, n: LnOrder, dim: number, options: ImportanceOptions = {}): LnStructured {
    checkOptions(options, 'LnStructured.apply', ['importanceScores']);
    return applyPruning(this as PruningMethodClass, module, name, [amount, n, dim], options.importanceScores ?? null) as LnStructured;
  }
}

/**
 * Prunes where a given mask is 0 (`PRUNING_TYPE` 'global': the mask covers all of the tensor).
 * @example nn.utils.prune.CustomFromMask.apply(layer, 'bias', torch.tensor([0, 1, 0]))
 */
export class CustomFromMask extends BasePruningMethod {
  static override PRUNING_TYPE = 'global' as const;
  /** The mask, of the pruned tensor's shape. */
  mask: Tensor;

  constructor(mask: Tensor | CustomFromMaskOptions) {
    super();
    const o = ctorOptions<CustomFromMaskOptions>(mask, 'CustomFromMask', ['mask']);
    const m = o === null ? mask : o.mask;
    if (!(m instanceof Tensor)) throw argumentError('CustomFromMask', 'mask', 'a Tensor', m);
    this.mask = m;
  }

  /** @example new nn.utils.prune.CustomFromMask(mask).computeMask(w, torch.onesLike(w)) */
  computeMask(_t: Tensor, defaultMask: Tensor): Tensor {
    // 1.13 asserts this without a message.
    if (!sameShape(defaultMask.shape, this.mask.shape)) {
      throw new Error(`CustomFromMask: the mask's shape ${sizeString(this.mask)} must equal the pruned tensor's ${sizeString(defaultMask)}`);
    }
    return defaultMask.mul(this.mask.to(defaultMask.dtype));
  }

  /** @example nn.utils.prune.CustomFromMask.apply(layer, 'weight', mask) */
  static override apply(module: Module<any>, name: string, mask: Tensor): CustomFromMask {
    return applyPruning(this as PruningMethodClass, module, name, [mask], null) as CustomFromMask;
  }
}
