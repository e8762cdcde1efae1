/**
 * `torch.distributions.Normal(loc, scale)`: the Gaussian, with reparameterized samples.
 */
import { Tensor } from '../tensor/tensor.js';
import { normal } from '../random/sampling.js';
import { noGrad } from '../autograd/grad-mode.js';
import { erf, erfinv } from './ops.js';
import { type Constraint, positive, real } from './constraints.js';
import { ExponentialFamily } from './exp-family.js';
import { type DistributionOptions, type Param } from './distribution.js';
import { allNumbers, broadcastAll, standardNormal } from './utils.js';
import { optionsOf } from './options.js';

const LOG_SQRT_2PI = Math.log(Math.sqrt(2 * Math.PI));

/**
 * The normal distribution with mean `loc` and standard deviation `scale`.
 * @example const d = new torch.distributions.Normal(torch.zeros(3), 1); d.rsample([2]).shape // [2, 3]
 */
export class Normal extends ExponentialFamily {
  readonly loc: Tensor;
  readonly scale: Tensor;

  constructor(loc: Param, scale: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('Normal', options);
    const [l, s] = broadcastAll('Normal', { loc, scale });
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
    return this.loc;
  }
  override get mode(): Tensor {
    return this.loc;
  }
  override get stddev(): Tensor {
    return this.scale;
  }
  override get variance(): Tensor {
    return this.scale.pow(2);
  }

  override get naturalParams(): Tensor[] {
    return [this.loc.div(this.scale.pow(2)), this.scale.pow(2).reciprocal().mul(-0.5)];
  }
  override logNormalizer(x: Tensor, y: Tensor): Tensor {
    return x.pow(2).mul(-0.25).div(y).add(y.reciprocal().mul(-Math.PI).log().mul(0.5));
  }
  override get meanCarrierMeasure(): number {
    return 0;
  }

  override expand(batchShape: readonly number[]): Normal {
    return this.keepValidation(new Normal(this.loc.expand([...batchShape]), this.scale.expand([...batchShape]), { validateArgs: false }));
  }

  override sample(sampleShape: readonly number[] = []): Tensor {
    const shape = this.extendedShape(sampleShape);
    return noGrad(() => normal(this.loc.expand(shape), this.scale.expand(shape)));
  }
  override rsample(sampleShape: readonly number[] = []): Tensor {
    const eps = standardNormal(this.extendedShape(sampleShape), this.loc);
    return this.loc.add(eps.mul(this.scale));
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const variance = this.scale.pow(2);
    return value.sub(this.loc).pow(2).neg().div(variance.mul(2)).sub(this.scale.log()).sub(LOG_SQRT_2PI);
  }
  override cdf(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    return erf(value.sub(this.loc).mul(this.scale.reciprocal()).div(Math.SQRT2)).add(1).mul(0.5);
  }
  override icdf(value: Tensor): Tensor {
    return this.loc.add(this.scale.mul(erfinv(value.mul(2).sub(1))).mul(Math.SQRT2));
  }
  override entropy(): Tensor {
    return this.scale.log().add(0.5 + 0.5 * Math.log(2 * Math.PI));
  }
}
