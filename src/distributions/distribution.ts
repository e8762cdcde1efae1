/**
 * `torch.distributions.Distribution`, the base of every distribution: batch and event
 * shapes, argument and sample validation with PyTorch's messages, and the defaults that
 * subclasses override (`sample` through `rsample` without gradients, `stddev` from
 * `variance`, `perplexity` from `entropy`).
 */
import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { Size } from '../tensor/size.js';
import { exp } from '../ops/elementwise.js';
import { sqrt } from '../ops/elementwise.js';
import { all } from '../ops/reduce.js';
import { type Constraint, checked, isDependent } from './constraints.js';
import { logitsToProbs, probsToLogits, pythonFloat } from './utils.js';

/** A parameter as a distribution takes it: a tensor or a plain number. */
export type Param = Tensor | number;

/** The options every distribution takes: `validateArgs` overrides the global default. */
export interface DistributionOptions {
  validateArgs?: boolean;
}

let defaultValidateArgs = true;

/** A parameter in a repr, as PyTorch formats it: a 0-d tensor by its value, other one-element tensors in full, else the shape. */
function reprParam(v: Tensor): string {
  if (v.numel() !== 1) return v.shape.toString();
  if (v.dim() > 0) return v.toString();
  const value = v.item();
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return v.dtype.isFloatingPoint ? pythonFloat(Number(value)) : String(value);
}

/** A parameter's name as PyTorch prints it in reprs and messages: `totalCount` is `total_count`. */
const pythonName = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A Python-style tuple of a shape, as PyTorch's messages print it: `()`, `(2,)`, `(2, 3)`. */
export function tupleString(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * The base class. Subclasses set their parameters, then call `validateArgs_()` at the end
 * of their constructor (JavaScript runs a base constructor before the subclass has set
 * anything, so the base cannot check them itself).
 * @example class MyDist extends torch.distributions.Distribution { ... }
 */
export abstract class Distribution {
  protected _batchShape: number[];
  protected _eventShape: number[];
  protected _validateArgs: boolean;
  /** Lazily computed parameters (probs from logits and the like), by name. */
  protected readonly lazy: Record<string, Tensor | undefined> = {};

  /**
   * Sets whether distributions validate their arguments and samples by default (true, as
   * in PyTorch's debug mode).
   * @example torch.distributions.Distribution.setDefaultValidateArgs(false)
   */
  static setDefaultValidateArgs(value: boolean): void {
    if (typeof value !== 'boolean') throw new TypeError('setDefaultValidateArgs(): expected a boolean');
    defaultValidateArgs = value;
  }

  constructor(batchShape: readonly number[] = [], eventShape: readonly number[] = [], validateArgs?: boolean) {
    this._batchShape = [...batchShape];
    this._eventShape = [...eventShape];
    this._validateArgs = validateArgs ?? defaultValidateArgs;
  }

  /** The constraints each parameter must satisfy, by name. @example d.argConstraints */
  get argConstraints(): Record<string, Constraint> {
    return {};
  }
  /** The set samples lie in. @example d.support.check(x) */
  get support(): Constraint {
    throw new Error(`${this.constructor.name} does not implement support`);
  }
  /** The shape over which parameters are batched. @example d.batchShape */
  get batchShape(): Size {
    return new Size(this._batchShape);
  }
  /** The shape of one sample. @example d.eventShape */
  get eventShape(): Size {
    return new Size(this._eventShape);
  }
  /** Whether `rsample` is implemented (reparameterized samples). @example d.hasRsample */
  get hasRsample(): boolean {
    return false;
  }
  /** Whether `enumerateSupport` is implemented. @example d.hasEnumerateSupport */
  get hasEnumerateSupport(): boolean {
    return false;
  }
  /** @example d.mean */
  get mean(): Tensor {
    throw new Error(`${this.constructor.name} does not implement mean`);
  }
  /** @example d.mode */
  get mode(): Tensor {
    throw new Error(`${this.constructor.name} does not implement mode`);
  }
  /** @example d.variance */
  get variance(): Tensor {
    throw new Error(`${this.constructor.name} does not implement variance`);
  }
  /** The standard deviation, `variance.sqrt()`. @example d.stddev */
  get stddev(): Tensor {
    return sqrt(this.variance);
  }

  /**
   * A new distribution with its batch dims expanded to `batchShape` (parameters become
   * expanded views).
   * @example new Normal(0, 1).expand([3]).batchShape // torch.Size([3])
   */
  expand(batchShape: readonly number[]): Distribution {
    void batchShape;
    throw new Error(`${this.constructor.name} does not implement expand`);
  }

  /** Samples of shape `sampleShape + batchShape + eventShape`, without gradients. @example d.sample([5]) */
  sample(sampleShape: readonly number[] = []): Tensor {
    return noGrad(() => this.rsample(sampleShape));
  }
  /** Reparameterized samples, through which gradients reach the parameters. @example d.rsample([5]) */
  rsample(sampleShape: readonly number[] = []): Tensor {
    void sampleShape;
    throw new Error(`${this.constructor.name} does not implement rsample`);
  }
  /** `sampleN(n)` is `sample([n])`. @example d.sampleN(10) */
  sampleN(n: number): Tensor {
    return this.sample([n]);
  }
  /** The log of the density (or mass) at `value`. @example d.logProb(x) */
  logProb(value: Tensor): Tensor {
    void value;
    throw new Error(`${this.constructor.name} does not implement logProb`);
  }
  /** The cumulative distribution function at `value`. @example d.cdf(x) */
  cdf(value: Tensor): Tensor {
    void value;
    throw new Error(`${this.constructor.name} does not implement cdf`);
  }
  /** The inverse of the CDF. @example d.icdf(p) */
  icdf(value: Tensor): Tensor {
    void value;
    throw new Error(`${this.constructor.name} does not implement icdf`);
  }
  /**
   * Every value of a discrete support, along a new first dim (expanded over the batch
   * unless `expand` is false).
   * @example new Bernoulli(0.3).enumerateSupport() // [0, 1]
   */
  enumerateSupport(expand = true): Tensor {
    void expand;
    throw new Error(`${this.constructor.name} does not implement enumerateSupport`);
  }
  /** The entropy, one value per batch element. @example d.entropy() */
  entropy(): Tensor {
    throw new Error(`${this.constructor.name} does not implement entropy`);
  }
  /** `exp(entropy)`. @example d.perplexity() */
  perplexity(): Tensor {
    return exp(this.entropy());
  }

  /**
   * An expanded copy, built without checking its (already checked) parameters, that goes
   * on validating values as this one does, as PyTorch's `expand` keeps `_validate_args`.
   */
  protected keepValidation<T extends Distribution>(expanded: T): T {
    expanded._validateArgs = this._validateArgs;
    return expanded;
  }

  /** probs, computed from the logits given on first use (sigmoid when binary, else softmax). */
  protected lazyProbs(isBinary: boolean): Tensor {
    return (this.lazy.probs ??= logitsToProbs(this.lazy.logits!, isBinary));
  }
  /** logits, computed from the probs given on first use. */
  protected lazyLogits(isBinary: boolean): Tensor {
    return (this.lazy.logits ??= probsToLogits(this.lazy.probs!, isBinary));
  }

  /** `sampleShape + batchShape + eventShape`. @example this.extendedShape([5]) */
  protected extendedShape(sampleShape: readonly number[] = []): number[] {
    return [...sampleShape, ...this._batchShape, ...this._eventShape];
  }

  /** Checks each parameter against its constraint, as PyTorch's constructor does. */
  protected validateArgs_(): void {
    if (!this._validateArgs) return;
    for (const [name, constraint] of Object.entries(this.argConstraints)) {
      if (isDependent(constraint)) continue;
      const value = this.paramValue(name);
      if (value === undefined) continue;  // a lazy parameter not computed yet
      if (!all(checked(constraint, value)).item()) {
        throw new Error(
          `Expected parameter ${pythonName(name)} (Tensor of shape ${tupleString(value.shape)}) of distribution ${this.toString()} ` +
            `to satisfy the constraint ${constraint.toString()}, but found invalid values:\n${value.toString()}`,
        );
      }
    }
  }

  /**
   * The parameters computed on first use from the one given (probs and logits, a
   * MultivariateNormal's matrices): validation checks them only once computed, as PyTorch
   * skips its lazy properties.
   */
  protected get lazyParams(): readonly string[] {
    return [];
  }

  /** A parameter by name, for validation: a field, a getter, or a lazy one once computed. */
  private paramValue(name: string): Tensor | undefined {
    if (name in this.lazy) return this.lazy[name];
    if (this.lazyParams.includes(name)) return undefined;
    const v = (this as unknown as Record<string, unknown>)[name];
    return v instanceof Tensor ? v : undefined;
  }

  /** A parameter by name, for printing: a field the constructor set or a computed lazy one (PyTorch's `__dict__`). */
  private printedParam(name: string): Tensor | undefined {
    if (name in this.lazy) return this.lazy[name];
    if (!Object.prototype.hasOwnProperty.call(this, name)) return undefined;
    const v = (this as unknown as Record<string, unknown>)[name];
    return v instanceof Tensor ? v : undefined;
  }

  /** Throws unless `value` fits the batch and event shapes and lies in the support (PyTorch's `_validate_sample`). @example d.validateSample(x) */
  validateSample(value: Tensor): void {
    if (!(value instanceof Tensor)) throw new Error('The value argument to log_prob must be a Tensor');
    const shape = value.shape;
    const eventStart = shape.length - this._eventShape.length;
    const eventPart = shape.slice(Math.max(eventStart, 0));
    if (eventStart < 0 || eventPart.join() !== this._eventShape.join()) {
      throw new Error(`The right-most size of value must match event_shape: ${new Size(shape)} vs ${this.eventShape}.`);
    }
    const expected = [...this._batchShape, ...this._eventShape];
    for (let i = 1; i <= Math.min(shape.length, expected.length); i++) {
      const a = shape[shape.length - i];
      const b = expected[expected.length - i];
      if (a !== 1 && b !== 1 && a !== b) {
        throw new Error(`Value is not broadcastable with batch_shape+event_shape: ${new Size(shape)} vs ${new Size(expected)}.`);
      }
    }
    const support = this.support;
    if (!all(checked(support, value)).item()) {
      throw new Error(
        `Expected value argument (Tensor of shape ${tupleString(shape)}) to be within the support (${support.toString()}) ` +
          `of the distribution ${this.toString()}, but found invalid values:\n${value.toString()}`,
      );
    }
  }

  /** PyTorch's repr: each parameter set, by value when it has one element, else by shape. */
  toString(): string {
    const parts: string[] = [];
    for (const name of Object.keys(this.argConstraints)) {
      const v = this.printedParam(name);
      if (v === undefined) continue;
      parts.push(`${pythonName(name)}: ${reprParam(v)}`);
    }
    return `${this.constructor.name}(${parts.join(', ')})`;
  }
}
