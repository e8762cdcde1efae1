/**
 * Elementwise functions composed from the native kernels: rad2deg / deg2rad, signbit,
 * floatPower, ldexp, heaviside, and torch.special's sinc, entr and xlog1py. Where PyTorch
 * has its own backward (sinc, entr, xlog1py, rad2deg, deg2rad) it is recorded here with
 * PyTorch's formula and grad_fn name, beside the forward.
 */
import { record } from '../autograd/function.js';
import { gradEnabled, noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { bool, defaultFloat, float64, int32, resultType } from '../tensor/dtype.js';
import { checkTensor } from '../tensor/args.js';
import { NO_COMPLEX_KERNEL } from '../native/meta.js';
import { sumTo } from './reduce.js';
import { gradTo, logicalAnd, pow, where } from './elementwise.js';
import { isfinite } from './unary-math.js';
import { tensor, zerosLike } from '../tensor/creation.js';

const toFloat = (x: Tensor): Tensor => {
  if (x.dtype.isComplex) throw new TypeError(NO_COMPLEX_KERNEL);
  return x.dtype.isFloatingPoint ? x : x.to(defaultFloat);
};

/** y = scale · x, recorded as one node named as PyTorch's. */
function scaled(fn: string, name: string, x: Tensor, scale: number): Tensor {
  checkTensor(x, fn, 'input');
  const out = noGrad(() => toFloat(x).mul(scale));
  if (!gradEnabled() || !x.requiresGrad) return out;
  return record(out, name, [x], () => (g) => [g.mul(scale)]);
}

/**
 * Radians to degrees.
 * @example torch.rad2deg(torch.tensor([Math.PI])) // [180]
 */
export function rad2deg(x: Tensor): Tensor {
  return scaled('rad2deg', 'Rad2DegBackward0', x, 180 / Math.PI);
}
/**
 * Degrees to radians.
 * @example torch.deg2rad(torch.tensor([180])) // [3.1416]
 */
export function deg2rad(x: Tensor): Tensor {
  return scaled('deg2rad', 'Deg2RadBackward0', x, Math.PI / 180);
}

/**
 * Whether the sign bit is set: true for negatives and for -0.
 * @example torch.signbit(torch.tensor([-0, 0, -2])) // [true, false, true]
 */
export function signbit(x: Tensor): Tensor {
  checkTensor(x, 'signbit', 'input');
  return noGrad(() => {
    if (x.dtype === bool) return zerosLike(x);
    if (!x.dtype.isFloatingPoint) return x.lt(0);
    // copysign(1, x) reads the sign bit, so -0 and -NaN count as negative.
    return x.newOnes(x.shape).copysign(x).lt(0);
  });
}

/**
 * input ** exponent in float64, whatever the inputs' dtypes.
 * @example torch.floatPower(torch.tensor([2, 3]), 2) // [4, 9], float64
 */
export function floatPower(input: Tensor | number, exponent: Tensor | number): Tensor {
  if (!(input instanceof Tensor) && !(exponent instanceof Tensor)) throw new TypeError('float_power(): expected input or exponent to be a Tensor');
  const base = input instanceof Tensor ? input.to(float64) : input;
  const exp = exponent instanceof Tensor ? exponent.to(float64) : exponent;
  return pow(base, exp);
}

/**
 * input · 2^other.
 * @example torch.ldexp(torch.tensor([1]), torch.tensor([3])) // [8]
 */
export function ldexp(input: Tensor, other: Tensor): Tensor {
  checkTensor(input, 'ldexp', 'input');
  checkTensor(other, 'ldexp', 'other');
  // PyTorch's input * pow(2.0, other): the float 2.0 makes an integer exponent float.
  return input.mul(pow(2, toFloat(other)));
}

/**
 * The Heaviside step: 0 below zero, 1 above, and `values` at zero. Not differentiable.
 * @example torch.heaviside(torch.tensor([-1, 0, 2]), torch.tensor([0.5])) // [0, 0.5, 1]
 */
export function heaviside(input: Tensor, values: Tensor): Tensor {
  checkTensor(input, 'heaviside', 'input');
  checkTensor(values, 'heaviside', 'values');
  if (input.dtype !== values.dtype) throw new Error('heaviside is not yet implemented for tensors with different dtypes.');
  const out = noGrad(() => where(input.eq(0), values, input.gt(0).to(input.dtype)));
  if (gradEnabled() && (input.requiresGrad || values.requiresGrad)) {
    return record(out, 'HeavisideBackward0', [input, values], () => () => {
      throw new Error('derivative for aten::heaviside is not implemented');
    });
  }
  return out;
}

/**
 * The normalized sinc, sin(πx) / (πx), and 1 at 0.
 * @example torch.sinc(torch.tensor([0, 0.5])) // [1, 0.6366]
 */
export function sinc(x: Tensor): Tensor {
  checkTensor(x, 'sinc', 'input');
  const input = toFloat(x);
  const out = noGrad(() => {
    const px = input.mul(Math.PI);
    return where(input.eq(0), 1, px.sin().div(px));
  });
  if (!gradEnabled() || !x.requiresGrad) return out;
  return record(out, 'SincBackward0', [x], (node) => {
    const saved = node.save(input);
    return (g) => {
      const v = saved();
      const px = v.mul(Math.PI);
      const squaredPi = v.mul(v).mul(Math.PI);
      const grad = g.mul(px.mul(px.cos()).sub(px.sin())).div(squaredPi);
      return [where(squaredPi.eq(0), 0, grad)];
    };
  });
}

/**
 * The elementwise entropy term -x log x (0 at 0, -inf below 0).
 * @example torch.special.entr(torch.tensor([-1, 0, 0.5])) // [-inf, 0, 0.3466]
 */
export function entr(x: Tensor): Tensor {
  checkTensor(x, 'entr', 'input');
  const input = toFloat(x);
  // -x log x above 0, 0 at 0, -inf below, NaN for NaN.
  const out = noGrad(() => where(input.gt(0), input.mul(input.log()).neg(), where(input.eq(0), 0, where(input.lt(0), -Infinity, input))));
  if (!gradEnabled() || !x.requiresGrad) return out;
  return record(out, 'SpecialEntrBackward0', [x], (node) => {
    const saved = node.save(input);
    return (g) => [g.mul(saved().log().add(1).neg())];
  });
}

/**
 * x · log1p(y), and 0 where x is 0 (unless y is NaN).
 * @example torch.special.xlog1py(torch.tensor([0, 2]), torch.tensor([-1, 1])) // [0, 1.3863]
 */
export function xlog1py(x: Tensor | number, y: Tensor | number): Tensor {
  if (!(x instanceof Tensor) && !(y instanceof Tensor)) throw new TypeError('xlog1py(): expected x or y to be a Tensor');
  if ((x instanceof Tensor && x.dtype.isComplex) || (y instanceof Tensor && y.dtype.isComplex)) throw new TypeError(NO_COMPLEX_KERNEL);
  const operand = (v: Tensor | number) => (v instanceof Tensor ? { dtype: v.dtype, dim: v.dim() } : v);
  let dtype = resultType([operand(x), operand(y)]);
  if (!dtype.isFloatingPoint) dtype = defaultFloat;
  const like = (x instanceof Tensor ? x : y) as Tensor;
  const [a, b] = [x, y].map((v) => (v instanceof Tensor ? v.to(dtype) : tensor(v, { dtype, device: like.device })));
  const out = noGrad(() => where(a.eq(0).logicalAnd(b.isnan().logicalNot()), 0, a.mul(b.log1p())));
  const wantA = x instanceof Tensor && x.requiresGrad;
  const wantB = y instanceof Tensor && y.requiresGrad;
  if (!gradEnabled() || !(wantA || wantB)) return out;
  // PyTorch's node names: Backward0 for two tensors, 1 with a number x, 2 with a number y.
  const name = x instanceof Tensor && y instanceof Tensor ? 'SpecialXlog1PyBackward0' : x instanceof Tensor ? 'SpecialXlog1PyBackward2' : 'SpecialXlog1PyBackward1';
  const inputs = [wantA ? (x as Tensor) : null, wantB ? (y as Tensor) : null].filter((t): t is Tensor => t !== null);
  const [shapeA, shapeB] = [[...a.shape], [...b.shape]];
  return record(out, name, inputs, (node) => {
    const [sa, sb] = [node.save(a), node.save(b)];
    return (g) => {
      const [va, vb] = [sa(), sb()];
      const grads: Tensor[] = [];
      if (wantA) {
        // xlog1py(g, y), with 0 where x == 0 and y <= -1.
        const ga = where(g.eq(0).logicalAnd(vb.isnan().logicalNot()), 0, g.mul(vb.log1p()));
        grads.push(sumTo(where(va.eq(0).logicalAnd(vb.le(-1)), 0, ga), shapeA).to((x as Tensor).dtype));
      }
      if (wantB) grads.push(sumTo(g.mul(va).div(vb.add(1)), shapeB).to((y as Tensor).dtype));
      return grads;
    };
  });
}

/** A mantissa and exponent pair, as PyTorch's namedtuple (also a `[mantissa, exponent]` array). */
export type FrexpResult = [Tensor, Tensor] & { readonly mantissa: Tensor; readonly exponent: Tensor };

/**
 * Splits floats into a mantissa in [0.5, 1) (signed) and an int32 exponent, `input =
 * mantissa · 2^exponent`, as C's frexp (0, inf and NaN give themselves and exponent 0).
 * The mantissa's gradient is `grad / 2^exponent`.
 * @example const [m, e] = torch.frexp(torch.tensor([1, -3.5, 0.75])); // m: [0.5, -0.875, 0.75], e: [1, 2, 0]
 */
export function frexp(input: Tensor): FrexpResult {
  checkTensor(input, 'frexp', 'input');
  if (!input._dtype.isFloatingPoint) throw new Error('torch.frexp() only supports floating-point dtypes');
  const [mantissa, exponent] = noGrad(() => {
    // In double, where every float32 (subnormals too) has a normal representation.
    const x = input.to(float64);
    const finite = logicalAnd(isfinite(x), x.ne(0));
    const safe = where(finite, x.abs(), 1);
    let e = safe.log2().floor().add(1);
    // log2 can round across a power of two: nudge the exponent until |x| / 2^e is in [0.5, 1).
    const scaled = (exp: Tensor): Tensor => safe.mul(pow(2, exp.neg().div(2).floor())).mul(pow(2, exp.neg().sub(exp.neg().div(2).floor())));
    e = where(scaled(e).ge(1), e.add(1), e);
    e = where(scaled(e).lt(0.5), e.sub(1), e);
    const m = where(finite, scaled(e).mul(x.sign()), x);
    return [m.to(input._dtype), where(finite, e, 0).to(int32)];
  });
  let m = mantissa;
  if (gradEnabled() && input._requiresGrad) {
    const meta = { shape: input._shape, dtype: input._dtype };
    m = record(mantissa, 'FrexpBackward0', [input], (node) => {
      const se = node.save(exponent);
      return (g) => [gradTo(g.div(pow(2, se().to(g._dtype))), meta.shape, meta.dtype)];
    });
  }
  const result = [m, exponent];
  Object.defineProperty(result, 'mantissa', { value: m, enumerable: false });
  Object.defineProperty(result, 'exponent', { value: exponent, enumerable: false });
  return result as FrexpResult;
}
