/**
 * `torch.distributions.StudentT(df, loc, scale)`: heavy-tailed, with reparameterized
 * samples (a Normal over the square root of a Chi2).
 */
import { Tensor } from '../tensor/tensor.js';
import { digamma, lgamma, where } from './ops.js';
import { type Constraint, positive, real } from './constraints.js';
import { Distribution, type DistributionOptions, type Param } from './distribution.js';
import { Chi2 } from './gamma.js';
import { broadcastAll, standardNormal } from './utils.js';
import { optionsOf } from './options.js';

const LGAMMA_HALF = 0.5723649429247001; // lgamma(0.5) = log(sqrt(pi))

/**
 * Student's t distribution with `df` degrees of freedom, location `loc` and scale `scale`.
 * @example new torch.distributions.StudentT(torch.tensor([3, 10])).logProb(torch.tensor([0.5, 0.5]))
 */
export class StudentT extends Distribution {
  readonly df: Tensor;
  readonly loc: Tensor;
  readonly scale: Tensor;
  private readonly chi2: Chi2;

  constructor(df: Param, loc: Param | DistributionOptions = 0.0, scale: Param = 1.0, options?: DistributionOptions) {
    if (typeof loc === 'object' && !(loc instanceof Tensor)) {
      options = loc;
      loc = 0.0;
    }
    const { validateArgs } = optionsOf('StudentT', options);
    const [d, l, s] = broadcastAll('StudentT', { df, loc, scale });
    // Built first and with the default validation, as PyTorch builds it: an invalid df is
    // reported by the Chi2 even when this StudentT is not validated.
    const chi2 = new Chi2(d);
    super(d.shape, [], validateArgs);
    this.df = d;
    this.loc = l;
    this.scale = s;
    this.chi2 = chi2;
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { df: positive, loc: real, scale: positive };
  }
  override get support(): Constraint {
    return real;
  }
  override get hasRsample(): boolean {
    return true;
  }
  override get mean(): Tensor {
    return where(this.df.le(1), NaN, this.loc);
  }
  override get mode(): Tensor {
    return this.loc;
  }
  override get variance(): Tensor {
    const finite = this.scale.pow(2).mul(this.df).div(this.df.sub(2));
    return where(this.df.gt(2), finite, where(this.df.gt(1), Infinity, NaN));
  }

  override expand(batchShape: readonly number[]): StudentT {
    const shape = [...batchShape];
    return this.keepValidation(new StudentT(this.df.expand(shape), this.loc.expand(shape), this.scale.expand(shape), { validateArgs: false }));
  }

  override rsample(sampleShape: readonly number[] = []): Tensor {
    const X = standardNormal(this.extendedShape(sampleShape), this.df);
    const Z = this.chi2.rsample(sampleShape);
    const Y = X.mul(Z.div(this.df).rsqrt());
    return this.loc.add(this.scale.mul(Y));
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const y = value.sub(this.loc).div(this.scale);
    const Z = this.scale
      .log()
      .add(this.df.log().mul(0.5))
      .add(0.5 * Math.log(Math.PI))
      .add(lgamma(this.df.mul(0.5)))
      .sub(lgamma(this.df.add(1).mul(0.5)));
    return this.df.add(1).mul(-0.5).mul(y.pow(2).div(this.df).log1p()).sub(Z);
  }
  override entropy(): Tensor {
    const lbeta = lgamma(this.df.mul(0.5)).add(LGAMMA_HALF).sub(lgamma(this.df.add(1).mul(0.5)));
    return this.scale
      .log()
      .add(this.df.add(1).mul(0.5).mul(digamma(this.df.add(1).mul(0.5)).sub(digamma(this.df.mul(0.5)))))
      .add(this.df.log().mul(0.5))
      .add(lbeta);
  }
}
