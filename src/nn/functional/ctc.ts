/**
 * Connectionist temporal classification loss (F.ctcLoss), as a log-space forward
 * recursion over time steps built from differentiable tensor ops, batched over the
 * sequences: autograd gives the gradient, and it runs on whatever device the
 * log-probabilities are on.
 */
import { renameGradFn } from '../../autograd/function.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { Tensor } from '../../tensor/tensor.js';
import { bool, float64, int64, scalarTypeName, uint8 } from '../../tensor/dtype.js';
import { fromArray, full } from '../../tensor/creation.js';
import { add, clamp, div, exp, gt, neg, sub, where } from '../../ops/elementwise.js';
import { logsumexp, mean, sum } from '../../ops/reduce.js';
import { cat, detach, expand, narrow, reshape, selectRaw, stack, unsqueeze } from '../../ops/shape.js';
import { gather } from '../../ops/indexing.js';
import { tidy } from '../../memory/storage.js';
import { argumentError, checkBoolean, checkInteger, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';
import { type Reduction, checkReduction } from './loss.js';

/**
 * Options of ctcLoss.
 * @example F.ctcLoss(logProbs, targets, inputLengths, targetLengths, { blank: 0, zeroInfinity: true })
 */
export interface CTCLossOptions {
  blank?: number;
  reduction?: Reduction;
  zeroInfinity?: boolean;
}
/** @internal @example checkCtcOptions(o, 'CTCLoss') */
export const CTC_KEYS = keysOf<CTCLossOptions>()('blank', 'reduction', 'zeroInfinity');

/**
 * Checks ctcLoss's options. @internal
 * @example checkCtcOptions({ blank: 0 }, 'CTCLoss')
 */
export function checkCtcOptions(options: unknown, fn: string): void {
  checkOptions(options, fn, CTC_KEYS);
  const o = (options ?? {}) as CTCLossOptions;
  if (o.blank !== undefined) checkInteger(o.blank, fn, 'blank');
  if (o.reduction !== undefined) checkReduction(o.reduction, fn);
  if (o.zeroInfinity !== undefined) checkBoolean(o.zeroInfinity, fn, 'zeroInfinity');
}

/** The log-probability of unreachable states: finite, so that no gradient becomes NaN. */
const UNREACHABLE = -1e30;

function lengthsOf(value: unknown, name: string): number[] {
  if (value instanceof Tensor) {
    if (value.dtype.isFloatingPoint || value.dtype.name === 'bool') throw new Error(`${name} must be integral`);
    return Array.from(value.dataSync() as ArrayLike<number | bigint>, Number);
  }
  if (Array.isArray(value) && value.every(Number.isInteger)) return value.slice();
  if (Number.isInteger(value)) return [value as number];
  throw argumentError('ctcLoss', name, 'a tensor or an array of integers', value);
}

/**
 * CTC loss of log-probabilities (T, N, C) (or (T, C) for one sequence) against `targets`,
 * padded (N, S) or concatenated (sum of targetLengths), with per-sequence input and
 * target lengths. 'mean' divides each loss by its target length, then averages over the
 * batch; `zeroInfinity` replaces impossible alignments' infinite losses (and their
 * gradients) by 0. The gradient is PyTorch's, which treats `logProbs` as log-softmax
 * outputs.
 * @example
 * const logProbs = torch.randn(50, 16, 20).logSoftmax(2).detach().requiresGrad_();
 * const loss = F.ctcLoss(logProbs, targets, inputLengths, targetLengths);
 */
export function ctcLoss(
  logProbs: Tensor,
  targets: Tensor,
  inputLengths: Tensor | number[],
  targetLengths: Tensor | number[],
  options: CTCLossOptions = {},
): Tensor {
  checkTensor(logProbs, 'ctcLoss', 'logProbs');
  checkTensor(targets, 'ctcLoss', 'targets');
  checkCtcOptions(options, 'ctcLoss');
  options ??= {};
  const batched = logProbs.dim() === 3;
  if (!batched && logProbs.dim() !== 2) throw new Error(`ctc_loss: expected log_probs to be 2-D or 3-D, but got ${logProbs.dim()}-D`);
  if (!logProbs.dtype.isFloatingPoint) throw new Error(`"ctc_loss_cpu" not implemented for '${scalarTypeName(logProbs.dtype)}'`);
  const lp = batched ? logProbs : unsqueeze(logProbs, 1);
  const tg = batched ? targets : unsqueeze(targets, 0);
  const [T, N, C] = lp.shape;
  const blank = options.blank ?? 0;
  if (blank < 0 || blank >= C) throw new Error('blank must be in label range');
  const il = lengthsOf(inputLengths, 'input_lengths');
  const tl = lengthsOf(targetLengths, 'target_lengths');
  if (il.length !== N) throw new Error('input_lengths must be of size batch_size');
  if (tl.length !== N) throw new Error('target_lengths must be of size batch_size');
  const labels = paddedTargets(tg, tl, N);
  for (const length of il) {
    if (length > T) throw new Error(`Expected input_lengths to have value at most ${T}, but got value ${length} (while checking arguments for ctc_loss_cpu)`);
  }
  for (const row of labels) for (const c of row) if (c < 0 || c >= C) throw new Error(`target index ${c} is out of bounds for ${C} classes`);
  const compute = (): Tensor => {
    const raw = forwardRecursion(lp, labels, il, blank);
    const impossible = noGrad(() => gt(raw, -UNREACHABLE / 10));
    const loss = add(raw, emissionTerm(lp, il));
    const perSequence = where(impossible, options.zeroInfinity ? 0 : Infinity, loss);
    return reduceCtc(perSequence, tl, options.reduction ?? 'mean', batched);
  };
  return gradEnabled() && logProbs._requiresGrad ? compute() : tidy(compute);
}

/** The targets as one JS array of labels per sequence, from the padded or the concatenated form. */
function paddedTargets(targets: Tensor, lengths: number[], batch: number): number[][] {
  if (targets.dtype.isFloatingPoint || targets.dtype.name === 'bool') throw new Error(`ctc_loss: targets must be integral, but got ${scalarTypeName(targets.dtype)}`);
  const values = Array.from(targets.dataSync() as ArrayLike<number | bigint>, Number);
  const rows: number[][] = [];
  if (targets.dim() === 2) {
    const width = targets.shape[1];
    if (targets.shape[0] !== batch) throw new Error(`ctc_loss: expected targets to have ${batch} rows, but got ${targets.shape[0]}`);
    for (let n = 0; n < batch; n++) {
      if (lengths[n] > width) {
        throw new Error(`Expected tensor to have size at least ${lengths[n]} at dimension 1, but got size ${width} for argument #2 'targets' (while checking arguments for ctc_loss_cpu)`);
      }
      rows.push(values.slice(n * width, n * width + lengths[n]));
    }
    return rows;
  }
  if (targets.dim() !== 1) throw new Error(`ctc_loss: expected targets to be 1-D (concatenated) or 2-D (padded), but got ${targets.dim()}-D`);
  let offset = 0;
  for (let n = 0; n < batch; n++) {
    if (offset + lengths[n] > values.length) {
      throw new Error(`Expected tensor to have size at least ${offset + lengths[n]} at dimension 0, but got size ${values.length} for argument #2 'targets' (while checking arguments for ctc_loss_cpu)`);
    }
    rows.push(values.slice(offset, offset + lengths[n]));
    offset += lengths[n];
  }
  return rows;
}

/**
 * -log p(labels | logProbs) per sequence: the forward (alpha) recursion over the
 * blank-extended labels, one step per time step, frozen past each sequence's length.
 */
function forwardRecursion(lp: Tensor, labels: number[][], lengths: number[], blank: number): Tensor {
  const [T, N] = lp.shape;
  const S = Math.max(0, ...labels.map((l) => l.length));
  const L = 2 * S + 1;
  const extended = new BigInt64Array(N * L).fill(BigInt(blank));
  const skip = new Uint8Array(N * L);
  for (let n = 0; n < N; n++) {
    labels[n].forEach((c, i) => (extended[n * L + 2 * i + 1] = BigInt(c)));
    for (let s = 2; s < L; s++) {
      const label = extended[n * L + s];
      skip[n * L + s] = Number(label !== BigInt(blank) && label !== extended[n * L + s - 2]);
    }
  }
  const dev = lp.device;
  const options = { dtype: lp.dtype, device: dev };
  const ext = fromArray(extended, int64, [N, L], int64, dev);
  const canSkip = fromArray(skip, uint8, [N, L], bool, dev);
  // every emission each step needs, gathered once: (T, N, L)
  const emissions = gather(lp, 2, expand(unsqueeze(ext, 0), [T, N, L]));
  let alpha = cat([full([N, 1], 0, options), full([N, L - 1], UNREACHABLE, options)], 1);
  const pad1 = full([N, 1], UNREACHABLE, options);
  const pad2 = full([N, 2], UNREACHABLE, options);
  const shortest = Math.min(...lengths);
  for (let t = 0; t < T; t++) {
    const fromPrevious = cat([pad1, narrow(alpha, 1, 0, L - 1)], 1);
    const fromSkip = L < 3 ? full([N, L], UNREACHABLE, options) : where(canSkip, cat([pad2, narrow(alpha, 1, 0, L - 2)], 1), UNREACHABLE);
    const next = add(logsumexp(stack([alpha, fromPrevious, fromSkip], 0), 0), selectRaw(emissions, 0, t));
    if (t < shortest) alpha = next;
    else {
      const active = fromArray(Uint8Array.from(lengths, (len) => Number(t < len)), uint8, [N, 1], bool, dev);
      alpha = where(active, next, alpha);
    }
  }
  const endsAt = BigInt64Array.from(labels, (l) => BigInt(2 * l.length));
  const before = BigInt64Array.from(labels, (l) => BigInt(Math.max(0, 2 * l.length - 1)));
  const ends = gather(alpha, 1, fromArray(endsAt, int64, [N, 1], int64, dev));
  let previous = gather(alpha, 1, fromArray(before, int64, [N, 1], int64, dev));
  const hasLabels = fromArray(Uint8Array.from(labels, (l) => Number(l.length > 0)), uint8, [N, 1], bool, dev);
  previous = where(hasLabels, previous, UNREACHABLE);
  return neg(logsumexp(cat([ends, previous], 1), 1));
}

/**
 * Zero in value; in gradient, exp(logProbs) at the time steps inside each sequence.
 * PyTorch's CTC backward includes this term (it assumes `logProbs` come from a
 * log-softmax, through which the term cancels), so it is added here to match.
 */
function emissionTerm(lp: Tensor, lengths: number[]): Tensor | number {
  if (!gradEnabled() || !lp._requiresGrad) return 0;
  const [T, N] = lp.shape;
  const inside = new Uint8Array(T * N);
  for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) inside[t * N + n] = Number(t < lengths[n]);
  const mask = fromArray(inside, uint8, [T, N, 1], bool, lp.device);
  const e = exp(lp);
  return sum(where(mask, sub(e, detach(e)), 0), [0, 2]);
}

function reduceCtc(loss: Tensor, targetLengths: number[], reduction: Reduction, batched: boolean): Tensor {
  if (reduction === 'none') return renameGradFn(batched ? loss : reshape(loss, []), 'CtcLossBackward0');
  if (reduction === 'sum') return sum(loss);
  const lengths = fromArray(Float64Array.from(targetLengths), float64, [targetLengths.length], loss.dtype, loss.device);
  return mean(div(loss, clamp(lengths, 1)));
}
