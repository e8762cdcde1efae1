/**
 * Wrappers over the fused native kernels of the neural-network ops: softmax,
 * log-softmax and the cross-entropy / NLL loss. Like kernels.ts, no autograd here.
 */
import { native } from '../native/addon.js';
import { recycled } from '../memory/storage.js';
import { metaBegin, metaContiguous, metaView } from '../native/meta.js';
import { float64 } from '../tensor/dtype.js';
import { Tensor, fromHandle } from '../tensor/tensor.js';
import { checkSameDevice } from './tensor-kernels.js';

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
): { loss: Tensor; logProbs: Tensor | null; totalWeight: Tensor } {
  checkSameDevice(input, target);
  if (config.weight !== null) checkSameDevice(input, config.weight);
  const rows = input._shape[0];
  const lossShape = config.reduction === ReductionCode.None ? [rows] : [];
  metaBegin();
  metaContiguous(input._dtype.code, lossShape);
  if (config.fromLogits) metaContiguous(input._dtype.code, input._shape);
  metaContiguous(float64.code, []);
  metaView(input._dtype.code, input._offset, input._shape, input._strides);
  metaView(target._dtype.code, target._offset, target._shape, target._strides);
  const weight = config.weight;
  if (weight !== null) metaView(weight._dtype.code, weight._offset, weight._shape, weight._strides);
  const [lossHandle, logProbsHandle, totalWeightHandle] = native.crossEntropy(
    recycled(),
    config.fromLogits ? recycled() : null,
    input._handle(),
    target._handle(),
    weight === null ? null : weight._handle(),
    config.ignoreIndex,
    config.labelSmoothing,
    config.fromLogits,
    config.reduction,
    recycled(),
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
  metaBegin();
  metaContiguous(logProbs._dtype.code, logProbs._shape);
  metaView(gradLoss._dtype.code, gradLoss._offset, gradLoss._shape, gradLoss._strides);
  metaView(logProbs._dtype.code, logProbs._offset, logProbs._shape, logProbs._strides);
  metaView(target._dtype.code, target._offset, target._shape, target._strides);
  const weight = config.weight;
  if (weight !== null) metaView(weight._dtype.code, weight._offset, weight._shape, weight._strides);
  metaView(totalWeight._dtype.code, totalWeight._offset, totalWeight._shape, totalWeight._strides);
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
    totalWeight._handle(),
  )!;
  return fromHandle(handle, logProbs._shape.slice(), logProbs._dtype, logProbs.device);
}

/** Activations the fused Linear epilogue applies, mirroring native Activation. */
export const enum ActivationCode {
  None = 0,
  Relu = 1,
}

/** `out = activation(out + bias)` in place, over contiguous [rows, cols] `out` and [cols] `bias`. */
export function biasActivationKernel_(out: Tensor, bias: Tensor, activation: ActivationCode): void {
  checkSameDevice(out, bias);
  const cols = out._shape[out._shape.length - 1];
  const rows = out.numel() / Math.max(cols, 1);
  metaBegin();
  metaView(out._dtype.code, out._offset, [rows, cols], [cols, 1]);
  metaView(out._dtype.code, out._offset, [rows, cols], [cols, 1]);
  metaView(bias._dtype.code, bias._offset, [cols], [bias._strides[0] ?? 1]);
  native.biasActivation(out._handle(), out._handle(), bias._handle(), activation);
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
  const code = x._dtype.code;
  metaBegin();
  metaContiguous(code, [rows, cols]);
  metaContiguous(code, [rows]);
  metaContiguous(code, [rows]);
  metaView(code, x._offset, [rows, cols], [cols, 1]);
  if (weight !== null) metaView(weight._dtype.code, weight._offset, [cols], [1]);
  if (bias !== null) metaView(bias._dtype.code, bias._offset, [cols], [1]);
  const [out, mean, rstd] = native.layerNorm(
    recycled(), recycled(), recycled(), x._handle(),
    weight === null ? null : weight._handle(), bias === null ? null : bias._handle(), eps,
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
  const code = x._dtype.code;
  metaBegin();
  if (want[0]) metaContiguous(code, [rows, cols]);
  if (want[1]) metaContiguous(code, [cols]);
  if (want[2]) metaContiguous(code, [cols]);
  metaView(code, grad._offset, [rows, cols], [cols, 1]);
  metaView(code, x._offset, [rows, cols], [cols, 1]);
  metaView(code, mean._offset, [rows], [1]);
  metaView(code, rstd._offset, [rows], [1]);
  if (weight !== null) metaView(weight._dtype.code, weight._offset, [cols], [1]);
  const [gi, gw, gb] = native.layerNormBackward(
    grad._handle(), x._handle(), mean._handle(), rstd._handle(), weight === null ? null : weight._handle(), ...want,
  );
  return [
    gi === null ? null : fromHandle(gi, x._shape.slice(), x._dtype, x.device),
    gw === null ? null : fromHandle(gw, weight!._shape.slice(), x._dtype, x.device),
    gb === null ? null : fromHandle(gb, weight!._shape.slice(), x._dtype, x.device),
  ];
}
