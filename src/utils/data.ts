/**
 * `torch.utils.data`: map-style datasets, `DataLoader` batching/shuffling and
 * `randomSplit`. Python's `__getitem__`/`__len__` become `at(index)`/`length`, so a plain
 * JS array is already a dataset.
 */
import { Tensor } from '../tensor/tensor.js';
import { bool, float64, int64 } from '../tensor/dtype.js';
import { randint, tensor } from '../tensor/creation.js';
import { indexSelect, select } from '../ops/indexing.js';
import { stack } from '../ops/shape.js';
import { argumentError, checkFunction, checkOptions, checkTensor, keysOf } from '../tensor/args.js';

/** Throws unless `dataset` has `at(index)` and a numeric `length`, as every loader needs. */
function checkDataset(dataset: unknown, fn: string): void {
  const d = dataset as MapDataset<unknown> | null;
  if (d === null || (typeof d !== 'object' && typeof d !== 'function') || typeof d.at !== 'function' || typeof d.length !== 'number') {
    throw argumentError(fn, 'dataset', 'a dataset (an object with at(index) and length, such as an array)', dataset);
  }
}

/**
 * Anything with `at(index)` and `length`: a `Dataset`, or a plain array.
 * @example const ds: MapDataset<number> = [1, 2, 3];
 */
export interface MapDataset<T> {
  at(index: number): T;
  readonly length: number;
}

/**
 * A seed for a private random stream, standing in for a `torch.Generator` that was
 * `manual_seed`ed: a number or `{ seed }`. Each loader or split that gets one starts its
 * own stream, so passing the same seed again repeats the same orders.
 * @example new DataLoader(ds, { shuffle: true, generator: 42 })
 */
export type GeneratorLike = number | { seed: number };

/**
 * What `defaultCollate` makes of a batch of `T`: tensors and numbers become one tensor
 * per leaf, arrays and plain objects keep their structure.
 * @example type B = Collated<[Tensor, number]>; // [Tensor, Tensor]
 */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean | bigint
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { [K in keyof T]: Collated<T[K]> }
          : never;

/** Python's sequence indexing: negatives count from the end, anything else out of range throws. */
function pyIndex(index: number, length: number): number {
  if (!Number.isInteger(index)) throw new TypeError(`indices must be integers, not ${index}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) throw new RangeError(`index ${index} is out of range for a dataset of length ${length}`);
  return i;
}

/**
 * `torch.utils.data.Dataset`: subclass it, implement `at` and `length`. Iterating one
 * yields its samples in order.
 * @example
 * class Squares extends Dataset<number> {
 *   at(i: number) { return i * i; }
 *   get length() { return 10; }
 * }
 */
export abstract class Dataset<T> implements MapDataset<T>, Iterable<T> {
  abstract at(index: number): T;
  abstract get length(): number;

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}

/**
 * `torch.utils.data.TensorDataset`: sample `i` is row `i` of every tensor. `DataLoader`
 * batches it with one `indexSelect` per tensor rather than stacking rows.
 * @example
 * const ds = new TensorDataset(torch.rand(100, 3), torch.randint(0, 2, [100]));
 * const [x, y] = ds.at(0);
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    tensors.forEach((t, i) => checkTensor(t, 'TensorDataset', `tensors[${i}]`));
    // PyTorch only fails later, on len(); failing here points at the real mistake.
    if (tensors.length === 0) throw new Error('TensorDataset needs at least one tensor');
    const n = tensors[0].size(0);
    if (!tensors.every((t) => t.size(0) === n)) throw new Error('Size mismatch between tensors');
    this.tensors = tensors;
  }

  at(index: number): Tensor[] {
    return this.tensors.map((t) => select(t, 0, index));
  }

  get length(): number {
    return this.tensors[0].size(0);
  }
}

/**
 * `torch.utils.data.Subset`: the samples of `dataset` at `indices`, in that order.
 * @example const firstTen = new Subset(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 */
export class Subset<T> extends Dataset<T> {
  constructor(
    readonly dataset: MapDataset<T>,
    readonly indices: number[],
  ) {
    super();
    checkDataset(dataset, 'Subset');
    if (!Array.isArray(indices)) throw argumentError('Subset', 'indices', 'an array of integers', indices);
  }

  at(index: number): T {
    return this.dataset.at(this.indices[pyIndex(index, this.indices.length)]);
  }

  get length(): number {
    return this.indices.length;
  }
}

/**
 * sfc32 with its state expanded from the seed by splitmix32, returning 53-bit uniforms.
 * It is tiny, fast and passes PractRand; nearby seeds give unrelated streams.
 */
function makeRng(seed: number): () => number {
  let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) | 0, 0x27d4eb2d);
  const mix = (): number => {
    x = (x + 0x9e3779b9) | 0;
    let z = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) | 0;
  };
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  const next32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  };
  return () => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
}

/**
 * Where each shuffle's seed comes from. Without a generator it is one draw from flint's
 * global generator, as PyTorch's RandomSampler draws one int64 per epoch, so
 * `torch.manualSeed` makes the orders reproducible.
 */
function seedStream(generator: GeneratorLike | undefined): () => number {
  if (generator === undefined) {
    return () => {
      const draw = randint(0, 2 ** 31 - 1, [1]);
      const seed = Number(draw.item());
      draw.dispose();
      return seed;
    };
  }
  const seed = typeof generator === 'number' ? generator : generator?.seed;
  if (!Number.isSafeInteger(seed)) throw new TypeError(`generator seed must be an integer, but got ${seed}`);
  const rng = makeRng(seed);
  return () => Math.floor(rng() * (2 ** 31 - 1));
}

/**
 * A permutation of 0..n-1 by Fisher–Yates. It is not the permutation PyTorch's
 * `randperm` gives for the same seed: flint has no `randperm` yet.
 */
function permutation(n: number, seed: number): Float64Array {
  const order = new Float64Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = makeRng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'Object';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * `torch.utils.data.default_collate`: stacks tensors, turns numbers into one tensor and
 * collates arrays per position and plain objects per key. JS has one number type, so
 * whole numbers (even `1.0`) give int64 and any fraction gives float64 for the batch,
 * where PyTorch goes by the Python type of the first element.
 * @example defaultCollate([{ x: 1 }, { x: 2 }]) // { x: tensor([1, 2]) }
 */
export function defaultCollate<T>(batch: T[]): Collated<T> {
  const elem: unknown = batch[0];
  const out = ((): unknown => {
    if (elem instanceof Tensor) return stack(batch as Tensor[], 0);
    if (typeof elem === 'number') {
      const values = batch as number[];
      return tensor(values, { dtype: values.every(Number.isInteger) ? int64 : float64 });
    }
    if (typeof elem === 'boolean') return tensor(batch as boolean[], { dtype: bool });
    if (typeof elem === 'bigint') return tensor(BigInt64Array.from(batch as bigint[]));
    if (typeof elem === 'string') return batch;
    if (Array.isArray(elem)) {
      const size = elem.length;
      if (!(batch as unknown[][]).every((sample) => sample.length === size)) {
        throw new Error('each element in list of batch should be of equal size');
      }
      return elem.map((_, i) => defaultCollate((batch as unknown[][]).map((sample) => sample[i])));
    }
    if (isPlainObject(elem)) {
      const samples = batch as Record<string, unknown>[];
      return Object.fromEntries(Object.keys(elem).map((key) => [key, defaultCollate(samples.map((s) => s[key]))]));
    }
    throw new TypeError(
      `default_collate: batch must contain tensors, numbers, dicts or lists; found ${typeName(elem)}`,
    );
  })();
  return out as Collated<T>;
}

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
  shuffle?: boolean;
  dropLast?: boolean;
  generator?: GeneratorLike;
  collateFn?: (batch: T[]) => B;
  /** Only 0, the default: flint loads batches in the calling thread. */
  numWorkers?: number;
}
const DATA_LOADER_KEYS = keysOf<DataLoaderOptions<unknown, unknown>>()('batchSize', 'shuffle', 'dropLast', 'generator', 'collateFn', 'numWorkers');

/**
 * `torch.utils.data.DataLoader` (single process). Each `for...of` over it is one epoch;
 * with `shuffle` every epoch draws a fresh order, reproducible from `torch.manualSeed`
 * or `generator`. Orders differ from PyTorch's for the same seed (no `randperm` in flint
 * yet), but cover every sample exactly once per epoch.
 * @example
 * const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 128, shuffle: true });
 * const same = new DataLoader(new TensorDataset(X, y), 128, { shuffle: true }); // batch_size positional
 * for (const [xb, yb] of loader) train(xb, yb);
 */
export class DataLoader<T = unknown, B = Collated<T>> implements Iterable<B> {
  readonly dataset: MapDataset<T>;
  readonly batchSize: number | null;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly collateFn: ((batch: T[]) => B) | undefined;
  private readonly nextSeed: () => number;

  constructor(dataset: MapDataset<T>, batchSizeOrOptions?: number | null | DataLoaderOptions<T, B>, options?: DataLoaderOptions<T, B>) {
    checkDataset(dataset, 'DataLoader');
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
    const { batchSize = 1, shuffle = false, dropLast = false, generator, collateFn, numWorkers = 0 } = options ?? {};
    if (collateFn !== undefined) checkFunction(collateFn, 'DataLoader', 'collateFn');
    if (numWorkers !== 0) {
      if (typeof numWorkers !== 'number' || !Number.isInteger(numWorkers)) {
        throw argumentError('DataLoader', 'numWorkers', 'a non-negative integer', numWorkers);
      }
      if (numWorkers < 0) throw new RangeError('num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.');
      throw new Error(`DataLoader(): numWorkers: ${numWorkers} is not supported: flint loads batches in the calling thread (numWorkers: 0)`);
    }
    if (batchSize !== null && (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize <= 0)) {
      throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${batchSize}`);
    }
    if (typeof dropLast !== 'boolean') {
      throw new TypeError(`drop_last should be a boolean value, but got drop_last=${dropLast}`);
    }
    if (typeof shuffle !== 'boolean') throw new TypeError(`shuffle should be a boolean value, but got shuffle=${shuffle}`);
    if (batchSize === null && dropLast) {
      throw new Error('batch_size=None option disables auto-batching and is mutually exclusive with drop_last');
    }
    if (shuffle && !(dataset.length > 0)) {
      throw new RangeError(`num_samples should be a positive integer value, but got num_samples=${dataset.length}`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.collateFn = collateFn;
    this.nextSeed = seedStream(generator);
  }

  /** Batches per epoch, as `len(loader)`. @example new DataLoader(ds, { batchSize: 4 }).length */
  get length(): number {
    const n = this.dataset.length;
    if (this.batchSize === null) return n;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * Starts an epoch. The order is fixed here, not at the first `next()`, so that
   * `torch.manualSeed` just before the loop decides it.
   * @example const it = loader[Symbol.iterator](); const first = it.next().value;
   */
  [Symbol.iterator](): Iterator<B> {
    const n = this.dataset.length;
    let order: Float64Array;
    if (this.shuffle) order = permutation(n, this.nextSeed());
    else {
      order = new Float64Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
    }
    return this.batches(order);
  }

  private *batches(order: Float64Array): Generator<B> {
    const { dataset, batchSize, collateFn } = this;
    if (batchSize === null) {
      for (const i of order) yield (collateFn ? collateFn(dataset.at(i) as unknown as T[]) : dataset.at(i)) as B;
      return;
    }
    const count = this.length;
    const source = collateFn === undefined ? tensorSource(dataset) : null;
    if (source !== null) {
      const rows = order.map(source.rows);
      for (let b = 0; b < count; b++) {
        // The index lives where the data does (a GPU dataset is indexed on the GPU).
        const device = source.tensors[0].device;
        const index = tensor(rows.subarray(b * batchSize, (b + 1) * batchSize), { dtype: int64, device });
        try {
          yield source.tensors.map((t) => indexSelect(t, 0, t.device === device ? index : index.to(t.device))) as B;
        } finally {
          index.dispose();
        }
      }
      return;
    }
    const collate = collateFn ?? (defaultCollate as unknown as (batch: T[]) => B);
    for (let b = 0; b < count; b++) {
      const samples = Array.from(order.subarray(b * batchSize, (b + 1) * batchSize), (i) => dataset.at(i));
      yield collate(samples);
    }
  }
}

/**
 * `torch.utils.data.random_split`: disjoint random Subsets of the given lengths, either
 * counts summing to `dataset.length` or fractions summing to 1 (the rows left over by
 * flooring go one each to the first splits, round-robin). The permutation differs from
 * PyTorch's for the same seed (no `randperm` in flint yet).
 * @example const [train, val] = randomSplit(ds, [0.8, 0.2], 42);
 */
export function randomSplit<T>(dataset: MapDataset<T>, lengths: number[], generator?: GeneratorLike): Subset<T>[] {
  checkDataset(dataset, 'randomSplit');
  if (!Array.isArray(lengths) || !lengths.every((v) => typeof v === 'number')) {
    throw argumentError('randomSplit', 'lengths', 'an array of numbers', lengths);
  }
  const n = dataset.length;
  const total = lengths.reduce((a, b) => a + b, 0);
  let sizes = lengths;
  // math.isclose(sum, 1) and sum <= 1, as PyTorch decides that lengths are fractions.
  if (Math.abs(total - 1) <= 1e-9 && total <= 1) {
    sizes = lengths.map((frac, i) => {
      if (!(frac >= 0 && frac <= 1)) throw new RangeError(`Fraction at index ${i} is not between 0 and 1`);
      return Math.floor(n * frac);
    });
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length] += 1;
    sizes.forEach((size, i) => {
      if (size === 0) process.emitWarning(`Length of split at index ${i} is 0. This might result in an empty dataset.`);
    });
  } else if (!lengths.every((size) => Number.isInteger(size) && size >= 0)) {
    throw new RangeError(`lengths must be non-negative integers or fractions summing to 1, but got [${lengths.join(', ')}]`);
  }
  if (sizes.reduce((a, b) => a + b, 0) !== n) {
    throw new RangeError('Sum of input lengths does not equal the length of the input dataset!');
  }
  const order = Array.from(permutation(n, seedStream(generator)()));
  let offset = 0;
  return sizes.map((size) => new Subset(dataset, order.slice(offset, (offset += size))));
}
