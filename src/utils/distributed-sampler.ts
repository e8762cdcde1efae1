/**
 * `torch.utils.data.distributed.DistributedSampler`, as PyTorch 1.13's: each of
 * `numReplicas` processes iterates its own `rank`-strided share of one permutation (or of
 * 0..n-1), padded by wrapping around or truncated so that every share has the same length.
 * The permutation is `randperm` on a fresh Generator seeded with `seed + epoch`, so the
 * shares are PyTorch's for the same seed and epoch.
 */
import { Generator } from '../random/generator.js';
import { randperm } from '../random/sampling.js';
import { argumentError, checkOptions, keysOf } from '../tensor/args.js';
import { Sampler, type Sized } from './samplers.js';

/** What the distributed package registers: the default group's size, rank and state. */
interface DistributedDefaults {
  getWorldSize: () => number;
  getRank: () => number;
  isInitialized: () => boolean;
}

/** Null until the distributed package registers itself (PyTorch's `dist.is_available()`). */
let defaults: DistributedDefaults | null = null;

/**
 * Lets the distributed package supply the default process group's world size and rank,
 * which a `DistributedSampler` built without `numReplicas` or `rank` asks for (PyTorch's
 * `dist.get_world_size()` and `dist.get_rank()`). Until it is called, such a sampler throws
 * "Requires distributed package to be available". @internal
 * @example
 * registerDistributedDefaults(getWorldSize, getRank, isInitialized);
 * new DistributedSampler(ds); // numReplicas = getWorldSize(), rank = getRank()
 */
export function registerDistributedDefaults(getWorldSize: () => number, getRank: () => number, isInitialized: () => boolean): void {
  for (const [name, fn] of [['getWorldSize', getWorldSize], ['getRank', getRank], ['isInitialized', isInitialized]] as const) {
    if (typeof fn !== 'function') throw argumentError('registerDistributedDefaults', name, 'a function', fn);
  }
  defaults = { getWorldSize, getRank, isInitialized };
}

/** The default process group's value, or PyTorch's errors when there is none. */
function fromDefaultGroup(pick: (d: DistributedDefaults) => number): number {
  if (defaults === null) throw new Error('Requires distributed package to be available');
  if (!defaults.isInitialized()) {
    throw new Error('Default process group has not been initialized, please make sure to call initProcessGroup.');
  }
  return pick(defaults);
}

/**
 * DistributedSampler's keyword arguments.
 * @example const options: DistributedSamplerOptions = { numReplicas: 4, rank: 1, seed: 7, dropLast: true };
 */
export interface DistributedSamplerOptions {
  /** Processes taking part; by default the default process group's world size. */
  numReplicas?: number | null;
  /** This process's rank, in [0, numReplicas - 1]; by default its rank in the default group. */
  rank?: number | null;
  /** Whether each epoch visits a permutation (default true) rather than 0..n-1. */
  shuffle?: boolean;
  /** The permutation's seed (epoch `e` uses `seed + e`); the same on every rank. Default 0. */
  seed?: number | bigint;
  /** Drop the tail so the shares divide evenly (true), or pad by wrapping around (false, the default). */
  dropLast?: boolean;
}

const DISTRIBUTED_SAMPLER_KEYS = keysOf<DistributedSamplerOptions>()('numReplicas', 'rank', 'shuffle', 'seed', 'dropLast');

function checkInt(value: unknown, fn: string, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw argumentError(fn, name, 'an integer', value);
  return value;
}

function checkBool(value: unknown, fn: string, name: string): boolean {
  if (typeof value !== 'boolean') throw argumentError(fn, name, 'a boolean', value);
  return value;
}

/**
 * `torch.utils.data.distributed.DistributedSampler` (also `torch.utils.data.DistributedSampler`):
 * restricts each process to its own share of the dataset, for data-parallel training. Every
 * rank must use the same `seed`, and call `setEpoch(epoch)` before each epoch's iteration,
 * or every epoch repeats the same order. With `dropLast: false` (the default) the share of
 * each rank is `ceil(n / numReplicas)` long, the permutation padded with its own first
 * indices; with `dropLast: true` it is `floor(n / numReplicas)` long, the tail dropped.
 * @example
 * const sampler = new torch.utils.data.distributed.DistributedSampler(ds, { numReplicas: 2, rank: 0, seed: 42 });
 * const loader = new DataLoader(ds, { batchSize: 32, sampler });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   sampler.setEpoch(epoch);
 *   for (const [xb, yb] of loader) train(xb, yb);
 * }
 */
export class DistributedSampler extends Sampler<number> {
  readonly dataset: Sized;
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number | bigint;
  readonly dropLast: boolean;
  /** The indices each rank iterates per epoch (`len(sampler)`). */
  readonly numSamples: number;
  /** `numSamples * numReplicas`: the padded or truncated length of the whole epoch. */
  readonly totalSize: number;
  /** The epoch `setEpoch` last set (0 at first); the permutation's seed is `seed + epoch`. */
  epoch = 0;

  constructor(dataset: Sized, options: DistributedSamplerOptions = {}) {
    super();
    const fn = 'DistributedSampler';
    const d = dataset as Partial<Sized> | null;
    if (d === null || (typeof d !== 'object' && typeof d !== 'function') || typeof d.length !== 'number') {
      throw argumentError(fn, 'dataset', 'a dataset (an object with a length, such as an array)', dataset);
    }
    checkOptions(options, fn, DISTRIBUTED_SAMPLER_KEYS);
    const { shuffle = true, seed = 0, dropLast = false } = options ?? {};
    let { numReplicas = null, rank = null } = options ?? {};
    if (numReplicas === null) numReplicas = fromDefaultGroup((g) => g.getWorldSize());
    if (rank === null) rank = fromDefaultGroup((g) => g.getRank());
    checkInt(numReplicas, fn, 'numReplicas');
    checkInt(rank, fn, 'rank');
    if (typeof seed !== 'bigint') checkInt(seed, fn, 'seed');
    if (rank >= numReplicas || rank < 0) {
      throw new RangeError(`Invalid rank ${rank}, rank should be in the interval [0, ${numReplicas - 1}]`);
    }
    this.dataset = dataset;
    this.numReplicas = numReplicas;
    this.rank = rank;
    this.dropLast = checkBool(dropLast, fn, 'dropLast');
    const n = dataset.length;
    // An evenly divisible length drops nothing; otherwise drop to the nearest length that
    // divides evenly. (`+ 0` turns Math.ceil's -0 for n < numReplicas into Python's 0.)
    this.numSamples =
      this.dropLast && n % numReplicas !== 0 ? Math.ceil((n - numReplicas) / numReplicas) + 0 : Math.ceil(n / numReplicas);
    this.totalSize = this.numSamples * numReplicas;
    this.shuffle = checkBool(shuffle, fn, 'shuffle');
    this.seed = seed;
  }

  /**
   * This rank's indices for the current epoch.
   * @example [...new DistributedSampler([...'abcde'], { numReplicas: 2, rank: 1, shuffle: false })] // [1, 3, 0]
   */
  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataset.length;
    let indices: number[];
    if (this.shuffle) {
      // Deterministic in seed and epoch, so every rank draws the same permutation.
      const g = new Generator().manualSeed(BigInt(this.seed) + BigInt(this.epoch));
      const perm = randperm(n, { generator: g });
      indices = Array.from(perm.dataSync() as BigInt64Array, Number);
      perm.dispose();
    } else {
      indices = Array.from({ length: n }, (_, i) => i);
    }
    if (!this.dropLast) {
      // Pad with the first indices (repeated as often as needed) to divide evenly.
      const paddingSize = this.totalSize - indices.length;
      if (paddingSize <= indices.length) {
        indices = indices.concat(indices.slice(0, paddingSize));
      } else {
        checkSize(indices.length > 0, this.totalSize, n);
        const copies = Math.ceil(paddingSize / indices.length);
        indices = indices.concat(Array.from({ length: copies }, () => indices).flat().slice(0, paddingSize));
      }
    } else {
      indices = indices.slice(0, this.totalSize);
    }
    checkSize(indices.length === this.totalSize, this.totalSize, n);
    for (let i = this.rank; i < this.totalSize; i += this.numReplicas) yield indices[i];
  }

  /**
   * The indices per epoch on this rank (`len(sampler)`): `numSamples`.
   * @example new DistributedSampler({ length: 10 }, { numReplicas: 3, rank: 0 }).length // 4
   */
  get length(): number {
    return this.numSamples;
  }

  /**
   * Sets the epoch, whose permutation the next iteration uses (`seed + epoch`). Call it on
   * every rank before each epoch; otherwise every epoch has the same order.
   * @example sampler.setEpoch(3);
   */
  setEpoch(epoch: number): void {
    this.epoch = checkInt(epoch, 'setEpoch', 'epoch');
  }
}

/** PyTorch's `assert len(indices) == self.total_size`, which a dataset that changed length fails. */
function checkSize(ok: boolean, totalSize: number, n: number): void {
  if (!ok) {
    throw new Error(
      `DistributedSampler: the dataset's length is ${n} but the sampler was built for ${totalSize} indices in all; ` +
        'the dataset must keep its size (PyTorch: AssertionError)',
    );
  }
}
