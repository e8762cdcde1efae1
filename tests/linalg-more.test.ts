/**
 * The later torch.linalg functions against PyTorch 1.13 (tests/fixtures/linalg-more.json,
 * written by scripts/make_linalg_more_fixtures.py).
 *
 * LU: linalg.luFactor / luFactorEx / lu on well-conditioned random matrices (square, batched,
 * wide, tall, 1×1; float64 and float32) compared factor for factor (their pivoting has no
 * ties) and through P L U = A; singular inputs (info, factors, reconstruction); lu_unpack with
 * each flag; the gradients of (out * W).sum() and grad_fn names of LinalgLuFactorExBackward0,
 * LinalgLuBackward0 and LuUnpackBackward0, and float64 gradchecks; A.lu() and torch.lu.
 * luSolve: left × adjoint, broadcast batches, the gradients for LU and B
 * (LinalgLuSolveBackward0), float32, a singular LU (PyTorch's inf and NaN), torch.luSolve.
 * matrixExp: a matrix per degree interval of PyTorch's algorithm (and 1, 3, 10 squarings),
 * float64 to 1e-13 and float32, a batch mixing degrees, n = 1 and 0, gradients
 * (LinalgMatrixExpBackward0), torch.matrixExp and A.matrixExp().
 * householderProduct / orgqr, invEx, solveEx (info, singular results, left = false),
 * diagonal, vander, tensorinv, tensorsolve, matrixPower: values, gradients, gradchecks.
 * PyTorch's error messages for the argument checks.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, type FixtureTensor, fromFixture, type Tolerance } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';

type S = FixtureTensor;
interface Grads {
  out: S;
  gradFn: string | null;
  W: S;
  grads: (S | null)[];
}
interface LuCase {
  name: string;
  A: S;
  LU: S;
  pivots: S;
  info: S;
  P: S;
  L: S;
  U: S;
  factor: Grads;
  luGradFn: string;
  WL: S;
  WU: S;
  luGrad: S;
}
type SolveCase = Grads & { left: boolean; adjoint: boolean; LU: S; pivots: S; B: S };
type MexpCase = Partial<Grads> & { name: string; A: S; out: S };
type HouseCase = Grads & { A: S; tau: S; orgqr: S };

const FIX: {
  torch: string;
  lu: {
    cases: LuCase[];
    float32: Omit<LuCase, 'name' | 'info' | 'factor' | 'luGradFn' | 'WL' | 'WU' | 'luGrad'>[];
    singular: Omit<LuCase, 'factor' | 'luGradFn' | 'WL' | 'WU' | 'luGrad'>[];
    unpack: { LU: S; pivots: S; unpackData: boolean; unpackPivots: boolean; P: S; L: S; U: S }[];
    unpackGrads: { LU: S; pivots: S; gradFn: string; WL: S; WU: S; grad: S }[];
    empty: { A: S; LU: S; pivots: S; P: S; L: S; U: S }[];
  };
  luSolve: {
    cases: SolveCase[];
    float32: { left: boolean; adjoint: boolean; LU: S; pivots: S; B: S; out: S }[];
    singular: { LU: S; pivots: S; B: S; out: S; outAdjoint: S };
    legacy: Grads & { A: S; LU: S; pivots: S; info: S; B: S; luGradFn: string };
  };
  matrixExp: { float64: MexpCase[]; float32: MexpCase[]; batch: Grads & { A: S }; small: { A: S; out: S; alias: S }[]; nilpotent: { A: S; out: S } };
  householder: { cases: HouseCase[]; float32: { A: S; tau: S; out: S } };
  ex: Record<string, Grads & Record<string, S>>;
  small: {
    diagonal: (Grads & { A: S; offset: number; dim1: number; dim2: number })[];
    vander: (Partial<Grads> & { x: S; N: number | null; out: S })[];
    tensorinv: (Grads & { A: S; ind: number })[];
    tensorsolve: (Grads & { A: S; B: S; dims: number[] | null })[];
    matrixPower: (Grads & { A: S; n: number })[];
  };
  errors: Record<string, { type: string; message: string }>;
} = JSON.parse(readFileSync(new URL('./fixtures/linalg-more.json', import.meta.url), 'utf8'));

const L = torch.linalg;
const T = (s: S, requiresGrad = false): Tensor => fromFixture(s, { requiresGrad });
const F64: Tolerance = { rtol: 1e-10, atol: 1e-12 };
const F32: Tolerance = { rtol: 1e-4, atol: 1e-5 };

/** Runs fn on the fixture inputs (floating ones requiring grad), checks out, grad_fn and the gradients of (out * W).sum(). */
function expectGrads(fn: (...xs: Tensor[]) => Tensor, inputs: S[], rec: Grads, tol: Tolerance = F64, gradFn: string | null = rec.gradFn): Tensor[] {
  const xs = inputs.map((s, i) => T(s, rec.grads[i] !== null));
  const out = fn(...xs);
  expectClose(out, rec.out, { ...tol, label: 'out' });
  if (gradFn !== null) expect(out.gradFn?.name, 'grad_fn').toBe(gradFn);
  out.mul(T(rec.W)).sum().backward();
  rec.grads.forEach((g, i) => {
    if (g === null) return;
    expect(xs[i].grad, `input ${i} has a gradient`).not.toBeNull();
    expectClose(xs[i].grad!, g, { ...tol, label: `grad ${i}` });
  });
  return xs;
}

/** flint's float64 gradcheck (finite differences) of fn at the fixture inputs. */
function expectGradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: S[], which: boolean[] = inputs.map(() => true)): void {
  const xs = inputs.map((s, i) => fromFixture(s, { requiresGrad: which[i], dtype: 'float64' }));
  expect(gradcheck(fn, xs).ok).toBe(true);
}

const flat = (...ts: Tensor[]) => torch.cat(ts.map((t) => t.reshape(-1)));
const reconstruct = (P: Tensor, l: Tensor, U: Tensor) => P.matmul(l).matmul(U);

// ----------------------------------------------------------------------------------- LU

describe('linalg.luFactor / luFactorEx / lu against PyTorch 1.13', () => {
  for (const c of FIX.lu.cases) {
    it(`${c.name} [${c.A.shape}]: LU, int32 pivots, info and P, L, U equal PyTorch's; P L U = A`, () => {
      const A = T(c.A);
      const { LU, pivots } = L.luFactor(A);
      expectClose(LU, c.LU, { ...F64, label: 'LU' });
      expectClose(pivots, c.pivots, { label: 'pivots' });
      const ex = L.luFactorEx(A);
      expectClose(ex.LU, c.LU, F64);
      expectClose(ex.info, c.info, { label: 'info' });
      const [LU2, piv2] = L.luFactor(A);
      expect(LU2.shape).toEqual(c.LU.shape);
      expectClose(piv2, c.pivots);
      const { P, L: l, U } = L.lu(A);
      expectClose(P, c.P, { label: 'P' });
      expectClose(l, c.L, { ...F64, label: 'L' });
      expectClose(U, c.U, { ...F64, label: 'U' });
      expectClose(reconstruct(P, l, U), c.A, { rtol: 1e-12, atol: 1e-12, label: 'P L U' });
    });

    it(`${c.name}: gradients of LU (LinalgLuFactorExBackward0) and of L, U (LinalgLuBackward0)`, () => {
      expectGrads((a) => L.luFactor(a).LU, [c.A], c.factor);
      expectGrads((a) => L.luFactorEx(a).LU, [c.A], c.factor);
      const A = T(c.A, true);
      const { P, L: l, U } = L.lu(A);
      expect(P.requiresGrad).toBe(false);
      expect(l.gradFn?.name).toBe(c.luGradFn);
      expect(U.gradFn?.name).toBe(c.luGradFn);
      l.mul(T(c.WL)).sum().add(U.mul(T(c.WU)).sum()).backward();
      expectClose(A.grad!, c.luGrad, { ...F64, label: 'grad of L, U' });
    });

    it(`${c.name}: float64 gradchecks of luFactor and lu`, () => {
      expectGradcheck((a) => L.luFactor(a).LU, [c.A]);
      expectGradcheck((a) => {
        const r = L.lu(a);
        return flat(r.L, r.U);
      }, [c.A]);
      expectGradcheck((a) => L.lu(a).L, [c.A]);
      expectGradcheck((a) => L.lu(a).U, [c.A]);
    });
  }

  it('float32: factors equal PyTorch to float32 rounding', () => {
    for (const c of FIX.lu.float32) {
      const A = T(c.A);
      const { LU, pivots } = L.luFactor(A);
      expectClose(LU, c.LU, F32);
      expectClose(pivots, c.pivots);
      const { P, L: l, U } = L.lu(A);
      expectClose(P, c.P);
      expectClose(l, c.L, F32);
      expectClose(U, c.U, F32);
    }
  });

  for (const c of FIX.lu.singular) {
    it(`singular ${c.name}: luFactorEx's info and factors, lu's P, L, U, and P L U = A`, () => {
      const A = T(c.A);
      const { LU, pivots, info } = L.luFactorEx(A);
      expectClose(info, c.info, { label: 'info' });
      expectClose(LU, c.LU, F64);
      expectClose(pivots, c.pivots);
      const { P, L: l, U } = L.lu(A);
      expectClose(P, c.P);
      expectClose(l, c.L, F64);
      expectClose(U, c.U, F64);
      expectClose(reconstruct(P, l, U), c.A, F64);
    });
  }

  it('empty matrices and batches: shapes (and int32 pivots) as PyTorch', () => {
    for (const c of FIX.lu.empty) {
      const { LU, pivots } = L.luFactor(T(c.A));
      expectClose(LU, c.LU);
      expectClose(pivots, c.pivots);
      const { P, L: l, U } = L.lu(T(c.A));
      expectClose(P, c.P);
      expectClose(l, c.L);
      expectClose(U, c.U);
    }
  });

  it('the older torch.lu and A.lu(): [LU, pivots], and info with getInfos; never raising', () => {
    const c = FIX.luSolve.legacy;
    const [LU, pivots] = torch.lu(T(c.A));
    expectClose(LU, c.LU, F64);
    expectClose(pivots, c.pivots);
    const withInfo = T(c.A).lu({ getInfos: true });
    expect(withInfo.length).toBe(3);
    expectClose(withInfo[2]!, c.info);
    const singular = FIX.lu.singular.find((s) => s.name === 'batch_one_singular')!;
    const [sLU, , sInfo] = torch.lu(T(singular.A), { getInfos: true });
    expectClose(sLU, singular.LU, F64);
    expectClose(sInfo, singular.info);
    expect(torch.lu(T(singular.A)).length).toBe(2);
    expect(torch.lu(T(c.A, true))[0].gradFn?.name).toBe(c.luGradFn);
  });
});

describe('torch.luUnpack against PyTorch 1.13', () => {
  it('each combination of unpackData and unpackPivots (empty outputs where PyTorch has them)', () => {
    for (const c of FIX.lu.unpack) {
      const [P, l, U] = torch.luUnpack(T(c.LU), T(c.pivots), c.unpackData, c.unpackPivots);
      expectClose(P, c.P, F64);
      expectClose(l, c.L, F64);
      expectClose(U, c.U, F64);
    }
  });

  for (const c of FIX.lu.unpackGrads) {
    it(`[${c.LU.shape}]: the gradient of L and U for LU (${c.gradFn}) and gradcheck`, () => {
      const LU = T(c.LU, true);
      const { L: l, U } = torch.luUnpack(LU, T(c.pivots));
      expect(l.gradFn?.name).toBe(c.gradFn);
      expect(U.gradFn?.name).toBe(c.gradFn);
      l.mul(T(c.WL)).sum().add(U.mul(T(c.WU)).sum()).backward();
      expectClose(LU.grad!, c.grad, F64);
      const piv = T(c.pivots);
      expectGradcheck((lu) => {
        const r = torch.luUnpack(lu, piv);
        return flat(r.L, r.U);
      }, [c.LU]);
    });
  }
});

describe('linalg.luSolve against PyTorch 1.13', () => {
  for (const c of FIX.luSolve.cases) {
    const what = `left=${c.left} adjoint=${c.adjoint}, LU [${c.LU.shape}], B [${c.B.shape}]`;
    it(`${what}: values and the gradients for LU and B (${c.gradFn})`, () => {
      const piv = T(c.pivots);
      expectGrads((lu, b) => L.luSolve(lu, piv, b, { left: c.left, adjoint: c.adjoint }), [c.LU, c.B], c);
    });
    it(`${what}: float64 gradcheck`, () => {
      const piv = T(c.pivots);
      expectGradcheck((lu, b) => L.luSolve(lu, piv, b, { left: c.left, adjoint: c.adjoint }), [c.LU, c.B]);
    });
  }

  it('float32 values', () => {
    for (const c of FIX.luSolve.float32) {
      expectClose(L.luSolve(T(c.LU), T(c.pivots), T(c.B), { left: c.left, adjoint: c.adjoint }), c.out, F32);
    }
  });

  it("a singular LU gives PyTorch's inf and NaN (getrs's substitution with a zero pivot)", () => {
    const c = FIX.luSolve.singular;
    expectClose(L.luSolve(T(c.LU), T(c.pivots), T(c.B)), c.out, F64);
    expectClose(L.luSolve(T(c.LU), T(c.pivots), T(c.B), { adjoint: true }), c.outAdjoint, F64);
  });

  it('the older torch.luSolve(b, LU, pivots) and b.luSolve(LU, pivots): values and gradients', () => {
    const c = FIX.luSolve.legacy;
    const piv = T(c.pivots);
    expectGrads((b, lu) => torch.luSolve(b, lu, piv), [c.B, c.LU], c);
    expectGrads((b, lu) => b.luSolve(lu, piv), [c.B, c.LU], c);
  });
});

// ----------------------------------------------------------------------------- matrix_exp

describe('linalg.matrixExp against PyTorch 1.13', () => {
  for (const c of FIX.matrixExp.float64) {
    it(`float64 ${c.name}: values to 1e-13 and the gradient (${c.gradFn})`, () => {
      expectGrads((a) => L.matrixExp(a), [c.A], c as Grads, { rtol: 1e-13, atol: 1e-14 });
    });
    if (c.name !== 'scale10') {
      it(`float64 ${c.name}: gradcheck`, () => expectGradcheck((a) => L.matrixExp(a), [c.A]));
    }
  }

  it('float32: each degree interval and squaring count', () => {
    for (const c of FIX.matrixExp.float32) expectClose(L.matrixExp(T(c.A)), c.out, { rtol: 2e-5, atol: 1e-6, label: c.name });
  });

  it('a batch mixing degrees and squarings: values, gradient and gradcheck', () => {
    const c = FIX.matrixExp.batch;
    expectGrads((a) => L.matrixExp(a), [c.A], c, { rtol: 1e-13, atol: 1e-14 });
    expectGradcheck((a) => L.matrixExp(a), [c.A]);
  });

  it('n = 1 (exp), n = 0 (empty), a nilpotent matrix; torch.matrixExp and A.matrixExp()', () => {
    for (const c of FIX.matrixExp.small) {
      expectClose(L.matrixExp(T(c.A)), c.out, F64);
      expectClose(torch.matrixExp(T(c.A)), c.alias, F64);
      expectClose(T(c.A).matrixExp(), c.out, F64);
    }
    expectClose(L.matrixExp(T(FIX.matrixExp.nilpotent.A)), FIX.matrixExp.nilpotent.out, { rtol: 1e-14, atol: 1e-15 });
    const one = T(FIX.matrixExp.small[0].A, true);
    const y = L.matrixExp(one);
    expect(y.gradFn?.name).toBe('LinalgMatrixExpBackward0');
    y.sum().backward();
    expectClose(one.grad!, y.detach(), F64);
  });
});

// ------------------------------------------------------------------- householder, ex, small

describe('linalg.householderProduct / torch.orgqr against PyTorch 1.13', () => {
  for (const c of FIX.householder.cases) {
    it(`A [${c.A.shape}], tau [${c.tau.shape}]: values, gradients (${c.gradFn}) and gradcheck`, () => {
      expectGrads((a, tau) => L.householderProduct(a, tau), [c.A, c.tau], c);
      expectClose(torch.orgqr(T(c.A), T(c.tau)), c.orgqr, F64);
      expectClose(T(c.A).orgqr(T(c.tau)), c.orgqr, F64);
      expectGradcheck((a, tau) => L.householderProduct(a, tau), [c.A, c.tau]);
    });
  }

  it('float32 values', () => {
    const c = FIX.householder.float32;
    expectClose(L.householderProduct(T(c.A), T(c.tau)), c.out, F32);
  });
});

describe('linalg.invEx / solveEx against PyTorch 1.13', () => {
  const E = FIX.ex;
  it('invEx: inverse, info and the gradient (LinalgInvExBackward0), gradcheck', () => {
    expectGrads((a) => L.invEx(a).inverse, [E.inv.A], E.inv);
    expectClose(L.invEx(T(E.inv.A)).info, E.inv.info);
    expectGradcheck((a) => L.invEx(a).inverse, [E.inv.A]);
  });

  it("invEx of a batch with singular matrices: PyTorch's info codes and inf / NaN inverses", () => {
    const [inverse, info] = L.invEx(T(E.invSingular.A));
    expectClose(info, E.invSingular.info);
    expectClose(inverse, E.invSingular.inverse, F64);
  });

  it('solveEx: result, info and gradients (LinalgSolveExBackward0), left = false, a vector B', () => {
    expectGrads((a, b) => L.solveEx(a, b).result, [E.solve.A, E.solve.B], E.solve);
    expectClose(L.solveEx(T(E.solve.A), T(E.solve.B)).info, E.solve.info);
    expectGrads((a, b) => L.solveEx(a, b, { left: false }).result, [E.solveLeft.A, E.solveLeft.B], E.solveLeft);
    expectClose(L.solveEx(T(E.solveVector.A), T(E.solveVector.B)).result, E.solveVector.out, F64);
    expectGradcheck((a, b) => L.solveEx(a, b).result, [E.solve.A, E.solve.B]);
  });

  it("solveEx with singular matrices: PyTorch's info and inf / NaN results, left and right", () => {
    const s = L.solveEx(T(E.solveSingular.A), T(E.solveSingular.B));
    expectClose(s.info, E.solveSingular.info);
    expectClose(s.result, E.solveSingular.result, F64);
    const r = L.solveEx(T(E.solveSingularLeft.A), T(E.solveSingularLeft.B), { left: false });
    expectClose(r.info, E.solveSingularLeft.info);
    expectClose(r.result, E.solveSingularLeft.result, F64);
  });
});

describe('linalg.diagonal, vander, tensorinv, tensorsolve and torch.matrixPower against PyTorch 1.13', () => {
  const M = FIX.small;
  it('diagonal: offsets and dims, values and gradients', () => {
    for (const c of M.diagonal) {
      expectGrads((a) => L.diagonal(a, { offset: c.offset, dim1: c.dim1, dim2: c.dim2 }), [c.A], c);
    }
  });

  it('vander: float (gradients), int64 / int32 (int64 powers), float32, 0-d', () => {
    for (const c of M.vander) {
      const options = c.N === null ? undefined : { N: c.N };
      if (c.grads) expectGrads((x) => L.vander(x, options), [c.x], c as Grads);
      else expectClose(L.vander(T(c.x), options), c.out, F64);
    }
    expectGradcheck((x) => L.vander(x, { N: 4 }), [M.vander[0].x]);
  });

  it('tensorinv: values, gradients and gradcheck', () => {
    for (const c of M.tensorinv) {
      expectGrads((a) => L.tensorinv(a, { ind: c.ind }), [c.A], c, F64, null);
      expectGradcheck((a) => L.tensorinv(a, { ind: c.ind }), [c.A]);
    }
  });

  it('tensorsolve: values and gradients, with dims', () => {
    for (const c of M.tensorsolve) {
      const options = c.dims === null ? undefined : { dims: c.dims };
      expectGrads((a, b) => L.tensorsolve(a, b, options), [c.A, c.B], c, F64, null);
      expectGradcheck((a, b) => L.tensorsolve(a, b, options), [c.A, c.B]);
    }
  });

  it('torch.matrixPower and A.matrixPower(n): values and gradients', () => {
    for (const c of M.matrixPower) {
      expectGrads((a) => torch.matrixPower(a, c.n), [c.A], c, F64, null);
      expectGrads((a) => a.matrixPower(c.n), [c.A], c, F64, null);
    }
  });
});

// ---------------------------------------------------------------------------------- errors

describe("PyTorch's error messages", () => {
  const r = (shape: number[]) => torch.ones(shape, { dtype: torch.float64 });
  const sing = torch.tensor([[[1, 2], [2, 4]], [[2, 0], [0, 3]]], { dtype: torch.float64 });
  const { LU, pivots } = L.luFactor(torch.eye(3, { dtype: torch.float64 }).add(torch.ones(2, 3, 3, { dtype: torch.float64 }).mul(0.1)));
  const cases: Record<string, () => unknown> = {
    lu_factor_1d: () => L.luFactor(torch.ones(3, { dtype: torch.float64 })),
    lu_factor_int: () => L.luFactor(torch.ones([3, 3], { dtype: torch.int64 })),
    lu_factor_singular: () => L.luFactor(sing.select(0, 0)),
    lu_factor_singular_batch: () => L.luFactor(sing),
    lu_factor_ex_check: () => L.luFactorEx(sing, { checkErrors: true }),
    lu_factor_no_pivot: () => L.luFactor(r([3, 3]), { pivot: false }),
    lu_no_pivot: () => L.lu(r([3, 3]), { pivot: false }),
    lu_1d: () => L.lu(torch.ones(3, { dtype: torch.float64 })),
    lu_factor_ex_int32: () => L.luFactorEx(torch.ones([3, 3], { dtype: torch.int32 })),
    lu_solve_lu_1d: () => L.luSolve(torch.ones(3, { dtype: torch.float64 }), pivots.select(0, 0), torch.ones([3, 1], { dtype: torch.float64 })),
    lu_solve_int: () => L.luSolve(torch.ones([3, 3], { dtype: torch.int64 }), pivots.select(0, 0), torch.ones([3, 1], { dtype: torch.int64 })),
    lu_solve_pivots_batch: () => L.luSolve(LU, pivots.select(0, 0), torch.ones([2, 3, 1], { dtype: torch.float64 })),
    lu_unpack_1d: () => torch.luUnpack(torch.ones(3, { dtype: torch.float64 }), pivots),
    lu_unpack_int64_pivots: () => torch.luUnpack(LU, pivots.to(torch.int64)),
    lu_solve_dtype: () => L.luSolve(LU, pivots, torch.ones([2, 3, 2], { dtype: torch.float32 })),
    lu_solve_b_1d: () => L.luSolve(LU, pivots, torch.ones(3, { dtype: torch.float64 })),
    lu_solve_shape: () => L.luSolve(LU, pivots, torch.ones([2, 4, 2], { dtype: torch.float64 })),
    lu_solve_shape_right: () => L.luSolve(LU, pivots, torch.ones([2, 3, 2], { dtype: torch.float64 }), { left: false }),
    lu_solve_not_square: () => L.luSolve(LU.narrow(-1, 0, 2), pivots, torch.ones([2, 3, 2], { dtype: torch.float64 })),
    lu_solve_pivots_dtype: () => L.luSolve(LU, pivots.to(torch.int64), torch.ones([2, 3, 2], { dtype: torch.float64 })),
    lu_solve_pivots_count: () => L.luSolve(LU, pivots.narrow(-1, 0, 2), torch.ones([2, 3, 2], { dtype: torch.float64 })),
    matrix_exp_1d: () => L.matrixExp(torch.ones(3)),
    matrix_exp_not_square: () => L.matrixExp(torch.ones(3, 2)),
    matrix_exp_int: () => L.matrixExp(torch.ones([3, 3], { dtype: torch.int64 })),
    householder_1d: () => L.householderProduct(torch.ones(3), torch.ones(3)),
    householder_wide: () => L.householderProduct(torch.ones(2, 3), torch.ones(2)),
    householder_tau_long: () => L.householderProduct(torch.ones(3, 2), torch.ones(3)),
    householder_tau_ndim: () => L.householderProduct(torch.ones(2, 3, 2), torch.ones(2)),
    householder_tau_batch: () => L.householderProduct(torch.ones(2, 3, 2), torch.ones(3, 2)),
    householder_dtype: () => L.householderProduct(r([3, 2]), torch.ones(2)),
    inv_ex_not_square: () => L.invEx(torch.ones(3, 2)),
    inv_ex_check: () => L.invEx(sing, { checkErrors: true }),
    inv_ex_check_2d: () => L.invEx(sing.select(0, 0), { checkErrors: true }),
    solve_ex_check: () => L.solveEx(sing, torch.ones([2, 1], { dtype: torch.float64 }), { checkErrors: true }),
    solve_ex_shape: () => L.solveEx(torch.ones(3, 3), torch.ones(4)),
    vander_bool: () => L.vander(torch.tensor([true, false])),
    vander_N1: () => L.vander(torch.ones(3), { N: 1 }),
    tensorinv_ind0: () => L.tensorinv(torch.ones(4, 2, 2), { ind: 0 }),
    tensorinv_shape: () => L.tensorinv(torch.ones(4, 2, 3), { ind: 1 }),
    tensorinv_singular: () => L.tensorinv(torch.zeros([4, 2, 2], { dtype: torch.float64 }), { ind: 1 }),
    tensorsolve_shape: () => L.tensorsolve(torch.ones(2, 3, 5), torch.ones(2, 3)),
    matrix_power_not_square: () => torch.matrixPower(torch.ones(2, 3), 2),
  };

  it('covers exactly the recorded errors', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(FIX.errors).sort());
  });
  for (const [key, fn] of Object.entries(cases)) {
    it(key, () => {
      expect(fn).toThrow(FIX.errors[key].message);
      if (FIX.errors[key].type === '_LinAlgError') {
        try {
          fn();
        } catch (e) {
          expect((e as Error).name).toBe('LinAlgError');
        }
      }
    });
  }

  it('rectangular inputs factor (no "square only" restriction), and pivots must be int32 for luUnpack', () => {
    expect(L.luFactor(torch.ones(2, 4).add(torch.eye(2, 4))).LU.shape).toEqual([2, 4]);
    expect(() => torch.luUnpack(LU, pivots.narrow(-1, 0, 2))).toThrow('torch.lu_unpack: Expected LU_pivots of shape [2, 3]');
  });
});
