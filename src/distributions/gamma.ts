/**
 * `torch.distributions.Gamma(concentration, rate)` and `Chi2(df)`, with reparameterized
 * samples through `torch._standardGamma`.
 */
import { Tensor } from '../tensor/tensor.js';
import { standardGamma } from '../random/gamma.js';
import { digamma, lgamma, xlogy } from './ops.js';
import { type Constraint, nonnegative, positive } from './constraints.js';
import { ExponentialFamily } from './exp-family.js';
import { type DistributionOptions, type Param } from './distribution.js';
import { allNumbers, broadcastAll, finfo } from './utils.js';
import { optionsOf } from './options.js';

/**
 * The Gamma distribution with shape `concentration` and inverse scale `rate`.
 * @example new torch.distributions.Gamma(torch.tensor([2, 5]), 1).rsample([3])
 */
export class Gamma extends ExponentialFamily {
  readonly concentration: Tensor;
  readonly rate: Tensor;

  constructor(concentration: Param, rate: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf(new.target.name, options);
    const [c, r] = broadcastAll(new.target.name, { concentration, rate });
    super(allNumbers(concentration, rate) ? [] : c.shape, [], validateArgs);
    this.concentration = c;
    this.rate = r;
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { concentration: positive, rate: positive };
  }
  override get support(): Constraint {
    return nonnegative;
  }
  override get hasRsample(): boolean {
    return true;
  }
  override get mean(): Tensor {
    return this.concentration.div(this.rate);
  }
  override get mode(): Tensor {
    return this.concentration.sub(1).div(this.rate).clamp(0);
  }
  override get variance(): Tensor {
    return this.concentration.div(this.rate.pow(2));
  }

  override get naturalParams(): Tensor[] {
    return [this.concentration.sub(1), this.rate.neg()];
  }
  override logNormalizer(x: Tensor, y: Tensor): Tensor {
    return lgamma(x.add(1)).add(x.add(1).mul(y.reciprocal().neg().log()));
  }
  override get meanCarrierMeasure(): number {
    return 0;
  }

  override expand(batchShape: readonly number[]): Gamma {
    return this.keepValidation(new Gamma(this.concentration.expand([...batchShape]), this.rate.expand([...batchShape]), { validateArgs: false }));
  }

  override rsample(sampleShape: readonly number[] = []): Tensor {
    const shape = this.extendedShape(sampleShape);
    const value = standardGamma(this.concentration.expand(shape)).div(this.rate.expand(shape));
    // Away from 0 without recording the clamp, as PyTorch's in-place clamp of a detached view.
    value.detach().clamp_(finfo(value.dtype).tiny);
    return value;
  }
  override logProb(value: Tensor): Tensor {
    // PyTorch's as_tensor(value, dtype=rate.dtype): the result has the parameters' dtype.
    value = value.to(this.rate.dtype);
    if (this._validateArgs) this.validateSample(value);
    return xlogy(this.concentration, this.rate)
      .add(xlogy(this.concentration.sub(1), value))
      .sub(this.rate.mul(value))
      .sub(lgamma(this.concentration));
  }
  override entropy(): Tensor {
    return this.concentration
      .sub(this.rate.log())
      .add(lgamma(this.concentration))
      .add(this.concentration.rsub(1.0).mul(digamma(this.concentration)));
  }
}

/**
 * The chi-squared distribution with `df` degrees of freedom: Gamma(df / 2, 1 / 2).
 * @example new torch.distributions.Chi2(torch.tensor([1, 4])).sample()
 */
export class Chi2 extends Gamma {
  constructor(df: Param, options?: DistributionOptions) {
    super(df instanceof Tensor ? df.mul(0.5) : 0.5 * df, 0.5, options);
  }
  override get argConstraints(): Record<string, Constraint> {
    return { df: positive };
  }
  /** The degrees of freedom. @example d.df */
  get df(): Tensor {
    return this.concentration.mul(2);
  }
  override expand(batchShape: readonly number[]): Chi2 {
    return this.keepValidation(new Chi2(this.df.expand([...batchShape]), { validateArgs: false }));
  }
}
