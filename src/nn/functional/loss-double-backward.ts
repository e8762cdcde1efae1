/**
 * The fused cross-entropy / nll backward when it is itself recorded (`createGraph`), so
 * that gradient penalties and Hessian products through the loss work.
 *
 * The loss is linear in the log-probabilities: L = -sum q * logp, with q the (smoothed,
 * weighted, ignore-masked, mean-scaled) target distribution, which depends only on the
 * targets. So dL/dlogp = -g q, and the native kernel run in its nll form on a gradient of
 * ones gives -q exactly; times g (a recorded mul) it has g's history. For cross-entropy
 * from logits, logp = logSoftmax(x): the gradient is dlogp - softmax(x) * sum(dlogp),
 * written with recorded ops over a log-probability tensor that carries a
 * LogSoftmaxBackward0 node into the input's history, as PyTorch's log_softmax + nll_loss
 * pair has.
 */
import { Node } from '../../autograd/node.js';
import { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import { ones } from '../../tensor/creation.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { crossEntropyBackwardKernel, type LossConfig } from '../../ops/fused-kernels.js';
import { LossReduction } from '../../native/enums.generated.js';
import { detach } from '../../ops/shape.js';

/** What the loss's node knows about its input. @internal */
export interface LossMeta {
  inputShape: number[];
  inputDtype: DType;
  computeDtype: DType;
  config: LossConfig;
}

/** A [rows, classes] gradient back in the input's layout ((N, C, d1, ...) or (C)), with recorded ops. */
function toInputLayout(grad: Tensor, inputShape: number[]): Tensor {
  if (inputShape.length > 2) {
    const rest = [inputShape[0], ...inputShape.slice(2), inputShape[1]];
    const order = [0, inputShape.length - 1, ...Array.from({ length: inputShape.length - 2 }, (_, i) => i + 1)];
    return grad.reshape(rest).permute(order).contiguous();
  }
  return grad.shape.join() === inputShape.join() ? grad : grad.reshape(inputShape);
}

/** An alias of the forward's log-probabilities whose history is LogSoftmaxBackward0 into the input. */
function logProbsWithHistory(logProbs: Tensor, lossNode: Node, meta: LossMeta): Tensor {
  const alias = detach(logProbs);
  const node = new Node('LogSoftmaxBackward0', [lossNode.next[0]]);
  node.nextSlots = lossNode.nextSlots === null ? null : [lossNode.nextSlots[0]];
  const saved = node.save(alias);
  node.backwardFn = (g) => {
    const y = saved();
    const gradScores = g.sub(y.exp().mul(g.sum(1, true)));
    const gx = toInputLayout(gradScores, meta.inputShape);
    return [gx.dtype === meta.inputDtype ? gx : gx.to(meta.inputDtype)];
  };
  alias._gradFn = node;
  alias._requiresGrad = true;
  return alias;
}

/**
 * The input's gradient for incoming gradient `g`, recorded. `scores` are the saved
 * log-probabilities (from logits) or the nll input. @internal
 */
export function recordedLossBackward(
  lossNode: Node,
  g: Tensor,
  scores: Tensor,
  labels: Tensor,
  weight: Tensor | null,
  totalWeight: Tensor,
  meta: LossMeta,
): Tensor {
  const { config, computeDtype } = meta;
  const rows = scores.shape[0];
  // -q (per row and class), from the kernel's nll form on a unit gradient.
  const minusQ = noGrad(() => {
    const unit = ones(config.reduction === LossReduction.None ? [rows] : [], { dtype: computeDtype, device: scores.device });
    return crossEntropyBackwardKernel(unit, scores, labels, { ...config, weight, fromLogits: false }, totalWeight);
  });
  const gradLoss = g.dtype === computeDtype ? g : g.to(computeDtype);
  const dLogp = (config.reduction === LossReduction.None ? gradLoss.reshape(rows, 1) : gradLoss).mul(minusQ);
  const grad = config.fromLogits ? dLogp.sub(logProbsWithHistory(scores, lossNode, meta).exp().mul(dLogp.sum(1, true))) : dLogp;
  const gx = toInputLayout(grad, meta.inputShape);
  return gx.dtype === meta.inputDtype ? gx : gx.to(meta.inputDtype);
}
