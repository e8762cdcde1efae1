/** In-place fills: fill_, zero_, copy_, and the random fills nn.init builds on. */
import { type Backward, checkInplace, recordInplace } from '../autograd/function.js';
import type { DType } from '../tensor/dtype.js';
import * as call from '../native/calls.generated.js';
import { RandomKind } from '../native/enums.generated.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, sameShape } from '../tensor/shape.js';
import { copyKernel, fillKernel } from './tensor-kernels.js';
import { sumTo } from './reduce.js';
import { gradEnabled } from '../autograd/grad-mode.js';
import { filled } from './internal-tensors.js';
import { rebase } from './inplace.js';
import { expand, toDtype } from './shape.js';
import { assertNoInternalOverlap, checkWriteOverlap } from './overlap.js';
import { argumentError, checkInteger, checkNumber, checkTensor } from '../tensor/args.js';
import { randomDraws } from '../tensor/random-draws.js';

/** A view whose base records history: in-place writes rebase the base (CopySlices). */
function onGradView(t: Tensor): boolean {
  return gradEnabled() && t._base !== null && t._base._requiresGrad;
}

function randomFill(t: Tensor, kind: RandomKind, p0: number, p1: number): Tensor {
  assertNoInternalOverlap(t);
  checkInplace(t);
  call.fillRandom(kind, t, p0, p1);
  randomDraws.count++;
  t._version.value++;
  return t;
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
  if (onGradView(t)) {
    return rebase(t, () =>
      value instanceof Tensor ? toDtype(expand(value, t._shape), t._dtype) : filled(t._shape.slice(), Number(value), t._dtype, t.device),
    );
  }
  const previous = checkInplace(t);
  if (value instanceof Tensor) {
    if (value._shape.length !== 0) throw new Error(`fill_ only supports 0-dimension value tensor but got tensor with ${value._shape.length} dimensions.`);
    copyKernel(t, value);
  } else fillKernel(t, Number(value));
  t._version.value++;
  recordInplace(t, 'FillBackward0', previous, [], () => NO_GRADIENT);
  return t;
}

/** fill_'s backward: nothing flows to the overwritten value (a module-level closure that holds nothing). */
const NO_GRADIENT: Backward = () => [null];

/** Fills with zeros in place. @example p.grad.zero_() */
export function zero_(t: Tensor): Tensor {
  return fill_(t, 0);
}

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
export function uniform_(t: Tensor, from = 0, to = 1): Tensor {
  checkTensor(t, 'uniform_', 'input');
  checkNumber(from, 'uniform_', 'from');
  checkNumber(to, 'uniform_', 'to');
  if (from > to) throw new Error(`uniform_ expects to return a [from, to) range, but found from=${from} > to=${to}`);
  return randomFill(t, RandomKind.Uniform, from, to);
}

/**
 * Normal samples in place.
 * @example w.normal_(0, 0.01)
 */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  checkTensor(t, 'normal_', 'input');
  checkNumber(mean, 'normal_', 'mean');
  checkNumber(std, 'normal_', 'std');
  if (std < 0) throw new Error(`normal expects std >= 0.0, but found std ${std}`);
  return randomFill(t, RandomKind.Normal, mean, std);
}

/**
 * Random integers in [from, to) in place.
 * @example t.random_(0, 10)
 */
export function random_(t: Tensor, from: number, to?: number): Tensor {
  checkTensor(t, 'random_', 'input');
  checkInteger(from, 'random_', to === undefined ? 'to' : 'from');
  if (to !== undefined) checkInteger(to, 'random_', 'to');
  if (to === undefined) return randomFill(t, RandomKind.Integers, 0, from);
  return randomFill(t, RandomKind.Integers, from, to);
}

/**
 * Bernoulli(p) samples (0 or 1) in place.
 * @example mask.bernoulli_(0.5)
 */
export function bernoulli_(t: Tensor, p = 0.5): Tensor {
  checkTensor(t, 'bernoulli_', 'input');
  checkNumber(p, 'bernoulli_', 'p');
  if (!(p >= 0 && p <= 1)) throw new Error(`bernoulli_ expects p to be in [0, 1], but got p=${p}`);
  return randomFill(t, RandomKind.Bernoulli, p, 0);
}
