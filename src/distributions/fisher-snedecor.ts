/**
 * `torch.distributions.FisherSnedecor(df1, df2)`: the F distribution, the ratio of two
 * scaled chi-squared variables, reparameterized through two Gammas.
 */
import { Tensor } from '../tensor/tensor.js';
import { lgamma, where } from './ops.js';
import { type Constraint, positive } from './constraints.js';
import { Distribution, type DistributionOptions, type Param } from './distribution.js';
import { Gamma } from './gamma.js';
import { allNumbers, broadcastAll, finfo } from './utils.js';
import { optionsOf } from './options.js';

/**
 * The F distribution with `df1` and `df2` degrees of freedom.
 * @example new torch.distributions.FisherSnedecor(5, 10).rsample([3])
 */
export class FisherSnedecor extends Distribution {
  readonly df1: Tensor;
  readonly df2: Tensor;
  private readonly gamma1: Gamma;
  private readonly gamma2: Gamma;

  constructor(df1: Param, df2: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('FisherSnedecor', options);
    const [d1, d2] = broadcastAll('FisherSnedecor', { df1, df2 });
    // Built before the checks below, so a bad df reports as Gamma's concentration, as in PyTorch.
    const gamma1 = new Gamma(d1.mul(0.5), d1);
    const gamma2 = new Gamma(d2.mul(0.5), d2);
    super(allNumbers(df1, df2) ? [] : d1.shape, [], validateArgs);
    this.df1 = d1;
    this.df2 = d2;
    this.gamma1 = gamma1;
    this.gamma2 = gamma2;
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { df1: positive, df2: positive };
  }
  override get support(): Constraint {
    return positive;
  }
  override get hasRsample(): boolean {
    return true;
  }
  /** NaN where df2 ≤ 2. */
  override get mean(): Tensor {
    const df2 = where(this.df2.le(2), NaN, this.df2);
    return df2.div(df2.sub(2));
  }
  /** NaN where df1 ≤ 2. */
  override get mode(): Tensor {
    const mode = this.df1.sub(2).div(this.df1).mul(this.df2).div(this.df2.add(2));
    return where(this.df1.le(2), NaN, mode);
  }
  /** NaN where df2 ≤ 4. */
  override get variance(): Tensor {
    const df2 = where(this.df2.le(4), NaN, this.df2);
    return df2.pow(2).mul(2).mul(this.df1.add(df2).sub(2)).div(this.df1.mul(df2.sub(2).pow(2)).mul(df2.sub(4)));
  }

  override expand(batchShape: readonly number[]): FisherSnedecor {
    const shape = [...batchShape];
    return this.keepValidation(new FisherSnedecor(this.df1.expand(shape), this.df2.expand(shape), { validateArgs: false }));
  }

  override rsample(sampleShape: readonly number[] = []): Tensor {
    const shape = this.extendedShape(sampleShape);
    // X1 ~ Gamma(df1/2, df1) and X2 ~ Gamma(df2/2, df2): X1 / X2 ~ F(df1, df2).
    const x1 = this.gamma1.rsample(sampleShape).view(shape);
    const { tiny } = finfo(x1.dtype);
    const x2 = this.gamma2.rsample(sampleShape).view(shape).clamp(tiny);
    return x1.div(x2).clamp(tiny);
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const ct1 = this.df1.mul(0.5);
    const ct2 = this.df2.mul(0.5);
    const ct3 = this.df1.div(this.df2);
    const t1 = lgamma(ct1.add(ct2)).sub(lgamma(ct1)).sub(lgamma(ct2));
    const t2 = ct1.mul(ct3.log()).add(ct1.sub(1).mul(value.log()));
    const t3 = ct1.add(ct2).mul(ct3.mul(value).log1p());
    return t1.add(t2).sub(t3);
  }
}
