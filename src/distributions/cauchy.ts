/**
 * `torch.distributions.Cauchy(loc, scale)`: the Lorentz distribution, with no mean.
 */
import { Tensor } from '../tensor/tensor.js';
import { empty } from '../tensor/creation.js';
import { cauchy_ } from '../random/sampling.js';
import { full } from './ops.js';
import { type Constraint, positive, real } from './constraints.js';
import { Distribution, type DistributionOptions, type Param } from './distribution.js';
import { allNumbers, broadcastAll } from './utils.js';
import { optionsOf } from './options.js';

/**
 * The Cauchy distribution with median `loc` and half-width `scale`.
 * @example new torch.distributions.Cauchy(0, 1).rsample([3])
 */
export class Cauchy extends Distribution {
  readonly loc: Tensor;
  readonly scale: Tensor;

  constructor(loc: Param, scale: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('Cauchy', options);
    const [l, s] = broadcastAll('Cauchy', { loc, scale });
    super(allNumbers(loc, scale) ? [] : l.shape, [], validateArgs);
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
  override get hasRsample(): boolean {
    return true;
  }
  override get mean(): Tensor {
    return full(this.extendedShape(), NaN, { dtype: this.loc.dtype, device: this.loc.device });
  }
  override get mode(): Tensor {
    return this.loc;
  }
  override get variance(): Tensor {
    return full(this.extendedShape(), Infinity, { dtype: this.loc.dtype, device: this.loc.device });
  }

  override expand(batchShape: readonly number[]): Cauchy {
    return this.keepValidation(new Cauchy(this.loc.expand([...batchShape]), this.scale.expand([...batchShape]), { validateArgs: false }));
  }

  override rsample(sampleShape: readonly number[] = []): Tensor {
    const eps = cauchy_(empty(this.extendedShape(sampleShape), { dtype: this.loc.dtype, device: this.loc.device }));
    return this.loc.add(eps.mul(this.scale));
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    return this.scale.log().rsub(-Math.log(Math.PI)).sub(value.sub(this.loc).div(this.scale).pow(2).add(1).log());
  }
  override cdf(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    return value.sub(this.loc).div(this.scale).atan().div(Math.PI).add(0.5);
  }
  override icdf(value: Tensor): Tensor {
    return value.sub(0.5).mul(Math.PI).tan().mul(this.scale).add(this.loc);
  }
  override entropy(): Tensor {
    return this.scale.log().add(Math.log(4 * Math.PI));
  }
}
