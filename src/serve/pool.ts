/**
 * `torch.serve.Pool`: a model served from N worker threads, with dynamic batching.
 *
 * The event loop only queues requests and moves messages; the forward passes run on the
 * workers. Concurrent requests are concatenated along dim 0 into one batch, up to
 * `maxBatch` rows, waiting at most `maxDelayMs` after the oldest request for more to
 * arrive, as inference servers' dynamic batchers do (Triton's `max_queue_delay`).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Tensor } from '../tensor/tensor.js';
import { fromTransfer, transfer, type TransferredTensor } from '../tensor/transfer.js';
import { toDeviceArg } from '../tensor/args.js';
import type { DeviceLike } from '../tensor/device.js';
import type { ModelSpec, ServeReply, ServeRequest, ServeWorkerStart } from './protocol.js';
import type { SerializedError } from '../utils/worker-codec.js';
import { workerScript } from '../native/package-root.js';

/**
 * The options of `Pool.create`.
 * @example await torch.serve.Pool.create(model, { numWorkers: 2, maxBatch: 32, maxDelayMs: 2 })
 */
export interface PoolOptions {
  /** Worker threads, each with its own copy of the model (default: half the cores, at least 1). */
  numWorkers?: number;
  /** The most rows (dim 0, summed over requests) in one batch (default 1: no batching). */
  maxBatch?: number;
  /** How long the oldest queued request may wait for others to fill a batch (default 0). */
  maxDelayMs?: number;
  /** flint's intra-op threads in each worker (default: the cores divided among the workers). */
  numThreads?: number;
  /** Where each worker makes the inputs (default 'cpu'); outputs always come back on the CPU. */
  device?: DeviceLike;
}

interface Pending {
  inputs: TransferredTensor[];
  rows: number;
  /** dtypes and trailing shapes: requests batch together only when these agree. */
  signature: string;
  arrived: number;
  resolve: (value: Tensor | Tensor[]) => void;
  reject: (error: Error) => void;
}

interface Slot {
  id: number;
  worker: Worker;
  busy: Pending[] | null;
}

function rebuild(error: SerializedError, context: string): Error {
  const e = new Error(`${context}: ${error.message}`);
  e.name = error.name;
  e.stack = `${e.name}: ${e.message}\n--- in the worker thread ---\n${error.stack}`;
  return e;
}

function positiveInteger(value: unknown, name: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new TypeError(`serve.Pool: ${name} must be a positive integer, but got ${typeof value === 'number' ? value : typeof value}`);
  }
  return value as number;
}

/** The worker script: the compiled .js, or, from the TypeScript sources, a bootstrap that loads tsx first. */
function workerEntry(): URL {
  return workerScript((import.meta as { url?: string }).url, 'serve/pool-worker');
}

/**
 * A model served from worker threads. `await Pool.create(spec, options)` starts the workers
 * and loads the model in each; `await pool.run(x)` returns the model's output for `x`, whose
 * dim 0 is its batch (one sample is `x.unsqueeze(0)`); `await pool.close()` finishes what
 * was asked and stops the workers. Each output comes back as the model returned it: a
 * tensor, or an array of tensors, with this request's rows.
 * @example
 * const pool = await torch.serve.Pool.create({ module: import.meta.url, exportName: 'loadModel' }, { numWorkers: 2, maxBatch: 32, maxDelayMs: 2 });
 * const logits = await pool.run(torch.rand(1, 784));
 * await pool.close();
 */
export class Pool {
  /** How many worker threads serve the model. */
  readonly numWorkers: number;
  /** The most rows in one batch. */
  readonly maxBatch: number;
  /** The longest a request waits for a batch to fill, in milliseconds. */
  readonly maxDelayMs: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private nextBatch = 0;
  private closing: Promise<void> | null = null;
  /** Set by close(): queued requests go at once rather than wait out maxDelayMs. */
  private stopping = false;
  private drained: (() => void) | null = null;
  private readonly start: Omit<ServeWorkerStart, 'id'>;

  private constructor(model: ModelSpec, options: PoolOptions) {
    const cores = availableParallelism();
    this.numWorkers = positiveInteger(options.numWorkers ?? Math.max(1, Math.floor(cores / 2)), 'numWorkers');
    this.maxBatch = positiveInteger(options.maxBatch ?? 1, 'maxBatch');
    const delay = options.maxDelayMs ?? 0;
    if (typeof delay !== 'number' || !(delay >= 0) || !Number.isFinite(delay)) {
      throw new TypeError(`serve.Pool: maxDelayMs must be a finite number >= 0, but got ${String(delay)}`);
    }
    this.maxDelayMs = delay;
    const numThreads = positiveInteger(options.numThreads ?? Math.max(1, Math.floor(cores / this.numWorkers)), 'numThreads');
    this.start = { model, numThreads, device: String(toDeviceArg(options.device ?? 'cpu', 'serve.Pool')) };
  }

  /**
   * Starts the workers and resolves once every one has loaded the model; a factory that
   * throws rejects with its error, and no worker is left running.
   * @example const pool = await Pool.create({ module: '/srv/model.js', exportName: 'loadModel', args: ['model.pt'] });
   */
  static async create(model: ModelSpec, options: PoolOptions = {}): Promise<Pool> {
    if (model === null || typeof model !== 'object' || typeof model.module !== 'string' || typeof model.exportName !== 'string') {
      throw new TypeError(`serve.Pool.create: expected a model spec { module: string, exportName: string, args?: unknown[] }, but got ${model === null ? 'null' : typeof model}`);
    }
    if (model.args !== undefined && !Array.isArray(model.args)) throw new TypeError(`serve.Pool.create: the model spec's args must be an array, but got ${typeof model.args}`);
    const pool = new Pool(model, options);
    try {
      await Promise.all(Array.from({ length: pool.numWorkers }, (_, id) => pool.spawn(id)));
    } catch (e) {
      await Promise.all(pool.slots.map((s) => s.worker.terminate()));
      throw e;
    }
    return pool;
  }

  /** Starts worker `id` (or its replacement) and resolves when its model is loaded. */
  private spawn(id: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerEntry(), { workerData: { ...this.start, id } satisfies ServeWorkerStart });
      const slot: Slot = { id, worker, busy: null };
      let loaded = false;
      worker.on('message', (reply: ServeReply) => {
        if (reply.type === 'ready') {
          loaded = true;
          this.slots[id] = slot;
          worker.unref();
          resolve();
          this.pump();
        } else if (reply.type === 'failed') {
          reject(rebuild(reply.error, `serve.Pool: worker ${id} could not load the model (${this.start.model.exportName} from ${this.start.model.module})`));
        } else {
          this.finish(slot, reply);
        }
      });
      worker.on('error', (e: Error) => {
        if (!loaded) reject(new Error(`serve.Pool: worker ${id} failed while loading the model: ${e.message}`));
        else this.lose(slot, e);
      });
      worker.on('exit', (code) => {
        if (!loaded) reject(new Error(`serve.Pool: worker ${id} exited with code ${code} while loading the model`));
        else if (this.slots[id] === slot) this.lose(slot, new Error(`serve.Pool: worker ${id} exited unexpectedly with code ${code}`));
      });
    });
  }

  /** A worker died under a batch: its requests fail, and a replacement starts. */
  private lose(slot: Slot, error: Error): void {
    if (this.slots[slot.id] !== slot) return;
    const batch = slot.busy ?? [];
    slot.busy = null;
    delete this.slots[slot.id];
    for (const p of batch) p.reject(error);
    if (this.stopping) {
      this.checkDrained();
      return;
    }
    this.spawn(slot.id).catch((e: Error) => {
      // No replacement: fail what is queued rather than leave it waiting.
      for (const p of this.queue.splice(0)) p.reject(e);
    });
  }

  /**
   * The model's output for `inputs` (each with the same dim 0, the request's rows), once a
   * worker has run it. Rejects with the model's error (with the worker's stack), or when
   * the pool is closed.
   * @example const [logits] = [await pool.run(x)];
   */
  run(...inputs: Tensor[]): Promise<Tensor | Tensor[]> {
    if (this.stopping) return Promise.reject(new Error('serve.Pool: run() after close()'));
    if (inputs.length === 0) return Promise.reject(new TypeError('serve.Pool.run: expected at least one input tensor, but got none'));
    const bad = inputs.findIndex((t) => !(t instanceof Tensor));
    if (bad >= 0) {
      const v = inputs[bad] as unknown;
      return Promise.reject(new TypeError(`serve.Pool.run: input ${bad} must be a Tensor, but got ${v === null ? 'null' : Array.isArray(v) ? 'an array (wrap it with torch.tensor(...))' : typeof v}`));
    }
    const rows = inputs[0].dim() === 0 ? -1 : inputs[0].shape[0];
    const mismatch = inputs.findIndex((t) => t.dim() === 0 || t.shape[0] !== rows);
    if (rows < 1 || mismatch >= 0) {
      const shapes = inputs.map((t) => `[${t.shape.join(', ')}]`).join(', ');
      return Promise.reject(new Error(`serve.Pool.run: every input needs the same dim 0 of at least 1 (the request's rows; one sample is x.unsqueeze(0)), but got shapes ${shapes}`));
    }
    const messages = inputs.map((t) => transfer(t));
    const signature = messages.map((m) => `${m.dtype}[${m.shape.slice(1).join(',')}]`).join(';');
    return new Promise((resolve, reject) => {
      this.queue.push({ inputs: messages, rows, signature, arrived: performance.now(), resolve, reject });
      this.pump();
    });
  }

  /** Sends batches to idle workers while there are full (or overdue) ones to send. */
  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s !== undefined && s.busy === null);
      if (slot === undefined) return;
      const waited = performance.now() - this.queue[0].arrived;
      if (this.queuedRows() < this.maxBatch && waited < this.maxDelayMs && !this.stopping) {
        if (this.timer === null) {
          this.timer = setTimeout(() => {
            this.timer = null;
            this.pump();
          }, this.maxDelayMs - waited);
        }
        return;
      }
      this.dispatch(slot, this.takeBatch());
    }
  }

  private queuedRows(): number {
    let rows = 0;
    for (const p of this.queue) if ((rows += p.rows) >= this.maxBatch) break;
    return rows;
  }

  /** The oldest request, and those after it that fit and batch with it. */
  private takeBatch(): Pending[] {
    const first = this.queue.shift()!;
    const batch = [first];
    let rows = first.rows;
    for (let i = 0; i < this.queue.length && rows < this.maxBatch; ) {
      const p = this.queue[i];
      if (p.signature === first.signature && rows + p.rows <= this.maxBatch) {
        batch.push(p);
        rows += p.rows;
        this.queue.splice(i, 1);
      } else i++;
    }
    return batch;
  }

  private dispatch(slot: Slot, batch: Pending[]): void {
    slot.busy = batch;
    // A referenced worker keeps the process alive while it has work, and only then.
    slot.worker.ref();
    const request: ServeRequest = { batch: this.nextBatch++, requests: batch.map((p) => p.inputs) };
    slot.worker.postMessage(request, batch.flatMap((p) => p.inputs.map((m) => m.buffer)));
  }

  private finish(slot: Slot, reply: Extract<ServeReply, { type: 'done' | 'error' }>): void {
    const batch = slot.busy ?? [];
    slot.busy = null;
    slot.worker.unref();
    if (reply.type === 'error') {
      const error = rebuild(reply.error, `serve.Pool: the model failed on a batch of ${batch.length} request${batch.length === 1 ? '' : 's'} (worker ${slot.id})`);
      for (const p of batch) p.reject(error);
    } else {
      batch.forEach((p, i) => {
        try {
          const outs = reply.outputs[i].map((m) => fromTransfer(m, { device: 'cpu' }));
          p.resolve(reply.single ? outs[0] : outs);
        } catch (e) {
          p.reject(e as Error);
        }
      });
    }
    this.pump();
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.drained !== null && this.queue.length === 0 && this.slots.every((s) => s === undefined || s.busy === null)) this.drained();
  }

  /**
   * Stops taking requests, lets every queued and running one finish, then stops the
   * workers. Calling it again returns the same promise.
   * @example process.on('SIGTERM', () => void pool.close().then(() => server.close()));
   */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.stopping = true;
    this.closing = new Promise<void>((resolve) => {
      this.drained = resolve;
      if (this.timer !== null) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.pump();
      this.checkDrained();
    }).then(async () => {
      const workers = this.slots.filter((s) => s !== undefined).map((s) => s.worker);
      this.slots.length = 0;
      await Promise.all(workers.map((w) => w.terminate()));
    });
    return this.closing;
  }

  /** `await using pool = await Pool.create(...)` closes it at the end of the scope. @example await using pool = await Pool.create(spec); */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
