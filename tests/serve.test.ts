// torch.serve.Pool: outputs equal the model's own (batched or not, several inputs and
// outputs), dynamic batching up to maxBatch within maxDelayMs, errors delivered to the
// requests of the failing batch only, a crashed worker replaced, load failures, close().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { mlp } from './helpers/serve-model.js';

const helper = new URL('./helpers/serve-model.ts', import.meta.url).href;
const spec = (exportName: string, args?: unknown[]) => ({ module: helper, exportName, ...(args ? { args } : {}) });
const dir = mkdtempSync(join(tmpdir(), 'flint-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('torch.serve.Pool', () => {
  it('returns what the model returns, in eval mode, for each of many concurrent requests, batched', async () => {
    const reference = mlp();
    reference.eval();
    const path = join(dir, 'mlp.pt');
    await torch.save(reference.stateDict(), path);
    const pool = await torch.serve.Pool.create(spec('mlpFromCheckpoint', [path]), { numWorkers: 2, numThreads: 1, maxBatch: 8, maxDelayMs: 5 });
    try {
      torch.manualSeed(1);
      const inputs = Array.from({ length: 40 }, (_, i) => torch.randn(1 + (i % 3), 16));
      const outs = (await Promise.all(inputs.map((x) => pool.run(x)))) as torch.Tensor[];
      const want = torch.noGrad(() => inputs.map((x) => reference(x) as torch.Tensor));
      outs.forEach((y, i) => {
        expect(y.shape).toEqual([inputs[i].shape[0], 4]);
        expect(y.device.type).toBe('cpu');
        // Dropout(0.5) is in the model: equality means the pool switched it to eval().
        const got = Array.from(y.dataSync() as Float32Array);
        Array.from(want[i].dataSync() as Float32Array).forEach((v, k) => expect(got[k]).toBeCloseTo(v, 5));
      });
    } finally {
      await pool.close();
    }
  });

  it('batches concurrent requests up to maxBatch rows, and no further', async () => {
    const pool = await torch.serve.Pool.create(spec('batchSizes'), { numWorkers: 1, numThreads: 1, maxBatch: 6, maxDelayMs: 50 });
    try {
      const outs = (await Promise.all(Array.from({ length: 12 }, (_, i) => pool.run(torch.tensor([[i]], { dtype: torch.float32 }))))) as torch.Tensor[];
      const seen = outs.map((y) => y.dataSync() as Float32Array);
      seen.forEach((row, i) => expect(row[0]).toBe(i)); // each request got its own row back
      // 12 one-row requests, queued together, with room for 6 rows a batch: two batches of 6.
      expect(seen.map((row) => row[1])).toEqual(Array(12).fill(6));
    } finally {
      await pool.close();
    }
  });

  it('sends a lone request after maxDelayMs, and requests of other shapes or dtypes in their own batch', async () => {
    const pool = await torch.serve.Pool.create(spec('batchSizes'), { numWorkers: 1, numThreads: 1, maxBatch: 64, maxDelayMs: 20 });
    try {
      const t0 = performance.now();
      const lone = (await pool.run(torch.tensor([[5]], { dtype: torch.float32 }))) as torch.Tensor;
      expect(performance.now() - t0).toBeGreaterThanOrEqual(19);
      expect(Array.from(lone.dataSync() as Float32Array)).toEqual([5, 1]);
      const [a, b, c] = (await Promise.all([
        pool.run(torch.tensor([[1]], { dtype: torch.float32 })),
        pool.run(torch.tensor([[2]], { dtype: torch.float64 })),
        pool.run(torch.tensor([[3], [4]], { dtype: torch.float32 })),
      ])) as torch.Tensor[];
      expect(a.dtype).toBe(torch.float32);
      expect(b.dtype).toBe(torch.float64);
      expect(Array.from(a.dataSync() as Float32Array)).toEqual([1, 3]); // with c's two rows
      expect(Array.from(b.dataSync() as Float64Array)).toEqual([2, 1]); // alone: float64
      expect(Array.from(c.dataSync() as Float32Array)).toEqual([3, 3, 4, 3]);
    } finally {
      await pool.close();
    }
  });

  it('takes several inputs and returns several outputs, split per request', async () => {
    const pool = await torch.serve.Pool.create(spec('pair'), { numWorkers: 1, numThreads: 1, maxBatch: 16, maxDelayMs: 10 });
    try {
      const a1 = torch.tensor([[1, 2], [3, 4]]);
      const b1 = torch.tensor([[10, 20], [30, 40]]);
      const a2 = torch.tensor([[5, 6]]);
      const b2 = torch.tensor([[7, 8]]);
      const [r1, r2] = (await Promise.all([pool.run(a1, b1), pool.run(a2, b2)])) as torch.Tensor[][];
      expect(r1[0].tolist()).toEqual([[11, 22], [33, 44]]);
      expect(r1[1].tolist()).toEqual([50, 250]);
      expect(r2[0].tolist()).toEqual([[12, 14]]);
      expect(r2[1].tolist()).toEqual([83]);
    } finally {
      await pool.close();
    }
  });

  it("delivers a model's error to the requests of its batch only, with the worker's stack", async () => {
    const pool = await torch.serve.Pool.create(spec('picky'), { numWorkers: 1, numThreads: 1, maxBatch: 1 });
    try {
      const results = await Promise.allSettled([pool.run(torch.tensor([[1]])), pool.run(torch.tensor([[-1]])), pool.run(torch.tensor([[3]]))]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const error = (results[1] as PromiseRejectedResult).reason as Error;
      expect(error.name).toBe('RangeError');
      expect(error.message).toBe('serve.Pool: the model failed on a batch of 1 request (worker 0): picky: negative input');
      expect(error.stack).toContain('--- in the worker thread ---');
      expect(((results[2] as PromiseFulfilledResult<torch.Tensor>).value).tolist()).toEqual([[6]]);
    } finally {
      await pool.close();
    }
  });

  it('refuses an output whose dim 0 is not the batch, and bad requests, with clear errors', async () => {
    const pool = await torch.serve.Pool.create(spec('collapsing'), { numWorkers: 1, numThreads: 1, maxBatch: 4, maxDelayMs: 5 });
    try {
      await expect(pool.run(torch.ones(3, 2))).rejects.toThrow(
        "the model's output 0 has shape [1, 2], but its batch had 3 rows; the pool splits outputs along dim 0, so each output must have 3 rows",
      );
      await expect(pool.run(torch.tensor(1))).rejects.toThrow('every input needs the same dim 0 of at least 1');
      await expect(pool.run(torch.ones(2, 1), torch.ones(3, 1))).rejects.toThrow('but got shapes [2, 1], [3, 1]');
      await expect(pool.run([1, 2] as unknown as torch.Tensor)).rejects.toThrow('input 0 must be a Tensor, but got an array (wrap it with torch.tensor(...))');
      await expect(pool.run()).rejects.toThrow('expected at least one input tensor');
    } finally {
      await pool.close();
    }
  });

  it('replaces a worker that dies, failing only the requests it held', async () => {
    const pool = await torch.serve.Pool.create(spec('crashing'), { numWorkers: 1, numThreads: 1, maxBatch: 1 });
    try {
      await expect(pool.run(torch.tensor([[666]]))).rejects.toThrow('serve.Pool: worker 0 exited unexpectedly with code 3');
      expect(((await pool.run(torch.tensor([[2]]))) as torch.Tensor).tolist()).toEqual([[2]]);
    } finally {
      await pool.close();
    }
  });

  it('rejects create() when the model cannot load, and leaves no worker behind', async () => {
    await expect(torch.serve.Pool.create(spec('broken'), { numWorkers: 2, numThreads: 1 })).rejects.toThrow(
      /^serve\.Pool: worker \d could not load the model \(broken from .*serve-model\.ts\): broken: no weights here$/,
    );
    await expect(torch.serve.Pool.create(spec('noSuchExport'), { numWorkers: 1 })).rejects.toThrow("has no exported function or class named 'noSuchExport'");
    await expect(torch.serve.Pool.create(spec('mlp'), { maxBatch: 0 })).rejects.toThrow('serve.Pool: maxBatch must be a positive integer, but got 0');
    await expect(torch.serve.Pool.create({ module: helper } as never)).rejects.toThrow('expected a model spec { module: string, exportName: string, args?: unknown[] }');
  });

  it('close() finishes what was asked, then refuses new requests', async () => {
    const pool = await torch.serve.Pool.create(spec('batchSizes'), { numWorkers: 1, numThreads: 1, maxBatch: 4, maxDelayMs: 1000 });
    const pending = Array.from({ length: 3 }, (_, i) => pool.run(torch.tensor([[i]], { dtype: torch.float32 })));
    // Closing does not wait out maxDelayMs: the queued requests go at once.
    const t0 = performance.now();
    const closed = pool.close();
    expect(pool.close()).toBe(closed);
    const outs = (await Promise.all(pending)) as torch.Tensor[];
    await closed;
    expect(performance.now() - t0).toBeLessThan(900);
    expect(outs.map((y) => Array.from(y.dataSync() as Float32Array))).toEqual([[0, 3], [1, 3], [2, 3]]);
    await expect(pool.run(torch.ones(1, 1))).rejects.toThrow('serve.Pool: run() after close()');
  });
});
