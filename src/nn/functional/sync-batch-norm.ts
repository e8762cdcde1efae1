/*
 * The synchronized batch norm of PyTorch 1.13 (torch/nn/modules/_functions.py's
 * SyncBatchNorm Function), with the per-channel steps of its CUDA ops: batch_norm_stats,
 * batch_norm_gather_stats_with_counts, batch_norm_elemt, batch_norm_backward_reduce and
 * batch_norm_backward_elemt. The element-wise passes run on the native batch-norm kernels
 * (native/cpu/batch_norm.cc, native/cuda/batch_norm.cu), so CPU and CUDA input both work;
 * the per-channel arithmetic (C numbers per rank) runs in double here.
 * Internal to flint: nn.SyncBatchNorm is the public face.
 */
import { asShape } from './norm-kernels.js';
import * as call from '../../native/calls.generated.js';
import { fresh } from '../../native/meta.js';
import { record } from '../../autograd/function.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { Tensor, fromHandle } from '../../tensor/tensor.js';
import { float32, float64, type DType } from '../../tensor/dtype.js';
import { empty, emptyLike, tensor } from '../../tensor/creation.js';
import { checkSameDevice } from '../../ops/tensor-kernels.js';
import { allGatherIntoTensor, allReduce } from '../../distributed/collectives.js';
import type { ProcessGroup } from '../../distributed/process-group.js';
import { contiguousAs } from './norm-kernels.js';

/**
 * How the ranks exchange what the synchronized batch norm needs: the group's all-gather of
 * each rank's statistics row and its all-reduce (sum) of the gradient sums. Both block until
 * every rank has taken part, as 1.13's `async_op=False` collectives do.
 * @internal
 */
export interface StatsExchange {
  /** Every rank's row (the same length on each), rank by rank. */
  gather(row: Tensor): number[][];
  /** The element-wise sum of `t` over the ranks, in place. */
  sum(t: Tensor): void;
}

/**
 * The exchange over a process group of `worldSize` ranks. 1.13 all-gathers into one flat
 * tensor on nccl and into a list on the other backends; the rows are the same either way.
 * @internal
 */
export function groupExchange(group: ProcessGroup, worldSize: number): StatsExchange {
  return {
    gather(row) {
      const flat = empty([worldSize * row.numel()], { dtype: row.dtype, device: row.device });
      try {
        allGatherIntoTensor(flat, row, { group }).wait();
        const values = (flat.tolist() as number[]);
        const n = row.numel();
        return Array.from({ length: worldSize }, (_, r) => values.slice(r * n, (r + 1) * n));
      } finally {
        flat.dispose();
      }
    },
    sum(t) {
      allReduce(t, { group }).wait();
    },
  };
}

/** float16 and bfloat16 are computed in float32, as PyTorch's accumulate type. */
function computeDtype(dtype: DType): DType {
  return dtype === float32 || dtype === float64 ? dtype : float32;
}

function dimsOf(t: Tensor): [number, number, number] {
  return [t._shape[0], t._shape[1], t._shape.slice(2).reduce((a, b) => a * b, 1)];
}

function read(t: Tensor): number[] {
  const values = t.tolist() as number[];
  t.dispose();
  return values;
}

/** A (C,) tensor of `values` for the kernels, in `dtype` on `like`'s device. */
const vector = (values: readonly number[], dtype: DType, like: Tensor) => tensor(values as number[], { dtype, device: like.device });

/**
 * `y = x * scale[c] + shift[c]` per channel, in one pass: the eval kernel with mean 0,
 * variance 1 and eps 0 computes exactly that (its invstd is 1/sqrt(1) = 1).
 */
function scaleShift(x: Tensor, scale: readonly number[], shift: readonly number[]): Tensor {
  const dims = dimsOf(x);
  const c = dims[1];
  const dtype = x._dtype;
  const [s, b, zero, one] = [vector(scale, dtype, x), vector(shift, dtype, x), vector(new Array(c).fill(0), dtype, x), vector(new Array(c).fill(1), dtype, x)];
  const handle = call.batchNormEval(fresh(dtype, dims), asShape(x, dims), asShape(zero, [c]), asShape(one, [c]), asShape(s, [c]), asShape(b, [c]), 0);
  for (const t of [s, b, zero, one]) t.dispose();
  return fromHandle(handle, x._shape.slice(), dtype, x.device);
}

/**
 * The row one rank contributes (PyTorch's `combined`): each channel's mean, then its
 * 1 / sqrt(biased variance + eps) (batch_norm_stats), then the count of values per channel.
 * An empty batch gives zeros: its count 0 drops it from the combination.
 * @internal
 */
export function statsRow(x: Tensor, eps: number): number[] {
  const dims = dimsOf(x);
  const c = dims[1];
  if (x.numel() === 0) return new Array(2 * c + 1).fill(0);
  const dtype = x._dtype;
  const [out, mean, invstd] = call.batchNorm(fresh(dtype, dims), fresh(dtype, [c]), fresh(dtype, [c]), asShape(x, dims), null, null, eps);
  fromHandle(out, x._shape.slice(), dtype, x.device).dispose();
  return [...read(fromHandle(mean, [c], dtype, x.device)), ...read(fromHandle(invstd, [c], dtype, x.device)), dims[0] * dims[2]];
}

/** The global statistics per channel, from every rank's row. */
export interface GlobalStats {
  mean: number[];
  invstd: number[];
  /** The number of values per channel over the group (the ranks' counts summed). */
  count: number;
}

/**
 * batch_norm_gather_stats_with_counts over the rows of the ranks whose count is at least 1
 * (1.13 masks the others out): Chan's pairwise combination of the means and variances in
 * rank order, and the running statistics blended in place with `momentum` (the variance
 * unbiased over the global count).
 * @internal
 */
export function gatherStatsWithCounts(rows: readonly number[][], channels: number, runningMean: Tensor | null, runningVar: Tensor | null, momentum: number, eps: number): GlobalStats {
  const kept = rows.filter((row) => row[2 * channels] >= 1);
  const mean = new Array<number>(channels);
  const invstd = new Array<number>(channels);
  const unbiased = new Array<number>(channels);
  let total = 0;
  for (let i = 0; i < channels; i++) {
    let avg = 0;
    let varN = 0;
    let n = 0;
    for (const row of kept) {
      const count = row[2 * channels];
      const m = row[i];
      let v = 1 / row[channels + i];
      v = (v * v - eps) * count;
      const factor = 1 / (n + count);
      varN += v + (avg - m) * (avg - m) * n * count * factor;
      avg = n * factor * avg + count * factor * m;
      n += count;
    }
    mean[i] = avg;
    invstd[i] = 1 / Math.sqrt(varN / n + eps);
    unbiased[i] = varN / (n - 1);
    total = n;
  }
  noGrad(() => {
    for (const [running, batch] of [[runningMean, mean], [runningVar, unbiased]] as const) {
      if (running === null) continue;
      const old = running.tolist() as number[];
      const blended = tensor(old.map((r, i) => (1 - momentum) * r + momentum * batch[i]), { dtype: running.dtype, device: running.device });
      running.copy_(blended.view(running.shape));
      blended.dispose();
    }
  });
  return { mean, invstd, count: total };
}

/** Per channel, sum(dy) and sum(dy * (x - mean)): the first half of batch_norm_backward_reduce. @internal */
export function backwardSums(g: Tensor, x: Tensor, mean: readonly number[]): { sumDy: number[]; sumDyXmu: number[] } {
  const dims = dimsOf(x);
  const c = dims[1];
  const dtype = x._dtype;
  const m = vector(mean, dtype, x);
  const one = vector(new Array(c).fill(1), dtype, x);
  // The eval backward with invstd 1 gives gradWeight = sum(g * (x - mean)) and gradBias = sum(g).
  const [, gw, gb] = call.batchNormBackward(null, fresh(dtype, [c]), fresh(dtype, [c]), asShape(g, dims), asShape(x, dims), asShape(m, [c]), asShape(one, [c]), null, false);
  m.dispose();
  one.dispose();
  return { sumDyXmu: read(fromHandle(gw!, [c], dtype, x.device)), sumDy: read(fromHandle(gb!, [c], dtype, x.device)) };
}

/**
 * batch_norm_backward_elemt: `(dy - sum(dy) / N - (x - mean) * invstd^2 * sum(dy (x - mean)) / N)
 * * invstd * weight` with the sums and N over the whole group.
 */
function gradInputOf(g: Tensor, x: Tensor, stats: GlobalStats, weight: readonly number[] | null, sumDy: readonly number[], sumDyXmu: readonly number[]): Tensor {
  const c = stats.mean.length;
  const k = new Array<number>(c);
  const p = new Array<number>(c);
  const q = new Array<number>(c);
  for (let i = 0; i < c; i++) {
    const invstd = stats.invstd[i];
    const meanDy = sumDy[i] / stats.count;
    const factor1 = invstd * invstd * (sumDyXmu[i] / stats.count);
    const factor2 = (weight === null ? 1 : weight[i]) * invstd;
    k[i] = factor2;
    p[i] = -factor1 * factor2;
    q[i] = (stats.mean[i] * factor1 - meanDy) * factor2;
  }
  const fromX = scaleShift(x, p, q);
  const fromG = scaleShift(g, k, new Array(c).fill(0));
  fromX.add_(fromG);
  fromG.dispose();
  return fromX;
}

/**
 * The forward and backward of 1.13's SyncBatchNorm Function (training, batch statistics over
 * the group). Each rank's mean, invstd and count are all-gathered and combined; the running
 * statistics are updated with the result; the input is normalised locally. The backward
 * all-reduces sum(dy) and sum(dy * (x - mean)) when the input needs a gradient, and gives
 * the weight and bias their local gradients (DDP averages those). `grad_fn`:
 * SyncBatchNormBackward.
 * @internal
 */
export function syncBatchNorm(
  input: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  eps: number,
  momentum: number,
  exchange: StatsExchange,
): Tensor {
  const channels = input._shape[1];
  for (const [t, name] of [[runningMean, 'running_mean'], [runningVar, 'running_var'], [weight, 'weight'], [bias, 'bias']] as const) {
    if (t === null) continue;
    checkSameDevice(input, t);
    if (t.numel() !== channels) throw new Error(`${name} should contain ${channels} elements not ${t.numel()}`);
  }
  if (!input.isFloatingPoint()) throw new Error(`batch_norm_stats: expected a floating-point input, got ${input.dtype.name}`);
  const dtype = computeDtype(input._dtype);
  const x = contiguousAs(input, dtype);
  const row = vector(statsRow(x, eps), dtype, x);
  let rows: number[][];
  try {
    rows = exchange.gather(row);
  } finally {
    row.dispose();
  }
  const stats = gatherStatsWithCounts(rows, channels, runningMean, runningVar, momentum, eps);
  let out: Tensor;
  if (x.numel() > 0) {
    const w = weight === null ? null : (weight.tolist() as number[]);
    const b = bias === null ? null : (bias.tolist() as number[]);
    // batch_norm_elemt: y = (x - mean) * invstd * w + b, folded into a scale and a shift.
    const scale = stats.invstd.map((invstd, i) => (w === null ? invstd : invstd * w[i]));
    const shift = scale.map((s, i) => (b === null ? 0 : b[i]) - stats.mean[i] * s);
    out = scaleShift(x, scale, shift);
    if (out._dtype !== input._dtype) {
      const cast = noGrad(() => out.to(input._dtype));
      out.dispose();
      out = cast;
    }
  } else {
    out = emptyLike(input);
  }
  const owned = x !== input;
  const result = record(
    out,
    'SyncBatchNormBackward',
    [input, weight, bias],
    (node) => {
      const needs = [node.next[0] !== null, node.next[1] !== null, node.next[2] !== null] as const;
      const affine = { weight: weight?._shape.slice() ?? [], bias: bias?._shape.slice() ?? [], weightDtype: weight?._dtype ?? dtype, biasDtype: bias?._dtype ?? dtype };
      return syncBackward(node.save(x, owned), weight === null ? null : node.save(weight), stats, exchange, needs, input._dtype, affine);
    },
    { onceDifferentiable: true },
  );
  if (result._gradFn === null && owned) x.dispose();
  return result;
}

/** A gradient of `values` in a parameter's shape and dtype. */
function perChannel(values: number[], shape: number[], dtype: DType, like: Tensor): Tensor {
  const t = tensor(values, { dtype, device: like.device });
  if (shape.length === 1) return t;
  const shaped = t.reshape(shape).clone();
  t.dispose();
  return shaped;
}

/** The backward closure, built here so that it holds only the saved getters and numbers. */
function syncBackward(
  savedX: () => Tensor,
  savedWeight: (() => Tensor) | null,
  stats: GlobalStats,
  exchange: StatsExchange,
  needs: readonly [boolean, boolean, boolean],
  inputDtype: DType,
  affine: { weight: number[]; bias: number[]; weightDtype: DType; biasDtype: DType },
): (g: Tensor) => (Tensor | null)[] {
  return (grad) => {
    const x = savedX();
    const c = stats.mean.length;
    if (x.numel() === 0) {
      // Nothing to compute here, but the peers wait for this rank's part of the all-reduce.
      if (needs[0]) {
        const zeros = vector(new Array(2 * c).fill(0), x._dtype, x);
        exchange.sum(zeros);
        zeros.dispose();
      }
      return [null, null, null];
    }
    const g = contiguousAs(grad, x._dtype);
    const weight = savedWeight === null ? null : savedWeight();
    const w = weight === null ? null : (weight.tolist() as number[]);
    const { sumDy, sumDyXmu } = backwardSums(g, x, stats.mean);
    let gradInput: Tensor | null = null;
    if (needs[0]) {
      const combined = vector([...sumDy, ...sumDyXmu], x._dtype, x);
      exchange.sum(combined);
      const global = read(combined);
      gradInput = gradInputOf(g, x, stats, w, global.slice(0, c), global.slice(c));
      if (gradInput._dtype !== inputDtype) {
        const cast = gradInput.to(inputDtype);
        gradInput.dispose();
        gradInput = cast;
      }
    }
    if (g !== grad) g.dispose();
    // 1.13 returns no weight or bias gradient without a weight; DDP reduces them across ranks.
    const gradWeight = weight !== null && needs[1] ? perChannel(sumDyXmu.map((s, i) => s * stats.invstd[i]), affine.weight, affine.weightDtype, x) : null;
    const gradBias = weight !== null && needs[2] ? perChannel(sumDy, affine.bias, affine.biasDtype, x) : null;
    return [gradInput, gradWeight, gradBias];
  };
}
