/**
 * Fetching one batch from a dataset, as PyTorch's `_MapDatasetFetcher` and
 * `_IterableDatasetFetcher`: shared by the DataLoader's own thread and its worker threads.
 */
import { Tensor } from '../tensor/tensor.js';
import { int64 } from '../tensor/dtype.js';
import { tensor } from '../tensor/creation.js';
import { indexSelect } from '../ops/indexing.js';
import { Subset, TensorDataset, defaultCollate, type MapDataset } from './data-core.js';

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
 * Fetches batches of a map-style dataset by their indices and collates them: with the
 * default collate, a TensorDataset's batch is one `indexSelect` per tensor. @internal
 * @example const fetch = mapBatchFetcher(ds, null); const [x, y] = fetch([0, 1, 2]);
 */
export function mapBatchFetcher<T, B>(dataset: MapDataset<T>, collateFn: ((batch: T[]) => B) | null): (indices: number[]) => B {
  const source = collateFn === null ? tensorSource(dataset) : null;
  const collate = collateFn ?? (defaultCollate as unknown as (batch: T[]) => B);
  if (source === null) return (indices) => collate(indices.map((i) => dataset.at(i)));
  return (indices) => {
    // The index lives where the data does (a GPU dataset is indexed on the GPU).
    const device = source.tensors[0].device;
    const index = tensor(Float64Array.from(indices, source.rows), { dtype: int64, device });
    try {
      return source.tensors.map((t) => indexSelect(t, 0, t.device === device ? index : index.to(t.device))) as B;
    } finally {
      index.dispose();
    }
  };
}

/**
 * The next batch of an IterableDataset's stream: up to `batchSize` samples (none left, or
 * fewer than `batchSize` with `dropLast`, ends the stream), or single samples with
 * `batchSize: null`. The samples are returned uncollated. @internal
 * @example const next = iterableFetcher(stream, 4, false); const samples = next(); // null at the end
 */
export function iterableFetcher<T>(dataset: Iterable<T>, batchSize: number | null, dropLast: boolean): () => { value: T[] | T } | null {
  const it = dataset[Symbol.iterator]();
  let ended = false;
  return () => {
    if (ended) return null;
    if (batchSize === null) {
      const r = it.next();
      if (r.done) {
        ended = true;
        return null;
      }
      return { value: r.value };
    }
    const batch: T[] = [];
    while (batch.length < batchSize) {
      const r = it.next();
      if (r.done) {
        ended = true;
        break;
      }
      batch.push(r.value);
    }
    if (batch.length === 0 || (dropLast && batch.length < batchSize)) return null;
    return { value: batch };
  };
}
