/**
 * `torch.distributions.Poisson(rate)`: counts of events at rate `rate`.
 */
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { poisson } from '../random/sampling.js';
import { lgamma, xlogy } from './ops.js';
import { type Constraint, nonnegative, nonnegativeInteger } from './constraints.js';
import { ExponentialFamily } from './exp-family.js';
import { type DistributionOptions, type Param } from './distribution.js';
import { allNumbers, broadcastAll } from './utils.js';
import { optionsOf } from './options.js';

/**
 * The Poisson distribution with mean `rate`.
 * @example new torch.distributions.Poisson(torch.tensor([1, 4])).sample([3])
 */
export class Poisson extends ExponentialFamily {
  readonly rate: Tensor;

  constructor(rate: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('Poisson', options);
    const [r] = broadcastAll('Poisson', { rate });
    super(allNumbers(rate) ? [] : r.shape, [], validateArgs);
    this.rate = r;
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { rate: nonnegative };
  }
  override get support(): Constraint {
    return nonnegativeInteger;
  }
  override get mean(): Tensor {
    return this.rate;
  }
  override get mode(): Tensor {
    return this.rate.floor();
  }
  override get variance(): Tensor {
    return this.rate;
  }

  override get naturalParams(): Tensor[] {
    return [this.rate.log()];
  }
  override logNormalizer(x: Tensor): Tensor {
    return x.exp();
  }
  override expand(batchShape: readonly number[]): Poisson {
    return this.keepValidation(new Poisson(this.rate.expand([...batchShape]), { validateArgs: false }));
  }

  override sample(sampleShape: readonly number[] = []): Tensor {
    const shape = this.extendedShape(sampleShape);
    return noGrad(() => poisson(this.rate.expand(shape)));
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const [rate, v] = broadcastAll('Poisson.logProb', { rate: this.rate, value });
    return xlogy(v, rate).sub(rate).sub(lgamma(v.add(1)));
  }
}
