/**
 * `torch.distributions.Categorical` and `OneHotCategorical`: one of K categories, given
 * (unnormalized) `probs` or `logits` over the last dim.
 */
import { Tensor } from '../tensor/tensor.js';
import { long } from '../tensor/dtype.js';
import { noGrad } from '../autograd/grad-mode.js';
import { multinomial } from '../random/sampling.js';
import { arange, broadcastTensors, eye, full, oneHot } from './ops.js';
import { type Constraint, independent, integerInterval, oneHot as oneHotConstraint, real, simplex } from './constraints.js';
import { Distribution, type DistributionOptions, type Param } from './distribution.js';
import { finfo } from './utils.js';
import { probsOrLogits, type ProbsLogitsOptions } from './probs-logits.js';

const realVector = independent(real, 1);

/**
 * A categorical distribution over `0 .. K-1`, K the size of the parameter's last dim.
 * `probs` need not sum to 1 (they are normalized); `logits` are log-probabilities up to a
 * constant.
 * @example new torch.distributions.Categorical(torch.tensor([0.2, 0.3, 0.5])).sample([4])
 * @example new torch.distributions.Categorical({ logits: scores }).logProb(actions)
 */
export class Categorical extends Distribution {
  private readonly param: Tensor;
  private readonly numEvents: number;

  constructor(probs?: Param | ProbsLogitsOptions | null, logitsOrOptions?: Param | null | DistributionOptions, options?: DistributionOptions) {
    const given = probsOrLogits('Categorical', probs, logitsOrOptions, options);
    const value = given.value;
    if (!(value instanceof Tensor) || value.dim() < 1) throw new Error(`\`${given.name}\` parameter must be at least one-dimensional.`);
    const param = given.name === 'probs' ? value.div(value.sum(-1, true)) : value.sub(value.logsumexp(-1, true));
    super(param.dim() > 1 ? param.shape.slice(0, -1) : [], [], given.validateArgs);
    this.param = param;
    this.numEvents = param.shape[param.dim() - 1];
    this.lazy[given.name] = param;
    this.validateArgs_();
  }

  protected override get lazyParams(): readonly string[] {
    return ['probs', 'logits'];
  }
  override get argConstraints(): Record<string, Constraint> {
    return { probs: simplex, logits: realVector };
  }
  override get support(): Constraint {
    return integerInterval(0, this.numEvents - 1);
  }
  override get hasEnumerateSupport(): boolean {
    return true;
  }
  /** The normalized probabilities. @example d.probs */
  get probs(): Tensor {
    return this.lazyProbs(false);
  }
  /** The normalized log-probabilities. @example d.logits */
  get logits(): Tensor {
    return this.lazyLogits(false);
  }
  /** The shape of the parameter given. @example d.paramShape */
  get paramShape(): number[] {
    return [...this.param.shape];
  }
  override get mean(): Tensor {
    return full(this.extendedShape(), NaN, { dtype: this.probs.dtype, device: this.probs.device });
  }
  override get mode(): Tensor {
    return this.probs.argmax(-1);
  }
  override get variance(): Tensor {
    return full(this.extendedShape(), NaN, { dtype: this.probs.dtype, device: this.probs.device });
  }

  /** Whether the constructor was given probs (else logits). @internal */
  get givenProbs(): boolean {
    return this.param === this.lazy.probs;
  }

  // The expanded parameter is normalized again, which can move its last bit; PyTorch copies it.
  override expand(batchShape: readonly number[]): Categorical {
    const shape = [...batchShape, this.numEvents];
    if (this.givenProbs) return this.keepValidation(new Categorical(this.probs.expand(shape), null, { validateArgs: false }));
    return this.keepValidation(new Categorical(null, this.logits.expand(shape), { validateArgs: false }));
  }

  override sample(sampleShape: readonly number[] = []): Tensor {
    const n = sampleShape.reduce((a, b) => a * b, 1);
    return noGrad(() => {
      const probs2d = this.probs.reshape([-1, this.numEvents]);
      const samples2d = multinomial(probs2d, n, true).T;
      return samples2d.reshape(this.extendedShape(sampleShape));
    });
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const [index, logPmf] = broadcastTensors(value.to(long).unsqueeze(-1), this.logits);
    return logPmf.gather(-1, index.narrow(-1, 0, 1)).squeeze(-1);
  }
  override entropy(): Tensor {
    const logits = this.logits.clamp(finfo(this.logits.dtype).min);
    return logits.mul(this.probs).sum(-1).neg();
  }
  override enumerateSupport(expand = true): Tensor {
    const values = arange(this.numEvents, { dtype: long, device: this.param.device }).view([-1, ...this._batchShape.map(() => 1)]);
    return expand ? values.expand([-1, ...this._batchShape]) : values;
  }
}

/**
 * A one-hot vector of size K with its 1 at a Categorical draw.
 * @example new torch.distributions.OneHotCategorical(torch.tensor([0.2, 0.8])).sample() // [0, 1] or [1, 0]
 */
export class OneHotCategorical extends Distribution {
  private readonly categorical: Categorical;

  constructor(probs?: Param | ProbsLogitsOptions | null, logitsOrOptions?: Param | null | DistributionOptions, options?: DistributionOptions) {
    const given = probsOrLogits('OneHotCategorical', probs, logitsOrOptions, options);
    // Built with the default validation whatever this one's, as PyTorch builds it.
    const categorical = given.name === 'probs' ? new Categorical(given.value, null) : new Categorical(null, given.value);
    const numEvents = categorical.paramShape[categorical.paramShape.length - 1];
    super(categorical.batchShape, [numEvents], given.validateArgs);
    this.categorical = categorical;
  }

  override get argConstraints(): Record<string, Constraint> {
    return { probs: simplex, logits: realVector };
  }
  override get support(): Constraint {
    return oneHotConstraint;
  }
  override get hasEnumerateSupport(): boolean {
    return true;
  }
  /** @example d.probs */
  get probs(): Tensor {
    return this.categorical.probs;
  }
  /** @example d.logits */
  get logits(): Tensor {
    return this.categorical.logits;
  }
  /** @example d.paramShape */
  get paramShape(): number[] {
    return this.categorical.paramShape;
  }
  /** The Categorical over the index of the 1. @internal */
  get asCategorical(): Categorical {
    return this.categorical;
  }
  override get mean(): Tensor {
    return this.probs;
  }
  override get mode(): Tensor {
    const probs = this.probs;
    return oneHot(probs.argmax(-1), probs.shape[probs.dim() - 1]).to(probs.dtype);
  }
  override get variance(): Tensor {
    return this.probs.mul(this.probs.neg().add(1));
  }

  override expand(batchShape: readonly number[]): OneHotCategorical {
    const shape = [...batchShape, this._eventShape[0]];
    // The same class (a subclass stays one), as PyTorch's _get_checked_instance.
    const Class = this.constructor as typeof OneHotCategorical;
    if (this.categorical.givenProbs) return this.keepValidation(new Class(this.probs.expand(shape), null, { validateArgs: false }));
    return this.keepValidation(new Class(null, this.logits.expand(shape), { validateArgs: false }));
  }

  override sample(sampleShape: readonly number[] = []): Tensor {
    const probs = this.probs;
    const indices = this.categorical.sample(sampleShape);
    return oneHot(indices, this._eventShape[0]).to(probs.dtype);
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    return this.categorical.logProb(value.max(-1).indices);
  }
  override entropy(): Tensor {
    return this.categorical.entropy();
  }
  override enumerateSupport(expand = true): Tensor {
    const n = this._eventShape[0];
    const probs = this.categorical.probs;
    const values = eye(n, { dtype: probs.dtype, device: probs.device }).view([n, ...this._batchShape.map(() => 1), n]);
    return expand ? values.expand([n, ...this._batchShape, n]) : values;
  }

  // PyTorch prints only the parameters held as attributes, and OneHotCategorical holds its
  // Categorical instead: `OneHotCategorical()`.
  override toString(): string {
    return `${this.constructor.name}()`;
  }
}

/**
 * A OneHotCategorical with the straight-through gradient estimator: `rsample` gives the
 * one-hot draw in the forward, and the gradient of the probabilities in the backward
 * (`sample + (probs - probs.detach())`, as PyTorch's).
 * @example
 * const d = new torch.distributions.OneHotCategoricalStraightThrough(null, logits);
 * const y = d.rsample(); // one-hot, differentiable with respect to logits
 */
export class OneHotCategoricalStraightThrough extends OneHotCategorical {
  override get hasRsample(): boolean {
    return true;
  }
  override rsample(sampleShape: readonly number[] = []): Tensor {
    const samples = this.sample(sampleShape);
    const probs = this.probs;
    return samples.add(probs.sub(probs.detach()));
  }
}
