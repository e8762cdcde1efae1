/**
 * Losses on probabilities, distributions and real-valued targets: binary cross-entropy,
 * smooth L1, Huber, KL divergence, Poisson and Gaussian negative log-likelihood. Each is
 * composed from differentiable tensor ops (so autograd and CUDA come with them), with
 * PyTorch 1.13's defaults, checks and messages; binary cross-entropy has its own
 * backward, PyTorch's formulas, because of the clamped logarithms.
 */
import { freeIntermediates } from '../../memory/storage.js';
import { type Backward, record, renameGradFn } from '../../autograd/function.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import { abs, add, clamp, div, exp, gradTo, le, log, log1p, lt, mul, neg, rsub, sub, where } from '../../ops/elementwise.js';
import { sum } from '../../ops/reduce.js';
import { unsqueeze } from '../../ops/shape.js';
import { checkBoolean, checkNumber, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';
import { type Reduction, checkLossOptions, checkReduction, checkSameSize } from './loss.js';
import { anyOutside, checkReductionNotValid, clampMinPassThrough, reduceLoss, xlogy } from './loss-math.js';
import { autocastHook, autocastOp } from '../../amp/autocast-policy.js';

function checkPair(input: unknown, target: unknown, fn: string): asserts input is Tensor {
  checkTensor(input, fn, 'input');
  checkTensor(target, fn, 'target');
}

/**
 * Options of binaryCrossEntropy.
 * @example F.binaryCrossEntropy(p, y, { weight: w, reduction: 'sum' })
 */
export interface BCEOptions {
  weight?: Tensor | null;
  reduction?: Reduction;
}
/** @internal @example checkLossOptions(o, 'BCELoss', BCE_LOSS_KEYS) */
export const BCE_LOSS_KEYS = keysOf<BCEOptions>()('weight', 'reduction');

/**
 * Binary cross-entropy between probabilities `input` and targets of the same size, each
 * log clamped at -100 as PyTorch's (so p = 0 or 1 gives a finite loss).
 * @example F.binaryCrossEntropy(torch.sigmoid(logits), labels.float())
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BCEOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('binaryCrossEntropy', binaryCrossEntropy, arguments);
  checkPair(input, target, 'binaryCrossEntropy');
  checkLossOptions(options, 'binaryCrossEntropy', BCE_LOSS_KEYS);
  options ??= {};
  if (target.shape.join() !== input.shape.join() || target.dim() !== input.dim()) {
    throw new Error(
      `Using a target size (torch.Size([${target.shape.join(', ')}])) that is different to the input size (torch.Size([${input.shape.join(', ')}])) is deprecated. Please ensure they have the same size.`,
    );
  }
  if (anyOutside(input, 0, 1)) throw new Error('all elements of input should be between 0 and 1');
  const weight = options.weight ?? null;
  const reduction = options.reduction ?? 'mean';
  const loss = noGrad(() => {
    // (y - 1) max(log(1 - x), -100) - y max(log(x), -100)
    let perElement = sub(mul(sub(target, 1), clamp(log1p(neg(input)), -100)), mul(target, clamp(log(input), -100)));
    if (weight !== null) perElement = mul(perElement, weight);
    return reduceLoss(perElement, reduction, 'binaryCrossEntropy');
  });
  if (!gradEnabled() || !(input._requiresGrad || target._requiresGrad)) return loss;
  const meanOver = reduction === 'mean' ? input.numel() : null;
  return record(loss, 'BinaryCrossEntropyBackward0', [input, target], (node) =>
    bceBackward(node.save(input), node.save(target), weight === null ? null : node.save(weight), meanOver, [
      node.next[0] === null ? null : { shape: input._shape, dtype: input._dtype },
      node.next[1] === null ? null : { shape: target._shape, dtype: target._dtype },
    ]),
  );
}

type GradTarget = { shape: number[]; dtype: DType } | null;

/** binary_cross_entropy's backward, PyTorch's formulas (module level: it sees only what it is given). */
function bceBackward(
  sx: () => Tensor,
  sy: () => Tensor,
  sw: (() => Tensor) | null,
  meanOver: number | null,
  [forInput, forTarget]: [GradTarget, GradTarget],
): Backward {
  const scale = (t: Tensor, g: Tensor): Tensor => {
    let r = mul(t, g);
    if (sw !== null) r = mul(r, sw());
    return meanOver === null ? r : div(r, meanOver);
  };
  return (g) => {
    const x = sx();
    const y = sy();
    // d/dx: (x - y) / max(x (1 - x), 1e-12); d/dy: log(1 - x) - log(x)
    const dInput = forInput === null ? null : gradTo(scale(div(sub(x, y), clamp(mul(rsub(x, 1), x), 1e-12)), g), forInput.shape, forInput.dtype);
    const dTarget = forTarget === null ? null : gradTo(scale(sub(log1p(neg(x)), log(x)), g), forTarget.shape, forTarget.dtype);
    return [dInput, dTarget];
  };
}

/**
 * Options of smoothL1Loss.
 * @example F.smoothL1Loss(yHat, y, { beta: 0.5 })
 */
export interface SmoothL1Options {
  reduction?: Reduction;
  beta?: number;
}
/** @internal @example checkOptions(o, 'SmoothL1Loss', SMOOTH_L1_KEYS) */
export const SMOOTH_L1_KEYS = keysOf<SmoothL1Options>()('reduction', 'beta');

/**
 * Smooth L1: `0.5 d² / beta` where |d| < beta, else `|d| - 0.5 beta` (plain L1 at beta 0).
 * @example F.smoothL1Loss(boxes, targets)
 */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1Options = {}): Tensor {
  if (autocastHook.active) return autocastOp('smoothL1Loss', smoothL1Loss, arguments);
  return freeIntermediates(() => {
    checkPair(input, target, 'smoothL1Loss');
    checkLossOptions(options, 'smoothL1Loss', SMOOTH_L1_KEYS);
    options ??= {};
    const beta = options.beta ?? 1;
    checkNumber(beta, 'smoothL1Loss', 'beta');
    checkSameSize(input, target, 'smooth_l1_loss');
    if (beta < 0) throw new Error('smooth_l1_loss does not support negative values for beta.');
    const d = sub(input, target);
    const ad = abs(d);
    const perElement = beta === 0 ? ad : where(lt(ad, beta), div(mul(mul(d, d), 0.5), beta), sub(ad, 0.5 * beta));
    return renameGradFn(reduceLoss(perElement, options.reduction ?? 'mean', 'smoothL1Loss'), 'SmoothL1LossBackward0');
  });
}

/**
 * Options of huberLoss.
 * @example F.huberLoss(yHat, y, { delta: 2 })
 */
export interface HuberOptions {
  reduction?: Reduction;
  delta?: number;
}
/** @internal @example checkOptions(o, 'HuberLoss', HUBER_KEYS) */
export const HUBER_KEYS = keysOf<HuberOptions>()('reduction', 'delta');

/**
 * Huber loss: `0.5 d²` where |d| < delta, else `delta (|d| - 0.5 delta)`.
 * @example F.huberLoss(yHat, y, { delta: 1.5 })
 */
export function huberLoss(input: Tensor, target: Tensor, options: HuberOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('huberLoss', huberLoss, arguments);
  return freeIntermediates(() => {
    checkPair(input, target, 'huberLoss');
    checkLossOptions(options, 'huberLoss', HUBER_KEYS);
    options ??= {};
    const delta = options.delta ?? 1;
    checkNumber(delta, 'huberLoss', 'delta');
    checkSameSize(input, target, 'huber_loss');
    if (!(delta > 0)) throw new Error('huber_loss does not support non-positive values for delta.');
    const d = sub(input, target);
    const ad = abs(d);
    const perElement = where(lt(ad, delta), mul(mul(d, d), 0.5), mul(sub(ad, 0.5 * delta), delta));
    return renameGradFn(reduceLoss(perElement, options.reduction ?? 'mean', 'huberLoss'), 'HuberLossBackward0');
  });
}

/**
 * Options of klDiv.
 * @example F.klDiv(logQ, p, { reduction: 'batchmean' })
 */
export interface KLDivOptions {
  reduction?: Reduction | 'batchmean';
  logTarget?: boolean;
}
/** @internal @example checkOptions(o, 'KLDivLoss', KL_DIV_KEYS) */
export const KL_DIV_KEYS = keysOf<KLDivOptions>()('reduction', 'logTarget');

const KL_MEAN_WARNING =
  "reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed to behave the same as 'batchmean' in the next major release.";

/**
 * Checks klDiv's options (reduction may also be 'batchmean'). @internal
 * @example checkKlDivOptions({ reduction: 'batchmean' }, 'KLDivLoss')
 */
export function checkKlDivOptions(options: unknown, fn: string): void {
  checkOptions(options, fn, KL_DIV_KEYS);
  const o = (options ?? {}) as KLDivOptions;
  if (o.reduction !== undefined && o.reduction !== 'batchmean') checkReduction(o.reduction, fn);
  if (o.logTarget !== undefined) checkBoolean(o.logTarget, fn, 'logTarget');
}

/**
 * Kullback-Leibler divergence of log-probabilities `input` from `target` (probabilities,
 * or log-probabilities with `logTarget`), pointwise `target (log target - input)`.
 * 'mean' warns as PyTorch's; 'batchmean' divides the sum by the batch size.
 * @example F.klDiv(F.logSoftmax(logits, 1), probs, { reduction: 'batchmean' })
 */
export function klDiv(input: Tensor, target: Tensor, options: KLDivOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('klDiv', klDiv, arguments);
  return freeIntermediates(() => {
    checkPair(input, target, 'klDiv');
    checkKlDivOptions(options, 'klDiv');
    options ??= {};
    const reduction = options.reduction ?? 'mean';
    if (reduction === 'mean') process.emitWarning(KL_MEAN_WARNING);
    const perElement = options.logTarget ? mul(exp(target), sub(target, input)) : sub(xlogy(target, target), mul(target, input));
    if (reduction !== 'batchmean') return reduceLoss(perElement, reduction, 'klDiv');
    const total = sum(perElement);
    return input.dim() === 0 ? total : div(total, input.shape[0]);
  });
}

/**
 * Options of poissonNllLoss.
 * @example F.poissonNllLoss(rate, counts, { logInput: false, full: true })
 */
export interface PoissonNLLOptions {
  logInput?: boolean;
  full?: boolean;
  eps?: number;
  reduction?: Reduction;
}
/** @internal @example checkPoissonOptions(o, 'PoissonNLLLoss') */
export const POISSON_KEYS = keysOf<PoissonNLLOptions>()('logInput', 'full', 'eps', 'reduction');

/**
 * Checks poissonNllLoss's options. @internal
 * @example checkPoissonOptions({ full: true }, 'PoissonNLLLoss')
 */
export function checkPoissonOptions(options: unknown, fn: string): void {
  checkOptions(options, fn, POISSON_KEYS);
  const o = (options ?? {}) as PoissonNLLOptions;
  if (o.reduction !== undefined) checkReductionNotValid(o.reduction, fn);
  if (o.logInput !== undefined) checkBoolean(o.logInput, fn, 'logInput');
  if (o.full !== undefined) checkBoolean(o.full, fn, 'full');
  if (o.eps !== undefined) checkNumber(o.eps, fn, 'eps');
}

/**
 * Poisson negative log-likelihood: `exp(input) - target input` (log-rate input, the
 * default) or `input - target log(input + eps)`; `full` adds Stirling's approximation
 * `t log t - t + 0.5 log(2π t)` where target > 1.
 * @example F.poissonNllLoss(logRate, counts)
 */
export function poissonNllLoss(input: Tensor, target: Tensor, options: PoissonNLLOptions = {}): Tensor {
  if (autocastHook.active) return autocastOp('poissonNllLoss', poissonNllLoss, arguments);
  return freeIntermediates(() => {
    checkPair(input, target, 'poissonNllLoss');
    checkPoissonOptions(options, 'poissonNllLoss');
    options ??= {};
    const eps = options.eps ?? 1e-8;
    let loss = options.logInput ?? true ? sub(exp(input), mul(target, input)) : sub(input, mul(target, log(add(input, eps))));
    if (options.full) {
      const stirling = add(sub(mul(target, log(target)), target), mul(log(mul(target, 2 * Math.PI)), 0.5));
      loss = add(loss, where(le(target, 1), 0, stirling));
    }
    return reduceLoss(loss, options.reduction ?? 'mean', 'poissonNllLoss');
  });
}

/**
 * Options of gaussianNllLoss.
 * @example F.gaussianNllLoss(mu, y, variance, { full: true })
 */
export interface GaussianNLLOptions {
  full?: boolean;
  eps?: number;
  reduction?: Reduction;
}
/** @internal @example checkGaussianOptions(o, 'GaussianNLLLoss') */
export const GAUSSIAN_KEYS = keysOf<GaussianNLLOptions>()('full', 'eps', 'reduction');

/**
 * Checks gaussianNllLoss's options. @internal
 * @example checkGaussianOptions({ eps: 1e-6 }, 'GaussianNLLLoss')
 */
export function checkGaussianOptions(options: unknown, fn: string): void {
  checkOptions(options, fn, GAUSSIAN_KEYS);
  const o = (options ?? {}) as GaussianNLLOptions;
  if (o.reduction !== undefined) checkReductionNotValid(o.reduction, fn);
  if (o.full !== undefined) checkBoolean(o.full, fn, 'full');
  if (o.eps !== undefined) checkNumber(o.eps, fn, 'eps');
}

/**
 * Gaussian negative log-likelihood `0.5 (log var + (input - target)² / var)` (+ 0.5 log 2π
 * with `full`). `var` has the input's size, or one dimension fewer, or a last dimension
 * of 1 (one variance shared over the last dimension); its values are clamped at `eps`
 * with the gradient passed through, as PyTorch's.
 * @example F.gaussianNllLoss(mean, y, variance)
 */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor, options: GaussianNLLOptions = {}): Tensor {
  return freeIntermediates(() => {
    checkPair(input, target, 'gaussianNllLoss');
    checkTensor(variance, 'gaussianNllLoss', 'var');
    checkGaussianOptions(options, 'gaussianNllLoss');
    options ??= {};
    let v = variance;
    const head = input.shape.slice(0, -1).join();
    if (variance.shape.join() !== input.shape.join() || variance.dim() !== input.dim()) {
      if (input.dim() === variance.dim() + 1 && head === variance.shape.join()) v = unsqueeze(variance, -1);
      else if (input.dim() === variance.dim() && head === variance.shape.slice(0, -1).join() && variance.shape[variance.dim() - 1] === 1) v = variance;
      else throw new Error('var is of incorrect size');
    }
    const reduction = options.reduction ?? 'mean';
    checkReductionNotValid(reduction, 'gaussianNllLoss');
    if (noGrad(() => anyNegative(variance))) throw new Error('var has negative entry/entries');
    v = clampMinPassThrough(v, options.eps ?? 1e-6);
    const d = sub(input, target);
    let loss = mul(add(log(v), div(mul(d, d), v)), 0.5);
    if (options.full) loss = add(loss, 0.5 * Math.log(2 * Math.PI));
    return reduceLoss(loss, reduction, 'gaussianNllLoss');
  });
}

function anyNegative(x: Tensor): boolean {
  return Boolean(sum(lt(x, 0)).item());
}
