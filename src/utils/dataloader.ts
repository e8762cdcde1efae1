/**
 * `torch.utils.data.DataLoader`: batches of a dataset, drawn through a sampler, in the
 * calling thread. Each epoch draws PyTorch's base seed (one int64) from the loader's
 * generator when it starts, and a shuffling sampler draws its own seed and `randperm`
 * at the first batch, so the global random stream advances exactly as PyTorch's does.
 */
import { Tensor } from '../tensor/tensor.js';
import { int64 } from '../tensor/dtype.js';
import { tensor } from '../tensor/creation.js';
import { indexSelect } from '../ops/indexing.js';
import { argumentError, checkFunction, checkOptions, keysOf } from '../tensor/args.js';
import { CPU } from '../tensor/device.js';
import { checkGenerator, type Generator as TorchGenerator } from '../random/generator.js';
import { Subset, TensorDataset, checkDataset, defaultCollate, type Collated, type MapDataset } from './data-core.js';
import { IterableDataset } from './datasets.js';
import { BatchSampler, RandomSampler, SequentialSampler, drawSeed } from './samplers.js';

/**
 * The tensors behind a dataset and the rows its samples map to, when the dataset is a
 * TensorDataset (or Subsets of one) whose `at` was not overridden, so that a batch can
 * be one `indexSelect` per tensor.
 */
function tensorSource(dataset: MapDataset<unknown>): { tensors: Tensor[]; rows: (i: number) => number } | null {
  if (dataset instanceof TensorDataset && dataset.at === TensorDataset.prototype.at) {
    return { tensors: dataset.tensors, rows: (i) => i };
  }
  if (dataset instanceof Subset && dataset.at === Subset.prototype.at) {
    const inner = tensorSource(dataset.dataset);
    if (inner === null) return null;
    const indices = dataset.indices;
    return { tensors: inner.tensors, rows: (i) => inner.rows(indices[i]) };
  }
  return null;
}


/**
 * Options of `DataLoader`, as PyTorch's keyword arguments. With `batchSize: null`,
 * samples come one at a time, uncollated (or through `collateFn` one by one).
 * @example const options: DataLoaderOptions<Tensor[], Tensor[]> = { batchSize: 32, shuffle: true };
 */
export interface DataLoaderOptions<T, B> {
  batchSize?: number | null;
  shuffle?: boolean | null;
  /** Where indices come from (mutually exclusive with `shuffle`). */
  sampler?: Iterable<number> | null;
  /** Where whole batches of indices come from (excludes batchSize, shuffle, sampler, dropLast). */
  batchSampler?: Iterable<number[]> | null;
  dropLast?: boolean;
  generator?: TorchGenerator | null;
  collateFn?: ((batch: T[]) => B) | null;
  /** Only 0, the default: flint loads batches in the calling thread. */
  numWorkers?: number;
  /** Accepted for ported scripts; host memory is not pinned (CPU tensors need no pinning). */
  pinMemory?: boolean;
}
const DATA_LOADER_KEYS = keysOf<DataLoaderOptions<unknown, unknown>>()(
  'batchSize', 'shuffle', 'sampler', 'batchSampler', 'dropLast', 'generator', 'collateFn', 'numWorkers', 'pinMemory',
);

function isIterable(value: unknown): value is Iterable<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/** Python's repr of an option value in PyTorch's messages (True/False/None). */
function pyRepr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  return String(value);
}

/**
 * `torch.utils.data.DataLoader` (single process). Each `for...of` over it is one epoch;
 * `for await` does the same and yields to the event loop between batches. With
 * `shuffle`, every epoch is a fresh `RandomSampler` permutation, the one PyTorch draws
 * after the same `torch.manualSeed` (or from `generator`).
 * @example
 * const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 128, shuffle: true });
 * const same = new DataLoader(new TensorDataset(X, y), 128, { shuffle: true }); // batch_size positional
 * for (const [xb, yb] of loader) train(xb, yb);
 */
export class DataLoader<T = unknown, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: MapDataset<T> | Iterable<T>;
  readonly batchSize: number | null;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: TorchGenerator | null;
  /** The index sampler (PyTorch's `loader.sampler`); null for an IterableDataset. */
  readonly sampler: Iterable<number> | null;
  /** The batch sampler; null when batches are not built from indices. */
  readonly batchSampler: Iterable<number[]> | null;
  private readonly collateFn: ((batch: T[]) => B) | null;

  constructor(
    dataset: MapDataset<T> | IterableDataset<T>,
    batchSizeOrOptions?: number | null | DataLoaderOptions<T, B>,
    options?: DataLoaderOptions<T, B>,
  ) {
    const iterableStyle = dataset instanceof IterableDataset;
    if (!iterableStyle) checkDataset(dataset, 'DataLoader');
    // PyTorch's second positional argument is batch_size: DataLoader(ds, 10, { shuffle }).
    if (typeof batchSizeOrOptions === 'number' || batchSizeOrOptions === null) {
      checkOptions(options, 'DataLoader', DATA_LOADER_KEYS);
      if (options?.batchSize !== undefined) throw new TypeError("DataLoader(): got multiple values for argument 'batch_size'");
      options = { ...options, batchSize: batchSizeOrOptions };
    } else {
      if (options !== undefined) throw argumentError('DataLoader', 'batchSize', 'a number or null (the options come third)', batchSizeOrOptions);
      options = batchSizeOrOptions ?? {};
    }
    checkOptions(options, 'DataLoader', DATA_LOADER_KEYS);
    let { batchSize = 1, shuffle = null, dropLast = false } = options;
    const { sampler = null, batchSampler = null, generator = null, collateFn = null, numWorkers = 0, pinMemory = false } = options;
    if (collateFn !== null) checkFunction(collateFn, 'DataLoader', 'collateFn');
    if (typeof pinMemory !== 'boolean') throw argumentError('DataLoader', 'pinMemory', 'a boolean', pinMemory);
    if (numWorkers !== 0) {
      if (typeof numWorkers !== 'number' || !Number.isInteger(numWorkers)) {
        throw argumentError('DataLoader', 'numWorkers', 'a non-negative integer', numWorkers);
      }
      if (numWorkers < 0) throw new RangeError('num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.');
      throw new Error(`DataLoader(): numWorkers: ${numWorkers} is not supported: flint loads batches in the calling thread (numWorkers: 0)`);
    }
    if (shuffle !== null && typeof shuffle !== 'boolean') throw new TypeError(`shuffle should be a boolean value, but got shuffle=${shuffle}`);
    if (typeof dropLast !== 'boolean') throw new TypeError(`drop_last should be a boolean value, but got drop_last=${dropLast}`);
    if (sampler !== null && !isIterable(sampler)) throw argumentError('DataLoader', 'sampler', 'an iterable of indices (a Sampler)', sampler);
    if (batchSampler !== null && !isIterable(batchSampler)) {
      throw argumentError('DataLoader', 'batchSampler', 'an iterable of index arrays (a BatchSampler)', batchSampler);
    }
    this.generator = checkGenerator(generator, 'DataLoader', CPU);

    if (iterableStyle) {
      if (shuffle) throw new Error(`DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=${pyRepr(shuffle)}`);
      if (sampler !== null) throw new Error(`DataLoader with IterableDataset: expected unspecified sampler option, but got sampler=${String(sampler)}`);
      if (batchSampler !== null) {
        throw new Error(`DataLoader with IterableDataset: expected unspecified batch_sampler option, but got batch_sampler=${String(batchSampler)}`);
      }
    }
    if (sampler !== null && shuffle) throw new Error('sampler option is mutually exclusive with shuffle');
    if (batchSampler !== null) {
      if (batchSize !== 1 || shuffle || sampler !== null || dropLast) {
        throw new Error('batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last');
      }
      batchSize = null;
      dropLast = false;
    } else if (batchSize === null && dropLast) {
      throw new Error('batch_size=None option disables auto-batching and is mutually exclusive with drop_last');
    }
    if (batchSize !== null && (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize <= 0)) {
      throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${batchSize}`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle ?? false;
    this.dropLast = dropLast;
    this.collateFn = collateFn;
    if (iterableStyle) {
      this.sampler = null;
      this.batchSampler = null;
    } else {
      const map = dataset as MapDataset<T>;
      this.sampler = sampler ?? (shuffle ? new RandomSampler(map, { generator: this.generator }) : new SequentialSampler(map));
      this.batchSampler = batchSampler ?? (batchSize !== null ? new BatchSampler(this.sampler, batchSize, dropLast) : null);
    }
  }

  /** Batches per epoch, as `len(loader)`. @example new DataLoader(ds, { batchSize: 4 }).length */
  get length(): number {
    if (this.sampler === null) {
      const n = (this.dataset as Partial<MapDataset<T>>).length;
      if (typeof n !== 'number') throw new TypeError("object of type 'DataLoader' has no len() (its IterableDataset has none)");
      if (this.batchSize === null) return n;
      return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    }
    const index = (this.batchSampler ?? this.sampler) as Partial<MapDataset<unknown>>;
    if (typeof index.length !== 'number') throw new TypeError("object of type 'DataLoader' has no len() (its sampler has none)");
    return index.length;
  }

  /**
   * Starts an epoch: draws the base seed now, as PyTorch's iterator does when created;
   * the sampler draws its order at the first batch.
   * @example const it = loader[Symbol.iterator](); const first = it.next().value;
   */
  [Symbol.iterator](): Iterator<B> {
    drawSeed(this.generator);
    if (this.sampler === null) return this.streamBatches();
    return this.batchSampler !== null ? this.indexedBatches(this.batchSampler) : this.singleSamples(this.sampler);
  }

  /**
   * The same epoch for `for await`: each batch comes after a turn of the event loop, so
   * a long epoch does not starve timers and I/O.
   * @example for await (const [x, y] of loader) await step(x, y);
   */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const batches = this[Symbol.iterator]();
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const next = batches.next();
      if (next.done) return;
      yield next.value;
    }
  }

  private *singleSamples(sampler: Iterable<number>): Generator<B> {
    const { dataset, collateFn } = this;
    for (const i of sampler) {
      const sample = (dataset as MapDataset<T>).at(i);
      yield (collateFn ? collateFn(sample as unknown as T[]) : sample) as B;
    }
  }

  private *indexedBatches(batchSampler: Iterable<number[]>): Generator<B> {
    const dataset = this.dataset as MapDataset<T>;
    const source = this.collateFn === null ? tensorSource(dataset) : null;
    const collate = this.collateFn ?? (defaultCollate as unknown as (batch: T[]) => B);
    for (const indices of batchSampler) {
      if (source === null) {
        yield collate(indices.map((i) => dataset.at(i)));
        continue;
      }
      // The index lives where the data does (a GPU dataset is indexed on the GPU).
      const device = source.tensors[0].device;
      const index = tensor(Float64Array.from(indices, source.rows), { dtype: int64, device });
      try {
        yield source.tensors.map((t) => indexSelect(t, 0, t.device === device ? index : index.to(t.device))) as B;
      } finally {
        index.dispose();
      }
    }
  }

  private *streamBatches(): Generator<B> {
    const { batchSize, dropLast } = this;
    const collate = this.collateFn ?? (defaultCollate as unknown as (batch: T[]) => B);
    if (batchSize === null) {
      for (const sample of this.dataset as Iterable<T>) yield (this.collateFn ? this.collateFn(sample as unknown as T[]) : sample) as B;
      return;
    }
    let batch: T[] = [];
    for (const sample of this.dataset as Iterable<T>) {
      batch.push(sample);
      if (batch.length === batchSize) {
        yield collate(batch);
        batch = [];
      }
    }
    if (batch.length > 0 && !dropLast) yield collate(batch);
  }
}
