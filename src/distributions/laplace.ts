/**
 * `torch.distributions.Laplace(loc, scale)`: the double exponential.
 */
import { Tensor } from '../tensor/tensor.js';
import { empty } from '../tensor/creation.js';
import { uniform_ } from '../ops/fill.js';
import { type Constraint, positive, real } from './constraints.js';
import { Distribution, type DistributionOptions, type Param } from './distribution.js';
import { allNumbers, broadcastAll, finfo } from './utils.js';
import { optionsOf } from './options.js';

/**
 * The Laplace distribution with location `loc` and scale `scale`.
 * @example new torch.distributions.Laplace(0, 1).logProb(torch.tensor([0.5]))
 */
export class Laplace extends Distribution {
  readonly loc: Tensor;
  readonly scale: Tensor;

  constructor(loc: Param, scale: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('Laplace', options);
    const [l, s] = broadcastAll('Laplace', { loc, scale });
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
  override get variance(): Tensor {
    return this.scale.pow(2).mul(2);
  }
  override get stddev(): Tensor {
    return this.scale.mul(Math.SQRT2);
  }

  override expand(batchShape: readonly number[]): Laplace {
    return this.keepValidation(new Laplace(this.loc.expand([...batchShape]), this.scale.expand([...batchShape]), { validateArgs: false }));
  }

  override rsample(sampleShape: readonly number[] = []): Tensor {
    const { eps } = finfo(this.loc.dtype);
    const u = uniform_(empty(this.extendedShape(sampleShape), { dtype: this.loc.dtype, device: this.loc.device }), eps - 1, 1);
    return this.loc.sub(this.scale.mul(u.sign()).mul(u.abs().neg().log1p()));
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    return this.scale.mul(2).log().neg().sub(value.sub(this.loc).abs().div(this.scale));
  }
  override cdf(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const d = value.sub(this.loc);
    return d.sign().mul(0.5).mul(d.abs().neg().div(this.scale).expm1()).neg().add(0.5);
  }
  override icdf(value: Tensor): Tensor {
    const term = value.sub(0.5);
    return this.loc.sub(this.scale.mul(term.sign()).mul(term.abs().mul(-2).log1p()));
  }
  override entropy(): Tensor {
    return this.scale.mul(2).log().add(1);
  }
}
