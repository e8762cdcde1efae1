import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { settledStorages, storagesAfterCollection } from './helpers/memory.js';

const storages = () => torch.memoryStats().cpu.storages;
const bytes = () => torch.memoryStats().cpu.allocatedBytes;

describe('dispose', () => {
  it('frees the storage at once, and only when the last view goes', () => {
    const before = storagesAfterCollection();
    const x = torch.rand(1000, 1000);
    const v = x.index('10:20');
    expect(storages()).toBe(before + 1);
    x.dispose();
    expect(storages()).toBe(before + 1); // the view still holds it
    const total = v.sum();
    expect(total.item()).toBeGreaterThan(0);
    total.dispose();
    v.dispose();
    expect(storages()).toBe(before);
    expect(x.isDisposed).toBe(true);
    x.dispose(); // idempotent
  });

  it('makes later use a clear error, not a crash', () => {
    const x = torch.ones(3);
    x.dispose();
    expect(() => x.add(1)).toThrow(/disposed/);
    expect(() => x.dataSync()).toThrow(/disposed/);
    expect(() => x.add_(1)).toThrow(/disposed/);
    expect(String(x)).toBe('tensor(<disposed>)');
  });

  it('supports Symbol.dispose (`using`)', () => {
    const before = storagesAfterCollection();
    {
      const t = torch.zeros(10);
      t[Symbol.dispose]();
    }
    expect(storages()).toBe(before);
  });

  it('torch.dispose walks arrays and objects', () => {
    const before = storagesAfterCollection();
    const a = torch.ones(2);
    const b = torch.ones(3);
    torch.dispose({ a, list: [b] });
    expect(storages()).toBe(before);
  });
});

describe('tidy', () => {
  it('returns live storages exactly to the count before it, keeping the result', () => {
    const x = torch.rand(64, 64);
    const before = storagesAfterCollection();
    const beforeBytes = bytes();
    const y = torch.tidy(() => {
      let h = x;
      for (let i = 0; i < 20; i++) h = h.matmul(x).relu().div(64).add(1).index(':', '::1').t();
      return h.sum(1);
    });
    expect(storages()).toBe(before + 1);
    y.dispose();
    expect(storages()).toBe(before);
    expect(bytes()).toBe(beforeBytes);
  });

  it('keeps tensors that became .grad and returns objects of tensors', () => {
    const w = torch.rand(4, 4, { requiresGrad: true });
    const before = storagesAfterCollection();
    const out = torch.tidy(() => {
      const loss = w.mul(w).sum();
      loss.backward();
      return { loss: loss.detach(), list: [w.mul(2)] };
    });
    expect(storages()).toBe(before + 3); // grad, loss and list[0]
    expect(w.grad).not.toBeNull();
    expect(w.grad!.sum().item()).toBeCloseTo(2 * (w.sum().item() as number), 4);
    torch.dispose(out);
    w.grad = null;
  });

  it('nests, and disposes everything on an exception', () => {
    const before = storagesAfterCollection();
    expect(() =>
      torch.tidy(() => {
        torch.ones(10);
        torch.tidy(() => torch.ones(5));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(storages()).toBe(before);
  });
});

describe('garbage collection without dispose', () => {
  it('a 10,000-step training loop written with raw ops stays bounded', () => {
    torch.manualSeed(0);
    const X = torch.rand(64, 128);
    const target = torch.rand(64, 16);
    const W1 = torch.randn(128, 256).mul_(0.05).requiresGrad_();
    const W2 = torch.randn(256, 16).mul_(0.05).requiresGrad_();
    const step = () => {
      // ~1 MB of tensors made and dropped per step, none disposed
      const h = X.matmul(W1).relu();
      const loss = h.matmul(W2).sub(target).pow(2).mean();
      loss.backward();
      torch.noGrad(() => {
        W1.sub_(W1.grad!.mul(0.01));
        W2.sub_(W2.grad!.mul(0.01));
      });
      W1.grad = null;
      W2.grad = null;
      return loss;
    };
    let first = 0;
    let last = 0;
    let peakNative = 0;
    let rssAfterWarmup = 0;
    let rssPeak = 0;
    for (let i = 0; i < 10_000; i++) {
      const loss = step();
      if (i === 0) first = loss.item() as number;
      if (i === 9_999) last = loss.item() as number;
      if (i % 100 === 0) {
        peakNative = Math.max(peakNative, bytes());
        const rss = process.memoryUsage().rss;
        if (i === 2_000) rssAfterWarmup = rss;
        if (i > 2_000) rssPeak = Math.max(rssPeak, rss);
      }
    }
    expect(last).toBeLessThan(first); // it trained
    // Native memory held at any time stays far below 10,000 steps' worth (~10 GB).
    expect(peakNative).toBeLessThan(256 * 1024 * 1024);
    // RSS stops growing after warm-up.
    expect(rssPeak - rssAfterWarmup).toBeLessThan(96 * 1024 * 1024);
  });
});

describe('caching allocator', () => {
  it('reuses large blocks instead of returning them to the system', () => {
    const mb64 = 16 * 1024 * 1024; // float32 elements in 64 MB
    const first = torch.empty(mb64);
    first.dispose();
    const cached = torch.memoryStats().cpu.cachedBytes;
    expect(cached).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    for (let i = 0; i < 5; i++) torch.zeros(mb64).dispose();
    expect(torch.memoryStats().cpu.cachedBytes).toBe(cached);
    torch.emptyCache();
    expect(torch.memoryStats().cpu.cachedBytes).toBe(0);
  });

  it('hands each small block to one tensor at a time, in every small size class', async () => {
    // Blocks up to 1 KiB have free lists of their own; a block handed out twice would
    // show up as two live tensors that overwrite each other. The garbage-collection test
    // above leaves storages to the collector: they are collected first, so that a
    // collection during this test cannot move the byte count.
    await settledStorages();
    const before = torch.memoryStats().cpu.allocatedBytes;
    for (let round = 0; round < 3; round++) {
      const live: torch.Tensor[] = [];
      for (let n = 1; n <= 300; n += 7) {
        for (let copy = 0; copy < 3; copy++) live.push(torch.full([n], n * 10 + copy));
      }
      live.forEach((t, i) => {
        const n = t.shape[0]!;
        const total = t.sum();
        expect(total.item()).toBe(n * (n * 10 + (i % 3)));
        total.dispose();
      });
      for (const t of live) t.dispose();
      expect(torch.memoryStats().cpu.allocatedBytes).toBe(before);
    }
    torch.emptyCache();
    const fresh = torch.arange(200);
    const total = fresh.sum();
    expect(total.item()).toBe(19900);
    fresh.dispose();
    total.dispose();
  });
});

describe('reading values', () => {
  it('await t.data() resolves to the values; .data is also the detached alias', async () => {
    const x = torch.tensor([1.5, 2.5], { requiresGrad: true });
    const values = await x.data();
    expect(Array.from(values as Float32Array)).toEqual([1.5, 2.5]);
    const alias = x.data;
    expect(alias.requiresGrad).toBe(false);
    alias.mul_(2); // invisible to autograd, visible in x
    expect(x.tolist()).toEqual([3, 5]);
    expect(x.isLeaf).toBe(true);
  });
});

describe('accurate reductions', () => {
  it('a float32 sum of 2^24 values stays within float32 rounding of the float64 sum', () => {
    torch.manualSeed(0);
    const x = torch.rand(1 << 24);
    const s32 = x.sum().item() as number;
    const s64 = x.double().sum().item() as number;
    expect(Math.abs(s32 - s64) / s64).toBeLessThan(2 ** -23);
    // a naive float32 running sum of these would be off by ~1e-3 relative
    const ones = torch.ones(1 << 24);
    expect(ones.sum().item()).toBe(1 << 24);
    x.dispose();
    ones.dispose();
  });
});
