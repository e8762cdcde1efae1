/**
 * The body of a DataLoader worker thread, PyTorch's `_worker_loop`: rebuilds the dataset,
 * seeds this thread's global generator with base seed + worker id, runs `workerInitFn`,
 * then answers each task (a batch of indices, or "the next batch" of an IterableDataset)
 * with the collated batch, its tensors' buffers transferred rather than copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Tensor } from '../tensor/tensor.js';
import { manualSeed } from '../tensor/creation.js';
import { initialSeed } from '../random/generator.js';
import { setNumThreads } from '../index.js';
import { defaultCollate, type MapDataset } from './data-core.js';
import { decodeDataset, encodeValue, errorOf, importExport } from './worker-codec.js';
import { iterableFetcher, mapBatchFetcher } from './fetch.js';
import { setWorkerInfo } from './worker-info.js';
import type { WorkerReply, WorkerRequest, WorkerStart } from './worker-pool.js';

const start = workerData as WorkerStart;
const port = parentPort!;

interface Ready {
  dataset: unknown;
}

async function init(): Promise<Ready> {
  // Built before seeding, so that a dataset constructor's draws do not shift the stream
  // the samples see (in PyTorch the dataset was built in the main process).
  const dataset = await decodeDataset(start.dataset);
  // One intra-op thread per worker, as PyTorch's workers: the workers are the parallelism.
  setNumThreads(1);
  manualSeed(start.baseSeed + BigInt(start.id));
  setWorkerInfo({ id: start.id, numWorkers: start.numWorkers, seed: initialSeed(), dataset });
  if (start.initFn !== null) {
    const initFn = await importExport(start.initFn, 'DataLoader workerInitFn');
    await initFn(start.id);
  }
  return { dataset };
}

/** Disposes the tensors of a batch this worker made (after their values were copied out). */
function disposeTensors(value: unknown): void {
  if (value instanceof Tensor) value.dispose();
  else if (Array.isArray(value)) value.forEach(disposeTensors);
  else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) Object.values(value).forEach(disposeTensors);
}

let nextBatch: (() => { value: unknown } | null) | null = null;
let fetchMap: ((indices: number[]) => unknown) | null = null;

/**
 * The task's result: with auto-collation and the default collate, the collated batch
 * (`own`: its tensors are new, made here); otherwise the samples, for the main thread's
 * collateFn, or the single sample.
 */
function fetch(ready: Ready, index: number[] | number | null): { value: unknown; own: boolean } | null {
  const { dataset } = ready;
  const collateHere = start.autoCollation && start.collate === 'default';
  if (start.iterable) {
    nextBatch ??= iterableFetcher(dataset as Iterable<unknown>, start.autoCollation ? start.batchSize : null, start.dropLast);
    const next = nextBatch();
    if (next === null) return null;
    return collateHere ? { value: defaultCollate(next.value as unknown[]), own: true } : { value: next.value, own: false };
  }
  const map = dataset as MapDataset<unknown>;
  if (!start.autoCollation) return { value: map.at(index as number), own: false };
  const indices = index as number[];
  if (!collateHere) return { value: indices.map((i) => map.at(i)), own: false };
  fetchMap ??= mapBatchFetcher(map, null);
  return { value: fetchMap(indices), own: true };
}

function answer(ready: Ready, request: Extract<WorkerRequest, { type: 'fetch' }>): void {
  const { epoch, task } = request;
  let reply: WorkerReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const result = fetch(ready, request.index);
    if (result === null) {
      reply = { type: 'end', epoch, task };
    } else {
      try {
        reply = { type: 'data', epoch, task, value: encodeValue(result.value, { transfer, what: 'a batch' }) };
      } finally {
        // The default collate's tensors are this worker's own: free them now, not at a GC.
        if (result.own) disposeTensors(result.value);
      }
    }
  } catch (e) {
    reply = { type: 'error', epoch, task, error: errorOf(e) };
    transfer.length = 0;
  }
  port.postMessage(reply, transfer);
}

const ready = init();
// A failed start is reported as the answer to each task, as PyTorch delivers init errors.
ready.catch(() => undefined);
let queue: Promise<unknown> = Promise.resolve();

port.on('message', (request: WorkerRequest) => {
  queue = queue.then(async () => {
    let r: Ready;
    try {
      r = await ready;
    } catch (e) {
      if (request.type === 'fetch') port.postMessage({ type: 'error', epoch: request.epoch, task: request.task, error: errorOf(e) } satisfies WorkerReply);
      return;
    }
    if (request.type === 'reset') {
      // A new epoch of persistent workers: a fresh pass over an IterableDataset.
      nextBatch = null;
      return;
    }
    answer(r, request);
  });
});
