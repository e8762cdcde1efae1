// matmul / mm / bmm / t against PyTorch values in tests/fixtures/ops.json
// (scripts/make_fixtures.py), with gradients and float64 gradchecks.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
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

describe("products split across flint's pool (native/cpu/matmul.cc, pooledBlas)", () => {
  // With one thread a product is one OpenBLAS call; with more, each thread computes a band of
  // rows, of columns, or of batch entries (see pooledBlas for which, by size). OpenBLAS's
  // kernels round a row by where it falls in their blocks, so the bits may differ by thread
  // count (as PyTorch's do when OpenBLAS or MKL split a product over their threads), but never
  // the placement: each split is checked against the float64 product of the same operands,
  // and must repeat bit for bit.
  const r = (...shape: number[]) => torch.rand(shape);
  const products: Record<string, [() => torch.Tensor[], (t: torch.Tensor[]) => torch.Tensor]> = {
    'row bands': [() => [r(200, 300), r(300, 150)], ([a, b]) => torch.matmul(a, b)],
    'row bands, both operands transposed': [() => [r(300, 200), r(150, 300)], ([a, b]) => torch.matmul(a.t(), b.t())],
    'column bands (8 rows)': [() => [r(8, 512), r(512, 2048)], ([a, b]) => torch.matmul(a, b)],
    'column bands, transposed B': [() => [r(8, 512), r(2048, 512)], ([a, b]) => torch.matmul(a, b.t())],
    'column bands across batch entries': [() => [r(2, 8, 512), r(2, 512, 1024)], ([a, b]) => torch.bmm(a, b)],
    'batch entries': [() => [r(6, 64, 96), r(6, 96, 64)], ([a, b]) => torch.bmm(a, b)],
    'batch entries, a broadcast operand': [() => [r(6, 64, 96), r(1, 96, 64)], ([a, b]) => torch.bmm(a, b.expand([6, 96, 64]))],
    'row bands across batch entries': [() => [r(2, 100, 200), r(2, 200, 120)], ([a, b]) => torch.bmm(a, b)],
    'addmm with a broadcast bias': [
      () => [r(150), r(200, 300), r(300, 150)],
      ([c, a, b]) => torch.addmm(c, a, b, { beta: 0.5, alpha: 2 }),
    ],
  };
  const threads = torch.getNumThreads();

  // The product's output is taken from the allocator's cache, where a block of its size held
  // NaN a moment ago: a band that is never written shows as NaN.
  const poisoned = (shape: number[], product: () => torch.Tensor): torch.Tensor => {
    torch.full(shape, Number.NaN).dispose();
    return product();
  };

  for (const [name, [operands, op]] of Object.entries(products)) {
    it(name, () => {
      torch.manualSeed(7);
      const inputs = operands();
      try {
        torch.setNumThreads(1);
        const reference = op(inputs.map((t) => t.double()));
        for (const count of [1, 2, 3]) {
          torch.setNumThreads(count);
          const result = poisoned(reference.shape, () => op(inputs));
          expect(result.dtype).toBe(torch.float32);
          expect(torch.allclose(result.double(), reference, { rtol: 1e-5, atol: 1e-4 }), `${count} threads`).toBe(true);
          const again = poisoned(reference.shape, () => op(inputs));
          expect(torch.equal(again, result), `${count} threads, again`).toBe(true);
          result.dispose();
          again.dispose();
        }
      } finally {
        torch.setNumThreads(threads);
      }
    });
  }

  it('a float64 product split in row bands', () => {
    torch.manualSeed(7);
    const a = torch.rand([130, 300], { dtype: torch.float64 }), b = torch.rand([300, 140], { dtype: torch.float64 });
    try {
      torch.setNumThreads(1);
      const one = torch.matmul(a, b);
      torch.setNumThreads(3);
      torch.full([130, 140], Number.NaN, { dtype: torch.float64 }).dispose();
      expect(torch.allclose(torch.matmul(a, b), one, { rtol: 1e-12, atol: 0 })).toBe(true);
    } finally {
      torch.setNumThreads(threads);
    }
  });

  // a[i][p] = i and b[p][j] = j give (a @ b)[i][j] = k * i * j, exact in float32 in any order.
  const known = (m: number, k: number, n: number) => ({
    a: torch.arange(m).reshape([m, 1]).expand([m, k]).contiguous().float(),
    b: torch.arange(n).reshape([1, n]).expand([k, n]).contiguous().float(),
    expected: torch.arange(m).reshape([m, 1]).mul(torch.arange(n).reshape([1, n])).mul(k).float(),
  });

  it('a band lands where it belongs: products of known values, exact in any order', () => {
    try {
      for (const count of [2, 3, 4]) {
        torch.setNumThreads(count);
        // 200 rows by 100 columns: row blocks (25 of them, against 7 column blocks).
        const tall = known(200, 64, 100);
        expect(torch.equal(poisoned([200, 100], () => torch.matmul(tall.a, tall.b)), tall.expected), `rows, ${count} threads`).toBe(true);
        // 4 rows by 2400 columns: column blocks.
        const wide = known(4, 256, 2400);
        expect(torch.equal(poisoned([4, 2400], () => torch.matmul(wide.a, wide.b)), wide.expected), `columns, ${count} threads`).toBe(true);
        // Three entries, each its own multiple: whole entries at 3 threads, row blocks that
        // cross entries at 2 and 4.
        const batch = known(100, 64, 300);
        const scale = torch.tensor([1, 2, 3]).reshape([3, 1, 1]).float();
        const a3 = batch.a.unsqueeze(0).mul(scale);
        const b3 = batch.b.unsqueeze(0).expand([3, 64, 300]);
        const expected3 = batch.expected.unsqueeze(0).mul(scale);
        expect(torch.equal(poisoned([3, 100, 300], () => torch.bmm(a3, b3)), expected3), `entries, ${count} threads`).toBe(true);
      }
    } finally {
      torch.setNumThreads(threads);
    }
  });
});

describe('OpenBLAS starts no threads of its own (src/native/addon.ts)', () => {
  const root = new URL('..', import.meta.url).pathname;
  // The number of threads a process has once the addon is loaded, and whether the variable
  // flint sets while loading it is left behind.
  function threadsAfterLoad(env: Record<string, string | undefined>): { threads: number; variable: string | null } {
    const script =
      "import * as torch from './src/index.ts'; torch.zeros(1);" +
      "const { readdirSync } = await import('node:fs');" +
      "console.log(JSON.stringify({ threads: readdirSync('/proc/self/task').length, variable: process.env.OPENBLAS_NUM_THREADS ?? null }))";
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      // OpenBLAS falls back to these when its own variable is unset.
      env: { ...process.env, OMP_NUM_THREADS: undefined, GOTO_NUM_THREADS: undefined, ...env, FLINT_NUM_THREADS: '4' },
    });
    expect(child.status, child.stderr).toBe(0);
    return JSON.parse(child.stdout.trim().split('\n').pop()!) as { threads: number; variable: string | null };
  }

  // OpenBLAS starts at most one thread per processor, so one processor shows no difference.
  it.runIf(process.platform === 'linux' && availableParallelism() >= 2)('as many threads as with OPENBLAS_NUM_THREADS=1, and the variable is not left set', () => {
    const unset = threadsAfterLoad({ OPENBLAS_NUM_THREADS: undefined });
    const one = threadsAfterLoad({ OPENBLAS_NUM_THREADS: '1' });
    const eight = threadsAfterLoad({ OPENBLAS_NUM_THREADS: '8' });
    expect(unset.variable).toBeNull();
    expect(one.variable).toBe('1');
    expect(unset.threads).toBe(one.threads);
    // The check can fail: OpenBLAS does start threads when it is told to.
    expect(eight.threads).toBeGreaterThan(one.threads);
  });

  // Five products, each followed by 40 ms in which this thread sleeps: threads that kept
  // polling would use up to 200 ms of CPU there; the pool's poll for 0.2 ms, then sleep.
  it('idle threads sleep soon after a product', () => {
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
    // Every pool thread's worth of the products themselves, plus 60 ms of the 200 ms that
    // polling would take (each of the pool's threads polls 0.2 ms after each product).
    expect(cpuMs).toBeLessThan(torch.getNumThreads() * (gemmMs + 1) + 60);
    a.dispose();
  });
});
