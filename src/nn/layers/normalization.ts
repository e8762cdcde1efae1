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
import type { FactoryOptions } from './linear.js';

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
  constructor(normalizedShape: number | number[], options: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } & FactoryOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const factory = { dtype: options.dtype, device: options.device };
    if (this.elementwiseAffine) {
      this.weight = new Parameter(empty(this.normalizedShape, factory));
      if (options.bias ?? true) this.bias = new Parameter(empty(this.normalizedShape, factory));
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
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const factory = { dtype: options.dtype, device: options.device };
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
