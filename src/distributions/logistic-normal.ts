/**
 * `torch.distributions.LogisticNormal(loc, scale)`: a Normal vector of K - 1 dims carried
 * onto the K-simplex by stick-breaking.
 */
import { Tensor } from '../tensor/tensor.js';
import { type Constraint, positive, real, simplex } from './constraints.js';
import type { Distribution, DistributionOptions, Param } from './distribution.js';
import type { Independent } from './independent.js';
import { Normal } from './normal.js';
import { TransformedDistribution } from './transformed-distribution.js';
import { StickBreakingTransform } from './transforms-structured.js';
import { optionsOf } from './options.js';

/**
 * The logistic-normal distribution on the simplex: its event has one more entry than `loc`.
 * @example new torch.distributions.LogisticNormal(torch.zeros(2), torch.ones(2)).sample() // 3 entries summing to 1
 */
export class LogisticNormal extends TransformedDistribution {
  constructor(loc: Param, scale: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('LogisticNormal', options);
    let base: Distribution = new Normal(loc, scale, { validateArgs });
    if (base.batchShape.length === 0) base = base.expand([1]);
    super(base, new StickBreakingTransform(), { validateArgs });
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { loc: real, scale: positive };
  }
  override get support(): Constraint {
    return simplex;
  }
  override get hasRsample(): boolean {
    return true;
  }
  /** The underlying Normal's mean. @example d.loc */
  get loc(): Tensor {
    return ((this.baseDist as Independent).baseDist as Normal).loc;
  }
  /** The underlying Normal's standard deviation. @example d.scale */
  get scale(): Tensor {
    return ((this.baseDist as Independent).baseDist as Normal).scale;
  }

  override expand(batchShape: readonly number[]): LogisticNormal {
    const shape = [...batchShape, this.loc.shape[this.loc.dim() - 1]];
    return this.keepValidation(new LogisticNormal(this.loc.expand(shape), this.scale.expand(shape), { validateArgs: false }));
  }
}
