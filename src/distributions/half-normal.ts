/**
 * `torch.distributions.HalfNormal(scale)`, `HalfCauchy(scale)` and `Gumbel(loc, scale)`:
 * transformed distributions with closed-form densities and moments.
 */
import { Tensor } from '../tensor/tensor.js';
import { fullLike, onesLike, zerosLike } from '../tensor/creation.js';
import { full, where } from './ops.js';
import { type Constraint, nonnegative, positive, real } from './constraints.js';
import type { DistributionOptions, Param } from './distribution.js';
import { Normal } from './normal.js';
import { Cauchy } from './cauchy.js';
import { TransformedDistribution } from './transformed-distribution.js';
import { AbsTransform, AffineTransform, ExpTransform } from './transforms.js';
import { Uniform } from './uniform.js';
import { EULER_GAMMA, allNumbers, broadcastAll, finfo } from './utils.js';
import { optionsOf } from './options.js';


/**
 * |X| for X symmetric about 0: the density doubles on [0, inf), and the CDF, inverse CDF
 * and entropy follow from the base's. PyTorch repeats these in HalfNormal and HalfCauchy.
 */
abstract class FoldedAtZero extends TransformedDistribution {
  override get support(): Constraint {
    return nonnegative;
  }
  override get hasRsample(): boolean {
    return true;
  }
  /** @example d.scale */
  get scale(): Tensor {
    return (this.baseDist as Normal | Cauchy).scale;
  }
  override get mode(): Tensor {
    return zerosLike(this.scale);
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const logProb = this.baseDist.logProb(value).add(Math.LN2);
    return where(value.ge(0), logProb, -Infinity);
  }
  override cdf(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    return this.baseDist.cdf(value).mul(2).sub(1);
  }
  override icdf(prob: Tensor): Tensor {
    return this.baseDist.icdf(prob.add(1).div(2));
  }
  override entropy(): Tensor {
    return this.baseDist.entropy().sub(Math.LN2);
  }
}

/**
 * |X| for X ~ Normal(0, scale).
 * @example new torch.distributions.HalfNormal(torch.tensor([1, 2])).logProb(torch.tensor([0.5, 3]))
 */
export class HalfNormal extends FoldedAtZero {
  constructor(scale: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('HalfNormal', options);
    super(new Normal(0, scale, { validateArgs: false }), new AbsTransform(), { validateArgs });
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { scale: positive };
  }
  override get mean(): Tensor {
    return this.scale.mul(Math.sqrt(2 / Math.PI));
  }
  override get variance(): Tensor {
    return this.scale.pow(2).mul(1 - 2 / Math.PI);
  }

  override expand(batchShape: readonly number[]): HalfNormal {
    return this.keepValidation(new HalfNormal(this.scale.expand([...batchShape]), { validateArgs: false }));
  }
}

/**
 * |X| for X ~ Cauchy(0, scale): heavy-tailed on [0, inf), with an infinite mean.
 * @example new torch.distributions.HalfCauchy(1).rsample([3])
 */
export class HalfCauchy extends FoldedAtZero {
  constructor(scale: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('HalfCauchy', options);
    super(new Cauchy(0, scale, { validateArgs: false }), new AbsTransform(), { validateArgs });
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { scale: positive };
  }
  override get mean(): Tensor {
    return full(this.extendedShape(), Infinity, { dtype: this.scale.dtype, device: this.scale.device });
  }
  override get variance(): Tensor {
    return this.baseDist.variance;
  }

  override expand(batchShape: readonly number[]): HalfCauchy {
    return this.keepValidation(new HalfCauchy(this.scale.expand([...batchShape]), { validateArgs: false }));
  }
}

/**
 * The Gumbel (type-I extreme value) distribution: -log(-log U) scaled and shifted.
 * @example new torch.distributions.Gumbel(0, 1).sample([3])
 */
export class Gumbel extends TransformedDistribution {
  readonly loc: Tensor;
  readonly scale: Tensor;

  constructor(loc: Param, scale: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('Gumbel', options);
    const [l, s] = broadcastAll('Gumbel', { loc, scale });
    const { tiny, eps } = finfo(l.dtype);
    const base = allNumbers(loc, scale)
      ? new Uniform(tiny, 1 - eps, { validateArgs: false })
      : new Uniform(fullLike(l, tiny), fullLike(l, 1 - eps), { validateArgs: false });
    const transforms = [new ExpTransform().inv, new AffineTransform(0, onesLike(s).neg()), new ExpTransform().inv, new AffineTransform(loc, s.neg())];
    super(base, transforms, { validateArgs });
    this.loc = l;
    this.scale = s;
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { loc: real, scale: positive };
  }
  override get support(): Constraint {
    return real;
  }
  override get mean(): Tensor {
    return this.loc.add(this.scale.mul(EULER_GAMMA));
  }
  override get mode(): Tensor {
    return this.loc;
  }
  override get stddev(): Tensor {
    return this.scale.mul(Math.PI / Math.sqrt(6));
  }
  override get variance(): Tensor {
    return this.stddev.pow(2);
  }

  override expand(batchShape: readonly number[]): Gumbel {
    const shape = [...batchShape];
    return this.keepValidation(new Gumbel(this.loc.expand(shape), this.scale.expand(shape), { validateArgs: false }));
  }

  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const y = this.loc.sub(value).div(this.scale);
    return y.sub(y.exp()).sub(this.scale.log());
  }
  override entropy(): Tensor {
    return this.scale.log().add(1 + EULER_GAMMA);
  }
}
