/**
 * Elementwise math with broadcasting and PyTorch's type promotion. Each op's backward
 * sits right below its forward, with PyTorch's grad_fn name.
 */
import { BinaryOp, UnaryOp } from '../native/enums.generated.js';
import { type Backward, record } from '../autograd/function.js';
import { gradEnabled } from '../autograd/grad-mode.js';
import { DType, bool, defaultFloat, int64, resultType, scalarTypeName } from '../tensor/dtype.js';
import { CPU } from '../tensor/device.js';
import { Tensor } from '../tensor/tensor.js';
import { sameShape } from '../tensor/shape.js';
import {
  binaryKernel,
  activationGradKernel,
  castKernel,
  scalarKernel,
  unaryKernel,
  whereKernel as whereForward,
} from './tensor-kernels.js';
import { sumTo } from './reduce.js';
import { toDtype } from './shape.js';
import { filled, scalarLike, zerosOf } from './internal-tensors.js';
import { argumentError, checkTensor, checkTensorOrScalar } from '../tensor/args.js';
import { alphaOf, checkOperands, roundingModeOf, type AlphaOptions, type DivOptions } from './arguments.js';
import { autocastHook, autocastOp } from '../amp/autocast-policy.js';
import { imagPart, realPart as real } from '../complex/parts.js';
import { complexCos, complexExpm1, complexLog1p, complexPow, complexRsqrt, complexSigmoid, complexSin, complexSqrt, complexTanh } from '../complex/functions.js';
import { complexAbs, complexAdd, complexDiv, complexExp, complexLog, complexMul, complexNeg, complexReciprocal } from '../complex/math.js';
import { tidy } from '../memory/storage.js';

export type { AlphaOptions, DivOptions } from './arguments.js';
// maximum, minimum and clamp live in clamp.ts (their gradients follow comparisons).
export { clamp, maximum, minimum } from './clamp.js';

/** A tensor or a JS scalar operand. */
export type TensorOrScalar = Tensor | number | boolean;

/** A tensor's or scalar's entry for resultType. @internal */
export function operand(x: TensorOrScalar) {
  return x instanceof Tensor ? { dtype: x._dtype, dim: x._shape.length } : x;
}

function as(x: Tensor, dtype: DType): Tensor {
  return x._dtype === dtype ? x : castKernel(x, dtype);
}

/** The forward of a binary op with PyTorch's type promotion, after checking its operands (no autograd). @internal */
export function forward(fn: string, op: BinaryOp, a: Tensor, b: TensorOrScalar, compare: boolean): Tensor {
  checkOperands(fn, a, b);
  if (compare && anyComplex(a, b)) return complexCompare(fn, op, a, b);
  if (b instanceof Tensor) {
    const dtype = a._dtype === b._dtype ? a._dtype : resultType([operand(a), operand(b)]);
    return binaryKernel(op, as(a, dtype), as(b, dtype), compare ? bool : dtype);
  }
  const dtype = resultType([operand(a), b]);
  return scalarKernel(op, as(a, dtype), Number(b), false, compare ? bool : dtype);
}

/**
 * Casts a gradient back to an input's shape and dtype (a recorded cast, so that
 * createGraph keeps the gradient's history). Backward closures call it with the shape and
 * dtype they kept, never with the input itself (see autograd/function.ts).
 * @internal
 */
export function gradTo(grad: Tensor, shape: readonly number[], dtype: DType): Tensor {
  let g = sameShape(grad._shape, shape) ? grad : sumTo(grad, shape);
  // A real input's gradient is the real part of a complex one, as PyTorch's handle_r_to_c.
  if (g._dtype.isComplex && !dtype.isComplex) g = real(g);
  return toDtype(g, dtype);
}

/**
 * The first operand of add, sub, mul and div, which PyTorch also takes scalar-first
 * (`torch.sub(1, x)`). A number or boolean becomes a 0-d tensor on the other operand's
 * device, of the dtype the scalar would promote to against it (as a Python number does:
 * `torch.add(1, int32Tensor)` stays int32), so that the op computes what PyTorch computes.
 */
function leadingOperand(input: TensorOrScalar, other: TensorOrScalar, fn: string): Tensor {
  if (input instanceof Tensor) return input;
  checkTensorOrScalar(input, fn, 'input');
  if (other instanceof Tensor) return scalarLike(Number(input), other, resultType([operand(other), input]));
  checkTensorOrScalar(other, fn, 'other');
  const dtype = typeof input === 'boolean' ? bool : Number.isInteger(input) ? int64 : defaultFloat;
  return filled([], Number(input), dtype, CPU);
}

/**
 * eq and ne of complex operands: both parts equal (either differs). PyTorch has no order on
 * complex numbers, so the other comparisons raise its error.
 */
function complexCompare(fn: string, op: BinaryOp, a: Tensor, b: TensorOrScalar): Tensor {
  return tidy(() => complexCompareParts(fn, op, a, b));
}

function complexCompareParts(fn: string, op: BinaryOp, a: Tensor, b: TensorOrScalar): Tensor {
  if (op !== BinaryOp.Eq && op !== BinaryOp.Ne) throw new Error(`"${fn}_cpu" not implemented for '${scalarTypeName(a._dtype.isComplex ? a._dtype : (b as Tensor)._dtype)}'`);
  const [ar, ai] = [real(a), a._dtype.isComplex ? imagPart(a) : 0];
  const [br, bi] = b instanceof Tensor ? [real(b), b._dtype.isComplex ? imagPart(b) : 0] : [b, 0];
  const same = (x: Tensor | number | boolean, y: Tensor | number | boolean): Tensor =>
    x instanceof Tensor ? forward(fn, BinaryOp.Eq, x, y, true) : forward(fn, BinaryOp.Eq, y as Tensor, x, true);
  const both = logicalAnd(same(ar, br), typeof ai === 'number' && typeof bi === 'number' ? filled([], 1, bool, a.device) : same(ai, bi));
  return op === BinaryOp.Eq ? both : logicalNot(both);
}

/** Whether an operand is complex: the op's complex branch (src/complex/math.ts) takes it. */
function anyComplex(a: Tensor, b: TensorOrScalar): boolean {
  return a._dtype.isComplex || (b instanceof Tensor && b._dtype.isComplex);
}

function tensorOrNull(x: TensorOrScalar): Tensor | null {
  return x instanceof Tensor ? x : null;
}

// ---- arithmetic --------------------------------------------------------------------

/**
 * `a + alpha * b`, as `torch.add`.
 * @example torch.add(x, 1); x.add(y, { alpha: 2 }); torch.add(1, x)
 */
export function add(input: TensorOrScalar, b: TensorOrScalar, options?: AlphaOptions): Tensor {
  const a = leadingOperand(input, b, 'add');
  const alpha = alphaOf(options, 'add');
  if (anyComplex(a, b)) {
    checkOperands('add', a, b);
    return complexAdd(a, b, alpha, false);
  }
  if (alpha !== 1) {
    checkOperands('add', a, b);
    b = b instanceof Tensor ? mul(b, alpha) : Number(b) * alpha;
  }
  const out = forward('add', BinaryOp.Add, a, b, false);
  if (!gradEnabled()) return out;
  const bt = tensorOrNull(b);
  return record(out, 'AddBackward0', [a, bt], () => addBackward(a._shape, a._dtype, bt?._shape, bt?._dtype, false));
}

/** add's and sub's backward, from the operands' shapes and dtypes only (AddBackward0 saves nothing). */
function addBackward(shapeA: number[], dtypeA: DType, shapeB: number[] | undefined, dtypeB: DType | undefined, negateB: boolean): Backward {
  return (g) => [gradTo(g, shapeA, dtypeA), shapeB === undefined ? null : gradTo(negateB ? neg(g) : g, shapeB, dtypeB!)];
}

/**
 * `a - alpha * b`, as `torch.sub`.
 * @example x.sub(1)
 */
export function sub(input: TensorOrScalar, b: TensorOrScalar, options?: AlphaOptions): Tensor {
  const a = leadingOperand(input, b, 'sub');
  checkOperands('sub', a, b);
  if (a._dtype === bool && b instanceof Tensor && b._dtype === bool) {
    throw new Error(
      'Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.',
    );
  }
  const alpha = alphaOf(options, 'sub');
  if (anyComplex(a, b)) return complexAdd(a, b, alpha, true);
  if (alpha !== 1) b = b instanceof Tensor ? mul(b, alpha) : Number(b) * alpha;
  const out = forward('sub', BinaryOp.Sub, a, b, false);
  if (!gradEnabled()) return out;
  const bt = tensorOrNull(b);
  return record(out, 'SubBackward0', [a, bt], () => addBackward(a._shape, a._dtype, bt?._shape, bt?._dtype, true));
}

/**
 * `other - a` (PyTorch's `rsub`, what `1 - x` calls).
 * @example x.rsub(1) // 1 - x
 */
export function rsub(a: Tensor, other: TensorOrScalar): Tensor {
  checkOperands('rsub', a, other);
  if (other instanceof Tensor) return sub(other, a);
  if (a._dtype.isComplex) return complexAdd(complexNeg(a), other, 1, false);
  const dtype = resultType([operand(a), other]);
  const out = scalarKernel(BinaryOp.Sub, as(a, dtype), Number(other), true, dtype);
  return record(out, 'RsubBackward1', [a], () => scaledBackward(a._shape, a._dtype, 'neg', 0));
}

/**
 * Elementwise product, as `torch.mul`.
 * @example x.mul(2); x.mul(mask) // float * bool gives float
 */
export function mul(input: TensorOrScalar, b: TensorOrScalar): Tensor {
  const a = leadingOperand(input, b, 'mul');
  if (anyComplex(a, b)) {
    checkOperands('mul', a, b);
    return complexMul(a, b);
  }
  const out = forward('mul', BinaryOp.Mul, a, b, false);
  if (!gradEnabled() || !(a._requiresGrad || (b instanceof Tensor && b._requiresGrad))) return out;
  if (!(b instanceof Tensor)) return record(out, 'MulBackward0', [a], () => scaledBackward(a._shape, a._dtype, 'mul', Number(b)));
  // Each operand is saved only when the other one needs a gradient, as PyTorch's MulBackward0.
  return record(out, 'MulBackward0', [a, b], (node) =>
    mulBackward(b._requiresGrad ? node.save(a) : null, a._requiresGrad ? node.save(b) : null, a._shape, a._dtype, b._shape, b._dtype),
  );
}

/** The backward of `a * s`, `a / s` or `s - a`, from a's shape and dtype only (nothing saved). */
function scaledBackward(shape: number[], dtype: DType, op: 'mul' | 'div' | 'neg', s: number): Backward {
  return (g) => [gradTo(op === 'neg' ? neg(g) : op === 'div' ? div(g, s) : mul(g, s), shape, dtype)];
}

function mulBackward(
  sa: (() => Tensor) | null,
  sb: (() => Tensor) | null,
  shapeA: number[],
  dtypeA: DType,
  shapeB: number[],
  dtypeB: DType,
): Backward {
  return (g) => [sb === null ? null : gradTo(mul(g, sb()), shapeA, dtypeA), sa === null ? null : gradTo(mul(g, sa()), shapeB, dtypeB)];
}

/**
 * True division (integers promote to the default float), as `torch.div`;
 * `roundingMode` `'trunc'` or `'floor'` as PyTorch.
 * @example x.div(2); torch.div(a, b, { roundingMode: 'floor' })
 */
export function div(input: TensorOrScalar, b: TensorOrScalar, options?: DivOptions): Tensor {
  const a = leadingOperand(input, b, 'div');
  checkOperands('div', a, b);
  const mode = options === undefined ? null : roundingModeOf(options);
  if (anyComplex(a, b)) {
    if (mode !== null) throw new Error(`"div_${mode}_cpu" not implemented for '${scalarTypeName(a._dtype.isComplex ? a._dtype : (b as Tensor)._dtype)}'`);
    return complexDiv(a, b);
  }
  if (mode === 'floor') return forward('div', BinaryOp.FloorDivide, a, b, false);
  if (mode === 'trunc') {
    const q = forward('div', BinaryOp.Div, a, b, false);
    return q._dtype.isFloatingPoint ? unaryKernel(UnaryOp.Trunc, q) : q;
  }
  let dtype = b instanceof Tensor ? resultType([operand(a), operand(b)]) : resultType([operand(a), b]);
  if (!dtype.isFloatingPoint) dtype = defaultFloat;
  const out =
    b instanceof Tensor
      ? binaryKernel(BinaryOp.Div, as(a, dtype), as(b, dtype), dtype)
      : scalarKernel(BinaryOp.Div, as(a, dtype), Number(b), false, dtype);
  if (!gradEnabled()) return out;
  if (!(b instanceof Tensor)) return record(out, 'DivBackward0', [a], () => scaledBackward(a._shape, a._dtype, 'div', Number(b)));
  return record(out, 'DivBackward0', [a, b], (node) =>
    divBackward(b._requiresGrad ? node.save(a) : null, node.save(b), a._requiresGrad, a._shape, a._dtype, b._shape, b._dtype),
  );
}

function divBackward(
  sa: (() => Tensor) | null,
  sb: () => Tensor,
  needA: boolean,
  shapeA: number[],
  dtypeA: DType,
  shapeB: number[],
  dtypeB: DType,
): Backward {
  return (g) => [
    needA ? gradTo(div(g, sb()), shapeA, dtypeA) : null,
    // d(a/b)/db = -(a / b) / b, in PyTorch's order (so a / 0 gives the same inf or NaN)
    sa === null ? null : gradTo(neg(mul(g, div(div(sa(), sb()), sb()))), shapeB, dtypeB),
  ];
}

/**
 * `a ** b`; `torch.pow(2, x)` takes a scalar base. The gradients follow PyTorch at the
 * edges: an exponent of 0 gives the base a gradient of 0 (even at base 0), and a base of
 * 0 with an exponent >= 0 gives the exponent a gradient of 0 (not 0 * log 0 = NaN).
 * @example x.pow(2); torch.pow(2, x); torch.pow(x, y)
 */
export function pow(a: Tensor | number, b: TensorOrScalar): Tensor {
  if (autocastHook.active) return autocastOp('pow', pow, arguments);
  if ((a instanceof Tensor && a._dtype.isComplex) || (b instanceof Tensor && b._dtype.isComplex)) {
    if (typeof b === 'boolean') b = Number(b);
    if (!(a instanceof Tensor) && typeof a !== 'number') throw argumentError('pow', 'input', 'a Tensor or a number', a);
    return complexPow(a, b);
  }
  if (!(a instanceof Tensor)) {
    if (typeof a !== 'number') throw argumentError('pow', 'input', 'a Tensor or a number', a);
    checkTensor(b, 'pow', 'exponent');
    const base = a;
    const x = b;
    const dtype = resultType([operand(x), base]);
    const out = scalarKernel(BinaryOp.Pow, as(x, dtype), base, true, dtype);
    return record(out, 'PowBackward2', [x], (node) =>
      powScalarBaseBackward(node.save(out), base === 0 ? node.save(x) : null, base, x._shape, x._dtype),
    );
  }
  const out = forward('pow', BinaryOp.Pow, a, b, false);
  if (!gradEnabled()) return out;
  if (!(b instanceof Tensor)) {
    const e = Number(b);
    return record(out, 'PowBackward0', [a], (node) => powScalarBackward(e === 0 ? null : node.save(a), e, a._shape, a._dtype));
  }
  return record(out, 'PowBackward1', [a, b], (node) =>
    powBackward(node.save(a), node.save(b), node.save(out), a._requiresGrad, b._requiresGrad, a._shape, a._dtype, b._shape, b._dtype),
  );
}

/** `base ** x`: d/dx = out * log(base); at base 0, 0 where x >= 0 (PyTorch's rule). */
function powScalarBaseBackward(so: () => Tensor, sx: (() => Tensor) | null, base: number, shape: number[], dtype: DType): Backward {
  return (g) => {
    const dOut = mul(so(), Math.log(base));
    return [gradTo(mul(g, sx === null ? dOut : where(ge(sx(), 0), 0, dOut)), shape, dtype)];
  };
}

/** `a ** e`: e * a^(e-1); an exponent of 0 gives zeros (and saves nothing). */
function powScalarBackward(sa: (() => Tensor) | null, e: number, shape: number[], dtype: DType): Backward {
  return (g) => [sa === null ? zerosOf(shape.slice(), g, dtype) : gradTo(mul(g, mul(pow(sa(), e - 1), e)), shape, dtype)];
}

function powBackward(
  sa: () => Tensor,
  sb: () => Tensor,
  so: () => Tensor,
  needA: boolean,
  needB: boolean,
  shapeA: number[],
  dtypeA: DType,
  shapeB: number[],
  dtypeB: DType,
): Backward {
  return (g) => [
    needA ? gradTo(where(eq(sb(), 0), 0, mul(g, mul(sb(), pow(sa(), sub(sb(), 1))))), shapeA, dtypeA) : null,
    needB ? gradTo(mul(g, where(logicalAnd(eq(sa(), 0), ge(sb(), 0)), 0, mul(so(), log(sa())))), shapeB, dtypeB) : null,
  ];
}

/**
 * The angle of the point (b, a), in radians: `atan2(a / b)` with the quadrant. Integer
 * inputs give the default float dtype, as in PyTorch.
 * @example torch.atan2(y, x)
 */
export function atan2(a: Tensor, b: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('atan2', atan2, arguments);
  checkTensor(a, 'atan2', 'input');
  checkTensor(b, 'atan2', 'other');
  let dtype = resultType([operand(a), operand(b)]);
  if (!dtype.isFloatingPoint) dtype = defaultFloat;
  const out = binaryKernel(BinaryOp.Atan2, as(a, dtype), as(b, dtype), dtype);
  return record(out, 'Atan2Backward0', [a, b], (node) => atan2Backward(node.save(a), node.save(b), a._shape, a._dtype, b._shape, b._dtype));
}

function atan2Backward(sa: () => Tensor, sb: () => Tensor, shapeA: number[], dtypeA: DType, shapeB: number[], dtypeB: DType): Backward {
  return (g) => {
    const scale = div(g, add(mul(sa(), sa()), mul(sb(), sb())));
    return [gradTo(mul(scale, sb()), shapeA, dtypeA), gradTo(neg(mul(scale, sa())), shapeB, dtypeB)];
  };
}

/**
 * Python's `%`: the remainder takes the divisor's sign, as `torch.remainder`.
 * @example torch.remainder(x, 3)
 */
export function remainder(a: Tensor, b: TensorOrScalar): Tensor {
  const out = forward('remainder', BinaryOp.Remainder, a, b, false);
  if (!(b instanceof Tensor)) return record(out, 'RemainderBackward0', [a], () => addBackward(a._shape, a._dtype, undefined, undefined, false));
  return record(out, 'RemainderBackward1', [a, b], (node) => remainderBackward(node.save(a), node.save(b), a._shape, a._dtype, b._shape, b._dtype));
}

function remainderBackward(sa: () => Tensor, sb: () => Tensor, shapeA: number[], dtypeA: DType, shapeB: number[], dtypeB: DType): Backward {
  return (g) => [gradTo(g, shapeA, dtypeA), gradTo(neg(mul(g, div(sa(), sb(), { roundingMode: 'floor' }))), shapeB, dtypeB)];
}

/** `torch.floor_divide`: the quotient rounded down. @example torch.floorDivide(x, 2) */
export function floorDivide(a: Tensor, b: TensorOrScalar): Tensor {
  return div(a, b, { roundingMode: 'floor' });
}

// ---- comparisons (bool results, no gradient) ----------------------------------------

/** `a == b` elementwise. @example x.eq(y) */
export function eq(a: Tensor, b: TensorOrScalar): Tensor {
  return forward('eq', BinaryOp.Eq, a, b, true);
}
/** `a != b` elementwise. @example x.ne(0) */
export function ne(a: Tensor, b: TensorOrScalar): Tensor {
  return forward('ne', BinaryOp.Ne, a, b, true);
}
/** `a > b` elementwise. @example x.gt(0) */
export function gt(a: Tensor, b: TensorOrScalar): Tensor {
  return forward('gt', BinaryOp.Gt, a, b, true);
}
/** `a >= b` elementwise. @example w.abs().ge(5) */
export function ge(a: Tensor, b: TensorOrScalar): Tensor {
  return forward('ge', BinaryOp.Ge, a, b, true);
}
/** `a < b` elementwise. @example x.lt(0) */
export function lt(a: Tensor, b: TensorOrScalar): Tensor {
  return forward('lt', BinaryOp.Lt, a, b, true);
}
/** `a <= b` elementwise. @example x.le(1) */
export function le(a: Tensor, b: TensorOrScalar): Tensor {
  return forward('le', BinaryOp.Le, a, b, true);
}
/** Elementwise logical and. @example a.logicalAnd(b) */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  checkTensor(b, 'logicalAnd', 'other');
  return forward('logicalAnd', BinaryOp.LogicalAnd, a, b, true);
}
/** Elementwise logical or. @example a.logicalOr(b) */
export function logicalOr(a: Tensor, b: Tensor): Tensor {
  checkTensor(b, 'logicalOr', 'other');
  return forward('logicalOr', BinaryOp.LogicalOr, a, b, true);
}
/** Elementwise logical not. @example mask.logicalNot() */
export function logicalNot(a: Tensor): Tensor {
  checkTensor(a, 'logicalNot', 'input');
  return as(unaryKernel(UnaryOp.LogicalNot, a), bool);
}

// ---- unary ops ----------------------------------------------------------------------

/** Integer inputs of float-only functions compute in the default float dtype, as PyTorch. */
function floatInput(x: Tensor): Tensor {
  return x._dtype.isFloatingPoint ? x : castKernel(x, defaultFloat);
}

/**
 * A unary op's gradient from the incoming gradient and the one tensor its node saved: the
 * input or the output, whichever PyTorch's node saves for that op (or neither).
 */
type UnaryBackward = (g: Tensor, saved: () => Tensor) => Tensor;
type Saves = 'input' | 'output' | 'none';

/**
 * The gradient of a step function (sign, floor, ceil, round, trunc): zeros, as PyTorch's
 * zeros_like(grad), so an inf or NaN incoming gradient does not become NaN.
 */
function zeroGrad(g: Tensor): Tensor {
  return zerosOf(g._shape.slice(), g);
}

const NOTHING_SAVED = (): Tensor => {
  throw new Error('internal: this backward saved no tensor');
};

/** A unary op's kernel, recorded as `name` (unary-math.ts too). @internal @example unary(UnaryOp.Exp, 'ExpBackward0', x, true, 'output', (g, o) => mul(g, o())) */
export function unary(code: UnaryOp, name: string, x: Tensor, floatOnly: boolean, saves: Saves, backward: UnaryBackward | null, p0 = NaN): Tensor {
  // Every unary op's public name is its grad_fn's, lower-cased ('Log1PBackward0' -> 'log1p').
  if (!(x instanceof Tensor)) throw argumentError(name.slice(0, name.indexOf('Backward')).toLowerCase(), 'input', 'a Tensor', x);
  const input = floatOnly ? floatInput(x) : x;
  const out = unaryKernel(code, input, p0);
  if (backward === null || !gradEnabled() || !x._requiresGrad) return out;
  const saved = saves === 'input' ? input : saves === 'output' ? out : null;
  return record(out, name, [x], (node) => unaryBackward(saved === null ? NOTHING_SAVED : node.save(saved), backward, x._shape, x._dtype));
}

function unaryBackward(saved: () => Tensor, backward: UnaryBackward, shape: number[], dtype: DType): Backward {
  return (g) => [gradTo(backward(g, saved), shape, dtype)];
}

/** `-x`. @example x.neg() */
export function neg(x: Tensor): Tensor {
  checkTensor(x, 'neg', 'input');
  if (x._dtype.isComplex) return complexNeg(x);
  if (x._dtype === bool) {
    throw new Error('Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.');
  }
  return unary(UnaryOp.Neg, 'NegBackward0', x, false, 'none', (g) => neg(g));
}
/** `|x|`. @example x.abs() */
export function abs(x: Tensor): Tensor {
  if (x instanceof Tensor && x._dtype.isComplex) return complexAbs(x);
  return unary(UnaryOp.Abs, 'AbsBackward0', x, false, 'input', (g, i) => mul(g, sign(i())));
}
/** `e^x`. @example x.exp() */
export function exp(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('exp', exp, arguments);
  if (x instanceof Tensor && x._dtype.isComplex) return complexExp(x);
  return unary(UnaryOp.Exp, 'ExpBackward0', x, true, 'output', (g, o) => mul(g, o()));
}
/** Natural log. @example x.log() */
export function log(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('log', log, arguments);
  if (x instanceof Tensor && x._dtype.isComplex) return complexLog(x);
  return unary(UnaryOp.Log, 'LogBackward0', x, true, 'input', (g, i) => div(g, i()));
}
/** `log(1 + x)`. @example x.log1p() */
export function log1p(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('log1p', log1p, arguments);
  if (x instanceof Tensor && x._dtype.isComplex) return complexLog1p(x);
  return unary(UnaryOp.Log1p, 'Log1PBackward0', x, true, 'input', (g, i) => div(g, add(i(), 1)));
}
/** Square root. @example x.sqrt() */
export function sqrt(x: Tensor): Tensor {
  if (x instanceof Tensor && x._dtype.isComplex) return complexSqrt(x);
  return unary(UnaryOp.Sqrt, 'SqrtBackward0', x, true, 'output', (g, o) => div(g, mul(o(), 2)));
}
/** `1/sqrt(x)`. @example x.rsqrt() */
export function rsqrt(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('rsqrt', rsqrt, arguments);
  if (x instanceof Tensor && x._dtype.isComplex) return complexRsqrt(x);
  return unary(UnaryOp.Rsqrt, 'RsqrtBackward0', x, true, 'output', (g, o) => mul(g, mul(pow(o(), 3), -0.5)));
}
/** Sine. @example x.sin() */
export function sin(x: Tensor): Tensor {
  if (x instanceof Tensor && x._dtype.isComplex) return complexSin(x);
  return unary(UnaryOp.Sin, 'SinBackward0', x, true, 'input', (g, i) => mul(g, cos(i())));
}
/** Cosine. @example x.cos() */
export function cos(x: Tensor): Tensor {
  if (x instanceof Tensor && x._dtype.isComplex) return complexCos(x);
  return unary(UnaryOp.Cos, 'CosBackward0', x, true, 'input', (g, i) => mul(g, neg(sin(i()))));
}
/** `max(x, 0)`. @example x.relu() */
export function relu(x: Tensor): Tensor {
  // PyTorch's threshold_backward: zero where out <= 0, so a NaN output passes its gradient
  // through. One native pass for floats; differentiable ops only when the backward itself
  // is recorded (createGraph) or for integer dtypes.
  return unary(UnaryOp.Relu, 'ReluBackward0', x, false, 'output', (g, o) => {
    const out = o();
    if (gradEnabled() || !out._dtype.isFloatingPoint || g._dtype !== out._dtype || !sameShape(g._shape, out._shape)) return where(le(out, 0), 0, g);
    return activationGradKernel(UnaryOp.Threshold, g, out, 0, 0);
  });
}
/** Logistic sigmoid. @example x.sigmoid() */
export function sigmoid(x: Tensor): Tensor {
  if (x instanceof Tensor && x._dtype.isComplex) return complexSigmoid(x);
  return unary(UnaryOp.Sigmoid, 'SigmoidBackward0', x, true, 'output', (g, o) => mul(g, mul(o(), rsub(o(), 1))));
}
/** Hyperbolic tangent. @example x.tanh() */
export function tanh(x: Tensor): Tensor {
  if (x instanceof Tensor && x._dtype.isComplex) return complexTanh(x);
  return unary(UnaryOp.Tanh, 'TanhBackward0', x, true, 'output', (g, o) => mul(g, rsub(mul(o(), o()), 1)));
}
/** The error function. @example x.erf() */
export function erf(x: Tensor): Tensor {
  return unary(UnaryOp.Erf, 'ErfBackward0', x, true, 'input', (g, i) => mul(g, mul(exp(neg(mul(i(), i()))), 2 / Math.sqrt(Math.PI))));
}
/** `1/x`. @example x.reciprocal() */
export function reciprocal(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('reciprocal', reciprocal, arguments);
  if (x instanceof Tensor && x._dtype.isComplex) return complexReciprocal(x);
  return unary(UnaryOp.Reciprocal, 'ReciprocalBackward0', x, true, 'output', (g, o) => neg(mul(g, mul(o(), o()))));
}
/** `x*x`. @example x.square() */
export function square(x: Tensor): Tensor {
  checkTensor(x, 'square', 'input');
  return pow(x, 2);
}
/** Sign (-1, 0, 1; 0 at NaN, as PyTorch's). @example x.sign() */
export function sign(x: Tensor): Tensor {
  // PyTorch's sign is (0 < x) - (x < 0): 0 at NaN, which the abs, norm and l1 gradients inherit.
  const out = unaryKernel(UnaryOp.Sign, x);
  if (!gradEnabled() || !x._requiresGrad) return out;
  return record(out, 'SignBackward0', [x], () => (g) => [zeroGrad(g)]);
}
/** Floor. @example x.floor() */
export function floor(x: Tensor): Tensor {
  return unary(UnaryOp.Floor, 'FloorBackward0', x, false, 'none', zeroGrad);
}
/** Rounds toward zero. @example x.trunc() */
export function trunc(x: Tensor): Tensor {
  return unary(UnaryOp.Trunc, 'TruncBackward0', x, false, 'none', zeroGrad);
}
/** `exp(x) - 1`, accurate near 0. @example x.expm1() */
export function expm1(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('expm1', expm1, arguments);
  if (x instanceof Tensor && x._dtype.isComplex) return complexExpm1(x);
  return unary(UnaryOp.Expm1, 'Expm1Backward0', x, true, 'output', (g, o) => mul(g, add(o(), 1)));
}
/** Ceil. @example x.ceil() */
export function ceil(x: Tensor): Tensor {
  return unary(UnaryOp.Ceil, 'CeilBackward0', x, false, 'none', zeroGrad);
}
/** Round half to even. @example x.round() */
export function round(x: Tensor): Tensor {
  return unary(UnaryOp.Round, 'RoundBackward0', x, false, 'none', zeroGrad);
}

/**
 * `where(cond, a, b)`: elements of a where cond, else of b. Scalars allowed.
 * @example torch.where(x.gt(0), x, 0)
 */
export function where(cond: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  checkTensor(cond, 'where', 'condition');
  checkTensorOrScalar(a, 'where', 'input');
  checkTensorOrScalar(b, 'where', 'other');
  if (cond._dtype !== bool) throw new Error(`where expected condition to be a boolean tensor, but got a tensor with dtype ${scalarTypeName(cond._dtype)}`);
  const dtype = resultType([operand(a), operand(b)]);
  const ta = a instanceof Tensor ? as(a, dtype) : scalarLike(Number(a), cond, dtype);
  const tb = b instanceof Tensor ? as(b, dtype) : scalarLike(Number(b), cond, dtype);
  const out = whereForward(cond, ta, tb);
  const at = tensorOrNull(a);
  const bt = tensorOrNull(b);
  return record(out, 'WhereBackward0', [at, bt], (node) =>
    whereBackward(node.save(cond), node.next[0] === null ? null : at!._shape, at?._dtype, node.next[1] === null ? null : bt!._shape, bt?._dtype),
  );
}

/** Selects, not multiplies by the mask: the unselected side gets exactly 0 even where the incoming gradient is inf or NaN, as in PyTorch. */
function whereBackward(sc: () => Tensor, shapeA: number[] | null, dtypeA: DType | undefined, shapeB: number[] | null, dtypeB: DType | undefined): Backward {
  return (g) => [
    shapeA === null ? null : gradTo(where(sc(), g, 0), shapeA, dtypeA!),
    shapeB === null ? null : gradTo(where(sc(), 0, g), shapeB, dtypeB!),
  ];
}
