/**
 * `torch.distributions.LKJCholesky(dim, concentration)`: the LKJ distribution over
 * correlation matrices, on their lower Cholesky factors, sampled by PyTorch's onion method.
 */
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { arange, randn } from '../tensor/creation.js';
import { cat } from '../ops/shape.js';
import { mvlgamma } from '../ops/special.js';
import { lgamma, where } from './ops.js';
import { type Constraint, corrCholesky, positive } from './constraints.js';
import { Distribution, type DistributionOptions, type Param } from './distribution.js';
import { Beta } from './dirichlet.js';
import { broadcastAll, finfo } from './utils.js';
import { optionsOf } from './options.js';

/**
 * The LKJ distribution of `dim`×`dim` correlation matrices' Cholesky factors; density
 * proportional to det(R)^(concentration - 1).
 * @example new torch.distributions.LKJCholesky(3, 0.5).sample() // a 3×3 lower-triangular factor
 */
export class LKJCholesky extends Distribution {
  readonly dim: number;
  readonly concentration: Tensor;
  private readonly beta: Beta;

  constructor(dim: number, concentration: Param = 1, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('LKJCholesky', options);
    if (!Number.isInteger(dim) || dim < 2) throw new Error(`Expected dim to be an integer greater than or equal to 2. Found dim=${dim}.`);
    const [c] = broadcastAll('LKJCholesky', { concentration });
    const beta = LKJCholesky.marginalBeta(dim, c);
    super(c.shape, [dim, dim], validateArgs);
    this.dim = dim;
    this.concentration = c;
    this.beta = beta;
    this.validateArgs_();
  }

  /** The Beta marginals of the onion method's row norms, one per row. */
  private static marginalBeta(dim: number, concentration: Tensor, validateArgs?: boolean): Beta {
    const marginal = concentration.add(0.5 * (dim - 2));
    const steps = arange(dim - 1, { dtype: concentration.dtype, device: concentration.device });
    const offset = cat([steps.newZeros([1]), steps]);
    return new Beta(offset.add(0.5), marginal.unsqueeze(-1).sub(offset.mul(0.5)), { validateArgs });
  }

  override get argConstraints(): Record<string, Constraint> {
    return { concentration: positive };
  }
  override get support(): Constraint {
    return corrCholesky;
  }

  override expand(batchShape: readonly number[]): LKJCholesky {
    const shape = [...batchShape];
    return this.keepValidation(new LKJCholesky(this.dim, this.concentration.expand(shape), { validateArgs: false }));
  }

  override sample(sampleShape: readonly number[] = []): Tensor {
    return noGrad(() => {
      const y = this.beta.sample(sampleShape).unsqueeze(-1);
      const uNormal = randn(this.extendedShape(sampleShape), { dtype: y.dtype, device: y.device }).tril(-1);
      // Row 0 of the strict lower triangle is all zeros (0/0 here); PyTorch fills it with 0.
      const rows = arange(this.dim, { device: y.device }).unsqueeze(-1);
      const uHypersphere = where(rows.eq(0), 0, uNormal.div(uNormal.norm(2, -1, true)));
      const w = y.sqrt().mul(uHypersphere);
      const diag = w.pow(2).sum(-1).rsub(1).clamp(finfo(w.dtype).tiny).sqrt();
      return w.add(diag.diagEmbed());
    });
  }

  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const diagElems = value.diagonal(0, -1, -2).narrow(-1, 1, this.dim - 1);
    const order = arange(2, this.dim + 1, { device: this.concentration.device });
    const exponents = this.concentration.sub(1).unsqueeze(-1).mul(2).add(this.dim).sub(order);
    const unnormalized = exponents.mul(diagElems.log()).sum(-1);
    const dm1 = this.dim - 1;
    const alpha = this.concentration.add(0.5 * dm1);
    const denominator = lgamma(alpha).mul(dm1);
    const numerator = mvlgamma(alpha.sub(0.5), dm1);
    const piConstant = 0.5 * dm1 * Math.log(Math.PI);
    return unnormalized.sub(numerator.add(piConstant).sub(denominator));
  }
}
