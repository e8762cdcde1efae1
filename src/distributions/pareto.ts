/**
 * `torch.distributions.Pareto(scale, alpha)`: scale · exp(X) for X ~ Exponential(alpha),
 * the power law above `scale`.
 */
import { Tensor } from '../tensor/tensor.js';
import { type Constraint, greaterThanEq, positive } from './constraints.js';
import type { DistributionOptions, Param } from './distribution.js';
import { Exponential } from './exponential.js';
import { TransformedDistribution } from './transformed-distribution.js';
import { AffineTransform, ExpTransform } from './transforms.js';
import { broadcastAll } from './utils.js';
import { optionsOf } from './options.js';

/**
 * The Pareto (type I) distribution with minimum `scale` and tail index `alpha`.
 * @example new torch.distributions.Pareto(1, 3).mean // 1.5
 */
export class Pareto extends TransformedDistribution {
  readonly scale: Tensor;
  readonly alpha: Tensor;

  constructor(scale: Param, alpha: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('Pareto', options);
    const [s, a] = broadcastAll('Pareto', { scale, alpha });
    super(new Exponential(a, { validateArgs }), [new ExpTransform(), new AffineTransform(0, s)], { validateArgs });
    this.scale = s;
    this.alpha = a;
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { alpha: positive, scale: positive };
  }
  override get support(): Constraint {
    return greaterThanEq(this.scale);
  }
  /** Infinite for alpha ≤ 1. */
  override get mean(): Tensor {
    const a = this.alpha.clamp(1);
    return a.mul(this.scale).div(a.sub(1));
  }
  override get mode(): Tensor {
    return this.scale;
  }
  /** Infinite for alpha ≤ 2. */
  override get variance(): Tensor {
    const a = this.alpha.clamp(2);
    return this.scale.pow(2).mul(a).div(a.sub(1).pow(2).mul(a.sub(2)));
  }

  override expand(batchShape: readonly number[]): Pareto {
    const shape = [...batchShape];
    return this.keepValidation(new Pareto(this.scale.expand(shape), this.alpha.expand(shape), { validateArgs: false }));
  }

  override entropy(): Tensor {
    return this.scale.div(this.alpha).log().add(this.alpha.reciprocal().add(1));
  }
}
