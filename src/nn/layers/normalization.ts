/**
 * LayerNorm and BatchNorm1d. BatchNorm keeps its running statistics as buffers, so they
 * travel with `stateDict()` and `to()` but are not parameters.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { int64 } from '../../tensor/dtype.js';
import { empty, ones, tensor, zeros } from '../../tensor/creation.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyFloat, pyRepr } from '../repr.js';
import * as init from '../init.js';
import * as F from '../functional/layers.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';
import { argumentError, checkBoolean, checkNumber, checkOptions, checkSize, keysOf } from '../../tensor/args.js';

/**
 * The options of `new nn.LayerNorm(...)`, as PyTorch's keywords.
 * @example new nn.LayerNorm(8, { eps: 1e-6, elementwiseAffine: false })
 */
export interface LayerNormOptions extends FactoryOptions {
  eps?: number;
  elementwiseAffine?: boolean;
  bias?: boolean;
}
const LAYER_NORM_KEYS = keysOf<LayerNormOptions>()('eps', 'elementwiseAffine', 'bias', ...FACTORY_KEYS);

/**
 * Layer normalisation over the trailing `normalizedShape` dims, with a learnable
 * elementwise affine (ones and zeros at init).
 * @example new nn.LayerNorm(256)
 */
export class LayerNorm extends Module {
  static override _holdsNoActivations = true;
  static override _version = 2;
  normalizedShape: number[];
  eps: number;
  elementwiseAffine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  constructor(normalizedShape: number | number[], options: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
      throw argumentError('LayerNorm', 'normalizedShape', 'a non-negative integer or an array of them', normalizedShape);
    }
    checkOptions(options, 'LayerNorm', LAYER_NORM_KEYS);
    const { eps = 1e-5, elementwiseAffine = true, bias = true } = options ?? {};
    checkNumber(eps, 'LayerNorm', 'eps');
    checkBoolean(elementwiseAffine, 'LayerNorm', 'elementwiseAffine');
    checkBoolean(bias, 'LayerNorm', 'bias');
    this.normalizedShape = shape.slice();
    this.eps = eps;
    this.elementwiseAffine = elementwiseAffine;
    const factory = factoryOf(options ?? {}, 'LayerNorm');
    if (this.elementwiseAffine) {
      this.weight = new Parameter(empty(this.normalizedShape, factory));
      if (bias) this.bias = new Parameter(empty(this.normalizedShape, factory));
      else this.registerParameter('bias', null);
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
    this.resetParameters();
  }
  /** Ones for the weight, zeros for the bias. @example ln.resetParameters() */
  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  override forward(input: Tensor): Tensor {
    return F.layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }
  override extraRepr(): string {
    return `${pyRepr(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyRepr(this.elementwiseAffine)}`;
  }
}

/** Options of BatchNorm1d, as PyTorch's keywords. */
export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}
const BATCH_NORM_KEYS = keysOf<BatchNormOptions>()('eps', 'momentum', 'affine', 'trackRunningStats', ...FACTORY_KEYS);

/**
 * Batch normalisation over (N, C) or (N, C, L) inputs. In training it normalises with
 * batch statistics and updates `running_mean` / `running_var`; in eval it uses them.
 * @example const bn = new nn.BatchNorm1d(16); bn(torch.randn(8, 16));
 */
export class BatchNorm1d extends Module {
  static override _holdsNoActivations = true;
  static override _version = 2;
  numFeatures: number;
  eps: number;
  momentum: number | null;
  affine: boolean;
  trackRunningStats: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    checkSize(numFeatures, 'BatchNorm1d', 'numFeatures');
    checkOptions(options, 'BatchNorm1d', BATCH_NORM_KEYS);
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = options ?? {};
    checkNumber(eps, 'BatchNorm1d', 'eps');
    if (momentum !== null) checkNumber(momentum, 'BatchNorm1d', 'momentum');
    checkBoolean(affine, 'BatchNorm1d', 'affine');
    checkBoolean(trackRunningStats, 'BatchNorm1d', 'trackRunningStats');
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    const factory = factoryOf(options ?? {}, 'BatchNorm1d');
    if (this.affine) {
      this.weight = new Parameter(ones([numFeatures], factory));
      this.bias = new Parameter(zeros([numFeatures], factory));
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
    // Buffer names keep PyTorch's spelling, because checkpoints carry them.
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], factory));
      this.registerBuffer('running_var', ones([numFeatures], factory));
      this.registerBuffer('num_batches_tracked', tensor(0, { dtype: int64 }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
  }
  override forward(input: Tensor): Tensor {
    if (input.dim() !== 2 && input.dim() !== 3) throw new Error(`expected 2D or 3D input (got ${input.dim()}D input)`);
    const useBatchStats = this.training || this.running_mean === null;
    return F.batchNorm(input, this.running_mean, this.running_var, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: this.momentum,
      eps: this.eps,
      numBatchesTracked: this.training ? this.num_batches_tracked : null,
    });
  }
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, affine=${pyRepr(this.affine)}, track_running_stats=${pyRepr(this.trackRunningStats)}`;
  }
}
