/**
 * `torch.distributions.Weibull(scale, concentration)`: scale · X^(1/concentration) for
 * X ~ Exponential(1).
 */
import { Tensor } from '../tensor/tensor.js';
import { onesLike } from '../tensor/creation.js';
import { lgamma } from './ops.js';
import { type Constraint, positive } from './constraints.js';
import type { DistributionOptions, Param } from './distribution.js';
import { Exponential } from './exponential.js';
import { TransformedDistribution } from './transformed-distribution.js';
import { AffineTransform, PowerTransform } from './transforms.js';
import { EULER_GAMMA, broadcastAll } from './utils.js';
import { optionsOf } from './options.js';

/**
 * The two-parameter Weibull distribution.
 * @example new torch.distributions.Weibull(1, 2).sample([3])
 */
export class Weibull extends TransformedDistribution {
  readonly scale: Tensor;
  readonly concentration: Tensor;
  readonly concentrationReciprocal: Tensor;

  constructor(scale: Param, concentration: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('Weibull', options);
    const [s, c] = broadcastAll('Weibull', { scale, concentration });
    const reciprocal = c.reciprocal();
    super(new Exponential(onesLike(s), { validateArgs }), [new PowerTransform(reciprocal), new AffineTransform(0, s)], { validateArgs });
    this.scale = s;
    this.concentration = c;
    this.concentrationReciprocal = reciprocal;
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { scale: positive, concentration: positive };
  }
  override get support(): Constraint {
    return positive;
  }
  override get mean(): Tensor {
    return this.scale.mul(lgamma(this.concentrationReciprocal.add(1)).exp());
  }
  override get mode(): Tensor {
    return this.scale.mul(this.concentration.sub(1).div(this.concentration).pow(this.concentration.reciprocal()));
  }
  override get variance(): Tensor {
    const first = lgamma(this.concentrationReciprocal.mul(2).add(1)).exp();
    const second = lgamma(this.concentrationReciprocal.add(1)).mul(2).exp();
    return this.scale.pow(2).mul(first.sub(second));
  }

  override expand(batchShape: readonly number[]): Weibull {
    const shape = [...batchShape];
    return this.keepValidation(new Weibull(this.scale.expand(shape), this.concentration.expand(shape), { validateArgs: false }));
  }

  override entropy(): Tensor {
    return this.concentrationReciprocal.neg().add(1).mul(EULER_GAMMA).add(this.scale.mul(this.concentrationReciprocal).log()).add(1);
  }
}
