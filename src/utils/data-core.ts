/**
 * The map-style core of `torch.utils.data`: `Dataset`, `TensorDataset`, `Subset` and
 * `defaultCollate`. Python's `__getitem__`/`__len__` become `at(index)`/`length`, so a
 * plain JS array is already a dataset.
 */
import { Tensor } from '../tensor/tensor.js';
import { bool, float64, int64 } from '../tensor/dtype.js';
import { tensor } from '../tensor/creation.js';
import { select } from '../ops/indexing.js';
import { stack } from '../ops/shape.js';
import { argumentError, checkTensor } from '../tensor/args.js';

/**
 * Throws unless `dataset` has `at(index)` and a numeric `length`, as every loader needs. @internal
 * @example checkDataset(ds, 'DataLoader')
 */
export function checkDataset(dataset: unknown, fn: string): void {
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
 * What `defaultCollate` makes of a batch of `T`: tensors and numbers become one tensor
 * per leaf, arrays and plain objects keep their structure.
 * @example type B = Collated<[Tensor, number]>; // [Tensor, Tensor]
 */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean | bigint | ArrayBufferView
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

function isTypedArray(value: unknown): value is ArrayBufferView {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/**
 * `torch.utils.data.default_convert`, the conversion a DataLoader without batching applies
 * in PyTorch: typed arrays (JS's NumPy arrays) become tensors of their element type, arrays
 * and plain objects are converted element by element, and anything else (tensors, numbers,
 * strings) is kept as it is.
 * @example defaultConvert({ x: new Float32Array([1, 2]), label: 3 }) // { x: tensor([1., 2.]), label: 3 }
 */
export function defaultConvert(data: unknown): unknown {
  if (isTypedArray(data)) return tensor(data as never);
  if (Array.isArray(data)) return data.map(defaultConvert);
  if (isPlainObject(data)) return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, defaultConvert(v)]));
  return data;
}

/**
 * `torch.utils.data.default_collate`: stacks tensors, turns numbers into one tensor and
 * collates arrays per position and plain objects per key. JS has one number type, so
 * whole numbers (even `1.0`) give int64 and any fraction gives float64 for the batch,
 * where PyTorch goes by the Python type of the first element. Typed arrays, JS's NumPy
 * arrays, become tensors of their element type and are stacked, as NumPy arrays are.
 * @example defaultCollate([{ x: 1 }, { x: 2 }]) // { x: tensor([1, 2]) }
 */
export function defaultCollate<T>(batch: T[]): Collated<T> {
  const elem: unknown = batch[0];
  const out = ((): unknown => {
    if (elem instanceof Tensor) return stack(batch as Tensor[], 0);
    if (isTypedArray(elem)) return stack((batch as unknown as ArrayBufferView[]).map((a) => tensor(a as never)), 0);
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

