/**
 * `torch.distributions.Bernoulli(probs | { logits })`: 0 or 1, 1 with probability `probs`.
 */
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { bernoulli } from '../random/sampling.js';
import { arange, binaryCrossEntropyWithLogits } from './ops.js';
import { type Constraint, boolean, real, unitInterval } from './constraints.js';
import { ExponentialFamily } from './exp-family.js';
import { type DistributionOptions, type Param } from './distribution.js';
import { broadcastAll } from './utils.js';
import { probsOrLogits, type ProbsLogitsOptions } from './probs-logits.js';

/**
 * The Bernoulli distribution, given `probs` or (in the options) `logits`.
 * @example new torch.distributions.Bernoulli(torch.tensor([0.3, 0.9])).sample()
 * @example new torch.distributions.Bernoulli({ logits: torch.zeros(4) }).entropy()
 */
export class Bernoulli extends ExponentialFamily {
  private readonly param: Tensor;

  constructor(probs?: Param | ProbsLogitsOptions | null, logitsOrOptions?: Param | null | DistributionOptions, options?: DistributionOptions) {
    const given = probsOrLogits('Bernoulli', probs, logitsOrOptions, options);
    const isScalar = typeof given.value === 'number';
    const [param] = broadcastAll('Bernoulli', { [given.name]: given.value });
    super(isScalar ? [] : param.shape, [], given.validateArgs);
    this.param = param;
    this.lazy[given.name] = param;
    this.validateArgs_();
  }

  protected override get lazyParams(): readonly string[] {
    return ['probs', 'logits'];
  }
  override get argConstraints(): Record<string, Constraint> {
    return { probs: unitInterval, logits: real };
  }
  override get support(): Constraint {
    return boolean;
  }
  override get hasEnumerateSupport(): boolean {
    return true;
  }
  /** The probability of 1 (from the logits when given those). @example d.probs */
  get probs(): Tensor {
    return this.lazyProbs(true);
  }
  /** The log-odds (from the probabilities when given those). @example d.logits */
  get logits(): Tensor {
    return this.lazyLogits(true);
  }
  /** The shape of the parameter given. @example d.paramShape */
  get paramShape(): number[] {
    return [...this.param.shape];
  }
  override get mean(): Tensor {
    return this.probs;
  }
  override get mode(): Tensor {
    const probs = this.probs;
    const mode = probs.ge(0.5).to(probs.dtype);
    return mode.maskedFill(probs.eq(0.5), NaN);
  }
  override get variance(): Tensor {
    return this.probs.mul(this.probs.neg().add(1));
  }

  override get naturalParams(): Tensor[] {
    return [this.probs.div(this.probs.neg().add(1)).log()];
  }
  override logNormalizer(x: Tensor): Tensor {
    return x.exp().add(1).log();
  }
  override get meanCarrierMeasure(): number {
    return 0;
  }

  override expand(batchShape: readonly number[]): Bernoulli {
    const shape = [...batchShape];
    if (this.param === this.lazy.probs) return this.keepValidation(new Bernoulli(this.probs.expand(shape), null, { validateArgs: false }));
    return this.keepValidation(new Bernoulli(null, this.logits.expand(shape), { validateArgs: false }));
  }

  override sample(sampleShape: readonly number[] = []): Tensor {
    const shape = this.extendedShape(sampleShape);
    return noGrad(() => bernoulli(this.probs.expand(shape)));
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const [logits, v] = broadcastAll('Bernoulli.logProb', { logits: this.logits, value });
    return binaryCrossEntropyWithLogits(logits, v, { reduction: 'none' }).neg();
  }
  override entropy(): Tensor {
    return binaryCrossEntropyWithLogits(this.logits, this.probs, { reduction: 'none' });
  }
  override enumerateSupport(expand = true): Tensor {
    const values = arange(2, { dtype: this.param.dtype, device: this.param.device }).view([-1, ...this._batchShape.map(() => 1)]);
    return expand ? values.expand([-1, ...this._batchShape]) : values;
  }
}

