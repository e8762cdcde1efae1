/**
 * torch.linalg.solveTriangular over BLAS trsm, against PyTorch 1.13
 * (scripts/make_solve_triangular_fixtures.py): float64 values to the last bits (the same trsm
 * call on the same layouts: bit for bit where OpenBLAS runs the fixture machine's kernels, a
 * few ulps on a CPU where it picks others, as AVX-512 ones), gradients, PyTorch's column-major result, broadcast batches,
 * a B of another dtype, and the inf and NaN of a zero on the diagonal; float64 gradchecks
 * of every flag combination, second order included.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { BLAS_KERNEL_TOL, expectClose, type FixtureTensor, fromFixture } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';

type S = FixtureTensor;
interface Case { A: S; B: S; upper: boolean; left: boolean; unitriangular: boolean; columnMajor: boolean; X: S; strides: number[]; grads: S[] }
const FIX: {
  cases: Case[];
  mixed: { A: S; B: S; X: S; grads: S[] };
  singular: { A: S; B: S; upper: boolean; X: S }[];
  luSolve: { A: S; B: S; X: S; adjoint: S; right: S; singular: { A: S; X: S; info: number[] } };
} = JSON.parse(readFileSync(new URL('./fixtures/solve-triangular.json', import.meta.url), 'utf8'));

const weighted = (X: Tensor) => X.mul(torch.linspace(-1, 1, X.numel(), { dtype: X.dtype }).reshape(X.shape)).sum();
// Bit for bit on the fixture machine's CPU; a few ulps where OpenBLAS picks other kernels.
const EXACT = BLAS_KERNEL_TOL.float64;

describe('linalg.solveTriangular against PyTorch 1.13', () => {
  for (const c of FIX.cases) {
    const flags = `upper=${c.upper} left=${c.left} unitriangular=${c.unitriangular}${c.columnMajor ? ' A column-major' : ''}`;
    it(`${c.A.dtype} A ${c.A.shape.join('x')}, B ${c.B.shape.join('x')}, ${flags}`, () => {
      const A = fromFixture(c.A, { requiresGrad: true });
      const B = fromFixture(c.B, { requiresGrad: true });
      const used = c.columnMajor ? A.mT.contiguous().mT : A;
      const X = torch.linalg.solveTriangular(used, B, { upper: c.upper, left: c.left, unitriangular: c.unitriangular });
      expectClose(X, c.X, c.A.dtype === 'float64' ? EXACT : { rtol: 1e-6, atol: 1e-6 });
      expect(X.stride()).toEqual(c.strides);
      expect(X.gradFn!.name).toBe('LinalgSolveTriangularBackward0');
      weighted(X).backward();
      const tol = c.A.dtype === 'float64' ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 1e-5, atol: 1e-5 };
      expectClose(A.grad!, c.grads[0]!, { ...tol, label: 'grad A' });
      expectClose(B.grad!, c.grads[1]!, { ...tol, label: 'grad B' });
    });
  }
  it('takes B of another dtype into A\'s, and gives B\'s gradient in B\'s dtype', () => {
    const A = fromFixture(FIX.mixed.A, { requiresGrad: true });
    const B = fromFixture(FIX.mixed.B, { requiresGrad: true });
    const X = torch.linalg.solveTriangular(A, B, { upper: true });
    expect(X.dtype).toBe(torch.float32);
    expectClose(X, FIX.mixed.X, { rtol: 1e-6, atol: 1e-6 });
    weighted(X).backward();
    expect(B.grad!.dtype).toBe(torch.float64);
    expectClose(A.grad!, FIX.mixed.grads[0]!, { rtol: 1e-5, atol: 1e-6 });
    expectClose(B.grad!, FIX.mixed.grads[1]!, { rtol: 1e-5, atol: 1e-6 });
  });
  it('a zero on the diagonal gives trsm\'s inf and NaN, not an error', () => {
    for (const c of FIX.singular) {
      expectClose(torch.linalg.solveTriangular(fromFixture(c.A), fromFixture(c.B), { upper: c.upper }), c.X, EXACT);
    }
  });
  it('refuses shapes that do not fit the equation, with PyTorch\'s words', () => {
    const A = torch.eye(3);
    expect(() => torch.linalg.solveTriangular(A, torch.ones([2, 3]), { upper: true })).toThrow(
      'linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B (3x3 and 2x3)',
    );
    expect(() => torch.linalg.solveTriangular(A, torch.ones([3, 2]), { upper: true, left: false })).toThrow(
      'linalg.solve_triangular: Incompatible shapes of A and B for the equation XA = B (3x3 and 3x2)',
    );
    expect(() => torch.linalg.solveTriangular(A, torch.ones([3]), { upper: true })).toThrow(
      'linalg.solve_triangular: The input tensor B must have at least 2 dimensions.',
    );
  });
  it('an empty B gives an empty solution', () => {
    const X = torch.linalg.solveTriangular(torch.eye(3), torch.zeros([3, 0]), { upper: true });
    expect(X.shape).toEqual([3, 0]);
    expect(torch.linalg.solveTriangular(torch.zeros([0, 0]), torch.zeros([0, 2]), { upper: false }).shape).toEqual([0, 2]);
  });
});

describe('getrs over trsm: linalg.luSolve and a singular linalg.solveEx against PyTorch 1.13', () => {
  const F = FIX.luSolve;
  it('luSolve, with adjoint and left: false, to the last bits', () => {
    const { LU, pivots } = torch.linalg.luFactor(fromFixture(F.A));
    const B = fromFixture(F.B);
    expectClose(torch.linalg.luSolve(LU, pivots, B), F.X, EXACT);
    expectClose(torch.linalg.luSolve(LU, pivots, B, { adjoint: true }), F.adjoint, EXACT);
    expectClose(torch.linalg.luSolve(LU, pivots, B.mT, { left: false }), F.right, EXACT);
  });
  it('solveEx of a batch with a singular matrix: the other solved, and the info codes', () => {
    const r = torch.linalg.solveEx(fromFixture(F.singular.A), fromFixture(F.B));
    // The singular matrix's pivot is a rounding error (1e-17), so its solution is rounding
    // noise of size 1e15 that differs with OpenBLAS's kernels: only the other one compares.
    expectClose(r.result.select(0, 1), fromFixture(F.singular.X).select(0, 1), EXACT);
    expect(r.result.select(0, 0).abs().max().item()).toBeGreaterThan(1e10);
    expect(r.info.tolist()).toEqual(F.singular.info);
  });
});

describe('linalg.solveTriangular gradients by finite differences (float64)', () => {
  const A = () => torch.randn([3, 3], { dtype: torch.float64 }).add(torch.eye(3, { dtype: torch.float64 }).mul(3)).requiresGrad_();
  for (const upper of [true, false]) {
    for (const left of [true, false]) {
      for (const unitriangular of [false, true]) {
        it(`upper=${upper} left=${left} unitriangular=${unitriangular}, and a second order`, () => {
          torch.manualSeed(3);
          const B = torch.randn(left ? [2, 3, 2] : [2, 2, 3], { dtype: torch.float64 }).requiresGrad_();
          const solve = (a: Tensor, b: Tensor) => torch.linalg.solveTriangular(a, b, { upper, left, unitriangular });
          expect(gradcheck(solve, [A(), B], { atol: 1e-6, rtol: 1e-4 }).ok).toBe(true);
          // The finite differences evaluate at leaves that need no grad; the gradient needs one.
          const first = (a: Tensor, b: Tensor) => {
            if (!a.requiresGrad) a = a.detach().requiresGrad_();
            const [ga] = torch.autograd.grad(weighted(solve(a, b)).pow(2), [a], { createGraph: true });
            return ga!;
          };
          expect(gradcheck(first, [A(), B], { atol: 1e-6, rtol: 1e-4 }).ok).toBe(true);
        });
      }
    }
  }
});
