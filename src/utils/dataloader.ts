/**
 * `torch.utils.data.DataLoader`: batches of a dataset, drawn through a sampler, in the
 * calling thread or (`numWorkers > 0`) in worker threads. Each epoch draws PyTorch's base
 * seed (one int64) from the loader's generator when it starts, and a shuffling sampler
 * draws its own seed and `randperm` at the first batch, so the global random stream
 * advances exactly as PyTorch's does.
 */
import { argumentError, checkFunction, checkOptions, keysOf } from '../tensor/args.js';
import { CPU } from '../tensor/device.js';
import { checkGenerator, type Generator as TorchGenerator } from '../random/generator.js';
import { checkDataset, defaultCollate, type Collated, type MapDataset } from './data-core.js';
import { IterableDataset } from './datasets.js';
import { BatchSampler, RandomSampler, SequentialSampler, drawSeed } from './samplers.js';
import { iterableFetcher, mapBatchFetcher } from './fetch.js';
import { checkModuleRef, encodeDataset, type WorkerFunctionRef } from './worker-codec.js';
import { WorkerEpoch, WorkerLoaderIterator, WorkerPool, closeWhenCollected } from './worker-pool.js';
import { PROFILING, withEvent } from '../profiler/recorder.js';

/**
 * An epoch's batches, each fetch a profiler event under PyTorch's name for it when a
 * profile records (a training step's data loading then shows in its table).
 */
function* profiledBatches<B>(batches: Generator<B>): Generator<B> {
  try {
    for (;;) {
      const next = PROFILING.on ? withEvent('enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__', 'user_annotation', () => batches.next()) : batches.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    batches.return(undefined);
  }
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
  /**
   * Merges samples into a batch. With `numWorkers > 0`, a given function runs in the main
   * thread on the samples the workers send (a function cannot be sent to a thread); the
   * default collate runs in the workers.
   */
  collateFn?: ((batch: T[]) => B) | null;
  /**
   * Worker threads that load batches (default 0: the calling thread). With more than 0,
   * iterate with `for await`; the dataset must be one a worker can rebuild (see
   * `DataLoader`).
   */
  numWorkers?: number;
  /** Accepted for ported scripts; host memory is not pinned (CPU tensors need no pinning). */
  pinMemory?: boolean;
  /** Seconds to wait for a batch from the workers before failing (0, the default: forever), as PyTorch's. */
  timeout?: number;
  /**
   * `worker_init_fn`: called as `fn(workerId)` in each worker after it is seeded. Given as
   * `{ module, exportName }` (a closure cannot be sent to a thread); ignored with
   * `numWorkers: 0`, as PyTorch ignores it.
   */
  workerInitFn?: WorkerFunctionRef | ((workerId: number) => void) | null;
  /** Batches each worker loads ahead (default 2; only with `numWorkers > 0`). */
  prefetchFactor?: number;
  /** Keep the worker threads (and their dataset copies) across epochs. */
  persistentWorkers?: boolean;
}
const DATA_LOADER_KEYS = keysOf<DataLoaderOptions<unknown, unknown>>()(
  'batchSize', 'shuffle', 'sampler', 'batchSampler', 'dropLast', 'generator', 'collateFn', 'numWorkers', 'pinMemory',
  'timeout', 'workerInitFn', 'prefetchFactor', 'persistentWorkers',
);

function isModuleRef(value: unknown): value is WorkerFunctionRef {
  return value !== null && typeof value === 'object';
}

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
 * `torch.utils.data.DataLoader`. Each `for...of` over it is one epoch; `for await` does
 * the same and yields to the event loop between batches. With `shuffle`, every epoch is a
 * fresh `RandomSampler` permutation, the one PyTorch draws after the same
 * `torch.manualSeed` (or from `generator`).
 *
 * **Worker threads** (`numWorkers > 0`, PyTorch's worker processes): the main thread runs
 * the sampler and sends index batches to the workers round-robin, `prefetchFactor` per
 * worker in flight; each worker fetches its samples, collates them and sends the batch
 * back; batches come out in sampler order. Worker `i` seeds its global generator with the
 * epoch's base seed + `i` (PyTorch's per-worker seeds), then runs `workerInitFn(i)`;
 * `getWorkerInfo()` tells dataset code which worker it runs in. Differences from PyTorch:
 * - A worker's results arrive asynchronously, so iterate with
 *   `for await (const batch of loader)`; a plain `for...of` throws.
 * - Objects with methods cannot cross threads. A worker rebuilds a TensorDataset, Subset,
 *   ConcatDataset, StackDataset, ChainDataset or array of plain data from its parts (a
 *   TensorDataset's values are copied into SharedArrayBuffers that every worker reads,
 *   once each time workers start); any other dataset needs a `workerSpec()` method returning
 *   `{ module, exportName, args }` that constructs it (see `WorkerSpec`).
 * - `workerInitFn` is given as `{ module, exportName }`. A `collateFn` function runs in
 *   the main thread on the samples the workers send (the default collate runs in the
 *   workers).
 * - An error in a worker is re-thrown here ("Caught TypeError in DataLoader worker
 *   process 0 ...", with the worker's stack) and ends the epoch.
 * @example
 * const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 128, shuffle: true });
 * const same = new DataLoader(new TensorDataset(X, y), 128, { shuffle: true }); // batch_size positional
 * for (const [xb, yb] of loader) train(xb, yb);
 * const threaded = new DataLoader(new TensorDataset(X, y), { batchSize: 128, numWorkers: 2 });
 * for await (const [xb, yb] of threaded) train(xb, yb);
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
  readonly numWorkers: number;
  readonly prefetchFactor: number;
  readonly persistentWorkers: boolean;
  readonly timeout: number;
  readonly workerInitFn: WorkerFunctionRef | null;
  private readonly collateFn: ((batch: T[]) => B) | null;
  /** The persistent workers and how many epochs they have served. */
  private persistent: { pool: WorkerPool; epochs: number } | null = null;

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
    const { timeout = 0, workerInitFn = null, prefetchFactor = null, persistentWorkers = false } = options;
    if (typeof pinMemory !== 'boolean') throw argumentError('DataLoader', 'pinMemory', 'a boolean', pinMemory);
    if (typeof numWorkers !== 'number' || !Number.isInteger(numWorkers)) {
      throw argumentError('DataLoader', 'numWorkers', 'a non-negative integer', numWorkers);
    }
    if (numWorkers < 0) throw new RangeError('num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.');
    if (typeof timeout !== 'number' || Number.isNaN(timeout)) throw argumentError('DataLoader', 'timeout', 'a number of seconds', timeout);
    if (timeout < 0) throw new RangeError('timeout option should be non-negative');
    if (prefetchFactor !== null) {
      if (numWorkers === 0 && prefetchFactor !== 2) {
        throw new Error('prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to enable multiprocessing.');
      }
      if (typeof prefetchFactor !== 'number' || !Number.isInteger(prefetchFactor) || prefetchFactor <= 0) {
        throw new RangeError(`prefetch_factor should be a positive integer value, but got prefetch_factor=${String(prefetchFactor)}`);
      }
    }
    if (typeof persistentWorkers !== 'boolean') throw argumentError('DataLoader', 'persistentWorkers', 'a boolean', persistentWorkers);
    if (persistentWorkers && numWorkers === 0) throw new Error('persistent_workers option needs num_workers > 0');
    if (collateFn !== null) checkFunction(collateFn, 'DataLoader', 'collateFn');
    if (workerInitFn !== null && numWorkers > 0) {
      if (typeof workerInitFn === 'function') {
        throw new TypeError(
          'DataLoader(): workerInitFn must be { module, exportName } naming an exported function (e.g. ' +
            "{ module: import.meta.url, exportName: 'seedWorker' }): a function's closure cannot be sent to a worker thread",
        );
      }
      checkModuleRef(workerInitFn, 'DataLoader(): workerInitFn');
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
    // Fail now, not at the first epoch, for a dataset the workers could not rebuild.
    if (numWorkers > 0) encodeDataset(dataset, { check: true, what: 'the dataset' });
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle ?? false;
    this.dropLast = dropLast;
    this.collateFn = collateFn;
    this.numWorkers = numWorkers;
    this.prefetchFactor = prefetchFactor ?? 2;
    this.persistentWorkers = persistentWorkers;
    this.timeout = timeout;
    this.workerInitFn = numWorkers > 0 && isModuleRef(workerInitFn) ? workerInitFn : null;
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
   * Starts an epoch in this thread: draws the base seed now, as PyTorch's iterator does
   * when created; the sampler draws its order at the first batch. With `numWorkers > 0`
   * it throws: worker threads answer asynchronously, so use `for await`.
   * @example const it = loader[Symbol.iterator](); const first = it.next().value;
   */
  [Symbol.iterator](): Iterator<B> {
    if (this.numWorkers > 0) {
      throw new Error(
        `DataLoader with numWorkers: ${this.numWorkers} loads batches in worker threads, whose results arrive asynchronously: ` +
          'iterate it with `for await (const batch of loader)` (a plain for...of needs numWorkers: 0)',
      );
    }
    drawSeed(this.generator);
    if (this.sampler === null) return profiledBatches(this.streamBatches());
    return profiledBatches(this.batchSampler !== null ? this.indexedBatches(this.batchSampler) : this.singleSamples(this.sampler));
  }

  /**
   * One epoch for `for await`. With `numWorkers: 0` each batch comes after a turn of the
   * event loop, so a long epoch does not starve timers and I/O. With worker threads, the
   * base seed is drawn and the first `prefetchFactor * numWorkers` index batches are sent
   * when this is called (as PyTorch's iterator does when created); persistent workers
   * draw it once, for their first epoch only, as PyTorch's reused iterator does.
   * @example for await (const [x, y] of loader) await step(x, y);
   */
  [Symbol.asyncIterator](): AsyncIterator<B> {
    if (this.numWorkers === 0) return this.inThread();
    let pool: WorkerPool;
    let epoch = 0;
    if (this.persistent !== null && !this.persistent.pool.closed) {
      pool = this.persistent.pool;
      epoch = ++this.persistent.epochs;
    } else {
      pool = this.startWorkers(drawSeed(this.generator));
      if (this.persistentWorkers) {
        this.persistent = { pool, epochs: 0 };
        closeWhenCollected(this, pool);
      }
    }
    const indices = this.sampler === null ? null : ((this.batchSampler ?? this.sampler) as Iterable<number[] | number>)[Symbol.iterator]();
    const collateHere = this.collateFn as ((batch: unknown) => B) | null;
    let run: WorkerEpoch<B>;
    try {
      run = new WorkerEpoch<B>({
        pool, epoch, indices, prefetchFactor: this.prefetchFactor, collateHere, timeout: this.timeout, persistent: this.persistentWorkers,
      });
    } catch (e) {
      // The sampler threw while the first tasks were sent.
      if (!this.persistentWorkers) void pool.close();
      throw e;
    }
    const iterator = new WorkerLoaderIterator(run);
    if (!this.persistentWorkers) closeWhenCollected(iterator, pool);
    return iterator;
  }

  /**
   * Terminates the loader's persistent worker threads now (they also go when the loader
   * is garbage collected, and never keep the process from exiting). PyTorch frees them
   * when the loader is deleted; JS has no destructor, so `await using` does it here.
   * @example
   * await using loader = new DataLoader(ds, { batchSize: 8, numWorkers: 2, persistentWorkers: true });
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const persistent = this.persistent;
    this.persistent = null;
    if (persistent !== null) await persistent.pool.close();
  }

  private startWorkers(baseSeed: bigint): WorkerPool {
    // Encoded at each start, as PyTorch's workers get the dataset as it is when the iterator
    // starts: its tensors are copied once into shared memory that all the workers read.
    return new WorkerPool({
      numWorkers: this.numWorkers,
      baseSeed,
      dataset: encodeDataset(this.dataset, { shared: true, what: 'the dataset' }),
      initFn: this.workerInitFn,
      collate: this.collateFn !== null ? 'main' : 'default',
      iterable: this.sampler === null,
      autoCollation: this.sampler === null ? this.batchSize !== null : this.batchSampler !== null,
      batchSize: this.batchSize,
      dropLast: this.dropLast,
    });
  }

  private async *inThread(): AsyncGenerator<B> {
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
    const fetch = mapBatchFetcher(this.dataset as MapDataset<T>, this.collateFn);
    for (const indices of batchSampler) yield fetch(indices);
  }

  private *streamBatches(): Generator<B> {
    const { batchSize, collateFn } = this;
    const next = iterableFetcher(this.dataset as Iterable<T>, batchSize, this.dropLast);
    const collate = collateFn ?? (defaultCollate as unknown as (batch: T[]) => B);
    for (let got = next(); got !== null; got = next()) {
      if (batchSize === null) yield (collateFn ? collateFn(got.value as unknown as T[]) : got.value) as B;
      else yield collate(got.value as T[]);
    }
  }
}
