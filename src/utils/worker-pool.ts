/**
 * The main-thread side of DataLoader worker threads, PyTorch's
 * `_MultiProcessingDataLoaderIter`: the pool of threads, and one epoch's bookkeeping
 * (index batches sent round-robin, `prefetchFactor` tasks in flight per worker, results
 * handed out in sampler order whatever order they arrive in).
 */
import { Worker } from 'node:worker_threads';
import { decodeValue, type EncodedDataset, type SerializedError, type WorkerFunctionRef } from './worker-codec.js';
import { workerScript } from '../native/package-root.js';
import { PROFILING, withEvent } from '../profiler/recorder.js';

/**
 * What a worker thread starts from (its `workerData`). @internal
 * @example const start = workerData as WorkerStart; manualSeed(start.baseSeed + BigInt(start.id));
 */
export interface WorkerStart {
  id: number;
  numWorkers: number;
  baseSeed: bigint;
  dataset: EncodedDataset;
  initFn: WorkerFunctionRef | null;
  /** 'default': the worker collates; 'main': it sends the samples and the main thread's collateFn collates. */
  collate: 'default' | 'main';
  iterable: boolean;
  autoCollation: boolean;
  batchSize: number | null;
  dropLast: boolean;
}

/**
 * Main thread to worker. @internal
 * @example const request: WorkerRequest = { type: 'fetch', epoch: 0, task: 3, index: [6, 7] };
 */
export type WorkerRequest =
  | { type: 'fetch'; epoch: number; task: number; index: number[] | number | null }
  | { type: 'reset'; epoch: number };

/**
 * Worker to main thread: one reply per fetch. @internal
 * @example const reply: WorkerReply = { type: 'end', epoch: 0, task: 4 };
 */
export type WorkerReply =
  | { type: 'data'; epoch: number; task: number; value: unknown }
  | { type: 'end'; epoch: number; task: number }
  | { type: 'error'; epoch: number; task: number; error: SerializedError };

const live = new Set<Worker>();

/**
 * How many DataLoader worker threads are running (started and not yet exited), for
 * tests that check that loaders clean up. @internal
 * @example await loaderDone; liveWorkerThreads() // 0
 */
export function liveWorkerThreads(): number {
  return live.size;
}

/** The worker script: the compiled .js, or, from the TypeScript sources, a bootstrap that loads tsx first. */
function workerEntry(): URL {
  return workerScript((import.meta as { url?: string }).url, 'utils/dataloader-worker');
}

/**
 * Receives a pool's replies and failures: the epoch being iterated. @internal
 * @example pool.listener = new WorkerEpoch(config);
 */
export interface PoolListener {
  onReply(workerId: number, reply: WorkerReply): void;
  onFailure(error: Error): void;
  finish(): void;
}

/**
 * `numWorkers` threads that load one DataLoader's dataset. They are referenced (keep the
 * process alive) only while a task is in flight, so idle workers never hold the process
 * open at exit. @internal
 * @example const pool = new WorkerPool(start); pool.send(0, { type: 'fetch', epoch: 0, task: 0, index: [0, 1] });
 */
export class WorkerPool {
  readonly workers: Worker[];
  listener: PoolListener | null = null;
  closed = false;
  private inFlight = 0;

  constructor(config: Omit<WorkerStart, 'id'>) {
    const entry = workerEntry();
    this.workers = [];
    for (let id = 0; id < config.numWorkers; id++) {
      const worker = new Worker(entry, { workerData: { ...config, id } satisfies WorkerStart });
      live.add(worker);
      worker.unref();
      worker.on('message', (reply: WorkerReply) => {
        if (--this.inFlight === 0) this.workers.forEach((w) => w.unref());
        this.listener?.onReply(id, reply);
      });
      worker.on('error', (e: Error) => this.fail(new Error(`DataLoader worker ${id} failed: ${e.stack ?? e.message}`)));
      worker.on('exit', (code) => {
        live.delete(worker);
        if (!this.closed) this.fail(new Error(`DataLoader worker ${id} (thread ${worker.threadId}) exited unexpectedly with exit code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  /** Sends a request; a fetch keeps the workers referenced until its reply arrives. */
  send(workerId: number, request: WorkerRequest): void {
    if (request.type === 'fetch' && this.inFlight++ === 0) this.workers.forEach((w) => w.ref());
    this.workers[workerId].postMessage(request);
  }

  private fail(error: Error): void {
    const listener = this.listener;
    this.close();
    listener?.onFailure(error);
  }

  /** Terminates the threads; resolves once they have exited. */
  close(): Promise<void> {
    if (this.closed) return Promise.all(this.workers.map((w) => (live.has(w) ? new Promise((r) => w.once('exit', r)) : undefined))).then(() => undefined);
    this.closed = true;
    this.listener = null;
    return Promise.all(this.workers.map((w) => w.terminate().catch(() => undefined))).then(() => undefined);
  }
}

/** Closes the pool of an iterator (or a loader's persistent pool) that was garbage collected unfinished. */
const orphans = new FinalizationRegistry<WorkerPool>((pool) => void pool.close());

/**
 * Registers `owner` so that its pool closes when it is collected. @internal
 * @example closeWhenCollected(iterator, pool);
 */
export function closeWhenCollected(owner: object, pool: WorkerPool): void {
  orphans.register(owner, pool, pool);
}

const BUILTIN_ERRORS: Record<string, new (message: string) => Error> = {
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
};

/** A worker's exception, re-thrown here as PyTorch's `ExceptionWrapper.reraise` does. */
function reraise(workerId: number, error: SerializedError): Error {
  const message = `Caught ${error.name} in DataLoader worker process ${workerId}.\nOriginal stack (in the worker thread):\n${error.stack}`;
  const Ctor = BUILTIN_ERRORS[error.name] ?? Error;
  const out = new Ctor(message);
  if (out.name !== error.name) out.name = error.name;
  return out;
}

interface Task {
  worker: number;
  reply?: WorkerReply;
}

/**
 * What an epoch needs from its loader. @internal
 * @example new WorkerEpoch({ pool, epoch: 0, indices, prefetchFactor: 2, collateHere: null, timeout: 0, persistent: false });
 */
export interface EpochConfig<B> {
  pool: WorkerPool;
  epoch: number;
  /** Index batches (or single indices) from the sampler; null for an IterableDataset. */
  indices: Iterator<number[] | number> | null;
  prefetchFactor: number;
  /** A plain collateFn function, run here on the samples the workers send. */
  collateHere: ((batch: unknown) => B) | null;
  timeout: number;
  persistent: boolean;
}

/**
 * One epoch over a pool: PyTorch's `_try_put_index` / `_next_data` / `_process_data`. The
 * listener of its pool; holds no reference to the iterator object the user holds, so
 * that the iterator can be collected (and its pool closed) when abandoned. @internal
 * @example const batch = await new WorkerEpoch(config).next();
 */
export class WorkerEpoch<B> implements PoolListener {
  private sendIdx = 0;
  private rcvdIdx = 0;
  private readonly tasks = new Map<number, Task>();
  private readonly active: boolean[];
  private cycle = 0;
  private waiter: (() => void) | null = null;
  private failure: Error | null = null;
  finished = false;

  constructor(private readonly config: EpochConfig<B>) {
    const { pool, prefetchFactor } = config;
    this.active = pool.workers.map(() => true);
    // A new epoch of persistent workers ends the one before it, as PyTorch's `_reset`.
    pool.listener?.finish();
    pool.listener = this;
    if (config.epoch > 0) pool.workers.forEach((_, id) => pool.send(id, { type: 'reset', epoch: config.epoch }));
    for (let i = 0; i < prefetchFactor * pool.workers.length; i++) this.tryPutIndex();
  }

  private tryPutIndex(): void {
    const { indices, pool } = this.config;
    let index: number[] | number | null = null;
    if (indices !== null) {
      const next = indices.next();
      if (next.done) return;
      index = next.value;
    }
    const n = this.active.length;
    let worker = -1;
    for (let k = 0; k < n; k++) {
      const candidate = this.cycle;
      this.cycle = (this.cycle + 1) % n;
      if (this.active[candidate]) {
        worker = candidate;
        break;
      }
    }
    if (worker < 0) return;
    pool.send(worker, { type: 'fetch', epoch: this.config.epoch, task: this.sendIdx, index });
    this.tasks.set(this.sendIdx++, { worker });
  }

  onReply(workerId: number, reply: WorkerReply): void {
    if (this.finished || reply.epoch !== this.config.epoch) return;
    const task = this.tasks.get(reply.task);
    if (task === undefined) return;
    if (reply.type === 'end') {
      // This worker's share of an IterableDataset is exhausted: it gets no more tasks.
      this.active[workerId] = false;
      this.tryPutIndex();
    } else {
      task.reply = reply;
    }
    this.wake();
  }

  onFailure(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private wait(): Promise<void> {
    const { timeout } = this.config;
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.waiter = () => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      if (timeout > 0) {
        timer = setTimeout(() => {
          this.waiter = null;
          reject(new Error(`DataLoader timed out after ${timeout} seconds`));
        }, timeout * 1000);
      }
    });
  }

  /** Ends the epoch: the pool closes unless its workers persist. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const { pool, persistent } = this.config;
    if (pool.listener === this) pool.listener = null;
    if (!persistent) void pool.close();
    this.wake();
  }

  async next(): Promise<IteratorResult<B>> {
    try {
      for (;;) {
        if (this.finished) return { done: true, value: undefined };
        if (this.failure !== null) throw this.failure;
        // Skip tasks whose worker ran out of an IterableDataset before answering them.
        while (this.rcvdIdx < this.sendIdx) {
          const task = this.tasks.get(this.rcvdIdx)!;
          if (task.reply !== undefined || this.active[task.worker]) break;
          this.tasks.delete(this.rcvdIdx++);
        }
        if (this.rcvdIdx >= this.sendIdx) {
          this.finish();
          return { done: true, value: undefined };
        }
        const task = this.tasks.get(this.rcvdIdx)!;
        if (task.reply === undefined) {
          await this.wait();
          continue;
        }
        this.tasks.delete(this.rcvdIdx++);
        this.tryPutIndex();
        const reply = task.reply;
        if (reply.type === 'error') throw reraise(task.worker, reply.error);
        if (reply.type !== 'data') continue;
        const value = decodeValue(reply.value);
        const { collateHere } = this.config;
        return { done: false, value: collateHere ? collateHere(value) : (value as B) };
      }
    } catch (e) {
      // An error ends the epoch (PyTorch's loop ends with it too): the workers go now.
      this.finish();
      throw e;
    }
  }
}

/**
 * The iterator `for await` gets from a DataLoader with `numWorkers > 0`. Breaking out of
 * the loop (`return()`), finishing it, an error, or the iterator's collection ends the
 * epoch and, without `persistentWorkers`, terminates the worker threads.
 * @internal
 * @example for await (const batch of new WorkerLoaderIterator(epoch)) use(batch);
 */
export class WorkerLoaderIterator<B> implements AsyncIterableIterator<B> {
  constructor(private readonly epoch: WorkerEpoch<B>) {}

  next(): Promise<IteratorResult<B>> {
    if (PROFILING.on) return withEvent('enumerate(DataLoader)#_MultiProcessingDataLoaderIter.__next__', 'user_annotation', () => this.epoch.next());
    return this.epoch.next();
  }

  return(): Promise<IteratorResult<B>> {
    this.epoch.finish();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<B> {
    return this;
  }
}
