/**
 * `torch.utils.data` samplers: the index streams a DataLoader batches. Each draws from
 * the generators exactly as PyTorch 1.13's does (one int64 seed from the global stream
 * per epoch, then `randperm`, `randint` or `multinomial` on a fresh Generator), so a
 * shuffled epoch visits samples in PyTorch's order after the same `manualSeed`.
 */
import { Generator, checkGenerator } from '../random/generator.js';
import { multinomial, randperm } from '../random/sampling.js';
import { random_ } from '../ops/fill.js';
import { randint, tensor } from '../tensor/creation.js';
import { argumentError } from '../tensor/args.js';
import { CPU } from '../tensor/device.js';
import { float64, int64 } from '../tensor/dtype.js';
import { emptyKernel } from '../ops/tensor-kernels.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * One int64 drawn as `torch.empty((), dtype=torch.int64).random_(generator=g).item()`,
 * exactly (a bigint: such seeds use all 63 bits). @internal
 * @example const seed = drawSeed(null);
 */
export function drawSeed(generator: Generator | null): bigint {
  const t = emptyKernel([], int64, CPU);
  random_(t, { generator });
  const seed = (t.dataSync() as BigInt64Array)[0];
  t.dispose();
  return seed;
}

/** A tensor's values as JS numbers (index tensors are small and int64). */
function indicesOf(t: Tensor): number[] {
  const values = Array.from(t.dataSync() as BigInt64Array, Number);
  t.dispose();
  return values;
}

function checkCount(value: unknown, fn: string, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} should be a positive integer value, but got ${name}=${String(value)}`);
  }
  return value;
}

/**
 * `torch.utils.data.Sampler`: an iterable of dataset indices with a length.
 * @example
 * class Evens extends Sampler<number> {
 *   constructor(readonly n: number) { super(); }
 *   *[Symbol.iterator]() { for (let i = 0; i < this.n; i += 2) yield i; }
 *   get length() { return Math.ceil(this.n / 2); }
 * }
 */
export abstract class Sampler<T = number> implements Iterable<T> {
  abstract [Symbol.iterator](): Iterator<T>;
  abstract get length(): number;
}

/** Anything with a length, as samplers size themselves by their data source. */
export interface Sized {
  readonly length: number;
}

/**
 * `SequentialSampler`: 0, 1, ..., n-1.
 * @example [...new SequentialSampler([10, 20, 30])] // [0, 1, 2]
 */
export class SequentialSampler extends Sampler<number> {
  constructor(readonly dataSource: Sized) {
    super();
  }
  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.dataSource.length; i++) yield i;
  }
  get length(): number {
    return this.dataSource.length;
  }
}

/** Options of RandomSampler, as PyTorch's keyword arguments. */
export interface RandomSamplerOptions {
  replacement?: boolean;
  numSamples?: number | null;
  generator?: Generator | null;
}

/**
 * `RandomSampler`: a fresh permutation each epoch (or `numSamples` draws with
 * replacement), in PyTorch's order for the same seed.
 * @example torch.manualSeed(0); [...new RandomSampler(ds)]
 */
export class RandomSampler extends Sampler<number> {
  readonly replacement: boolean;
  readonly generator: Generator | null;
  private readonly requested: number | null;

  constructor(
    readonly dataSource: Sized,
    options: RandomSamplerOptions = {},
  ) {
    super();
    const { replacement = false, numSamples = null, generator = null } = options;
    if (typeof replacement !== 'boolean') {
      throw new TypeError(`replacement should be a boolean value, but got replacement=${String(replacement)}`);
    }
    this.replacement = replacement;
    this.requested = numSamples;
    this.generator = checkGenerator(generator, 'RandomSampler', CPU);
    checkCount(this.numSamples, 'RandomSampler', 'num_samples');
  }

  /** The samples per epoch: `numSamples`, or the data source's length. @example s.numSamples */
  get numSamples(): number {
    return this.requested ?? this.dataSource.length;
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataSource.length;
    const generator = this.generator ?? new Generator().manualSeed(drawSeed(null));
    const count = this.numSamples;
    if (this.replacement) {
      for (let i = 0; i < Math.floor(count / 32); i++) yield* indicesOf(randint(n, [32], { dtype: int64, generator }));
      yield* indicesOf(randint(n, [count % 32], { dtype: int64, generator }));
      return;
    }
    for (let i = 0; i < Math.floor(count / n); i++) yield* indicesOf(randperm(n, { generator }));
    yield* indicesOf(randperm(n, { generator })).slice(0, count % n);
  }

  get length(): number {
    return this.numSamples;
  }
}

/**
 * `SubsetRandomSampler`: the given indices, in a random order each epoch.
 * @example new SubsetRandomSampler([0, 2, 4])
 */
export class SubsetRandomSampler extends Sampler<number> {
  readonly generator: Generator | null;
  constructor(
    readonly indices: readonly number[],
    options: { generator?: Generator | null } = {},
  ) {
    super();
    if (!Array.isArray(indices)) throw argumentError('SubsetRandomSampler', 'indices', 'an array of integers', indices);
    this.generator = checkGenerator(options.generator, 'SubsetRandomSampler', CPU);
  }
  *[Symbol.iterator](): Iterator<number> {
    for (const i of indicesOf(randperm(this.indices.length, { generator: this.generator }))) yield this.indices[i];
  }
  get length(): number {
    return this.indices.length;
  }
}

/** WeightedRandomSampler's keyword arguments. @example { replacement: false, generator: g } */
export interface WeightedRandomSamplerOptions {
  replacement?: boolean;
  generator?: Generator | null;
}

/**
 * `WeightedRandomSampler`: `numSamples` indices drawn with the given weights (with
 * replacement by default), through `torch.multinomial` on float64 weights.
 * @example new WeightedRandomSampler([0.1, 0.9], 10); new WeightedRandomSampler(w, 10, { replacement: false })
 */
export class WeightedRandomSampler extends Sampler<number> {
  readonly weights: Tensor;
  readonly replacement: boolean;
  readonly generator: Generator | null;

  constructor(
    weights: readonly number[] | Tensor,
    readonly numSamples: number,
    replacement: boolean | WeightedRandomSamplerOptions = true,
    options: { generator?: Generator | null } = {},
  ) {
    super();
    checkCount(numSamples, 'WeightedRandomSampler', 'num_samples');
    // Python's keyword form, WeightedRandomSampler(w, n, replacement=False), ports as an
    // options object; its replacement must not be dropped.
    if (typeof replacement === 'object' && replacement !== null) {
      options = replacement;
      replacement = replacement.replacement ?? true;
    }
    if (typeof replacement !== 'boolean') {
      throw new TypeError(`replacement should be a boolean value, but got replacement=${String(replacement)}`);
    }
    this.weights = Array.isArray(weights) ? tensor(weights as number[], { dtype: float64 }) : (weights as Tensor).to(float64);
    if (this.weights.ndim !== 1) {
      throw new Error(`weights should be a 1d sequence but given weights have shape [${this.weights.shape.join(', ')}]`);
    }
    this.replacement = replacement;
    this.generator = checkGenerator(options.generator, 'WeightedRandomSampler', CPU);
  }

  *[Symbol.iterator](): Iterator<number> {
    yield* indicesOf(multinomial(this.weights, this.numSamples, this.replacement, { generator: this.generator }));
  }
  get length(): number {
    return this.numSamples;
  }
}

/**
 * `BatchSampler`: groups another sampler's indices into lists of `batchSize`.
 * @example [...new BatchSampler(new SequentialSampler(ds), 3, false)]
 */
export class BatchSampler extends Sampler<number[]> {
  readonly batchSize: number;
  constructor(
    readonly sampler: Iterable<number> & Partial<Sized>,
    batchSize: number,
    readonly dropLast: boolean,
  ) {
    super();
    this.batchSize = checkCount(batchSize, 'BatchSampler', 'batch_size');
    if (typeof dropLast !== 'boolean') {
      throw new TypeError(`drop_last should be a boolean value, but got drop_last=${String(dropLast)}`);
    }
  }
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const index of this.sampler) {
      batch.push(index);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
  get length(): number {
    const n = this.sampler.length;
    if (n === undefined) throw new TypeError("object of type 'BatchSampler' has no len() (its sampler has none)");
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
}
