#!/usr/bin/env python3
"""Generate tests/fixtures/linalg.json: what PyTorch 1.13 computes for torch.linalg, the
add-products, einsum, tensordot, kron, cross, cdist and trace (tests/linalg.test.ts).

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_linalg_fixtures.py

Each case has float64 inputs (seeded), the outputs of a function of them, the grad_fn name
of its first output, and each input's gradient of sum_i sum(out_i * w_i) for seeded
weights w_i. Outputs only defined up to a sign (eigenvectors, singular vectors) enter
through sign-invariant transforms (their squares), the same in the test.
"""
import json
import math
import os

import torch

torch.manual_seed(0)
f64 = torch.float64


def randn(*shape):
    return torch.randn(*shape, dtype=f64)


def well(n, *batch):
    return randn(*batch, n, n) + 3 * torch.eye(n, dtype=f64)


def spd(n, *batch):
    m = randn(*batch, n, n)
    return m @ m.transpose(-2, -1) + n * torch.eye(n, dtype=f64)


def sym(n):
    m = randn(n, n)
    return m + m.T


singular = torch.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]], dtype=f64)
negdet = torch.tensor([[0.0, 2.0], [3.0, 1.0]], dtype=f64)
L = torch.linalg

CASES = [
    ('inv', [well(3)], lambda a: [L.inv(a)]),
    ('inv_batched', [well(3, 2)], lambda a: [L.inv(a)]),
    ('inverse', [well(2)], lambda a: [torch.inverse(a)]),
    ('solve_matrix', [well(3, 2), randn(2, 3, 2)], lambda a, b: [L.solve(a, b)]),
    ('solve_vector', [well(3), randn(3)], lambda a, b: [L.solve(a, b)]),
    ('solve_broadcast', [well(3), randn(2, 3, 2)], lambda a, b: [L.solve(a, b)]),
    ('solve_right', [well(3), randn(2, 3)], lambda a, b: [L.solve(a, b, left=False)]),
    ('det', [well(3)], lambda a: [L.det(a)]),
    ('det_batched', [well(3, 2)], lambda a: [L.det(a)]),
    ('det_singular', [singular.clone()], lambda a: [L.det(a)]),
    ('torch_det', [negdet.clone()], lambda a: [torch.det(a)]),
    ('slogdet', [negdet.clone()], lambda a: list(L.slogdet(a))),
    ('slogdet_batched', [well(3, 2)], lambda a: list(L.slogdet(a))),
    ('solve_batched_vector', [well(3, 2), randn(3)], lambda a, b: [L.solve(a, b)]),
    ('logdet', [well(3)], lambda a: [torch.logdet(a)]),
    ('logdet_negative', [negdet.clone()], lambda a: [torch.logdet(a).detach()]),
    ('cholesky', [spd(3)], lambda a: [L.cholesky(a)]),
    ('cholesky_upper_batched', [spd(3, 2)], lambda a: [L.cholesky(a, upper=True)]),
    ('qr_tall', [randn(4, 3)], lambda a: list(L.qr(a))),
    ('qr_wide', [randn(3, 5)], lambda a: list(L.qr(a))),
    ('qr_complete_square', [randn(2, 3, 3)], lambda a: list(L.qr(a, mode='complete'))),
    ('qr_r', [randn(4, 3)], lambda a: [L.qr(a, mode='r')[1].detach().abs()]),
    ('qr_complete_tall_values', [randn(4, 2)], lambda a: [L.qr(a, mode='complete')[0].detach().abs(), L.qr(a, mode='complete')[1].detach().abs()]),
    ('eigh', [sym(4)], lambda a: [L.eigh(a)[0], L.eigh(a)[1] ** 2]),
    ('eigh_upper', [randn(3, 3)], lambda a: [L.eigh(a, UPLO='U')[0], L.eigh(a, UPLO='U')[1] ** 2]),
    ('eigvalsh', [sym(3)], lambda a: [L.eigvalsh(a)]),
    ('svd_tall', [randn(4, 3)], lambda a: [L.svd(a, full_matrices=False)[1], L.svd(a, full_matrices=False)[0] ** 2, L.svd(a, full_matrices=False)[2] ** 2]),
    ('svd_wide', [randn(2, 3, 5)], lambda a: [L.svd(a, full_matrices=False)[1], L.svd(a, full_matrices=False)[0] ** 2, L.svd(a, full_matrices=False)[2] ** 2]),
    ('svd_full', [randn(4, 3)], lambda a: [L.svd(a)[1], L.svd(a)[0][..., :3] ** 2, L.svd(a)[2] ** 2]),
    ('svdvals', [randn(3, 4)], lambda a: [L.svdvals(a)]),
    ('pinv_tall', [randn(4, 3)], lambda a: [L.pinv(a)]),
    ('pinv_wide', [randn(3, 5)], lambda a: [L.pinv(a)]),
    ('pinv_rank_deficient', [singular.clone()], lambda a: [L.pinv(a).detach()]),
    ('pinv_hermitian', [spd(3)], lambda a: [L.pinv(a, hermitian=True)]),
    ('pinverse', [randn(4, 3)], lambda a: [torch.pinverse(a, 1e-10)]),
    ('lstsq_vector', [randn(4, 3), randn(4)], lambda a, b: [L.lstsq(a, b).solution.detach()]),
    ('lstsq_rank_deficient_rcond', [singular.clone(), randn(3, 2)], lambda a, b: [L.lstsq(a, b, 1e-8).solution.detach(), L.lstsq(a, b, 1e-8).rank.to(f64)]),
    ('lstsq_gelsd', [randn(5, 3), randn(5, 2)], lambda a, b: [L.lstsq(a, b, driver='gelsd').solution, L.lstsq(a, b, driver='gelsd').residuals, L.lstsq(a, b, driver='gelsd').rank.to(f64), L.lstsq(a, b, driver='gelsd').singular_values]),
    ('lstsq_gelss_rank_deficient', [torch.cat([singular, randn(1, 3)]), randn(4, 2)], lambda a, b: [L.lstsq(a, b, driver='gelss').solution, L.lstsq(a, b, driver='gelss').residuals, L.lstsq(a, b, driver='gelss').rank.to(f64), L.lstsq(a, b, driver='gelss').singular_values]),
    ('lstsq_gels_batched', [randn(2, 5, 3), randn(2, 5, 2)], lambda a, b: [L.lstsq(a, b, driver='gels').solution, L.lstsq(a, b, driver='gels').residuals, L.lstsq(a, b, driver='gels').rank.to(f64)]),
    ('lstsq_gelsd_vector_wide', [randn(3, 5), randn(3)], lambda a, b: [L.lstsq(a, b, driver='gelsd').solution.detach(), L.lstsq(a, b, driver='gelsd').residuals, L.lstsq(a, b, driver='gelsd').singular_values]),
    ('lstsq', [randn(5, 3), randn(5, 2)], lambda a, b: [L.lstsq(a, b).solution]),
    ('lstsq_batched_square', [well(3, 2), randn(2, 3, 1)], lambda a, b: [L.lstsq(a, b).solution]),
    ('matrix_rank', [singular.clone()], lambda a: [L.matrix_rank(a).to(f64)]),
    ('matrix_rank_tol', [torch.diag(torch.tensor([1.0, 1e-3, 1e-9], dtype=f64))], lambda a: [L.matrix_rank(a, atol=1e-4).to(f64), L.matrix_rank(a, rtol=1e-2).to(f64), L.matrix_rank(a).to(f64)]),
    ('vector_norm_2', [randn(3, 4)], lambda a: [L.vector_norm(a)]),
    ('vector_norm_1_dim', [randn(3, 4)], lambda a: [L.vector_norm(a, 1, -1)]),
    ('vector_norm_inf_keepdim', [randn(3, 4)], lambda a: [L.vector_norm(a, float('inf'), 0, True)]),
    ('vector_norm_3_dims', [randn(2, 3, 4)], lambda a: [L.vector_norm(a, 3, (0, 2))]),
    ('vector_norm_0', [torch.tensor([[0.0, 1.5], [2.0, 0.0]], dtype=f64)], lambda a: [L.vector_norm(a, 0).detach()]),
    ('matrix_norm_fro', [randn(2, 3, 4)], lambda a: [L.matrix_norm(a)]),
    ('matrix_norm_nuc', [randn(3, 4)], lambda a: [L.matrix_norm(a, 'nuc')]),
    ('matrix_norm_inf', [randn(3, 4)], lambda a: [L.matrix_norm(a, float('inf'))]),
    ('matrix_norm_neginf', [randn(3, 4)], lambda a: [L.matrix_norm(a, -float('inf'))]),
    ('matrix_norm_1', [randn(3, 4)], lambda a: [L.matrix_norm(a, 1)]),
    ('matrix_norm_neg1_keepdim', [randn(2, 3, 4)], lambda a: [L.matrix_norm(a, -1, keepdim=True)]),
    ('matrix_norm_2', [randn(3, 4)], lambda a: [L.matrix_norm(a, 2)]),
    ('matrix_norm_neg2_dims', [randn(3, 2, 4)], lambda a: [L.matrix_norm(a, -2, dim=(0, 2))]),
    ('norm_default', [randn(2, 3, 4)], lambda a: [L.norm(a)]),
    ('norm_matrix_ord', [randn(3, 4)], lambda a: [L.norm(a, 'nuc')]),
    ('norm_vector_dim', [randn(3, 4)], lambda a: [L.norm(a, 1, 0)]),
    ('norm_matrix_dims', [randn(2, 3, 4)], lambda a: [L.norm(a, float('inf'), (1, 2))]),
    ('matrix_power_3', [randn(2, 3, 3)], lambda a: [L.matrix_power(a, 3)]),
    ('matrix_power_neg2', [well(3)], lambda a: [L.matrix_power(a, -2)]),
    ('matrix_power_0', [randn(3, 3)], lambda a: [L.matrix_power(a, 0).detach()]),
    ('multi_dot', [randn(3), randn(3, 4), randn(4, 2), randn(2, 5)], lambda a, b, c, d: [L.multi_dot([a, b, c, d])]),
    ('vecdot', [randn(3, 4), randn(4)], lambda a, b: [L.vecdot(a, b)]),
    ('cond_2', [randn(3, 4)], lambda a: [L.cond(a)]),
    ('cond_fro', [well(3)], lambda a: [L.cond(a, 'fro').detach()]),
    ('cond_inf', [well(3)], lambda a: [L.cond(a, float('inf')).detach()]),
    ('solve_triangular_upper', [randn(3, 3) + 3 * torch.eye(3, dtype=f64), randn(3, 2)], lambda a, b: [L.solve_triangular(a, b, upper=True)]),
    ('solve_triangular_lower_right_unit', [randn(2, 3, 3), randn(2, 4, 3)], lambda a, b: [L.solve_triangular(a, b, upper=False, left=False, unitriangular=True)]),
    ('baddbmm', [randn(2, 3, 4), randn(2, 3, 5), randn(2, 5, 4)], lambda i, a, b: [torch.baddbmm(i, a, b, beta=0.5, alpha=2.0)]),
    ('baddbmm_broadcast', [randn(4), randn(2, 3, 5), randn(2, 5, 4)], lambda i, a, b: [torch.baddbmm(i, a, b)]),
    ('addbmm', [randn(3, 4), randn(2, 3, 5), randn(2, 5, 4)], lambda i, a, b: [torch.addbmm(i, a, b, beta=2.0, alpha=-1.0)]),
    ('addmv', [randn(3), randn(3, 4), randn(4)], lambda i, m, v: [torch.addmv(i, m, v, beta=0.5, alpha=3.0)]),
    ('addr', [randn(3, 2), randn(3), randn(2)], lambda i, a, b: [torch.addr(i, a, b, alpha=2.0)]),
    ('trace', [randn(3, 4)], lambda a: [torch.trace(a)]),
    ('kron', [randn(2, 3), randn(3, 2)], lambda a, b: [torch.kron(a, b)]),
    ('kron_mixed_dims', [randn(2), randn(2, 3)], lambda a, b: [torch.kron(a, b)]),
    ('tensordot_int', [randn(2, 3, 4), randn(3, 4, 5)], lambda a, b: [torch.tensordot(a, b, 2)]),
    ('tensordot_lists', [randn(3, 4, 5), randn(4, 3, 2)], lambda a, b: [torch.tensordot(a, b, ([1, 0], [0, 1]))]),
    ('cross', [randn(4, 3), randn(4, 3)], lambda a, b: [L.cross(a, b)]),
    ('cross_dim_broadcast', [randn(1, 3, 2), randn(2, 3, 1)], lambda a, b: [L.cross(a, b, dim=-2)]),
    ('torch_cross_default_dim', [randn(2, 3), randn(2, 3)], lambda a, b: [torch.cross(a, b)]),
    ('cdist_2', [randn(4, 3), randn(5, 3)], lambda a, b: [torch.cdist(a, b)]),
    ('cdist_1_batched', [randn(2, 4, 3), randn(2, 2, 3)], lambda a, b: [torch.cdist(a, b, p=1)]),
    ('cdist_inf', [randn(3, 2), randn(4, 2)], lambda a, b: [torch.cdist(a, b, p=float('inf'))]),
    ('einsum_matmul', [randn(3, 4), randn(4, 5)], lambda a, b: [torch.einsum('ij,jk->ik', a, b)]),
    ('einsum_batched', [randn(2, 3, 4), randn(2, 4, 5)], lambda a, b: [torch.einsum('bij,bjk->bik', a, b)]),
    ('einsum_implicit', [randn(3, 4), randn(4, 5)], lambda a, b: [torch.einsum('ij,jk', a, b)]),
    ('einsum_trace', [randn(4, 4)], lambda a: [torch.einsum('ii', a)]),
    ('einsum_diagonal', [randn(4, 4)], lambda a: [torch.einsum('ii->i', a)]),
    ('einsum_outer', [randn(3), randn(4)], lambda a, b: [torch.einsum('i,j->ij', a, b)]),
    ('einsum_ellipsis', [randn(2, 3, 4, 5), randn(5, 3)], lambda a, b: [torch.einsum('...ij,jk->...ik', a, b)]),
    ('einsum_ellipsis_transpose', [randn(2, 3, 4)], lambda a: [torch.einsum('...ij->...ji', a)]),
    ('einsum_three', [randn(2, 3), randn(3, 4), randn(4, 2)], lambda a, b, c: [torch.einsum('ij,jk,kl->il', a, b, c)]),
    ('einsum_sum_out', [randn(3, 4, 5)], lambda a: [torch.einsum('ijk->j', a)]),
    ('einsum_bilinear', [randn(2, 3), randn(5, 3, 4), randn(2, 4)], lambda a, w, b: [torch.einsum('bi,kij,bj->bk', a, w, b)]),
    ('einsum_broadcast_ellipsis', [randn(2, 1, 3), randn(4, 3)], lambda a, b: [torch.einsum('...i,...i->...', a, b)]),
    ('einsum_upper_case', [randn(2, 3), randn(3, 2)], lambda a, b: [torch.einsum('Ab,bA', a, b)]),
    ('einsum_repeated_mixed', [randn(3, 3, 4), randn(4)], lambda a, b: [torch.einsum('iij,j->i', a, b)]),
]


def number(v):
    # JSON has no NaN or infinities: they travel as the strings JavaScript's Number() reads.
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return float(v)


def values(t):
    return [number(v) for v in t.detach().flatten().tolist()]


def run(name, inputs, fn):
    leaves = [x.clone().requires_grad_(True) for x in inputs]
    outs = fn(*leaves)
    weights = [torch.randn(o.shape, dtype=f64) for o in outs]
    case = {
        'inputs': [{'shape': list(x.shape), 'data': values(x)} for x in inputs],
        'outputs': [{'shape': list(o.shape), 'data': values(o)} for o in outs],
        'weights': [values(w) for w in weights],
        'gradFn': outs[0].grad_fn.name() if outs[0].grad_fn is not None else None,
    }
    differentiable = [(o, w) for o, w in zip(outs, weights) if o.requires_grad]
    if differentiable:
        loss = sum((o * w).sum() for o, w in differentiable)
        grads = torch.autograd.grad(loss, leaves, allow_unused=True)
        case['grads'] = [None if g is None else values(g) for g in grads]
    return case


def grad_fn_names():
    a = well(3).requires_grad_(True)
    s = spd(3).requires_grad_(True)
    m = randn(4, 3).requires_grad_(True)
    names = {
        'inv': L.inv(a), 'solve': L.solve(a, randn(3)), 'det': L.det(a), 'slogdet': L.slogdet(a).logabsdet,
        'cholesky': L.cholesky(s), 'qrQ': L.qr(m).Q, 'qrR': L.qr(m).R, 'eighL': L.eigh(s).eigenvalues,
        'eighV': L.eigh(s).eigenvectors, 'svdU': L.svd(m).U, 'svdS': L.svd(m).S, 'svdvals': L.svdvals(m),
        'pinv': L.pinv(m), 'lstsq': L.lstsq(m, randn(4, 2)).solution, 'vector_norm': L.vector_norm(m),
        'matrix_norm_fro': L.matrix_norm(m), 'matrix_norm_nuc': L.matrix_norm(m, 'nuc'),
        'matrix_norm_2': L.matrix_norm(m, 2), 'trace': torch.trace(m), 'kron': torch.kron(m, m),
        'cross': L.cross(m, m), 'cdist': torch.cdist(m, m), 'addmv': torch.addmv(randn(4), m, randn(3)),
        'addr': torch.addr(m, randn(4), randn(3)), 'baddbmm': torch.baddbmm(m, m[None], randn(1, 3, 3)),
        'addbmm': torch.addbmm(m, m[None], randn(1, 3, 3)),
    }
    return {k: v.grad_fn.name() for k, v in names.items()}


fixture = {
    'torch': torch.__version__,
    'cases': {name: run(name, inputs, fn) for name, inputs, fn in CASES},
    'gradFns': grad_fn_names(),
    'lstsqShapes': dict(zip(['solution', 'residuals', 'rank', 'singularValues'],
                            [list(v.shape) for v in L.lstsq(randn(2, 4, 3), randn(2, 4, 2))])),
}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'linalg.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {path}')
