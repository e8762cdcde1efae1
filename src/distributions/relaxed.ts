/**
 * The concrete (Gumbel-softmax) relaxations of discrete distributions:
 * `LogitRelaxedBernoulli` and `RelaxedBernoulli`, `ExpRelaxedCategorical` and
 * `RelaxedOneHotCategorical`. Their samples are differentiable and approach one-hot (or
 * 0/1) values as `temperature` goes to 0.
 */
import { Tensor } from '../tensor/tensor.js';
import { rand, tensor, fullLike } from '../tensor/creation.js';
import { lgamma } from './ops.js';
import { type Constraint, independent, real, simplex, unitInterval } from './constraints.js';
import { Distribution, type DistributionOptions, type Param } from './distribution.js';
import { Categorical } from './categorical.js';
import { TransformedDistribution } from './transformed-distribution.js';
import { ExpTransform, SigmoidTransform } from './transforms.js';
import { broadcastAll, clampProbs } from './utils.js';
import { probsOrLogits, type ProbsLogitsOptions } from './probs-logits.js';

const realVector = independent(real, 1);

/** The temperature as a tensor like `like` (PyTorch takes a tensor; a number is accepted). */
function temperatureOf(fn: string, temperature: Param, like: Tensor): Tensor {
  if (temperature instanceof Tensor) return temperature;
  if (typeof temperature !== 'number') throw new TypeError(`${fn}(): argument 'temperature' must be a Tensor or a number`);
  return tensor(temperature, { dtype: like.dtype, device: like.device });
}

/**
 * The logit of a RelaxedBernoulli sample: `(logit(u) + logits) / temperature`.
 * @example new torch.distributions.LogitRelaxedBernoulli(torch.tensor(0.5), torch.tensor([0.3])).rsample()
 */
export class LogitRelaxedBernoulli extends Distribution {
  readonly temperature: Tensor;
  private readonly param: Tensor;

  constructor(temperature: Param, probs?: Param | ProbsLogitsOptions | null, logitsOrOptions?: Param | null | DistributionOptions, options?: DistributionOptions) {
    const given = probsOrLogits('LogitRelaxedBernoulli', probs, logitsOrOptions, options);
    const [param] = broadcastAll('LogitRelaxedBernoulli', { [given.name]: given.value });
    super(typeof given.value === 'number' ? [] : param.shape, [], given.validateArgs);
    this.temperature = temperatureOf('LogitRelaxedBernoulli', temperature, param);
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
    return real;
  }
  // PyTorch 1.13 leaves has_rsample False here (rsample works; RelaxedBernoulli says True).
  /** @example d.probs */
  get probs(): Tensor {
    return this.lazyProbs(true);
  }
  /** @example d.logits */
  get logits(): Tensor {
    return this.lazyLogits(true);
  }
  /** @example d.paramShape */
  get paramShape(): number[] {
    return [...this.param.shape];
  }

  override expand(batchShape: readonly number[]): LogitRelaxedBernoulli {
    const shape = [...batchShape];
    if (this.param === this.lazy.probs) return this.keepValidation(new LogitRelaxedBernoulli(this.temperature, this.probs.expand(shape), null, { validateArgs: false }));
    return this.keepValidation(new LogitRelaxedBernoulli(this.temperature, null, this.logits.expand(shape), { validateArgs: false }));
  }

  override rsample(sampleShape: readonly number[] = []): Tensor {
    const shape = this.extendedShape(sampleShape);
    const probs = clampProbs(this.probs.expand(shape));
    const uniforms = clampProbs(rand(shape, { dtype: probs.dtype, device: probs.device }));
    return uniforms.log().sub(uniforms.neg().log1p()).add(probs.log()).sub(probs.neg().log1p()).div(this.temperature);
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const [logits, v] = broadcastAll('LogitRelaxedBernoulli.logProb', { logits: this.logits, value });
    const diff = logits.sub(v.mul(this.temperature));
    return this.temperature.log().add(diff).sub(diff.exp().log1p().mul(2));
  }
}

/**
 * A relaxed Bernoulli on (0, 1): the sigmoid of a LogitRelaxedBernoulli.
 * @example new torch.distributions.RelaxedBernoulli(torch.tensor(0.5), { logits: torch.zeros(3) }).rsample()
 */
export class RelaxedBernoulli extends TransformedDistribution {
  constructor(temperature: Param, probs?: Param | ProbsLogitsOptions | null, logitsOrOptions?: Param | null | DistributionOptions, options?: DistributionOptions) {
    const given = probsOrLogits('RelaxedBernoulli', probs, logitsOrOptions, options);
    const base = given.name === 'probs'
      ? new LogitRelaxedBernoulli(temperature, given.value, null)
      : new LogitRelaxedBernoulli(temperature, null, given.value);
    super(base, new SigmoidTransform(), { validateArgs: given.validateArgs });
  }
  override get argConstraints(): Record<string, Constraint> {
    return { probs: unitInterval, logits: real };
  }
  override get support(): Constraint {
    return unitInterval;
  }
  override get hasRsample(): boolean {
    return true;
  }
  /** @example d.temperature */
  get temperature(): Tensor {
    return (this.baseDist as LogitRelaxedBernoulli).temperature;
  }
  /** @example d.probs */
  get probs(): Tensor {
    return (this.baseDist as LogitRelaxedBernoulli).probs;
  }
  /** @example d.logits */
  get logits(): Tensor {
    return (this.baseDist as LogitRelaxedBernoulli).logits;
  }
  override expand(batchShape: readonly number[]): RelaxedBernoulli {
    const base = (this.baseDist as LogitRelaxedBernoulli).expand(batchShape);
    return this.keepValidation(new RelaxedBernoulli(base.temperature, null, base.logits.expand([...batchShape]), { validateArgs: false }));
  }
}

/**
 * The log of a RelaxedOneHotCategorical sample: a log-softmax of Gumbel-perturbed logits
 * divided by `temperature`.
 * @example new torch.distributions.ExpRelaxedCategorical(torch.tensor(0.5), torch.tensor([0.2, 0.8])).rsample()
 */
export class ExpRelaxedCategorical extends Distribution {
  readonly temperature: Tensor;
  private readonly categorical: Categorical;

  constructor(temperature: Param, probs?: Param | ProbsLogitsOptions | null, logitsOrOptions?: Param | null | DistributionOptions, options?: DistributionOptions) {
    const given = probsOrLogits('ExpRelaxedCategorical', probs, logitsOrOptions, options);
    const categorical = given.name === 'probs' ? new Categorical(given.value, null) : new Categorical(null, given.value);
    const paramShape = categorical.paramShape;
    super(categorical.batchShape, paramShape.slice(-1), given.validateArgs);
    this.categorical = categorical;
    this.temperature = temperatureOf('ExpRelaxedCategorical', temperature, categorical.logits);
  }

  override get argConstraints(): Record<string, Constraint> {
    return { probs: simplex, logits: realVector };
  }
  override get support(): Constraint {
    return realVector;
  }
  override get hasRsample(): boolean {
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

  override expand(batchShape: readonly number[]): ExpRelaxedCategorical {
    return this.keepValidation(new ExpRelaxedCategorical(this.temperature, null, this.logits.expand([...batchShape, this._eventShape[0]]), { validateArgs: false }));
  }

  override rsample(sampleShape: readonly number[] = []): Tensor {
    const shape = this.extendedShape(sampleShape);
    const uniforms = clampProbs(rand(shape, { dtype: this.logits.dtype, device: this.logits.device }));
    const gumbels = uniforms.log().neg().log().neg();
    const scores = this.logits.add(gumbels).div(this.temperature);
    return scores.sub(scores.logsumexp(-1, true));
  }
  override logProb(value: Tensor): Tensor {
    const K = this._eventShape[0];
    if (this._validateArgs) this.validateSample(value);
    const [logits, v] = broadcastAll('ExpRelaxedCategorical.logProb', { logits: this.logits, value });
    const logScale = lgamma(fullLike(this.temperature, K)).sub(this.temperature.log().mul(-(K - 1)));
    let score = logits.sub(v.mul(this.temperature));
    score = score.sub(score.logsumexp(-1, true)).sum(-1);
    return score.add(logScale);
  }
}

/**
 * A relaxed one-hot vector on the simplex: the exp of an ExpRelaxedCategorical (the
 * Gumbel-softmax distribution).
 * @example new torch.distributions.RelaxedOneHotCategorical(torch.tensor(0.5), { logits }).rsample()
 */
export class RelaxedOneHotCategorical extends TransformedDistribution {
  constructor(temperature: Param, probs?: Param | ProbsLogitsOptions | null, logitsOrOptions?: Param | null | DistributionOptions, options?: DistributionOptions) {
    const given = probsOrLogits('RelaxedOneHotCategorical', probs, logitsOrOptions, options);
    const base = given.name === 'probs'
      ? new ExpRelaxedCategorical(temperature, given.value, null, { validateArgs: given.validateArgs })
      : new ExpRelaxedCategorical(temperature, null, given.value, { validateArgs: given.validateArgs });
    super(base, new ExpTransform(), { validateArgs: given.validateArgs });
  }
  override get argConstraints(): Record<string, Constraint> {
    return { probs: simplex, logits: realVector };
  }
  override get support(): Constraint {
    return simplex;
  }
  override get hasRsample(): boolean {
    return true;
  }
  /** @example d.temperature */
  get temperature(): Tensor {
    return (this.baseDist as ExpRelaxedCategorical).temperature;
  }
  /** @example d.probs */
  get probs(): Tensor {
    return (this.baseDist as ExpRelaxedCategorical).probs;
  }
  /** @example d.logits */
  get logits(): Tensor {
    return (this.baseDist as ExpRelaxedCategorical).logits;
  }
  override expand(batchShape: readonly number[]): RelaxedOneHotCategorical {
    const base = this.baseDist as ExpRelaxedCategorical;
    return this.keepValidation(new RelaxedOneHotCategorical(base.temperature, null, base.logits.expand([...batchShape, this._eventShape[0]]), { validateArgs: false }));
  }
}
