/**
 * Float math of one tensor: the inverse trigonometric and hyperbolic functions, log2,
 * log10, exp2 and frac (native kernels, integer inputs promote to the default float), the
 * bool tests isnan/isinf/isposinf/isneginf/isfinite, and nanToNum. Each backward is
 * PyTorch's formula from derivatives.yaml, beside its forward.
 */
import { UnaryOp } from '../native/enums.generated.js';
import { record } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/storage.js';
import { DType, bool, bfloat16, float16, float32 } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { argumentError, checkNumber, checkOptions, checkTensor, keysOf } from '../tensor/args.js';
import { abs, add, div, eq, logicalAnd, logicalOr, lt, mul, ne, neg, rsqrt, rsub, sub, unary, where } from './elementwise.js';
import { partView } from '../complex/parts.js';
import {
  complexAcos, complexAcosh, complexAsin, complexAsinh, complexAtan, complexAtanh, complexCosh, complexExp2, complexLog10, complexLog2, complexSinh, complexTan,
} from '../complex/functions.js';
import { NO_COMPLEX_KERNEL } from '../native/meta.js';
import { zerosOf } from './internal-tensors.js';
import { castKernel } from './tensor-kernels.js';
import { autocastHook, autocastOp } from '../amp/autocast-policy.js';

const LN2 = Math.LN2;
const LN10 = Math.LN10;

/** Tangent. @example x.tan() */
export function tan(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('tan', tan, arguments);
  if (x instanceof Tensor && x._dtype.isComplex) return complexTan(x);
  return unary(UnaryOp.Tan, 'TanBackward0', x, true, 'output', (g, o) => mul(g, add(mul(o(), o()), 1)));
}
/** Arcsine (NaN outside [-1, 1]). @example x.asin() */
export function asin(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('asin', asin, arguments);
  if (x instanceof Tensor && x._dtype.isComplex) return complexAsin(x);
  return unary(UnaryOp.Asin, 'AsinBackward0', x, true, 'input', (g, i) => mul(g, rsqrt(rsub(mul(i(), i()), 1))));
}
/** Arccosine (NaN outside [-1, 1]). @example x.acos() */
export function acos(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('acos', acos, arguments);
  if (x instanceof Tensor && x._dtype.isComplex) return complexAcos(x);
  return unary(UnaryOp.Acos, 'AcosBackward0', x, true, 'input', (g, i) => mul(g, neg(rsqrt(rsub(mul(i(), i()), 1)))));
}
/** Arctangent. @example x.atan() */
export function atan(x: Tensor): Tensor {
  if (x instanceof Tensor && x._dtype.isComplex) return complexAtan(x);
  return unary(UnaryOp.Atan, 'AtanBackward0', x, true, 'input', (g, i) => div(g, add(mul(i(), i()), 1)));
}
/** Hyperbolic sine. @example x.sinh() */
export function sinh(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('sinh', sinh, arguments);
  if (x instanceof Tensor && x._dtype.isComplex) return complexSinh(x);
  return unary(UnaryOp.Sinh, 'SinhBackward0', x, true, 'input', (g, i) => mul(g, cosh(i())));
}
/** Hyperbolic cosine. @example x.cosh() */
export function cosh(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('cosh', cosh, arguments);
  if (x instanceof Tensor && x._dtype.isComplex) return complexCosh(x);
  return unary(UnaryOp.Cosh, 'CoshBackward0', x, true, 'input', (g, i) => mul(g, sinh(i())));
}
/** Inverse hyperbolic sine. @example x.asinh() */
export function asinh(x: Tensor): Tensor {
  if (x instanceof Tensor && x._dtype.isComplex) return complexAsinh(x);
  return unary(UnaryOp.Asinh, 'AsinhBackward0', x, true, 'input', (g, i) => mul(g, rsqrt(add(mul(i(), i()), 1))));
}
/** Inverse hyperbolic cosine (NaN below 1). @example x.acosh() */
export function acosh(x: Tensor): Tensor {
  if (x instanceof Tensor && x._dtype.isComplex) return complexAcosh(x);
  return unary(UnaryOp.Acosh, 'AcoshBackward0', x, true, 'input', (g, i) => mul(g, rsqrt(sub(mul(i(), i()), 1))));
}
/** Inverse hyperbolic tangent (±inf at ±1). @example x.atanh() */
export function atanh(x: Tensor): Tensor {
  if (x instanceof Tensor && x._dtype.isComplex) return complexAtanh(x);
  return unary(UnaryOp.Atanh, 'AtanhBackward0', x, true, 'input', (g, i) => div(g, rsub(mul(i(), i()), 1)));
}
/** Base-2 logarithm. @example x.log2() */
export function log2(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('log2', log2, arguments);
  if (x instanceof Tensor && x._dtype.isComplex) return complexLog2(x);
  return unary(UnaryOp.Log2, 'Log2Backward0', x, true, 'input', (g, i) => div(g, mul(i(), LN2)));
}
/** Base-10 logarithm. @example x.log10() */
export function log10(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('log10', log10, arguments);
  if (x instanceof Tensor && x._dtype.isComplex) return complexLog10(x);
  return unary(UnaryOp.Log10, 'Log10Backward0', x, true, 'input', (g, i) => div(g, mul(i(), LN10)));
}
/** `2 ** x`. @example x.exp2() */
export function exp2(x: Tensor): Tensor {
  if (x instanceof Tensor && x._dtype.isComplex) return complexExp2(x);
  return unary(UnaryOp.Exp2, 'Exp2Backward0', x, true, 'output', (g, o) => mul(g, mul(o(), LN2)));
}
/**
 * The fractional part, `x - trunc(x)` (keeps the sign; NaN at ±inf). Integer tensors are
 * refused, as in PyTorch.
 * @example x.frac()
 */
export function frac(x: Tensor): Tensor {
  checkTensor(x, 'frac', 'input');
  if (!x._dtype.isFloatingPoint) throw new Error(`"frac_cpu" not implemented for '${intName(x._dtype)}'`);
  return unary(UnaryOp.Frac, 'FracBackward0', x, false, 'none', (g) => g);
}

function intName(dtype: DType): string {
  const names: Record<string, string> = { int64: 'Long', int32: 'Int', int16: 'Short', int8: 'Char', uint8: 'Byte', bool: 'Bool' };
  return names[dtype.name] ?? dtype.name;
}

// ---- bool tests ----------------------------------------------------------------------

function falseLike(x: Tensor, value: boolean): Tensor {
  const out = zerosOf(x._shape.slice(), x, bool);
  return value ? eq(out, false) : out;
}

/** A complex tensor's test: `test` of each part, combined. */
function eitherPart(z: Tensor, test: (part: Tensor) => Tensor, combine: (a: Tensor, b: Tensor) => Tensor): Tensor {
  return tidy(() => combine(test(partView(z, 0)), test(partView(z, 1))));
}

/** `x != x`: true at NaN (always false for integer tensors). @example x.isnan() */
export function isnan(x: Tensor): Tensor {
  checkTensor(x, 'isnan', 'input');
  if (x._dtype.isComplex) return eitherPart(x, isnan, logicalOr);
  return x._dtype.isFloatingPoint ? ne(x, x) : falseLike(x, false);
}
/** True at +inf and -inf. @example x.isinf() */
export function isinf(x: Tensor): Tensor {
  checkTensor(x, 'isinf', 'input');
  if (x._dtype.isComplex) return eitherPart(x, isinf, logicalOr);
  return x._dtype.isFloatingPoint ? tidy(() => eq(noGrad(() => abs(x)), Infinity)) : falseLike(x, false);
}
/** True at +inf. @example x.isposinf() */
export function isposinf(x: Tensor): Tensor {
  checkTensor(x, 'isposinf', 'input');
  if (x._dtype.isComplex) throw new Error('isposinf does not support complex inputs.');
  return x._dtype.isFloatingPoint ? eq(x, Infinity) : falseLike(x, false);
}
/** True at -inf. @example x.isneginf() */
export function isneginf(x: Tensor): Tensor {
  checkTensor(x, 'isneginf', 'input');
  if (x._dtype.isComplex) throw new Error('isneginf does not support complex inputs.');
  return x._dtype.isFloatingPoint ? eq(x, -Infinity) : falseLike(x, false);
}
/** True where neither NaN nor ±inf (always true for integer tensors). @example x.isfinite() */
export function isfinite(x: Tensor): Tensor {
  checkTensor(x, 'isfinite', 'input');
  if (x._dtype.isComplex) return eitherPart(x, isfinite, logicalAnd);
  // |x| < inf is false at NaN and at both infinities.
  return x._dtype.isFloatingPoint ? tidy(() => lt(noGrad(() => abs(x)), Infinity)) : falseLike(x, true);
}

// ---- nanToNum ------------------------------------------------------------------------

/**
 * The replacements of nanToNum, when given as one object.
 * @example x.nanToNum({ nan: 0, posinf: 1e6 })
 */
export interface NanToNumOptions {
  nan?: number;
  posinf?: number | null;
  neginf?: number | null;
}
const NAN_TO_NUM_KEYS = keysOf<NanToNumOptions>()('nan', 'posinf', 'neginf');

/** The largest finite value of a float dtype (torch.finfo(dtype).max). */
function finiteMax(dtype: DType): number {
  if (dtype === float32) return 3.4028234663852886e38;
  if (dtype === float16) return 65504;
  if (dtype === bfloat16) return 3.3895313892515355e38;
  return Number.MAX_VALUE;
}

/**
 * Replaces NaN with `nan` (0), +inf with `posinf` and -inf with `neginf` (by default the
 * dtype's largest and smallest finite values), as `torch.nan_to_num`. Integer tensors are
 * returned as a copy. The gradient passes where the input is finite.
 * @example x.nanToNum(); torch.nanToNum(x, 0, 1e6, -1e6); x.nanToNum({ posinf: 1 })
 */
export function nanToNum(x: Tensor, nan: number | NanToNumOptions = 0, posinf: number | null = null, neginf: number | null = null): Tensor {
  checkTensor(x, 'nanToNum', 'input');
  if (x._dtype.isComplex) throw new TypeError(NO_COMPLEX_KERNEL);
  if (nan !== null && typeof nan === 'object') {
    checkOptions(nan, 'nanToNum', NAN_TO_NUM_KEYS);
    posinf = nan.posinf ?? null;
    neginf = nan.neginf ?? null;
    nan = nan.nan ?? 0;
  }
  checkNumber(nan, 'nanToNum', 'nan');
  for (const [name, v] of [['posinf', posinf], ['neginf', neginf]] as const) {
    if (v !== null && typeof v !== 'number') throw argumentError('nanToNum', name, 'a number or null', v);
  }
  if (!x._dtype.isFloatingPoint) return castKernel(x, x._dtype);
  const hi = posinf ?? finiteMax(x._dtype);
  const lo = neginf ?? -finiteMax(x._dtype);
  const replacement = nan;
  const out = tidy(() =>
    noGrad(() => {
      const v = x;
      return where(ne(v, v), replacement, where(eq(v, Infinity), hi, where(eq(v, -Infinity), lo, v)));
    }),
  );
  return record(out, 'NanToNumBackward0', [x], (node) => {
    const saved = node.save(x);
    return (g) => [where(isfinite(saved()), g, 0)];
  });
}
