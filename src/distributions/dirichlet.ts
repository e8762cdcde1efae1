/**
 * `torch.distributions.Dirichlet(concentration)` and `Beta(concentration1,
 * concentration0)`, with reparameterized samples (implicit gradients of the Gamma draws).
 */
import { Tensor } from '../tensor/tensor.js';
import { record } from '../autograd/function.js';
import { tensor } from '../tensor/creation.js';
import { getDefaultDtype } from '../tensor/dtype.js';
import { stack } from '../ops/shape.js';
import { dirichletGrad, sampleDirichlet } from '../random/gamma.js';
import { digamma, lgamma, oneHot, xlogy, where } from './ops.js';
import { type Constraint, independent, positive, simplex, unitInterval } from './constraints.js';
import { ExponentialFamily } from './exp-family.js';
import { type DistributionOptions, type Param } from './distribution.js';
import { allNumbers, broadcastAll } from './utils.js';
import { optionsOf } from './options.js';

/** A Dirichlet draw from `concentration`, differentiable through PyTorch's _Dirichlet function. */
function dirichletRsample(concentration: Tensor): Tensor {
  const x = sampleDirichlet(concentration);
  return record(x, '_DirichletBackward', [concentration], (node) => {
    const savedX = node.save(x);
    const savedC = node.save(concentration);
    return (g) => {
      const xs = savedX();
      const c = savedC();
      const total = c.sum(-1, true).expandAs(c);
      const grad = dirichletGrad(xs, c, total);
      return [grad.mul(g.sub(xs.mul(g).sum(-1, true)))];
    };
  }, { onceDifferentiable: true });
}

/**
 * The Dirichlet distribution over the simplex, with concentrations on the last dim.
 * @example new torch.distributions.Dirichlet(torch.tensor([0.5, 0.5, 2])).sample()
 */
export class Dirichlet extends ExponentialFamily {
  readonly concentration: Tensor;

  constructor(concentration: Tensor, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('Dirichlet', options);
    if (!(concentration instanceof Tensor)) throw new TypeError("Dirichlet(): argument 'concentration' must be a Tensor");
    if (concentration.dim() < 1) throw new Error('`concentration` parameter must be at least one-dimensional.');
    super(concentration.shape.slice(0, -1), concentration.shape.slice(-1), validateArgs);
    this.concentration = concentration;
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { concentration: independent(positive, 1) };
  }
  override get support(): Constraint {
    return simplex;
  }
  override get hasRsample(): boolean {
    return true;
  }
  override get mean(): Tensor {
    return this.concentration.div(this.concentration.sum(-1, true));
  }
  override get mode(): Tensor {
    const cm1 = this.concentration.sub(1).clamp(0);
    const mode = cm1.div(cm1.sum(-1, true));
    // Where every concentration is below 1 the density peaks at a vertex: the argmax's.
    const allBelowOne = this.concentration.lt(1).all(-1, true);
    const vertex = oneHot(mode.argmax(-1), cm1.shape[cm1.dim() - 1]).to(mode.dtype);
    return where(allBelowOne, vertex, mode);
  }
  override get variance(): Tensor {
    const con0 = this.concentration.sum(-1, true);
    return this.concentration.mul(con0.sub(this.concentration)).div(con0.pow(2).mul(con0.add(1)));
  }

  override get naturalParams(): Tensor[] {
    return [this.concentration];
  }
  override logNormalizer(x: Tensor): Tensor {
    return lgamma(x).sum(-1).sub(lgamma(x.sum(-1)));
  }
  override expand(batchShape: readonly number[]): Dirichlet {
    return this.keepValidation(new Dirichlet(this.concentration.expand([...batchShape, ...this._eventShape]), { validateArgs: false }));
  }

  override rsample(sampleShape: readonly number[] = []): Tensor {
    return dirichletRsample(this.concentration.expand(this.extendedShape(sampleShape)));
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    return xlogy(this.concentration.sub(1.0), value).sum(-1).add(lgamma(this.concentration.sum(-1))).sub(lgamma(this.concentration).sum(-1));
  }
  override entropy(): Tensor {
    const k = this.concentration.shape[this.concentration.dim() - 1];
    const a0 = this.concentration.sum(-1);
    return lgamma(this.concentration)
      .sum(-1)
      .sub(lgamma(a0))
      .sub(a0.rsub(k).mul(digamma(a0)))
      .sub(this.concentration.sub(1.0).mul(digamma(this.concentration)).sum(-1));
  }
}

/**
 * The Beta distribution on [0, 1]: the first coordinate of Dirichlet([c1, c0]).
 * @example new torch.distributions.Beta(2, 5).rsample([4])
 */
export class Beta extends ExponentialFamily {
  private readonly dirichlet: Dirichlet;

  constructor(concentration1: Param, concentration0: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('Beta', options);
    let both: Tensor;
    if (allNumbers(concentration1, concentration0)) both = tensor([concentration1 as number, concentration0 as number], { dtype: getDefaultDtype() });
    else {
      const [c1, c0] = broadcastAll('Beta', { concentration1, concentration0 });
      both = stack([c1, c0], -1);
    }
    const dirichlet = new Dirichlet(both, { validateArgs });
    super(dirichlet.batchShape, [], validateArgs);
    this.dirichlet = dirichlet;
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
  /** The first shape parameter (alpha). @example d.concentration1 */
  get concentration1(): Tensor {
    return this.dirichlet.concentration.select(-1, 0);
  }
  /** The second shape parameter (beta). @example d.concentration0 */
  get concentration0(): Tensor {
    return this.dirichlet.concentration.select(-1, 1);
  }
  override get mean(): Tensor {
    return this.concentration1.div(this.concentration1.add(this.concentration0));
  }
  override get mode(): Tensor {
    return this.dirichlet.mode.select(-1, 0);
  }
  override get variance(): Tensor {
    const total = this.concentration1.add(this.concentration0);
    return this.concentration1.mul(this.concentration0).div(total.pow(2).mul(total.add(1)));
  }

  override get naturalParams(): Tensor[] {
    return [this.concentration1, this.concentration0];
  }
  override logNormalizer(x: Tensor, y: Tensor): Tensor {
    return lgamma(x).add(lgamma(y)).sub(lgamma(x.add(y)));
  }
  override expand(batchShape: readonly number[]): Beta {
    const shape = [...batchShape];
    return this.keepValidation(new Beta(this.concentration1.expand(shape), this.concentration0.expand(shape), { validateArgs: false }));
  }

  override rsample(sampleShape: readonly number[] = []): Tensor {
    return this.dirichlet.rsample(sampleShape).select(-1, 0);
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const headsTails = stack([value, value.rsub(1.0)], -1);
    return this.dirichlet.logProb(headsTails);
  }
  override entropy(): Tensor {
    return this.dirichlet.entropy();
  }
}
