/**
 * The KL pairs of the families added after the first set (Cauchy, Pareto,
 * ContinuousBernoulli, the low-rank normal) and the cross-family pairs among the continuous
 * distributions, each PyTorch 1.13's formula. Pairs whose q does not cover p's support are
 * infinite, elementwise where the supports depend on parameters.
 */
import { Tensor } from '../tensor/tensor.js';
import { solveTriangular } from '../linalg/extras.js';
import { broadcastShapes } from '../ops/shape.js';
import { digamma, lgamma, matmul, where } from './ops.js';
import type { Distribution } from './distribution.js';
import { infiniteLike, registerKl } from './kl.js';
import { Beta } from './dirichlet.js';
import { Cauchy } from './cauchy.js';
import { ContinuousBernoulli } from './continuous-bernoulli.js';
import { Exponential } from './exponential.js';
import { Gamma } from './gamma.js';
import { Gumbel } from './half-normal.js';
import { Laplace } from './laplace.js';
import { LowRankMultivariateNormal, lowrankLogdet, lowrankMahalanobis } from './lowrank-multivariate-normal.js';
import { MultivariateNormal, batchMahalanobis } from './multivariate-normal.js';
import { Normal } from './normal.js';
import { Pareto } from './pareto.js';
import { Uniform } from './uniform.js';
import { EULER_GAMMA } from './utils.js';

type Family = abstract new (...args: never[]) => Distribution;

const xLogX = (t: Tensor): Tensor => t.mul(t.log());
/** trace(X Xᵀ) over the last two dims. */
const batchTraceXXT = (m: Tensor): Tensor => m.pow(2).sum([-2, -1]);

/** Registers `fn` for p in `ps` against q in `qs`. */
function registerAll(ps: Family[], qs: Family[], fn: (p: never, q: never) => Tensor): void {
  for (const P of ps) for (const Q of qs) registerKl(P as never, Q as never)(fn as never);
}

function sameEvents(p: Distribution, q: Distribution, what: string): void {
  if (p.eventShape.join() !== q.eventShape.join()) throw new Error(`KL-divergence between two ${what} with different event shapes cannot be computed`);
}

// ---- same family -----------------------------------------------------------------------

registerKl(Cauchy, Cauchy)((p, q) => {
  // From https://arxiv.org/abs/1905.10965.
  const t1 = p.scale.add(q.scale).pow(2).add(p.loc.sub(q.loc).pow(2)).log();
  const t2 = p.scale.mul(q.scale).mul(4).log();
  return t1.sub(t2);
});

registerKl(Pareto, Pareto)((p, q) => {
  const scaleRatio = p.scale.div(q.scale);
  const alphaRatio = q.alpha.div(p.alpha);
  const result = q.alpha.mul(scaleRatio.log()).sub(alphaRatio.log()).add(alphaRatio).sub(1);
  return where(p.scale.lt(q.scale), Infinity, result);
});

registerKl(ContinuousBernoulli, ContinuousBernoulli)((p, q) => {
  const t1 = p.mean.mul(p.logits.sub(q.logits));
  const t2 = p.contBernLogNorm().add(p.probs.neg().log1p());
  const t3 = q.contBernLogNorm().neg().sub(q.probs.neg().log1p());
  return t1.add(t2).add(t3);
});

registerKl(LowRankMultivariateNormal, LowRankMultivariateNormal)((p, q) => {
  sameEvents(p, q, 'Low Rank Multivariate Normals');
  const P = p.lowRankParts();
  const Q = q.lowRankParts();
  const term1 = lowrankLogdet(Q.D, Q.capacitanceTril).sub(lowrankLogdet(P.D, P.capacitanceTril));
  const term3 = lowrankMahalanobis(Q.W, Q.D, q.loc.sub(p.loc), Q.capacitanceTril);
  const A = solveTriangular(Q.capacitanceTril, Q.W.mT.div(Q.D.unsqueeze(-2)), { upper: false });
  const term21 = P.D.div(Q.D).sum(-1);
  const term22 = batchTraceXXT(P.W.mul(Q.D.rsqrt().unsqueeze(-1)));
  const term23 = batchTraceXXT(A.mul(P.D.sqrt().unsqueeze(-2)));
  const term24 = batchTraceXXT(matmul(A, P.W));
  const term2 = term21.add(term22).sub(term23).sub(term24);
  return term1.add(term2).add(term3).sub(p.eventShape[0]).mul(0.5);
});

registerKl(MultivariateNormal, LowRankMultivariateNormal)((p, q) => {
  sameEvents(p, q, '(Low Rank) Multivariate Normals');
  const Q = q.lowRankParts();
  const pL = p.unbroadcastedScaleTrilOf();
  const term1 = lowrankLogdet(Q.D, Q.capacitanceTril).sub(pL.diagonal(0, -2, -1).log().sum(-1).mul(2));
  const term3 = lowrankMahalanobis(Q.W, Q.D, q.loc.sub(p.loc), Q.capacitanceTril);
  const A = solveTriangular(Q.capacitanceTril, Q.W.mT.div(Q.D.unsqueeze(-2)), { upper: false });
  const term21 = batchTraceXXT(pL.mul(Q.D.rsqrt().unsqueeze(-1)));
  const term22 = batchTraceXXT(matmul(A, pL));
  return term1.add(term21.sub(term22)).add(term3).sub(p.eventShape[0]).mul(0.5);
});

registerKl(LowRankMultivariateNormal, MultivariateNormal)((p, q) => {
  sameEvents(p, q, '(Low Rank) Multivariate Normals');
  const P = p.lowRankParts();
  const qL = q.unbroadcastedScaleTrilOf();
  const term1 = qL.diagonal(0, -2, -1).log().sum(-1).mul(2).sub(lowrankLogdet(P.D, P.capacitanceTril));
  const term3 = batchMahalanobis(qL, q.loc.sub(p.loc));
  const batch = [...broadcastShapes(qL.shape.slice(0, -2), P.W.shape.slice(0, -2))];
  const n = p.eventShape[0];
  const m = P.W.shape[P.W.dim() - 1];
  const qScaleTril = qL.expand([...batch, n, n]);
  const term21 = batchTraceXXT(solveTriangular(qScaleTril, P.W.expand([...batch, n, m]), { upper: false }));
  const term22 = batchTraceXXT(solveTriangular(qScaleTril, P.D.sqrt().diagEmbed().expand([...batch, n, n]), { upper: false }));
  return term1.add(term21.add(term22)).add(term3).sub(n).mul(0.5);
});

// ---- supports that q does not cover ---------------------------------------------------

registerAll([Beta], [Pareto], (p: Beta) => infiniteLike(p.concentration1));
registerAll([ContinuousBernoulli], [Pareto], (p: ContinuousBernoulli) => infiniteLike(p.probs));
registerAll([Exponential], [Beta, ContinuousBernoulli, Pareto], (p: Exponential) => infiniteLike(p.rate));
registerAll([Gamma], [Beta, ContinuousBernoulli, Pareto, Uniform], (p: Gamma) => infiniteLike(p.concentration));
registerAll([Gumbel], [Beta, ContinuousBernoulli, Exponential, Gamma, Pareto, Uniform], (p: Gumbel) => infiniteLike(p.loc));
registerAll([Laplace], [Beta, ContinuousBernoulli, Gamma, Pareto], (p: Laplace) => infiniteLike(p.loc));
registerAll([Normal], [Beta, ContinuousBernoulli, Gamma, Pareto], (p: Normal) => infiniteLike(p.loc));
registerAll([Pareto], [Beta, ContinuousBernoulli, Uniform], (p: Pareto) => infiniteLike(p.scale));

// ---- from Beta and ContinuousBernoulli ----------------------------------------------

registerKl(Beta, ContinuousBernoulli)((p, q) =>
  p.entropy().neg().sub(p.mean.mul(q.logits)).sub(q.probs.neg().log1p()).sub(q.contBernLogNorm()),
);
registerKl(Beta, Exponential)((p, q) =>
  p.entropy().neg().sub(q.rate.log()).add(q.rate.mul(p.concentration1.div(p.concentration1.add(p.concentration0)))),
);
registerKl(Beta, Gamma)((p, q) => {
  const total = p.concentration1.add(p.concentration0);
  const t1 = p.entropy().neg();
  const t2 = lgamma(q.concentration).sub(q.concentration.mul(q.rate.log()));
  const t3 = q.concentration.sub(1).mul(digamma(p.concentration1).sub(digamma(total)));
  const t4 = q.rate.mul(p.concentration1).div(total);
  return t1.add(t2).sub(t3).add(t4);
});
registerKl(Beta, Normal)((p, q) => {
  const total = p.concentration1.add(p.concentration0);
  const eBeta = p.concentration1.div(total);
  const varNormal = q.scale.pow(2);
  const t1 = p.entropy().neg();
  const t2 = varNormal.mul(2).mul(Math.PI).log().mul(0.5);
  const t3 = eBeta.mul(eBeta.rsub(1)).div(total.add(1)).add(eBeta.pow(2)).mul(0.5);
  const t4 = q.loc.mul(eBeta);
  const t5 = q.loc.pow(2).mul(0.5);
  return t1.add(t2).add(t3.sub(t4).add(t5).div(varNormal));
});
registerKl(Beta, Uniform)((p, q) => {
  const result = p.entropy().neg().add(q.high.sub(q.low).log());
  return where(q.low.gt(0).logicalOr(q.high.lt(1)), Infinity, result);
});

registerKl(ContinuousBernoulli, Exponential)((p, q) => p.entropy().neg().sub(q.rate.log()).add(q.rate.mul(p.mean)));
registerKl(ContinuousBernoulli, Normal)((p, q) => {
  const t1 = p.entropy().neg();
  const t2 = q.loc.div(q.scale).square().add(Math.log(2 * Math.PI)).mul(0.5).add(q.scale.log());
  const t3 = p.variance.add(p.mean.square()).sub(q.loc.mul(2).mul(p.mean)).div(q.scale.square().mul(2));
  return t1.add(t2).add(t3);
});
registerKl(ContinuousBernoulli, Uniform)((p, q) => {
  const result = p.entropy().neg().add(q.high.sub(q.low).log());
  return where(q.low.ge(0).logicalOr(q.high.le(1)), Infinity, result);
});

// ---- from Exponential, Gamma, Gumbel and Normal ----------------------------------------

registerKl(Exponential, Gumbel)((p, q) => {
  const scaleRateProd = p.rate.mul(q.scale);
  const locScaleRatio = q.loc.div(q.scale);
  const t1 = scaleRateProd.log().sub(1);
  const t2 = locScaleRatio.exp().mul(scaleRateProd).div(scaleRateProd.add(1));
  const t3 = scaleRateProd.reciprocal();
  return t1.sub(locScaleRatio).add(t2).add(t3);
});
registerKl(Gamma, Gumbel)((p, q) => {
  const betaScaleProd = p.rate.mul(q.scale);
  const locScaleRatio = q.loc.div(q.scale);
  const c = p.concentration;
  const t1 = c.sub(1).mul(digamma(c)).sub(lgamma(c)).sub(c);
  const t2 = betaScaleProd.log().add(c.div(betaScaleProd));
  const t3 = locScaleRatio.exp().mul(betaScaleProd.reciprocal().add(1).pow(c.neg())).sub(locScaleRatio);
  return t1.add(t2).add(t3);
});
registerKl(Gamma, Normal)((p, q) => {
  const varNormal = q.scale.pow(2);
  const betaSqr = p.rate.pow(2);
  const c = p.concentration;
  const t1 = betaSqr.mul(varNormal).mul(2).mul(Math.PI).log().mul(0.5).sub(c).sub(lgamma(c));
  const t2 = c.pow(2).add(c).mul(0.5).div(betaSqr);
  const t3 = q.loc.mul(c).div(p.rate);
  const t4 = q.loc.pow(2).mul(0.5);
  return t1.add(c.sub(1).mul(digamma(c))).add(t2.sub(t3).add(t4).div(varNormal));
});
registerKl(Gumbel, Normal)((p, q) => {
  const paramRatio = p.scale.div(q.scale);
  const t1 = paramRatio.div(Math.sqrt(2 * Math.PI)).log();
  const t2 = paramRatio.mul(Math.PI * 0.5).pow(2).div(3);
  const t3 = p.loc.add(p.scale.mul(EULER_GAMMA)).sub(q.loc).div(q.scale).pow(2).mul(0.5);
  return t1.neg().add(t2).add(t3).sub(EULER_GAMMA + 1);
});
registerKl(Normal, Gumbel)((p, q) => {
  const meanScaleRatio = p.loc.div(q.scale);
  const varScaleSqrRatio = p.scale.div(q.scale).pow(2);
  const locScaleRatio = q.loc.div(q.scale);
  const t1 = varScaleSqrRatio.log().mul(0.5);
  const t2 = meanScaleRatio.sub(locScaleRatio);
  const t3 = meanScaleRatio.neg().add(varScaleSqrRatio.mul(0.5)).add(locScaleRatio).exp();
  return t1.neg().add(t2).add(t3).sub(0.5 * (1 + Math.log(2 * Math.PI)));
});

// ---- from Pareto ---------------------------------------------------------------------

registerKl(Pareto, Exponential)((p, q) => {
  const scaleRateProd = p.scale.mul(q.rate);
  const t1 = p.alpha.div(scaleRateProd).log();
  const t2 = p.alpha.reciprocal();
  const t3 = p.alpha.mul(scaleRateProd).div(p.alpha.sub(1));
  return where(p.alpha.le(1), Infinity, t1.sub(t2).add(t3).sub(1));
});
registerKl(Pareto, Gamma)((p, q) => {
  const common = p.scale.log().add(p.alpha.reciprocal());
  const t1 = p.alpha.log().sub(common);
  const t2 = lgamma(q.concentration).sub(q.concentration.mul(q.rate.log()));
  const t3 = q.concentration.rsub(1).mul(common);
  const t4 = q.rate.mul(p.alpha).mul(p.scale).div(p.alpha.sub(1));
  return where(p.alpha.le(1), Infinity, t1.add(t2).add(t3).add(t4).sub(1));
});
registerKl(Pareto, Normal)((p, q) => {
  const varNormal = q.scale.pow(2).mul(2);
  const common = p.scale.div(p.alpha.sub(1));
  const t1 = q.scale.mul(Math.sqrt(2 * Math.PI)).mul(p.alpha).div(p.scale).log();
  const t2 = p.alpha.reciprocal();
  const t3 = p.alpha.mul(common.pow(2)).div(p.alpha.sub(2));
  const t4 = p.alpha.mul(common).sub(q.loc).pow(2);
  return where(p.alpha.le(2), Infinity, t1.sub(t2).add(t3.add(t4).div(varNormal)).sub(1));
});

// ---- from Uniform ----------------------------------------------------------------------

registerKl(Uniform, Beta)((p, q) => {
  const common = p.high.sub(p.low);
  const t1 = common.log();
  const t2 = q.concentration1.sub(1).mul(xLogX(p.high).sub(xLogX(p.low)).sub(common)).div(common);
  const t3 = q.concentration0.sub(1).mul(xLogX(p.high.rsub(1)).sub(xLogX(p.low.rsub(1))).add(common)).div(common);
  const t4 = lgamma(q.concentration1).add(lgamma(q.concentration0)).sub(lgamma(q.concentration1.add(q.concentration0)));
  const result = t3.add(t4).sub(t1).sub(t2);
  return where(p.high.gt(1).logicalOr(p.low.lt(0)), Infinity, result);
});
registerKl(Uniform, ContinuousBernoulli)((p, q) => {
  const result = p.entropy().neg().sub(p.mean.mul(q.logits)).sub(q.probs.neg().log1p()).sub(q.contBernLogNorm());
  return where(p.high.ge(1).logicalOr(p.low.le(0)), Infinity, result);
});
registerKl(Uniform, Gamma)((p, q) => {
  const common = p.high.sub(p.low);
  const t1 = common.log();
  const t2 = lgamma(q.concentration).sub(q.concentration.mul(q.rate.log()));
  const t3 = q.concentration.rsub(1).mul(xLogX(p.high).sub(xLogX(p.low)).sub(common)).div(common);
  const t4 = q.rate.mul(p.high.add(p.low)).div(2);
  return where(p.low.lt(0), Infinity, t1.neg().add(t2).add(t3).add(t4));
});
registerKl(Uniform, Gumbel)((p, q) => {
  const common = q.scale.div(p.high.sub(p.low));
  const highLocDiff = p.high.sub(q.loc).div(q.scale);
  const lowLocDiff = p.low.sub(q.loc).div(q.scale);
  const t1 = common.log().add(highLocDiff.add(lowLocDiff).mul(0.5));
  const t2 = common.mul(highLocDiff.neg().exp().sub(lowLocDiff.neg().exp()));
  return t1.sub(t2);
});
registerKl(Uniform, Pareto)((p, q) => {
  const support = p.high.sub(p.low);
  const t1 = q.alpha.mul(q.scale.pow(q.alpha)).mul(support).log();
  const t2 = xLogX(p.high).sub(xLogX(p.low)).sub(support).div(support);
  return where(p.low.lt(q.scale), Infinity, t2.mul(q.alpha.add(1)).sub(t1));
});
