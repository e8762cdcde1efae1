/**
 * PowerSGD, PyTorch's low-rank gradient compression for DDP
 * (`torch.distributed.algorithms.ddp_comm_hooks.powerSGD_hook`). Each gradient matrix M
 * (n×m, a parameter viewed as [shape[0], rest]) is sent as two thin factors: P = M·Q is
 * all-reduced and orthogonalized, then Q = Mᵀ·P is all-reduced, and M ≈ P·Qᵀ / world size.
 * That is (n + m)·rank numbers instead of n·m. Vectors and matrices too small to gain go
 * uncompressed, in one all-reduce. The compression error is added back next iteration
 * (error feedback), and Q starts from last iteration's (warm start).
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { allReduce } from '../../distributed/collectives.js';
import type { ProcessGroup } from '../../distributed/process-group.js';
import { getWorldSize } from '../../distributed/state.js';
import type { Future } from '../../futures.js';
import { qr } from '../../linalg/decompositions.js';
import { bmm } from '../../ops/linalg.js';
import { cat, stack } from '../../ops/shape.js';
import { Generator } from '../../random/generator.js';
import { empty, randn, zeros } from '../../tensor/creation.js';
import { bfloat16, float16 } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { allreduceHook, type GradBucket } from './comm-hooks.js';

/** PowerSGDState's options, as PyTorch's keyword arguments. */
export interface PowerSGDOptions {
  /** The rank of P and Q: lower compresses more (default 1; 1–4 is typical). */
  matrixApproximationRank?: number;
  /** Plain all-reduce until this iteration (default 1000); must be > 1 with error feedback or warm start. */
  startPowerSGDIter?: number;
  /** Compress a matrix only if (n + m)·rank·this < n·m (default 2). */
  minCompressionRate?: number;
  /** Add last iteration's compression error to the gradients (default true). */
  useErrorFeedback?: boolean;
  /** Start each iteration's Q from the previous one's (default true). */
  warmStart?: boolean;
  /** Added to each column's norm in orthogonalization, against all-zero columns (default 0). */
  orthogonalizationEpsilon?: number;
  /** Seeds the initial Q matrices, the same on every rank (default 0). */
  randomSeed?: number;
  /** Accepted as PyTorch's (it only sets how often PyTorch logs compression statistics). */
  compressionStatsLoggingFrequency?: number;
  /** Compress same-shaped matrices of a bucket in one batched product (default false). */
  batchTensorsWithSameShape?: boolean;
}

/**
 * The hyperparameters and per-bucket memory of `powerSGDHook` (PyTorch's `PowerSGDState`):
 * the error feedback and the P and Q factors of every bucket, kept across iterations.
 * @example
 * const { powerSGD } = torch.distributed.algorithms.ddpCommHooks;
 * const state = new powerSGD.PowerSGDState(null, { matrixApproximationRank: 2, startPowerSGDIter: 10 });
 * ddp.registerCommHook(state, powerSGD.powerSGDHook);
 */
export class PowerSGDState {
  processGroup: ProcessGroup | null;
  readonly matrixApproximationRank: number;
  readonly startPowerSGDIter: number;
  readonly minCompressionRate: number;
  readonly useErrorFeedback: boolean;
  readonly warmStart: boolean;
  readonly orthogonalizationEpsilon: number;
  readonly batchTensorsWithSameShape: boolean;
  readonly compressionStatsLoggingFrequency: number;
  /** Iterations seen so far (the last bucket of each backward counts one). */
  iter = 0;
  /** The seeds of the random Q matrices, as numpy's `RandomState(randomSeed)` draws them in PyTorch. */
  readonly rng: NumpyRandomState;
  /** @internal */ readonly errorDict = new Map<number, Tensor>();
  /** @internal */ readonly pMemoryDict = new Map<number, Tensor>();
  /** @internal */ readonly qMemoryDict = new Map<number, Tensor>();
  totalNumelBeforeCompression = 0;
  totalNumelAfterCompression = 0;

  constructor(processGroup: ProcessGroup | null, options: PowerSGDOptions = {}) {
    const {
      matrixApproximationRank = 1,
      startPowerSGDIter = 1000,
      minCompressionRate = 2,
      useErrorFeedback = true,
      warmStart = true,
      orthogonalizationEpsilon = 0,
      randomSeed = 0,
      compressionStatsLoggingFrequency = 10_000,
      batchTensorsWithSameShape = false,
    } = options;
    if (!Number.isInteger(matrixApproximationRank) || matrixApproximationRank < 1) {
      throw new RangeError(`PowerSGDState: matrixApproximationRank must be a positive integer, got ${matrixApproximationRank}`);
    }
    if ((useErrorFeedback || warmStart) && startPowerSGDIter <= 1) {
      throw new Error(
        'Expect `start_powerSGD_iter` > 1 if `use_error_feedback` or `warm_start` is enabled, ' +
          'because PowerSGD can only be applied after the first two iterations in DDP.',
      );
    }
    this.processGroup = processGroup;
    this.matrixApproximationRank = matrixApproximationRank;
    this.startPowerSGDIter = startPowerSGDIter;
    this.minCompressionRate = minCompressionRate;
    this.useErrorFeedback = useErrorFeedback;
    this.warmStart = warmStart;
    this.orthogonalizationEpsilon = orthogonalizationEpsilon;
    this.batchTensorsWithSameShape = batchTensorsWithSameShape;
    this.compressionStatsLoggingFrequency = Math.max(1, compressionStatsLoggingFrequency);
    this.rng = new NumpyRandomState(randomSeed);
  }

  /** Counts an iteration when the backward's last bucket is reduced. @internal */
  maybeIncreaseIter(bucket: GradBucket): void {
    if (bucket.isLast()) this.iter++;
  }

  /**
   * `[rate, numelBefore, numelAfter]`: the elements the hook was given and the elements it
   * sent, over every compressed iteration so far (rate 0 before any).
   * @example const [rate] = state.compressionStats();
   */
  compressionStats(): [number, number, number] {
    const before = this.totalNumelBeforeCompression;
    const after = this.totalNumelAfterCompression;
    return [after > 0 ? before / after : 0, before, after];
  }

  /** Frees the error feedback and the P and Q memories. @example state.dispose() */
  dispose(): void {
    for (const dict of [this.errorDict, this.pMemoryDict, this.qMemoryDict]) {
      for (const t of dict.values()) t.dispose();
      dict.clear();
    }
  }
}

/**
 * numpy's legacy `RandomState(seed).randint(high)`: MT19937 seeded by init_genrand, and
 * bounded integers by masked rejection. PyTorch's PowerSGD draws its seeds this way, and
 * flint must draw the same ones for its random Q matrices to equal PyTorch's.
 */
export class NumpyRandomState {
  private readonly state = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError('Seed must be between 0 and 2**32 - 1');
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) mt[i] = (Math.imul(1812433253, mt[i - 1] ^ (mt[i - 1] >>> 30)) + i) >>> 0;
  }

  private nextUint32(): number {
    const mt = this.state;
    if (this.index >= 624) {
      for (let i = 0; i < 624; i++) {
        const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
        mt[i] = mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** An integer in [0, high), as numpy's `randint(high)` for high ≤ 2^32. @example rng.randint(1_000_000_000) */
  randint(high: number): number {
    const range = high - 1;
    let mask = range;
    for (const shift of [1, 2, 4, 8, 16]) mask |= mask >>> shift;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0;
    while (value > range);
    return value;
  }
}

/**
 * Orthogonalizes the columns of each matrix of a [batch, n, r] tensor in place: Gram-Schmidt
 * for rank ≤ 2 and half precision, QR otherwise, as PyTorch's `_orthogonalize`.
 */
function orthogonalize(matrices: Tensor, epsilon: number): void {
  const rank = matrices.shape[2]!;
  if (rank <= 2 || matrices.dtype === float16 || matrices.dtype === bfloat16) {
    orthogonalizeGramSchmidt(matrices, epsilon);
    return;
  }
  const { Q, R } = qr(matrices);
  matrices.copy_(Q);
  Q.dispose();
  R.dispose();
}

function orthogonalizeGramSchmidt(matrices: Tensor, epsilon: number): void {
  const columns = matrices.shape[2]!;
  for (let i = 0; i < columns; i++) {
    const col = matrices.narrow(2, i, 1);
    const norm = col.norm(2, 1, true);
    if (epsilon !== 0) norm.add_(epsilon);
    col.div_(norm);
    norm.dispose();
    if (i + 1 < columns) {
      const rest = matrices.narrow(2, i + 1, columns - i - 1);
      const product = col.mul(rest);
      const projection = product.sum(1, true);
      const step = projection.mul(col);
      rest.sub_(step);
      for (const t of [product, projection, step, rest]) t.dispose();
    }
    col.dispose();
  }
}

function shouldCompress(rows: number, cols: number, rank: number, minCompressionRate: number): [boolean, number, number] {
  const uncompressed = rows * cols;
  const compressed = (rows + cols) * rank;
  return [compressed * minCompressionRate < uncompressed, uncompressed, compressed];
}

/**
 * PyTorch's `powerSGD_hook`: until `state.startPowerSGDIter` a plain average; then each
 * gradient matrix of the bucket worth compressing goes as rank-r factors P and Q (two
 * all-reduces of (n + m)·r numbers), and the rest in one plain all-reduce.
 * @example
 * const { powerSGD } = torch.distributed.algorithms.ddpCommHooks;
 * ddp.registerCommHook(new powerSGD.PowerSGDState(null, { startPowerSGDIter: 10 }), powerSGD.powerSGDHook);
 */
export function powerSGDHook(state: PowerSGDState, bucket: GradBucket): Future<Tensor> {
  const group = state.processGroup;
  const worldSize = group ? group.size() : getWorldSize();
  const input = bucket.buffer();
  if (state.iter < state.startPowerSGDIter) {
    state.maybeIncreaseIter(bucket);
    return allreduceHook(group, bucket);
  }
  return noGrad(() => compressBucket(state, bucket, input, group, worldSize));
}

function compressBucket(state: PowerSGDState, bucket: GradBucket, input: Tensor, group: ProcessGroup | null, worldSize: number): Future<Tensor> {
  const index = bucket.index();
  const { dtype, device } = input;
  let inputCopy: Tensor | null = null;
  if (state.useErrorFeedback) {
    const error = state.errorDict.get(index);
    if (error !== undefined) input.add_(error);
    else state.errorDict.set(index, zeros([input.shape[0]!], { dtype, device }));
    inputCopy = input.clone();
  }

  // Step I: the matrices worth compressing, and the rest.
  const gradients = bucket.gradients();
  const toCompress: Tensor[] = [];
  const uncompressed: Tensor[] = [];
  let totalPs = 0;
  let totalQs = 0;
  for (const g of gradients) {
    const n = g.shape[0] ?? 1;
    const m = g.numel() / Math.max(n, 1);
    const rank = Math.min(n, m, state.matrixApproximationRank);
    const [compress, before, after] = shouldCompress(n, m, rank, state.minCompressionRate);
    state.totalNumelBeforeCompression += before;
    if (compress) {
      toCompress.push(g.view(n, m));
      totalPs += n * rank;
      totalQs += m * rank;
      state.totalNumelAfterCompression += after;
    } else {
      uncompressed.push(g);
      state.totalNumelAfterCompression += before;
    }
  }

  // Step II: the uncompressed ones, as one buffer.
  const flats = uncompressed.map((g) => g.reshape(-1));
  const uncompressedMemory = flats.length > 0 ? cat(flats) : empty([0], { dtype, device });
  for (const f of flats) f.dispose();

  // Step III: P and Q memories (kept across iterations with warm start), and views of them.
  let randomizeQs = false;
  if (!state.warmStart || !state.pMemoryDict.has(index)) {
    randomizeQs = true;
    state.pMemoryDict.get(index)?.dispose();
    state.qMemoryDict.get(index)?.dispose();
    state.pMemoryDict.set(index, empty([totalPs], { dtype, device }));
    state.qMemoryDict.set(index, empty([totalQs], { dtype, device }));
  }
  const pMemory = state.pMemoryDict.get(index)!;
  const qMemory = state.qMemoryDict.get(index)!;
  // Same-shaped matrices go together, in the order their shapes first appear (PyTorch's dict).
  const byShape = new Map<string, Tensor[]>();
  for (const t of toCompress) {
    const key = t.shape.join('x');
    (byShape.get(key) ?? byShape.set(key, []).get(key)!).push(t);
  }
  const batches: { matrices: Tensor; originals: Tensor[] | null }[] = [];
  for (const list of byShape.values()) {
    if (state.batchTensorsWithSameShape && list.length > 1) batches.push({ matrices: stack(list), originals: list });
    else for (const t of list) batches.push({ matrices: t.unsqueeze(0), originals: null });
  }
  const ps: Tensor[] = [];
  const qs: Tensor[] = [];
  let pAt = 0;
  let qAt = 0;
  for (const { matrices } of batches) {
    const [batch, n, m] = [...matrices.shape] as [number, number, number];
    const rank = Math.min(n, m, state.matrixApproximationRank);
    const pRange = pMemory.narrow(0, pAt, batch * n * rank);
    const qRange = qMemory.narrow(0, qAt, batch * m * rank);
    ps.push(pRange.view(batch, n, rank));
    qs.push(qRange.view(batch, m, rank));
    pRange.dispose();
    qRange.dispose();
    pAt += batch * n * rank;
    qAt += batch * m * rank;
  }

  if (!randomizeQs) {
    for (const q of qs) orthogonalize(q, state.orthogonalizationEpsilon);
  } else {
    // One seed per bucket, the same on every rank; a generator of its own stands for
    // PyTorch's fork_rng, so the global stream is untouched.
    const generator = new Generator().manualSeed(state.rng.randint(1_000_000_000));
    for (const q of qs) {
      const values = randn(q.shape, { dtype, device: 'cpu', generator });
      q.copy_(values);
      values.dispose();
      orthogonalize(q, state.orthogonalizationEpsilon);
    }
  }

  // P = M·Q.
  batches.forEach(({ matrices }, i) => {
    const product = bmm(matrices, qs[i]);
    ps[i].copy_(product);
    product.dispose();
  });

  const release = (): void => {
    for (const t of [...gradients, ...toCompress, ...batches.map((b) => b.matrices), ...ps, ...qs]) t.dispose();
  };
  return allReduce(uncompressedMemory, { group })
    .getFuture()
    .then(() =>
      noGrad(() => {
        // The uncompressed gradients, averaged, back into the bucket.
        uncompressedMemory.div_(worldSize);
        let at = 0;
        for (const g of uncompressed) {
          const slice = uncompressedMemory.narrow(0, at, g.numel());
          const shaped = slice.view(g.shape);
          g.copy_(shaped);
          slice.dispose();
          shaped.dispose();
          at += g.numel();
        }
        uncompressedMemory.dispose();
        // P needs no division: it is orthogonalized next.
        allReduce(pMemory, { group }).wait();
        for (const p of ps) orthogonalize(p, state.orthogonalizationEpsilon);
        // Q = Mᵀ·P.
        batches.forEach(({ matrices }, i) => {
          const transposed = matrices.transpose(1, 2);
          const product = bmm(transposed, ps[i]);
          qs[i].copy_(product);
          transposed.dispose();
          product.dispose();
        });
        allReduce(qMemory, { group }).wait();
        qMemory.div_(worldSize);
        // M ≈ P·Qᵀ, written into the bucket.
        batches.forEach(({ matrices, originals }, i) => {
          const qt = qs[i].transpose(1, 2);
          const product = bmm(ps[i], qt);
          matrices.copy_(product);
          qt.dispose();
          product.dispose();
          originals?.forEach((original, k) => {
            const row = matrices.select(0, k);
            original.copy_(row);
            row.dispose();
          });
        });
        if (inputCopy !== null) {
          state.errorDict.get(index)?.dispose();
          state.errorDict.set(index, inputCopy.sub(input));
          inputCopy.dispose();
        }
        if (!state.warmStart) {
          // Only this bucket's: the other buckets' callbacks may not have run yet.
          for (const dict of [state.pMemoryDict, state.qMemoryDict]) {
            dict.get(index)?.dispose();
            dict.delete(index);
          }
        }
        release();
        state.maybeIncreaseIter(bucket);
        return input;
      }),
    );
}
