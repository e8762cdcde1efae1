/**
 * `nn.SyncBatchNorm`: batch norm whose training statistics are those of the whole process
 * group's batch (PyTorch 1.13's torch/nn/modules/batchnorm.py), and
 * `SyncBatchNorm.convertSyncBatchnorm`, which swaps it in for a model's BatchNorm layers.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { noGrad } from '../../autograd/grad-mode.js';
import type { Module } from '../module.js';
import { argumentError, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';
import { getWorldSize, GroupMember } from '../../distributed/state.js';
import { ProcessGroup } from '../../distributed/process-group.js';
import { batchNorm } from '../functional/normalization.js';
import { groupExchange, syncBatchNorm } from '../functional/sync-batch-norm.js';
import { BatchNormBase, isBatchNorm, type BatchNormOptions } from './batch-norm.js';
import { FACTORY_KEYS } from './factory.js';

/** A group to synchronize over: one from `dist.newGroup`, or what it gives a rank outside the group. */
export type SyncGroup = ProcessGroup | typeof GroupMember.NON_GROUP_MEMBER;

/**
 * The options of SyncBatchNorm: BatchNorm's, and the group whose ranks share statistics
 * (default: the whole world).
 * @example new nn.SyncBatchNorm(64, { momentum: null, processGroup: group })
 */
export interface SyncBatchNormOptions extends BatchNormOptions {
  processGroup?: SyncGroup | null;
}
const SYNC_KEYS = keysOf<SyncBatchNormOptions>()('eps', 'momentum', 'affine', 'trackRunningStats', 'processGroup', ...FACTORY_KEYS);

function checkGroup(group: unknown): asserts group is SyncGroup | null | undefined {
  if (group === undefined || group === null || group === GroupMember.NON_GROUP_MEMBER || group instanceof ProcessGroup) return;
  throw argumentError('SyncBatchNorm', 'processGroup', 'a ProcessGroup from dist.newGroup or null', group);
}

/**
 * Batch normalisation over (N, C, *) input whose training statistics are computed over the
 * batches of every rank in the process group: each rank's per-channel mean, inverse standard
 * deviation and count are all-gathered and combined, and the backward all-reduces the sums
 * the input gradient needs, all synchronously inside forward and backward. In eval mode (with
 * running statistics), in a group of one rank, or on a rank outside `processGroup`, it is plain
 * batch norm; in training with no process group initialized it throws, as PyTorch 1.13's does.
 * Parameters, buffers, state-dict keys and repr are BatchNorm's.
 *
 * A deliberate difference from PyTorch 1.13, whose SyncBatchNorm refuses CPU input ("SyncBatchNorm
 * expected input tensor to be on GPU") and whose DistributedDataParallel refuses CPU modules
 * holding one: flint synchronizes CPU tensors over gloo, and CUDA tensors over whatever backend
 * the group has (gloo moves them through host memory).
 * @example
 * await dist.initProcessGroup({ backend: 'gloo' });
 * const bn = new nn.SyncBatchNorm(16);
 * bn(torch.randn(8, 16, 5, 5)); // normalised with the statistics of every rank's batch
 * @example const net = nn.SyncBatchNorm.convertSyncBatchnorm(model); // then wrap in DistributedDataParallel
 */
export class SyncBatchNorm extends BatchNormBase {
  static override _holdsNoActivations = true;
  /** The group whose batches are normalised together; null: the default (world) group. */
  processGroup: SyncGroup | null;
  constructor(numFeatures: number, options?: SyncBatchNormOptions);
  constructor(
    numFeatures: number,
    eps?: number,
    momentum?: number | null,
    affine?: boolean,
    trackRunningStats?: boolean,
    processGroup?: SyncGroup | null,
    options?: SyncBatchNormOptions,
  );
  constructor(
    numFeatures: number,
    eps?: number | SyncBatchNormOptions,
    momentum?: number | null,
    affine?: boolean,
    trackRunningStats?: boolean,
    processGroup?: SyncGroup | null,
    options: SyncBatchNormOptions = {},
  ) {
    // (numFeatures, options) or PyTorch's positional (numFeatures, eps, momentum, affine,
    // trackRunningStats, processGroup, options); the group is this class's own option.
    const opts = typeof eps === 'object' && eps !== null ? eps : options;
    checkOptions(opts, 'SyncBatchNorm', SYNC_KEYS);
    const { processGroup: optionGroup, ...rest } = opts ?? {};
    const group = processGroup !== undefined ? processGroup : optionGroup;
    checkGroup(group);
    super('SyncBatchNorm', numFeatures, typeof eps === 'object' ? rest : eps, momentum, affine, trackRunningStats, rest);
    this.processGroup = group ?? null;
  }

  /** 1.13's `_check_input_dim`: any rank of at least 2. */
  protected checkDim(input: Tensor): void {
    if (input.dim() < 2) throw new Error(`expected at least 2D input (got ${input.dim()}D input)`);
  }

  override forward(input: Tensor): Tensor {
    checkTensor(input, 'SyncBatchNorm', 'input');
    this.checkDim(input);
    if (input.shape[1] === 0) throw new Error('SyncBatchNorm number of input channels should be non-zero');
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked !== null) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      // momentum null: the cumulative moving average.
      if (this.momentum === null) factor = 1 / Number(this.num_batches_tracked.item());
    }
    const bnTraining = this.training || (this.running_mean === null && this.running_var === null);
    const passStats = !this.training || this.trackRunningStats;
    const runningMean = passStats ? this.running_mean : null;
    const runningVar = passStats ? this.running_var : null;
    // 1.13's need_sync: training with batch statistics in a group of more than one rank. Its
    // get_world_size throws when no group was initialized and gives -1 outside the group.
    if (bnTraining && this.training) {
      const group = this.processGroup ?? GroupMember.WORLD;
      const worldSize = getWorldSize(group);
      if (worldSize > 1) {
        return syncBatchNorm(input, this.weight, this.bias, runningMean, runningVar, this.eps, factor, groupExchange(group as ProcessGroup, worldSize));
      }
    }
    return batchNorm(input, runningMean, runningVar, this.weight, this.bias, bnTraining, factor, this.eps);
  }

  /**
   * Every BatchNorm1d/2d/3d (and SyncBatchNorm) in `module`'s tree replaced by a SyncBatchNorm
   * over `processGroup` that shares its weight and bias (the same Parameter objects), running
   * statistics and counter, and its `qconfig` if it has one; the new layer starts in training
   * mode, as 1.13's does. Returns the tree's root: `module` itself, or a new SyncBatchNorm when
   * `module` is a batch norm.
   * @example const net = nn.SyncBatchNorm.convertSyncBatchnorm(new nn.Sequential(new nn.Conv2d(3, 8, 3), new nn.BatchNorm2d(8)));
   */
  static convertSyncBatchnorm<M extends Module<any>>(module: M, processGroup: SyncGroup | null = null): M | SyncBatchNorm { // eslint-disable-line @typescript-eslint/no-explicit-any
    checkGroup(processGroup);
    let output: Module<any> = module; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (isBatchNorm(module)) {
      const bn = module as unknown as BatchNormBase & { qconfig?: unknown };
      const sync = new SyncBatchNorm(bn.numFeatures, bn.eps, bn.momentum, bn.affine, bn.trackRunningStats, processGroup);
      if (bn.affine) {
        noGrad(() => {
          sync.weight = bn.weight;
          sync.bias = bn.bias;
        });
      }
      sync.running_mean = bn.running_mean;
      sync.running_var = bn.running_var;
      sync.num_batches_tracked = bn.num_batches_tracked;
      if ('qconfig' in bn) (sync as SyncBatchNorm & { qconfig?: unknown }).qconfig = bn.qconfig;
      output = sync;
    }
    for (const [name, child] of module.namedChildren()) output.addModule(name, SyncBatchNorm.convertSyncBatchnorm(child, processGroup));
    return output as M | SyncBatchNorm;
  }
}
