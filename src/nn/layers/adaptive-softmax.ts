/**
 * `nn.AdaptiveLogSoftmaxWithLoss` (Grave et al., "Efficient softmax approximation for
 * GPUs"), as PyTorch 1.13's torch/nn/modules/adaptive.py: the same head / tail submodules
 * (so a PyTorch state dict loads by name), built in the same order (so a seeded
 * construction draws PyTorch's weights), and the same forward, `logProb` and `predict`.
 * PyTorch's `_ASMoutput(output, loss)` namedtuple is an `{ output, loss }` object.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { tensor, zeros } from '../../tensor/creation.js';
import { int64 } from '../../tensor/dtype.js';
import { tidy } from '../../memory/storage.js';
import { renameGradFn } from '../../autograd/function.js';
import { add, neg } from '../../ops/elementwise.js';
import { indexCopy } from '../../ops/index-ops.js';
import { gather, indexSelect } from '../../ops/indexing.js';
import { argmax, mean } from '../../ops/reduce.js';
import { cat, narrow, squeeze, unsqueeze } from '../../ops/shape.js';
import { logSoftmax } from '../../ops/softmax.js';
import { argumentError, checkBoolean, checkNumber, checkSize, checkTensor } from '../../tensor/args.js';
import { Module } from '../module.js';
import { ModuleList, Sequential } from '../containers.js';
import { bindArgs } from '../functional/pooling-args.js';
import { Linear } from './linear.js';
import { type FactoryOptions } from './factory.js';

/**
 * The options of `new nn.AdaptiveLogSoftmaxWithLoss(...)`.
 * @example new nn.AdaptiveLogSoftmaxWithLoss(64, 1000, [100, 500], { divValue: 2, headBias: true })
 */
export interface AdaptiveLogSoftmaxOptions extends FactoryOptions {
  /** The ratio between consecutive clusters' hidden sizes (default 4). */
  divValue?: number;
  /** Whether the head's Linear has a bias (default false). */
  headBias?: boolean;
}

/**
 * What `AdaptiveLogSoftmaxWithLoss` returns (PyTorch's `_ASMoutput` namedtuple): each
 * example's target log-probability, and the mean negative log-likelihood.
 * @example const { output, loss } = asm(hidden, target);
 */
export interface ASMOutput {
  output: Tensor;
  loss: Tensor;
}

/** Python's float `//` (CPython's float_floor_div), which can differ from Math.floor(a / b) by one. */
function pyFloorDiv(a: number, b: number): number {
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return 0;
  let floored = Math.floor(div);
  if (div - floored > 0.5) floored += 1;
  return floored;
}

const torchSize = (shape: readonly number[]): string => `torch.Size([${shape.join(', ')}])`;

/**
 * An efficient approximation of the softmax over many classes sorted by frequency: the
 * `cutoffs[0]` most frequent classes and one token per cluster share a head Linear; each
 * cluster `i` is a two-Linear tail (`inFeatures` -> `inFeatures // divValue^(i+1)` -> its
 * classes). `forward(input, target)` returns `{ output, loss }`: each target's
 * log-probability and their mean negative; `logProb(input)` the full (N, nClasses)
 * log-probabilities; `predict(input)` the most likely class.
 * @example
 * const asm = new nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6], { divValue: 2 });
 * const { output, loss } = asm(torch.randn(4, 16), torch.tensor([0, 5, 9, 2]));
 * asm.predict(torch.randn(4, 16)); // int64, shape [4]
 */
export class AdaptiveLogSoftmaxWithLoss extends Module<ASMOutput> {
  inFeatures: number;
  nClasses: number;
  /** The cutoffs with `nClasses` appended, as PyTorch keeps them. */
  cutoffs: number[];
  divValue: number;
  headBias: boolean;
  shortlistSize: number;
  nClusters: number;
  headSize: number;
  declare head: Linear;
  declare tail: ModuleList<Sequential<[Linear, Linear]>>;

  constructor(
    inFeatures: number,
    nClasses: number,
    cutoffs: readonly number[],
    divValue?: number | AdaptiveLogSoftmaxOptions,
    headBias?: boolean | AdaptiveLogSoftmaxOptions,
    options?: AdaptiveLogSoftmaxOptions,
  ) {
    super();
    checkSize(inFeatures, 'AdaptiveLogSoftmaxWithLoss', 'inFeatures');
    checkSize(nClasses, 'AdaptiveLogSoftmaxWithLoss', 'nClasses');
    if (!Array.isArray(cutoffs) || !cutoffs.every((c) => typeof c === 'number')) {
      throw argumentError('AdaptiveLogSoftmaxWithLoss', 'cutoffs', 'an array of integers', cutoffs);
    }
    const a = bindArgs('AdaptiveLogSoftmaxWithLoss', [divValue, headBias, options], ['divValue', 'headBias', 'dtype', 'device']);
    const div = (a.divValue as number | undefined) ?? 4;
    const bias = (a.headBias as boolean | undefined) ?? false;
    checkNumber(div, 'AdaptiveLogSoftmaxWithLoss', 'divValue');
    checkBoolean(bias, 'AdaptiveLogSoftmaxWithLoss', 'headBias');
    const factory = { dtype: a.dtype, device: a.device } as FactoryOptions;
    // Python's min() of the empty list fails first.
    if (cutoffs.length === 0) throw new Error('min() arg is an empty sequence');
    const sorted = cutoffs.slice().sort((x, y) => x - y);
    if (
      sorted.some((c, i) => c !== cutoffs[i]) ||
      Math.min(...cutoffs) <= 0 ||
      Math.max(...cutoffs) > nClasses - 1 ||
      new Set(cutoffs).size !== cutoffs.length ||
      cutoffs.some((c) => !Number.isInteger(c))
    ) {
      throw new Error(
        'cutoffs should be a sequence of unique, positive integers sorted in an increasing order, where each value is between 1 and n_classes-1',
      );
    }
    this.inFeatures = inFeatures;
    this.nClasses = nClasses;
    this.cutoffs = [...cutoffs, nClasses];
    this.divValue = div;
    this.headBias = bias;
    this.shortlistSize = this.cutoffs[0];
    this.nClusters = this.cutoffs.length - 1;
    this.headSize = this.shortlistSize + this.nClusters;
    this.head = new Linear(inFeatures, this.headSize, { bias, ...factory });
    this.tail = new ModuleList<Sequential<[Linear, Linear]>>();
    for (let i = 0; i < this.nClusters; i++) {
      const hsz = pyFloorDiv(inFeatures, div ** (i + 1));
      const osz = this.cutoffs[i + 1] - this.cutoffs[i];
      this.tail.append(new Sequential(new Linear(inFeatures, hsz, { bias: false, ...factory }), new Linear(hsz, osz, { bias: false, ...factory })));
    }
  }

  /** Re-draws the head's and the tails' weights, in PyTorch's order. @example asm.resetParameters() */
  resetParameters(): void {
    this.head.resetParameters();
    for (const projection of this.tail) {
      projection.at(0).resetParameters();
      projection.at(1).resetParameters();
    }
  }

  /**
   * `{ output, loss }` for a (N, inFeatures) input with (N) targets, or an (inFeatures)
   * input with a 0-d target (then `output` is 0-d).
   * @example const { loss } = asm(hidden, target); loss.backward();
   */
  override forward(input_: Tensor, target_: Tensor): ASMOutput {
    checkTensor(input_, 'AdaptiveLogSoftmaxWithLoss.forward', 'input');
    checkTensor(target_, 'AdaptiveLogSoftmaxWithLoss.forward', 'target');
    const targDim = target_.dim();
    if (targDim === 1) {
      if (input_.shape[0] !== target_.shape[0]) throw new Error('Input and target should have the same size in the batch dimension.');
      if (input_.dim() !== 2) throw new Error(`('1D target tensor expects 2D input tensors, but found inputs with size', ${torchSize(input_.shape)})`);
    } else if (targDim === 0) {
      if (input_.dim() !== 1) throw new Error(`('0D target tensor expects 1D input tensors, but found inputs with size', ${torchSize(input_.shape)})`);
    } else {
      throw new Error('0D or 1D target tensor expected, multi-target not supported');
    }
    const batched = targDim > 0;
    const targets = Array.from(target_.contiguous().dataSync() as ArrayLike<number | bigint>, Number);
    const batch = targets.length;
    const bounds = [0, ...this.cutoffs];
    const gatherInds = new BigInt64Array(batch);
    const clusters: { rows: number[]; relative: number[]; cluster: number }[] = [];
    let used = 0;
    for (let i = 0; i < bounds.length - 1; i++) {
      const rows: number[] = [];
      targets.forEach((t, r) => {
        if (t >= bounds[i] && t < bounds[i + 1]) rows.push(r);
      });
      if (rows.length === 0) continue;
      for (const r of rows) gatherInds[r] = BigInt(i === 0 ? targets[r] : this.shortlistSize + i - 1);
      if (i > 0) clusters.push({ rows, relative: rows.map((r) => targets[r] - bounds[i]), cluster: i - 1 });
      used += rows.length;
    }
    if (used !== batch) {
      throw new Error(
        `Target values should be in [0, ${this.nClasses - 1}], but values in range [${Math.min(...targets)}, ${Math.max(...targets)}] were found. `,
      );
    }
    return tidy(() => {
      const input = batched ? input_ : unsqueeze(input_, 0);
      const device = input.device;
      const longs = (v: number[]): Tensor => tensor(BigInt64Array.from(v, BigInt), { dtype: int64, device });
      let output = zeros([batch], { dtype: input.dtype, device });
      for (const { rows, relative, cluster } of clusters) {
        const rowIndex = longs(rows);
        const clusterOutput = this.tail.at(cluster)(indexSelect(input, 0, rowIndex));
        const local = gather(logSoftmax(clusterOutput, 1), 1, unsqueeze(longs(relative), 1));
        output = indexCopy(output, 0, rowIndex, squeeze(local, 1));
      }
      const headLogprob = logSoftmax(this.head(input), 1);
      output = add(output, squeeze(gather(headLogprob, 1, unsqueeze(tensor(gatherInds, { dtype: int64, device }), 1)), 1));
      const loss = mean(neg(output));
      return { output: batched ? output : squeeze(output, 0), loss };
    });
  }

  /** PyTorch's _get_full_log_prob: the head's shortlist, then each cluster's classes plus its token's log-probability. */
  private fullLogProb(input: Tensor, headOutput: Tensor): Tensor {
    const headLogprob = logSoftmax(headOutput, 1);
    const parts = [narrow(headLogprob, 1, 0, this.shortlistSize)];
    for (let i = 0; i < this.nClusters; i++) {
      const clusterLogprob = logSoftmax(this.tail.at(i)(input), 1);
      parts.push(add(clusterLogprob, narrow(headLogprob, 1, this.shortlistSize + i, 1)));
    }
    // PyTorch writes the pieces into slices of one tensor: its grad_fn is CopySlices.
    return renameGradFn(cat(parts, 1), 'torch::autograd::CopySlices');
  }

  /**
   * The log-probabilities of all `nClasses` classes for a (N, inFeatures) input.
   * @example asm.logProb(hidden).exp().sum(1) // ones
   */
  logProb(input: Tensor): Tensor {
    checkTensor(input, 'AdaptiveLogSoftmaxWithLoss.logProb', 'input');
    return tidy(() => this.fullLogProb(input, this.head(input)));
  }

  /**
   * The most likely class of each row of a (N, inFeatures) input, as an int64 (N) tensor;
   * the tails run only for rows whose head prediction is a cluster.
   * @example asm.predict(hidden)
   */
  predict(input: Tensor): Tensor {
    checkTensor(input, 'AdaptiveLogSoftmaxWithLoss.predict', 'input');
    return tidy(() => {
      const headOutput = this.head(input);
      const output = argmax(headOutput, 1);
      const guesses = Array.from(output.dataSync() as BigInt64Array, Number);
      const outside = guesses.flatMap((g, r) => (g >= this.shortlistSize ? [r] : []));
      if (outside.length === 0) return output;
      if (outside.length === guesses.length) return argmax(this.fullLogProb(input, headOutput), 1);
      const rows = tensor(BigInt64Array.from(outside, BigInt), { dtype: int64, device: input.device });
      const best = argmax(this.fullLogProb(indexSelect(input, 0, rows), indexSelect(headOutput, 0, rows)), 1);
      return indexCopy(output, 0, rows, best);
    });
  }
}
