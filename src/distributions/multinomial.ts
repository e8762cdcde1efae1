/**
 * `torch.distributions.Multinomial(totalCount, probs | { logits })`: counts of
 * `totalCount` Categorical draws.
 */
import { Tensor } from '../tensor/tensor.js';
import { arange, onesLike, tensor, zeros } from '../tensor/creation.js';
import { long } from '../tensor/dtype.js';
import { noGrad } from '../autograd/grad-mode.js';
import { scatterAdd } from '../ops/indexing.js';
import { lgamma, where } from './ops.js';
import { Constraint, independent, real, simplex } from './constraints.js';
import { Distribution, type DistributionOptions, type Param } from './distribution.js';
import { Categorical } from './categorical.js';
import { broadcastAll, probsToLogits } from './utils.js';
import { probsOrLogits, type ProbsLogitsOptions } from './probs-logits.js';

const realVector = independent(real, 1);

/** Nonnegative count vectors summing to at most `upperBound` (constraints.multinomial). */
class MultinomialConstraint extends Constraint {
  constructor(readonly upperBound: number) {
    super();
  }
  override get isDiscrete(): boolean {
    return true;
  }
  override get eventDim(): number {
    return 1;
  }
  check(value: Tensor): Tensor {
    return value.ge(0).all(-1).logicalAnd(value.sum(-1).le(this.upperBound));
  }
  toString(): string {
    return 'Multinomial()';
  }
}

/** `(clamp(x, 0) + x - clamp(x, max 0)) / 2`: max(x, 0) with PyTorch's gradient at 0 (one half). */
const clampByZero = (x: Tensor): Tensor => x.clamp(0).add(x).sub(x.clamp(null, 0)).div(2);

/**
 * The multinomial distribution: how many of `totalCount` draws fell in each category.
 * @example new torch.distributions.Multinomial(10, torch.tensor([1, 1, 1, 1])).sample()
 */
export class Multinomial extends Distribution {
  readonly totalCount: number;
  private readonly categorical: Categorical;

  constructor(totalCount: number | Param | ProbsLogitsOptions = 1, probs?: Param | ProbsLogitsOptions | null, logitsOrOptions?: Param | null | DistributionOptions, options?: DistributionOptions) {
    if (typeof totalCount === 'object' && !(totalCount instanceof Tensor)) {
      // new Multinomial({ probs }) : totalCount defaults to 1.
      [probs, logitsOrOptions, options, totalCount] = [totalCount, undefined, undefined, 1];
    }
    if (typeof totalCount !== 'number' || !Number.isInteger(totalCount)) throw new Error('inhomogeneous total_count is not supported');
    // PyTorch checks it through the Binomial it builds inside.
    if (totalCount < 0) {
      throw new Error(`Expected parameter totalCount (Tensor of shape ()) of distribution Multinomial() to satisfy the constraint IntegerGreaterThan(lower_bound=0), but found invalid values:\n${totalCount}`);
    }
    const given = probsOrLogits('Multinomial', probs, logitsOrOptions, options);
    const categorical = given.name === 'probs' ? new Categorical(given.value, null) : new Categorical(null, given.value);
    super(categorical.batchShape, categorical.paramShape.slice(-1), given.validateArgs);
    this.totalCount = totalCount;
    this.categorical = categorical;
  }

  override get argConstraints(): Record<string, Constraint> {
    return { probs: simplex, logits: realVector };
  }
  override get support(): Constraint {
    return new MultinomialConstraint(this.totalCount);
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
  override get mean(): Tensor {
    return this.probs.mul(this.totalCount);
  }
  override get variance(): Tensor {
    return this.probs.mul(this.totalCount).mul(this.probs.rsub(1));
  }

  override expand(batchShape: readonly number[]): Multinomial {
    const shape = [...batchShape, this._eventShape[0]];
    if (this.categorical.givenProbs) return this.keepValidation(new Multinomial(this.totalCount, this.probs.expand(shape), null, { validateArgs: false }));
    return this.keepValidation(new Multinomial(this.totalCount, null, this.logits.expand(shape), { validateArgs: false }));
  }

  override sample(sampleShape: readonly number[] = []): Tensor {
    return noGrad(() => {
      const samples = this.categorical.sample([this.totalCount, ...sampleShape]);
      // The draws' dim first -> last.
      const order = [...Array(samples.dim()).keys()];
      order.push(order.shift()!);
      const moved = samples.permute(order);
      const counts = scatterAdd(zeros(this.extendedShape(sampleShape), { dtype: long, device: moved.device }), -1, moved, onesLike(moved));
      return counts.to(this.probs.dtype);
    });
  }
  override entropy(): Tensor {
    const n = tensor(this.totalCount, { device: this.probs.device });
    const catEntropy = this.categorical.entropy();
    const term1 = catEntropy.mul(n).sub(lgamma(n.add(1)));
    // Each category's count is Binomial(n, p); PyTorch sums their pmf times lgamma(k + 1).
    const probs = this.probs;
    const logits = probsToLogits(probs, true);
    const support = arange(1, this.totalCount + 1, { dtype: probs.dtype, device: probs.device }).view([-1, ...probs.shape.map(() => 1)]);
    const nT = this.totalCount;
    const normalize = clampByZero(logits).mul(nT).add(logits.abs().neg().exp().log1p().mul(nT)).sub(lgamma(tensor(nT + 1, { dtype: probs.dtype, device: probs.device })));
    const binomialLogProb = support.mul(logits).sub(lgamma(support.add(1))).sub(lgamma(support.rsub(nT + 1))).sub(normalize);
    const weights = lgamma(support.add(1));
    const term2 = binomialLogProb.exp().mul(weights).sum(0).sum(-1);
    return term1.add(term2);
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const [logits0, v] = broadcastAll('Multinomial.logProb', { logits: this.logits, value });
    const logFactorialN = lgamma(v.sum(-1).add(1));
    const logFactorialXs = lgamma(v.add(1)).sum(-1);
    const logits = where(v.eq(0).logicalAnd(logits0.eq(-Infinity)), 0, logits0);
    const logPowers = logits.mul(v).sum(-1);
    return logFactorialN.sub(logFactorialXs).add(logPowers);
  }
}
