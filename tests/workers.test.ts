import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import * as torch from 'flint-torch';

function startWorker(seed: number, spin: boolean): { worker: Worker; result: Promise<{ values: number[]; product: number }> } {
  const worker = new Worker(new URL('./helpers/worker-entry.mjs', import.meta.url), { workerData: { seed, spin } });
  const result = new Promise<{ values: number[]; product: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { worker, result };
}

describe('worker_threads', () => {
  it('loads flint in several workers at once, each with its own instance, and terminates them', async () => {
    const workers = [1, 2, 3, 4].map((seed) => startWorker(seed, true));
    const results = await Promise.all(workers.map((w) => w.result));
    // Each worker's generator is its own: its numbers are what this thread gets for the same seed.
    for (const [i, seed] of [1, 2, 3, 4].entries()) {
      torch.manualSeed(seed);
      const expected = Array.from(torch.rand(3).dataSync() as Float32Array);
      expect(results[i].values).toEqual(expected);
      torch.manualSeed(seed);
      torch.rand(3);
      const a = torch.rand(128, 128);
      expect(results[i].product).toBeCloseTo(a.matmul(a.t()).sum(1).mean().item() as number, 3);
    }
    // Terminate while they are still computing and allocating.
    const codes = await Promise.all(workers.map((w) => w.worker.terminate()));
    expect(codes).toEqual([1, 1, 1, 1]);
    // The main thread's instance is unaffected.
    expect(torch.ones(3).sum().item()).toBe(3);
  });

  it('a worker that finishes exits cleanly', async () => {
    const { worker, result } = startWorker(7, false);
    const done = new Promise<number>((resolve) => worker.once('exit', resolve));
    await result;
    expect(await done).toBe(0);
  });
});
