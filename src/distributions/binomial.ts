/**
 * `torch.distributions.Binomial(totalCount, probs | { logits })` and
 * `NegativeBinomial(totalCount, probs | { logits })`: counts of successes in `totalCount`
 * trials, and of successes before `totalCount` failures.
 */
import { Tensor } from '../tensor/tensor.js';
import { arange } from '../tensor/creation.js';
import { noGrad } from '../autograd/grad-mode.js';
import { binomial, poisson } from '../random/sampling.js';
import { lgamma, logsigmoid } from './ops.js';
import { type Constraint, GreaterThanEq, halfOpenInterval, integerInterval, nonnegativeInteger, real, unitInterval } from './constraints.js';
import { Distribution, type DistributionOptions, type Param } from './distribution.js';
import { Gamma } from './gamma.js';
import { broadcastAll } from './utils.js';
import { probsOrLogits, type ProbsLogitsOptions } from './probs-logits.js';

/** max(x, 0) written as PyTorch's `_clamp_by_zero`, whose gradient at 0 is one half. */
const clampByZero = (x: Tensor): Tensor => x.clamp(0).add(x).sub(x.clamp(null, 0)).div(2);

/** The probs/logits pair and a total count broadcast with the one given, in its dtype. */
function countAndParam(fn: string, totalCount: Param, given: { name: 'probs' | 'logits'; value: Param }): [Tensor, Tensor] {
  const [count, param] = broadcastAll(fn, { totalCount, [given.name]: given.value });
  return [count.to(param.dtype), param];
}

/**
 * The binomial distribution: successes in `totalCount` independent trials of probability
 * `probs`.
 * @example new torch.distributions.Binomial(10, torch.tensor([0.2, 0.7])).sample([3])
 */
export class Binomial extends Distribution {
  readonly totalCount: Tensor;
  private readonly param: Tensor;

  constructor(totalCount: Param = 1, probs?: Param | ProbsLogitsOptions | null, logitsOrOptions?: Param | null | DistributionOptions, options?: DistributionOptions) {
    const given = probsOrLogits('Binomial', probs, logitsOrOptions, options);
    const [count, param] = countAndParam('Binomial', totalCount, given);
    super(param.shape, [], given.validateArgs);
    this.totalCount = count;
    this.param = param;
    this.lazy[given.name] = param;
    this.validateArgs_();
  }

  protected override get lazyParams(): readonly string[] {
    return ['probs', 'logits'];
  }
  override get argConstraints(): Record<string, Constraint> {
    return { totalCount: nonnegativeInteger, probs: unitInterval, logits: real };
  }
  override get support(): Constraint {
    return integerInterval(0, this.totalCount);
  }
  override get hasEnumerateSupport(): boolean {
    return true;
  }
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
  override get mean(): Tensor {
    return this.totalCount.mul(this.probs);
  }
  override get mode(): Tensor {
    return this.totalCount.add(1).mul(this.probs).floor().clampMax(this.totalCount);
  }
  override get variance(): Tensor {
    return this.totalCount.mul(this.probs).mul(this.probs.rsub(1));
  }

  override expand(batchShape: readonly number[]): Binomial {
    const shape = [...batchShape];
    const count = this.totalCount.expand(shape);
    if (this.param === this.lazy.probs) return this.keepValidation(new Binomial(count, this.probs.expand(shape), null, { validateArgs: false }));
    return this.keepValidation(new Binomial(count, null, this.logits.expand(shape), { validateArgs: false }));
  }

  override sample(sampleShape: readonly number[] = []): Tensor {
    const shape = this.extendedShape(sampleShape);
    return noGrad(() => binomial(this.totalCount.expand(shape), this.probs.expand(shape)));
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const n = this.totalCount;
    const logFactorialN = lgamma(n.add(1));
    const logFactorialK = lgamma(value.add(1));
    const logFactorialNmk = lgamma(n.sub(value).add(1));
    // k log p + (n - k) log(1 - p), as k logit - n max(logit, 0) - n log1p(exp(-|logit|)).
    const normalizeTerm = n.mul(clampByZero(this.logits)).add(n.mul(this.logits.abs().neg().exp().log1p())).sub(logFactorialN);
    return value.mul(this.logits).sub(logFactorialK).sub(logFactorialNmk).sub(normalizeTerm);
  }
  override entropy(): Tensor {
    this.homogeneousCount('entropy');
    const logProb = this.logProb(this.enumerateSupport(false));
    return logProb.exp().mul(logProb).sum(0).neg();
  }
  override enumerateSupport(expand = true): Tensor {
    const total = this.homogeneousCount('enumerate_support');
    const values = arange(1 + total, { dtype: this.param.dtype, device: this.param.device }).view([-1, ...this._batchShape.map(() => 1)]);
    return expand ? values.expand([-1, ...this._batchShape]) : values;
  }

  /** The one total count shared by the batch, which enumeration needs. */
  private homogeneousCount(what: string): number {
    const total = Math.trunc(this.totalCount.max().item() as number);
    if (this.totalCount.min().item() !== total) throw new Error(`Inhomogeneous total count not supported by \`${what}\`.`);
    return total;
  }
}

/**
 * The negative binomial distribution: successes (each of probability `probs`) before
 * `totalCount` failures; sampled as a Gamma-Poisson mixture, as PyTorch does.
 * @example new torch.distributions.NegativeBinomial(5, torch.tensor([0.3])).sample([4])
 */
export class NegativeBinomial extends Distribution {
  readonly totalCount: Tensor;
  private readonly param: Tensor;
  private gammaDist: Gamma | undefined;

  constructor(totalCount: Param, probs?: Param | ProbsLogitsOptions | null, logitsOrOptions?: Param | null | DistributionOptions, options?: DistributionOptions) {
    const given = probsOrLogits('NegativeBinomial', probs, logitsOrOptions, options);
    const [count, param] = countAndParam('NegativeBinomial', totalCount, given);
    super(param.shape, [], given.validateArgs);
    this.totalCount = count;
    this.param = param;
    this.lazy[given.name] = param;
    this.validateArgs_();
  }

  protected override get lazyParams(): readonly string[] {
    return ['probs', 'logits'];
  }
  override get argConstraints(): Record<string, Constraint> {
    return { totalCount: new GreaterThanEq(0, true), probs: halfOpenInterval(0, 1), logits: real };
  }
  override get support(): Constraint {
    return nonnegativeInteger;
  }
  /** @example d.probs */
  get probs(): Tensor {
    return this.lazyProbs(true);
  }
  /** @example d.logits */
  get logits(): Tensor {
    return this.lazyLogits(true);
  }
  override get mean(): Tensor {
    return this.totalCount.mul(this.logits.exp());
  }
  override get mode(): Tensor {
    return this.totalCount.sub(1).mul(this.logits.exp()).floor().clamp(0);
  }
  override get variance(): Tensor {
    return this.mean.div(this.logits.neg().sigmoid());
  }

  override expand(batchShape: readonly number[]): NegativeBinomial {
    const shape = [...batchShape];
    const count = this.totalCount.expand(shape);
    if (this.param === this.lazy.probs) return this.keepValidation(new NegativeBinomial(count, this.probs.expand(shape), null, { validateArgs: false }));
    return this.keepValidation(new NegativeBinomial(count, null, this.logits.expand(shape), { validateArgs: false }));
  }

  override sample(sampleShape: readonly number[] = []): Tensor {
    this.gammaDist ??= new Gamma(this.totalCount, this.logits.neg().exp(), { validateArgs: false });
    const gamma = this.gammaDist;
    return noGrad(() => poisson(gamma.sample(sampleShape)));
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const logUnnormalized = this.totalCount.mul(logsigmoid(this.logits.neg())).add(value.mul(logsigmoid(this.logits)));
    const logNormalization = lgamma(this.totalCount.add(value)).neg().add(lgamma(value.add(1.0))).add(lgamma(this.totalCount));
    // totalCount = value = 0 has probability 1, where lgamma(0) is infinite.
    return logUnnormalized.sub(logNormalization.maskedFill(this.totalCount.add(value).eq(0), 0));
  }
}
