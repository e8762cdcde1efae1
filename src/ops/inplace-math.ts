/**
 * In-place forms of the elementwise math (`x.sigmoid_()`, `x.atan2_(y)`, `x.lerp_(y, w)`,
 * ...). A unary op without history runs its kernel on `self`; anything with history, and
 * every op of several operands, goes through `rebase` (inplace.ts), which computes the
 * out-of-place op and writes it back, checking PyTorch's cast and shape rules.
 */
import { UnaryOp } from '../native/enums.generated.js';
import { checkInplace } from '../autograd/function.js';
import { gradEnabled, noGrad } from '../autograd/grad-mode.js';
import { defaultFloat, scalarTypeName } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { checkTensor } from '../tensor/args.js';
import { copyKernel, unaryKernel_ } from './tensor-kernels.js';
import { assertNoInternalOverlap, checkWriteOverlap } from './overlap.js';
import { rebase } from './inplace.js';
import * as E from './elementwise.js';
import * as U from './unary-math.js';
import * as B from './binary-math.js';
import * as C from './compare-math.js';
import * as M from './math-extras.js';
import type { TensorOrScalar } from './elementwise.js';

/**
 * An in-place unary op: the kernel on `self` when nothing records history, else a rebase
 * onto `outOfPlace`. `floatOnly` ops refuse integer tensors (their float result cannot be
 * stored back), with PyTorch's message. @internal
 * @example unaryInplace(x, 'elu_', UnaryOp.Elu, (t) => F.elu(t), true, 1)
 */
export function unaryInplace(
  self: Tensor,
  fn: string,
  op: UnaryOp,
  outOfPlace: (current: Tensor) => Tensor,
  floatOnly: boolean,
  p0 = NaN,
  p1 = NaN,
): Tensor {
  checkTensor(self, fn, 'input');
  if (floatOnly && !self._dtype.isFloatingPoint && !self._dtype.isComplex) {
    throw new Error(`result type ${scalarTypeName(defaultFloat.name)} can't be cast to the desired output type ${scalarTypeName(self._dtype.name)}`);
  }
  assertNoInternalOverlap(self);
  if (gradEnabled() && self._requiresGrad) return rebase(self, outOfPlace);
  checkInplace(self);
  if (self._dtype.isComplex) {
    // No complex kernel works in place: the op's complex form, written back.
    const result = noGrad(() => outOfPlace(self));
    if (result._dtype !== self._dtype) throw new Error(`result type ${scalarTypeName(result._dtype.name)} can't be cast to the desired output type ${scalarTypeName(self._dtype.name)}`);
    copyKernel(self, result);
    result.dispose();
    self._version.value++;
    return self;
  }
  unaryKernel_(op, self, p0, p1);
  self._version.value++;
  return self;
}

/** An in-place op of several operands: computed out of place and written back. */
export function viaRebase(self: Tensor, fn: string, others: unknown[], compute: (current: Tensor) => Tensor): Tensor {
  checkTensor(self, fn, 'input');
  assertNoInternalOverlap(self);
  for (const o of others) if (o instanceof Tensor) checkWriteOverlap(self, o);
  return rebase(self, compute);
}

// ---- unary -------------------------------------------------------------------------------

/** In-place sigmoid. @example x.sigmoid_() */
export const sigmoid_ = (x: Tensor): Tensor => unaryInplace(x, 'sigmoid_', UnaryOp.Sigmoid, E.sigmoid, true);
/** In-place tanh. @example x.tanh_() */
export const tanh_ = (x: Tensor): Tensor => unaryInplace(x, 'tanh_', UnaryOp.Tanh, E.tanh, true);
/** In-place exp. @example x.exp_() */
export const exp_ = (x: Tensor): Tensor => unaryInplace(x, 'exp_', UnaryOp.Exp, E.exp, true);
/** In-place natural log. @example x.log_() */
export const log_ = (x: Tensor): Tensor => unaryInplace(x, 'log_', UnaryOp.Log, E.log, true);
/** In-place log1p. @example x.log1p_() */
export const log1p_ = (x: Tensor): Tensor => unaryInplace(x, 'log1p_', UnaryOp.Log1p, E.log1p, true);
/** In-place expm1. @example x.expm1_() */
export const expm1_ = (x: Tensor): Tensor => unaryInplace(x, 'expm1_', UnaryOp.Expm1, E.expm1, true);
/** In-place square root. @example x.sqrt_() */
export const sqrt_ = (x: Tensor): Tensor => unaryInplace(x, 'sqrt_', UnaryOp.Sqrt, E.sqrt, true);
/** In-place rsqrt. @example x.rsqrt_() */
export const rsqrt_ = (x: Tensor): Tensor => unaryInplace(x, 'rsqrt_', UnaryOp.Rsqrt, E.rsqrt, true);
/** In-place reciprocal. @example x.reciprocal_() */
export const reciprocal_ = (x: Tensor): Tensor => unaryInplace(x, 'reciprocal_', UnaryOp.Reciprocal, E.reciprocal, true);
/** In-place sine. @example x.sin_() */
export const sin_ = (x: Tensor): Tensor => unaryInplace(x, 'sin_', UnaryOp.Sin, E.sin, true);
/** In-place cosine. @example x.cos_() */
export const cos_ = (x: Tensor): Tensor => unaryInplace(x, 'cos_', UnaryOp.Cos, E.cos, true);
/** In-place erf. @example x.erf_() */
export const erf_ = (x: Tensor): Tensor => unaryInplace(x, 'erf_', UnaryOp.Erf, E.erf, true);
/** In-place abs. @example x.abs_() */
export const abs_ = (x: Tensor): Tensor => unaryInplace(x, 'abs_', UnaryOp.Abs, E.abs, false);
/** In-place sign. @example x.sign_() */
export const sign_ = (x: Tensor): Tensor => unaryInplace(x, 'sign_', UnaryOp.Sign, E.sign, false);
/** In-place floor. @example x.floor_() */
export const floor_ = (x: Tensor): Tensor => unaryInplace(x, 'floor_', UnaryOp.Floor, E.floor, false);
/** In-place ceil. @example x.ceil_() */
export const ceil_ = (x: Tensor): Tensor => unaryInplace(x, 'ceil_', UnaryOp.Ceil, E.ceil, false);
/** In-place round (half to even). @example x.round_() */
export const round_ = (x: Tensor): Tensor => unaryInplace(x, 'round_', UnaryOp.Round, E.round, false);
/** In-place trunc. @example x.trunc_() */
export const trunc_ = (x: Tensor): Tensor => unaryInplace(x, 'trunc_', UnaryOp.Trunc, E.trunc, false);
/** In-place square. @example x.square_() */
export const square_ = (x: Tensor): Tensor => viaRebase(x, 'square_', [], E.square);
/** In-place tangent. @example x.tan_() */
export const tan_ = (x: Tensor): Tensor => unaryInplace(x, 'tan_', UnaryOp.Tan, U.tan, true);
/** In-place arcsine. @example x.asin_() */
export const asin_ = (x: Tensor): Tensor => unaryInplace(x, 'asin_', UnaryOp.Asin, U.asin, true);
/** In-place arccosine. @example x.acos_() */
export const acos_ = (x: Tensor): Tensor => unaryInplace(x, 'acos_', UnaryOp.Acos, U.acos, true);
/** In-place arctangent. @example x.atan_() */
export const atan_ = (x: Tensor): Tensor => unaryInplace(x, 'atan_', UnaryOp.Atan, U.atan, true);
/** In-place sinh. @example x.sinh_() */
export const sinh_ = (x: Tensor): Tensor => unaryInplace(x, 'sinh_', UnaryOp.Sinh, U.sinh, true);
/** In-place cosh. @example x.cosh_() */
export const cosh_ = (x: Tensor): Tensor => unaryInplace(x, 'cosh_', UnaryOp.Cosh, U.cosh, true);
/** In-place asinh. @example x.asinh_() */
export const asinh_ = (x: Tensor): Tensor => unaryInplace(x, 'asinh_', UnaryOp.Asinh, U.asinh, true);
/** In-place acosh. @example x.acosh_() */
export const acosh_ = (x: Tensor): Tensor => unaryInplace(x, 'acosh_', UnaryOp.Acosh, U.acosh, true);
/** In-place atanh. @example x.atanh_() */
export const atanh_ = (x: Tensor): Tensor => unaryInplace(x, 'atanh_', UnaryOp.Atanh, U.atanh, true);
/** In-place log2. @example x.log2_() */
export const log2_ = (x: Tensor): Tensor => unaryInplace(x, 'log2_', UnaryOp.Log2, U.log2, true);
/** In-place log10. @example x.log10_() */
export const log10_ = (x: Tensor): Tensor => unaryInplace(x, 'log10_', UnaryOp.Log10, U.log10, true);
/** In-place exp2. @example x.exp2_() */
export const exp2_ = (x: Tensor): Tensor => unaryInplace(x, 'exp2_', UnaryOp.Exp2, U.exp2, true);
/** In-place frac. @example x.frac_() */
export const frac_ = (x: Tensor): Tensor => viaRebase(x, 'frac_', [], U.frac);
/** In-place nanToNum. @example x.nanToNum_() */
export const nanToNum_ = (x: Tensor, ...args: Parameters<typeof U.nanToNum> extends [Tensor, ...infer R] ? R : never): Tensor =>
  viaRebase(x, 'nanToNum_', [], (t) => U.nanToNum(t, ...args));

// ---- several operands ----------------------------------------------------------------------

/** In-place atan2. @example y.atan2_(x) */
export const atan2_ = (x: Tensor, other: Tensor): Tensor => viaRebase(x, 'atan2_', [other], (t) => E.atan2(t, other));
/** In-place hypot. @example x.hypot_(y) */
export const hypot_ = (x: Tensor, other: Tensor): Tensor => viaRebase(x, 'hypot_', [other], (t) => B.hypot(t, other));
/** In-place fmod. @example x.fmod_(2) */
export const fmod_ = (x: Tensor, other: TensorOrScalar): Tensor => viaRebase(x, 'fmod_', [other], (t) => B.fmod(t, other));
/** In-place remainder. @example x.remainder_(2) */
export const remainder_ = (x: Tensor, other: TensorOrScalar): Tensor => viaRebase(x, 'remainder_', [other], (t) => E.remainder(t, other));
/** In-place copysign. @example x.copysign_(-1) */
export const copysign_ = (x: Tensor, other: TensorOrScalar): Tensor => viaRebase(x, 'copysign_', [other], (t) => B.copysign(t, other));
/** In-place xlogy. @example x.xlogy_(y) */
export const xlogy_ = (x: Tensor, other: TensorOrScalar): Tensor => viaRebase(x, 'xlogy_', [other], (t) => B.xlogy(t, other));
/** In-place lerp. @example a.lerp_(b, 0.1) */
export const lerp_ = (x: Tensor, end: Tensor, weight: number | Tensor): Tensor =>
  viaRebase(x, 'lerp_', [end, weight], (t) => B.lerp(t, end, weight));
/** In-place addcmul. @example v.addcmul_(g, g, { value: 1 - beta2 }) */
export const addcmul_ = (x: Tensor, t1: Tensor, t2: Tensor, options?: B.ValueOptions): Tensor =>
  viaRebase(x, 'addcmul_', [t1, t2], (t) => B.addcmul(t, t1, t2, options));
/** In-place addcdiv. @example p.addcdiv_(m, denom, { value: -lr }) */
export const addcdiv_ = (x: Tensor, t1: Tensor, t2: Tensor, options?: B.ValueOptions): Tensor =>
  viaRebase(x, 'addcdiv_', [t1, t2], (t) => B.addcdiv(t, t1, t2, options));
/** In-place clampMin. @example x.clampMin_(0) */
export const clampMin_ = (x: Tensor, min: number | Tensor): Tensor => viaRebase(x, 'clampMin_', [min], (t) => C.clampMin(t, min));
/** In-place clampMax. @example x.clampMax_(1) */
export const clampMax_ = (x: Tensor, max: number | Tensor): Tensor => viaRebase(x, 'clampMax_', [max], (t) => C.clampMax(t, max));
/** In-place gcd. @example x.gcd_(y) */
export const gcd_ = (x: Tensor, other: Tensor): Tensor => viaRebase(x, 'gcd_', [other], (t) => B.gcd(t, other));
/** In-place lcm. @example x.lcm_(y) */
export const lcm_ = (x: Tensor, other: Tensor): Tensor => viaRebase(x, 'lcm_', [other], (t) => B.lcm(t, other));
/** In-place nextafter. @example x.nextafter_(y) */
export const nextafter_ = (x: Tensor, other: Tensor): Tensor => viaRebase(x, 'nextafter_', [other], (t) => B.nextafter(t, other));
/** In-place ldexp: `x * 2 ** other`, in `x`'s dtype. @example x.ldexp_(e) */
export const ldexp_ = (x: Tensor, other: Tensor): Tensor => viaRebase(x, 'ldexp_', [other], (t) => M.ldexp(t, other));
/** In-place floatPower; only a float64 `x` can hold the result. @example x.floatPower_(2) */
export const floatPower_ = (x: Tensor, exponent: Tensor | number): Tensor => {
  // PyTorch checks the dtype first, before computing anything.
  if (x instanceof Tensor && x._dtype.name !== 'float64') {
    throw new Error(`the base given to float_power_ has dtype ${scalarTypeName(x._dtype.name)} but the operation's result requires dtype Double`);
  }
  return viaRebase(x, 'floatPower_', [exponent], (t) => M.floatPower(t, exponent));
};
/** In-place heaviside. @example x.heaviside_(values) */
export const heaviside_ = (x: Tensor, values: Tensor): Tensor => viaRebase(x, 'heaviside_', [values], (t) => M.heaviside(t, values));
/** In-place rad2deg. @example x.rad2deg_() */
export const rad2deg_ = (x: Tensor): Tensor => viaRebase(x, 'rad2deg_', [], M.rad2deg);
/** In-place deg2rad. @example x.deg2rad_() */
export const deg2rad_ = (x: Tensor): Tensor => viaRebase(x, 'deg2rad_', [], M.deg2rad);
/** In-place sinc. @example x.sinc_() */
export const sinc_ = (x: Tensor): Tensor => viaRebase(x, 'sinc_', [], M.sinc);
