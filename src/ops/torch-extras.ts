/**
 * Smaller torch-level names PyTorch 1.13 scripts use: `torch.fill` (out of place), the
 * deprecated inclusive `torch.range`, `torch.detach_`, `x.floorDivide_`, `x.where(cond, y)`,
 * and the questions and no-ops of real tensors (`isNeg`, `isConj`, `resolveNeg`,
 * `resolveConj`, `isDistributed`), which flint's tensors, never complex, answer as PyTorch's
 * real tensors do.
 */
import { record } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { bfloat16, bool, float16, getDefaultDtype, scalarTypeName } from '../tensor/dtype.js';
import { CREATION_KEYS, fromArray, resolveRandomOptions, type CreationOptions } from '../tensor/creation.js';
import { argumentError, checkNumber, checkOptions, checkTensor, checkTensorOrScalar } from '../tensor/args.js';
import { float64 } from '../tensor/dtype.js';
import { copyKernel, fillKernel } from './tensor-kernels.js';
import { zerosOf } from './internal-tensors.js';
import { floorDivide, where as whereOp, type TensorOrScalar } from './elementwise.js';
import { viaRebase } from './inplace-math.js';
import { expand, toDtype } from './shape.js';
import { sum } from './reduce.js';
import { emptyPreserving } from './copy-variants.js';

/**
 * `torch.fill(input, value)`: a new tensor shaped and typed as `input`, every element
 * `value` (a number, or a 0-d tensor, which then gets the gradient: the sum of the output's).
 * `input` gets a zero gradient, as in PyTorch.
 * @example torch.fill(x, 0.5)
 */
export function fill(input: Tensor, value: number | boolean | Tensor): Tensor {
  checkTensor(input, 'fill', 'input');
  checkTensorOrScalar(value, 'fill', 'value');
  if (value instanceof Tensor && value._shape.length !== 0) {
    throw new Error(`fill_ only supports 0-dimension value tensor but got tensor with ${value._shape.length} dimensions.`);
  }
  const out = noGrad(() => {
    const t = emptyPreserving(input);
    if (value instanceof Tensor) copyKernel(t, expand(value, t._shape));
    else fillKernel(t, Number(value));
    return t;
  });
  if (!(value instanceof Tensor)) return record(out, 'FillBackward0', [input], () => (g) => [zerosOf(g._shape.slice(), g)]);
  const valueDtype = value._dtype;
  return record(out, 'FillBackward1', [input, value], () => (g) => [zerosOf(g._shape.slice(), g), toDtype(sum(g), valueDtype)]);
}

/**
 * `torch.detach_(input)`: `input.detach_()`, which takes `input` out of the graph in place.
 * @example torch.detach_(h)
 */
export function detach_(input: Tensor): Tensor {
  checkTensor(input, 'detach_', 'input');
  return input.detach_();
}

let rangeWarned = false;

/** A number as C++'s stream prints the double PyTorch's message holds. */
const cppNumber = (v: number): string => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v));

/**
 * `torch.range(start, end, step=1)`: deprecated in PyTorch for `arange`, kept for the scripts
 * that use it. Unlike `arange`, `end` is included: `floor((end - start) / step) + 1` values
 * `start + i * step`, computed in float64 and stored in the dtype, which defaults to the
 * default float dtype even for whole numbers, as PyTorch's. An integer dtype truncates the
 * bounds and the step first. PyTorch's deprecation warning is shown once.
 * @example torch.range(1, 4) // tensor([1., 2., 3., 4.])
 */
export function range(start: number, end: number, step: number | CreationOptions = 1, options: CreationOptions = {}): Tensor {
  if (step !== null && typeof step === 'object') [step, options] = [1, step];
  checkNumber(start, 'range', 'start');
  checkNumber(end, 'range', 'end');
  checkNumber(step, 'range', 'step');
  checkOptions(options, 'range', CREATION_KEYS);
  const resolved = resolveRandomOptions(options, 'range');
  const dtype = resolved.dtype ?? getDefaultDtype();
  if (!rangeWarned) {
    rangeWarned = true;
    process.emitWarning(
      "torch.range is deprecated and will be removed in a future release because its behavior is inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in [start, end).",
      'UserWarning',
    );
  }
  if (dtype === bool || dtype === float16 || dtype === bfloat16) throw new Error(`"range_cpu" not implemented for '${scalarTypeName(dtype)}'`);
  const integral = !dtype.isFloatingPoint;
  const [a, b, s] = integral ? [Math.trunc(start), Math.trunc(end), Math.trunc(step)] : [start, end, step];
  if (!(s > 0 || s < 0)) throw new Error('step must be nonzero');
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw new Error(`unsupported range: ${cppNumber(a)} -> ${cppNumber(b)}`);
  if (!((s > 0 && b >= a) || (s < 0 && b <= a))) throw new Error('upper bound and lower bound inconsistent with step sign');
  const size = integral ? Math.trunc((b - a) / s) + 1 : Math.trunc((b - a) / s + 1);
  const values = new Float64Array(size);
  for (let i = 0; i < size; i++) values[i] = a + i * s;
  const out = fromArray(values, float64, [size], dtype, resolved.device);
  return resolved.requiresGrad ? out.requiresGrad_(true) : out;
}

/**
 * `x.floor_divide_(other)`: `x` replaced by `floor(x / other)` in place (the result cast back
 * to `x`'s dtype, which must hold it).
 * @example x.floorDivide_(2)
 */
export function floorDivide_(input: Tensor, other: TensorOrScalar): Tensor {
  checkTensorOrScalar(other, 'floor_divide_', 'other');
  return viaRebase(input, 'floor_divide_', [other], (current) => floorDivide(current, other));
}

/**
 * `x.where(condition, y)`: `x` where `condition` holds, `y` elsewhere (`torch.where(condition, x, y)`).
 * @example x.where(x.gt(0), 0)
 */
export function where(input: Tensor, condition: Tensor, other: TensorOrScalar): Tensor {
  checkTensor(input, 'where', 'input');
  return whereOp(condition, input, other);
}

/** `torch.is_neg(input)`: false, as for every real tensor (flint has no lazy negation bit). @example torch.isNeg(x) // false */
export function isNeg(input: Tensor): boolean {
  checkTensor(input, 'is_neg', 'input');
  return false;
}

/** `torch.is_conj(input)`: false, as for every real tensor. @example torch.isConj(x) // false */
export function isConj(input: Tensor): boolean {
  checkTensor(input, 'is_conj', 'input');
  return false;
}

/** `torch.resolve_neg(input)`: `input` itself, as for a real tensor in PyTorch. @example torch.resolveNeg(x) === x */
export function resolveNeg(input: Tensor): Tensor {
  checkTensor(input, 'resolve_neg', 'input');
  return input;
}

/** `torch.resolve_conj(input)`: `input` itself, as for a real tensor in PyTorch. @example torch.resolveConj(x) === x */
export function resolveConj(input: Tensor): Tensor {
  checkTensor(input, 'resolve_conj', 'input');
  return input;
}

/** `torch.is_distributed(input)`: false, as PyTorch answers for every tensor. @example torch.isDistributed(x) // false */
export function isDistributed(input: Tensor): boolean {
  if (!(input instanceof Tensor)) throw argumentError('is_distributed', 'input', 'a Tensor', input);
  return false;
}
