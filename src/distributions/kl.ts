/**
 * `torch.distributions.kl_divergence(p, q)` and `register_kl`: KL(p || q) in closed form,
 * dispatched on the most specific registered pair of distribution classes.
 */
import { Tensor } from '../tensor/tensor.js';
import { digamma, erf, fullLike, lgamma, softplus, where } from './ops.js';
import { Distribution } from './distribution.js';
import { Bernoulli } from './bernoulli.js';
import { Categorical, OneHotCategorical } from './categorical.js';
import { Exponential } from './exponential.js';
import { Independent } from './independent.js';
import { Laplace } from './laplace.js';
import { MultivariateNormal } from './multivariate-normal.js';
import { Normal } from './normal.js';
import { Poisson } from './poisson.js';
import { TransformedDistribution } from './transformed-distribution.js';
import { Uniform } from './uniform.js';
import { Gamma } from './gamma.js';
import { Beta, Dirichlet } from './dirichlet.js';
import { Geometric } from './geometric.js';
import { Binomial } from './binomial.js';
import { Gumbel, HalfNormal } from './half-normal.js';
import { EULER_GAMMA, sumRightmost } from './utils.js';
import { ExponentialFamily, klExponentialFamily } from './exp-family.js';
import { broadcastShapes } from '../ops/shape.js';
import { solveTriangular } from '../linalg/extras.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type DistributionClass = abstract new (...args: any[]) => Distribution;
type KlFn = (p: Distribution, q: Distribution) => Tensor;

const registry: { p: DistributionClass; q: DistributionClass; fn: KlFn }[] = [];

/**
 * Registers `fn` as KL(p || q) for p of `typeP` and q of `typeQ` (subclasses included);
 * use it as `registerKl(P, Q)(fn)`.
 * @example torch.distributions.registerKl(MyDist, Normal)((p, q) => ...)
 */
export function registerKl<P extends Distribution, Q extends Distribution>(
  typeP: abstract new (...args: never[]) => P,
  typeQ: abstract new (...args: never[]) => Q,
): (fn: (p: P, q: Q) => Tensor) => (p: P, q: Q) => Tensor {
  for (const [name, t] of [['type_p', typeP], ['type_q', typeQ]] as const) {
    if (typeof t !== 'function' || !(t.prototype instanceof Distribution || t === (Distribution as unknown))) {
      throw new TypeError(`Expected ${name} to be a Distribution subclass but got ${String(t)}`);
    }
  }
  return (fn) => {
    // One function per pair, as PyTorch's registry dict: registering a pair again replaces it.
    const entry = { p: typeP as unknown as DistributionClass, q: typeQ as unknown as DistributionClass, fn: fn as unknown as KlFn };
    const at = registry.findIndex((e) => e.p === entry.p && e.q === entry.q);
    if (at >= 0) registry[at] = entry;
    else registry.push(entry);
    return fn;
  };
}

/** How many classes lie between `obj`'s class and `cls` (0: exactly `cls`). */
function distance(obj: object, cls: DistributionClass): number {
  let d = 0;
  for (let proto = Object.getPrototypeOf(obj); proto !== null; proto = Object.getPrototypeOf(proto), d++) {
    if (proto === cls.prototype) return d;
  }
  return Infinity;
}

/**
 * KL(p || q), one value per batch element.
 * @example torch.distributions.klDivergence(new Normal(0, 1), new Normal(1, 2))
 */
export function klDivergence(p: Distribution, q: Distribution): Tensor {
  let best: { fn: KlFn; score: [number, number] } | null = null;
  for (const entry of registry) {
    const score: [number, number] = [distance(p, entry.p), distance(q, entry.q)];
    if (!Number.isFinite(score[0]) || !Number.isFinite(score[1])) continue;
    // PyTorch orders candidates by (p's distance, q's distance), the later registration winning ties.
    if (best === null || score[0] < best.score[0] || (score[0] === best.score[0] && score[1] <= best.score[1])) best = { fn: entry.fn, score };
  }
  if (best === null) throw new Error(`No KL(p || q) is implemented for p type ${p.constructor.name} and q type ${q.constructor.name}`);
  return best.fn(p, q);
}

registerKl(Normal, Normal)((p, q) => {
  const varRatio = p.scale.div(q.scale).pow(2);
  const t1 = p.loc.sub(q.loc).div(q.scale).pow(2);
  return varRatio.add(t1).sub(1).sub(varRatio.log()).mul(0.5);
});

registerKl(Bernoulli, Bernoulli)((p, q) => {
  let t1 = p.probs.mul(softplus(q.logits.neg()).sub(softplus(p.logits.neg())));
  t1 = where(p.probs.eq(0), 0, where(q.probs.eq(0), Infinity, t1));
  let t2 = p.probs.neg().add(1).mul(softplus(q.logits).sub(softplus(p.logits)));
  t2 = where(p.probs.eq(1), 0, where(q.probs.eq(1), Infinity, t2));
  return t1.add(t2);
});

function klCategorical(p: Categorical, q: Categorical): Tensor {
  let t = p.probs.mul(p.logits.sub(q.logits));
  t = where(p.probs.eq(0).expandAs(t), 0, where(q.probs.eq(0).expandAs(t), Infinity, t));
  return t.sum(-1);
}
registerKl(Categorical, Categorical)(klCategorical);
registerKl(OneHotCategorical, OneHotCategorical)((p, q) => klCategorical(p.asCategorical, q.asCategorical));

registerKl(Uniform, Uniform)((p, q) => {
  const result = q.high.sub(q.low).div(p.high.sub(p.low)).log();
  return where(q.low.gt(p.low).logicalOr(q.high.lt(p.high)), Infinity, result);
});

registerKl(Exponential, Exponential)((p, q) => {
  const rateRatio = q.rate.div(p.rate);
  return rateRatio.log().neg().add(rateRatio).sub(1);
});

registerKl(Laplace, Laplace)((p, q) => {
  const scaleRatio = p.scale.div(q.scale);
  const locAbsDiff = p.loc.sub(q.loc).abs();
  const t1 = scaleRatio.log().neg();
  const t2 = locAbsDiff.div(q.scale);
  const t3 = scaleRatio.mul(locAbsDiff.neg().div(p.scale).exp());
  return t1.add(t2).add(t3).sub(1);
});

registerKl(Poisson, Poisson)((p, q) => p.rate.mul(p.rate.log().sub(q.rate.log())).sub(p.rate.sub(q.rate)));

registerKl(MultivariateNormal, MultivariateNormal)((p, q) => {
  if (p.eventShape.join() !== q.eventShape.join()) {
    throw new Error('KL-divergence between two Multivariate Normals with different event shapes cannot be computed');
  }
  const pL = p.unbroadcastedScaleTrilOf();
  const qL = q.unbroadcastedScaleTrilOf();
  const halfTerm1 = qL.diagonal(0, -2, -1).log().sum(-1).sub(pL.diagonal(0, -2, -1).log().sum(-1));
  const n = p.eventShape[0];
  const batch = [...broadcastShapes(qL.shape.slice(0, -2), pL.shape.slice(0, -2))];
  const solved = solveTriangular(qL.expand([...batch, n, n]), pL.expand([...batch, n, n]), { upper: false });
  const term2 = solved.reshape([...batch, n * n]).pow(2).sum(-1);
  const diff = q.loc.sub(p.loc);
  const term3 = solveTriangular(qL, diff.unsqueeze(-1), { upper: false }).squeeze(-1).pow(2).sum(-1);
  return halfTerm1.add(term2.add(term3).sub(n).mul(0.5));
});

registerKl(Independent, Independent)((p, q) => {
  if (p.reinterpretedBatchNdims !== q.reinterpretedBatchNdims) throw new Error('No KL(p || q) is implemented for Independent distributions with different reinterpreted_batch_ndims');
  return sumRightmost(klDivergence(p.baseDist, q.baseDist), p.reinterpretedBatchNdims);
});

/** Whether two lists of transforms are the same maps, as PyTorch's Transform.__eq__. */
function sameTransforms(a: TransformedDistribution['transforms'], b: TransformedDistribution['transforms']): boolean {
  return a.length === b.length && a.every((t, i) => t.equals(b[i]));
}

registerKl(TransformedDistribution, TransformedDistribution)((p, q) => {
  if (!sameTransforms(p.transforms, q.transforms)) throw new Error('No KL(p || q) is implemented for TransformedDistributions with different transforms');
  if (p.eventShape.join() !== q.eventShape.join()) throw new Error('No KL(p || q) is implemented for TransformedDistributions with different event shapes');
  return klDivergence(p.baseDist, q.baseDist);
});

// ---- pairs of different families ---------------------------------------------------------

/** KL = inf everywhere: q's support does not cover p's. */
export const infiniteLike = (t: Tensor): Tensor => fullLike(t, Infinity);

registerKl(Bernoulli, Poisson)((p, q) => p.entropy().neg().sub(p.probs.mul(q.rate.log()).sub(q.rate)));
registerKl(Poisson, Bernoulli)((p) => infiniteLike(p.rate));
registerKl(Poisson, Binomial)((p) => infiniteLike(p.rate));
registerKl(Exponential, Uniform)((p) => infiniteLike(p.rate));
registerKl(Laplace, Exponential)((p) => infiniteLike(p.loc));
registerKl(Laplace, Uniform)((p) => infiniteLike(p.loc));
registerKl(Normal, Exponential)((p) => infiniteLike(p.loc));
registerKl(Normal, Uniform)((p) => infiniteLike(p.loc));

registerKl(Exponential, Normal)((p, q) => {
  const varNormal = q.scale.pow(2);
  const rateSqr = p.rate.pow(2);
  const t1 = rateSqr.mul(varNormal).mul(2).mul(Math.PI).log().mul(0.5);
  const t2 = rateSqr.reciprocal();
  const t3 = q.loc.div(p.rate);
  const t4 = q.loc.pow(2).mul(0.5);
  return t1.sub(1).add(t2.sub(t3).add(t4).div(varNormal));
});

registerKl(Laplace, Normal)((p, q) => {
  const varNormal = q.scale.pow(2);
  const scaleSqrVarRatio = p.scale.pow(2).div(varNormal);
  const t1 = scaleSqrVarRatio.mul(2).div(Math.PI).log().mul(0.5);
  const t2 = p.loc.pow(2).mul(0.5);
  const t3 = p.loc.mul(q.loc);
  const t4 = q.loc.pow(2).mul(0.5);
  return t1.neg().add(scaleSqrVarRatio).add(t2.sub(t3).add(t4).div(varNormal)).sub(1);
});

registerKl(Normal, Laplace)((p, q) => {
  const locDiff = p.loc.sub(q.loc);
  const scaleRatio = p.scale.div(q.scale);
  const locDiffScaleRatio = locDiff.div(p.scale);
  const t1 = scaleRatio.log();
  const t2 = p.scale.mul(Math.sqrt(2 / Math.PI)).mul(locDiffScaleRatio.pow(2).mul(-0.5).exp());
  const t3 = locDiff.mul(erf(locDiffScaleRatio.mul(Math.sqrt(0.5))));
  return t1.neg().add(t2.add(t3).div(q.scale)).sub(0.5 * (1 + Math.log(0.5 * Math.PI)));
});

registerKl(Uniform, Exponential)((p, q) => {
  const result = q.rate.mul(p.high.add(p.low)).div(2).sub(p.high.sub(p.low).mul(q.rate).log());
  return where(p.low.lt(0), Infinity, result);
});

registerKl(Uniform, Normal)((p, q) => {
  const commonTerm = p.high.sub(p.low);
  const t1 = q.scale.mul(Math.sqrt(Math.PI * 2)).div(commonTerm).log();
  const t2 = commonTerm.pow(2).div(12);
  const t3 = p.high.add(p.low).sub(q.loc.mul(2)).div(2).pow(2);
  return t1.add(t2.add(t3).mul(0.5).div(q.scale.pow(2)));
});

// ---- the Gamma family -----------------------------------------------------------------------


registerKl(Gamma, Gamma)((p, q) => {
  const t1 = q.concentration.mul(p.rate.div(q.rate).log());
  const t2 = lgamma(q.concentration).sub(lgamma(p.concentration));
  const t3 = p.concentration.sub(q.concentration).mul(digamma(p.concentration));
  const t4 = q.rate.sub(p.rate).mul(p.concentration.div(p.rate));
  return t1.add(t2).add(t3).add(t4);
});

registerKl(Beta, Beta)((p, q) => {
  const sumP = p.concentration1.add(p.concentration0);
  const sumQ = q.concentration1.add(q.concentration0);
  const t1 = lgamma(q.concentration1).add(lgamma(q.concentration0)).add(lgamma(sumP));
  const t2 = lgamma(p.concentration1).add(lgamma(p.concentration0)).add(lgamma(sumQ));
  const t3 = p.concentration1.sub(q.concentration1).mul(digamma(p.concentration1));
  const t4 = p.concentration0.sub(q.concentration0).mul(digamma(p.concentration0));
  const t5 = sumQ.sub(sumP).mul(digamma(sumP));
  return t1.sub(t2).add(t3).add(t4).add(t5);
});

registerKl(Dirichlet, Dirichlet)((p, q) => {
  const sumP = p.concentration.sum(-1);
  const sumQ = q.concentration.sum(-1);
  const t1 = lgamma(sumP).sub(lgamma(sumQ));
  const t2 = lgamma(p.concentration).sub(lgamma(q.concentration)).sum(-1);
  const t3 = p.concentration.sub(q.concentration);
  const t4 = digamma(p.concentration).sub(digamma(sumP).unsqueeze(-1));
  return t1.sub(t2).add(t3.mul(t4).sum(-1));
});

registerKl(Exponential, Gamma)((p, q) => {
  const ratio = q.rate.div(p.rate);
  const t1 = q.concentration.neg().mul(ratio.log());
  return t1.add(ratio).add(lgamma(q.concentration)).add(q.concentration.mul(EULER_GAMMA)).sub(1 + EULER_GAMMA);
});

registerKl(Gamma, Exponential)((p, q) => p.entropy().neg().sub(q.rate.log()).add(q.rate.mul(p.concentration.div(p.rate))));

registerKl(Geometric, Geometric)((p, q) => p.entropy().neg().sub(q.probs.neg().log1p().div(p.probs)).sub(q.logits));

registerKl(HalfNormal, HalfNormal)((p, q) => klDivergence(p.baseDist, q.baseDist));

registerKl(Gumbel, Gumbel)((p, q) => {
  const ct1 = p.scale.div(q.scale);
  const ct2 = q.loc.div(q.scale);
  const ct3 = p.loc.div(q.scale);
  const t1 = ct1.log().neg().sub(ct2).add(ct3);
  const t2 = ct1.mul(EULER_GAMMA);
  const t3 = ct2.add(lgamma(ct1.add(1))).sub(ct3).exp();
  return t1.add(t2).add(t3).sub(1 + EULER_GAMMA);
});

registerKl(Binomial, Binomial)((p, q) => {
  if (p.totalCount.lt(q.totalCount).any().item()) {
    throw new Error('KL between Binomials where q.total_count > p.total_count is not implemented');
  }
  const kl = p.totalCount.mul(p.probs.mul(p.logits.sub(q.logits)).add(p.probs.neg().log1p()).sub(q.probs.neg().log1p()));
  return where(p.totalCount.gt(q.totalCount), Infinity, kl);
});

registerKl(ExponentialFamily, ExponentialFamily)(klExponentialFamily);
