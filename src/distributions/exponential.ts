/**
 * `torch.distributions.Exponential(rate)`: waiting times of rate `rate`.
 */
import { Tensor } from '../tensor/tensor.js';
import { empty } from '../tensor/creation.js';
import { exponential_ } from '../random/sampling.js';
import { zerosLike } from '../tensor/creation.js';
import { type Constraint, nonnegative, positive } from './constraints.js';
import { ExponentialFamily } from './exp-family.js';
import { type DistributionOptions, type Param } from './distribution.js';
import { allNumbers, broadcastAll } from './utils.js';
import { optionsOf } from './options.js';

/**
 * The exponential distribution with rate `rate` (mean 1 / rate).
 * @example new torch.distributions.Exponential(torch.tensor([0.5, 2])).rsample()
 */
export class Exponential extends ExponentialFamily {
  readonly rate: Tensor;

  constructor(rate: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('Exponential', options);
    const [r] = broadcastAll('Exponential', { rate });
    super(allNumbers(rate) ? [] : r.shape, [], validateArgs);
    this.rate = r;
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { rate: positive };
  }
  override get support(): Constraint {
    return nonnegative;
  }
  override get hasRsample(): boolean {
    return true;
  }
  override get mean(): Tensor {
    return this.rate.reciprocal();
  }
  override get mode(): Tensor {
    return zerosLike(this.rate);
  }
  override get stddev(): Tensor {
    return this.rate.reciprocal();
  }
  override get variance(): Tensor {
    return this.rate.pow(-2);
  }

  override get naturalParams(): Tensor[] {
    return [this.rate.neg()];
  }
  override logNormalizer(x: Tensor): Tensor {
    return x.neg().log().neg();
  }
  override get meanCarrierMeasure(): number {
    return 0;
  }

  override expand(batchShape: readonly number[]): Exponential {
    return this.keepValidation(new Exponential(this.rate.expand([...batchShape]), { validateArgs: false }));
  }

  override rsample(sampleShape: readonly number[] = []): Tensor {
    const draws = exponential_(empty(this.extendedShape(sampleShape), { dtype: this.rate.dtype, device: this.rate.device }));
    return draws.div(this.rate);
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    return this.rate.log().sub(this.rate.mul(value));
  }
  override cdf(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    return this.rate.neg().mul(value).exp().neg().add(1);
  }
  override icdf(value: Tensor): Tensor {
    return value.neg().add(1).log().neg().div(this.rate);
  }
  override entropy(): Tensor {
    return this.rate.log().neg().add(1);
  }
}
