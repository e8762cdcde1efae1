/**
 * `torch.distributions.ExponentialFamily`: the base of the distributions whose density is
 * exp(<t(x), θ> - F(θ) + k(x)). Given the natural parameters θ and the log-normalizer F,
 * the entropy (and the KL divergence between two members of one family) follow from F's
 * gradient, the Bregman divergence, which autograd computes.
 */
import { Tensor } from '../tensor/tensor.js';
import { grad } from '../autograd/api.js';
import { Distribution } from './distribution.js';
import { broadcastShapes } from '../ops/shape.js';

/**
 * A distribution of an exponential family. Subclasses give `naturalParams`,
 * `logNormalizer` and `meanCarrierMeasure`.
 * @example new torch.distributions.Gamma(2, 3) instanceof torch.distributions.ExponentialFamily // true
 */
export abstract class ExponentialFamily extends Distribution {
  /** The natural parameters θ. @example d.naturalParams */
  get naturalParams(): Tensor[] {
    throw new Error(`${this.constructor.name} does not implement naturalParams`);
  }
  /** The log-normalizer F(θ), at the natural parameters given. @example d.logNormalizer(...d.naturalParams) */
  logNormalizer(...naturalParams: Tensor[]): Tensor {
    void naturalParams;
    throw new Error(`${this.constructor.name} does not implement logNormalizer`);
  }
  /** E[k(x)], the expected carrier measure. @example d.meanCarrierMeasure */
  get meanCarrierMeasure(): number {
    throw new Error(`${this.constructor.name} does not implement meanCarrierMeasure`);
  }

  /** The entropy by the Bregman divergence: F(θ) - <θ, ∇F(θ)> - E[k(x)]. @example d.entropy() */
  override entropy(): Tensor {
    const nparams = this.naturalParams.map((p) => p.detach().requiresGrad_());
    const lgNormal = this.logNormalizer(...nparams);
    const gradients = grad(lgNormal.sum(), nparams, null, { createGraph: true });
    let result = lgNormal.sub(this.meanCarrierMeasure);
    nparams.forEach((np, i) => {
      result = result.sub(np.mul(gradients[i]!).reshape([...this._batchShape, -1]).sum(-1));
    });
    return result;
  }
}

/**
 * KL(p ‖ q) for two members of one exponential family, as a Bregman divergence of the
 * log-normalizer: F(θq) - F(θp) - <θq - θp, ∇F(θp)>. p's parameters are detached, as in
 * PyTorch.
 */
export function klExponentialFamily(p: ExponentialFamily, q: ExponentialFamily): Tensor {
  if (p.constructor !== q.constructor) {
    throw new Error('The cross KL-divergence between different exponential families cannot be computed using Bregman divergences');
  }
  const pParams = p.naturalParams.map((t) => t.detach().requiresGrad_());
  const qParams = q.naturalParams;
  const lgNormal = p.logNormalizer(...pParams);
  const gradients = grad(lgNormal.sum(), pParams, null, { createGraph: true });
  let result = q.logNormalizer(...qParams).sub(lgNormal);
  // Each term summed over its own non-batch dims. PyTorch sums the q.eventShape.length
  // rightmost dims of every term, which for a parameter with batch dims only (Wishart's df)
  // sums across the batch and mixes the elements' divergences.
  const batch = [...broadcastShapes(p.batchShape, q.batchShape)];
  pParams.forEach((pnp, i) => {
    const term = qParams[i].sub(pnp).mul(gradients[i]!);
    const eventPart = term.dim() > batch.length ? term.shape.slice(batch.length) : [];
    result = result.sub(term.expand([...batch, ...eventPart]).reshape([...batch, -1]).sum(-1));
  });
  return result;
}
