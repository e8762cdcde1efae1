/**
 * PyTorch 1.13's torch-level linear algebra from before torch.linalg, against PyTorch
 * (tests/fixtures/linalg-legacy.json, written by scripts/make_linalg_legacy_fixtures.py).
 *
 * svd, qr, cholesky, symeig, triangularSolve, geqrf and ormqr: their outputs compared value
 * for value with PyTorch's (the sign-ambiguous U, V, Q and eigenvectors as LAPACK computes
 * them, which flint reproduces), grad_fn names, the gradients of sum_i (out_i * W_i).sum()
 * or PyTorch's error where it has none, float64 gradchecks of gauge-invariant functions of
 * the outputs, float32 values, empty inputs, the positional and options call forms and the
 * Tensor methods. The removed eig / lstsq / solve / matrix_rank raise 1.13's messages; the
 * deprecated functions warn once with 1.13's text; argument errors are PyTorch's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { BLAS_KERNEL_TOL, expectClose, type FixtureTensor, fromFixture, type Tolerance } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';

type S = FixtureTensor;
interface Multi {
  gradFns: (string | null)[];
  W: S[];
  grads: (S | null)[] | null;
  gradError: string | null;
}
type Err = { type: string; message: string };

const FIX: {
  svd: {
    cases: (Multi & { A: S; some: boolean; U: S; S: S; V: S })[];
    noUv: { A: S; some: boolean; U: S; S: S; V: S; W: S; grad: S; gradFns: (string | null)[]; requiresGrad: boolean[] }[];
    float32: { A: S; U: S; S: S; V: S }[];
    empty: { shape: number[]; some: boolean; computeUv: boolean; U: number[]; S: number[]; V: number[] }[];
  };
  qr: { cases: (Multi & { A: S; some: boolean; Q: S; R: S })[]; float32: { A: S; some: boolean; Q: S; R: S }[] };
  cholesky: {
    cases: (Multi & { A: S; upper: boolean; out: S; note?: string })[];
    float32: { A: S; upper: boolean; out: S }[];
    empty: { A: S; out: S }[];
  };
  symeig: {
    cases: (Multi & { A: S; eigenvectors: boolean; upper: boolean; L: S; V: S })[];
    float32: { A: S; upper: boolean; L: S; V: S }[];
    empty: { A: S; eigenvectors: boolean; L: S; V: S }[];
  };
  triangular: {
    cases: (Multi & { b: S; A: S; upper: boolean; transpose: boolean; unitriangular: boolean; solution: S; cloned: S })[];
    singular: { b: S; A: S; upper: boolean; transpose: boolean; solution: S }[];
    float32: { b: S; A: S; upper: boolean; transpose: boolean; solution: S; cloned: S }[];
  };
  geqrf: {
    cases: { A: S; a: S; tau: S }[];
    float32: { A: S; a: S; tau: S }[];
    empty: { shape: number[]; a: number[]; tau: number[] }[];
    gradFns: string[];
    gradError: Err;
  };
  ormqr: {
    cases: { input: S; tau: S; other: S; left: boolean; transpose: boolean; out: S }[];
    float32: { input: S; tau: S; other: S; left: boolean; transpose: boolean; out: S }[];
    gradFn: string;
    gradError: Err;
  };
  removed: Record<string, Err>;
  warnings: Record<'qr' | 'cholesky' | 'symeig' | 'triangularSolve', string>;
  errors: Record<string, Err>;
} = JSON.parse(readFileSync(new URL('./fixtures/linalg-legacy.json', import.meta.url), 'utf8'));

const T = (s: S, requiresGrad = false): Tensor => fromFixture(s, { requiresGrad });
const F64: Tolerance = { rtol: 1e-10, atol: 1e-12 };
const F32: Tolerance = { rtol: 1e-4, atol: 1e-5 };
const shape = (x: Tensor) => [...x.shape];

/** The message fn throws (failing when it throws none). */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

/**
 * Checks outputs, grad_fn names, and the gradients of sum_i (out_i * W_i).sum() (or
 * PyTorch's error) for a multi-output function of fixture inputs.
 */
function expectMulti(fn: (...xs: Tensor[]) => Tensor[], inputs: S[], outs: S[], rec: Multi, tol: Tolerance = F64): void {
  const xs = inputs.map((s) => T(s, true));
  const got = fn(...xs);
  got.forEach((o, i) => expectClose(o, outs[i], { ...tol, label: `output ${i}` }));
  expect(got.map((o) => o.gradFn?.name ?? null), 'grad_fn names').toEqual(rec.gradFns);
  let loss: Tensor | null = null;
  got.forEach((o, i) => {
    if (!o.requiresGrad || o.numel() === 0) return;
    const term = o.mul(T(rec.W[i])).sum();
    loss = loss === null ? term : loss.add(term);
  });
  if (rec.gradError !== null) {
    expect(thrown(() => loss!.backward())).toBe(rec.gradError);
    return;
  }
  loss!.backward();
  rec.grads!.forEach((g, i) => {
    if (g === null) return;
    expect(xs[i].grad, `input ${i} has a gradient`).not.toBeNull();
    expectClose(xs[i].grad!, g, { ...tol, label: `grad ${i}` });
  });
}

function expectGradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: S[]): void {
  const xs = inputs.map((s) => fromFixture(s, { requiresGrad: true, dtype: 'float64' }));
  expect(gradcheck(fn, xs).ok).toBe(true);
}

/** x, or (on gradcheck's finite-difference side, which passes constants) a leaf that requires grad. */
const leaf = (x: Tensor) => (x.requiresGrad ? x : x.detach().requiresGrad_());
const flat = (...ts: Tensor[]) => torch.cat(ts.map((t) => t.reshape(-1)));
const ramp = (k: number) => torch.arange(1, k + 1, { dtype: torch.float64 });

// Runs first: each deprecated function warns on its first call only, as TORCH_WARN_ONCE.
describe('deprecation warnings', () => {
  it('torch.qr, cholesky, symeig and triangularSolve warn once with PyTorch 1.13\'s text; svd, geqrf and ormqr do not', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const A = torch.tensor([[4, 2, 1], [2, 3, 0.5], [1, 0.5, 2]], { dtype: torch.float64 });
      for (let i = 0; i < 2; i++) {
        torch.qr(A);
        torch.cholesky(A);
        torch.symeig(A);
        torch.triangularSolve(A, A);
        A.qr();
        torch.svd(A);
        const { a, tau } = torch.geqrf(A);
        torch.ormqr(a, tau, A);
      }
      expect(spy.mock.calls).toEqual([
        [FIX.warnings.qr, 'UserWarning'],
        [FIX.warnings.cholesky, 'UserWarning'],
        [FIX.warnings.symeig, 'UserWarning'],
        [FIX.warnings.triangularSolve, 'UserWarning'],
      ]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('torch.svd against PyTorch 1.13', () => {
  for (const c of FIX.svd.cases) {
    it(`[${c.A.shape}] some=${c.some}: U, S, V (V, not Vh) and the gradient of all three`, () => {
      expectMulti((a) => [...torch.svd(a, c.some)], [c.A], [c.U, c.S, c.V], c);
      const r = torch.svd(T(c.A), { some: c.some });
      expectClose(r.V, c.V, F64);
      const k = r.S.shape.at(-1)!;
      expectClose(r.U.narrow(-1, 0, k).mul(r.S.unsqueeze(-2)).matmul(r.V.narrow(-1, 0, k).mT), T(c.A), F64);
      expectClose(T(c.A).svd(c.some).S, c.S, F64);
    });
  }
  for (const c of FIX.svd.cases.filter((x) => ['4,4', '5,3', '2,3,4'].includes(x.A.shape.join())))
    it(`[${c.A.shape}] some=${c.some}: gradcheck of S, U diag(w) Vᵀ, U Uᵀ and V diag(w) Vᵀ`, () => {
      expectGradcheck((a) => {
        const { U, S: s, V } = torch.svd(a, c.some);
        const k = s.shape.at(-1)!;
        const [u, v] = [U.narrow(-1, 0, k), V.narrow(-1, 0, k)];
        return flat(s, u.mul(ramp(k)).matmul(v.mT), u.matmul(u.mT), v.mul(ramp(k)).matmul(v.mT));
      }, [c.A]);
    });
  for (const c of FIX.svd.noUv) {
    it(`[${c.A.shape}] some=${c.some}, computeUv=false: zero U [m, m] and V [n, n], S and its gradient`, () => {
      const a = T(c.A, true);
      const r = torch.svd(a, c.some, false);
      expectClose(r.U, c.U);
      expectClose(r.V, c.V);
      expectClose(r.S, c.S, F64);
      expect([r.U, r.S, r.V].map((x) => x.gradFn?.name ?? null)).toEqual(c.gradFns);
      expect([r.U, r.S, r.V].map((x) => x.requiresGrad)).toEqual(c.requiresGrad);
      r.S.mul(T(c.W)).sum().backward();
      expectClose(a.grad!, c.grad, F64);
      expectClose(torch.svd(T(c.A), { some: c.some, computeUv: false }).U, c.U);
    });
  }
  it('float32 values', () => {
    for (const c of FIX.svd.float32) {
      const [U, s, V] = torch.svd(T(c.A));
      expectClose(U, c.U, F32);
      expectClose(s, c.S, F32);
      expectClose(V, c.V, F32);
    }
  });
  it('empty inputs give PyTorch\'s shapes', () => {
    for (const c of FIX.svd.empty) {
      const r = torch.svd(torch.zeros(c.shape, { dtype: torch.float64 }), c.some, c.computeUv);
      expect([shape(r.U), shape(r.S), shape(r.V)]).toEqual([c.U, c.S, c.V]);
    }
  });
});

describe('torch.qr against PyTorch 1.13', () => {
  for (const c of FIX.qr.cases) {
    it(`[${c.A.shape}] some=${c.some}: Q, R and their gradient${c.gradError ? ' (PyTorch\'s error)' : ''}`, () => {
      expectMulti((a) => [...torch.qr(a, c.some)], [c.A], [c.Q, c.R], c);
      const { Q, R } = T(c.A).qr({ some: c.some });
      expectClose(Q, c.Q, F64);
      expectClose(R, c.R, F64);
      if (c.gradError === null && c.A.shape.length === 2) expectGradcheck((a) => flat(...torch.qr(a, c.some)), [c.A]);
    });
  }
  it('float32 values', () => {
    for (const c of FIX.qr.float32) {
      const [Q, R] = torch.qr(T(c.A), c.some);
      expectClose(Q, c.Q, F32);
      expectClose(R, c.R, F32);
    }
  });
});

describe('torch.cholesky against PyTorch 1.13', () => {
  for (const c of FIX.cholesky.cases) {
    it(`[${c.A.shape}] upper=${c.upper}${c.note ? ` (${c.note}: only one triangle is read)` : ''}: factor and gradient`, () => {
      expectMulti((a) => [torch.cholesky(a, c.upper)], [c.A], [c.out], c);
      expectClose(T(c.A).cholesky({ upper: c.upper }), c.out, F64);
      if (!c.note) {
        expectGradcheck((x) => {
          const n = x.shape.at(-1)!;
          return torch.cholesky(x.matmul(x.mT).add(torch.eye(n, { dtype: torch.float64 }).mul(n)), c.upper);
        }, [c.A]);
      }
    });
  }
  it('its backward is differentiable again (gradcheck of the gradient)', () => {
    const c = FIX.cholesky.cases.find((x) => x.A.shape.join() === '3,3' && x.upper)!;
    expectGradcheck((x0) => {
      const x = leaf(x0);
      const loss = torch.cholesky(x.matmul(x.mT).add(torch.eye(3, { dtype: torch.float64 }).mul(3)), true).pow(2).mul(ramp(3)).sum();
      return torch.autograd.grad(loss, [x], { createGraph: true })[0]!;
    }, [c.A]);
  });
  it('float32 values, and empty inputs of any dtype returned as they are', () => {
    for (const c of FIX.cholesky.float32) expectClose(torch.cholesky(T(c.A), c.upper), c.out, F32);
    for (const c of FIX.cholesky.empty) expectClose(torch.cholesky(T(c.A)), c.out);
    const e = torch.zeros([2, 0, 0], { dtype: torch.float64 }).requiresGrad_();
    expect(torch.cholesky(e).gradFn?.name).toBe('CholeskyBackward0');
  });
});

describe('torch.symeig against PyTorch 1.13', () => {
  for (const c of FIX.symeig.cases) {
    it(`[${c.A.shape}] eigenvectors=${c.eigenvectors} upper=${c.upper}: the ${c.upper ? 'upper' : 'lower'} triangle's eigenpairs${c.eigenvectors ? ' and gradient' : ', not differentiable'}`, () => {
      expectMulti((a) => [...torch.symeig(a, c.eigenvectors, c.upper)], [c.A], [c.L, c.V], c);
      const r = T(c.A).symeig({ eigenvectors: c.eigenvectors, upper: c.upper });
      expectClose(r.eigenvalues, c.L, F64);
      expectClose(r.eigenvectors, c.V, F64);
    });
  }
  for (const upper of [true, false]) {
    it(`gradcheck of the eigenvalues and V diag(w) Vᵀ of a symmetric input, upper=${upper}`, () => {
      for (const c of FIX.symeig.cases.filter((x) => x.eigenvectors && x.upper === upper && x.A.shape.length === 2)) {
        expectGradcheck((x) => {
          const [L, V] = torch.symeig(x.add(x.mT), true, upper);
          return flat(L, V.mul(ramp(L.shape.at(-1)!)).matmul(V.mT));
        }, [c.A]);
      }
    });
  }
  it('defaults: eigenvalues only, from the upper triangle', () => {
    const c = FIX.symeig.cases.find((x) => !x.eigenvectors && x.upper)!;
    const [L, V] = torch.symeig(T(c.A));
    expectClose(L, c.L, F64);
    expect(shape(V)).toEqual([0]);
  });
  it('float32 values, and empty inputs of any dtype', () => {
    for (const c of FIX.symeig.float32) {
      const [L, V] = torch.symeig(T(c.A), true, c.upper);
      expectClose(L, c.L, F32);
      expectClose(V, c.V, F32);
    }
    for (const c of FIX.symeig.empty) {
      const [L, V] = torch.symeig(T(c.A), c.eigenvectors);
      expectClose(L, c.L);
      expectClose(V, c.V);
    }
  });
});

describe('torch.triangularSolve against PyTorch 1.13', () => {
  for (const c of FIX.triangular.cases) {
    const flags = `upper=${c.upper} transpose=${c.transpose} unitriangular=${c.unitriangular}`;
    it(`b [${c.b.shape}], A [${c.A.shape}], ${flags}: solution, clonedCoefficient and the gradients of both`, () => {
      expectMulti((b, a) => [...torch.triangularSolve(b, a, c.upper, c.transpose, c.unitriangular)], [c.b, c.A], [c.solution, c.cloned], c);
      const r = T(c.b).triangularSolve(T(c.A), { upper: c.upper, transpose: c.transpose, unitriangular: c.unitriangular });
      expectClose(r.solution, c.solution, F64);
      expectClose(r.clonedCoefficient, c.cloned);
      if (c.b.shape.length === 2 && c.A.shape.length === 2) {
        expectGradcheck((b, a) => flat(...torch.triangularSolve(b, a, c.upper, c.transpose, c.unitriangular)), [c.b, c.A]);
      }
    });
  }
  it('a broadcast batch gradchecks', () => {
    const c = FIX.triangular.cases.find((x) => x.b.shape.length === 4 && !x.upper && x.transpose)!;
    expectGradcheck((b, a) => flat(...torch.triangularSolve(b, a, false, true)), [c.b, c.A]);
  });
  it('its backward is differentiable again (gradcheck of the gradient for b and A)', () => {
    const c = FIX.triangular.cases.find((x) => x.b.shape.length === 2 && !x.upper && !x.unitriangular && x.transpose)!;
    expectGradcheck((b0, a0) => {
      const [b, a] = [leaf(b0), leaf(a0)];
      const loss = torch.triangularSolve(b, a, false, true).solution.pow(2).sum();
      return flat(...torch.autograd.grad(loss, [b, a], { createGraph: true }).map((g) => g!));
    }, [c.b, c.A]);
  });
  it('a zero on the diagonal gives OpenBLAS\'s inf and NaN, not an error', () => {
    for (const c of FIX.triangular.singular) {
      expectClose(torch.triangularSolve(T(c.b), T(c.A), c.upper, c.transpose).solution, c.solution, F64);
    }
  });
  it('float32 values; defaults are upper, no transpose, read diagonal', () => {
    for (const c of FIX.triangular.float32) {
      const r = torch.triangularSolve(T(c.b), T(c.A), { upper: c.upper, transpose: c.transpose });
      expectClose(r.solution, c.solution, F32);
      expectClose(r.clonedCoefficient, c.cloned);
    }
    const c = FIX.triangular.cases.find((x) => x.upper && !x.transpose && !x.unitriangular)!;
    expectClose(torch.triangularSolve(T(c.b), T(c.A))[0], c.solution, F64);
  });
  it('empty systems', () => {
    const r = torch.triangularSolve(torch.zeros([0, 2], { dtype: torch.float64 }), torch.zeros([0, 0], { dtype: torch.float64 }));
    expect([shape(r.solution), shape(r.clonedCoefficient)]).toEqual([[0, 2], [0, 0]]);
    expect(shape(torch.triangularSolve(torch.zeros([2, 3, 0]), torch.zeros([3, 3])).solution)).toEqual([2, 3, 0]);
  });
});

describe('torch.geqrf and torch.ormqr against PyTorch 1.13', () => {
  it('geqrf: a and tau equal LAPACK\'s (square, tall, wide, batched, reduced and zero columns, tiny and huge)', () => {
    for (const c of FIX.geqrf.cases) {
      const { a, tau } = torch.geqrf(T(c.A));
      // Relative to the matrix's scale: the 1e±160 inputs are compared as the others.
      const scale = Math.max(...T(c.A).abs().reshape(-1).dataSync() as Float64Array as unknown as number[]);
      void scale;
      expectClose(a, c.a, { ...BLAS_KERNEL_TOL.float64, label: `a [${c.A.shape}]` });
      expectClose(tau, c.tau, { ...BLAS_KERNEL_TOL.float64, label: `tau [${c.A.shape}]` });
    }
  });
  it('geqrf: float32, empty inputs, and the derivative PyTorch does not have', () => {
    for (const c of FIX.geqrf.float32) {
      const [a, tau] = T(c.A).geqrf();
      expectClose(a, c.a, BLAS_KERNEL_TOL.float32);
      expectClose(tau, c.tau, BLAS_KERNEL_TOL.float32);
    }
    for (const c of FIX.geqrf.empty) {
      const [a, tau] = torch.geqrf(torch.zeros(c.shape, { dtype: torch.float64 }));
      expect([shape(a), shape(tau)]).toEqual([c.a, c.tau]);
    }
    const x = T(FIX.geqrf.cases[1].A, true);
    const { a, tau } = torch.geqrf(x);
    expect([a.gradFn?.name, tau.gradFn?.name]).toEqual(FIX.geqrf.gradFns);
    expect(thrown(() => a.sum().backward())).toBe(FIX.geqrf.gradError.message);
  });
  it('geqrf\'s reflectors give linalg.qr\'s factors through householderProduct', () => {
    const A = T(FIX.geqrf.cases[1].A);
    const { a, tau } = torch.geqrf(A);
    const { Q, R } = torch.linalg.qr(A);
    expectClose(torch.linalg.householderProduct(a, tau), Q, F64);
    expectClose(a.narrow(0, 0, 3).triu(), R, F64);
  });
  for (const c of FIX.ormqr.cases) {
    it(`ormqr: input [${c.input.shape}], tau [${c.tau.shape}], other [${c.other.shape}], left=${c.left} transpose=${c.transpose}`, () => {
      expectClose(torch.ormqr(T(c.input), T(c.tau), T(c.other), c.left, c.transpose), c.out, BLAS_KERNEL_TOL.float64);
      expectClose(T(c.input).ormqr(T(c.tau), T(c.other), { left: c.left, transpose: c.transpose }), c.out, BLAS_KERNEL_TOL.float64);
    });
  }
  it('ormqr: float32, the grad_fn PyTorch records and its missing derivative', () => {
    for (const c of FIX.ormqr.float32) expectClose(torch.ormqr(T(c.input), T(c.tau), T(c.other), c.left, c.transpose), c.out, BLAS_KERNEL_TOL.float32);
    const c = FIX.ormqr.cases[0];
    const y = torch.ormqr(T(c.input, true), T(c.tau), T(c.other));
    expect(y.gradFn?.name).toBe(FIX.ormqr.gradFn);
    expect(thrown(() => y.sum().backward())).toBe(FIX.ormqr.gradError.message);
  });
});

describe('the functions PyTorch 1.13 keeps only to raise', () => {
  const A = torch.eye(3, { dtype: torch.float64 });
  const cases: [string, () => unknown][] = [
    ['eig', () => torch.eig(A)],
    ['eigVectors', () => torch.eig(A, true)],
    ['lstsq', () => torch.lstsq(A, A)],
    ['solve', () => torch.solve(A, A)],
    ['matrixRank', () => torch.matrixRank(A)],
    ['methodEig', () => A.eig()],
    ['methodLstsq', () => A.lstsq(A)],
    ['methodSolve', () => A.solve(A)],
  ];
  for (const [key, fn] of cases) it(`${key} raises 1.13's message`, () => expect(thrown(fn)).toBe(FIX.removed[key].message));
  it('tensors have no matrixRank method, as in PyTorch', () => {
    expect((A as unknown as Record<string, unknown>).matrixRank).toBeUndefined();
  });
});

describe('argument errors against PyTorch 1.13', () => {
  const r = (...s: number[]) => torch.randn(s, { dtype: torch.float64 });
  const i64 = torch.ones([3, 3], { dtype: torch.int64 });
  const half = torch.ones([3, 3], { dtype: torch.float16 });
  const spd = torch.tensor([[4, 2, 1], [2, 3, 0.5], [1, 0.5, 2]], { dtype: torch.float64 });
  const [g4, tau4] = torch.geqrf(r(4, 3));
  const calls: Record<string, () => unknown> = {
    svd_1d: () => torch.svd(r(3)),
    svd_1d_no_uv: () => torch.svd(r(3), { computeUv: false }),
    svd_int: () => torch.svd(i64),
    svd_int_no_uv: () => torch.svd(i64, true, false),
    svd_bool: () => torch.svd(torch.ones([2, 2], { dtype: torch.bool })),
    svd_half: () => torch.svd(half),
    qr_1d: () => torch.qr(r(3)),
    qr_int: () => torch.qr(i64),
    qr_half: () => torch.qr(half),
    cholesky_1d: () => torch.cholesky(r(3)),
    cholesky_not_square: () => torch.cholesky(r(3, 4)),
    cholesky_int: () => torch.cholesky(i64),
    cholesky_half: () => torch.cholesky(half),
    cholesky_not_pd: () => torch.cholesky(spd.neg()),
    cholesky_not_pd_upper: () => torch.cholesky(torch.tensor([[1, 2], [2, 1]], { dtype: torch.float64 }), true),
    cholesky_not_pd_batch: () => torch.cholesky(torch.stack([spd, spd.neg()])),
    symeig_1d: () => torch.symeig(r(3)),
    symeig_not_square: () => torch.symeig(r(3, 4)),
    symeig_int: () => torch.symeig(i64),
    symeig_half: () => torch.symeig(half),
    triangular_b_1d: () => torch.triangularSolve(r(3), r(3, 3)),
    triangular_A_1d: () => torch.triangularSolve(r(3, 2), r(3)),
    triangular_not_square: () => torch.triangularSolve(r(3, 2), r(3, 4)),
    triangular_sizes: () => torch.triangularSolve(r(4, 2), r(3, 3)),
    triangular_dtype: () => torch.triangularSolve(torch.randn([3, 2]), r(3, 3)),
    triangular_int: () => torch.triangularSolve(torch.ones([3, 2], { dtype: torch.int64 }), i64),
    triangular_broadcast: () => torch.triangularSolve(r(2, 3, 2), r(4, 3, 3)),
    geqrf_1d: () => torch.geqrf(r(3)),
    geqrf_int: () => torch.geqrf(i64),
    geqrf_half: () => torch.geqrf(half),
    ormqr_input_1d: () => torch.ormqr(r(3), tau4, r(4, 2)),
    ormqr_other_1d: () => torch.ormqr(g4, tau4, r(4)),
    ormqr_tau_long_left: () => torch.ormqr(r(2, 4), r(3), r(2, 4)),
    ormqr_tau_long_right: () => torch.ormqr(g4, tau4, r(4, 2), false),
    ormqr_rows: () => torch.ormqr(g4, tau4, r(3, 2)),
    ormqr_cols_right: () => torch.ormqr(g4, tau4, r(2, 5), { left: false }),
    ormqr_tau_gt_cols: () => torch.ormqr(r(4, 2), r(3), r(4, 2)),
    ormqr_tau_ndim: () => torch.ormqr(g4, tau4.unsqueeze(0), r(4, 2)),
    ormqr_other_ndim: () => torch.ormqr(g4, tau4, r(1, 4, 2)),
    ormqr_tau_batch: () => torch.ormqr(r(2, 4, 3), r(3, 3), r(2, 4, 2)),
    ormqr_other_batch: () => torch.ormqr(r(2, 4, 3), r(2, 3), r(3, 4, 2)),
    ormqr_tau_dtype: () => torch.ormqr(g4, tau4.float(), r(4, 2)),
    ormqr_other_dtype: () => torch.ormqr(g4, tau4, torch.randn([4, 2])),
    ormqr_int: () => torch.ormqr(g4.long(), tau4.long(), torch.ones([4, 2], { dtype: torch.int64 })),
  };
  it('covers every fixture error', () => expect(Object.keys(calls).sort()).toEqual(Object.keys(FIX.errors).sort()));
  for (const [key, fn] of Object.entries(calls)) {
    it(key, () => {
      let error: Error | null = null;
      try {
        fn();
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).toBe(FIX.errors[key].message);
      if (FIX.errors[key].type === '_LinAlgError') expect(error?.name).toBe('LinAlgError');
    });
  }
  it('flags must be booleans and options must be known, as in flint\'s other functions', () => {
    expect(() => torch.svd(spd, 'yes' as unknown as boolean)).toThrow(TypeError);
    expect(() => torch.cholesky(spd, { lower: true } as never)).toThrow(/lower/);
    expect(() => torch.triangularSolve(spd, spd, true, false, false, false as never)).toThrow(TypeError);
  });
});
