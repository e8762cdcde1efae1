/**
 * The loss modules beyond the common five: thin wrappers that check and hold a loss
 * function's options (class weights as buffers, as PyTorch's `_WeightedLoss` does) and
 * print as PyTorch's (`BCELoss()`: no extra repr).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { type Reduction, checkLossOptions } from '../functional/loss.js';
import * as R from '../functional/losses-regression.js';
import * as M from '../functional/losses-margin.js';
import * as CTC from '../functional/ctc.js';
import * as ME from '../functional/losses-margin-extra.js';
import { PairwiseDistance } from './distance.js';

/**
 * Binary cross-entropy on probabilities.
 * @example new nn.BCELoss()(torch.sigmoid(logits), labels)
 */
export class BCELoss extends Module {
  declare weight: Tensor | null;
  reduction: Reduction;
  constructor(options: R.BCEOptions = {}) {
    super();
    checkLossOptions(options, 'BCELoss', R.BCE_LOSS_KEYS);
    options ??= {};
    this.registerBuffer('weight', options.weight ?? null);
    this.reduction = options.reduction ?? 'mean';
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return R.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Smooth L1 loss (quadratic below `beta`).
 * @example new nn.SmoothL1Loss({ beta: 0.5 })(boxes, targets)
 */
export class SmoothL1Loss extends Module {
  reduction: Reduction;
  beta: number;
  constructor(options: R.SmoothL1Options = {}) {
    super();
    checkLossOptions(options, 'SmoothL1Loss', R.SMOOTH_L1_KEYS);
    this.reduction = options?.reduction ?? 'mean';
    this.beta = options?.beta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return R.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/**
 * Huber loss (quadratic below `delta`, linear above).
 * @example new nn.HuberLoss({ delta: 2 })(yHat, y)
 */
export class HuberLoss extends Module {
  reduction: Reduction;
  delta: number;
  constructor(options: R.HuberOptions = {}) {
    super();
    checkLossOptions(options, 'HuberLoss', R.HUBER_KEYS);
    this.reduction = options?.reduction ?? 'mean';
    this.delta = options?.delta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return R.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * Kullback-Leibler divergence loss on log-probabilities.
 * @example new nn.KLDivLoss({ reduction: 'batchmean' })(F.logSoftmax(logits, 1), probs)
 */
export class KLDivLoss extends Module {
  reduction: Reduction | 'batchmean';
  logTarget: boolean;
  constructor(options: R.KLDivOptions = {}) {
    super();
    R.checkKlDivOptions(options, 'KLDivLoss');
    this.reduction = options?.reduction ?? 'mean';
    this.logTarget = options?.logTarget ?? false;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return R.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

/**
 * Poisson negative log-likelihood.
 * @example new nn.PoissonNLLLoss({ logInput: false })(rate, counts)
 */
export class PoissonNLLLoss extends Module {
  logInput: boolean;
  full: boolean;
  eps: number;
  reduction: Reduction;
  constructor(options: R.PoissonNLLOptions = {}) {
    super();
    R.checkPoissonOptions(options, 'PoissonNLLLoss');
    options ??= {};
    this.logInput = options.logInput ?? true;
    this.full = options.full ?? false;
    this.eps = options.eps ?? 1e-8;
    this.reduction = options.reduction ?? 'mean';
  }
  override forward(logInput: Tensor, target: Tensor): Tensor {
    return R.poissonNllLoss(logInput, target, { logInput: this.logInput, full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

/**
 * Gaussian negative log-likelihood with predicted variances.
 * @example new nn.GaussianNLLLoss()(mean, y, variance)
 */
export class GaussianNLLLoss extends Module {
  full: boolean;
  eps: number;
  reduction: Reduction;
  constructor(options: R.GaussianNLLOptions = {}) {
    super();
    R.checkGaussianOptions(options, 'GaussianNLLLoss');
    options ??= {};
    this.full = options.full ?? false;
    this.eps = options.eps ?? 1e-6;
    this.reduction = options.reduction ?? 'mean';
  }
  override forward(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    return R.gaussianNllLoss(input, target, variance, { full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

/** The modules that take `{ margin, reduction }` and two or three tensors. */
abstract class MarginLoss extends Module {
  margin: number;
  reduction: Reduction;
  constructor(options: M.MarginOptions, defaultMargin: number, fn: string) {
    super();
    M.checkMarginOptions(options, fn);
    this.margin = options?.margin ?? defaultMargin;
    this.reduction = options?.reduction ?? 'mean';
  }
}

/**
 * Cosine embedding loss (targets ±1).
 * @example new nn.CosineEmbeddingLoss({ margin: 0.2 })(a, b, y)
 */
export class CosineEmbeddingLoss extends MarginLoss {
  constructor(options: M.MarginOptions = {}) {
    super(options, 0, 'CosineEmbeddingLoss');
  }
  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return M.cosineEmbeddingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/**
 * Margin ranking loss (targets ±1).
 * @example new nn.MarginRankingLoss({ margin: 0.5 })(s1, s2, y)
 */
export class MarginRankingLoss extends MarginLoss {
  constructor(options: M.MarginOptions = {}) {
    super(options, 0, 'MarginRankingLoss');
  }
  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return M.marginRankingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/**
 * Hinge embedding loss (targets ±1).
 * @example new nn.HingeEmbeddingLoss()(distances, y)
 */
export class HingeEmbeddingLoss extends MarginLoss {
  constructor(options: M.MarginOptions = {}) {
    super(options, 1, 'HingeEmbeddingLoss');
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return M.hingeEmbeddingLoss(input, target, { margin: this.margin, reduction: this.reduction });
  }
}

/**
 * Triplet margin loss with p-norm distances.
 * @example new nn.TripletMarginLoss({ margin: 1, p: 2, swap: true })(a, p, n)
 */
export class TripletMarginLoss extends Module {
  margin: number;
  p: number;
  eps: number;
  swap: boolean;
  reduction: Reduction;
  constructor(options: M.TripletMarginOptions = {}) {
    super();
    M.checkMarginOptions(options, 'TripletMarginLoss', M.TRIPLET_KEYS);
    options ??= {};
    this.margin = options.margin ?? 1;
    this.p = options.p ?? 2;
    this.eps = options.eps ?? 1e-6;
    this.swap = options.swap ?? false;
    this.reduction = options.reduction ?? 'mean';
  }
  override forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    const { margin, p, eps, swap, reduction } = this;
    return M.tripletMarginLoss(anchor, positive, negative, { margin, p, eps, swap, reduction });
  }
}

/**
 * Multi-label one-versus-all logistic loss.
 * @example new nn.MultiLabelSoftMarginLoss()(logits, multiHot)
 */
export class MultiLabelSoftMarginLoss extends Module {
  declare weight: Tensor | null;
  reduction: Reduction;
  constructor(options: M.MultilabelSoftMarginOptions = {}) {
    super();
    checkLossOptions(options, 'MultiLabelSoftMarginLoss', M.MULTILABEL_KEYS);
    options ??= {};
    this.registerBuffer('weight', options.weight ?? null);
    this.reduction = options.reduction ?? 'mean';
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return M.multilabelSoftMarginLoss(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Multi-class hinge loss.
 * @example new nn.MultiMarginLoss({ p: 2, margin: 0.5 })(scores, labels)
 */
export class MultiMarginLoss extends Module {
  declare weight: Tensor | null;
  p: number;
  margin: number;
  reduction: Reduction;
  constructor(options: M.MultiMarginOptions = {}) {
    super();
    M.checkMultiMarginOptions(options, 'MultiMarginLoss');
    options ??= {};
    this.p = options.p ?? 1;
    this.margin = options.margin ?? 1;
    this.registerBuffer('weight', options.weight ?? null);
    this.reduction = options.reduction ?? 'mean';
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return M.multiMarginLoss(input, target, { p: this.p, margin: this.margin, weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Multi-class multi-label hinge loss (targets: class indices ending at the first -1).
 * @example new nn.MultiLabelMarginLoss()(scores, torch.tensor([[3, 0, -1, 1]]))
 */
export class MultiLabelMarginLoss extends Module {
  reduction: Reduction;
  constructor(options: ME.MultilabelMarginOptions = {}) {
    super();
    checkLossOptions(options, 'MultiLabelMarginLoss', ME.MULTILABEL_MARGIN_KEYS);
    this.reduction = options?.reduction ?? 'mean';
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return ME.multilabelMarginLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Triplet margin loss with any distance function. The default distance is a
 * `PairwiseDistance` module, a child named `distance_function` as in PyTorch (so it prints);
 * a module given as the distance is a child too, a plain function an attribute.
 * @example new nn.TripletMarginWithDistanceLoss({ distanceFunction: new nn.PairwiseDistance(1), margin: 0.5 })(a, p, n)
 */
export class TripletMarginWithDistanceLoss extends Module {
  declare distance_function: (x1: Tensor, x2: Tensor) => Tensor;
  margin: number;
  swap: boolean;
  reduction: Reduction;
  constructor(options: ME.TripletMarginWithDistanceOptions = {}) {
    super();
    ME.checkTripletWithDistanceOptions(options, 'TripletMarginWithDistanceLoss');
    options ??= {};
    this.distance_function = options.distanceFunction ?? new PairwiseDistance();
    this.margin = options.margin ?? 1;
    this.swap = options.swap ?? false;
    this.reduction = options.reduction ?? 'mean';
  }
  override forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    const { distance_function: distanceFunction, margin, swap, reduction } = this;
    return ME.tripletMarginWithDistanceLoss(anchor, positive, negative, { distanceFunction, margin, swap, reduction });
  }
}

/**
 * Two-class logistic loss (targets ±1).
 * @example new nn.SoftMarginLoss()(scores, y)
 */
export class SoftMarginLoss extends Module {
  reduction: Reduction;
  constructor(options: M.SoftMarginOptions = {}) {
    super();
    checkLossOptions(options, 'SoftMarginLoss', M.SOFT_MARGIN_KEYS);
    this.reduction = options?.reduction ?? 'mean';
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return M.softMarginLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Connectionist temporal classification loss.
 * @example new nn.CTCLoss({ zeroInfinity: true })(logProbs, targets, inputLengths, targetLengths)
 */
export class CTCLoss extends Module {
  blank: number;
  reduction: Reduction;
  zeroInfinity: boolean;
  constructor(options: CTC.CTCLossOptions = {}) {
    super();
    CTC.checkCtcOptions(options, 'CTCLoss');
    options ??= {};
    this.blank = options.blank ?? 0;
    this.reduction = options.reduction ?? 'mean';
    this.zeroInfinity = options.zeroInfinity ?? false;
  }
  override forward(logProbs: Tensor, targets: Tensor, inputLengths: Tensor | number[], targetLengths: Tensor | number[]): Tensor {
    return CTC.ctcLoss(logProbs, targets, inputLengths, targetLengths, {
      blank: this.blank,
      reduction: this.reduction,
      zeroInfinity: this.zeroInfinity,
    });
  }
}
