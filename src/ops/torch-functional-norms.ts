/**
 * The torch-level normalizations and norms of PyTorch 1.13: `torch.batchNorm`, `layerNorm`,
 * `groupNorm`, `instanceNorm` (ATen's argument order, every flag positional), the `native_*`
 * forms that also return the saved statistics (`nativeLayerNorm`, `nativeBatchNorm`,
 * `nativeGroupNorm`) and `nativeDropout` (with its mask), and `frobeniusNorm`, `nuclearNorm`,
 * `normExceptDim`. The outputs are F's (same kernels, gradients and grad_fn names); the
 * statistics are computed beside them without autograd, as PyTorch returns them.
 */
import { record, renameGradFn } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../tensor/tensor.js';
import { bool, float64, scalarTypeName } from '../tensor/dtype.js';
import { argumentError, checkBoolean, checkInteger, checkNumber, checkOptionalTensor, checkTensor } from '../tensor/args.js';
import { empty, emptyLike, ones } from '../tensor/creation.js';
import { mul } from './elementwise.js';
import { bernoulli_ } from './fill.js';
import { contiguous, reshape, toDtype, transpose, view } from './shape.js';
import { mean, sum } from './reduce.js';
import { norm, var_ } from './norms.js';
import { sqrt } from './elementwise.js';
import { layerNormKernel } from './fused-kernels.js';
import { batchNorm as fBatchNorm, groupNorm as fGroupNorm, instanceNorm as fInstanceNorm } from '../nn/functional/normalization.js';
import { layerNorm as fLayerNorm } from '../nn/functional/layers.js';
import { matrixNorm } from '../linalg/norms.js';

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * `torch.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
 * cudnn_enabled)`: `F.batchNorm` with ATen's argument order (weight and bias first), all
 * required; `cudnnEnabled` changes nothing.
 * @example torch.batchNorm(x, bn.weight, bn.bias, bn.runningMean, bn.runningVar, true, 0.1, 1e-5, true)
 */
export function batchNorm(
  input: Tensor, weight: Tensor | null, bias: Tensor | null, runningMean: Tensor | null, runningVar: Tensor | null,
  training: boolean, momentum: number, eps: number, cudnnEnabled: boolean,
): Tensor {
  checkBoolean(cudnnEnabled, 'batch_norm', 'cudnn_enabled');
  checkBoolean(training, 'batch_norm', 'training');
  checkNumber(momentum, 'batch_norm', 'momentum');
  checkNumber(eps, 'batch_norm', 'eps');
  return fBatchNorm(input, runningMean ?? null, runningVar ?? null, weight ?? null, bias ?? null, training, momentum, eps);
}

/** ATen's checks of layer_norm's weight and bias against normalized_shape (F's are looser). */
function checkLayerNormAffine(normalizedShape: number[], weight: Tensor | null, bias: Tensor | null): void {
  for (const [t, name] of [[weight, 'weight'], [bias, 'bias']] as const) {
    if (t !== null && t.shape.join() !== normalizedShape.join()) {
      throw new Error(`Expected ${name} to be of same shape as normalized_shape, but got ${name} of shape ${shapeText(t.shape)} and normalized_shape = ${shapeText(normalizedShape)}`);
    }
  }
}

function normalizedShapeOf(fn: string, normalizedShape: unknown): number[] {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || !shape.every(Number.isInteger)) throw argumentError(fn, 'normalized_shape', 'an integer or an array of integers', normalizedShape);
  return shape as number[];
}

/**
 * `torch.layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5,
 * cudnn_enable=True)`: `F.layerNorm` (PyTorch's message for a weight or bias whose shape is
 * not `normalized_shape`).
 * @example torch.layerNorm(x, [x.size(-1)], ln.weight, ln.bias)
 */
export function layerNorm(
  input: Tensor, normalizedShape: number | number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5, cudnnEnable = true,
): Tensor {
  checkTensor(input, 'layer_norm', 'input');
  checkOptionalTensor(weight, 'layer_norm', 'weight');
  checkOptionalTensor(bias, 'layer_norm', 'bias');
  checkBoolean(cudnnEnable, 'layer_norm', 'cudnn_enable');
  const shape = normalizedShapeOf('layer_norm', normalizedShape);
  checkLayerNormAffine(shape, weight ?? null, bias ?? null);
  return fLayerNorm(input, shape, weight ?? null, bias ?? null, eps);
}

/**
 * `torch.group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True)`.
 * @example torch.groupNorm(x, 2)
 */
export function groupNorm(input: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5, cudnnEnabled = true): Tensor {
  checkBoolean(cudnnEnabled, 'group_norm', 'cudnn_enabled');
  return fGroupNorm(input, numGroups, weight ?? null, bias ?? null, eps);
}

/**
 * `torch.instance_norm(input, weight, bias, running_mean, running_var, use_input_stats,
 * momentum, eps, cudnn_enabled)`: `F.instanceNorm` in ATen's order, all required.
 * @example torch.instanceNorm(x, null, null, null, null, true, 0.1, 1e-5, false)
 */
export function instanceNorm(
  input: Tensor, weight: Tensor | null, bias: Tensor | null, runningMean: Tensor | null, runningVar: Tensor | null,
  useInputStats: boolean, momentum: number, eps: number, cudnnEnabled: boolean,
): Tensor {
  checkBoolean(cudnnEnabled, 'instance_norm', 'cudnn_enabled');
  return fInstanceNorm(input, runningMean ?? null, runningVar ?? null, weight ?? null, bias ?? null, useInputStats, momentum, eps);
}

/**
 * `torch.native_layer_norm(input, normalized_shape, weight, bias, eps)`: `[output, mean,
 * rstd]`, the per-row mean and 1 / sqrt(var + eps) shaped as the input with the normalized
 * dims kept as size 1. Only the output carries autograd.
 * @example const [y, mean, rstd] = torch.nativeLayerNorm(x, [4], null, null, 1e-5)
 */
export function nativeLayerNorm(input: Tensor, normalizedShape: number[], weight: Tensor | null, bias: Tensor | null, eps: number): [Tensor, Tensor, Tensor] {
  const out = layerNorm(input, normalizedShape, weight, bias, eps);
  const shape = normalizedShapeOf('native_layer_norm', normalizedShape);
  const batch = input.shape.slice(0, input.dim() - shape.length);
  const cols = shape.reduce((a, b) => a * b, 1);
  const rows = batch.reduce((a, b) => a * b, 1);
  const statsShape = [...batch, ...shape.map(() => 1)];
  // The forward kernel's own statistics (F's layerNorm keeps them on its node only).
  const [m, r] = noGrad(() => {
    const x = contiguous(input);
    const stats = layerNormKernel(x, cols === 0 ? 0 : rows, cols, null, null, eps);
    stats.out.dispose();
    return [reshape(stats.mean, statsShape), reshape(stats.rstd, statsShape)];
  });
  return [out, m, r];
}

/**
 * `torch.native_batch_norm(input, weight, bias, running_mean, running_var, training,
 * momentum, eps)`: `[output, save_mean, save_invstd]`; in training the batch's per-channel
 * mean and 1 / sqrt(biased var + eps), in evaluation empty tensors (as PyTorch's CPU kernel).
 * @example const [y, mean, invstd] = torch.nativeBatchNorm(x, null, null, null, null, true, 0.1, 1e-5)
 */
export function nativeBatchNorm(
  input: Tensor, weight: Tensor | null, bias: Tensor | null, runningMean: Tensor | null, runningVar: Tensor | null,
  training: boolean, momentum: number, eps: number,
): [Tensor, Tensor, Tensor] {
  checkTensor(input, 'native_batch_norm', 'input');
  checkBoolean(training, 'native_batch_norm', 'training');
  checkNumber(eps, 'native_batch_norm', 'eps');
  // The statistics first: the running ones are updated in place by the call below.
  const stats = training
    ? noGrad(() => {
        const dims = [0, ...Array.from({ length: input.dim() - 2 }, (_, i) => i + 2)];
        const x = toDtype(input, float64);
        const m = mean(x, dims);
        const invstd = sqrt(var_(x, dims, { correction: 0 }).add(eps)).reciprocal();
        return [toDtype(m, input.dtype), toDtype(invstd, input.dtype)];
      })
    : [empty([0], { dtype: input.dtype, device: input.device }), empty([0], { dtype: input.dtype, device: input.device })];
  const out = fBatchNorm(input, runningMean ?? null, runningVar ?? null, weight ?? null, bias ?? null, training, momentum, eps);
  return [out, stats[0], stats[1]];
}

/**
 * `torch.native_group_norm(input, weight, bias, N, C, HxW, group, eps)`: `[output, mean,
 * rstd]`, the statistics of each (sample, group) as (N, group) tensors, differentiable as
 * PyTorch's are.
 * @example const [y, mean, rstd] = torch.nativeGroupNorm(x, null, null, 2, 6, 4, 3, 1e-5)
 */
export function nativeGroupNorm(
  input: Tensor, weight: Tensor | null, bias: Tensor | null, N: number, C: number, HxW: number, group: number, eps: number,
): [Tensor, Tensor, Tensor] {
  checkTensor(input, 'native_group_norm', 'input');
  for (const [v, name] of [[N, 'N'], [C, 'C'], [HxW, 'HxW'], [group, 'group']] as const) checkInteger(v, 'native_group_norm', name);
  if (input.numel() !== N * C * HxW || input.shape[0] !== N || input.shape[1] !== C) {
    throw new Error(`Expected input of ${N} x ${C} x ${HxW} elements (N, C, HxW), but got input of size ${shapeText(input.shape)}`);
  }
  const out = fGroupNorm(input, group, weight ?? null, bias ?? null, eps);
  // PyTorch's mean and rstd are outputs of the same node, so gradients reach the input through
  // them too: they are computed here with autograd (in float64, then the input's dtype).
  const x = reshape(toDtype(input, float64), [N, group, -1]);
  const rstd = sqrt(var_(x, 2, { correction: 0 }).add(eps)).reciprocal();
  return [out, toDtype(mean(x, 2), input.dtype), toDtype(rstd, input.dtype)];
}

/**
 * `torch.native_dropout(input, p, train)`: `[output, mask]`, the bool mask of the kept
 * elements (drawn as `torch.dropout` draws them, so the same after `torch.manualSeed`) and
 * `input * mask * (1 / (1 - p))`; `train` false gives a copy and a mask of ones. As in
 * PyTorch 1.13, `train` null trains in the forward and scales the gradient by 1.
 * @example const [y, mask] = torch.nativeDropout(x, 0.3, true)
 */
export function nativeDropout(input: Tensor, p: number, train: boolean | null): [Tensor, Tensor] {
  checkTensor(input, 'native_dropout', 'input');
  checkNumber(p, 'native_dropout', 'p');
  if (train !== null) checkBoolean(train, 'native_dropout', 'train');
  if (input.numel() === 0) return [input, emptyLike(input)];
  const training = train ?? true;
  let mask: Tensor;
  let out: Tensor;
  const scale = p === 1 ? 0 : 1 / (1 - p);
  if (training) {
    // PyTorch scales the masked input in place, which an integer tensor cannot hold.
    if (!input.dtype.isFloatingPoint) throw new Error(`result type Float can't be cast to the desired output type ${scalarTypeName(input.dtype)}`);
    const noise = emptyLike(input);
    noGrad(() => bernoulli_(noise, 1 - p));
    mask = noGrad(() => toDtype(noise, bool));
    out = noGrad(() => mul(mul(input, noise), scale));
  } else {
    mask = ones(input.shape, { dtype: bool, device: input.device });
    out = noGrad(() => input.clone());
  }
  const gradScale = train === true ? scale : 1;
  const recorded = record(out, 'NativeDropoutBackward0', [input], (node) => {
    const saved = node.save(mask);
    return (g) => [mul(mul(g, toDtype(saved(), g.dtype)), gradScale)];
  });
  return [recorded, mask];
}

type Dims = number[];

/**
 * `torch.frobenius_norm(input, dim=[], keepdim=False)`: the 2-norm over all elements, or over
 * one dim, or `sqrt(sum(x * x))` over two, as PyTorch 1.13 composes it (so its gradients and
 * grad_fn names).
 * @example torch.frobeniusNorm(m); torch.frobeniusNorm(x, [1, 2])
 */
export function frobeniusNorm(input: Tensor, dim?: Dims, keepdim = false): Tensor {
  checkTensor(input, 'frobenius_norm', 'input');
  checkBoolean(keepdim, 'frobenius_norm', 'keepdim');
  if (dim === undefined) return renameGradFn(norm(input), 'NormBackward0');
  if (!Array.isArray(dim)) throw argumentError('frobenius_norm', 'dim', 'an array of integers', dim);
  if (dim.length > 2) throw new Error(`Expected at most 2 dimensions, but got ${dim.length} dimensions instead.`);
  if (dim.length < 2) return norm(input, 2, dim.length === 0 ? undefined : dim, keepdim);
  const n = input.dim();
  const wrapped = dim.map((d) => (d < 0 ? d + Math.max(n, 1) : d));
  if (wrapped[0] === wrapped[1]) throw new Error(`Expected dims to be different, got [${dim.join(', ')}] instead`);
  return sqrt(sum(mul(input, input), wrapped, keepdim));
}

/**
 * `torch.nuclear_norm(input, keepdim=False)` of a matrix, or `torch.nuclear_norm(input, dim,
 * keepdim=False)` over two dims: the sum of the singular values (`linalg.matrixNorm(A, 'nuc')`).
 * @example torch.nuclearNorm(m); torch.nuclearNorm(batch, [1, 2])
 */
export function nuclearNorm(input: Tensor, dim?: Dims | boolean, keepdim = false): Tensor {
  checkTensor(input, 'nuclear_norm', 'input');
  if (dim === undefined || typeof dim === 'boolean') {
    keepdim = dim ?? false;
    if (input.dim() !== 2) throw new Error(`Expected a tensor with 2 dimensions, but got a tensor with ${input.dim()} dimensions instead.`);
    dim = [0, 1];
  }
  checkBoolean(keepdim, 'nuclear_norm', 'keepdim');
  if (!Array.isArray(dim) || dim.length !== 2) throw new Error("nuclear norm requires a 'dim' argument of size 2");
  return matrixNorm(input, 'nuc', [dim[0], dim[1]], keepdim);
}

/**
 * `torch.norm_except_dim(v, pow=2, dim=0)`: the `pow`-norm over every dim but `dim`, shaped
 * to broadcast against `v` (weight normalization's norm); `dim` -1 is the norm of all of `v`.
 * @example torch.normExceptDim(weight, 2, 0)
 */
export function normExceptDim(v: Tensor, pow = 2, dim = 0): Tensor {
  checkTensor(v, 'norm_except_dim', 'v');
  checkInteger(pow, 'norm_except_dim', 'pow');
  checkInteger(dim, 'norm_except_dim', 'dim');
  if (dim === -1) return renameGradFn(norm(v, pow), 'NormBackward0');
  const n = v.dim();
  const outputShape = (d: number) => v.shape.map((s, i) => (i === d ? s : 1));
  if (dim === 0) return view(norm(view(contiguous(v), [v.shape[0], -1]), pow, 1), outputShape(0));
  if (dim === n - 1) return view(norm(view(contiguous(v), [-1, v.shape[n - 1]]), pow, 0), outputShape(n - 1));
  return transpose(normExceptDim(transpose(v, 0, dim), pow, 0), 0, dim);
}
