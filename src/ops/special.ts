/**
 * The special functions: lgamma, digamma, polygamma, erfc, erfinv and logit (native
 * kernels; integer inputs promote to the default float) and mvlgamma (a sum of lgammas),
 * with the backward of each from
 * PyTorch's derivatives.yaml beside its forward, and `torch.special`, which names them and
 * their relatives as PyTorch does. torch.distributions builds on these.
 */
import { UnaryOp } from '../native/enums.generated.js';
import { record } from '../autograd/function.js';
import { gradEnabled, noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/storage.js';
import { defaultFloat, float64 } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { argumentError, checkInteger, checkTensor } from '../tensor/args.js';
import { abs, add, div, erf, exp, gt, log, logicalOr, lt, mul, neg, reciprocal, rsub, sign, sub, unary, where } from './elementwise.js';
import { castKernel } from './tensor-kernels.js';
import { arange } from '../tensor/creation.js';
import { unaryInplace, viaRebase } from './inplace-math.js';

const SQRT_PI = Math.sqrt(Math.PI);

/**
 * The log of the absolute value of the gamma function.
 * @example torch.lgamma(torch.tensor([0.5, 1, 10])) // [0.5724, 0, 12.8018]
 */
export function lgamma(x: Tensor): Tensor {
  return unary(UnaryOp.Lgamma, 'LgammaBackward0', x, true, 'input', (g, i) => mul(g, digamma(i())));
}

/**
 * The digamma function, the derivative of lgamma (±inf at ±0, NaN at negative integers).
 * @example torch.digamma(torch.tensor([1, 0.5])) // [-0.5772, -1.9635]
 */
export function digamma(x: Tensor): Tensor {
  return unary(UnaryOp.Digamma, 'DigammaBackward0', x, true, 'input', (g, i) => mul(g, polygamma(1, i())));
}

/**
 * The n-th derivative of digamma, `torch.polygamma(n, input)` (n = 0 is digamma).
 * @example torch.polygamma(1, torch.tensor([1, 2])) // [1.6449, 0.6449]
 */
export function polygamma(n: number, x: Tensor): Tensor {
  checkInteger(n, 'polygamma', 'n');
  if (n < 0) throw new Error('polygamma(n, x) does not support negative n.');
  checkTensor(x, 'polygamma', 'input');
  return unary(UnaryOp.Polygamma, 'PolygammaBackward0', x, true, 'input', (g, i) => mul(g, polygamma(n + 1, i())), n);
}

/**
 * The complementary error function, `1 - erf(x)` without its cancellation for large x.
 * @example torch.erfc(torch.tensor([0, 3])) // [1, 2.2090e-05]
 */
export function erfc(x: Tensor): Tensor {
  return unary(UnaryOp.Erfc, 'ErfcBackward0', x, true, 'input', (g, i) => mul(g, mul(exp(neg(mul(i(), i()))), -2 / SQRT_PI)));
}

/**
 * The inverse error function on [-1, 1] (±inf at ±1, NaN outside).
 * @example torch.erfinv(torch.tensor([0, 0.5])) // [0, 0.4769]
 */
export function erfinv(x: Tensor): Tensor {
  return unary(UnaryOp.Erfinv, 'ErfinvBackward0', x, true, 'output', (g, o) => mul(g, mul(exp(mul(o(), o())), 0.5 * SQRT_PI)));
}

/**
 * `log(p / (1 - p))`, the inverse of sigmoid. With `eps`, p is first clamped to
 * [eps, 1 - eps], and the gradient is 0 outside that range, as PyTorch's.
 * @example torch.logit(torch.tensor([0.25, 0.5])) // [-1.0986, 0]
 * @example x.logit(1e-6)
 */
export function logit(x: Tensor, eps: number | null = null): Tensor {
  checkTensor(x, 'logit', 'input');
  if (eps !== null && typeof eps !== 'number') throw argumentError('logit', 'eps', 'a number or null', eps);
  // A negative eps means none, as in PyTorch's kernel.
  const bounds = eps === null || !(eps >= 0) ? null : [eps, 1 - eps];
  const input = x._dtype.isFloatingPoint ? x : castKernel(x, defaultFloat);
  const out = tidy(() =>
    noGrad(() => {
      // where() rather than clamp: with eps > 0.5 the bounds cross, and PyTorch tests lo first.
      const p = bounds === null ? input : where(lt(input, bounds[0]), bounds[0], where(gt(input, bounds[1]), bounds[1], input));
      return log(div(p, rsub(p, 1)));
    }),
  );
  if (input !== x) input.dispose();
  if (!gradEnabled() || !x._requiresGrad) return out;
  return record(out, 'LogitBackward0', [x], (node) => {
    const saved = node.save(x);
    return (g) => {
      const v = saved();
      const d = div(g, mul(v, rsub(v, 1)));
      const [lo, hi] = bounds ?? [0, 1];
      return [where(logicalOr(lt(v, lo), gt(v, hi)), bounds === null ? NaN : 0, d)];
    };
  });
}

/**
 * The multivariate log-gamma function of dimension p,
 * `sum_{i<p} lgamma(x - i/2) + p(p-1)/4 log(pi)` (`torch.special.multigammaln`).
 * @example torch.mvlgamma(torch.tensor([2.5, 3]), 3) // [1.8810, 2.6949]
 */
export function mvlgamma(x: Tensor, p: number): Tensor {
  checkTensor(x, 'mvlgamma', 'input');
  checkInteger(p, 'mvlgamma', 'p');
  if (p < 1) throw new Error('p has to be greater than or equal to 1');
  if (x._dtype.name === 'bool') throw new Error('The input tensor may not be a boolean tensor.');
  const input = x._dtype.isFloatingPoint ? x : castKernel(x, defaultFloat);
  const constant = (p * (p - 1) * Math.log(Math.PI)) / 4;
  const shifted = (v: Tensor): Tensor => tidy(() => {
    // x - i/2 for i < p, along a new last dim.
    const offsets = arange(-p * 0.5 + 0.5, 0.5, 0.5, { dtype: v.dtype, device: v.device });
    return offsets.add(v.unsqueeze(-1));
  });
  const out = tidy(() => noGrad(() => lgamma(shifted(input)).sum(-1).add(constant)));
  if (input !== x) input.dispose();
  if (!gradEnabled() || !x._requiresGrad) return out;
  return record(out, 'MvlgammaBackward0', [x], (node) => {
    const saved = node.save(x);
    return (g) => [mul(g, digamma(shifted(saved())).sum(-1))];
  });
}

// ---- Bessel functions and the normal tails -------------------------------------------------

/**
 * The zeroth-order modified Bessel function of the first kind, I0.
 * @example torch.i0(torch.tensor([0, 1])) // [1, 1.2661]
 */
export function i0(x: Tensor): Tensor {
  return unary(UnaryOp.I0, 'I0Backward0', x, true, 'input', (g, i) => mul(g, i1(i())));
}
/**
 * exp(-|x|) I0(x), which does not overflow (`torch.special.i0e`).
 * @example torch.special.i0e(torch.tensor([0, 100])) // [1, 0.0399]
 */
export function i0e(x: Tensor): Tensor {
  // d/dx = i1e(x) - sgn(x) i0e(x)
  return unary(UnaryOp.I0e, 'SpecialI0EBackward0', x, true, 'input', (g, i) => mul(g, sub(i1e(i()), mul(sign(i()), i0e(i())))));
}

/** PyTorch's i1/i1e backward: the derivative, with 0.5 where |x| <= eps (where it is 0/0). */
function besselOneGrad(g: Tensor, x: Tensor, scaled: boolean): Tensor {
  const eps = x._dtype === float64 ? 2.220446049250313e-16 : 1.1920928955078125e-7;
  const notTiny = gt(abs(x), eps);
  const safe = where(notTiny, x, eps);
  const result = scaled ? i1e(safe) : i1(safe);
  const derivative = scaled ? sub(i0e(safe), mul(result, add(sign(safe), reciprocal(safe)))) : sub(i0(safe), div(result, safe));
  return mul(g, where(notTiny, derivative, 0.5));
}
/**
 * The first-order modified Bessel function of the first kind, I1 (`torch.special.i1`).
 * @example torch.special.i1(torch.tensor([0, 1])) // [0, 0.5652]
 */
export function i1(x: Tensor): Tensor {
  return unary(UnaryOp.I1, 'SpecialI1Backward0', x, true, 'input', (g, i) => besselOneGrad(g, i(), false));
}
/**
 * exp(-|x|) I1(x) (`torch.special.i1e`).
 * @example torch.special.i1e(torch.tensor([1, 100])) // [0.2079, 0.0397]
 */
export function i1e(x: Tensor): Tensor {
  return unary(UnaryOp.I1e, 'SpecialI1EBackward0', x, true, 'input', (g, i) => besselOneGrad(g, i(), true));
}
/**
 * The scaled complementary error function exp(x²) erfc(x) (`torch.special.erfcx`).
 * @example torch.special.erfcx(torch.tensor([0, 30])) // [1, 0.0188]
 */
export function erfcx(x: Tensor): Tensor {
  // d/dx = 2 x erfcx(x) - 2/sqrt(pi)
  return unary(UnaryOp.Erfcx, 'SpecialErfcxBackward0', x, true, 'input', (g, i) => mul(g, sub(mul(mul(i(), erfcx(i())), 2), 2 / SQRT_PI)));
}
/**
 * The log of the standard normal CDF, accurate far into the left tail (`torch.special.log_ndtr`).
 * @example torch.special.logNdtr(torch.tensor([0, -40])) // [-0.6931, -804.6084]
 */
export function logNdtr(x: Tensor): Tensor {
  const out = unary(UnaryOp.LogNdtr, 'SpecialLogNdtrBackward0', x, true, 'none', null);
  if (!gradEnabled() || !x._requiresGrad) return out;
  // d/dx = exp(-(log_ndtr(x) + x²/2)) / sqrt(2 pi)
  return record(out, 'SpecialLogNdtrBackward0', [x], (node) => {
    const [si, so] = [node.save(x), node.save(out)];
    return (g) => [div(mul(g, exp(neg(add(so(), div(mul(si(), si()), 2))))), Math.sqrt(2 * Math.PI))];
  });
}
/**
 * The standard normal CDF, (1 + erf(x/√2)) / 2 (`torch.special.ndtr`, composed as PyTorch's).
 * @example torch.special.ndtr(torch.tensor([0, 1.96])) // [0.5, 0.9750]
 */
export function ndtr(x: Tensor): Tensor {
  checkTensor(x, 'special_ndtr', 'input');
  const input = x._dtype.isFloatingPoint ? x : castKernel(x, defaultFloat);
  return mul(add(erf(mul(input, Math.SQRT1_2)), 1), 0.5);
}

// ---- in-place forms ------------------------------------------------------------------

/** In-place lgamma. @example x.lgamma_() */
export const lgamma_ = (x: Tensor): Tensor => unaryInplace(x, 'lgamma_', UnaryOp.Lgamma, lgamma, true);
/** In-place digamma. @example x.digamma_() */
export const digamma_ = (x: Tensor): Tensor => unaryInplace(x, 'digamma_', UnaryOp.Digamma, digamma, true);
/** In-place erfc. @example x.erfc_() */
export const erfc_ = (x: Tensor): Tensor => unaryInplace(x, 'erfc_', UnaryOp.Erfc, erfc, true);
/** In-place erfinv. @example x.erfinv_() */
export const erfinv_ = (x: Tensor): Tensor => unaryInplace(x, 'erfinv_', UnaryOp.Erfinv, erfinv, true);
/** In-place polygamma, `x.polygamma_(n)`. @example x.polygamma_(1) */
export function polygamma_(x: Tensor, n: number): Tensor {
  checkInteger(n, 'polygamma_', 'n');
  if (n < 0) throw new Error('polygamma(n, x) does not support negative n.');
  return unaryInplace(x, 'polygamma_', UnaryOp.Polygamma, (t) => polygamma(n, t), true, n);
}
/** In-place mvlgamma, `x.mvlgamma_(p)`. @example x.mvlgamma_(2) */
export const mvlgamma_ = (x: Tensor, p: number): Tensor => viaRebase(x, 'mvlgamma_', [], (t) => mvlgamma(t, p));
/** In-place i0. @example x.i0_() */
export const i0_ = (x: Tensor): Tensor => unaryInplace(x, 'i0_', UnaryOp.I0, i0, true);
/** In-place logit. @example p.logit_(1e-6) */
export const logit_ = (x: Tensor, eps: number | null = null): Tensor => viaRebase(x, 'logit_', [], (t) => logit(t, eps));
