/**
 * `nn.functional`'s normalizations for convolutional networks: batchNorm, instanceNorm,
 * groupNorm (native kernels, norm-kernels.ts) and localResponseNorm (composite, as
 * PyTorch defines it). layerNorm is in layers.ts.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { Tensor } from '../../tensor/tensor.js';
import { zeros } from '../../tensor/creation.js';
import { reshape } from '../../ops/shape.js';
import { cat } from '../../ops/shape.js';
import { unfold } from '../../ops/split.js';
import { mean as meanOf } from '../../ops/reduce.js';
import { argumentError, checkBoolean, checkInteger, checkNumber, checkOptionalTensor, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';
import { batchNormNative, groupNormNative } from './norm-kernels.js';
import { autocastHook, autocastOp } from '../../amp/autocast-policy.js';

/** Options of batchNorm: PyTorch's keywords after the running statistics. */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number | null;
  eps?: number;
  /** BatchNorm's counter, advanced by one per training call (for `momentum: null`). */
  numBatchesTracked?: Tensor | null;
}
const BATCH_NORM_KEYS = keysOf<BatchNormOptions>()('weight', 'bias', 'training', 'momentum', 'eps', 'numBatchesTracked');

const sizeRepr = (shape: readonly number[]) => `torch.Size([${shape.join(', ')}])`;

// float16 and bfloat16 run in float32 and come back in their dtype.
function checkFloatInput(input: Tensor, fn: string): void {
  if (!input.isFloatingPoint()) throw new Error(`${fn}: expected a floating-point input, got ${input.dtype.name}`);
}

function checkPerChannel(t: Tensor | null, name: string, channels: number): void {
  if (t !== null && t.numel() !== channels) throw new Error(`${name} should contain ${channels} elements not ${t.numel()}`);
}

/**
 * Blends a batch statistic into a running one in place: `running = (1 - f) * running + f * batch`.
 */
function blend(running: Tensor, batch: Tensor, factor: number): void {
  const b = batch._dtype === running._dtype ? batch : batch.to(running._dtype);
  // A view shares its base's storage until it is released too: both are released here.
  const same = b._shape.length === running._shape.length && b._shape.every((n, i) => n === running._shape[i]);
  const shaped = same ? b : reshape(b, running._shape);
  running.mul_(1 - factor).add_(shaped, { alpha: factor });
  if (shaped !== b) shaped.dispose();
  if (b !== batch) b.dispose();
}

/** The shared core of batchNorm and instanceNorm (arguments already checked). */
function batchNormChecked(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum: number,
  eps: number,
): Tensor {
  const channels = input.shape[1];
  // PyTorch's order: each running statistic, then the affine tensors.
  if (!training && runningMean === null) throw new Error('running_mean must be defined in evaluation mode');
  checkPerChannel(runningMean, 'running_mean', channels);
  if (!training && runningVar === null) throw new Error('running_var must be defined in evaluation mode');
  checkPerChannel(runningVar, 'running_var', channels);
  checkPerChannel(weight, 'weight', channels);
  checkPerChannel(bias, 'bias', channels);
  checkFloatInput(input, 'batch_norm');
  const { out, batchMean, batchVar } = batchNormNative(input, weight, bias, runningMean, runningVar, training, eps);
  if (batchMean !== null && batchVar !== null) {
    noGrad(() => {
      if (runningMean !== null) blend(runningMean, batchMean, momentum);
      if (runningVar !== null) {
        // The running variance is unbiased, as PyTorch's.
        const count = input.numel() / Math.max(channels, 1);
        const unbiased = batchVar.mul(count / Math.max(count - 1, 1));
        blend(runningVar, unbiased, momentum);
        unbiased.dispose();
      }
    });
    batchMean.dispose();
    batchVar.dispose();
  }
  return out;
}

/**
 * Batch normalisation over every dim but the channels (dim 1) of an (N, C, *) input. In
 * training it normalises with the batch statistics and updates `runningMean` / `runningVar`
 * in place (unbiased variance); otherwise it uses them. Positional as PyTorch's
 * `(input, running_mean, running_var, weight, bias, training, momentum, eps)`, or with an
 * options object after the running statistics.
 * @example F.batchNorm(x, bn.running_mean, bn.running_var, { training: true })
 * @example F.batchNorm(x, null, null, weight, bias, true, 0.1, 1e-5)
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weightOrOptions: Tensor | null | BatchNormOptions = {},
  bias: Tensor | null = null,
  training = false,
  momentum: number | null = 0.1,
  eps = 1e-5,
): Tensor {
  checkTensor(input, 'batchNorm', 'input');
  checkOptionalTensor(runningMean, 'batchNorm', 'runningMean');
  checkOptionalTensor(runningVar, 'batchNorm', 'runningVar');
  let weight: Tensor | null;
  let numBatchesTracked: Tensor | null = null;
  if (weightOrOptions === null || weightOrOptions instanceof Tensor) {
    weight = weightOrOptions;
  } else {
    const options = weightOrOptions ?? {};
    checkOptions(options, 'batchNorm', BATCH_NORM_KEYS);
    weight = options.weight ?? null;
    bias = options.bias ?? null;
    training = options.training ?? false;
    momentum = options.momentum === undefined ? 0.1 : options.momentum;
    eps = options.eps ?? 1e-5;
    numBatchesTracked = options.numBatchesTracked ?? null;
    checkOptionalTensor(numBatchesTracked, 'batchNorm', 'numBatchesTracked');
  }
  checkOptionalTensor(weight, 'batchNorm', 'weight');
  checkOptionalTensor(bias, 'batchNorm', 'bias');
  checkBoolean(training, 'batchNorm', 'training');
  checkNumber(eps, 'batchNorm', 'eps');
  if (momentum !== null) checkNumber(momentum, 'batchNorm', 'momentum');
  if (input.dim() < 2) throw new Error(`Dimension out of range (expected to be in range of [-1, 0], but got 1)`);
  if (training) {
    const count = input.numel() / Math.max(input.shape[1], 1);
    if (count <= 1) throw new Error(`Expected more than 1 value per channel when training, got input size ${sizeRepr(input.shape)}`);
  }
  // momentum null: the cumulative average, 1 / num_batches_tracked (BatchNorm's counter).
  let factor = momentum ?? 0;
  if (training && numBatchesTracked !== null) {
    noGrad(() => numBatchesTracked!.add_(1));
    if (momentum === null) factor = 1 / Number(numBatchesTracked.item());
  }
  return batchNormChecked(input, runningMean, runningVar, weight, bias, training, factor, eps);
}

/**
 * Instance normalisation: each sample's channels normalised over their spatial dims, as
 * PyTorch's batch norm over the input viewed as (1, N * C, *). With running statistics
 * and `useInputStats` they are updated with the mean over the batch; without
 * `useInputStats` they are used instead.
 * @example F.instanceNorm(torch.randn(2, 3, 8, 8))
 */
export function instanceNorm(
  input: Tensor,
  runningMean: Tensor | null = null,
  runningVar: Tensor | null = null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  useInputStats = true,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  checkTensor(input, 'instanceNorm', 'input');
  for (const [t, name] of [[runningMean, 'runningMean'], [runningVar, 'runningVar'], [weight, 'weight'], [bias, 'bias']] as const) {
    checkOptionalTensor(t, 'instanceNorm', name);
  }
  checkBoolean(useInputStats, 'instanceNorm', 'useInputStats');
  checkNumber(momentum, 'instanceNorm', 'momentum');
  checkNumber(eps, 'instanceNorm', 'eps');
  if (input.dim() < 2) throw new Error(`Dimension out of range (expected to be in range of [-1, 0], but got 1)`);
  if (useInputStats) {
    const spatial = input.shape.slice(2).reduce((a, b) => a * b, 1);
    if (spatial <= 1) throw new Error(`Expected more than 1 spatial element when training, got input size ${sizeRepr(input.shape)}`);
  }
  if (!useInputStats && (runningMean === null || runningVar === null)) {
    throw new Error('Expected running_mean and running_var to be defined when use_input_stats is false');
  }
  const [b, c] = input.shape;
  // As PyTorch's instance_norm: the per-channel tensors repeated per sample, batch norm on
  // (1, N * C, *), the running statistics written back as their mean over the samples.
  const repeated = (t: Tensor | null) => (t === null ? null : t.repeat(b));
  const runningMean2 = noGrad(() => repeated(runningMean));
  const runningVar2 = noGrad(() => repeated(runningVar));
  const shape = [1, b * c, ...input.shape.slice(2)];
  const out = batchNormChecked(
    reshape(input.contiguous(), shape),
    runningMean2,
    runningVar2,
    repeated(weight),
    repeated(bias),
    useInputStats,
    momentum,
    eps,
  );
  noGrad(() => {
    for (const [running, copy] of [[runningMean, runningMean2], [runningVar, runningVar2]] as const) {
      if (running === null || copy === null) continue;
      const averaged = meanOf(reshape(copy, [b, c]), 0);
      running.copy_(averaged);
      averaged.dispose();
      copy.dispose();
    }
  });
  return out.view(input.shape);
}

/**
 * Group normalisation: the channels of each sample split into `numGroups` groups, each
 * normalised over its channels and spatial dims, then an optional per-channel affine.
 * @example F.groupNorm(torch.randn(2, 6, 4, 4), 3)
 */
export function groupNorm(input: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  if (autocastHook.active) return autocastOp('groupNorm', groupNorm, arguments);
  checkTensor(input, 'groupNorm', 'input');
  checkInteger(numGroups, 'groupNorm', 'numGroups');
  checkOptionalTensor(weight, 'groupNorm', 'weight');
  checkOptionalTensor(bias, 'groupNorm', 'bias');
  checkNumber(eps, 'groupNorm', 'eps');
  if (input.dim() < 2) throw new Error(`Dimension out of range (expected to be in range of [-1, 0], but got 1)`);
  const [n, c] = input.shape;
  const shapeText = `[${input.shape.join(', ')}]`;
  if (numGroups <= 0 || c % numGroups !== 0) {
    throw new Error(`Expected number of channels in input to be divisible by num_groups, but got input of shape ${shapeText} and num_groups=${numGroups}`);
  }
  const perGroup = [Math.floor((n * c) / numGroups), numGroups, ...input.shape.slice(2)];
  if (perGroup.reduce((a, b) => a * b, 1) / numGroups <= 1) {
    throw new Error(`Expected more than 1 value per channel when training, got input size [${perGroup.join(', ')}]`);
  }
  for (const [t, name] of [[weight, 'weight'], [bias, 'bias']] as const) {
    if (t !== null && (t.dim() !== 1 || t.numel() !== c)) {
      throw new Error(
        `Expected ${name} to be a vector of size equal to the number of channels in input, but got ${name} of shape [${t.shape.join(', ')}] and input of shape ${shapeText}`,
      );
    }
  }
  checkFloatInput(input, 'group_norm');
  return groupNormNative(input, numGroups, weight, bias, eps);
}

/**
 * Local response normalisation across channels: `input / (k + alpha / size * sum of
 * squares over the `size` neighbouring channels) ** beta`, zero-padded at the ends, as
 * PyTorch composes it.
 * @example F.localResponseNorm(torch.randn(2, 8, 5, 5), 3)
 */
export function localResponseNorm(input: Tensor, size: number, alpha = 1e-4, beta = 0.75, k = 1.0): Tensor {
  checkTensor(input, 'localResponseNorm', 'input');
  checkInteger(size, 'localResponseNorm', 'size');
  if (size < 1) throw argumentError('localResponseNorm', 'size', 'a positive integer', size);
  checkNumber(alpha, 'localResponseNorm', 'alpha');
  checkNumber(beta, 'localResponseNorm', 'beta');
  checkNumber(k, 'localResponseNorm', 'k');
  const dim = input.dim();
  // PyTorch's message, with the spaces its source's line continuation puts in it.
  if (dim < 3) throw new Error(`Expected 3D or higher dimensionality${' '.repeat(26)}input (got ${dim} dimensions)`);
  if (input.numel() === 0) return input;
  // The window mean of the squares along the channels: zero-pad dim 1 by size // 2 before
  // and (size - 1) // 2 after, take every window of `size`, average (PyTorch's avg_pool
  // over a padded view, count_include_pad).
  const squares = input.mul(input);
  const padShape = (p: number) => input.shape.map((s, d) => (d === 1 ? p : s));
  const before = Math.floor(size / 2);
  const after = Math.floor((size - 1) / 2);
  const parts: Tensor[] = [];
  if (before > 0) parts.push(zeros(padShape(before), { dtype: input.dtype, device: input.device }));
  parts.push(squares);
  if (after > 0) parts.push(zeros(padShape(after), { dtype: input.dtype, device: input.device }));
  const padded = parts.length === 1 ? squares : cat(parts, 1);
  const windowMean = meanOf(unfold(padded, 1, size, 1), -1);
  const div = windowMean.mul(alpha).add(k).pow(beta);
  return input.div(div);
}
