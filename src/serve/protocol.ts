/**
 * The messages between a `serve.Pool` and its worker threads. Tensors travel as
 * `transfer()` messages with their buffers in the transfer list, so a request's values are
 * copied once out of its tensor and once into the worker's batch, never by postMessage.
 */
import type { TransferredTensor } from '../tensor/transfer.js';
import type { SerializedError } from '../utils/worker-codec.js';

/**
 * What a model factory is: the module to import in each worker (usually `import.meta.url`
 * of the module that defines it, or an absolute path or file URL), the export to call (a
 * class is constructed with `new`, a function is called and may return a promise), and
 * the arguments, which must be structured-clone-able.
 * @example const model: ModelSpec = { module: new URL('./model.js', import.meta.url).href, exportName: 'loadModel', args: ['model.pt'] };
 */
export interface ModelSpec {
  module: string;
  exportName: string;
  args?: unknown[];
}

/** A worker's start (its `workerData`). @internal @example const start = workerData as ServeWorkerStart; */
export interface ServeWorkerStart {
  id: number;
  model: ModelSpec;
  numThreads: number;
  device: string;
}

/**
 * Pool to worker: one batch, as each request's positional inputs. @internal
 * @example const request: ServeRequest = { batch: 7, requests: [[x.transfer()]] };
 */
export interface ServeRequest {
  batch: number;
  requests: TransferredTensor[][];
}

/**
 * Worker to pool: 'ready' once the model is loaded (or 'failed' to load), then one 'done'
 * or 'error' per batch, with each request's outputs in request order. @internal
 * @example const reply: ServeReply = { type: 'ready' };
 */
export type ServeReply =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'done'; batch: number; outputs: TransferredTensor[][]; single: boolean }
  | { type: 'error'; batch: number; error: SerializedError };
