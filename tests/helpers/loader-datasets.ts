// Datasets and functions that DataLoader worker threads import by module and export name
// (tests/dataloader-workers.test.ts): each dataset's workerSpec() names this module.
import { threadId } from 'node:worker_threads';
import * as torch from '../../src/index.js';
import type { WorkerSpec } from '../../src/utils/data.js';

const { Dataset, IterableDataset, getWorkerInfo } = torch.utils.data;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Per sample: index, worker id, worker seed, initialSeed() and one torch.rand draw in the worker. */
export class ProbeDataset extends Dataset<[number, number, string, string, number]> {
  constructor(readonly n: number) {
    super();
  }
  at(i: number): [number, number, string, string, number] {
    const info = getWorkerInfo();
    if (info === null) throw new Error('ProbeDataset runs in DataLoader workers only');
    return [i, info.id, String(info.seed), String(torch.initialSeed()), torch.rand(1).item()];
  }
  get length(): number {
    return this.n;
  }
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, exportName: 'ProbeDataset', args: [this.n] };
  }
}

/** Sample i is [i, the thread it was loaded in]; worker `slowWorker` sleeps `delayMs` per sample. */
export class ThreadDataset extends Dataset<[number, number]> {
  constructor(readonly n: number, readonly delayMs = 0, readonly slowWorker = 0) {
    super();
  }
  at(i: number): [number, number] {
    if (getWorkerInfo()?.id === this.slowWorker) sleep(this.delayMs);
    return [i, threadId];
  }
  get length(): number {
    return this.n;
  }
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, exportName: 'ThreadDataset', args: [this.n, this.delayMs, this.slowWorker] };
  }
}

/** A dataset whose sample `bad` throws a TypeError. */
export class FailingDataset extends Dataset<number> {
  constructor(readonly n: number, readonly bad: number) {
    super();
  }
  at(i: number): number {
    if (i === this.bad) throw new TypeError(`bad sample ${i}`);
    return i;
  }
  get length(): number {
    return this.n;
  }
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, exportName: 'FailingDataset', args: [this.n, this.bad] };
  }
}

/** Built by a factory function (with a tensor argument) rather than a class. */
export function scaledRows(x: torch.Tensor, scale: number): torch.Tensor[] {
  return Array.from({ length: x.size(0) }, (_, i) => x.select(0, i).mul(scale));
}

/** A list of tensors that rebuilds itself in workers from scaledRows. */
export class ScaledRows extends Dataset<torch.Tensor> {
  private readonly rows: torch.Tensor[];
  constructor(readonly x: torch.Tensor, readonly scale: number) {
    super();
    this.rows = scaledRows(x, scale);
  }
  at(i: number): torch.Tensor {
    return this.rows[i];
  }
  get length(): number {
    return this.rows.length;
  }
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, exportName: 'scaledRowsDataset', args: [this.x, this.scale] };
  }
}

/** The factory the workers call for ScaledRows (a factory may be async). */
export async function scaledRowsDataset(x: torch.Tensor, scale: number): Promise<ScaledRows> {
  return new ScaledRows(x, scale);
}

/** 0..n-1, each worker taking every numWorkers-th value from its id, as PyTorch's docs shard. */
export class ShardedRange extends IterableDataset<number> {
  constructor(readonly n: number) {
    super();
  }
  *[Symbol.iterator](): Iterator<number> {
    const info = getWorkerInfo();
    const [id, step] = info === null ? [0, 1] : [info.id, info.numWorkers];
    for (let i = id; i < this.n; i += step) yield i;
  }
  workerSpec(): WorkerSpec {
    return { module: import.meta.url, exportName: 'ShardedRange', args: [this.n] };
  }
}

/** Has no workerSpec: cannot be used with numWorkers > 0. */
export class LocalOnly extends Dataset<number> {
  at(i: number): number {
    return i;
  }
  get length(): number {
    return 4;
  }
}

let initCalls: number[] = [];

/** A workerInitFn that consumes workerId + 1 numbers of the worker's stream (as the fixture's). */
export function drawIdPlusOne(workerId: number): void {
  torch.rand(workerId + 1);
}

/** A workerInitFn that records its argument, read back by InitRecord. */
export function recordInit(workerId: number): void {
  initCalls.push(workerId);
}

/** Sample i is [i, worker id, the ids recordInit was called with in this worker]. */
export class InitRecord extends Dataset<[number, number, string]> {
  at(i: number): [number, number, string] {
    return [i, getWorkerInfo()!.id, initCalls.join(',')];
  }
  get length(): number {
    return 6;
  }
  workerSpec(): WorkerSpec {
    initCalls = [];
    return { module: import.meta.url, exportName: 'InitRecord' };
  }
}
