/**
 * Loss functions of `nn.functional`. cross-entropy and NLL run as one fused native
 * kernel each way (log-softmax + NLL in one pass), with PyTorch's reductions, class
 * weights, `ignoreIndex` and label smoothing.
 */
import { LossReduction } from '../../native/enums.generated.js';
import { type Backward, record, renameGradFn } from '../../autograd/function.js';
import { freeIntermediates } from '../../memory/storage.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { Tensor } from '../../tensor/tensor.js';
import { type DType, int64, scalarTypeName } from '../../tensor/dtype.js';
import { castKernel } from '../../ops/tensor-kernels.js';
import { crossEntropyBackwardKernel, crossEntropyKernel, type LossConfig } from '../../ops/fused-kernels.js';
import { abs, add, clamp, div, exp, gradTo, log, log1p, mul, neg, rsub, sigmoid, sub } from '../../ops/elementwise.js';
import { mean, sum } from '../../ops/reduce.js';
import { contiguous, permute, reshape } from '../../ops/shape.js';
import { logSoftmax } from '../../ops/softmax.js';
import type { Node } from '../../autograd/node.js';
import { recordedLossBackward } from './loss-double-backward.js';
import { argumentError, checkInteger, checkNumber, checkOptionalTensor, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';
import { autocastHook, autocastOp } from '../../amp/autocast-policy.js';

/** How a loss reduces its per-element values. */
export type Reduction = 'none' | 'mean' | 'sum';

function reductionCode(reduction: Reduction): LossReduction {
  switch (reduction) {
    case 'none': return LossReduction.None;
    case 'mean': return LossReduction.Mean;
    case 'sum': return LossReduction.Sum;
    default: return checkReduction(reduction, 'loss');
  }
}

/**
 * Throws unless `reduction` is 'none', 'mean' or 'sum': PyTorch's ValueError message
 * for a string, a TypeError naming `fn` for another type. @internal
 * @example checkReduction('avg', 'mseLoss') // Error: avg is not a valid value for reduction
 */
export function checkReduction(reduction: unknown, fn: string): LossReduction {
  if (reduction === 'none') return LossReduction.None;
  if (reduction === 'mean') return LossReduction.Mean;
  if (reduction === 'sum') return LossReduction.Sum;
  if (typeof reduction !== 'string') throw argumentError(fn, 'reduction', "'none', 'mean' or 'sum'", reduction);
  throw new Error(`${reduction} is not a valid value for reduction`);
}

function reduce(x: Tensor, reduction: Reduction): Tensor {
  reductionCode(reduction);
  return reduction === 'none' ? x : reduction === 'sum' ? sum(x) : mean(x);
}

/** Options of crossEntropy / nllLoss. */
export interface CrossEntropyOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}
/**
 * @internal
 * @example checkLossOptions(options, 'crossEntropy', CROSS_ENTROPY_KEYS)
 */
export const CROSS_ENTROPY_KEYS = keysOf<CrossEntropyOptions>()('weight', 'ignoreIndex', 'reduction', 'labelSmoothing');
/**
 * @internal
 * @example checkLossOptions(options, 'nllLoss', NLL_KEYS)
 */
export const NLL_KEYS = keysOf<NllLossOptions>()('weight', 'ignoreIndex', 'reduction');
/**
 * Options of nllLoss.
 * @example F.nllLoss(logProbs, y, { ignoreIndex: 0, reduction: 'sum' })
 */
export type NllLossOptions = Omit<CrossEntropyOptions, 'labelSmoothing'>;
/**
 * Options of mseLoss and l1Loss.
 * @example F.mseLoss(yHat, y, { reduction: 'sum' })
 */
export interface ReductionOptions {
  reduction?: Reduction;
}
/**
 * @internal
 * @example checkLossOptions(options, 'mseLoss', REDUCTION_KEYS)
 */
export const REDUCTION_KEYS = keysOf<ReductionOptions>()('reduction');
/**
 * Options of binaryCrossEntropyWithLogits.
 * @example F.binaryCrossEntropyWithLogits(logits, y, { posWeight: torch.tensor([3]) })
 */
export interface BCEWithLogitsOptions {
  weight?: Tensor | null;
  reduction?: Reduction;
  posWeight?: Tensor | null;
}
/**
 * @internal
 * @example checkLossOptions(options, 'binaryCrossEntropyWithLogits', BCE_KEYS)
 */
export const BCE_KEYS = keysOf<BCEWithLogitsOptions>()('weight', 'reduction', 'posWeight');

/**
 * Checks a loss's tensors and options where they enter, naming `fn`: unknown keys, the
 * reduction, the class weights, `ignoreIndex` and `labelSmoothing`. @internal
 * @example checkLossOptions({ reduction: 'sum' }, 'MSELoss', REDUCTION_KEYS)
 */
export function checkLossOptions(options: unknown, fn: string, allowed: readonly string[]): void {
  checkOptions(options, fn, allowed);
  const o = (options ?? {}) as CrossEntropyOptions & BCEWithLogitsOptions;
  if (o.reduction !== undefined) checkReduction(o.reduction, fn);
  checkOptionalTensor(o.weight, fn, 'weight');
  checkOptionalTensor(o.posWeight, fn, 'posWeight');
  if (o.ignoreIndex !== undefined) checkInteger(o.ignoreIndex, fn, 'ignoreIndex');
  if (o.labelSmoothing !== undefined) checkNumber(o.labelSmoothing, fn, 'labelSmoothing');
}

function checkInputs(input: unknown, target: unknown, fn: string): void {
  checkTensor(input, fn, 'input');
  checkTensor(target, fn, 'target');
}

/** Brings (N, C, d1, ...) scores to (rows, C) and targets to (rows), as PyTorch's nll_loss_nd does. */
function flattenClasses(input: Tensor, target: Tensor, name: string): { scores: Tensor; labels: Tensor; outShape: number[] } {
  const dim = input.dim();
  if (dim === 0) throw new Error(`${name}: input tensor should be 1D or more, got 0D`);
  if (target.dtype !== int64) {
    // PyTorch's message, then the fix (JS numbers make float32 or int32 targets easily).
    const hint = target.dtype.isFloatingPoint
      ? ' (class-index targets must be int64: use target.long(); class probabilities must have the input\'s shape)'
      : ' (class-index targets must be int64: use target.long())';
    throw new Error(`expected scalar type Long but found ${scalarTypeName(target.dtype)}${hint}`);
  }
  if (dim === 1) {
    if (target.dim() !== 0) throw new Error(`1D target tensor expected, multi-target not supported`);
    return { scores: reshape(input, [1, input.shape[0]]), labels: reshape(target, [1]), outShape: [] };
  }
  if (input.shape[0] !== target.shape[0]) {
    throw new Error(`Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0]}).`);
  }
  if (dim === 2) {
    if (target.dim() !== 1) throw new Error('1D target tensor expected, multi-target not supported');
    return { scores: input, labels: target, outShape: [input.shape[0]] };
  }
  const expected = [input.shape[0], ...input.shape.slice(2)];
  if (target.shape.join() !== expected.join()) {
    throw new Error(`Expected target size [${expected.join(', ')}], got [${target.shape.join(', ')}]`);
  }
  const order = [0, ...Array.from({ length: dim - 2 }, (_, i) => i + 2), 1];
  const scores = reshape(permute(input, order), [-1, input.shape[1]]);
  return { scores, labels: reshape(target, [-1]), outShape: target.shape };
}

/** The backward of the fused cross-entropy / nll (module level: it sees only what it is given). */
function lossBackward(
  node: Node,
  scores: () => Tensor,
  labels: () => Tensor,
  classWeight: (() => Tensor) | null,
  totalWeight: () => Tensor,
  meta: { inputShape: number[]; inputDtype: DType; computeDtype: DType; config: LossConfig },
): Backward {
  const { inputShape, inputDtype, computeDtype } = meta;
  return (g) => {
    // Recording (createGraph): the same gradient from recorded ops, for higher order.
    if (gradEnabled()) return [recordedLossBackward(node, g, scores(), labels(), classWeight === null ? null : classWeight(), totalWeight(), meta)];
    // the kernel reads the per-element gradient flat, as it wrote the loss
    const flat = meta.config.reduction === LossReduction.None && g.dim() !== 1 ? reshape(g, [-1]) : g;
    const gradLoss = contiguous(flat.dtype === computeDtype ? flat : castKernel(flat, computeDtype));
    const config = { ...meta.config, weight: classWeight === null ? null : classWeight() };
    let grad = crossEntropyBackwardKernel(gradLoss, scores(), labels(), config, totalWeight());
    if (inputShape.length > 2) {
      const rest = [inputShape[0], ...inputShape.slice(2), inputShape[1]];
      const order = [0, inputShape.length - 1, ...Array.from({ length: inputShape.length - 2 }, (_, i) => i + 1)];
      grad = contiguous(permute(reshape(grad, rest), order));
    } else if (grad.shape.join() !== inputShape.join()) grad = reshape(grad, inputShape);
    return [grad.dtype === inputDtype ? grad : castKernel(grad, inputDtype)];
  };
}

function fusedLoss(input: Tensor, target: Tensor, options: CrossEntropyOptions, fromLogits: boolean): Tensor {
  const name = fromLogits ? 'cross_entropy' : 'nll_loss';
  const reduction = options.reduction ?? 'mean';
  const labelSmoothing = options.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new Error(`label_smoothing must be between 0.0 and 1.0. Got: ${labelSmoothing}`);
  }
  if (!input.dtype.isFloatingPoint) throw new Error(`"${name}" not implemented for '${scalarTypeName(input.dtype)}'`);
  const { scores, labels, outShape } = flattenClasses(input, target, name);
  const classes = scores.shape[1];
  let weight = options.weight ?? null;
  if (weight !== null) {
    if (weight.dim() !== 1 || weight.shape[0] !== classes) {
      throw new Error(`weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: [${weight.shape.join(', ')}]`);
    }
    weight = contiguous(weight.dtype === scores.dtype ? weight : castKernel(weight, scores.dtype));
  }
  const config: LossConfig = {
    weight,
    ignoreIndex: options.ignoreIndex ?? -100,
    labelSmoothing,
    fromLogits,
    reduction: reductionCode(reduction),
  };
  const x = contiguous(scores);
  const y = contiguous(labels);
  const { loss, logProbs, totalWeight } = crossEntropyKernel(x, y, config);
  const shaped = (t: Tensor): Tensor => (reduction === 'none' && outShape.length !== 1 ? reshape(t, outShape) : t);
  if (!gradEnabled() || !input._requiresGrad) {
    logProbs?.dispose();
    totalWeight.dispose();
    return shaped(loss);
  }
  const gradName = fromLogits && labelSmoothing > 0 ? 'AddBackward0' : input.dim() > 2 ? 'NllLoss2DBackward0' : 'NllLossBackward0';
  // What the backward reads, saved on the node: for cross-entropy the forward's own
  // log-probabilities (as large as the logits; owned, so released with the node), for nll
  // the input itself (version-checked); the targets, class weights and the mean's
  // denominator, as PyTorch's NllLossBackward0 saves them. Nothing else is captured.
  const scoresSaved = fromLogits ? logProbs! : x;
  const meta = { inputShape: input.shape, inputDtype: input.dtype, computeDtype: x.dtype, config: { ...config, weight: null } };
  // PyTorch's nll_loss_nd computes 1-D and 4-D inputs natively (the output's node is the
  // loss's own) and views the others' flat losses back (ViewBackward0)
  const native = input.dim() === 1 || input.dim() === 4;
  const recorded = native ? shaped(loss) : loss;
  record(recorded, gradName, [input], (node) =>
    lossBackward(
      node,
      node.save(scoresSaved, fromLogits),
      node.save(y),
      weight === null ? null : node.save(weight),
      node.save(totalWeight, true),
      meta,
    ));
  return native ? recorded : shaped(recorded);
}

/**
 * Cross-entropy between logits `input` (N, C) or (N, C, d1, ...) and class indices
 * `target` (int64), or class probabilities of the input's shape.
 * @example F.crossEntropy(net(X), y); F.crossEntropy(logits, y, { labelSmoothing: 0.1 })
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('crossEntropy', crossEntropy, arguments);
  checkInputs(input, target, 'crossEntropy');
  checkLossOptions(options, 'crossEntropy', CROSS_ENTROPY_KEYS);
  options ??= {};
  if (target.dtype.isFloatingPoint && target.shape.join() === input.shape.join()) return softTargets(input, target, options);
  return fusedLoss(input, target, options, true);
}

/** cross-entropy with class-probability targets (composite, as PyTorch's). */
function softTargets(input: Tensor, target: Tensor, options: CrossEntropyOptions): Tensor {
  if (options.ignoreIndex !== undefined && options.ignoreIndex !== -100) {
    throw new Error('ignore_index is not supported for floating point target');
  }
  return freeIntermediates(() => {
    const classDim = input.dim() === 1 ? 0 : 1;
    const classes = input.shape[classDim];
    const smoothing = options.labelSmoothing ?? 0;
    let probabilities = target;
    if (smoothing > 0) probabilities = add(mul(target, 1 - smoothing), smoothing / classes);
    let weighted = mul(logSoftmax(input, classDim), probabilities);
    if (options.weight) {
      const shape = input.shape.map((s, d) => (d === classDim ? s : 1));
      weighted = mul(weighted, reshape(options.weight, shape));
    }
    const perSample = neg(sum(weighted, classDim));
    const reduction = options.reduction ?? 'mean';
    if (reduction === 'mean' && input.dim() > 1) return div(sum(perSample), input.numel() / classes);
    return reduce(perSample, reduction);
  });
}

/**
 * Negative log-likelihood of log-probabilities `input` at class indices `target`.
 * @example F.nllLoss(F.logSoftmax(logits, 1), y)
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('nllLoss', nllLoss, arguments);
  checkInputs(input, target, 'nllLoss');
  checkLossOptions(options, 'nllLoss', NLL_KEYS);
  return fusedLoss(input, target, { ...options, labelSmoothing: 0 }, false);
}

/**
 * PyTorch's warning when a regression loss is given a target whose size differs from the
 * input's (broadcasting then silently pairs the wrong elements), e.g. (N, 1) against (N). @internal
 * @example checkSameSize(yHat, y, 'mse_loss')
 */
export function checkSameSize(input: Tensor, target: Tensor, name: string): void {
  if (input.shape.join() !== target.shape.join() || input.dim() !== target.dim()) {
    process.emitWarning(
      `Using a target size (torch.Size([${target.shape.join(', ')}])) that is different to the input size (torch.Size([${input.shape.join(', ')}])). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`,
      { code: name },
    );
  }
}

/**
 * Mean squared error.
 * @example F.mseLoss(yHat, y); F.mseLoss(yHat, y, { reduction: 'sum' })
 */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('mseLoss', mseLoss, arguments);
  checkInputs(input, target, 'mseLoss');
  checkLossOptions(options, 'mseLoss', REDUCTION_KEYS);
  options ??= {};
  checkSameSize(input, target, 'mse_loss');
  const reduction = options.reduction ?? 'mean';
  return freeIntermediates(() => {
    const diff = sub(input, target);
    return renameGradFn(reduce(mul(diff, diff), reduction), 'MseLossBackward0');
  });
}

/**
 * Mean absolute error.
 * @example F.l1Loss(yHat, y)
 */
export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('l1Loss', l1Loss, arguments);
  checkInputs(input, target, 'l1Loss');
  checkLossOptions(options, 'l1Loss', REDUCTION_KEYS);
  options ??= {};
  checkSameSize(input, target, 'l1_loss');
  const reduction = options.reduction ?? 'mean';
  return freeIntermediates(() => reduce(abs(sub(input, target)), reduction));
}

/**
 * Binary cross-entropy on logits, computed stably (log-sum-exp form), with optional
 * per-element `weight` and per-class `posWeight`.
 * @example F.binaryCrossEntropyWithLogits(logits, labels.float())
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BCEWithLogitsOptions = {},
): Tensor {
  if (autocastHook.active) return autocastOp('binaryCrossEntropyWithLogits', binaryCrossEntropyWithLogits, arguments);
  checkInputs(input, target, 'binaryCrossEntropyWithLogits');
  checkLossOptions(options, 'binaryCrossEntropyWithLogits', BCE_KEYS);
  options ??= {};
  if (target.shape.join() !== input.shape.join()) {
    throw new Error(`Target size (torch.Size([${target.shape.join(', ')}])) must be the same as input size (torch.Size([${input.shape.join(', ')}]))`);
  }
  const weight = options.weight ?? null;
  const posWeight = options.posWeight ?? null;
  for (const [name, t] of [['weight', weight], ['pos_weight', posWeight]] as const) {
    if (t !== null && t._requiresGrad && gradEnabled()) {
      throw new Error(
        `The function 'binary_cross_entropy_with_logits' is not differentiable with respect to argument '${name}'. This input cannot have requires_grad True.`,
      );
    }
  }
  const reduction = options.reduction ?? 'mean';
  // (1 - y) x + (1 + (pw - 1) y) * softplus(-x), softplus(-x) = log(1 + exp(-|x|)) + max(-x, 0)
  const loss = noGrad(() => freeIntermediates(() => {
    const softplusNeg = add(log(add(exp(neg(abs(input))), 1)), clamp(neg(input), 0));
    const logWeight = posWeight === null ? null : add(mul(target, sub(posWeight, 1)), 1);
    let perElement = add(mul(rsub(target, 1), input), logWeight === null ? softplusNeg : mul(logWeight, softplusNeg));
    if (weight !== null) perElement = mul(perElement, weight);
    return reduce(perElement, reduction);
  }));
  if (!gradEnabled() || !(input._requiresGrad || target._requiresGrad)) return loss;
  // Its own backward, with PyTorch's formulas: composing the two kinks above (|x| and
  // max(-x, 0), each at x = 0) would give the sum a wrong one-sided derivative at x = 0.
  // x and y saved; the weights (which may not require grad) and sizes kept as they are.
  const meanOver = reduction === 'mean' ? input.numel() : null;
  return record(loss, 'BinaryCrossEntropyWithLogitsBackward0', [input, target], (node) =>
    bceBackward(node.save(input), node.save(target), weight === null ? null : node.save(weight), posWeight === null ? null : node.save(posWeight), meanOver, [
      node.next[0] === null ? null : { shape: input._shape, dtype: input._dtype },
      node.next[1] === null ? null : { shape: target._shape, dtype: target._dtype },
    ]),
  );
}

type GradTarget = { shape: number[]; dtype: DType } | null;

/** binary_cross_entropy_with_logits' backward, PyTorch's formulas (module level: it sees only what it is given). */
function bceBackward(
  sx: () => Tensor,
  sy: () => Tensor,
  sw: (() => Tensor) | null,
  spw: (() => Tensor) | null,
  meanOver: number | null,
  [forInput, forTarget]: [GradTarget, GradTarget],
): Backward {
  const scale = (t: Tensor, g: Tensor): Tensor => {
    let r = sw === null ? t : mul(t, sw());
    if (meanOver !== null) r = div(r, meanOver);
    return mul(r, g);
  };
  return (g) => {
    const x = sx();
    const y = sy();
    const posWeight = spw === null ? null : spw();
    let dInput: Tensor | null = null;
    let dTarget: Tensor | null = null;
    if (forInput !== null) {
      // sigmoid(x) - y, or with pos_weight (pw y + 1 - y) sigmoid(x) - pw y
      const t = posWeight === null ? null : mul(posWeight, y);
      dInput = t === null ? sub(sigmoid(x), y) : sub(mul(sub(add(t, 1), y), sigmoid(x)), t);
      dInput = gradTo(scale(dInput, g), forInput.shape, forInput.dtype);
    }
    if (forTarget !== null) {
      // -x, or with pos_weight log_sigmoid(-x) - pw log_sigmoid(x)
      dTarget = posWeight === null ? neg(x) : sub(logSigmoid(neg(x)), mul(logSigmoid(x), posWeight));
      dTarget = gradTo(scale(dTarget, g), forTarget.shape, forTarget.dtype);
    }
    return [dInput, dTarget];
  };
}

/** log(sigmoid(z)) = min(z, 0) - log(1 + exp(-|z|)), without overflow. */
function logSigmoid(z: Tensor): Tensor {
  return sub(clamp(z, null, 0), log1p(exp(neg(abs(z)))));
}
