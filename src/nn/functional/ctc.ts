/**
 * Connectionist temporal classification loss (F.ctcLoss), as a log-space forward
 * recursion over time steps built from differentiable tensor ops, batched over the
 * sequences: autograd gives the gradient, and it runs on whatever device the
 * log-probabilities are on.
 */
import { record } from '../../autograd/function.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { Tensor } from '../../tensor/tensor.js';
import { bool, float64, int64, scalarTypeName, uint8 } from '../../tensor/dtype.js';
import { fromArray, full, zeros } from '../../tensor/creation.js';
import { add, clamp, div, eq, exp, gt, mul, neg, sub, where } from '../../ops/elementwise.js';
import { logsumexp, mean, sum } from '../../ops/reduce.js';
import { cat, expand, narrow, reshape, selectRaw as select, squeeze, stack, unsqueeze } from '../../ops/shape.js';
import { gather, scatterAdd } from '../../ops/indexing.js';
import { tidy } from '../../memory/storage.js';
import { argumentError, checkBoolean, checkInteger, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';
import { type Reduction, checkReduction } from './loss.js';
import { autocastHook, autocastOp } from '../../amp/autocast-policy.js';

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
  if (autocastHook.active) return autocastOp('ctcLoss', ctcLoss, arguments);
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
  const zeroInfinity = options.zeroInfinity ?? false;
  const compute = (): Tensor => {
    const nll = ctcNll(lp, lattice(labels, blank, lp.device), il, zeroInfinity);
    const perSequence = zeroInfinity ? where(noGrad(() => eq(nll, Infinity)), 0, nll) : nll;
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
 * The blank-extended label sequences (N, L = 2 S + 1), padded with blanks, and which
 * states may be entered by skipping one state (from s - 2: a label differing from the
 * one two back), seen from the state entered (`skipInto`) and from the state left
 * (`skipFrom`, for the backward recursion); `ends` are each sequence's final states.
 */
interface Lattice {
  ext: Tensor;
  skipInto: Tensor;
  skipFrom: Tensor;
  ends: Tensor;
  lengths: number[];
}

function lattice(labels: number[][], blank: number, dev: Tensor['device']): Lattice {
  const N = labels.length;
  const L = 2 * Math.max(0, ...labels.map((l) => l.length)) + 1;
  const extended = new BigInt64Array(N * L).fill(BigInt(blank));
  const into = new Uint8Array(N * L);
  const from = new Uint8Array(N * L);
  const ends = new Uint8Array(N * L);
  for (let n = 0; n < N; n++) {
    const row = n * L;
    labels[n].forEach((c, i) => (extended[row + 2 * i + 1] = BigInt(c)));
    for (let s = 2; s < L; s++) {
      const label = extended[row + s];
      into[row + s] = Number(label !== BigInt(blank) && label !== extended[row + s - 2]);
      from[row + s - 2] = into[row + s];
    }
    const last = 2 * labels[n].length;
    ends[row + last] = 1;
    if (last > 0) ends[row + last - 1] = 1;
  }
  return {
    ext: fromArray(extended, int64, [N, L], int64, dev),
    skipInto: fromArray(into, uint8, [N, L], bool, dev),
    skipFrom: fromArray(from, uint8, [N, L], bool, dev),
    ends: fromArray(ends, uint8, [N, L], bool, dev),
    lengths: labels.map((l) => l.length),
  };
}

/** A (N, 1) mask of the sequences for which `test(inputLength)` holds. */
function perSequence(lengths: number[], test: (length: number) => boolean, dev: Tensor['device']): Tensor {
  return fromArray(Uint8Array.from(lengths, (len) => Number(test(len))), uint8, [lengths.length, 1], bool, dev);
}

/** `alpha` moved one state along: `state s` receives `s - by` (unreachable where none). */
function shifted(x: Tensor, by: number, up: boolean): Tensor {
  const [N, L] = x.shape;
  const pad = full([N, Math.min(by, L)], UNREACHABLE, { dtype: x.dtype, device: x.device });
  if (by >= L) return pad;
  return up ? cat([narrow(x, 1, by, L - by), pad], 1) : cat([pad, narrow(x, 1, 0, L - by)], 1);
}

/**
 * -log p(labels | logProbs) per sequence (infinite where no alignment exists), computed
 * without autograd by the forward (alpha) recursion; its backward runs the beta
 * recursion and gives PyTorch's gradient, `exp(lp) - (occupancy of each class)`, times
 * the incoming gradient, 0 past each input length, and 0 (zeroInfinity) or NaN for
 * impossible sequences.
 */
function ctcNll(lp: Tensor, lat: Lattice, inputLengths: number[], zeroInfinity: boolean): Tensor {
  const [T, N] = lp.shape;
  const L = lat.ext.shape[1];
  const dev = lp.device;
  const emissionsOf = (x: Tensor): Tensor => gather(x, 2, expand(unsqueeze(lat.ext, 0), [T, N, L]));
  // the recursion's per-step temporaries are freed as soon as it ends
  const { nll, finite, impossible, alphas } = noGrad(() => tidy(() => {
    const emissions = emissionsOf(lp);
    let alpha = cat([full([N, 1], 0, { dtype: lp.dtype, device: dev }), full([N, L - 1], UNREACHABLE, { dtype: lp.dtype, device: dev })], 1);
    const history: Tensor[] = [];
    const shortest = Math.min(...inputLengths);
    for (let t = 0; t < T; t++) {
      const fromSkip = where(lat.skipInto, shifted(alpha, 2, false), UNREACHABLE);
      const next = add(logsumexp(stack([alpha, shifted(alpha, 1, false), fromSkip], 0), 0), select(emissions, 0, t));
      alpha = t < shortest ? next : where(perSequence(inputLengths, (len) => t < len, dev), next, alpha);
      history.push(alpha);
    }
    const raw = neg(logsumexp(where(lat.ends, alpha, UNREACHABLE), 1));
    const impossible = gt(raw, -UNREACHABLE / 10);
    return {
      nll: where(impossible, Infinity, raw),
      finite: where(impossible, 0, raw),
      impossible,
      alphas: T > 0 ? stack(history, 0) : null,
    };
  }));
  if (!gradEnabled() || !lp._requiresGrad || alphas === null) return nll;
  return record(nll, 'CtcLossBackward0', [lp], (node) => {
    const saved = { lp: node.save(lp), alphas: node.save(alphas, true), nll: node.save(finite, true), impossible: node.save(impossible, true) };
    return (g) => [noGrad(() => tidy(() =>
      ctcBackward(g, saved.lp(), emissionsOf(saved.lp()), saved.alphas(), saved.nll(), saved.impossible(), lat, inputLengths, zeroInfinity)))];
  }, { onceDifferentiable: true });
}

function ctcBackward(
  g: Tensor, lp: Tensor, emissions: Tensor, alphas: Tensor, nll: Tensor, impossible: Tensor,
  lat: Lattice, inputLengths: number[], zeroInfinity: boolean,
): Tensor {
  const [T, N, C] = lp.shape;
  const L = lat.ext.shape[1];
  const dev = lp.device;
  const unreachable = full([N, L], UNREACHABLE, { dtype: lp.dtype, device: dev });
  let beta = unreachable;
  const betas: Tensor[] = new Array(T);
  for (let t = T - 1; t >= 0; t--) {
    const emission = select(emissions, 0, t);
    const fromSkip = where(lat.skipFrom, shifted(beta, 2, true), UNREACHABLE);
    const computed = add(logsumexp(stack([beta, shifted(beta, 1, true), fromSkip], 0), 0), emission);
    const starts = inputLengths.some((len) => len - 1 === t);
    beta = starts ? where(perSequence(inputLengths, (len) => len - 1 === t, dev), where(lat.ends, emission, unreachable), computed) : computed;
    betas[t] = beta;
  }
  // occupancy of each extended state (alpha and beta both include the emission at t)
  const occupancy = exp(add(sub(add(alphas, stack(betas, 0)), emissions), reshape(nll, [1, N, 1])));
  const inside = fromArray(Uint8Array.from({ length: T * N }, (_, i) => Number(Math.floor(i / N) < inputLengths[i % N])), uint8, [T, N, 1], bool, dev);
  const perClass = scatterAdd(zeros([T, N, C], { dtype: lp.dtype, device: dev }), 2, expand(unsqueeze(lat.ext, 0), [T, N, L]), where(inside, occupancy, 0));
  let grad = where(inside, sub(exp(lp), perClass), 0);
  grad = mul(grad, g.dim() === 0 ? g : reshape(g, [1, N, 1]));
  return where(reshape(impossible, [1, N, 1]), zeroInfinity ? 0 : NaN, grad);
}

function reduceCtc(loss: Tensor, targetLengths: number[], reduction: Reduction, batched: boolean): Tensor {
  if (reduction === 'none') return batched ? loss : squeeze(loss, 0);
  if (reduction === 'sum') return sum(loss);
  const lengths = fromArray(Float64Array.from(targetLengths), float64, [targetLengths.length], loss.dtype, loss.device);
  return mean(div(loss, clamp(lengths, 1)));
}
