/**
 * In-place arithmetic. Without history to record, an op runs its kernel on `self`
 * directly; with history, it goes through `rebase`, which computes the out-of-place op
 * and moves `self` onto its node, as PyTorch rebases a tensor modified in place.
 */
import { checkInplace, record, recordInplace } from '../autograd/function.js';
import { gradEnabled } from '../autograd/grad-mode.js';
import { DType, bool, defaultFloat, resultType, scalarTypeName } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, sameShape } from '../tensor/shape.js';
import { BinaryCode, UnaryCode, binaryKernel_, castKernel, copyKernel, scalarKernel_, unaryKernel_ } from './kernels.js';
import { clamp, div, gradFor, mul, neg, operand, pow, relu, type TensorOrScalar } from './elementwise.js';

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
  checkInplace(self);
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
  self._gradFn = result._gradFn;
  self._requiresGrad = result._requiresGrad;
  return self;
}

function cloneForRebase(self: Tensor): Tensor {
  const copy = castKernel(self, self._dtype);
  return record(copy, 'CloneBackward0', [self], () => (g) => [g]);
}

function inplace(
  self: Tensor,
  op: BinaryCode,
  other: TensorOrScalar,
  name: string,
  backward: ((g: Tensor, other: Tensor | null) => [Tensor | null, Tensor | null]) | null,
): Tensor {
  const previous = checkInplace(self);
  const resultDtype = other instanceof Tensor ? resultType([operand(self), operand(other)]) : resultType([operand(self), other]);
  const dtype = op === BinaryCode.Div && !resultDtype.isFloatingPoint ? defaultFloat : resultDtype;
  if (promotes(dtype, self._dtype)) {
    throw new Error(`result type ${scalarTypeName(dtype.name)} can't be cast to the desired output type ${scalarTypeName(self._dtype.name)}`);
  }
  if (other instanceof Tensor) {
    const shape = broadcastShapes(self._shape, other._shape);
    if (!sameShape(shape, self._shape)) {
      throw new Error(`output with shape [${self._shape.join(', ')}] doesn't match the broadcast shape [${shape.join(', ')}]`);
    }
    binaryKernel_(op, self, self, as(other, self._dtype));
  } else {
    scalarKernel_(op, self, Number(other), false);
  }
  self._version.value++;
  if (backward !== null) {
    const ot = tensorOrNull(other);
    recordInplace(self, name, previous, [ot], () => (g) => backward(g, ot));
  }
  return self;
}

/** Whether storing a `result` dtype into `target` would need an unsafe cast (PyTorch's canCast). */
function promotes(result: DType, target: DType): boolean {
  if (result.isFloatingPoint && !target.isFloatingPoint) return true;
  if (result !== bool && target === bool) return true;
  return false;
}

/** In-place `self += alpha * other`. @example x.add_(1) */
export function add_(self: Tensor, other: TensorOrScalar, options: { alpha?: number } = {}): Tensor {
  const alpha = options.alpha ?? 1;
  if (alpha !== 1) other = other instanceof Tensor ? mul(other, alpha) : Number(other) * alpha;
  return inplace(self, BinaryCode.Add, other, 'AddBackward0', (g, o) => [g, o && gradFor(g, o)]);
}
/** In-place `self -= alpha * other`. @example x.sub_(1) */
export function sub_(self: Tensor, other: TensorOrScalar, options: { alpha?: number } = {}): Tensor {
  const alpha = options.alpha ?? 1;
  if (alpha !== 1) other = other instanceof Tensor ? mul(other, alpha) : Number(other) * alpha;
  return inplace(self, BinaryCode.Sub, other, 'SubBackward0', (g, o) => [g, o && gradFor(neg(g), o)]);
}
/** Whether an in-place op on `self` must record history (then it goes through `rebase`). */
function tracked(self: Tensor, other?: TensorOrScalar): boolean {
  return gradEnabled() && (self._requiresGrad || (other instanceof Tensor && other._requiresGrad));
}

/** In-place `self *= other`. @example w.data.mul_(w.data.abs().ge(5)) */
export function mul_(self: Tensor, other: TensorOrScalar): Tensor {
  if (tracked(self, other)) return rebase(self, (current) => mul(current, other));
  return inplace(self, BinaryCode.Mul, other, 'MulBackward0', null);
}
/** In-place `self /= other`. @example X.div_(2) */
export function div_(self: Tensor, other: TensorOrScalar): Tensor {
  if (tracked(self, other)) return rebase(self, (current) => div(current, other));
  return inplace(self, BinaryCode.Div, other, 'DivBackward0', null);
}
/** In-place `self **= exponent`. @example x.pow_(2) */
export function pow_(self: Tensor, exponent: TensorOrScalar): Tensor {
  if (tracked(self, exponent)) return rebase(self, (current) => pow(current, exponent));
  return inplace(self, BinaryCode.Pow, exponent, 'PowBackward0', null);
}

/** In-place clamp. @example x.clamp_(0, 1) */
export function clamp_(self: Tensor, min?: number | null, max?: number | null): Tensor {
  if (tracked(self)) return rebase(self, (current) => clamp(current, min, max));
  checkInplace(self);
  unaryKernel_(UnaryCode.Clamp, self, min ?? NaN, max ?? NaN);
  self._version.value++;
  return self;
}

/** In-place relu (what `nn.ReLU({ inplace: true })` uses). @example x.relu_() */
export function relu_(self: Tensor): Tensor {
  if (tracked(self)) return rebase(self, (current) => relu(current));
  checkInplace(self);
  unaryKernel_(UnaryCode.Relu, self);
  self._version.value++;
  return self;
}

/** In-place negation. @example x.neg_() */
export function neg_(self: Tensor): Tensor {
  return mul_(self, -1);
}
