/**
 * `torch.distributions`: probability distributions with PyTorch's parameters, shapes,
 * random streams and validation, for sampling, log-likelihoods, entropies and KL
 * divergences; `rsample` gives reparameterized samples that carry gradients.
 * @example
 * const { Normal, Categorical, klDivergence } = torch.distributions;
 * const policy = new Categorical({ logits: net(state) });
 * const action = policy.sample();
 * const loss = policy.logProb(action).mul(-advantage).mean();
 */
export { Distribution } from './distribution.js';
export type { DistributionOptions, Param } from './distribution.js';
export type { ProbsLogitsOptions } from './probs-logits.js';
export { Normal } from './normal.js';
export { Bernoulli } from './bernoulli.js';
export { Categorical, OneHotCategorical, OneHotCategoricalStraightThrough } from './categorical.js';
export { Uniform } from './uniform.js';
export { Exponential } from './exponential.js';
export { Laplace } from './laplace.js';
export { Poisson } from './poisson.js';
export { Gamma, Chi2 } from './gamma.js';
export { Dirichlet, Beta } from './dirichlet.js';
export { StudentT } from './student-t.js';
export { Cauchy } from './cauchy.js';
export { Geometric } from './geometric.js';
export { HalfNormal, HalfCauchy, Gumbel } from './half-normal.js';
export { Pareto } from './pareto.js';
export { ExponentialFamily } from './exp-family.js';
export { ContinuousBernoulli } from './continuous-bernoulli.js';
export type { ContinuousBernoulliOptions } from './continuous-bernoulli.js';
export { FisherSnedecor } from './fisher-snedecor.js';
export { VonMises } from './von-mises.js';
export { LKJCholesky } from './lkj-cholesky.js';
export { LowRankMultivariateNormal } from './lowrank-multivariate-normal.js';
export { Wishart } from './wishart.js';
export { Weibull } from './weibull.js';
export { Kumaraswamy } from './kumaraswamy.js';
export { LogisticNormal } from './logistic-normal.js';
export { LogitRelaxedBernoulli, RelaxedBernoulli, ExpRelaxedCategorical, RelaxedOneHotCategorical } from './relaxed.js';
export { MixtureSameFamily } from './mixture-same-family.js';
export { Multinomial } from './multinomial.js';
export { Binomial, NegativeBinomial } from './binomial.js';
export { Independent } from './independent.js';
export { MultivariateNormal } from './multivariate-normal.js';
export type { MultivariateNormalOptions } from './multivariate-normal.js';
export { TransformedDistribution, LogNormal } from './transformed-distribution.js';
export { klDivergence, registerKl } from './kl.js';
import './kl-extra.js';
/**
 * `torch.distributions.constraints`.
 * @example torch.distributions.constraints.positive.check(x)
 */
export * as constraints from './constraints.js';
/**
 * `torch.distributions.transforms`.
 * @example new torch.distributions.transforms.ExpTransform().call(x)
 */
export * as transforms from './transforms-index.js';
export {
  Transform,
  ExpTransform,
  AffineTransform,
  SigmoidTransform,
  TanhTransform,
  AbsTransform,
  ComposeTransform,
  PowerTransform,
  SoftplusTransform,
  identityTransform,
} from './transforms.js';
export {
  IndependentTransform,
  ReshapeTransform,
  SoftmaxTransform,
  StickBreakingTransform,
  LowerCholeskyTransform,
  PositiveDefiniteTransform,
  CorrCholeskyTransform,
} from './transforms-structured.js';
export { CatTransform, StackTransform, CumulativeDistributionTransform } from './transforms-piecewise.js';
export { bijectTo, transformTo } from './constraint-registry.js';
export type { ConstraintRegistry, TransformFactory } from './constraint-registry.js';
