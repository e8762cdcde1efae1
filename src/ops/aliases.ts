/**
 * PyTorch's alternative names (NumPy's spellings and long forms): `torch.absolute` is
 * `torch.abs`, `torch.arccos` is `torch.acos`, `torch.greater` is `torch.gt`, and so on. Each
 * is the same function as its canonical op, so values, grad_fn names and errors are the
 * canonical op's, as in PyTorch.
 */
import { Tensor } from '../tensor/tensor.js';
import { checkTensor } from '../tensor/args.js';
import * as E from './elementwise.js';
import * as U from './unary-math.js';
import * as I from './inplace.js';
import * as IM from './inplace-math.js';
import { cat } from './shape.js';

/** `torch.absolute`, the same as `torch.abs`. @example torch.absolute(torch.tensor([-1, 2])) // tensor([1, 2]) */
export const absolute = E.abs;
/** In-place {@link absolute}. @example x.absolute_() */
export const absolute_ = IM.abs_;
/** `torch.arccos`, the same as `torch.acos`. @example torch.arccos(torch.tensor([1])) // tensor([0.]) */
export const arccos = U.acos;
/** `torch.arcsin`, the same as `torch.asin`. @example torch.arcsin(x) */
export const arcsin = U.asin;
/** `torch.arctan`, the same as `torch.atan`. @example torch.arctan(x) */
export const arctan = U.atan;
/** `torch.arccosh`, the same as `torch.acosh`. @example torch.arccosh(x) */
export const arccosh = U.acosh;
/** `torch.arcsinh`, the same as `torch.asinh`. @example torch.arcsinh(x) */
export const arcsinh = U.asinh;
/** `torch.arctanh`, the same as `torch.atanh`. @example torch.arctanh(x) */
export const arctanh = U.atanh;
/** `torch.arctan2`, the same as `torch.atan2`. @example torch.arctan2(y, x) */
export const arctan2 = E.atan2;
/** In-place {@link arccos}. @example x.arccos_() */
export const arccos_ = IM.acos_;
/** In-place {@link arcsin}. @example x.arcsin_() */
export const arcsin_ = IM.asin_;
/** In-place {@link arctan}. @example x.arctan_() */
export const arctan_ = IM.atan_;
/** In-place {@link arccosh}. @example x.arccosh_() */
export const arccosh_ = IM.acosh_;
/** In-place {@link arcsinh}. @example x.arcsinh_() */
export const arcsinh_ = IM.asinh_;
/** In-place {@link arctanh}. @example x.arctanh_() */
export const arctanh_ = IM.atanh_;
/** In-place {@link arctan2}. @example y.arctan2_(x) */
export const arctan2_ = IM.atan2_;

/** `torch.multiply`, the same as `torch.mul`. @example torch.multiply(a, 2) */
export const multiply = E.mul;
/** `torch.divide`, the same as `torch.div` (with `{ roundingMode }`). @example torch.divide(a, b, { roundingMode: 'floor' }) */
export const divide = E.div;
/** `torch.true_divide`, the same as `torch.div` without a rounding mode. @example torch.trueDivide(a, b) */
export const trueDivide = (input: E.TensorOrScalar, other: E.TensorOrScalar): Tensor => E.div(input, other);
/** `torch.subtract`, the same as `torch.sub` (with `{ alpha }`). @example torch.subtract(a, b, { alpha: 2 }) */
export const subtract = E.sub;
/** In-place {@link multiply}. @example x.multiply_(2) */
export const multiply_ = I.mul_;
/** In-place {@link divide}. @example x.divide_(2) */
export const divide_ = I.div_;
/** In-place {@link trueDivide}. @example x.trueDivide_(2) */
export const trueDivide_ = (self: Tensor, other: E.TensorOrScalar): Tensor => I.div_(self, other);
/** In-place {@link subtract}. @example x.subtract_(y) */
export const subtract_ = I.sub_;

/** `torch.negative`, the same as `torch.neg`. @example torch.negative(x) */
export const negative = E.neg;
/** In-place {@link negative}. @example x.negative_() */
export const negative_ = I.neg_;

/**
 * `torch.positive`: `input` itself, refused for bool as PyTorch refuses `+` on bool.
 * @example torch.positive(x) === x // true
 */
export function positive(input: Tensor): Tensor {
  checkTensor(input, 'positive', 'input');
  if (input._dtype.name === 'bool') throw new Error('The `+` operator, on a bool tensor is not supported.');
  return input;
}

/** `torch.greater`, the same as `torch.gt`. @example torch.greater(a, 0) */
export const greater = E.gt;
/** `torch.greater_equal`, the same as `torch.ge`. @example torch.greaterEqual(a, b) */
export const greaterEqual = E.ge;
/** `torch.less`, the same as `torch.lt`. @example torch.less(a, b) */
export const less = E.lt;
/** `torch.less_equal`, the same as `torch.le`. @example torch.lessEqual(a, 1) */
export const lessEqual = E.le;
/** `torch.not_equal`, the same as `torch.ne`. @example torch.notEqual(a, b) */
export const notEqual = E.ne;

/** `torch.fix`, the same as `torch.trunc`. @example torch.fix(torch.tensor([-1.5, 2.7])) // tensor([-1.,  2.]) */
export const fix = E.trunc;
/** In-place {@link fix}. @example x.fix_() */
export const fix_ = IM.trunc_;
/** `torch.clip_`, the same as `torch.clamp_`. @example torch.clip_(x, 0, 1) */
export const clip_ = I.clamp_;
/** `torch.concatenate`, the same as `torch.cat`. @example torch.concatenate([a, b], 1) */
export const concatenate = cat;
