/**
 * Margin and embedding losses: cosine embedding, margin ranking, hinge embedding,
 * triplet margin, soft margin, multi-label soft margin and multi-class margin. Composed
 * from differentiable tensor ops, following PyTorch 1.13's formulas (ATen's composite
 * implementations), defaults, checks and messages.
 */
import { freeIntermediates } from '../../memory/storage.js';
import { renameGradFn } from '../../autograd/function.js';
import { noGrad } from '../../autograd/grad-mode.js';
import type { Tensor } from '../../tensor/tensor.js';
import { int64, scalarTypeName } from '../../tensor/dtype.js';
import { arange } from '../../tensor/creation.js';
import { add, clamp, div, eq, minimum, mul, ne, neg, rsub, sqrt, sub, where } from '../../ops/elementwise.js';
import { max, min, sum } from '../../ops/reduce.js';
import { reshape } from '../../ops/shape.js';
import { gather, indexSelect } from '../../ops/indexing.js';
import { checkNumber, checkOptionalTensor, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';
import { type Reduction, checkReduction } from './loss.js';
import { checkReductionNotValid, logSigmoid, reduceLoss, softplus } from './loss-math.js';
import { pairwiseDistance } from './distance.js';
import { autocastHook, autocastOp } from '../../amp/autocast-policy.js';

/**
 * Options of the margin losses (cosineEmbeddingLoss, marginRankingLoss, hingeEmbeddingLoss).
 * @example F.marginRankingLoss(a, b, y, { margin: 0.5 })
 */
export interface MarginOptions {
  margin?: number;
  reduction?: Reduction;
}
/** @internal @example checkMarginOptions(o, 'MarginRankingLoss') */
export const MARGIN_KEYS = keysOf<MarginOptions>()('margin', 'reduction');

/**
 * Checks `{ margin, reduction }` style options, plus any extra number keys. @internal
 * @example checkMarginOptions({ margin: 1 }, 'HingeEmbeddingLoss')
 */
export function checkMarginOptions(options: unknown, fn: string, allowed: readonly string[] = MARGIN_KEYS): void {
  checkOptions(options, fn, allowed);
  const o = (options ?? {}) as Record<string, unknown>;
  if (o.reduction !== undefined) checkReduction(o.reduction, fn);
  for (const key of ['margin', 'p', 'eps']) if (o[key] !== undefined) checkNumber(o[key], fn, key);
  checkOptionalTensor(o.weight, fn, 'weight');
}

function checkTensors(fn: string, named: Record<string, unknown>): void {
  for (const [name, t] of Object.entries(named)) checkTensor(t, fn, name);
}

/** `clamp(x, min)`, named as PyTorch's clamp_min (the same gradient). */
function clampMin(x: Tensor, min: number): Tensor {
  return renameGradFn(clamp(x, min), 'ClampMinBackward0');
}

const size = (t: Tensor): string => `torch.Size([${t.shape.join(', ')}])`;
const sizes = (t: Tensor): string => `[${t.shape.join(', ')}]`;

/**
 * `1 - cos(x1, x2)` where target is 1, `max(0, cos(x1, x2) - margin)` where it is -1;
 * (N, D) inputs with (N) targets, or (D) inputs with a 0-d target.
 * @example F.cosineEmbeddingLoss(a, b, torch.tensor([1, -1]))
 */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, options: MarginOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('cosineEmbeddingLoss', cosineEmbeddingLoss, arguments);
  return freeIntermediates(() => {
    checkTensors('cosineEmbeddingLoss', { input1, input2, target });
    checkMarginOptions(options, 'cosineEmbeddingLoss');
    options ??= {};
    const targetDim = target.dim();
    if (targetDim !== 0 && targetDim !== 1) throw new Error('0D or 1D target tensor expected, multi-target not supported');
    if (targetDim === 1 && (input1.dim() !== 2 || input2.dim() !== 2)) {
      throw new Error(`1D target tensor expects 2D input tensors, but found inputs with sizes ${sizes(input1)} and ${sizes(input2)}.`);
    }
    if (targetDim === 0 && (input1.dim() !== 1 || input2.dim() !== 1)) {
      throw new Error(`0D target tensor expects 1D input tensors, but found inputs with sizes ${sizes(input1)} and ${sizes(input2)}.`);
    }
    const EPSILON = 1e-12;
    const prodSum = sum(mul(input1, input2), targetDim);
    const magSquare1 = add(sum(mul(input1, input1), targetDim), EPSILON);
    const magSquare2 = add(sum(mul(input2, input2), targetDim), EPSILON);
    const cos = div(prodSum, sqrt(mul(magSquare1, magSquare2)));
    const pos = rsub(cos, 1);
    const negative = clamp(sub(cos, options.margin ?? 0), 0);
    const output = add(where(eq(target, 1), pos, 0), where(eq(target, -1), negative, 0));
    return reduceLoss(output, options.reduction ?? 'mean', 'cosineEmbeddingLoss');
  });
}

/**
 * `max(0, -target (x1 - x2) + margin)`: asks x1 to rank above x2 where target is 1.
 * @example F.marginRankingLoss(scoreA, scoreB, torch.tensor([1, -1, 1]))
 */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, options: MarginOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('marginRankingLoss', marginRankingLoss, arguments);
  return freeIntermediates(() => {
    checkTensors('marginRankingLoss', { input1, input2, target });
    checkMarginOptions(options, 'marginRankingLoss');
    options ??= {};
    if (input1.dim() !== input2.dim() || input1.dim() !== target.dim()) {
      throw new Error(
        `margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: ${size(input1)}, input2: ${size(input2)}, target: ${size(target)} `,
      );
    }
    const output = clampMin(add(mul(neg(target), sub(input1, input2)), options.margin ?? 0), 0);
    return reduceLoss(output, options.reduction ?? 'mean', 'marginRankingLoss');
  });
}

/**
 * `input` where target is 1, `max(0, margin - input)` where it is -1 (input: distances).
 * @example F.hingeEmbeddingLoss(distances, torch.tensor([1, -1]))
 */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, options: MarginOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('hingeEmbeddingLoss', hingeEmbeddingLoss, arguments);
  return freeIntermediates(() => {
    checkTensors('hingeEmbeddingLoss', { input, target });
    checkMarginOptions(options, 'hingeEmbeddingLoss');
    options ??= {};
    const marginClamp = clamp(rsub(input, options.margin ?? 1), 0);
    const output = add(where(ne(target, 1), marginClamp, 0), where(ne(target, -1), input, 0));
    return reduceLoss(output, options.reduction ?? 'mean', 'hingeEmbeddingLoss');
  });
}

/**
 * Options of tripletMarginLoss.
 * @example F.tripletMarginLoss(a, p, n, { margin: 0.5, swap: true })
 */
export interface TripletMarginOptions extends MarginOptions {
  p?: number;
  eps?: number;
  swap?: boolean;
}
/** @internal @example checkMarginOptions(o, 'TripletMarginLoss', TRIPLET_KEYS) */
export const TRIPLET_KEYS = keysOf<TripletMarginOptions>()('margin', 'p', 'eps', 'swap', 'reduction');

/**
 * `max(0, margin + d(a, p) - d(a, n))` with `d` the p-norm pairwise distance; `swap`
 * uses `min(d(a, n), d(p, n))` as the negative distance.
 * @example F.tripletMarginLoss(anchor, positive, negative)
 */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, options: TripletMarginOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('tripletMarginLoss', tripletMarginLoss, arguments);
  return freeIntermediates(() => {
    checkTensors('tripletMarginLoss', { anchor, positive, negative });
    checkMarginOptions(options, 'tripletMarginLoss', TRIPLET_KEYS);
    options ??= {};
    if (anchor.dim() !== positive.dim() || positive.dim() !== negative.dim()) {
      throw new Error(`All inputs should have same dimension but got ${anchor.dim()}D, ${positive.dim()}D and ${negative.dim()}D inputs.`);
    }
    const distance = { p: options.p ?? 2, eps: options.eps ?? 1e-6 };
    const distPos = pairwiseDistance(anchor, positive, distance);
    let distNeg = pairwiseDistance(anchor, negative, distance);
    if (options.swap) distNeg = minimum(distNeg, pairwiseDistance(positive, negative, distance));
    const output = clampMin(sub(add(distPos, options.margin ?? 1), distNeg), 0);
    return reduceLoss(output, options.reduction ?? 'mean', 'tripletMarginLoss');
  });
}

/**
 * Options of softMarginLoss.
 * @example F.softMarginLoss(x, y, { reduction: 'sum' })
 */
export interface SoftMarginOptions {
  reduction?: Reduction;
}
/** @internal @example checkMarginOptions(o, 'SoftMarginLoss', SOFT_MARGIN_KEYS) */
export const SOFT_MARGIN_KEYS = keysOf<SoftMarginOptions>()('reduction');

/**
 * Two-class logistic loss `log(1 + exp(-target input))` for targets ±1.
 * @example F.softMarginLoss(scores, torch.tensor([1, -1]))
 */
export function softMarginLoss(input: Tensor, target: Tensor, options: SoftMarginOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('softMarginLoss', softMarginLoss, arguments);
  return freeIntermediates(() => {
    checkTensors('softMarginLoss', { input, target });
    checkMarginOptions(options, 'softMarginLoss', SOFT_MARGIN_KEYS);
    options ??= {};
    const output = softplus(neg(mul(input, target)));
    return renameGradFn(reduceLoss(output, options.reduction ?? 'mean', 'softMarginLoss'), 'SoftMarginLossBackward0');
  });
}

/**
 * Options of multilabelSoftMarginLoss.
 * @example F.multilabelSoftMarginLoss(logits, labels, { weight: classWeights })
 */
export interface MultilabelSoftMarginOptions {
  weight?: Tensor | null;
  reduction?: Reduction;
}
/** @internal @example checkMarginOptions(o, 'MultiLabelSoftMarginLoss', MULTILABEL_KEYS) */
export const MULTILABEL_KEYS = keysOf<MultilabelSoftMarginOptions>()('weight', 'reduction');

/**
 * Per sample, the mean over classes of the binary logistic loss of each class (targets
 * 0 or 1), optionally weighted per class.
 * @example F.multilabelSoftMarginLoss(logits, multiHot)
 */
export function multilabelSoftMarginLoss(input: Tensor, target: Tensor, options: MultilabelSoftMarginOptions = {}): Tensor {
  return freeIntermediates(() => {
    checkTensors('multilabelSoftMarginLoss', { input, target });
    checkOptions(options, 'multilabelSoftMarginLoss', MULTILABEL_KEYS);
    options ??= {};
    checkOptionalTensor(options.weight, 'multilabelSoftMarginLoss', 'weight');
    const reduction = options.reduction ?? 'mean';
    checkReductionNotValid(reduction, 'multilabelSoftMarginLoss');
    let loss = neg(add(mul(target, logSigmoid(input)), mul(rsub(target, 1), logSigmoid(neg(input)))));
    if (options.weight) loss = mul(loss, options.weight);
    const classDim = input.dim() - 1;
    const perSample = div(sum(loss, classDim), input.shape[classDim]);
    return reduceLoss(perSample, reduction, 'multilabelSoftMarginLoss');
  });
}

/**
 * Options of multiMarginLoss.
 * @example F.multiMarginLoss(scores, y, { p: 2, margin: 0.5 })
 */
export interface MultiMarginOptions {
  p?: number;
  margin?: number;
  weight?: Tensor | null;
  reduction?: Reduction;
}
/** @internal @example checkMarginOptions(o, 'MultiMarginLoss', MULTI_MARGIN_KEYS) */
export const MULTI_MARGIN_KEYS = keysOf<MultiMarginOptions>()('p', 'margin', 'weight', 'reduction');

/**
 * Checks multiMarginLoss's options: p is 1 or 2, the weight one-dimensional. @internal
 * @example checkMultiMarginOptions({ p: 2 }, 'MultiMarginLoss')
 */
export function checkMultiMarginOptions(options: unknown, fn: string): void {
  checkMarginOptions(options, fn, MULTI_MARGIN_KEYS);
  const o = (options ?? {}) as MultiMarginOptions;
  if (o.p !== undefined && o.p !== 1 && o.p !== 2) throw new Error('only p == 1 and p == 2 supported');
  if (o.weight && o.weight.dim() !== 1) throw new Error('weight must be one-dimensional');
}

/**
 * Multi-class hinge loss: per sample, `sum over i != y of max(0, margin - x[y] + x[i])^p`
 * (times `weight[y]`) divided by the number of classes. Input (N, C) or (C); target
 * int64 class indices (N) or 0-d.
 * @example F.multiMarginLoss(scores, labels)
 */
export function multiMarginLoss(input: Tensor, target: Tensor, options: MultiMarginOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('multiMarginLoss', multiMarginLoss, arguments);
  return freeIntermediates(() => {
    checkTensors('multiMarginLoss', { input, target });
    checkMultiMarginOptions(options, 'multiMarginLoss');
    options ??= {};
    const ndims = input.dim();
    if (!((ndims === 2 && input.shape[1] !== 0) || (ndims === 1 && input.shape[0] !== 0) || ndims === 0)) {
      throw new Error(`Expected non-empty vector or matrix with optional 0-dim batch size, but got: ${sizes(input)}`);
    }
    const frames = ndims <= 1 ? 1 : input.shape[0];
    const classes = ndims === 0 ? 1 : input.shape[ndims - 1];
    if (!(target.dim() <= 1 && target.numel() === frames)) throw new Error(`inconsistent target size, got: ${sizes(target)}`);
    if (target.dtype !== int64) throw new Error(`expected scalar type Long but found ${scalarTypeName(target.dtype)}`);
    const labels = reshape(target, [frames, 1]);
    const outOfRange = noGrad(() => frames > 0 && (min(labels) as Tensor).item() < 0) ||
      noGrad(() => frames > 0 && (max(labels) as Tensor).item() >= classes);
    if (outOfRange) throw new Error('target out of range');
    const scores = reshape(input, [frames, classes]);
    const atTarget = gather(scores, 1, labels);
    let z = clamp(add(sub(scores, atTarget), options.margin ?? 1), 0);
    if ((options.p ?? 1) === 2) z = mul(z, z);
    if (options.weight) z = mul(z, indexSelect(options.weight, 0, reshape(labels, [frames])).reshape([frames, 1]));
    z = mul(z, ne(arange(classes, { device: input.device }).reshape([1, classes]), labels));
    let perSample = div(sum(z, 1), classes);
    const reduction = options.reduction ?? 'mean';
    if (reduction === 'none') perSample = reshape(perSample, target.dim() > 0 ? [frames] : []);
    return renameGradFn(reduceLoss(perSample, reduction, 'multiMarginLoss'), 'MultiMarginLossBackward0');
  });
}
