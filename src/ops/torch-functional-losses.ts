/**
 * The losses PyTorch 1.13 exposes at `torch.*` as well as in `torch.nn.functional`, with the
 * ATen signatures: positional arguments and the reduction as ATen's integer enum (0 none,
 * 1 mean, 2 sum; any other value reduces nothing, as ATen's apply_loss_reduction). A
 * left-out reduction is 0, not 1: PyTorch's Python binding reads the schema's default
 * (`at::Reduction::Mean`) as 0, so `torch.kl_div(a, b)` is unreduced there, and so here.
 * Each computes what its F counterpart computes, without F's Python-level extras
 * (`kl_div`'s 'batchmean' and its warning).
 */
import type { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkInteger, checkNumber, checkOptions, checkOptionalTensor, checkTensor, keysOf } from '../tensor/args.js';
import type { Reduction } from '../nn/functional/loss.js';
import { binaryCrossEntropyWithLogits as fBceWithLogits } from '../nn/functional/loss.js';
import { klDiv as fKlDiv, poissonNllLoss as fPoissonNllLoss } from '../nn/functional/losses-regression.js';
import { cosineEmbeddingLoss as fCosineEmbeddingLoss, hingeEmbeddingLoss as fHingeEmbeddingLoss, marginRankingLoss as fMarginRankingLoss, tripletMarginLoss as fTripletMarginLoss } from '../nn/functional/losses-margin.js';
import { ctcLoss as fCtcLoss } from '../nn/functional/ctc.js';
import { mean, sum } from './reduce.js';

/**
 * ATen's reduction enum as F's name: 1 'mean', 2 'sum', anything else 'none'. @internal
 * @example reductionOf(2, 'kl_div') // 'sum'
 */
export function reductionOf(reduction: unknown, fn: string): Reduction {
  checkInteger(reduction, fn, 'reduction');
  return reduction === 1 ? 'mean' : reduction === 2 ? 'sum' : 'none';
}

/**
 * The keyword of `torch.klDiv`.
 * @example torch.klDiv(logQ, logP, 1, { logTarget: true })
 */
export interface TorchKlDivOptions {
  logTarget?: boolean;
}
const KL_KEYS = keysOf<TorchKlDivOptions>()('logTarget');

/**
 * `torch.kl_div(input, target, reduction=0, *, log_target=False)`: pointwise
 * `target * (log target - input)`, 'mean' over every element (ATen's; F's 'batchmean' is
 * Python's, as is its warning for 'mean').
 * @example torch.klDiv(logQ, p, 1)
 */
export function klDiv(input: Tensor, target: Tensor, reduction = 0, options: TorchKlDivOptions = {}): Tensor {
  const r = reductionOf(reduction, 'kl_div');
  checkOptions(options, 'kl_div', KL_KEYS);
  const logTarget = options?.logTarget ?? false;
  checkBoolean(logTarget, 'kl_div', 'logTarget');
  const perElement = fKlDiv(input, target, { reduction: 'none', logTarget });
  return r === 'none' ? perElement : r === 'sum' ? sum(perElement) : mean(perElement);
}

/**
 * `torch.cosine_embedding_loss(input1, input2, target, margin=0, reduction=0)`.
 * @example torch.cosineEmbeddingLoss(a, b, torch.tensor([1, -1]), 0, 1)
 */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, margin = 0, reduction = 0): Tensor {
  checkNumber(margin, 'cosine_embedding_loss', 'margin');
  return fCosineEmbeddingLoss(input1, input2, target, { margin, reduction: reductionOf(reduction, 'cosine_embedding_loss') });
}

/**
 * `torch.hinge_embedding_loss(input, target, margin=1, reduction=0)`.
 * @example torch.hingeEmbeddingLoss(distances, torch.tensor([1, -1]), 1, 2)
 */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, margin = 1, reduction = 0): Tensor {
  checkNumber(margin, 'hinge_embedding_loss', 'margin');
  return fHingeEmbeddingLoss(input, target, { margin, reduction: reductionOf(reduction, 'hinge_embedding_loss') });
}

/**
 * `torch.margin_ranking_loss(input1, input2, target, margin=0, reduction=0)`.
 * @example torch.marginRankingLoss(a, b, torch.tensor([1, -1, 1]), 0.1, 1)
 */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, margin = 0, reduction = 0): Tensor {
  checkNumber(margin, 'margin_ranking_loss', 'margin');
  return fMarginRankingLoss(input1, input2, target, { margin, reduction: reductionOf(reduction, 'margin_ranking_loss') });
}

/**
 * `torch.triplet_margin_loss(anchor, positive, negative, margin=1, p=2, eps=1e-6, swap=False,
 * reduction=0)`.
 * @example torch.tripletMarginLoss(a, pos, neg, 1, 2, 1e-6, false, 1)
 */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, margin = 1, p = 2, eps = 1e-6, swap = false, reduction = 0): Tensor {
  for (const [v, name] of [[margin, 'margin'], [p, 'p'], [eps, 'eps']] as const) checkNumber(v, 'triplet_margin_loss', name);
  checkBoolean(swap, 'triplet_margin_loss', 'swap');
  return fTripletMarginLoss(anchor, positive, negative, { margin, p, eps, swap, reduction: reductionOf(reduction, 'triplet_margin_loss') });
}

/**
 * `torch.poisson_nll_loss(input, target, log_input, full, eps, reduction)`, every argument
 * required as in PyTorch.
 * @example torch.poissonNllLoss(logRate, counts, true, false, 1e-8, 1)
 */
export function poissonNllLoss(input: Tensor, target: Tensor, logInput: boolean, full: boolean, eps: number, reduction: number): Tensor {
  checkBoolean(logInput, 'poisson_nll_loss', 'log_input');
  checkBoolean(full, 'poisson_nll_loss', 'full');
  checkNumber(eps, 'poisson_nll_loss', 'eps');
  return fPoissonNllLoss(input, target, { logInput, full, eps, reduction: reductionOf(reduction, 'poisson_nll_loss') });
}

/**
 * `torch.binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None,
 * reduction=0)`.
 * @example torch.binaryCrossEntropyWithLogits(logits, labels, null, null, 1)
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, weight: Tensor | null = null, posWeight: Tensor | null = null, reduction = 0): Tensor {
  checkOptionalTensor(weight, 'binary_cross_entropy_with_logits', 'weight');
  checkOptionalTensor(posWeight, 'binary_cross_entropy_with_logits', 'pos_weight');
  return fBceWithLogits(input, target, { weight: weight ?? null, posWeight: posWeight ?? null, reduction: reductionOf(reduction, 'binary_cross_entropy_with_logits') });
}

/**
 * `torch.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0,
 * zero_infinity=False)`: `F.ctcLoss` (lengths as tensors or arrays).
 * @example torch.ctcLoss(logProbs, targets, [50, 48], [10, 12], 0, 1)
 */
export function ctcLoss(
  logProbs: Tensor, targets: Tensor, inputLengths: Tensor | number[], targetLengths: Tensor | number[], blank = 0, reduction = 0, zeroInfinity = false,
): Tensor {
  checkTensor(logProbs, 'ctc_loss', 'log_probs');
  checkInteger(blank, 'ctc_loss', 'blank');
  checkBoolean(zeroInfinity, 'ctc_loss', 'zero_infinity');
  return fCtcLoss(logProbs, targets, inputLengths, targetLengths, { blank, reduction: reductionOf(reduction, 'ctc_loss'), zeroInfinity });
}
