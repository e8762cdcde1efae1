/**
 * In-place arithmetic. Without history to record, an op runs its kernel on `self`
 * directly; with history, it goes through `rebase`, which computes the out-of-place op
 * and moves `self` onto its node, as PyTorch rebases a tensor modified in place.
 */
import { BinaryOp, UnaryOp } from '../native/enums.generated.js';
import { type Backward, checkInplace, record, recordInplace, slotsOf } from '../autograd/function.js';
import { gradEnabled, noGrad } from '../autograd/grad-mode.js';
import { DType, bool, defaultFloat, resultType, scalarTypeName } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, sameShape } from '../tensor/shape.js';
import { Node } from '../autograd/node.js';
import { axpyKernel, binaryKernel_, castKernel, copyKernel, fillKernel, scalarKernel_, unaryKernel_ } from './tensor-kernels.js';
import { zerosOf } from './internal-tensors.js';
import { NO_COMPLEX_KERNEL } from '../native/meta.js';
import { makeView } from './shape.js';
import { assertNoInternalOverlap, checkWriteOverlap } from './overlap.js';
import { add, clamp, div, gradTo, mul, neg, operand, pow, relu, sub, type TensorOrScalar } from './elementwise.js';
import { alphaOf, checkOperands, roundingModeOf, type AlphaOptions, type DivOptions } from './arguments.js';
import { argumentError, checkTensor } from '../tensor/args.js';

function as(x: Tensor, dtype: DType): Tensor {
  return x._dtype === dtype ? x : castKernel(x, dtype);
}

function tensorOrNull(x: TensorOrScalar): Tensor | null {
  return x instanceof Tensor ? x : null;
}

/**
 * An in-place op with history: computes the out-of-place op on a copy of `self`'s
 * current value (so that what backward saved is never overwritten), writes the result
 * into `self`, and moves `self` onto the result's node, as PyTorch rebases history.
 * @internal
 */
export function rebase(self: Tensor, compute: (current: Tensor) => Tensor): Tensor {
  checkInplace(self, true);
  const current = self._requiresGrad ? cloneForRebase(self) : castKernel(self, self._dtype);
  const result = compute(current);
  if (promotes(result._dtype, self._dtype)) {
    throw new Error(`result type ${scalarTypeName(result._dtype.name)} can't be cast to the desired output type ${scalarTypeName(self._dtype.name)}`);
  }
  if (!sameShape(result._shape, self._shape)) {
    throw new Error(`output with shape [${self._shape.join(', ')}] doesn't match the broadcast shape [${result._shape.join(', ')}]`);
  }
  copyKernel(self, result);
  self._version.value++;
  const base = self._base;
  if (gradEnabled() && base !== null && base._requiresGrad) {
    rebaseBase(self, base, result);
    return self;
  }
  self._gradFn = result._gradFn;
  self._outputNr = result._outputNr;
  self._requiresGrad = result._requiresGrad;
  return self;
}

/**
 * PyTorch's CopySlices: after an in-place op on a view, the base's history becomes "the
 * old base with the view's region replaced by the op's result", and the view reads its
 * gradient out of the new base.
 */
function rebaseBase(view: Tensor, base: Tensor, result: Tensor): void {
  // The parts of a complex tensor (z.real, viewAsReal(z)) and the complex view of a real one
  // count their offsets and strides in other units than their base.
  if (view._dtype.isComplex !== base._dtype.isComplex) {
    throw new Error('in-place operations on the real or complex view of a tensor that requires grad are not supported yet: compute the result out of place');
  }
  if (!base.isContiguous()) {
    throw new Error('in-place operations on a view of a non-contiguous tensor that requires grad are not supported yet');
  }
  const offset = view._offset - base._offset;
  const shape = view._shape;
  const strides = view._strides;
  const baseShape = base._shape;
  const copySlices = new Node('CopySlices', [base._gradFn, result._edge()]);
  copySlices.nextSlots = slotsOf([base, result]);
  copySlices.backwardFn = (g) => {
    const gradBase = castKernel(g, g._dtype); // contiguous, and ours to modify
    const region = makeView(gradBase, shape, strides, offset);
    const gradResult = castKernel(region, region._dtype);
    fillKernel(region, 0);
    return [gradBase, gradResult];
  };
  copySlices.onceDifferentiable = true;
  base._gradFn = copySlices;
  base._outputNr = 0;
  base._requiresGrad = true;
  const asStrided = new Node('AsStridedBackward0', [copySlices]);
  asStrided.backwardFn = (g) => {
    const gradBase = zerosOf(baseShape.slice(), g);
    copyKernel(makeView(gradBase, shape, strides, offset), g);
    return [gradBase];
  };
  asStrided.onceDifferentiable = true;
  view._gradFn = asStrided;
  view._outputNr = 0;
  view._requiresGrad = true;
}

function cloneForRebase(self: Tensor): Tensor {
  const copy = castKernel(self, self._dtype);
  return record(copy, 'CloneBackward0', [self], () => (g) => [g]);
}

function inplace(
  self: Tensor,
  op: BinaryOp,
  other: TensorOrScalar,
  name: string,
  backward: ((g: Tensor, other: OtherMeta) => [Tensor | null, Tensor | null]) | null,
): Tensor {
  const previous = checkInplace(self);
  const resultDtype = other instanceof Tensor ? resultType([operand(self), operand(other)]) : resultType([operand(self), other]);
  const dtype = op === BinaryOp.Div && !resultDtype.isFloatingPoint && !resultDtype.isComplex ? defaultFloat : resultDtype;
  if (promotes(dtype, self._dtype)) {
    throw new Error(`result type ${scalarTypeName(dtype.name)} can't be cast to the desired output type ${scalarTypeName(self._dtype.name)}`);
  }
  if (other instanceof Tensor) {
    const shape = broadcastShapes(self._shape, other._shape);
    if (!sameShape(shape, self._shape)) {
      throw new Error(`output with shape [${self._shape.join(', ')}] doesn't match the broadcast shape [${shape.join(', ')}]`);
    }
  }
  if (self._dtype.isComplex) {
    // Complex: the out-of-place op's parts (src/complex/math.ts), written back.
    const compute = OUT_OF_PLACE[op];
    if (compute === undefined) throw new TypeError(NO_COMPLEX_KERNEL);
    const result = noGrad(() => compute(self, other));
    copyKernel(self, result);
    result.dispose();
  } else if (other instanceof Tensor) {
    binaryKernel_(op, self, self, as(other, self._dtype));
  } else {
    scalarKernel_(op, self, Number(other), false);
  }
  self._version.value++;
  if (backward !== null) {
    const ot = tensorOrNull(other);
    recordInplace(self, name, previous, [ot], () => inplaceBackward(backward, ot === null ? null : { shape: ot._shape, dtype: ot._dtype }));
  }
  return self;
}

/** The closure of an in-place op's node: the other operand's shape and dtype, never the operand. */
function inplaceBackward(
  backward: (g: Tensor, other: OtherMeta) => [Tensor | null, Tensor | null],
  other: OtherMeta,
): Backward {
  return (g) => backward(g, other);
}

/** Whether storing a `result` dtype into `target` would need an unsafe cast (PyTorch's canCast). */
function promotes(result: DType, target: DType): boolean {
  if (result.isComplex || target.isComplex) return !target.isComplex;
  if (result.isFloatingPoint && !target.isFloatingPoint) return true;
  if (result !== bool && target === bool) return true;
  return false;
}

const OUT_OF_PLACE: Partial<Record<BinaryOp, (a: Tensor, b: TensorOrScalar) => Tensor>> = {
  [BinaryOp.Add]: add,
  [BinaryOp.Sub]: sub,
  [BinaryOp.Mul]: mul,
  [BinaryOp.Div]: div,
  [BinaryOp.Pow]: pow,
};

// Module level, so that the node's closure holds no scope of add_ / sub_ (where `other` lives).
type OtherMeta = { shape: number[]; dtype: DType } | null;
const addBackward = (g: Tensor, o: OtherMeta): [Tensor | null, Tensor | null] => [g, o && gradTo(g, o.shape, o.dtype)];
const subBackward = (g: Tensor, o: OtherMeta): [Tensor | null, Tensor | null] => [g, o && gradTo(neg(g), o.shape, o.dtype)];

/** In-place `self += alpha * other`. @example x.add_(1) */
export function add_(self: Tensor, other: TensorOrScalar, options?: AlphaOptions): Tensor {
  checkOperands('add_', self, other);
  const alpha = alphaOf(options, 'add_');
  checkWriteOverlap(self, other);
  if (
    other instanceof Tensor &&
    !tracked(self, other) &&
    !onGradView(self) &&
    self._dtype === other._dtype &&
    self._dtype.isFloatingPoint &&
    self._dtype.isCompute &&
    sameShape(self._shape, other._shape)
  ) {
    // The optimizer step (p.add_(grad, alpha=-lr)): one fused pass, no temporary.
    checkInplace(self);
    axpyKernel(self, other, alpha);
    self._version.value++;
    return self;
  }
  if (alpha !== 1) other = other instanceof Tensor ? mul(other, alpha) : Number(other) * alpha;
  if (onGradView(self)) return rebase(self, (current) => add(current, other));
  return inplace(self, BinaryOp.Add, other, 'AddBackward0', addBackward);
}
/** In-place `self -= alpha * other`. @example x.sub_(1) */
export function sub_(self: Tensor, other: TensorOrScalar, options?: AlphaOptions): Tensor {
  checkOperands('sub_', self, other);
  const alpha = alphaOf(options, 'sub_');
  checkWriteOverlap(self, other);
  if (alpha !== 1) other = other instanceof Tensor ? mul(other, alpha) : Number(other) * alpha;
  if (onGradView(self)) return rebase(self, (current) => sub(current, other));
  return inplace(self, BinaryOp.Sub, other, 'SubBackward0', subBackward);
}
/** Whether `self` is a view whose base records history (in-place ops then rebase the base). */
function onGradView(self: Tensor): boolean {
  return gradEnabled() && self._base !== null && self._base._requiresGrad;
}

/** Whether an in-place op on `self` must record history (then it goes through `rebase`). */
function tracked(self: Tensor, other?: TensorOrScalar): boolean {
  return gradEnabled() && (self._requiresGrad || (other instanceof Tensor && other._requiresGrad));
}

/** In-place `self *= other`. @example w.data.mul_(w.data.abs().ge(5)) */
export function mul_(self: Tensor, other: TensorOrScalar): Tensor {
  checkOperands('mul_', self, other);
  checkWriteOverlap(self, other);
  if (tracked(self, other)) return rebase(self, (current) => mul(current, other));
  return inplace(self, BinaryOp.Mul, other, 'MulBackward0', null);
}
/** In-place `self /= other`, rounded as `{ roundingMode }` says. @example X.div_(2); i.div_(2, { roundingMode: 'floor' }) */
export function div_(self: Tensor, other: TensorOrScalar, options?: DivOptions): Tensor {
  checkOperands('div_', self, other);
  checkWriteOverlap(self, other);
  if (tracked(self, other) || roundingModeOf(options ?? {}) !== null) return rebase(self, (current) => div(current, other, options));
  return inplace(self, BinaryOp.Div, other, 'DivBackward0', null);
}
/** In-place `self **= exponent`. @example x.pow_(2) */
export function pow_(self: Tensor, exponent: TensorOrScalar): Tensor {
  checkOperands('pow_', self, exponent);
  checkWriteOverlap(self, exponent);
  if (tracked(self, exponent)) return rebase(self, (current) => pow(current, exponent));
  return inplace(self, BinaryOp.Pow, exponent, 'PowBackward0', null);
}

/** In-place clamp. @example x.clamp_(0, 1) */
export function clamp_(self: Tensor, min?: number | null, max?: number | null): Tensor {
  checkTensor(self, 'clamp_', 'input');
  for (const [name, bound] of [['min', min], ['max', max]] as const) {
    if (bound !== null && bound !== undefined && typeof bound !== 'number') throw argumentError('clamp_', name, 'a number or null', bound);
  }
  assertNoInternalOverlap(self);
  if (tracked(self)) return rebase(self, (current) => clamp(current, min, max));
  checkInplace(self);
  unaryKernel_(UnaryOp.Clamp, self, min ?? NaN, max ?? NaN);
  self._version.value++;
  return self;
}

/** In-place relu (what `nn.ReLU({ inplace: true })` uses). @example x.relu_() */
export function relu_(self: Tensor): Tensor {
  checkTensor(self, 'relu_', 'input');
  assertNoInternalOverlap(self);
  if (tracked(self)) return rebase(self, (current) => relu(current));
  checkInplace(self);
  unaryKernel_(UnaryOp.Relu, self);
  self._version.value++;
  return self;
}

/** In-place negation. @example x.neg_() */
export function neg_(self: Tensor): Tensor {
  return mul_(self, -1);
}
