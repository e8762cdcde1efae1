/**
 * The rest of `torch.special`, on native kernels (flint/rules/special_gamma.h,
 * special_bessel.h, special_polynomial.h): ndtri; the regularized incomplete gamma functions
 * gammainc and gammaincc; the Hurwitz zeta function; the Bessel functions J0, J1, Y0, Y1, the
 * modified I0, I1, K0, K1 and scaled K0, K1, spherical_bessel_j0 and airy_ai; and the
 * orthogonal polynomials of (x, n). Integer inputs compute in the default float, as in PyTorch.
 * float32 is computed in double and rounded once (PyTorch computes it in float: its values can
 * differ by an ulp or two, and by more near zeros and where its float arithmetic overflows).
 *
 * As in PyTorch 1.13, ndtri has a derivative, gammainc/gammaincc one in `x` and zeta one in `q`;
 * the Bessel functions and the polynomials record no history (their outputs do not require grad).
 */
import { BinaryOp, UnaryOp } from '../native/enums.generated.js';
import { record } from '../autograd/function.js';
import { gradEnabled, noGrad } from '../autograd/grad-mode.js';
import { resultType, scalarTypeName } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { argumentError, checkTensor } from '../tensor/args.js';
import { add, exp, gradTo, log, mul, neg, operand, sub, unary, type TensorOrScalar } from './elementwise.js';
import { lgamma } from './special.js';
import { floatForward } from './binary-math.js';

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * The inverse of the standard normal CDF (`torch.special.ndtri`): the x with ndtr(x) = p.
 * @example torch.special.ndtri(torch.tensor([0.5, 0.975])) // tensor([0.0000, 1.9600])
 */
export function ndtri(input: Tensor): Tensor {
  checkTensor(input, 'special_ndtri', 'input');
  return unary(UnaryOp.Ndtri, 'SpecialNdtriBackward0', input, true, 'output', (g, o) => mul(g, mul(exp(mul(o(), o()).mul(0.5)), SQRT_2PI)));
}

/** A float op of one input without a derivative: its output never requires grad, as in PyTorch. */
function plain(op: UnaryOp, fn: string, input: Tensor): Tensor {
  checkTensor(input, fn, 'input');
  return noGrad(() => unary(op, fn, input, true, 'none', null));
}

/** The Bessel function of the first kind of order 0. @example torch.special.besselJ0(torch.tensor([0, 2.4048])) // tensor([1.0000e+00, 2.5e-06]) */
export const besselJ0 = (input: Tensor): Tensor => plain(UnaryOp.BesselJ0, 'special_bessel_j0', input);
/** The Bessel function of the first kind of order 1. @example torch.special.besselJ1(x) */
export const besselJ1 = (input: Tensor): Tensor => plain(UnaryOp.BesselJ1, 'special_bessel_j1', input);
/** The Bessel function of the second kind of order 0 (NaN below 0, -inf at 0). @example torch.special.besselY0(x) */
export const besselY0 = (input: Tensor): Tensor => plain(UnaryOp.BesselY0, 'special_bessel_y0', input);
/** The Bessel function of the second kind of order 1. @example torch.special.besselY1(x) */
export const besselY1 = (input: Tensor): Tensor => plain(UnaryOp.BesselY1, 'special_bessel_y1', input);
/** The modified Bessel function of the first kind of order 0 (the values of `torch.i0`). @example torch.special.modifiedBesselI0(x) */
export const modifiedBesselI0 = (input: Tensor): Tensor => plain(UnaryOp.I0, 'special_modified_bessel_i0', input);
/** The modified Bessel function of the first kind of order 1. @example torch.special.modifiedBesselI1(x) */
export const modifiedBesselI1 = (input: Tensor): Tensor => plain(UnaryOp.ModifiedBesselI1, 'special_modified_bessel_i1', input);
/** The modified Bessel function of the second kind of order 0 (NaN below 0, inf at 0). @example torch.special.modifiedBesselK0(x) */
export const modifiedBesselK0 = (input: Tensor): Tensor => plain(UnaryOp.ModifiedBesselK0, 'special_modified_bessel_k0', input);
/** The modified Bessel function of the second kind of order 1. @example torch.special.modifiedBesselK1(x) */
export const modifiedBesselK1 = (input: Tensor): Tensor => plain(UnaryOp.ModifiedBesselK1, 'special_modified_bessel_k1', input);
/** `exp(x) K0(x)`, without K0's underflow. @example torch.special.scaledModifiedBesselK0(x) */
export const scaledModifiedBesselK0 = (input: Tensor): Tensor => plain(UnaryOp.ScaledModifiedBesselK0, 'special_scaled_modified_bessel_k0', input);
/** `exp(x) K1(x)`. @example torch.special.scaledModifiedBesselK1(x) */
export const scaledModifiedBesselK1 = (input: Tensor): Tensor => plain(UnaryOp.ScaledModifiedBesselK1, 'special_scaled_modified_bessel_k1', input);
/** The spherical Bessel function of the first kind of order 0, `sin(x) / x`. @example torch.special.sphericalBesselJ0(x) */
export const sphericalBesselJ0 = (input: Tensor): Tensor => plain(UnaryOp.SphericalBesselJ0, 'special_spherical_bessel_j0', input);
/** The Airy function Ai. @example torch.special.airyAi(torch.tensor([0])) // tensor([0.3550]) */
export const airyAi = (input: Tensor): Tensor => plain(UnaryOp.AiryAi, 'special_airy_ai', input);

// ---- two inputs ----------------------------------------------------------------------------

/** gammainc and gammaincc: two tensors of a floating result type, as PyTorch requires. */
function incompleteGamma(fn: string, kernel: string, op: BinaryOp, gradFn: string, sign: 1 | -1, input: Tensor, other: Tensor): Tensor {
  checkTensor(input, fn, 'input');
  if (!(other instanceof Tensor)) throw argumentError(fn, 'other', 'a Tensor', other);
  const dtype = resultType([operand(input), operand(other)]);
  if (!dtype.isFloatingPoint) throw new Error(`"${kernel}" not implemented for '${scalarTypeName(dtype.name)}'`);
  const out = noGrad(() => floatForward(fn, op, input, other));
  if (!gradEnabled() || !(input._requiresGrad || other._requiresGrad)) return out;
  const otherMeta = { shape: other._shape, dtype: other._dtype };
  return record(out, gradFn, [input, other], (node) => {
    const a = node.save(input);
    const x = node.save(other);
    const needsInput = input._requiresGrad;
    return (g) => {
      if (needsInput) throw new Error(`the derivative for '${kernel.replace('_cpu', '')}: input' is not implemented.`);
      // d/dx P(a, x) = exp(-x) x^(a-1) / Gamma(a), and Q = 1 - P.
      const density = exp(sub(sub(mul(sub(a(), 1), log(x())), x()), lgamma(a())));
      return [null, gradTo(mul(g, sign === 1 ? density : neg(density)), otherMeta.shape, otherMeta.dtype)];
    };
  });
}

/**
 * The regularized lower incomplete gamma function P(a, x) (`torch.special.gammainc`); its
 * derivative is taken in `x` only, as PyTorch's.
 * @example torch.special.gammainc(torch.tensor([1.0]), torch.tensor([1.0])) // tensor([0.6321])
 */
export function gammainc(input: Tensor, other: Tensor): Tensor {
  return incompleteGamma('special_gammainc', 'igamma_cpu', BinaryOp.Igamma, 'IgammaBackward0', 1, input, other);
}

/** `torch.igamma`, the same as {@link gammainc}. @example torch.igamma(a, x) */
export const igamma = (input: Tensor, other: Tensor): Tensor => gammainc(input, other);

/**
 * The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x) (`torch.special.gammaincc`).
 * @example torch.special.gammaincc(torch.tensor([1.0]), torch.tensor([1.0])) // tensor([0.3679])
 */
export function gammaincc(input: Tensor, other: Tensor): Tensor {
  return incompleteGamma('special_gammaincc', 'igammac_cpu', BinaryOp.Igammac, 'IgammacBackward0', -1, input, other);
}

/** `torch.igammac`, the same as {@link gammaincc}. @example torch.igammac(a, x) */
export const igammac = (input: Tensor, other: Tensor): Tensor => gammaincc(input, other);

/**
 * The Hurwitz zeta function ζ(x, q) = Σ (k + q)^-x (`torch.special.zeta`); ζ(x, 1) is Riemann's.
 * Either operand may be a number. Its derivative is taken in `q` only, as PyTorch's.
 * @example torch.special.zeta(torch.tensor([2.0]), 1) // tensor([1.6449])
 */
export function zeta(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  const out = noGrad(() => floatForward('special_zeta', BinaryOp.Zeta, input, other));
  const x = input instanceof Tensor ? input : null;
  const q = other instanceof Tensor ? other : null;
  if (!gradEnabled() || !(x?._requiresGrad || q?._requiresGrad)) return out;
  const saved = [x, q].filter((t): t is Tensor => t !== null);
  return record(out, 'SpecialZetaBackward0', saved, (node) => {
    const sx = x === null ? null : node.save(x);
    const sq = q === null ? null : node.save(q);
    const needsX = x?._requiresGrad === true;
    return (g) => {
      if (needsX) throw new Error("the derivative for 'zeta' is not implemented.");
      const xv: TensorOrScalar = sx === null ? (input as number) : sx();
      const qv: TensorOrScalar = sq === null ? (other as number) : sq();
      // d/dq ζ(x, q) = -x ζ(x + 1, q).
      const dq = mul(g, neg(mul(xv, zeta(add(xv, 1), qv))));
      const grads: (Tensor | null)[] = [];
      if (x !== null) grads.push(null);
      if (q !== null) grads.push(gradTo(dq, q._shape, q._dtype));
      return grads;
    };
  });
}

/** An orthogonal polynomial of (x, n): x or n may be a number; n is taken in the result's dtype and truncated. */
function polynomial(op: BinaryOp, fn: string, x: TensorOrScalar, n: TensorOrScalar): Tensor {
  return noGrad(() => floatForward(fn, op, x, n));
}

/** The Chebyshev polynomial of the first kind T_n(x). @example torch.special.chebyshevPolynomialT(torch.tensor([0.5, 2]), 3) // tensor([-1., 26.]) */
export const chebyshevPolynomialT = (x: TensorOrScalar, n: TensorOrScalar): Tensor => polynomial(BinaryOp.ChebyshevT, 'special_chebyshev_polynomial_t', x, n);
/** The Chebyshev polynomial of the second kind U_n(x). @example torch.special.chebyshevPolynomialU(x, 4) */
export const chebyshevPolynomialU = (x: TensorOrScalar, n: TensorOrScalar): Tensor => polynomial(BinaryOp.ChebyshevU, 'special_chebyshev_polynomial_u', x, n);
/** The Chebyshev polynomial of the third kind V_n(x). @example torch.special.chebyshevPolynomialV(x, 4) */
export const chebyshevPolynomialV = (x: TensorOrScalar, n: TensorOrScalar): Tensor => polynomial(BinaryOp.ChebyshevV, 'special_chebyshev_polynomial_v', x, n);
/** The Chebyshev polynomial of the fourth kind W_n(x). @example torch.special.chebyshevPolynomialW(x, 4) */
export const chebyshevPolynomialW = (x: TensorOrScalar, n: TensorOrScalar): Tensor => polynomial(BinaryOp.ChebyshevW, 'special_chebyshev_polynomial_w', x, n);
/** The shifted Chebyshev polynomial T*_n(x) = T_n(2x - 1). @example torch.special.shiftedChebyshevPolynomialT(x, 3) */
export const shiftedChebyshevPolynomialT = (x: TensorOrScalar, n: TensorOrScalar): Tensor => polynomial(BinaryOp.ShiftedChebyshevT, 'special_shifted_chebyshev_polynomial_t', x, n);
/** The shifted Chebyshev polynomial U*_n(x). @example torch.special.shiftedChebyshevPolynomialU(x, 3) */
export const shiftedChebyshevPolynomialU = (x: TensorOrScalar, n: TensorOrScalar): Tensor => polynomial(BinaryOp.ShiftedChebyshevU, 'special_shifted_chebyshev_polynomial_u', x, n);
/** The shifted Chebyshev polynomial V*_n(x). @example torch.special.shiftedChebyshevPolynomialV(x, 3) */
export const shiftedChebyshevPolynomialV = (x: TensorOrScalar, n: TensorOrScalar): Tensor => polynomial(BinaryOp.ShiftedChebyshevV, 'special_shifted_chebyshev_polynomial_v', x, n);
/** The shifted Chebyshev polynomial W*_n(x). @example torch.special.shiftedChebyshevPolynomialW(x, 3) */
export const shiftedChebyshevPolynomialW = (x: TensorOrScalar, n: TensorOrScalar): Tensor => polynomial(BinaryOp.ShiftedChebyshevW, 'special_shifted_chebyshev_polynomial_w', x, n);
/** The physicists' Hermite polynomial H_n(x). @example torch.special.hermitePolynomialH(x, 3) */
export const hermitePolynomialH = (x: TensorOrScalar, n: TensorOrScalar): Tensor => polynomial(BinaryOp.HermiteH, 'special_hermite_polynomial_h', x, n);
/** The probabilists' Hermite polynomial He_n(x). @example torch.special.hermitePolynomialHe(x, 3) */
export const hermitePolynomialHe = (x: TensorOrScalar, n: TensorOrScalar): Tensor => polynomial(BinaryOp.HermiteHe, 'special_hermite_polynomial_he', x, n);
/** The Laguerre polynomial L_n(x). @example torch.special.laguerrePolynomialL(x, 3) */
export const laguerrePolynomialL = (x: TensorOrScalar, n: TensorOrScalar): Tensor => polynomial(BinaryOp.LaguerreL, 'special_laguerre_polynomial_l', x, n);
/** The Legendre polynomial P_n(x). @example torch.special.legendrePolynomialP(x, 3) */
export const legendrePolynomialP = (x: TensorOrScalar, n: TensorOrScalar): Tensor => polynomial(BinaryOp.LegendreP, 'special_legendre_polynomial_p', x, n);
