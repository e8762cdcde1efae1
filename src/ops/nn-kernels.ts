/**
 * Wrappers over the fused native kernels of the neural-network ops: softmax,
 * log-softmax and the cross-entropy / NLL loss. Like kernels.ts, no autograd here.
 */
import { native } from '../native/addon.js';
import { recycled } from '../memory/storage.js';
import { metaBegin, metaContiguous, metaView } from '../native/meta.js';
import { Tensor, fromHandle } from '../tensor/tensor.js';
import { checkSameDevice } from './kernels.js';

/** Loss reductions, mirroring native LossReduction. */
export const enum ReductionCode {
  None = 0,
  Mean = 1,
  Sum = 2,
}

/** The [outer, size, inner] split of a contiguous shape around `dim`. */
function around(shape: readonly number[], dim: number): number[] {
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < dim; d++) outer *= shape[d];
  for (let d = dim + 1; d < shape.length; d++) inner *= shape[d];
  return [outer, shape.length === 0 ? 1 : shape[dim], inner];
}

function flat3(t: Tensor, split: number[]): void {
  metaView(t._dtype.code, t._offset, split, [split[1] * split[2], split[2], 1]);
}

/** Softmax (or log-softmax) of contiguous float `x` over `dim`, into a new tensor. */
export function softmaxKernel(x: Tensor, dim: number, log: boolean): Tensor {
  const split = around(x._shape, dim);
  metaBegin();
  metaContiguous(x._dtype.code, split);
  flat3(x, split);
  return fromHandle(native.softmax(recycled(), x._handle(), log)!, x._shape.slice(), x._dtype, x.device);
}

/** The input gradient of softmax (or log-softmax) from contiguous `grad` and `output`. */
export function softmaxBackwardKernel(grad: Tensor, output: Tensor, dim: number, log: boolean): Tensor {
  const split = around(output._shape, dim);
  metaBegin();
  metaContiguous(output._dtype.code, split);
  flat3(grad, split);
  flat3(output, split);
  const handle = native.softmaxBackward(recycled(), grad._handle(), output._handle(), log)!;
  return fromHandle(handle, output._shape.slice(), output._dtype, output.device);
}

/** What the fused loss needs besides its tensors. */
export interface LossConfig {
  weight: Tensor | null;
  ignoreIndex: number;
  labelSmoothing: number;
  fromLogits: boolean;
  reduction: ReductionCode;
}

/**
 * Fused loss over contiguous `input` [rows, classes] and int64 `target` [rows]. Returns the
 * loss ([rows] or []), the log-probabilities (from logits only) and the mean's denominator.
 */
export function crossEntropyKernel(
  input: Tensor,
  target: Tensor,
  config: LossConfig,
): { loss: Tensor; logProbs: Tensor | null; totalWeight: number } {
  checkSameDevice(input, target);
  if (config.weight !== null) checkSameDevice(input, config.weight);
  const rows = input._shape[0];
  const lossShape = config.reduction === ReductionCode.None ? [rows] : [];
  metaBegin();
  metaContiguous(input._dtype.code, lossShape);
  if (config.fromLogits) metaContiguous(input._dtype.code, input._shape);
  metaView(input._dtype.code, input._offset, input._shape, input._strides);
  metaView(target._dtype.code, target._offset, target._shape, target._strides);
  const weight = config.weight;
  if (weight !== null) metaView(weight._dtype.code, weight._offset, weight._shape, weight._strides);
  const [lossHandle, logProbsHandle, totalWeight] = native.crossEntropy(
    recycled(),
    config.fromLogits ? recycled() : null,
    input._handle(),
    target._handle(),
    weight === null ? null : weight._handle(),
    config.ignoreIndex,
    config.labelSmoothing,
    config.fromLogits,
    config.reduction,
  );
  const loss = fromHandle(lossHandle, lossShape, input._dtype, input.device);
  const logProbs = logProbsHandle === null ? null : fromHandle(logProbsHandle, input._shape.slice(), input._dtype, input.device);
  return { loss, logProbs, totalWeight };
}

/** The input gradient of the fused loss. `logProbs` is the forward's (or nll's input). */
export function crossEntropyBackwardKernel(
  gradLoss: Tensor,
  logProbs: Tensor,
  target: Tensor,
  config: LossConfig,
  totalWeight: number,
): Tensor {
  metaBegin();
  metaContiguous(logProbs._dtype.code, logProbs._shape);
  metaView(gradLoss._dtype.code, gradLoss._offset, gradLoss._shape, gradLoss._strides);
  metaView(logProbs._dtype.code, logProbs._offset, logProbs._shape, logProbs._strides);
  metaView(target._dtype.code, target._offset, target._shape, target._strides);
  const weight = config.weight;
  if (weight !== null) metaView(weight._dtype.code, weight._offset, weight._shape, weight._strides);
  const handle = native.crossEntropyBackward(
    recycled(),
    gradLoss._handle(),
    logProbs._handle(),
    target._handle(),
    weight === null ? null : weight._handle(),
    config.ignoreIndex,
    config.labelSmoothing,
    config.fromLogits,
    config.reduction,
    totalWeight,
  )!;
  return fromHandle(handle, logProbs._shape.slice(), logProbs._dtype, logProbs.device);
}
