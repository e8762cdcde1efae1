/**
 * torch.linalg, the add-products, einsum, tensordot, kron, cross, cdist and trace against
 * PyTorch 1.13 (tests/fixtures/linalg.json, which scripts/make_linalg_fixtures.py writes):
 * every case's outputs, its first output's grad_fn and each input's gradient of
 * Σ sum(out_i * w_i); finite differences in float64; PyTorch's errors; float32; CUDA refusal.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { gradcheck } from './helpers/gradcheck.js';
import * as call from '../src/native/calls.generated.js';
import { fresh, layoutOf } from '../src/native/meta.js';
import { storagesAfterCollection } from './helpers/memory.js';

interface Case {
  inputs: { shape: number[]; data: number[] }[];
  outputs: { shape: number[]; data: (number | string)[] }[];
  weights: number[][];
  gradFn: string | null;
  grads?: (number[] | null)[];
}
const FIXTURE: { cases: Record<string, Case>; gradFns: Record<string, string>; lstsqShapes: Record<string, number[]> } = JSON.parse(
  readFileSync(new URL('./fixtures/linalg.json', import.meta.url), 'utf8'),
);

const L = torch.linalg;
const sq = (t: Tensor) => t.mul(t);
const inf = Infinity;

/** The same functions as scripts/make_linalg_fixtures.py's CASES, by name. */
const CASES: Record<string, (...xs: Tensor[]) => Tensor[]> = {
  inv: (a) => [L.inv(a)],
  inv_batched: (a) => [L.inv(a)],
  inverse: (a) => [torch.inverse(a)],
  solve_matrix: (a, b) => [L.solve(a, b)],
  solve_vector: (a, b) => [L.solve(a, b)],
  solve_broadcast: (a, b) => [L.solve(a, b)],
  solve_right: (a, b) => [L.solve(a, b, { left: false })],
  det: (a) => [L.det(a)],
  det_batched: (a) => [L.det(a)],
  det_singular: (a) => [L.det(a)],
  torch_det: (a) => [torch.det(a)],
  slogdet: (a) => [...L.slogdet(a)],
  slogdet_batched: (a) => [...L.slogdet(a)],
  solve_batched_vector: (a, b) => [L.solve(a, b)],
  logdet: (a) => [torch.logdet(a)],
  logdet_negative: (a) => [torch.logdet(a).detach()],
  cholesky: (a) => [L.cholesky(a)],
  cholesky_upper_batched: (a) => [L.cholesky(a, { upper: true })],
  qr_tall: (a) => [...L.qr(a)],
  qr_wide: (a) => [...L.qr(a)],
  qr_complete_square: (a) => [...L.qr(a, { mode: 'complete' })],
  qr_r: (a) => [L.qr(a, { mode: 'r' }).R.detach().abs()],
  qr_complete_tall_values: (a) => [L.qr(a, { mode: 'complete' }).Q.detach().abs(), L.qr(a, { mode: 'complete' }).R.detach().abs()],
  eigh: (a) => {
    const { eigenvalues, eigenvectors } = L.eigh(a);
    return [eigenvalues, sq(eigenvectors)];
  },
  eigh_upper: (a) => {
    const [w, v] = L.eigh(a, 'U');
    return [w, sq(v)];
  },
  eigvalsh: (a) => [L.eigvalsh(a)],
  svd_tall: (a) => {
    const { U, S, Vh } = L.svd(a, { fullMatrices: false });
    return [S, sq(U), sq(Vh)];
  },
  svd_wide: (a) => {
    const { U, S, Vh } = L.svd(a, { fullMatrices: false });
    return [S, sq(U), sq(Vh)];
  },
  svd_full: (a) => {
    const { U, S, Vh } = L.svd(a);
    return [S, sq(U.narrow(-1, 0, 3)), sq(Vh)];
  },
  svdvals: (a) => [L.svdvals(a)],
  pinv_tall: (a) => [L.pinv(a)],
  pinv_wide: (a) => [L.pinv(a)],
  pinv_rank_deficient: (a) => [L.pinv(a).detach()],
  pinv_hermitian: (a) => [L.pinv(a, { hermitian: true })],
  pinverse: (a) => [torch.pinverse(a, 1e-10)],
  lstsq_vector: (a, b) => [L.lstsq(a, b).solution.detach()],
  lstsq_rank_deficient_rcond: (a, b) => [L.lstsq(a, b, 1e-8).solution.detach(), L.lstsq(a, b, 1e-8).rank.to(torch.float64)],
  lstsq_gelsd: (a, b) => {
    const r = L.lstsq(a, b, { driver: 'gelsd' });
    return [r.solution, r.residuals, r.rank.to(torch.float64), r.singularValues];
  },
  lstsq_gelss_rank_deficient: (a, b) => {
    const r = L.lstsq(a, b, { driver: 'gelss' });
    return [r.solution, r.residuals, r.rank.to(torch.float64), r.singularValues];
  },
  lstsq_gels_batched: (a, b) => {
    const r = L.lstsq(a, b, { driver: 'gels' });
    return [r.solution, r.residuals, r.rank.to(torch.float64)];
  },
  lstsq_gelsd_vector_wide: (a, b) => {
    const r = L.lstsq(a, b, { driver: 'gelsd' });
    return [r.solution.detach(), r.residuals, r.singularValues];
  },
  lstsq: (a, b) => [L.lstsq(a, b).solution],
  lstsq_batched_square: (a, b) => [L.lstsq(a, b).solution],
  matrix_rank: (a) => [L.matrixRank(a).to(torch.float64)],
  matrix_rank_tol: (a) => [L.matrixRank(a, { atol: 1e-4 }), L.matrixRank(a, { rtol: 1e-2 }), L.matrixRank(a)].map((t) => t.to(torch.float64)),
  vector_norm_2: (a) => [L.vectorNorm(a)],
  vector_norm_1_dim: (a) => [L.vectorNorm(a, 1, -1)],
  vector_norm_inf_keepdim: (a) => [L.vectorNorm(a, inf, 0, true)],
  vector_norm_3_dims: (a) => [L.vectorNorm(a, 3, [0, 2])],
  vector_norm_0: (a) => [L.vectorNorm(a, 0).detach()],
  matrix_norm_fro: (a) => [L.matrixNorm(a)],
  matrix_norm_nuc: (a) => [L.matrixNorm(a, 'nuc')],
  matrix_norm_inf: (a) => [L.matrixNorm(a, inf)],
  matrix_norm_neginf: (a) => [L.matrixNorm(a, -inf)],
  matrix_norm_1: (a) => [L.matrixNorm(a, 1)],
  matrix_norm_neg1_keepdim: (a) => [L.matrixNorm(a, -1, [-2, -1], true)],
  matrix_norm_2: (a) => [L.matrixNorm(a, 2)],
  matrix_norm_neg2_dims: (a) => [L.matrixNorm(a, -2, [0, 2])],
  norm_default: (a) => [L.norm(a)],
  norm_matrix_ord: (a) => [L.norm(a, 'nuc')],
  norm_vector_dim: (a) => [L.norm(a, 1, 0)],
  norm_matrix_dims: (a) => [L.norm(a, inf, [1, 2])],
  matrix_power_3: (a) => [L.matrixPower(a, 3)],
  matrix_power_neg2: (a) => [L.matrixPower(a, -2)],
  matrix_power_0: (a) => [L.matrixPower(a, 0).detach()],
  multi_dot: (a, b, c, d) => [L.multiDot([a, b, c, d])],
  vecdot: (a, b) => [L.vecdot(a, b)],
  cond_2: (a) => [L.cond(a)],
  cond_fro: (a) => [L.cond(a, 'fro').detach()],
  cond_inf: (a) => [L.cond(a, inf).detach()],
  solve_triangular_upper: (a, b) => [L.solveTriangular(a, b, { upper: true })],
  solve_triangular_lower_right_unit: (a, b) => [L.solveTriangular(a, b, { upper: false, left: false, unitriangular: true })],
  baddbmm: (i, a, b) => [torch.baddbmm(i, a, b, { beta: 0.5, alpha: 2 })],
  baddbmm_broadcast: (i, a, b) => [torch.baddbmm(i, a, b)],
  addbmm: (i, a, b) => [torch.addbmm(i, a, b, { beta: 2, alpha: -1 })],
  addmv: (i, m, v) => [torch.addmv(i, m, v, { beta: 0.5, alpha: 3 })],
  addr: (i, a, b) => [torch.addr(i, a, b, { alpha: 2 })],
  trace: (a) => [torch.trace(a)],
  kron: (a, b) => [torch.kron(a, b)],
  kron_mixed_dims: (a, b) => [torch.kron(a, b)],
  tensordot_int: (a, b) => [torch.tensordot(a, b, 2)],
  tensordot_lists: (a, b) => [torch.tensordot(a, b, [[1, 0], [0, 1]])],
  cross: (a, b) => [L.cross(a, b)],
  cross_dim_broadcast: (a, b) => [L.cross(a, b, { dim: -2 })],
  torch_cross_default_dim: (a, b) => [torch.cross(a, b)],
  cdist_2: (a, b) => [torch.cdist(a, b)],
  cdist_1_batched: (a, b) => [torch.cdist(a, b, 1)],
  cdist_inf: (a, b) => [torch.cdist(a, b, inf)],
  einsum_matmul: (a, b) => [torch.einsum('ij,jk->ik', a, b)],
  einsum_batched: (a, b) => [torch.einsum('bij,bjk->bik', a, b)],
  einsum_implicit: (a, b) => [torch.einsum('ij,jk', a, b)],
  einsum_trace: (a) => [torch.einsum('ii', a)],
  einsum_diagonal: (a) => [torch.einsum('ii->i', a)],
  einsum_outer: (a, b) => [torch.einsum('i,j->ij', a, b)],
  einsum_ellipsis: (a, b) => [torch.einsum('...ij,jk->...ik', a, b)],
  einsum_ellipsis_transpose: (a) => [torch.einsum('...ij->...ji', a)],
  einsum_three: (a, b, c) => [torch.einsum('ij,jk,kl->il', a, b, c)],
  einsum_sum_out: (a) => [torch.einsum('ijk->j', a)],
  einsum_bilinear: (a, w, b) => [torch.einsum('bi,kij,bj->bk', a, w, b)],
  einsum_broadcast_ellipsis: (a, b) => [torch.einsum('...i,...i->...', a, b)],
  einsum_upper_case: (a, b) => [torch.einsum('Ab,bA', a, b)],
  einsum_repeated_mixed: (a, b) => [torch.einsum('iij,j->i', a, b)],
};

const values = (t: Tensor) => Array.from(t.dataSync() as ArrayLike<number | bigint>, Number);
const leafOf = (spec: { shape: number[]; data: number[] }, dtype = torch.float64) =>
  torch.tensor(spec.data, { dtype }).reshape(spec.shape).requiresGrad_();

/** Fixture numbers; NaN and the infinities are written as strings. */
function expectClose(actual: number[], expected: (number | string)[], tol: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = Number(expected[i]);
    if (!Number.isFinite(e)) expect(a, `${what}[${i}]`).toBe(e);
    else expect(Math.abs(a - e), `${what}[${i}]: ${a} vs ${e}`).toBeLessThanOrEqual(tol * (1 + Math.abs(e)));
  });
}

describe('linalg against PyTorch 1.13', () => {
  it('covers every fixture case', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(FIXTURE.cases).sort());
  });

  for (const [name, fixture] of Object.entries(FIXTURE.cases)) {
    it(`${name}: values, grad_fn and gradients`, () => {
      const leaves = fixture.inputs.map((x) => leafOf(x));
      const outs = CASES[name](...leaves);
      expect(outs.length).toBe(fixture.outputs.length);
      outs.forEach((o, i) => {
        expect(o.shape, `${name} output ${i} shape`).toEqual(fixture.outputs[i].shape);
        expectClose(values(o), fixture.outputs[i].data, 1e-9, `${name} output ${i}`);
      });
      // The composites' last node is whichever view or reduction PyTorch's own path ends in
      // (einsum's and tensordot's ViewBackward0 or 1.13's ReshapeAliasBackward0, matrix_power's
      // matmul, multi_dot's and cond's): an implementation detail of theirs, not compared.
      const internalPath = ['einsum', 'tensordot', 'matrix_power', 'multi_dot', 'cond'].some((p) => name.startsWith(p));
      if (fixture.gradFn !== null && !internalPath) expect(outs[0].gradFn?.name).toBe(fixture.gradFn);
      if (!fixture.grads) return;
      const terms = outs
        .map((o, i) => (o.requiresGrad ? o.mul(torch.tensor(fixture.weights[i], { dtype: torch.float64 }).reshape(o.shape)).sum() : null))
        .filter((t): t is Tensor => t !== null);
      const loss = terms.reduce((a, b) => a.add(b));
      loss.backward();
      leaves.forEach((leaf, i) => {
        const expected = fixture.grads![i];
        if (expected === null) expect(leaf.grad).toBeNull();
        else expectClose(values(leaf.grad!), expected, 1e-7, `${name} grad ${i}`);
      });
    });
  }

  it('names the grad_fn of each op as PyTorch', () => {
    const a = torch.tensor([[4, 1, 0], [1, 3, 1], [0, 1, 2]], { dtype: torch.float64, requiresGrad: true });
    const m = torch.tensor([[1, 2, 0], [0, 1, 3], [4, 0, 1], [1, 1, 1]], { dtype: torch.float64, requiresGrad: true });
    const v4 = torch.ones(4, { dtype: torch.float64 });
    const v3 = torch.ones(3, { dtype: torch.float64 });
    const made: Record<string, Tensor> = {
      inv: L.inv(a), solve: L.solve(a, v3), det: L.det(a), slogdet: L.slogdet(a).logabsdet, cholesky: L.cholesky(a),
      qrQ: L.qr(m).Q, qrR: L.qr(m).R, eighL: L.eigh(a).eigenvalues, eighV: L.eigh(a).eigenvectors, svdU: L.svd(m).U,
      svdS: L.svd(m).S, svdvals: L.svdvals(m), pinv: L.pinv(m), lstsq: L.lstsq(m, torch.ones(4, 2, { dtype: torch.float64 })).solution,
      vector_norm: L.vectorNorm(m), matrix_norm_fro: L.matrixNorm(m), matrix_norm_nuc: L.matrixNorm(m, 'nuc'),
      matrix_norm_2: L.matrixNorm(m, 2), trace: torch.trace(m), kron: torch.kron(m, m), cross: L.cross(m.narrow(0, 0, 3), a),
      cdist: torch.cdist(m, m), addmv: torch.addmv(v4, m, v3), addr: torch.addr(m, v4, v3),
      baddbmm: torch.baddbmm(m, m.unsqueeze(0), torch.ones(1, 3, 3, { dtype: torch.float64 })),
      addbmm: torch.addbmm(m, m.unsqueeze(0), torch.ones(1, 3, 3, { dtype: torch.float64 })),
    };
    for (const [key, expected] of Object.entries(FIXTURE.gradFns)) expect(made[key].gradFn?.name, key).toBe(expected);
  });

  it('lstsq returns what the gelsy driver does: residuals and singularValues empty, rank per matrix', () => {
    const a = torch.randn(2, 4, 3, { dtype: torch.float64 });
    const r = L.lstsq(a, torch.randn(2, 4, 2, { dtype: torch.float64 }));
    const shapes = { solution: r.solution.shape, residuals: r.residuals.shape, rank: r.rank.shape, singularValues: r.singularValues.shape };
    expect(shapes).toEqual(FIXTURE.lstsqShapes);
    expect(r.rank.dtype).toBe(torch.int64);
    expect(values(r.rank)).toEqual([3, 3]);
    const [solution] = r;
    expect(solution).toBe(r.solution);
  });
});

describe('linalg gradients by finite differences (float64)', () => {
  const t = (rows: number[][]) => torch.tensor(rows, { dtype: torch.float64, requiresGrad: true });
  const A = () => t([[3, 1, 0.5], [0.2, 2.5, 1], [0.4, -0.3, 4]]);
  const M = () => t([[1, 2, 0.5], [0.3, 1, 3], [4, 0.1, 1], [1, -1, 2]]);
  const fd = (fn: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]) => expect(gradcheck(fn, xs, { atol: 1e-6, rtol: 1e-4 }).ok).toBe(true);

  it('inv, det, slogdet, solve', () => {
    fd((a) => L.inv(a), A());
    fd((a) => L.det(a), A());
    fd((a) => L.slogdet(a).logabsdet, A());
    fd((a, b) => L.solve(a, b), A(), M().narrow(0, 0, 3));
  });
  it('cholesky of a symmetrized input, qr, eigh, svd, pinv', () => {
    fd((a) => L.cholesky(a.matmul(a.transpose(-2, -1))), A());
    fd((m) => L.qr(m).Q.add(L.qr(m).R.sum()), M());
    fd((a) => {
      const s = a.add(a.transpose(0, 1));
      const { eigenvalues, eigenvectors } = L.eigh(s);
      return eigenvalues.sum().add(eigenvectors.mul(eigenvectors));
    }, A());
    fd((m) => {
      const { U, S, Vh } = L.svd(m, { fullMatrices: false });
      return U.mul(U).sum().add(S).add(Vh.mul(Vh).sum(0));
    }, M());
    fd((m) => L.pinv(m), M());
  });
  it('lstsq with a vector right-hand side (where PyTorch 1.13 has no gradient) and a right solve', () => {
    fd((m, b) => L.lstsq(m, b).solution, M(), t([[1, -2, 0.5, 3]]).reshape(4));
    fd((a, b) => L.solve(a, b, { left: false }), A(), M());
  });
  it('matrix norms and einsum', () => {
    fd((m) => L.matrixNorm(m, 'nuc'), M());
    fd((m) => L.matrixNorm(m, 2), M());
    fd((m, a) => torch.einsum('ij,jk,kk->ik', m, a, a), M(), A());
  });
  it('cond in the fro and inf norms (whose PyTorch 1.13 backward fails), triangular solves, negative powers', () => {
    fd((a) => L.cond(a, 'fro'), A());
    fd((a) => L.cond(a, -inf), A());
    fd((a, b) => L.solveTriangular(a, b, { upper: true, unitriangular: true }), A(), M().narrow(0, 0, 3));
    fd((a) => L.matrixPower(a, -2), A());
  });
  it('second derivatives through cholesky, eigh, svdvals and qr (createGraph)', () => {
    const secondFd = (fn: (a: Tensor) => Tensor, make: () => Tensor) => {
      const a = make();
      const [g] = torch.autograd.grad(fn(a), [a], null, { createGraph: true });
      const [gg] = torch.autograd.grad(g!.mul(g!).sum(), [a]);
      const base = values(a.detach());
      const shape = a.shape;
      const f = (data: number[]) => {
        const x = torch.tensor(data, { dtype: torch.float64 }).reshape(shape).requiresGrad_();
        const [gx] = torch.autograd.grad(fn(x), [x]);
        return values(gx!).reduce((p, q) => p + q * q, 0);
      };
      const eps = 1e-6;
      base.forEach((_, i) => {
        const plus = base.slice();
        const minus = base.slice();
        plus[i] += eps;
        minus[i] -= eps;
        const numeric = (f(plus) - f(minus)) / (2 * eps);
        expect(Math.abs(values(gg!)[i] - numeric), `element ${i}`).toBeLessThan(1e-4 * (1 + Math.abs(numeric)));
      });
    };
    const w = (n: number) => torch.arange(n, { dtype: torch.float64 }).add(1);
    secondFd((a) => L.cholesky(a.matmul(a.transpose(0, 1))).mul(w(9).reshape(3, 3)).sum(), A);
    secondFd((a) => L.eigh(a.add(a.transpose(0, 1))).eigenvalues.mul(w(3)).sum(), A);
    secondFd((m) => L.svdvals(m).mul(w(3)).sum(), M);
    secondFd((m) => L.qr(m).R.mul(w(9).reshape(3, 3)).sum(), M);
  });
  it('double backward through inv (createGraph)', () => {
    const a = A();
    const [g] = torch.autograd.grad(L.inv(a).sum(), [a], null, { createGraph: true });
    const [gg] = torch.autograd.grad(g!.sum(), [a]);
    // d/dA of sum(-A^-T 1 1^T A^-T), checked against the closed form at a nearby point by differences.
    const eps = 1e-6;
    const base = values(a.detach());
    const f = (data: number[]) => {
      const x = torch.tensor(data, { dtype: torch.float64 }).reshape(3, 3).requiresGrad_();
      const [gx] = torch.autograd.grad(L.inv(x).sum(), [x]);
      return values(gx!).reduce((p, q) => p + q, 0);
    };
    base.forEach((_, i) => {
      const plus = base.slice();
      const minus = base.slice();
      plus[i] += eps;
      minus[i] -= eps;
      expect(Math.abs(values(gg!)[i] - (f(plus) - f(minus)) / (2 * eps))).toBeLessThan(1e-5);
    });
  });
});

describe('linalg errors and dtypes', () => {
  it("raises PyTorch's errors", () => {
    const singular = torch.tensor([[1, 2], [2, 4]], { dtype: torch.float32 });
    expect(() => L.inv(singular)).toThrow('linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because the input matrix is singular.');
    expect(() => L.inv(torch.stack([torch.eye(2), singular]))).toThrow('linalg.inv: (Batch element 1): The diagonal element 2 is zero');
    expect(() => L.solve(singular, torch.ones(2))).toThrow('torch.linalg.solve: The solver failed because the input matrix is singular.');
    expect(() => L.cholesky(singular)).toThrow('linalg.cholesky: The factorization could not be completed because the input is not positive-definite (the leading minor of order 2 is not positive-definite).');
    expect(() => L.inv(torch.ones(2, 3))).toThrow('linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices');
    expect(() => L.inv(torch.ones(3))).toThrow('linalg.inv: The input tensor A must have at least 2 dimensions.');
    expect(() => L.inv(torch.ones([2, 2], { dtype: torch.int64 }))).toThrow('linalg.inv: Expected a floating point or complex tensor as input. Got Long');
    expect(() => L.solve(torch.eye(2), torch.ones(3))).toThrow('linalg.solve: Incompatible shapes of A and B for the equation AX = B (2x2 and 3x1)');
    expect(() => L.qr(torch.ones(3, 3), { mode: 'x' as 'r' })).toThrow("qr received unrecognized mode 'x' but expected one of 'reduced' (default), 'r', or 'complete'");
    expect(() => L.eigh(torch.ones(2, 2), 'X' as 'L')).toThrow("Expected UPLO argument to be 'L' or 'U', but got X");
    expect(() => L.lstsq(torch.ones(3, 2), torch.ones(4, 1))).toThrow('torch.linalg.lstsq: input.size(-2) should match other.size(-2)');
    expect(() => L.lstsq(torch.ones(3, 2), torch.ones(3, 1), { driver: 'foo' as 'gels' })).toThrow('torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)');
    expect(() => L.cross(torch.ones(2), torch.ones(2))).toThrow('linalg.cross: inputs dimension -1 must have length 3. Got 2 and 2');
    expect(() => torch.einsum('ij,jk', torch.ones(2, 3), torch.ones(4, 2))).toThrow('einsum(): subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3');
    expect(() => torch.einsum('ij,jk->ik', torch.ones(2, 3))).toThrow('einsum(): fewer operands were provided than specified in the equation');
    expect(() => torch.einsum('ij->ii', torch.ones(2, 2))).toThrow('einsum(): output subscript i appears more than once in the output');
    expect(() => L.cholesky(torch.stack([torch.eye(2), torch.zeros(2, 2)]))).toThrow(
      'linalg.cholesky: (Batch element 1): The factorization could not be completed because the input is not positive-definite (the leading minor of order 1 is not positive-definite).',
    );
    expect(() => L.matrixNorm(torch.ones(3), 'fro')).toThrow('linalg.matrix_norm: The input tensor A must have at least 2 dimensions.');
    expect(() => L.matrixNorm(torch.ones(3, 3), 3)).toThrow('linalg.matrix_norm: Order 3 not supported.');
    expect(() => L.vectorNorm(torch.ones(3), 'fro' as unknown as number)).toThrow("linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str");
    const m = torch.ones(4, 2, { requiresGrad: true });
    expect(() => L.qr(m, { mode: 'complete' }).Q.sum().backward()).toThrow("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
  });

  it('computes in float32 too', () => {
    const a = torch.tensor([[4, 1], [1, 3]]).to(torch.float32);
    const inverse = L.inv(a);
    expect(inverse.dtype).toBe(torch.float32);
    expectClose(values(inverse), [3 / 11, -1 / 11, -1 / 11, 4 / 11], 1e-6, 'float32 inv');
    expectClose(values(L.det(a)), [11], 1e-6, 'float32 det');
    expectClose(values(L.svdvals(a)), [(7 + Math.sqrt(5)) / 2, (7 - Math.sqrt(5)) / 2], 1e-6, 'float32 svdvals');
    expectClose(values(L.eigvalsh(a)), [(7 - Math.sqrt(5)) / 2, (7 + Math.sqrt(5)) / 2], 1e-6, 'float32 eigvalsh');
  });

  it('factors non-contiguous inputs as their values', () => {
    const a = torch.tensor([[4, 1, 2], [0, 3, 1], [1, 0, 5]], { dtype: torch.float64 });
    expectClose(values(L.inv(a.t())), values(L.inv(a).t().contiguous()), 1e-12, 'inv of a transposed view');
    expectClose(values(L.det(a.t())), values(L.det(a)), 1e-12, 'det of a transposed view');
  });

  it('handles empty matrices and empty batches as PyTorch', () => {
    const e0 = torch.ones(0, 3, 3, { dtype: torch.float64 });
    expect(L.inv(e0).shape).toEqual([0, 3, 3]);
    expect(L.det(e0).shape).toEqual([0]);
    expect(L.svd(e0).map((t) => t.shape)).toEqual([[0, 3, 3], [0, 3], [0, 3, 3]]);
    const { Q, R } = L.qr(torch.ones(3, 0, { dtype: torch.float64 }), { mode: 'complete' });
    expect(values(Q)).toEqual(values(torch.eye(3)));
    expect(R.shape).toEqual([3, 0]);
    expect(values(L.pinv(torch.zeros(2, 3, { dtype: torch.float64 })))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(L.inv(torch.ones(0, 0, { dtype: torch.float64 })).shape).toEqual([0, 0]);
    expect(values(L.det(torch.ones(0, 0, { dtype: torch.float64 })))).toEqual([1]);
    expect(L.svdvals(torch.ones(2, 0, 3, { dtype: torch.float64 })).shape).toEqual([2, 0]);
  });
});

describe('Tensor methods', () => {
  it('are the free functions', () => {
    const a = torch.tensor([[4, 1], [2, 3]], { dtype: torch.float64 });
    const v = torch.tensor([1, 2], { dtype: torch.float64 });
    expect(values(a.det())).toEqual(values(torch.det(a)));
    expect(values(a.inverse())).toEqual(values(L.inv(a)));
    expect(values(a.slogdet().logabsdet)).toEqual(values(L.slogdet(a).logabsdet));
    expect(values(a.trace())).toEqual([7]);
    expect(values(v.addmv(a, v))).toEqual([1 + 6, 2 + 8]);
    expect(values(v.addr(v, v, { beta: 0, alpha: 2 }))).toEqual([2, 4, 4, 8]);
    expect(a.kron(a).shape).toEqual([4, 4]);
    expect(values(torch.tensor([1, 0, 0], { dtype: torch.float64 }).cross(torch.tensor([0, 1, 0], { dtype: torch.float64 })))).toEqual([0, 0, 1]);
    expect(a.unsqueeze(0).baddbmm(a.unsqueeze(0), a.unsqueeze(0)).shape).toEqual([1, 2, 2]);
    expect(values(a.addbmm(a.unsqueeze(0), a.unsqueeze(0), { beta: 0 }))).toEqual(values(a.matmul(a)));
  });
});

describe('memory', () => {
  const storages = () => torch.memoryStats().cpu.storages;
  it('leaves no storage behind once the results are disposed (no grad)', () => {
    const a = torch.tensor([[4, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 2]], { dtype: torch.float64 });
    const m = torch.tensor([[1, 2, 0], [0, 1, 3], [4, 0, 1], [1, 1, 1]], { dtype: torch.float64 });
    const ops: Record<string, () => unknown> = {
      inv: () => L.inv(a), solve: () => L.solve(a, m.t()), det: () => L.det(a), slogdet: () => L.slogdet(a),
      cholesky: () => L.cholesky(a, { upper: true }), qr: () => L.qr(m), qrR: () => L.qr(m, { mode: 'r' }), eigh: () => L.eigh(a),
      eigvalsh: () => L.eigvalsh(a), svd: () => L.svd(m), svdvals: () => L.svdvals(m), pinv: () => L.pinv(m),
      pinvHermitian: () => L.pinv(a, { hermitian: true }), lstsq: () => L.lstsq(m, m), matrixRank: () => L.matrixRank(m),
      nuc: () => L.matrixNorm(m, 'nuc'), inf: () => L.matrixNorm(m, Infinity), einsum: () => torch.einsum('ij,jk,kl->il', m, a, a),
      traceEinsum: () => torch.einsum('ii', a), kron: () => torch.kron(a, a), cdist: () => torch.cdist(m, m),
      norm2: () => L.matrixNorm(m, -2), one: () => L.matrixNorm(m, 1, [-2, -1], true), trace: () => torch.trace(a),
      tensordot: () => torch.tensordot(m, m, [[0], [0]]), cross: () => L.cross(a, m.narrow(0, 0, 3)),
      baddbmm: () => torch.baddbmm(a, a.unsqueeze(0), a.unsqueeze(0), { beta: 0.5 }),
      addbmm: () => torch.addbmm(a, a.unsqueeze(0), a.unsqueeze(0)), addmv: () => torch.addmv(a.select(0, 0), a, a.select(0, 1)),
      addr: () => torch.addr(a, a.select(0, 0), a.select(0, 1), { alpha: 2 }),
    };
    for (const [name, op] of Object.entries(ops)) {
      const before = storagesAfterCollection();
      const out = op();
      torch.dispose(out as Tensor);
      expect(storages(), name).toBe(before);
    }
  });
});

describe('the LAPACK entries refuse shapes that do not fit, before LAPACK runs', () => {
  const f32 = torch.float32;
  const x = (...shape: number[]) => torch.zeros(shape);
  it('throws Errors naming the kernel', () => {
    expect(() => call.linalgLu(fresh(f32, [1, 2, 2]), fresh(f32, [1, 2]), fresh(f32, [1]), x(1, 2, 3))).toThrow(/linalgLu: input's dim 2 is 3/);
    expect(() => call.linalgSolve(fresh(f32, [1, 2, 1]), fresh(f32, [1]), x(1, 2, 2), x(1, 3, 1))).toThrow(/linalgSolve/);
    expect(() => call.linalgSvd(fresh(f32, [1, 3, 3]), fresh(f32, [1, 2]), fresh(f32, [1, 3, 3]), fresh(f32, [1]), x(1, 3, 3))).toThrow('linalgSvd: s must have min(M, N) values');
    expect(() => call.linalgSvd(fresh(f32, [1, 3, 2]), fresh(f32, [1, 2]), fresh(f32, [1, 3, 2]), fresh(f32, [1]), x(1, 3, 2))).toThrow(/linalgSvd: U and Vh must be reduced/);
    expect(() => call.linalgQr(fresh(f32, [1, 3, 1]), fresh(f32, [1, 1, 2]), x(1, 3, 2))).toThrow('linalgQr: q must have min(M, N) or M columns');
    expect(() => call.linalgCholesky(fresh(torch.int64, [1, 2, 2]), fresh(torch.int64, [1]), torch.zeros([1, 2, 2], { dtype: torch.int64 }))).toThrow(/must be float32 or float64/);
    expect(() => call.linalgEigh(fresh(f32, [1, 2]), fresh(f32, [1, 2, 2]), fresh(f32, [1]), layoutOf(x(1, 2, 2), f32, 0, [1, 2, 2], [4, 1, 2]), false)).toThrow(/must be contiguous/);
    expect(() => call.linalgLstsq(fresh(f32, [1, 2, 1]), fresh(f32, [1]), x(1, 3, 2), x(1, 4, 1), 0)).toThrow(/linalgLstsq/);
  });
});

describe('solveTriangular and choleskyEx broadcasting and info', () => {
  const f64 = (v: number[][] | number[][][]) => torch.tensor(v, { dtype: torch.float64 });
  it('solveTriangular broadcasts an unbatched B against a batched A (B stays a matrix)', () => {
    // PyTorch: torch.linalg.solve_triangular(A, torch.eye(2), upper=False) for A of shape (2, 2, 2).
    const A = f64([[[2, 0], [1, 3]], [[1, 0], [0.5, 2]]]);
    const X = L.solveTriangular(A, torch.eye(2, { dtype: torch.float64 }), { upper: false });
    expect(X.shape).toEqual([2, 2, 2]);
    expect(X.tolist()).toEqual([[[0.5, 0], [-1 / 6, 1 / 3]], [[1, 0], [-0.25, 0.5]]]);
  });
  it('choleskyEx reports the failing minor per matrix instead of raising', () => {
    const { L: factor, info } = L.choleskyEx(f64([[[4, 2], [2, 3]], [[1, 2], [2, 1]]]));
    expect(info.dtype).toBe(torch.int32);
    expect(info.tolist()).toEqual([0, 2]);
    expect((factor.tolist() as number[][][])[0]).toEqual([[2, 0], [1, Math.sqrt(2)]]);
    expect(() => L.choleskyEx(f64([[1, 2], [2, 1]]), { checkErrors: true })).toThrow(
      'linalg.cholesky_ex: The factorization could not be completed because the input is not positive-definite (the leading minor of order 2 is not positive-definite).',
    );
  });
});
