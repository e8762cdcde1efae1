/**
 * BatchNorm1d/2d/3d and InstanceNorm1d/2d/3d, on PyTorch's `_NormBase`: the learnable
 * per-channel affine as parameters, the running statistics as buffers (so they travel
 * with `stateDict()` and `to()` but are not parameters), named as PyTorch's checkpoints
 * name them.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { int64 } from '../../tensor/dtype.js';
import { empty, tensor } from '../../tensor/creation.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { Module, type StateDict } from '../module.js';
import type { LocalMetadata } from '../module-hooks.js';
import { Parameter } from '../parameter.js';
import { pyFloat, pyRepr } from '../repr.js';
import * as init from '../init.js';
import { batchNorm, instanceNorm } from '../functional/normalization.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';
import { checkBoolean, checkNumber, checkOptions, checkSize, keysOf } from '../../tensor/args.js';

/**
 * The options of the batch and instance norm modules, as PyTorch's keywords.
 * @example new nn.BatchNorm2d(64, { momentum: null })
 */
export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}
const BATCH_NORM_KEYS = keysOf<BatchNormOptions>()('eps', 'momentum', 'affine', 'trackRunningStats', ...FACTORY_KEYS);

/**
 * PyTorch's `_NormBase`: the parameters, buffers and repr the batch and instance norms share.
 * @example new nn.BatchNorm1d(4) instanceof NormBase // true
 */
export abstract class NormBase extends Module {
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
  constructor(
    name: string,
    numFeatures: number,
    eps: number | BatchNormOptions | undefined,
    momentum: number | null | undefined,
    affine: boolean | undefined,
    trackRunningStats: boolean | undefined,
    options: BatchNormOptions,
    defaults: { affine: boolean; trackRunningStats: boolean },
  ) {
    super();
    checkSize(numFeatures, name, 'numFeatures');
    // (numFeatures, options) or PyTorch's positional (numFeatures, eps, momentum, affine, trackRunningStats, options).
    if (typeof eps === 'object' && eps !== null) {
      options = eps;
      eps = undefined;
    }
    checkOptions(options, name, BATCH_NORM_KEYS);
    const o = options ?? {};
    eps = eps ?? o.eps ?? 1e-5;
    momentum = momentum !== undefined ? momentum : o.momentum !== undefined ? o.momentum : 0.1;
    affine = affine ?? o.affine ?? defaults.affine;
    trackRunningStats = trackRunningStats ?? o.trackRunningStats ?? defaults.trackRunningStats;
    checkNumber(eps, name, 'eps');
    if (momentum !== null) checkNumber(momentum, name, 'momentum');
    checkBoolean(affine, name, 'affine');
    checkBoolean(trackRunningStats, name, 'trackRunningStats');
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    const factory = factoryOf(o, name);
    if (affine) {
      this.weight = new Parameter(empty([numFeatures], factory));
      this.bias = new Parameter(empty([numFeatures], factory));
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
    if (trackRunningStats) {
      this.registerBuffer('running_mean', empty([numFeatures], factory));
      this.registerBuffer('running_var', empty([numFeatures], factory));
      this.registerBuffer('num_batches_tracked', tensor(0, { dtype: int64, device: factory.device }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    this.resetParameters();
  }
  /** Zeros for the running mean and the counter, ones for the running variance. @example bn.resetRunningStats() */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.running_mean!.zero_();
      this.running_var!.fill_(1);
      this.num_batches_tracked!.zero_();
    });
  }
  /** The running statistics reset, the weight to ones and the bias to zeros. @example bn.resetParameters() */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  /** PyTorch's `_NormBase._load_from_state_dict`: checkpoints before version 2 had no `num_batches_tracked`; it starts at 0. */
  override _loadFromStateDict(
    stateDict: StateDict,
    prefix: string,
    localMetadata: LocalMetadata,
    strict: boolean,
    missingKeys: string[],
    unexpectedKeys: string[],
    errorMsgs: string[],
  ): void {
    const version = localMetadata.version;
    if ((version === undefined || version === null || version < 2) && this.trackRunningStats) {
      const key = `${prefix}num_batches_tracked`;
      if (!(key in stateDict)) stateDict[key] = tensor(0, { dtype: int64 });
    }
    super._loadFromStateDict(stateDict, prefix, localMetadata, strict, missingKeys, unexpectedKeys, errorMsgs);
  }
  override extraRepr(): string {
    const momentum = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${pyRepr(this.affine)}, track_running_stats=${pyRepr(this.trackRunningStats)}`;
  }
}

/**
 * PyTorch's `_BatchNorm`: its forward, with the input rank checked by `checkDim`. Exported for
 * the classes that are batch norms without being BatchNorm1d/2d/3d (SyncBatchNorm), and public
 * because their declarations extend it.
 */
export abstract class BatchNormBase extends NormBase {
  constructor(name: string, numFeatures: number, eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}) {
    super(name, numFeatures, eps, momentum, affine, trackRunningStats, options, { affine: true, trackRunningStats: true });
  }
  protected abstract checkDim(input: Tensor): void;
  override forward(input: Tensor): Tensor {
    this.checkDim(input);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked !== null) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      // momentum null: the cumulative moving average.
      if (this.momentum === null) factor = 1 / Number(this.num_batches_tracked.item());
    }
    const useBatchStats = this.training || (this.running_mean === null && this.running_var === null);
    const passStats = !this.training || this.trackRunningStats;
    return batchNorm(
      input,
      passStats ? this.running_mean : null,
      passStats ? this.running_var : null,
      this.weight,
      this.bias,
      useBatchStats,
      factor,
      this.eps,
    );
  }
}

/** The fields a BatchNorm layer keeps, for code that resets its statistics (swa_utils.updateBn). */
export interface BatchNormState {
  running_mean: Tensor | null;
  running_var: Tensor | null;
  num_batches_tracked: Tensor | null;
  momentum: number | null;
}

/**
 * Whether `m` is a batch norm (PyTorch's `isinstance(m, _BatchNorm)`).
 * @example for (const m of model.modules()) if (isBatchNorm(m)) m.resetRunningStats();
 */
export function isBatchNorm(m: unknown): m is Module & BatchNormState {
  return m instanceof BatchNormBase;
}

/**
 * Batch normalisation over (N, C) or (N, C, L) input, per channel. In training it
 * normalises with the batch statistics and updates `running_mean` / `running_var`; in
 * eval it uses them.
 * @example const bn = new nn.BatchNorm1d(16); bn(torch.randn(8, 16));
 */
export class BatchNorm1d extends BatchNormBase {
  static override _holdsNoActivations = true;
  constructor(numFeatures: number, eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}) {
    super('BatchNorm1d', numFeatures, eps, momentum, affine, trackRunningStats, options);
  }
  protected checkDim(input: Tensor): void {
    if (input.dim() !== 2 && input.dim() !== 3) throw new Error(`expected 2D or 3D input (got ${input.dim()}D input)`);
  }
}

/**
 * Batch normalisation over (N, C, H, W) input, per channel.
 * @example const bn = new nn.BatchNorm2d(64); bn(torch.randn(8, 64, 16, 16));
 */
export class BatchNorm2d extends BatchNormBase {
  static override _holdsNoActivations = true;
  constructor(numFeatures: number, eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}) {
    super('BatchNorm2d', numFeatures, eps, momentum, affine, trackRunningStats, options);
  }
  protected checkDim(input: Tensor): void {
    if (input.dim() !== 4) throw new Error(`expected 4D input (got ${input.dim()}D input)`);
  }
}

/**
 * Batch normalisation over (N, C, D, H, W) input, per channel.
 * @example const bn = new nn.BatchNorm3d(8); bn(torch.randn(2, 8, 4, 4, 4));
 */
export class BatchNorm3d extends BatchNormBase {
  static override _holdsNoActivations = true;
  constructor(numFeatures: number, eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}) {
    super('BatchNorm3d', numFeatures, eps, momentum, affine, trackRunningStats, options);
  }
  protected checkDim(input: Tensor): void {
    if (input.dim() !== 5) throw new Error(`expected 5D input (got ${input.dim()}D input)`);
  }
}

/** PyTorch's `_InstanceNorm`: batched input, or one sample without its batch dim. */
abstract class InstanceNormBase extends NormBase {
  constructor(
    name: string,
    private readonly noBatchDim: number,
    numFeatures: number,
    eps?: number | BatchNormOptions,
    momentum?: number | null,
    affine?: boolean,
    trackRunningStats?: boolean,
    options: BatchNormOptions = {},
  ) {
    super(name, numFeatures, eps, momentum, affine, trackRunningStats, options, { affine: false, trackRunningStats: false });
  }
  /**
   * PyTorch's `_InstanceNorm._load_from_state_dict`: checkpoints without a version (before 0.4)
   * held running stats that an instance norm without `trackRunningStats` has no place for.
   */
  override _loadFromStateDict(
    stateDict: StateDict,
    prefix: string,
    localMetadata: LocalMetadata,
    strict: boolean,
    missingKeys: string[],
    unexpectedKeys: string[],
    errorMsgs: string[],
  ): void {
    const version = localMetadata.version;
    if ((version === undefined || version === null) && !this.trackRunningStats) {
      const found = ['running_mean', 'running_var'].map((name) => prefix + name).filter((key) => key in stateDict);
      if (found.length > 0) {
        const klass = this.constructor.name;
        errorMsgs.push(
          `Unexpected running stats buffer(s) ${found.map((k) => `"${k}"`).join(' and ')} for ${klass} with track_running_stats=False. ` +
            'If state_dict is a checkpoint saved before 0.4.0, this may be expected because ' +
            `${klass} does not track running stats by default since 0.4.0. Please remove these keys from state_dict. If the running stats are actually needed, instead set track_running_stats=True in ${klass} to enable them. See the documentation of ${klass} for details.`,
        );
        for (const key of found) delete stateDict[key];
      }
    }
    super._loadFromStateDict(stateDict, prefix, localMetadata, strict, missingKeys, unexpectedKeys, errorMsgs);
  }
  override forward(input: Tensor): Tensor {
    const d = this.noBatchDim;
    if (input.dim() !== d && input.dim() !== d + 1) throw new Error(`expected ${d}D or ${d + 1}D input (got ${input.dim()}D input)`);
    const apply = (x: Tensor) =>
      instanceNorm(x, this.running_mean, this.running_var, this.weight, this.bias, this.training || !this.trackRunningStats, this.momentum ?? 0.1, this.eps);
    if (input.dim() === d) return apply(input.unsqueeze(0)).squeeze(0);
    return apply(input);
  }
}

/**
 * Instance normalisation over (N, C, L) or unbatched (C, L) input: each sample's channels
 * over their length. No affine and no running statistics unless asked for.
 * @example new nn.InstanceNorm1d(8)(torch.randn(2, 8, 10))
 */
export class InstanceNorm1d extends InstanceNormBase {
  static override _holdsNoActivations = true;
  constructor(numFeatures: number, eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}) {
    super('InstanceNorm1d', 2, numFeatures, eps, momentum, affine, trackRunningStats, options);
  }
}

/**
 * Instance normalisation over (N, C, H, W) or unbatched (C, H, W) input.
 * @example new nn.InstanceNorm2d(3, { affine: true })(torch.randn(2, 3, 8, 8))
 */
export class InstanceNorm2d extends InstanceNormBase {
  static override _holdsNoActivations = true;
  constructor(numFeatures: number, eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}) {
    super('InstanceNorm2d', 3, numFeatures, eps, momentum, affine, trackRunningStats, options);
  }
}

/**
 * Instance normalisation over (N, C, D, H, W) or unbatched (C, D, H, W) input.
 * @example new nn.InstanceNorm3d(4)(torch.randn(2, 4, 3, 3, 3))
 */
export class InstanceNorm3d extends InstanceNormBase {
  static override _holdsNoActivations = true;
  constructor(numFeatures: number, eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}) {
    super('InstanceNorm3d', 4, numFeatures, eps, momentum, affine, trackRunningStats, options);
  }
}
