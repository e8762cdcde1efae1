// matmul / mm / bmm / t against PyTorch values in tests/fixtures/ops.json
// (scripts/make_fixtures.py), with gradients and float64 gradchecks.
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { runCases, valuesOf, type Op } from './helpers/reference.js';

const table: Record<string, Op> = {
  dot_1d_1d: ([a, b]) => a.matmul(b),
  matmul_2d_1d: ([a, b]) => a.matmul(b),
  matmul_1d_2d: ([a, b]) => a.matmul(b),
  matmul_2d_2d: ([a, b]) => a.matmul(b),
  matmul_3d_3d: ([a, b]) => torch.matmul(a, b),
  matmul_broadcast_batched: ([a, b]) => a.matmul(b),
  matmul_3d_2d: ([a, b]) => a.matmul(b),
  matmul_2d_3d: ([a, b]) => a.matmul(b),
  matmul_3d_1d: ([a, b]) => a.matmul(b),
  matmul_1d_3d: ([a, b]) => a.matmul(b),
  mm: ([a, b]) => a.mm(b),
  mm_free: ([a, b]) => torch.mm(a, b),
  bmm: ([a, b]) => a.bmm(b),
  matmul_transposed_lhs: ([a, b]) => a.t().matmul(b),
  matmul_transposed_rhs: ([a, b]) => a.matmul(b.t()),
  mm_both_transposed: ([a, b]) => a.t().mm(b.t()),
  matmul_transpose_batched: ([a, b]) => a.matmul(b.transpose(1, 2)),
  t_2d: ([a]) => a.t(),
  t_1d: ([a]) => a.t(),
  mm_float64: ([a, b]) => a.mm(b),
  bmm_float64: ([a, b]) => torch.bmm(a, b),
  matmul_broadcast_float64: ([a, b]) => a.matmul(b),
  dot_float64: ([a, b]) => a.matmul(b),
  mm_large: ([a, b]) => a.mm(b),
};

describe('matmul vs PyTorch', () => {
  runCases('matmul', table, {
    // 33-long float32 dot products: summation order differs between BLAS kernels
    tol: { mm_large: { rtol: 1e-4, atol: 1e-4 } },
    // 858 input elements = 1716 forward passes; mm's gradient is checked on the smaller cases
    skipGradcheck: ['mm_large'],
  });
});

describe('matmul details', () => {
  it('computes a small product exactly', () => {
    const a = torch.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: torch.float32 },
    );
    const b = torch.tensor(
      [
        [7, 8],
        [9, 10],
        [11, 12],
      ],
      { dtype: torch.float32 },
    );
    const c = a.matmul(b);
    expect(c.shape).toEqual([2, 2]);
    expect(valuesOf(c)).toEqual([58, 64, 139, 154]);
    expect(valuesOf(a.mm(b))).toEqual([58, 64, 139, 154]);
    // (a b)^T = b^T a^T, through transposed (non-contiguous) operands
    expect(valuesOf(b.t().matmul(a.t()))).toEqual([58, 139, 64, 154]);
  });

  it('1-D @ 1-D is a 0-d dot product', () => {
    const v = torch.tensor([1, 2, 3], { dtype: torch.float64 });
    const d = v.matmul(v);
    expect(d.shape).toEqual([]);
    expect(Number(d.item())).toBe(14);
  });

  it('gradients of a @ b are g b^T and a^T g', () => {
    const a = torch.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: torch.float64, requiresGrad: true },
    );
    const b = torch.tensor(
      [
        [5, 6],
        [7, 8],
      ],
      { dtype: torch.float64, requiresGrad: true },
    );
    a.matmul(b).sum().backward();
    if (!a.grad || !b.grad) throw new Error('missing gradients');
    // g = ones: dA = ones @ b^T (row sums of b), dB = a^T @ ones (column sums of a)
    expect(valuesOf(a.grad)).toEqual([11, 15, 11, 15]);
    expect(valuesOf(b.grad)).toEqual([4, 4, 6, 6]);
  });
});

describe('OpenBLAS worker threads (src/native/addon.ts)', () => {
  // With OpenBLAS's default they spin for about 0.1 s after every call, taking the cores
  // from flint's own pool. Five GEMMs, each followed by 40 ms in which this thread sleeps:
  // spinning workers would use up to 200 ms of CPU there; sleeping ones almost none.
  it.skipIf(process.env.OPENBLAS_THREAD_TIMEOUT !== undefined)(
    'sleep soon after a GEMM, and the variable that says so is not left in the environment',
    () => {
      expect(process.env.OPENBLAS_THREAD_TIMEOUT).toBeUndefined();
      const a = torch.rand([512, 512]);
      torch.matmul(a, a).dispose();
      const idle = new Int32Array(new SharedArrayBuffer(4));
      const before = process.cpuUsage();
      let gemmMs = 0;
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        torch.matmul(a, a).dispose();
        gemmMs += performance.now() - t;
        Atomics.wait(idle, 0, 0, 40);
      }
      const used = process.cpuUsage(before);
      const cpuMs = (used.user + used.system) / 1000;
      // Two threads' worth of the GEMMs themselves, plus 60 ms of the 200 ms that spinning takes.
      expect(cpuMs).toBeLessThan(2 * gemmMs + 60);
      a.dispose();
    },
  );
});
