/**
 * `torch.distributions.Kumaraswamy(concentration1, concentration0)`: a Beta-like
 * distribution on [0, 1] with a closed-form CDF, so it reparameterizes by inversion.
 */
import { Tensor } from '../tensor/tensor.js';
import { fullLike } from '../tensor/creation.js';
import { digamma, lgamma, where } from './ops.js';
import { type Constraint, positive, unitInterval } from './constraints.js';
import type { DistributionOptions, Param } from './distribution.js';
import { TransformedDistribution } from './transformed-distribution.js';
import { AffineTransform, PowerTransform } from './transforms.js';
import { Uniform } from './uniform.js';
import { EULER_GAMMA, broadcastAll } from './utils.js';
import { optionsOf } from './options.js';

/** The n-th moment, b · B(1 + n/a, b), through lgamma. */
function moments(a: Tensor, b: Tensor, n: number): Tensor {
  const arg1 = a.reciprocal().mul(n).add(1);
  return b.mul(lgamma(arg1).add(lgamma(b)).sub(lgamma(arg1.add(b))).exp());
}

/**
 * The Kumaraswamy distribution: (1 - (1 - U)^(1/b))^(1/a) for U ~ Uniform(0, 1).
 * @example new torch.distributions.Kumaraswamy(2, 3).rsample([4])
 */
export class Kumaraswamy extends TransformedDistribution {
  readonly concentration1: Tensor;
  readonly concentration0: Tensor;

  constructor(concentration1: Param, concentration0: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('Kumaraswamy', options);
    const [c1, c0] = broadcastAll('Kumaraswamy', { concentration1, concentration0 });
    const base = new Uniform(fullLike(c0, 0), fullLike(c0, 1), { validateArgs });
    super(base, [new PowerTransform(c0.reciprocal()), new AffineTransform(1, -1), new PowerTransform(c1.reciprocal())], { validateArgs });
    this.concentration1 = c1;
    this.concentration0 = c0;
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { concentration1: positive, concentration0: positive };
  }
  override get support(): Constraint {
    return unitInterval;
  }
  override get hasRsample(): boolean {
    return true;
  }
  override get mean(): Tensor {
    return moments(this.concentration1, this.concentration0, 1);
  }
  /** NaN where either concentration is below 1 (the density is then unbounded). */
  override get mode(): Tensor {
    const [c1, c0] = [this.concentration1, this.concentration0];
    // In log space for stability.
    const logMode = c0.reciprocal().mul(c0.neg().log1p()).sub(c0.neg().mul(c1).log1p());
    return where(c0.lt(1).logicalOr(c1.lt(1)), NaN, logMode).exp();
  }
  override get variance(): Tensor {
    return moments(this.concentration1, this.concentration0, 2).sub(this.mean.pow(2));
  }

  override expand(batchShape: readonly number[]): Kumaraswamy {
    const shape = [...batchShape];
    return this.keepValidation(new Kumaraswamy(this.concentration1.expand(shape), this.concentration0.expand(shape), { validateArgs: false }));
  }

  override entropy(): Tensor {
    const t1 = this.concentration1.reciprocal().neg().add(1);
    const t0 = this.concentration0.reciprocal().neg().add(1);
    const H0 = digamma(this.concentration0.add(1)).add(EULER_GAMMA);
    return t0.add(t1.mul(H0)).sub(this.concentration1.log()).sub(this.concentration0.log());
  }
}
