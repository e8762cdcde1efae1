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
export {
  ndtri, gammainc, gammaincc, zeta, besselJ0, besselJ1, besselY0, besselY1, modifiedBesselI0, modifiedBesselI1,
  modifiedBesselK0, modifiedBesselK1, scaledModifiedBesselK0, scaledModifiedBesselK1, sphericalBesselJ0, airyAi,
  chebyshevPolynomialT, chebyshevPolynomialU, chebyshevPolynomialV, chebyshevPolynomialW, shiftedChebyshevPolynomialT,
  shiftedChebyshevPolynomialU, shiftedChebyshevPolynomialV, shiftedChebyshevPolynomialW, hermitePolynomialH,
  hermitePolynomialHe, laguerrePolynomialL, legendrePolynomialP,
} from './ops/special-functions.js';
export { softmax, logSoftmax } from './ops/softmax.js';
