/**
 * `torch.special`: the special functions under the names PyTorch gives them there. Most
 * are the torch.* functions themselves; `gammaln` is lgamma, `psi` digamma, `expit`
 * sigmoid.
 * @example torch.special.gammaln(torch.tensor([0.5, 4])) // [0.5724, 1.7918]
 */
export { lgamma as gammaln, digamma, digamma as psi, polygamma, erfc, erfinv, logit, mvlgamma as multigammaln, i0, i0e, i1, i1e, erfcx, logNdtr, ndtr } from './ops/special.js';
export { sigmoid as expit, erf, expm1, log1p, round } from './ops/elementwise.js';
export { exp2 } from './ops/unary-math.js';
export { sinc, entr, xlog1py } from './ops/math-extras.js';
export { xlogy } from './ops/binary-math.js';
export { logsumexp } from './ops/reduce.js';
export { softmax, logSoftmax } from './ops/softmax.js';
