/**
 * Channel-wise dropout (`dropout1d`, `dropout2d`, `dropout3d`, `featureAlphaDropout`) and
 * `alphaDropout`, drawn as PyTorch's `_dropout_impl` draws them (ATen/native/Dropout.cpp):
 * one bernoulli_(1 - p) over an (N, C, 1, ...) noise tensor (the input's shape for the
 * element-wise forms), so that after `torch.manualSeed` the masks are PyTorch's, bit for bit.
 * The Python wrappers' rank checks and warnings are functional.py's.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { Tensor } from '../../tensor/tensor.js';
import { empty, emptyLike, zeros } from '../../tensor/creation.js';
import { add, mul } from '../../ops/elementwise.js';
import { add_, div_, mul_ } from '../../ops/inplace.js';
import { bernoulli_ } from '../../ops/fill.js';
import { squeeze, unsqueeze } from '../../ops/shape.js';
import { checkBoolean, checkNumber, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';
import type { DropoutOptions } from './layers.js';

const KEYS = keysOf<DropoutOptions>()('p', 'training', 'inplace');
/** SELU's negative saturation, -scale * alpha, which alpha dropout drops to. */
const SELU_ALPHA = 1.7580993408473766;

interface Resolved {
  p: number;
  training: boolean;
  inplace: boolean;
}

/** `(p, training, inplace)` or one options object, checked; `trainingDefault` differs by fn. */
function resolve(fn: string, input: unknown, p: unknown, training: unknown, inplace: unknown, trainingDefault: boolean): Resolved {
  checkTensor(input, fn, 'input');
  if (p !== null && typeof p === 'object') {
    checkOptions(p, fn, KEYS);
    const o = p as DropoutOptions;
    [p, training, inplace] = [o.p ?? 0.5, o.training ?? trainingDefault, o.inplace ?? false];
  }
  p ??= 0.5;
  training ??= trainingDefault;
  inplace ??= false;
  checkNumber(p, fn, 'p');
  checkBoolean(training, fn, 'training');
  checkBoolean(inplace, fn, 'inplace');
  if (p < 0 || p > 1) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
  return { p, training, inplace };
}

/** `_dropout_impl<feature, alpha>`: the noise drawn, scaled (and shifted for alpha). */
function dropoutImpl(input: Tensor, { p, training, inplace }: Resolved, feature: boolean, alpha: boolean): Tensor {
  if (p === 0 || !training || input.numel() === 0) return input;
  const multiply = (noise: Tensor) => (inplace ? mul_(input, noise) : mul(input, noise));
  // p == 1 draws nothing (and checks no rank): PyTorch multiplies by a zero scalar.
  if (p === 1) return multiply(zeros([], { dtype: input.dtype, device: input.device }));
  if (feature && input.dim() < 2) throw new Error('Feature dropout requires at least 2 dimensions in the input');
  const noise = feature
    ? empty([input.shape[0], input.shape[1], ...input.shape.slice(2).map(() => 1)], { dtype: input.dtype, device: input.device })
    : emptyLike(input);
  const shift = noGrad((): Tensor | null => {
    bernoulli_(noise, 1 - p);
    if (!alpha) {
      div_(noise, 1 - p);
      return null;
    }
    const a = 1 / Math.sqrt((SELU_ALPHA * SELU_ALPHA * p + 1) * (1 - p));
    const b = add_(mul_(add(noise, -1), SELU_ALPHA * a), SELU_ALPHA * a * p);
    mul_(noise, a);
    return b;
  });
  const out = multiply(noise);
  if (shift === null) return out;
  return inplace ? add_(out, shift) : add(out, shift);
}

/** The unbatched forms: run on input.unsqueeze(0), as functional.py does. */
function unbatched(input: Tensor, resolved: Resolved, run: (x: Tensor) => Tensor): Tensor {
  const batched = unsqueeze(input, 0);
  const out = run(batched);
  if (resolved.inplace) return input;
  return out === batched ? input : squeeze(out, 0);
}

// Python's default warning filter shows a warning once per call site; these have one each.
const warned = new Set<string>();
function warn(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, 'UserWarning');
}

/**
 * Zeroes whole channels of (N, C, L) or (C, L) with probability `p`, scaling the rest by
 * 1/(1-p), as `torch.nn.functional.dropout1d`.
 * @example F.dropout1d(x, 0.2, net.training)
 */
export function dropout1d(input: Tensor, p: number | DropoutOptions = 0.5, training = true, inplace = false): Tensor {
  const r = resolve('dropout1d', input, p, training, inplace, true);
  const dim = input.dim();
  if (dim !== 2 && dim !== 3) {
    throw new Error(
      `dropout1d: Expected 2D or 3D input, but received a ${dim}D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 ` +
        'spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).',
    );
  }
  if (dim === 3) return dropoutImpl(input, r, true, false);
  return unbatched(input, r, (x) => dropoutImpl(x, r, true, false));
}

/**
 * Zeroes whole channels of (N, C, H, W) with probability `p`, as
 * `torch.nn.functional.dropout2d`; a 3-D input is taken as (N, C, L), with PyTorch's warning.
 * @example F.dropout2d(x, 0.5, net.training)
 */
export function dropout2d(input: Tensor, p: number | DropoutOptions = 0.5, training = true, inplace = false): Tensor {
  const r = resolve('dropout2d', input, p, training, inplace, true);
  const dim = input.dim();
  if (dim !== 3 && dim !== 4) {
    warn(
      `dropout2d: Received a ${dim}-D input to dropout2d, which is deprecated and will result in an error in a future release. To retain the behavior ` +
        'and silence this warning, please use dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial dimensions, ' +
        'a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).',
    );
  }
  if (dim === 3) {
    warn(
      'dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C ' +
        'is the channel dim. This behavior will change in a future release to interpret the input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D ' +
        'channel-wise dropout behavior, please switch to using dropout1d instead.',
    );
  }
  return dropoutImpl(input, r, true, false);
}

/**
 * Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) with probability `p`, as
 * `torch.nn.functional.dropout3d`.
 * @example F.dropout3d(x, 0.5, net.training)
 */
export function dropout3d(input: Tensor, p: number | DropoutOptions = 0.5, training = true, inplace = false): Tensor {
  const r = resolve('dropout3d', input, p, training, inplace, true);
  const dim = input.dim();
  if (dim !== 4 && dim !== 5) {
    warn(
      `dropout3d: Received a ${dim}-D input to dropout3d, which is deprecated and will result in an error in a future release. To retain the behavior ` +
        'and silence this warning, please use dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial dimensions, ' +
        'a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).',
    );
  }
  if (dim === 5) return dropoutImpl(input, r, true, false);
  return unbatched(input, r, (x) => dropoutImpl(x, r, true, false));
}

/**
 * Alpha dropout for SELU networks: dropped elements become SELU's negative saturation and
 * the result is scaled and shifted to keep zero mean and unit variance, as
 * `torch.nn.functional.alpha_dropout` (`training` defaults to false, as there).
 * @example F.alphaDropout(x, 0.2, net.training)
 */
export function alphaDropout(input: Tensor, p: number | DropoutOptions = 0.5, training = false, inplace = false): Tensor {
  return dropoutImpl(input, resolve('alphaDropout', input, p, training, inplace, false), false, true);
}

/**
 * Alpha dropout of whole channels, as `torch.nn.functional.feature_alpha_dropout`
 * (`training` defaults to false, as there).
 * @example F.featureAlphaDropout(x, 0.2, net.training)
 */
export function featureAlphaDropout(input: Tensor, p: number | DropoutOptions = 0.5, training = false, inplace = false): Tensor {
  return dropoutImpl(input, resolve('featureAlphaDropout', input, p, training, inplace, false), true, true);
}
