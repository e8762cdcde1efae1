/**
 * Dataset combinators of `torch.utils.data`: `IterableDataset`, `ConcatDataset`,
 * `ChainDataset` and `StackDataset`. Map-style datasets are anything with `at(index)` and
 * `length` (see `data.ts`); iterable-style ones are JS iterables.
 */
import { argumentError } from '../tensor/args.js';
import { Dataset, type MapDataset } from './data-core.js';

/**
 * `torch.utils.data.IterableDataset`: a stream of samples, implemented as a JS iterable.
 * A DataLoader batches it in iteration order (it cannot be shuffled or sampled).
 * @example
 * class Counter extends IterableDataset<number> {
 *   *[Symbol.iterator]() { for (let i = 0; i < 5; i++) yield i; }
 * }
 */
export abstract class IterableDataset<T> implements Iterable<T> {
  abstract [Symbol.iterator](): Iterator<T>;
}

function isMapDataset(value: unknown): value is MapDataset<unknown> {
  const d = value as MapDataset<unknown> | null;
  return d !== null && (typeof d === 'object' || typeof d === 'function') && typeof d.at === 'function' && typeof d.length === 'number';
}

/**
 * `ConcatDataset`: map-style datasets one after another; index `i` is found by the
 * cumulative sizes, as PyTorch's bisect.
 * @example const both = new ConcatDataset([trainA, trainB]); both.length === trainA.length + trainB.length
 */
export class ConcatDataset<T> extends Dataset<T> {
  readonly datasets: MapDataset<T>[];
  readonly cumulativeSizes: number[];

  constructor(datasets: Iterable<MapDataset<T>>) {
    super();
    this.datasets = [...datasets];
    if (this.datasets.length === 0) throw new Error('datasets should not be an empty iterable');
    for (const d of this.datasets) {
      if (d instanceof IterableDataset) throw new Error('ConcatDataset does not support IterableDataset');
      if (!isMapDataset(d)) throw argumentError('ConcatDataset', 'datasets', 'map-style datasets (with at(index) and length)', d);
    }
    let total = 0;
    this.cumulativeSizes = this.datasets.map((d) => (total += d.length));
  }

  at(index: number): T {
    let i = index;
    if (i < 0) {
      if (-i > this.length) throw new RangeError('absolute value of index should not exceed dataset length');
      i += this.length;
    }
    if (!Number.isInteger(i) || i >= this.length) throw new RangeError(`index ${index} is out of range for a dataset of length ${this.length}`);
    // bisect_right(cumulativeSizes, i)
    let lo = 0;
    let hi = this.cumulativeSizes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (i < this.cumulativeSizes[mid]) hi = mid;
      else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1];
    return this.datasets[lo].at(i - start);
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }
}

/**
 * `ChainDataset`: iterable datasets one after another, chained lazily.
 * @example for (const x of new ChainDataset([streamA, streamB])) use(x);
 */
export class ChainDataset<T> extends IterableDataset<T> {
  readonly datasets: Iterable<T>[];
  constructor(datasets: Iterable<Iterable<T>>) {
    super();
    this.datasets = [...datasets];
  }
  *[Symbol.iterator](): Iterator<T> {
    for (const d of this.datasets) {
      if (!(d instanceof IterableDataset)) throw new Error('ChainDataset only supports IterableDataset');
      yield* d;
    }
  }
  /** The total length, when every dataset has one (PyTorch's `__len__`). */
  get length(): number {
    let total = 0;
    for (const d of this.datasets) {
      const n = (d as Partial<MapDataset<T>>).length;
      if (typeof n !== 'number') throw new TypeError("object of type 'ChainDataset' has no len() (a chained dataset has none)");
      total += n;
    }
    return total;
  }
}

/** A StackDataset's sample: a tuple of the datasets' samples, or an object of them by key. */
export type Stacked<D> = { [K in keyof D]: D[K] extends MapDataset<infer T> ? T : never };

/**
 * `StackDataset`: datasets of one length side by side; sample `i` is the tuple (or, given
 * an object of datasets, the object) of their samples `i`.
 * @example new StackDataset(images, labels).at(0) // [image0, label0]
 * @example new StackDataset({ x: images, y: labels }).at(0) // { x: image0, y: label0 }
 */
export class StackDataset<D extends readonly MapDataset<unknown>[] | Record<string, MapDataset<unknown>>> extends Dataset<Stacked<D>> {
  private readonly parts: D;
  private readonly size: number;

  constructor(...args: D extends readonly MapDataset<unknown>[] ? D : [D]) {
    super();
    const first = args[0] as unknown;
    const keyed = args.length === 1 && first !== null && typeof first === 'object' && !isMapDataset(first);
    this.parts = (keyed ? first : args) as D;
    const all = Object.values(this.parts) as MapDataset<unknown>[];
    if (all.length === 0) throw new Error('At least one dataset should be passed');
    all.forEach((d) => {
      if (!isMapDataset(d)) throw argumentError('StackDataset', 'datasets', 'map-style datasets (with at(index) and length)', d);
    });
    this.size = all[0].length;
    if (all.some((d) => d.length !== this.size)) throw new Error('Size mismatch between datasets');
  }

  at(index: number): Stacked<D> {
    if (Array.isArray(this.parts)) return (this.parts as MapDataset<unknown>[]).map((d) => d.at(index)) as Stacked<D>;
    return Object.fromEntries(Object.entries(this.parts).map(([k, d]) => [k, (d as MapDataset<unknown>).at(index)])) as Stacked<D>;
  }

  get length(): number {
    return this.size;
  }
}
