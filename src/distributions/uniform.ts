/**
 * `torch.distributions.Uniform(low, high)`: uniform on [low, high) (its support is checked as
 * the closed interval, as PyTorch's).
 */
import { Tensor } from '../tensor/tensor.js';
import { rand } from '../tensor/creation.js';
import { type Constraint, dependent, interval } from './constraints.js';
import { Distribution, type DistributionOptions, type Param } from './distribution.js';
import { allNumbers, broadcastAll } from './utils.js';
import { optionsOf } from './options.js';

/**
 * The uniform distribution on [low, high).
 * @example new torch.distributions.Uniform(0, torch.tensor([1, 2])).rsample([3]).shape // [3, 2]
 */
export class Uniform extends Distribution {
  readonly low: Tensor;
  readonly high: Tensor;

  constructor(low: Param, high: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('Uniform', options);
    const [l, h] = broadcastAll('Uniform', { low, high });
    super(allNumbers(low, high) ? [] : l.shape, [], validateArgs);
    this.low = l;
    this.high = h;
    if (this._validateArgs && !l.lt(h).all().item()) throw new Error('Uniform is not defined when low>= high');
  }

  override get argConstraints(): Record<string, Constraint> {
    return { low: dependent, high: dependent };
  }
  override get support(): Constraint {
    return interval(this.low, this.high);
  }
  override get hasRsample(): boolean {
    return true;
  }
  override get mean(): Tensor {
    return this.high.add(this.low).div(2);
  }
  override get mode(): Tensor {
    return this.high.mul(NaN);
  }
  override get stddev(): Tensor {
    return this.high.sub(this.low).div(Math.sqrt(12));
  }
  override get variance(): Tensor {
    return this.high.sub(this.low).pow(2).div(12);
  }

  override expand(batchShape: readonly number[]): Uniform {
    return this.keepValidation(new Uniform(this.low.expand([...batchShape]), this.high.expand([...batchShape]), { validateArgs: false }));
  }

  override rsample(sampleShape: readonly number[] = []): Tensor {
    const u = rand(this.extendedShape(sampleShape), { dtype: this.low.dtype, device: this.low.device });
    return this.low.add(u.mul(this.high.sub(this.low)));
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const lb = this.low.le(value).to(this.low.dtype);
    const ub = this.high.gt(value).to(this.low.dtype);
    return lb.mul(ub).log().sub(this.high.sub(this.low).log());
  }
  override cdf(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    return value.sub(this.low).div(this.high.sub(this.low)).clamp(0, 1);
  }
  override icdf(value: Tensor): Tensor {
    return value.mul(this.high.sub(this.low)).add(this.low);
  }
  override entropy(): Tensor {
    return this.high.sub(this.low).log();
  }
}
