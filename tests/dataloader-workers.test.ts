/**
 * DataLoader with worker threads (numWorkers > 0) against PyTorch 1.13's multi-process
 * DataLoader (tests/fixtures/dataloader_workers.json, written by
 * scripts/make_dataloader_worker_fixtures.py): per-worker seeds and random streams, the
 * order of batches, IterableDataset sharding, persistent workers, errors and clean-up.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { liveWorkerThreads } from '../src/utils/worker-pool.js';
import {
  FailingDataset, InitRecord, LocalOnly, ProbeDataset, ScaledRows, ShardedRange, ThreadDataset,
} from './helpers/loader-datasets.js';

const { DataLoader, TensorDataset, Subset, ConcatDataset, StackDataset, getWorkerInfo } = torch.utils.data;
const F = JSON.parse(readFileSync(new URL('./fixtures/dataloader_workers.json', import.meta.url), 'utf8'));
const HELPERS = new URL('./helpers/loader-datasets.ts', import.meta.url).href;

type Tensor = torch.Tensor;

/** A batch's tensors as lists (strings stay as they are). */
function lists(batch: unknown): unknown {
  if (batch instanceof torch.Tensor) return batch.tolist();
  if (Array.isArray(batch)) return batch.map(lists);
  if (batch !== null && typeof batch === 'object') return Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, lists(v)]));
  return batch;
}

async function collect(loader: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const batch of loader) out.push(lists(batch));
  return out;
}

/** Waits until every worker thread the loaders started has exited. */
async function settled(): Promise<number> {
  for (let i = 0; i < 200 && liveWorkerThreads() > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return liveWorkerThreads();
}

/** ProbeDataset's collated columns back as per-sample rows, as the fixture stores them. */
function probeRows(batch: unknown): unknown[] {
  const [index, id, seed, initial, rand] = batch as [number[], number[], string[], string[], number[]];
  return index.map((_, k) => [index[k], id[k], seed[k], initial[k], rand[k]]);
}

afterAll(async () => {
  expect(await settled()).toBe(0);
});

describe('DataLoader worker seeds match PyTorch', () => {
  const cases: [string, (epochs: number) => Record<string, unknown>][] = [
    ['plain', () => ({})],
    ['shuffle', () => ({ shuffle: true })],
    ['persistent', () => ({ shuffle: true, persistentWorkers: true })],
    ['init_fn', () => ({ workerInitFn: { module: HELPERS, exportName: 'drawIdPlusOne' } })],
    ['prefetch', () => ({ prefetchFactor: 1 })],
  ];
  for (const [name, options] of cases) {
    it(`${name}: each worker's seed, initialSeed() and random stream, and the main stream after`, async () => {
      const fx = F[name];
      torch.manualSeed(fx.seed);
      const loader = new DataLoader(new ProbeDataset(10), { batchSize: 3, numWorkers: 2, ...options(fx.epochs.length) });
      for (const expected of fx.epochs) {
        const epoch = await collect(loader);
        expect(epoch.map(probeRows)).toEqual(expected);
      }
      expect(Array.from(torch.rand(2).dataSync() as Float32Array)).toEqual(fx.after);
      // Every sample of worker i saw seed base + i.
      expect(fx.epochs[0][1][0][2]).toBe((BigInt(fx.base_seed) + 1n).toString());
      await loader[Symbol.asyncDispose]();
    });
  }
});

describe('DataLoader with worker threads', () => {
  it('keeps sampler order when one worker is slow', async () => {
    const loader = new DataLoader(new ThreadDataset(12, 40, 0), { batchSize: 2, numWorkers: 2 });
    const batches = (await collect(loader)) as [number[], number[]][];
    expect(batches.map((b) => b[0])).toEqual([[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]);
    // Round-robin: batches alternate between the two worker threads.
    const threads = batches.map((b) => b[1][0]);
    expect(new Set(threads).size).toBe(2);
    expect(threads[0]).not.toBe(threads[1]);
    expect(threads[2]).toBe(threads[0]);
  });

  it('gives the same batches as numWorkers: 0 (shuffled by a seeded generator, built-in datasets)', async () => {
    torch.manualSeed(0);
    const x = torch.rand(13, 3);
    const y = torch.randint(0, 5, [13]);
    const tensors = new TensorDataset(x, y);
    const datasets: [string, torch.utils.data.MapDataset<unknown>][] = [
      ['TensorDataset', tensors],
      ['Subset of ConcatDataset', new Subset(new ConcatDataset([tensors, new TensorDataset(x.mul(2), y.add(1))]), [25, 0, 3, 14, 7, 20, 9])],
      ['StackDataset', new StackDataset({ a: tensors, b: Array.from({ length: 13 }, (_, i) => ({ v: i / 2, tag: `s${i}` })) })],
      ['user factory with a tensor argument', new ScaledRows(x.double(), 3)],
    ];
    for (const [, ds] of datasets) {
      const make = (numWorkers: number): InstanceType<typeof DataLoader> =>
        new DataLoader(ds, { batchSize: 4, shuffle: true, numWorkers, generator: new torch.Generator().manualSeed(11) });
      const inThread = [...make(0)].map(lists);
      const threaded = await collect(make(2));
      expect(threaded).toEqual(inThread);
    }
    // dtypes survive the trip, and a custom collateFn runs in the main thread on the workers' samples.
    const loader = new DataLoader(tensors, {
      batchSize: 5, numWorkers: 2, collateFn: (samples: Tensor[][]) => samples.map((s) => s[1].item()),
    });
    const labels = y.tolist() as number[];
    expect(await collect(loader)).toEqual([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12]].map((b) => b.map((i) => labels[i])));
    const [[xb, yb]] = (await collect(new DataLoader(tensors, { batchSize: 13, numWorkers: 1 }))) as [number[][], number[]][];
    expect(xb).toEqual(x.tolist());
    expect(yb).toEqual(y.tolist());
  });

  it('IterableDataset: each worker iterates its own copy, sharded by getWorkerInfo(), as PyTorch', async () => {
    const fx = F.iterable;
    torch.manualSeed(5);
    expect(await collect(new DataLoader(new ShardedRange(10), { batchSize: 3, numWorkers: 2 }))).toEqual(fx.batches);
    expect(await collect(new DataLoader(new ShardedRange(10), { batchSize: 3, numWorkers: 2, dropLast: true }))).toEqual(fx.batches_drop_last);
    expect(await collect(new DataLoader(new ShardedRange(5), { batchSize: null, numWorkers: 2 }))).toEqual(fx.unbatched);
    expect(Array.from(torch.rand(2).dataSync() as Float32Array)).toEqual(fx.after);
    // Persistent workers start a fresh pass over their copies each epoch.
    const kept = new DataLoader(new ShardedRange(10), { batchSize: 3, numWorkers: 2, persistentWorkers: true });
    expect(await collect(kept)).toEqual(fx.batches);
    expect(await collect(kept)).toEqual(fx.batches);
    await kept[Symbol.asyncDispose]();
  });

  it('runs workerInitFn once in each worker, with its id; getWorkerInfo() is null in the main thread', async () => {
    expect(getWorkerInfo()).toBeNull();
    const loader = new DataLoader(new InitRecord(), { batchSize: 1, numWorkers: 2, workerInitFn: { module: HELPERS, exportName: 'recordInit' } });
    const rows = (await collect(loader)) as [number[], number[], string[]][];
    expect(rows.map((r) => [r[0][0], r[1][0], r[2][0]])).toEqual([[0, 0, '0'], [1, 1, '1'], [2, 0, '0'], [3, 1, '1'], [4, 0, '0'], [5, 1, '1']]);
  });

  it('persistentWorkers keeps the same threads across epochs; without it each epoch has new ones that end with it', async () => {
    const threadsOf = async (loader: AsyncIterable<unknown>): Promise<number[]> =>
      ((await collect(loader)) as [number[], number[]][]).map((b) => b[1][0]);
    const kept = new DataLoader(new ThreadDataset(8), { batchSize: 2, numWorkers: 2, persistentWorkers: true });
    const first = await threadsOf(kept);
    expect(liveWorkerThreads()).toBe(2);
    const second = await threadsOf(kept);
    expect(second).toEqual(first);
    await kept[Symbol.asyncDispose]();
    expect(await settled()).toBe(0);

    const fresh = new DataLoader(new ThreadDataset(8), { batchSize: 2, numWorkers: 2 });
    const a = await threadsOf(fresh);
    expect(await settled()).toBe(0);
    const b = await threadsOf(fresh);
    expect(b.some((id) => a.includes(id))).toBe(false);
  });

  it("re-throws a worker's exception with the worker id and its stack, and ends the workers", async () => {
    const loader = new DataLoader(new FailingDataset(10, 5), { batchSize: 2, numWorkers: 2 });
    const seen: unknown[] = [];
    let error: Error | null = null;
    try {
      for await (const batch of loader) seen.push(lists(batch));
    } catch (e) {
      error = e as Error;
    }
    expect(seen).toEqual([[0, 1], [2, 3]]);
    expect(error).toBeInstanceOf(TypeError);
    expect(error!.message).toMatch(/^Caught TypeError in DataLoader worker process 0\.\nOriginal stack \(in the worker thread\):\nTypeError: bad sample 5\n/);
    expect(error!.message).toContain('loader-datasets.ts');
    expect(await settled()).toBe(0);
  });

  it('breaking out of the loop terminates the workers; an abandoned iterator is cleaned up when collected', async () => {
    const loader = new DataLoader(new ThreadDataset(40), { batchSize: 2, numWorkers: 2 });
    for await (const batch of loader) {
      expect(lists(batch)).toEqual([[0, 1], expect.any(Array)]);
      break;
    }
    expect(await settled()).toBe(0);

    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    await (async () => {
      const it = loader[Symbol.asyncIterator]();
      await it.next();
      expect(liveWorkerThreads()).toBe(2);
    })();
    for (let i = 0; i < 50 && liveWorkerThreads() > 0; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await settled()).toBe(0);
  });

  it('times out with PyTorch\'s message when a batch takes longer than timeout seconds', async () => {
    const loader = new DataLoader(new ThreadDataset(4, 1500, 0), { batchSize: 2, numWorkers: 1, timeout: 0.2 });
    await expect(collect(loader)).rejects.toThrow('DataLoader timed out after 0.2 seconds');
    expect(await settled()).toBe(0);
  });

  it('rejects what cannot run in workers, and options PyTorch rejects, with clear errors', () => {
    expect(() => new DataLoader(new LocalOnly(), { numWorkers: 2 })).toThrow(
      /a LocalOnly cannot be sent to a worker thread .*workerSpec\(\) method that returns \{ module: import\.meta\.url, exportName: 'LocalOnly'/,
    );
    expect(() => new DataLoader(new LocalOnly(), { numWorkers: 0 })).not.toThrow();
    const ds = new TensorDataset(torch.arange(4));
    expect(() => [...new DataLoader(ds, { numWorkers: 2 })]).toThrow(/numWorkers: 2 loads batches in worker threads.*for await \(const batch of loader\)/);
    expect(() => new DataLoader(ds, { numWorkers: 2, workerInitFn: () => undefined })).toThrow(/workerInitFn must be \{ module, exportName \}/);
    expect(() => new DataLoader(ds, { prefetchFactor: 3 })).toThrow('prefetch_factor option could only be specified in multiprocessing');
    expect(() => new DataLoader(ds, { numWorkers: 1, prefetchFactor: 0 })).toThrow(RangeError);
    expect(() => new DataLoader(ds, { persistentWorkers: true })).toThrow('persistent_workers option needs num_workers > 0');
    expect(() => new DataLoader(ds, { numWorkers: 1, timeout: -1 })).toThrow('timeout option should be non-negative');
    expect(() => new DataLoader(ds, { numWorkers: -1 })).toThrow('num_workers option should be non-negative');
    expect(() => new DataLoader([{ f: () => 1 }], { numWorkers: 1 })).toThrow(/holds a function f, which cannot be sent between threads/);
  });
});
