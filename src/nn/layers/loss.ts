/**
 * Loss modules: thin wrappers that hold a loss function's options (and class weights
 * as buffers, as PyTorch's `_WeightedLoss` does).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import * as L from '../functional/loss.js';
import type { Reduction } from '../functional/loss.js';
import { BCE_KEYS, CROSS_ENTROPY_KEYS, NLL_KEYS, REDUCTION_KEYS, checkLossOptions } from '../functional/loss.js';

/**
 * Mean squared error.
 * @example const loss = new nn.MSELoss(); loss(yHat, y)
 */
export class MSELoss extends Module {
  reduction: Reduction;
  constructor(options: L.ReductionOptions = {}) {
    super();
    checkLossOptions(options, 'MSELoss', REDUCTION_KEYS);
    this.reduction = options?.reduction ?? 'mean';
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Mean absolute error.
 * @example new nn.L1Loss()(yHat, y)
 */
export class L1Loss extends Module {
  reduction: Reduction;
  constructor(options: L.ReductionOptions = {}) {
    super();
    checkLossOptions(options, 'L1Loss', REDUCTION_KEYS);
    this.reduction = options?.reduction ?? 'mean';
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.l1Loss(input, target, { reduction: this.reduction });
  }
}

/**
 * Cross-entropy on logits with class-index (or probability) targets.
 * @example const loss = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }); loss(logits, y)
 */
export class CrossEntropyLoss extends Module {
  declare weight: Tensor | null;
  ignoreIndex: number;
  reduction: Reduction;
  labelSmoothing: number;
  constructor(options: L.CrossEntropyOptions = {}) {
    super();
    checkLossOptions(options, 'CrossEntropyLoss', CROSS_ENTROPY_KEYS);
    options ??= {};
    this.registerBuffer('weight', options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.reduction = options.reduction ?? 'mean';
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/**
 * Negative log-likelihood on log-probabilities.
 * @example new nn.NLLLoss()(logProbs, y)
 */
export class NLLLoss extends Module {
  declare weight: Tensor | null;
  ignoreIndex: number;
  reduction: Reduction;
  constructor(options: L.NllLossOptions = {}) {
    super();
    checkLossOptions(options, 'NLLLoss', NLL_KEYS);
    options ??= {};
    this.registerBuffer('weight', options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.reduction = options.reduction ?? 'mean';
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * Binary cross-entropy on logits.
 * @example new nn.BCEWithLogitsLoss({ posWeight: torch.tensor([3]) })(logits, labels)
 */
export class BCEWithLogitsLoss extends Module {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;
  reduction: Reduction;
  constructor(options: L.BCEWithLogitsOptions = {}) {
    super();
    checkLossOptions(options, 'BCEWithLogitsLoss', BCE_KEYS);
    options ??= {};
    this.registerBuffer('weight', options.weight ?? null);
    this.registerBuffer('pos_weight', options.posWeight ?? null);
    this.reduction = options.reduction ?? 'mean';
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}
