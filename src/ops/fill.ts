/** In-place fills: fill_, zero_, copy_, and the random fills nn.init builds on. */
import { type Backward, checkInplace, recordInplace } from '../autograd/function.js';
import type { DType } from '../tensor/dtype.js';
import * as call from '../native/calls.generated.js';
import { RandomKind } from '../native/enums.generated.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, sameShape } from '../tensor/shape.js';
import { copyKernel, fillKernel } from './tensor-kernels.js';
import { sum, sumTo } from './reduce.js';
import { gradEnabled } from '../autograd/grad-mode.js';
import { filled, zerosOf } from './internal-tensors.js';
import { rebase } from './inplace.js';
import { expand, toDtype } from './shape.js';
import { assertNoInternalOverlap, checkWriteOverlap } from './overlap.js';
import { argumentError, checkInteger, checkNumber, checkOptions, checkTensor } from '../tensor/args.js';
import { checkGenerator, withGenerator, type Generator } from '../random/generator.js';
import { complexRandomFill } from '../complex/layouts.js';

/** A view whose base records history: in-place writes rebase the base (CopySlices). */
function onGradView(t: Tensor): boolean {
  return gradEnabled() && t._base !== null && t._base._requiresGrad;
}

/** PyTorch's `generator=` keyword of the in-place random fills. */
export interface GeneratorOption {
  generator?: Generator | null;
}

/** The trailing `{ generator }` of a random fill, checked; null for the global stream. */
function generatorOption(options: unknown, t: Tensor, fn: string): Generator | null {
  checkOptions(options, fn, ['generator']);
  return checkGenerator((options as GeneratorOption | undefined)?.generator, fn, t.device);
}

function randomFill(t: Tensor, kind: RandomKind, p0: number, p1: number, generator: Generator | null = null): Tensor {
  assertNoInternalOverlap(t);
  checkInplace(t);
  if (t._dtype.isComplex) complexRandomFill(t, kind, p0, p1, generator);
  else withGenerator(generator, t.device, () => call.fillRandom(kind, t, p0, p1));
  t._version.value++;
  return t;
}

/** Splits trailing options off a fill's number arguments. */
function splitOptions(args: unknown[]): { numbers: unknown[]; options: unknown } {
  const last = args[args.length - 1];
  if (last !== null && typeof last === 'object') return { numbers: args.slice(0, -1).filter((a) => a !== undefined), options: last };
  return { numbers: args.filter((a) => a !== undefined), options: undefined };
}

/**
 * Fills with `value` in place.
 * @example x.fill_(1)
 */
export function fill_(t: Tensor, value: number | boolean | Tensor): Tensor {
  checkTensor(t, 'fill_', 'input');
  if (typeof value !== 'number' && typeof value !== 'boolean' && !(value instanceof Tensor)) {
    throw argumentError('fill_', 'value', 'a number, a boolean or a 0-d Tensor', value);
  }
  return fillInPlace(t, value, value instanceof Tensor ? 'FillBackward3' : 'FillBackward2');
}

/** Fills with zeros in place. @example p.grad.zero_() */
export function zero_(t: Tensor): Tensor {
  checkTensor(t, 'zero_', 'input');
  return fillInPlace(t, 0, 'ZeroBackward0');
}

/**
 * fill_ and zero_ after their checks. As PyTorch's, the overwritten history gets zeros (not
 * nothing), so a leaf upstream ends with a zero `.grad`; a tensor value gets the gradient's sum.
 */
function fillInPlace(t: Tensor, value: number | boolean | Tensor, gradName: string): Tensor {
  if (onGradView(t)) {
    return rebase(t, () =>
      value instanceof Tensor ? toDtype(expand(value, t._shape), t._dtype) : filled(t._shape.slice(), Number(value), t._dtype, t.device),
    );
  }
  const previous = checkInplace(t);
  if (value instanceof Tensor) {
    if (value._shape.length !== 0) throw new Error(`fill_ only supports 0-dimension value tensor but got tensor with ${value._shape.length} dimensions.`);
    copyKernel(t, value);
    t._version.value++;
    const valueDtype = value._dtype;
    recordInplace(t, gradName, previous, [value], () => (g) => [zerosOf(g._shape.slice(), g), toDtype(sum(g), valueDtype)]);
    return t;
  }
  fillKernel(t, Number(value));
  t._version.value++;
  recordInplace(t, gradName, previous, [], () => ZEROS_GRADIENT);
  return t;
}

/** The scalar fill's backward: zeros for the overwritten history (a module-level closure that holds nothing). */
const ZEROS_GRADIENT: Backward = (g) => [zerosOf(g._shape.slice(), g)];

/**
 * Copies `src` (broadcast, converted) into `t` in place.
 * @example w.data.copy_(torch.ones(3))
 */
export function copy_(t: Tensor, src: Tensor): Tensor {
  checkTensor(t, 'copy_', 'input');
  checkTensor(src, 'copy_', 'src');
  checkWriteOverlap(t, src);
  if (onGradView(t)) return rebase(t, () => toDtype(expand(src, t._shape), t._dtype));
  const previous = checkInplace(t);
  const shape = broadcastShapes(t._shape, src._shape);
  if (!sameShape(shape, t._shape)) {
    throw new Error(`output with shape [${t._shape.join(', ')}] doesn't match the broadcast shape [${shape.join(', ')}]`);
  }
  copyKernel(t, src);
  t._version.value++;
  recordInplace(t, 'CopyBackwards', previous, [src], () => copyBackward(src._shape, src._dtype));
  return t;
}

/** copy_'s backward: the source's share, from its shape and dtype only (nothing saved). */
function copyBackward(srcShape: number[], srcDtype: DType): Backward {
  return (g) => [null, toDtype(sumTo(g, srcShape), srcDtype)];
}

/**
 * Uniform samples in [from, to) in place (PyTorch's generator and order).
 * @example w.uniform_(-0.1, 0.1)
 */
export function uniform_(t: Tensor, ...args: (number | GeneratorOption | undefined)[]): Tensor {
  checkTensor(t, 'uniform_', 'input');
  const { numbers, options } = splitOptions(args);
  const [from = 0, to = 1] = numbers;
  checkNumber(from, 'uniform_', 'from');
  checkNumber(to, 'uniform_', 'to');
  if (from > to) throw new Error(`uniform_ expects to return a [from, to) range, but found from=${from} > to=${to}`);
  return randomFill(t, RandomKind.Uniform, from, to, generatorOption(options, t, 'uniform_'));
}

/**
 * Normal samples in place.
 * @example w.normal_(0, 0.01)
 */
export function normal_(t: Tensor, ...args: (number | GeneratorOption | undefined)[]): Tensor {
  checkTensor(t, 'normal_', 'input');
  const { numbers, options } = splitOptions(args);
  const [mean = 0, std = 1] = numbers;
  checkNumber(mean, 'normal_', 'mean');
  checkNumber(std, 'normal_', 'std');
  if (std < 0) throw new Error(`normal expects std >= 0.0, but found std ${std}`);
  return randomFill(t, RandomKind.Normal, mean, std, generatorOption(options, t, 'normal_'));
}

/**
 * Random integers in place: in [from, to), in [0, to), or with no bounds over the dtype's
 * whole range as PyTorch's `random_()` ([0, 2^mantissa] for floating types).
 * @example t.random_(0, 10); t.random_(10); t.random_(); t.random_({ generator: g })
 */
export function random_(t: Tensor, ...args: (number | GeneratorOption | undefined)[]): Tensor {
  checkTensor(t, 'random_', 'input');
  const { numbers, options } = splitOptions(args);
  const generator = generatorOption(options, t, 'random_');
  if (numbers.length === 0) return randomFill(t, RandomKind.Full, 0, 0, generator);
  const [from, to] = numbers;
  checkInteger(from, 'random_', to === undefined ? 'to' : 'from');
  if (to !== undefined) checkInteger(to, 'random_', 'to');
  if (to === undefined) return randomFill(t, RandomKind.Integers, 0, from, generator);
  return randomFill(t, RandomKind.Integers, from, to, generator);
}

/**
 * Bernoulli(p) samples (0 or 1) in place.
 * @example mask.bernoulli_(0.5)
 */
export function bernoulli_(t: Tensor, ...args: (number | GeneratorOption | undefined)[]): Tensor {
  checkTensor(t, 'bernoulli_', 'input');
  const { numbers, options } = splitOptions(args);
  const [p = 0.5] = numbers;
  checkNumber(p, 'bernoulli_', 'p');
  if (!(p >= 0 && p <= 1)) throw new Error(`bernoulli_ expects p to be in [0, 1], but got p=${p}`);
  return randomFill(t, RandomKind.Bernoulli, p, 0, generatorOption(options, t, 'bernoulli_'));
}
