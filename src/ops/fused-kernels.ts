/**
 * Wrappers over the fused native kernels of the neural-network ops: softmax, log-softmax,
 * the cross-entropy / NLL loss, layer normalization and the Linear epilogue. Like
 * tensor-kernels.ts, no autograd here.
 */
import * as call from '../native/calls.generated.js';
import { LossReduction, type Activation } from '../native/enums.generated.js';
import { fresh, layoutOf } from '../native/meta.js';
import { float64 } from '../tensor/dtype.js';
import { Tensor, fromHandle } from '../tensor/tensor.js';
import { checkSameDevice } from './tensor-kernels.js';

/** The [outer, size, inner] split of a contiguous shape around `dim`. */
function around(shape: readonly number[], dim: number): number[] {
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < dim; d++) outer *= shape[d];
  for (let d = dim + 1; d < shape.length; d++) inner *= shape[d];
  return [outer, shape.length === 0 ? 1 : shape[dim], inner];
}

function flat3(t: Tensor, split: number[]) {
  return layoutOf(t, t._dtype, t._offset, split, [split[1] * split[2], split[2], 1]);
}

/** Softmax (or log-softmax) of contiguous float `x` over `dim`, into a new tensor. */
export function softmaxKernel(x: Tensor, dim: number, log: boolean): Tensor {
  const split = around(x._shape, dim);
  return fromHandle(call.softmax(fresh(x._dtype, split), flat3(x, split), log), x._shape.slice(), x._dtype, x.device);
}

/** The input gradient of softmax (or log-softmax) from contiguous `grad` and `output`. */
export function softmaxBackwardKernel(grad: Tensor, output: Tensor, dim: number, log: boolean): Tensor {
  const split = around(output._shape, dim);
  const handle = call.softmaxBackward(fresh(output._dtype, split), flat3(grad, split), flat3(output, split), log);
  return fromHandle(handle, output._shape.slice(), output._dtype, output.device);
}

/** What the fused loss needs besides its tensors. */
export interface LossConfig {
  weight: Tensor | null;
  ignoreIndex: number;
  labelSmoothing: number;
  fromLogits: boolean;
  reduction: LossReduction;
}

/**
 * Fused loss over contiguous `input` [rows, classes] and int64 `target` [rows]. Returns the
 * loss ([rows] or []), the log-probabilities (from logits only) and the mean's denominator.
 */
export function crossEntropyKernel(
  input: Tensor,
  target: Tensor,
  config: LossConfig,
): { loss: Tensor; logProbs: Tensor | null; totalWeight: Tensor } {
  checkSameDevice(input, target);
  if (config.weight !== null) checkSameDevice(input, config.weight);
  const rows = input._shape[0];
  const lossShape = config.reduction === LossReduction.None ? [rows] : [];
  const [lossHandle, logProbsHandle, totalWeightHandle] = call.crossEntropy(
    fresh(input._dtype, lossShape),
    config.fromLogits ? fresh(input._dtype, input._shape) : null,
    fresh(float64, []),
    input,
    target,
    config.weight,
    config.ignoreIndex,
    config.labelSmoothing,
    config.fromLogits,
    config.reduction,
  );
  const loss = fromHandle(lossHandle, lossShape, input._dtype, input.device);
  const logProbs = logProbsHandle === null ? null : fromHandle(logProbsHandle, input._shape.slice(), input._dtype, input.device);
  // A tensor, not a number: on a GPU, reading it here would wait for the forward to finish.
  const totalWeight = fromHandle(totalWeightHandle, [], float64, input.device);
  return { loss, logProbs, totalWeight };
}

/** The input gradient of the fused loss. `logProbs` is the forward's (or nll's input). */
export function crossEntropyBackwardKernel(
  gradLoss: Tensor,
  logProbs: Tensor,
  target: Tensor,
  config: LossConfig,
  totalWeight: Tensor,
): Tensor {
  const handle = call.crossEntropyBackward(
    fresh(logProbs._dtype, logProbs._shape),
    gradLoss,
    logProbs,
    target,
    config.weight,
    totalWeight,
    config.ignoreIndex,
    config.labelSmoothing,
    config.fromLogits,
    config.reduction,
  );
  return fromHandle(handle, logProbs._shape.slice(), logProbs._dtype, logProbs.device);
}

/** `out = activation(out + bias)` in place, over contiguous [rows, cols] `out` and [cols] `bias`. */
export function biasActivationKernel_(out: Tensor, bias: Tensor, activation: Activation): void {
  checkSameDevice(out, bias);
  const cols = out._shape[out._shape.length - 1];
  const rows = out.numel() / Math.max(cols, 1);
  const matrix = layoutOf(out, out._dtype, out._offset, [rows, cols], [cols, 1]);
  call.biasActivation(matrix, matrix, layoutOf(bias, bias._dtype, bias._offset, [cols], [bias._strides[0] ?? 1]), activation);
}

/**
 * Layer norm over the last dim of contiguous `x` viewed as [rows, cols]. Returns the
 * output (x's shape) and the per-row mean and 1/std the backward needs.
 */
export function layerNormKernel(
  x: Tensor,
  rows: number,
  cols: number,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): { out: Tensor; mean: Tensor; rstd: Tensor } {
  if (weight !== null) checkSameDevice(x, weight);
  if (bias !== null) checkSameDevice(x, bias);
  const rowsOf = (t: Tensor) => layoutOf(t, t._dtype, t._offset, [rows, cols], [cols, 1]);
  const vector = (t: Tensor | null) => (t === null ? null : layoutOf(t, t._dtype, t._offset, [cols], [1]));
  const [out, mean, rstd] = call.layerNorm(
    fresh(x._dtype, [rows, cols]), fresh(x._dtype, [rows]), fresh(x._dtype, [rows]), rowsOf(x), vector(weight), vector(bias), eps,
  );
  return {
    out: fromHandle(out, x._shape.slice(), x._dtype, x.device),
    mean: fromHandle(mean, [rows], x._dtype, x.device),
    rstd: fromHandle(rstd, [rows], x._dtype, x.device),
  };
}

/** The gradients of layer norm; each is computed only when asked for. */
export function layerNormBackwardKernel(
  grad: Tensor,
  x: Tensor,
  mean: Tensor,
  rstd: Tensor,
  weight: Tensor | null,
  want: [boolean, boolean, boolean],
): [Tensor | null, Tensor | null, Tensor | null] {
  const rows = mean._shape[0];
  const cols = x.numel() / Math.max(rows, 1);
  const rowsOf = (t: Tensor) => layoutOf(t, t._dtype, t._offset, [rows, cols], [cols, 1]);
  const perRow = (t: Tensor) => layoutOf(t, t._dtype, t._offset, [rows], [1]);
  const dtype = x._dtype;
  const [gi, gw, gb] = call.layerNormBackward(
    want[0] ? fresh(dtype, [rows, cols]) : null,
    want[1] ? fresh(dtype, [cols]) : null,
    want[2] ? fresh(dtype, [cols]) : null,
    rowsOf(grad),
    rowsOf(x),
    perRow(mean),
    perRow(rstd),
    weight === null ? null : layoutOf(weight, weight._dtype, weight._offset, [cols], [1]),
  );
  return [
    gi === null ? null : fromHandle(gi, x._shape.slice(), x._dtype, x.device),
    gw === null ? null : fromHandle(gw, [cols], x._dtype, x.device),
    gb === null ? null : fromHandle(gb, [cols], x._dtype, x.device),
  ];
}
