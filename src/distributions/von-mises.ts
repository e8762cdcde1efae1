/**
 * `torch.distributions.VonMises(loc, concentration)`: the circular normal distribution on
 * angles, sampled by Best and Fisher's rejection scheme as PyTorch 2.x does: in float64,
 * with a Taylor form of the proposal below concentration 1e-5 (1.13 works in the
 * parameters' dtype, where a small float32 concentration makes the proposal infinite and
 * the loop never ends). Seeded float64 draws match PyTorch's. The Bessel functions are
 * PyTorch's polynomial approximations.
 */
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { rand, zeros } from '../tensor/creation.js';
import { bool, float64 } from '../tensor/dtype.js';
import { where } from './ops.js';
import { type Constraint, positive, real } from './constraints.js';
import { Distribution, type DistributionOptions, type Param } from './distribution.js';
import { broadcastAll } from './utils.js';
import { optionsOf } from './options.js';

/** Abramowitz and Stegun's polynomials for I0 and I1 (order 0 and 1), below and above 3.75. */
const COEF_SMALL = [
  [1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2],
  [0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2, 0.32411e-3],
];
const COEF_LARGE = [
  [0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2, -0.2057706e-1, 0.2635537e-1, -0.1647633e-1, 0.392377e-2],
  [0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1, 0.2282967e-1, -0.2895312e-1, 0.1787654e-1, -0.420059e-2],
];

/** Horner's rule from the highest coefficient, as PyTorch's `_eval_poly` (the order of its float ops). */
function evalPoly(y: Tensor, coef: number[]): Tensor {
  let result: Tensor | number = coef[coef.length - 1];
  for (let i = coef.length - 2; i >= 0; i--) result = y.mul(result).add(coef[i]);
  return result as Tensor;
}

/** log I_order(x), the modified Bessel function of the first kind, for order 0 or 1. */
function logModifiedBessel(x: Tensor, order: 0 | 1): Tensor {
  const ySmall = x.div(3.75).pow(2);
  let small = evalPoly(ySmall, COEF_SMALL[order]);
  if (order === 1) small = x.abs().mul(small);
  const yLarge = x.reciprocal().mul(3.75);
  const large = x.sub(x.log().mul(0.5)).add(evalPoly(yLarge, COEF_LARGE[order]).log());
  return where(x.lt(3.75), small.log(), large);
}

/**
 * The von Mises distribution on the circle, with mean direction `loc` and concentration
 * `concentration`.
 * @example new torch.distributions.VonMises(0, 4).sample([3]) // angles in [-pi, pi)
 */
export class VonMises extends Distribution {
  readonly loc: Tensor;
  readonly concentration: Tensor;
  private varianceCache: Tensor | undefined;

  constructor(loc: Param, concentration: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('VonMises', options);
    const [l, c] = broadcastAll('VonMises', { loc, concentration });
    super(l.shape, [], validateArgs);
    this.loc = l;
    this.concentration = c;
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { loc: real, concentration: positive };
  }
  override get support(): Constraint {
    return real;
  }
  override get mean(): Tensor {
    return this.loc;
  }
  override get mode(): Tensor {
    return this.loc;
  }
  /** The circular variance, 1 - I1(k) / I0(k). */
  override get variance(): Tensor {
    return (this.varianceCache ??= logModifiedBessel(this.concentration, 1).sub(logModifiedBessel(this.concentration, 0)).exp().rsub(1));
  }

  override expand(batchShape: readonly number[]): VonMises {
    const shape = [...batchShape];
    return new VonMises(this.loc.expand(shape), this.concentration.expand(shape), { validateArgs: this._validateArgs });
  }

  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    return this.concentration.mul(value.sub(this.loc).cos()).sub(Math.log(2 * Math.PI)).sub(logModifiedBessel(this.concentration, 0));
  }

  /** The proposal's parameter r, in float64: Best and Fisher's, or 1/k + k below k = 1e-5. */
  private proposalR(kappa: Tensor): Tensor {
    const tau = kappa.pow(2).mul(4).add(1).sqrt().add(1);
    const rho = tau.sub(tau.mul(2).sqrt()).div(kappa.mul(2));
    const r = rho.pow(2).add(1).div(rho.mul(2));
    return where(kappa.lt(1e-5), kappa.reciprocal().add(kappa), r);
  }

  /**
   * Draws by rejection until every element has been accepted, in float64; without
   * gradients. A NaN or infinite concentration (possible with validateArgs off) is refused
   * rather than looped on forever.
   */
  override sample(sampleShape: readonly number[] = []): Tensor {
    return noGrad(() => {
      const shape = this.extendedShape(sampleShape);
      const loc = this.loc.to(float64);
      const concentration = this.concentration.to(float64);
      if (!concentration.isfinite().all().item()) {
        throw new Error('VonMises.sample: concentration must be finite (rejection sampling would never accept)');
      }
      const proposalR = this.proposalR(concentration);
      let x = zeros(shape, { dtype: float64, device: loc.device });
      let done = zeros(shape, { dtype: bool, device: loc.device });
      while (!done.all().item()) {
        const [u1, u2, u3] = rand([3, ...shape], { dtype: float64, device: loc.device }).unbind(0);
        const z = u1.mul(Math.PI).cos();
        const f = proposalR.mul(z).add(1).div(proposalR.add(z));
        const c = concentration.mul(proposalR.sub(f));
        const accept = c.mul(c.rsub(2)).sub(u2).gt(0).logicalOr(c.div(u2).log().add(1).sub(c).ge(0));
        if (accept.any().item()) {
          x = where(accept, u3.sub(0.5).sign().mul(f.acos()), x);
          done = done.logicalOr(accept);
        }
      }
      return x.add(Math.PI).add(loc).remainder(2 * Math.PI).sub(Math.PI).to(this.loc.dtype);
    });
  }
}
