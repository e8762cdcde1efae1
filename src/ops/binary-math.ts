/**
 * Elementwise math of two operands (hypot, logaddexp, logaddexp2, xlogy, fmod, copysign,
 * gcd, lcm, nextafter: native kernels) and of three (lerp, addcmul, addcdiv: compositions), with PyTorch's type
 * promotion and grad_fn names. Each backward sits below its forward.
 */
import { BinaryOp } from '../native/enums.generated.js';
import { type Backward, record } from '../autograd/function.js';
import { gradEnabled, noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/storage.js';
import { DType, defaultFloat, resultType, scalarTypeName } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { checkNumber, checkOptions, checkTensor, checkTensorOrScalar, keysOf } from '../tensor/args.js';
import { binaryKernel, castKernel, scalarKernel } from './tensor-kernels.js';
import {
  add, div, eq, exp, forward, gradTo, logicalAnd, lt, le, mul, neg, operand, rsub, sub, trunc, where,
  type TensorOrScalar,
} from './elementwise.js';
import { zerosOf } from './internal-tensors.js';
import { exp2 } from './unary-math.js';
import { autocastHook, autocastOp } from '../amp/autocast-policy.js';

function as(x: Tensor, dtype: DType): Tensor {
  return x._dtype === dtype ? x : castKernel(x, dtype);
}

type Meta = { shape: number[]; dtype: DType };
const metaOf = (t: Tensor): Meta => ({ shape: t._shape, dtype: t._dtype });

/**
 * A float-valued binary op: the operands' promoted dtype, or the default float for
 * integers and bools. Either operand may be a scalar (not both). @internal
 */
export function floatForward(fn: string, op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (!(a instanceof Tensor)) {
    checkTensorOrScalar(a, fn, 'input');
    checkTensor(b, fn, 'other');
  } else {
    checkTensorOrScalar(b, fn, 'other');
  }
  let dtype = resultType([operand(a), operand(b)]);
  if (!dtype.isFloatingPoint) dtype = defaultFloat;
  if (a instanceof Tensor && b instanceof Tensor) return binaryKernel(op, as(a, dtype), as(b, dtype), dtype);
  if (a instanceof Tensor) return scalarKernel(op, as(a, dtype), Number(b), false, dtype);
  return scalarKernel(op, as(b as Tensor, dtype), Number(a), true, dtype);
}

/** Records a two-tensor op whose backward needs both operands (and maybe the output). */
function recordPair(out: Tensor, name: string, a: Tensor, b: Tensor, grads: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor, Tensor]): Tensor {
  if (!gradEnabled() || !(a._requiresGrad || b._requiresGrad)) return out;
  return record(out, name, [a, b], (node) => pairBackward(node.save(a), node.save(b), node.save(out), metaOf(a), metaOf(b), grads));
}

function pairBackward(
  sa: () => Tensor,
  sb: () => Tensor,
  so: () => Tensor,
  ma: Meta,
  mb: Meta,
  grads: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor, Tensor],
): Backward {
  return (g) => {
    const [ga, gb] = grads(g, sa(), sb(), so());
    return [gradTo(ga, ma.shape, ma.dtype), gradTo(gb, mb.shape, mb.dtype)];
  };
}

/**
 * `sqrt(a² + b²)` without overflow. Integer inputs give the default float.
 * @example torch.hypot(x, y)
 */
export function hypot(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'hypot', 'input');
  checkTensor(b, 'hypot', 'other');
  const out = floatForward('hypot', BinaryOp.Hypot, a, b);
  return recordPair(out, 'HypotBackward0', a, b, (g, x, y, o) => [mul(g, div(x, o)), mul(g, div(y, o))]);
}

/**
 * `log(exp(a) + exp(b))`, computed without overflow.
 * @example torch.logaddexp(x, y)
 */
export function logaddexp(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'logaddexp', 'input');
  checkTensor(b, 'logaddexp', 'other');
  const out = floatForward('logaddexp', BinaryOp.Logaddexp, a, b);
  return recordPair(out, 'LogaddexpBackward0', a, b, (g, x, y) => [div(g, add(exp(sub(y, x)), 1)), div(g, add(exp(sub(x, y)), 1))]);
}

/**
 * `log2(2^a + 2^b)`, computed without overflow.
 * @example torch.logaddexp2(x, y)
 */
export function logaddexp2(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'logaddexp2', 'input');
  checkTensor(b, 'logaddexp2', 'other');
  const out = floatForward('logaddexp2', BinaryOp.Logaddexp2, a, b);
  return recordPair(out, 'Logaddexp2Backward0', a, b, (g, x, y) => [div(g, add(exp2(sub(y, x)), 1)), div(g, add(exp2(sub(x, y)), 1))]);
}

/**
 * `a * log(b)`, 0 where `a == 0` (unless `b` is NaN). Either operand may be a number.
 * @example torch.xlogy(x, y); x.xlogy(2); torch.xlogy(2, y)
 */
export function xlogy(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = floatForward('xlogy', BinaryOp.Xlogy, a, b);
  if (!gradEnabled()) return out;
  // PyTorch's: d/da = xlogy(g, b), 0 where a == 0 and b <= 0; d/db = g * a / b.
  const gradA = (g: Tensor, x: Tensor, y: TensorOrScalar): Tensor => {
    const grad = xlogy(g, y);
    if (y instanceof Tensor) return where(logicalAnd(eq(x, 0), le(y, 0)), 0, grad);
    return Number(y) <= 0 ? where(eq(x, 0), 0, grad) : grad;
  };
  if (a instanceof Tensor && b instanceof Tensor) {
    return recordPair(out, 'XlogyBackward0', a, b, (g, x, y) => [gradA(g, x, y), div(mul(g, x), y)]);
  }
  if (a instanceof Tensor) {
    if (!a._requiresGrad) return out;
    const y = Number(b);
    return record(out, 'XlogyBackward2', [a], (node) => {
      const sa = node.save(a);
      const m = metaOf(a);
      return (g) => [gradTo(gradA(g, sa(), y), m.shape, m.dtype)];
    });
  }
  const x = Number(a);
  const bt = b as Tensor;
  if (!bt._requiresGrad) return out;
  return record(out, 'XlogyBackward1', [bt], (node) => {
    const sb = node.save(bt);
    const m = metaOf(bt);
    return (g) => [gradTo(div(mul(g, x), sb()), m.shape, m.dtype)];
  });
}

/**
 * C's remainder: the result takes the dividend's sign (`torch.remainder` takes the
 * divisor's). Integer division by zero throws, as PyTorch's.
 * @example torch.fmod(x, 3); x.fmod(y)
 */
export function fmod(a: Tensor, b: TensorOrScalar): Tensor {
  const out = forward('fmod', BinaryOp.Fmod, a, b, false);
  if (!gradEnabled()) return out;
  if (!(b instanceof Tensor)) {
    if (!a._requiresGrad) return out;
    const m = metaOf(a);
    return record(out, 'FmodBackward0', [a], () => (g) => [gradTo(g, m.shape, m.dtype)]);
  }
  return recordPair(out, 'FmodBackward1', a, b, (g, x, y) => [g, neg(mul(g, trunc(div(x, y))))]);
}

/**
 * `|a|` with the sign of `b` (-0.0 and NaN signs included). Integer inputs give the
 * default float.
 * @example torch.copysign(x, -1); x.copysign(y)
 */
export function copysign(a: Tensor, b: TensorOrScalar): Tensor {
  checkTensor(a, 'copysign', 'input');
  const out = floatForward('copysign', BinaryOp.Copysign, a, b);
  if (!gradEnabled() || !(a._requiresGrad || (b instanceof Tensor && b._requiresGrad))) return out;
  // d/da = out / a (±1), 0 where a == 0; b gets zeros.
  const gradA = (g: Tensor, x: Tensor, o: Tensor) => where(eq(x, 0), 0, mul(g, div(o, x)));
  if (b instanceof Tensor) {
    return recordPair(out, 'CopysignBackward0', a, b, (g, x, y, o) => [gradA(g, x, o), zerosOf(y._shape.slice(), g)]);
  }
  return record(out, 'CopysignBackward1', [a], (node) => {
    const sa = node.save(a);
    const so = node.save(out);
    const m = metaOf(a);
    return (g) => [gradTo(gradA(g, sa(), so()), m.shape, m.dtype)];
  });
}

// ---- ternary ---------------------------------------------------------------------------

function sameDtype(expected: Tensor, other: Tensor, name: string): void {
  if (other._dtype !== expected._dtype) {
    // PyTorch prints the C type names here (float, double, long).
    const c = (d: DType) => scalarTypeName(d).toLowerCase();
    throw new Error(`expected dtype ${c(expected._dtype)} for \`${name}\` but got dtype ${c(other._dtype)}`);
  }
}

/** An integer-only op (gcd, lcm) in the operands' promoted dtype, as PyTorch refuses floats and bool. */
function integerForward(fn: string, op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  checkTensor(a, fn, 'input');
  checkTensor(b, fn, 'other');
  const dtype = resultType([operand(a), operand(b)]);
  if (dtype.isFloatingPoint || dtype.name === 'bool') throw new Error(`"${fn}_cpu" not implemented for '${scalarTypeName(dtype.name)}'`);
  return forward(fn, op, a, b, false);
}

/**
 * The greatest common divisor of integers, elementwise (gcd(0, 0) = 0).
 * @example torch.gcd(torch.tensor([12, -9, 0]), torch.tensor([18, 6, 5])) // [6, 3, 5]
 */
export function gcd(a: Tensor, b: Tensor): Tensor {
  return integerForward('gcd', BinaryOp.Gcd, a, b);
}

/**
 * The least common multiple of integers, elementwise (0 when either is 0).
 * @example torch.lcm(torch.tensor([4, -6]), torch.tensor([6, 4])) // [12, 12]
 */
export function lcm(a: Tensor, b: Tensor): Tensor {
  return integerForward('lcm', BinaryOp.Lcm, a, b);
}

/**
 * The next representable float after `a` toward `b`, elementwise. Not differentiable.
 * @example torch.nextafter(torch.tensor([1], { dtype: torch.float64 }), torch.tensor([2], { dtype: torch.float64 })) // 1 + 2^-52
 */
export function nextafter(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'nextafter', 'input');
  checkTensor(b, 'nextafter', 'other');
  const dtype = resultType([operand(a), operand(b)]);
  if (!dtype.isFloatingPoint) throw new Error(`"nextafter_cpu" not implemented for '${scalarTypeName(dtype.name)}'`);
  const out = noGrad(() => forward('nextafter', BinaryOp.Nextafter, a, b, false));
  if (!gradEnabled() || !(a._requiresGrad || b._requiresGrad)) return out;
  return record(out, 'NextafterBackward0', [a, b], () => () => {
    throw new Error("the derivative for 'nextafter' is not implemented.");
  });
}

/**
 * `start + weight * (end - start)`, with PyTorch's two-sided formula (exact at weight 1).
 * `weight` is a number or a tensor (broadcast).
 * @example torch.lerp(a, b, 0.5); a.lerp(b, w)
 */
export function lerp(start: Tensor, end: Tensor, weight: number | Tensor): Tensor {
  checkTensor(start, 'lerp', 'input');
  checkTensor(end, 'lerp', 'end');
  sameDtype(start, end, 'end');
  if (!start._dtype.isFloatingPoint) {
    throw new Error(`"lerp_kernel_${weight instanceof Tensor ? 'tensor' : 'scalar'}" not implemented for '${scalarTypeName(start._dtype)}'`);
  }
  if (weight instanceof Tensor) {
    sameDtype(start, weight, 'weight');
  } else {
    checkNumber(weight, 'lerp', 'weight');
  }
  const w = weight;
  const out = tidy(() =>
    noGrad(() => {
      const diff = sub(end, start);
      if (!(w instanceof Tensor)) return Math.abs(w) < 0.5 ? add(start, mul(diff, w)) : sub(end, mul(diff, 1 - w));
      return where(lt(w.abs(), 0.5), add(start, mul(diff, w)), sub(end, mul(diff, rsub(w, 1))));
    }),
  );
  if (!gradEnabled()) return out;
  const ms = metaOf(start);
  const me = metaOf(end);
  if (!(w instanceof Tensor)) {
    if (!start._requiresGrad && !end._requiresGrad) return out;
    return record(out, 'LerpBackward0', [start, end], () => (g) => [gradTo(mul(g, 1 - w), ms.shape, ms.dtype), gradTo(mul(g, w), me.shape, me.dtype)]);
  }
  if (!start._requiresGrad && !end._requiresGrad && !w._requiresGrad) return out;
  const mw = metaOf(w);
  return record(out, 'LerpBackward1', [start, end, w], (node) => {
    const ss = node.save(start);
    const se = node.save(end);
    const sw = node.save(w);
    return (g) => [
      gradTo(mul(g, rsub(sw(), 1)), ms.shape, ms.dtype),
      gradTo(mul(g, sw()), me.shape, me.dtype),
      gradTo(mul(g, sub(se(), ss())), mw.shape, mw.dtype),
    ];
  });
}

/**
 * The `value` option of addcmul and addcdiv.
 * @example torch.addcmul(x, a, b, { value: 0.5 })
 */
export interface ValueOptions {
  value?: number;
}
const VALUE_KEYS = keysOf<ValueOptions>()('value');

function valueOf(options: ValueOptions | number | undefined, fn: string): number {
  if (options === undefined) return 1;
  if (typeof options === 'number') return options;
  checkOptions(options, fn, VALUE_KEYS);
  const value = options?.value ?? 1;
  checkNumber(value, fn, 'value');
  return value;
}

function checkThree(fn: string, input: unknown, t1: unknown, t2: unknown): asserts input is Tensor {
  checkTensor(input, fn, 'input');
  checkTensor(t1, fn, 'tensor1');
  checkTensor(t2, fn, 'tensor2');
}

/**
 * `input + value * tensor1 * tensor2`, broadcast.
 * @example torch.addcmul(x, a, b, { value: 0.5 }); x.addcmul(a, b)
 */
export function addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, options?: ValueOptions): Tensor {
  if (autocastHook.active) return autocastOp('addcmul', addcmul, arguments);
  checkThree('addcmul', input, tensor1, tensor2);
  const value = valueOf(options, 'addcmul');
  return addc('AddcmulBackward0', input, tensor1, tensor2, value, false);
}

/**
 * `input + value * tensor1 / tensor2`, broadcast. Integer tensor1 and tensor2 are refused,
 * as in PyTorch.
 * @example torch.addcdiv(p, m, v.sqrt().add(1e-8), { value: -lr })
 */
export function addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, options?: ValueOptions): Tensor {
  if (autocastHook.active) return autocastOp('addcdiv', addcdiv, arguments);
  checkThree('addcdiv', input, tensor1, tensor2);
  const value = valueOf(options, 'addcdiv');
  if (!tensor1._dtype.isFloatingPoint && !tensor2._dtype.isFloatingPoint) {
    throw new Error(
      'Integer division with addcdiv is no longer supported, and in a future release addcdiv will perform a true division of tensor1 and tensor2. ' +
        'The historic addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as ' +
        '(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), for all dtypes.',
    );
  }
  return addc('AddcdivBackward0', input, tensor1, tensor2, value, true);
}

function addc(name: string, input: Tensor, t1: Tensor, t2: Tensor, value: number, divide: boolean): Tensor {
  const dtype = resultType([operand(input), operand(t1), operand(t2)]);
  const out = tidy(() =>
    noGrad(() => {
      const prod = divide ? div(as(t1, dtype), as(t2, dtype)) : mul(as(t1, dtype), as(t2, dtype));
      return add(as(input, dtype), value === 1 ? prod : mul(prod, value));
    }),
  );
  if (!gradEnabled() || !(input._requiresGrad || t1._requiresGrad || t2._requiresGrad)) return out;
  const [mi, m1, m2] = [metaOf(input), metaOf(t1), metaOf(t2)];
  return record(out, name, [input, t1, t2], (node) => {
    const s1 = node.save(t1);
    const s2 = node.save(t2);
    return (g) => {
      const scaled = mul(g, value);
      const g1 = divide ? div(scaled, s2()) : mul(scaled, s2());
      const g2 = divide ? neg(div(mul(scaled, s1()), mul(s2(), s2()))) : mul(scaled, s1());
      return [gradTo(g, mi.shape, mi.dtype), gradTo(g1, m1.shape, m1.dtype), gradTo(g2, m2.shape, m2.dtype)];
    };
  });
}
