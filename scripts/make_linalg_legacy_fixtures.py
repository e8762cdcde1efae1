#!/usr/bin/env python3
"""Generate tests/fixtures/linalg-legacy.json: what PyTorch 1.13 computes for the torch-level
linear algebra functions that predate torch.linalg (tests/linalg-legacy.test.ts).

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_linalg_legacy_fixtures.py

Every gradient is that of sum_i (out_i * W_i).sum() over the listed outputs, for fixed weights
W_i (weights() below), with the grad_fn names of the outputs. Sign-ambiguous factors (U, V,
eigenvectors, Q) are compared as LAPACK computes them, which flint's kernels reproduce; the
gauge-invariant functions that the test also gradchecks are asserted with PyTorch's own
gradcheck here.

svd:        torch.svd on square, tall, wide and batched matrices with some = True / False: U, S,
            V, the gradient of all three; compute_uv = False (zero U and V); float32; empty.
qr:         torch.qr, some = True / False: Q, R, their gradient or PyTorch's error (complete
            mode with more rows than columns); float32.
cholesky:   upper = False / True, batched; a non-symmetric input (which triangle is read);
            gradients (CholeskyBackward0); float32; empty inputs of any dtype.
symeig:     eigenvectors x upper on non-symmetric inputs (the triangle read), batched; the
            gradient with eigenvectors, PyTorch's error without; float32; empty inputs.
triangular: torch.triangular_solve for upper x transpose x unitriangular, broadcast batches;
            solution, cloned_coefficient and the gradients of both; a zero on the diagonal
            (OpenBLAS's inf and NaN); float32.
geqrf:      a and tau (square, tall, wide, batched, a column already reduced, a zero column);
            float32; the gradient error; empty.
ormqr:      left x transpose on geqrf output and on a random (input, tau), batched, wide input;
            values; float32; the grad_fn name and PyTorch's error for its missing derivative.
removed:    the messages of torch.eig, lstsq, solve and matrix_rank (and the Tensor methods).
warnings:   the deprecation warnings of torch.qr, cholesky, symeig and triangular_solve.
errors:     PyTorch's messages for the argument checks.
"""
import json
import math
import os
import re
import warnings

import torch

from fixture_json import err, ser


F64 = torch.float64
F32 = torch.float32
torch.manual_seed(20240917)


def t(v, dtype=F64):
    return torch.tensor(v, dtype=dtype)


def rand(*shape, dtype=F64):
    return torch.randn(*shape, dtype=F64).to(dtype)


def weights(shape, dtype=F64, shift=0):
    """A fixed grad_output: 0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0, ... repeating (rotated by shift)."""
    base = t([0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0], dtype).roll(shift)
    n = math.prod(shape)
    return base.repeat((n + 6) // 7)[:n].reshape(shape)


def quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return fn()


def multi_grads(fn, inputs, keys):
    """The outputs fn returns (a tuple), their grad_fn names, and each input's gradient of
    sum_i (out_i * W_i).sum() (W_i rotated per output); None for outputs not in the loss."""
    leaves = [x.clone().requires_grad_() if x.is_floating_point() else x for x in inputs]
    outs = quiet(lambda: fn(*leaves))
    rec = {'gradFns': [o.grad_fn.name() if o.grad_fn else None for o in outs]}
    loss = 0
    ws = []
    for i, o in enumerate(outs):
        w = weights(list(o.shape), o.dtype, i)
        ws.append(ser(w))
        if o.requires_grad and o.numel() > 0:
            loss = loss + (o * w).sum()
    for k, o in zip(keys, outs):
        rec[k] = ser(o)
    rec['W'] = ws
    try:
        loss.backward()
        rec['grads'] = [ser(x.grad) if x.is_floating_point() and x.grad is not None else None for x in leaves]
        rec['gradError'] = None
    except Exception as e:  # noqa: BLE001
        rec['grads'] = None
        rec['gradError'] = str(e)
    return rec


def check(fn, *inputs):
    assert torch.autograd.gradcheck(lambda *xs: quiet(lambda: fn(*xs)), tuple(x.clone().requires_grad_() for x in inputs))


# ---------------------------------------------------------------- warnings
def warning_of(fn):
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter('always')
        fn()
    assert len(ws) == 1, ws
    # The C++ source location PyTorch appends is not part of the message.
    return re.sub(r' \(Triggered internally at .*\)$', '', str(ws[0].message), flags=re.S)


# TORCH_WARN_ONCE: these are the first calls of each function in this process.
M, S = rand(3, 3), t([[4., 2., 1.], [2., 3., 0.5], [1., 0.5, 2.]])
warns = {
    'qr': warning_of(lambda: torch.qr(M)),
    'cholesky': warning_of(lambda: torch.cholesky(S)),
    'symeig': warning_of(lambda: torch.symeig(S)),
    'triangularSolve': warning_of(lambda: torch.triangular_solve(M, S)),
}

# ---------------------------------------------------------------- svd
def svd_invariant(A, some):
    U, S, V = torch.svd(A, some)
    k = S.shape[-1]
    U, V = U[..., :k], V[..., :k]
    w = torch.arange(1, k + 1, dtype=A.dtype)
    return torch.cat([S.reshape(-1), ((U * w) @ V.mT).reshape(-1), (U @ U.mT).reshape(-1), ((V * w) @ V.mT).reshape(-1)])


svd = {'cases': [], 'noUv': [], 'float32': [], 'empty': []}
for shape in [(4, 4), (5, 3), (3, 5), (2, 3, 4), (2, 4, 3), (2, 2, 3, 3), (1, 1)]:
    A = rand(*shape)
    for some in (True, False):
        rec = multi_grads(lambda a: torch.svd(a, some), [A], ['U', 'S', 'V'])
        check(lambda a: svd_invariant(a, some), A)
        svd['cases'].append({'A': ser(A), 'some': some, **rec})
for shape in [(4, 4), (5, 3), (2, 3, 4)]:
    A = rand(*shape)
    for some in (True, False):
        a = A.clone().requires_grad_()
        U, S, V = torch.svd(a, some, compute_uv=False)
        w = weights(list(S.shape))
        (S * w).sum().backward()
        svd['noUv'].append({'A': ser(A), 'some': some, 'U': ser(U), 'S': ser(S), 'V': ser(V), 'W': ser(w),
                            'grad': ser(a.grad), 'gradFns': [x.grad_fn.name() if x.grad_fn else None for x in (U, S, V)],
                            'requiresGrad': [x.requires_grad for x in (U, S, V)]})
for shape in [(4, 4), (5, 3), (2, 3, 4)]:
    A = rand(*shape, dtype=F32)
    U, S, V = torch.svd(A)
    svd['float32'].append({'A': ser(A, True), 'U': ser(U), 'S': ser(S), 'V': ser(V)})
for shape in [(0, 0), (2, 0, 0), (0, 3), (3, 0), (2, 3, 0)]:
    for some in (True, False):
        for uv in (True, False):
            U, S, V = torch.svd(torch.zeros(shape, dtype=F64), some, uv)
            svd['empty'].append({'shape': list(shape), 'some': some, 'computeUv': uv,
                                 'U': list(U.shape), 'S': list(S.shape), 'V': list(V.shape)})

# ---------------------------------------------------------------- qr
qr = {'cases': [], 'float32': []}
for shape in [(4, 4), (5, 3), (3, 5), (2, 4, 3), (2, 3, 4), (1, 1)]:
    A = rand(*shape)
    for some in (True, False):
        rec = multi_grads(lambda a: torch.qr(a, some), [A], ['Q', 'R'])
        if rec['gradError'] is None:
            check(lambda a: torch.cat([x.reshape(-1) for x in torch.qr(a, some)]), A)
        qr['cases'].append({'A': ser(A), 'some': some, **rec})
for shape in [(4, 3), (2, 3, 4)]:
    A = rand(*shape, dtype=F32)
    Q, R = quiet(lambda: torch.qr(A, False))
    qr['float32'].append({'A': ser(A, True), 'some': False, 'Q': ser(Q), 'R': ser(R)})


# ---------------------------------------------------------------- cholesky
def spd(*shape, dtype=F64):
    m = rand(*shape)
    return (m @ m.mT + shape[-1] * torch.eye(shape[-1], dtype=F64)).to(dtype)


chol = {'cases': [], 'float32': [], 'empty': []}
for A in [spd(3, 3), spd(2, 4, 4), spd(1, 1)]:
    for upper in (False, True):
        rec = multi_grads(lambda a: (torch.cholesky(a, upper),), [A], ['out'])
        check(lambda x: torch.cholesky(x @ x.mT + x.shape[-1] * torch.eye(x.shape[-1], dtype=F64), upper), A)
        chol['cases'].append({'A': ser(A), 'upper': upper, **rec})
# Only one triangle is read: the lower one, or the upper one with upper=True.
S = spd(3, 3)
lopsided = S.tril() + S.tril(-1).mT * 0 + torch.triu(torch.full((3, 3), 50.0, dtype=F64), 1)
for upper in (False, True):
    M = lopsided if not upper else lopsided.mT.contiguous()
    chol['cases'].append({'A': ser(M), 'upper': upper, 'note': 'triangle', **multi_grads(lambda a: (torch.cholesky(a, upper),), [M], ['out'])})
for upper in (False, True):
    A = spd(2, 3, 3, dtype=F32)
    chol['float32'].append({'A': ser(A, True), 'upper': upper, 'out': ser(quiet(lambda: torch.cholesky(A, upper)))})
for shape, dtype in [((0, 3), torch.int64), ((0,), torch.int64), ((2, 0, 0), F64), ((0, 3, 3), torch.int32)]:
    out = quiet(lambda: torch.cholesky(torch.zeros(shape, dtype=dtype)))
    chol['empty'].append({'A': ser(torch.zeros(shape, dtype=dtype)), 'out': ser(out)})


# ---------------------------------------------------------------- symeig
def symeig_invariant(x, upper):
    L, V = torch.symeig(x + x.mT, True, upper)
    w = torch.arange(1, L.shape[-1] + 1, dtype=x.dtype)
    return torch.cat([L.reshape(-1), ((V * w) @ V.mT).reshape(-1)])


sym = {'cases': [], 'float32': [], 'empty': []}
for shape in [(4, 4), (2, 3, 3), (1, 1)]:
    # Not symmetric: each triangle gives other eigenvalues.
    A = rand(*shape) + 2 * torch.eye(shape[-1], dtype=F64)
    for eigenvectors in (False, True):
        for upper in (True, False):
            rec = multi_grads(lambda a: torch.symeig(a, eigenvectors, upper), [A], ['L', 'V'])
            sym['cases'].append({'A': ser(A), 'eigenvectors': eigenvectors, 'upper': upper, **rec})
    for upper in (True, False):
        check(lambda x: symeig_invariant(x, upper), A)
for upper in (True, False):
    A = rand(2, 3, 3, dtype=F32)
    L, V = quiet(lambda: torch.symeig(A, True, upper))
    sym['float32'].append({'A': ser(A, True), 'upper': upper, 'L': ser(L), 'V': ser(V)})
for shape, dtype in [((0, 0), F64), ((2, 0, 0), F64), ((0, 3, 3), torch.int64), ((0, 0), torch.int32)]:
    for eigenvectors in (False, True):
        L, V = quiet(lambda: torch.symeig(torch.zeros(shape, dtype=dtype), eigenvectors))
        sym['empty'].append({'A': ser(torch.zeros(shape, dtype=dtype)), 'eigenvectors': eigenvectors, 'L': ser(L), 'V': ser(V)})

# ---------------------------------------------------------------- triangular_solve
tri = {'cases': [], 'singular': [], 'float32': []}
for b_shape, a_shape in [((3, 2), (3, 3)), ((2, 1, 3, 2), (4, 3, 3)), ((3, 3, 1), (3, 3))]:
    A = rand(*a_shape) + 3 * torch.eye(3, dtype=F64)
    b = rand(*b_shape)
    for upper in (True, False):
        for transpose in (False, True):
            for unit in (False, True):
                rec = multi_grads(lambda bb, aa: torch.triangular_solve(bb, aa, upper, transpose, unit), [b, A], ['solution', 'cloned'])
                check(lambda bb, aa: torch.cat([x.reshape(-1) for x in torch.triangular_solve(bb, aa, upper, transpose, unit)]), b, A)
                tri['cases'].append({'b': ser(b), 'A': ser(A), 'upper': upper, 'transpose': transpose, 'unitriangular': unit, **rec})
for b, A, upper, transpose in [
    (t([[0.], [1.]]), t([[0., 1.], [0., 1.]]), True, False),
    (t([[1.], [0.]]), t([[0., 1.], [0., 1.]]), True, False),
    (t([[1.], [1.]]), t([[1., 0.], [1., 0.]]), False, False),
    (t([[1.], [0.]]), t([[0., 0.], [1., 1.]]), False, False),
    (t([[0., 0.], [1., 2.]]), t([[0., 0.], [1., 1.]]), False, False),
    (t([[1., 0.], [2., 0.], [0., 3.]]), t([[2., 1., 1.], [0., 0., 1.], [0., 0., 4.]]), True, False),
    (t([[1., 0.], [2., 0.], [0., 3.]]), t([[2., 1., 1.], [0., 0., 1.], [0., 0., 4.]]), True, True),
    (t([[[1.], [2.]], [[3.], [4.]]]), t([[[1., 5.], [0., 2.]], [[0., 5.], [0., 2.]]]), True, False),
]:
    sol, cloned = torch.triangular_solve(b, A, upper, transpose)
    tri['singular'].append({'b': ser(b), 'A': ser(A), 'upper': upper, 'transpose': transpose, 'solution': ser(sol)})
for upper, transpose in [(True, False), (False, True)]:
    A = rand(2, 3, 3, dtype=F32) + 3 * torch.eye(3, dtype=F32)
    b = rand(2, 3, 4, dtype=F32)
    sol, cloned = quiet(lambda: torch.triangular_solve(b, A, upper, transpose))
    tri['float32'].append({'b': ser(b, True), 'A': ser(A, True), 'upper': upper, 'transpose': transpose, 'solution': ser(sol), 'cloned': ser(cloned)})

# ---------------------------------------------------------------- geqrf
geqrf = {'cases': [], 'float32': [], 'empty': []}
reduced = rand(4, 3)
reduced[1:, 0] = 0
zero_col = rand(4, 3)
zero_col[:, 1] = 0
for A in [rand(4, 4), rand(5, 3), rand(3, 5), rand(2, 4, 3), rand(1, 1), rand(3, 1), reduced, zero_col,
          t([[-3., 1.], [4., 2.], [0., 5.]]), 1e-160 * rand(3, 3), 1e160 * rand(3, 3)]:
    a, tau = torch.geqrf(A)
    geqrf['cases'].append({'A': ser(A), 'a': ser(a), 'tau': ser(tau)})
for shape in [(4, 3), (2, 3, 5)]:
    A = rand(*shape, dtype=F32)
    a, tau = torch.geqrf(A)
    geqrf['float32'].append({'A': ser(A, True), 'a': ser(a), 'tau': ser(tau)})
for shape in [(0, 0), (0, 3), (3, 0), (2, 3, 0)]:
    a, tau = torch.geqrf(torch.zeros(shape, dtype=F64))
    geqrf['empty'].append({'shape': list(shape), 'a': list(a.shape), 'tau': list(tau.shape)})
x = rand(4, 3).requires_grad_()
a, tau = torch.geqrf(x)
geqrf['gradFns'] = [a.grad_fn.name(), tau.grad_fn.name()]
geqrf['gradError'] = err(lambda: a.sum().backward())

# ---------------------------------------------------------------- ormqr
ormqr = {'cases': [], 'float32': []}
for in_shape, k, left, o_shape in [((4, 3), 3, True, (4, 2)), ((4, 3), 3, False, (2, 4)), ((4, 4), 4, True, (4, 3)),
                                   ((2, 5, 3), 2, True, (2, 5, 2)), ((2, 5, 3), 3, False, (2, 3, 5)), ((3, 5), 3, True, (3, 2))]:
    for transpose in (False, True):
        for source in ('geqrf', 'random'):
            if source == 'geqrf':
                inp, tau = torch.geqrf(rand(*in_shape))
                tau = tau[..., :k].contiguous()
            else:
                inp, tau = rand(*in_shape), rand(*in_shape[:-2], k)
            other = rand(*o_shape)
            out = torch.ormqr(inp, tau, other, left, transpose)
            ormqr['cases'].append({'input': ser(inp), 'tau': ser(tau), 'other': ser(other), 'left': left, 'transpose': transpose,
                                   'out': ser(out)})
# PyTorch 1.13 records OrmqrBackward0 but has no derivative for it.
x = rand(4, 3).requires_grad_()
y = torch.ormqr(x, torch.ones(3, dtype=F64), rand(4, 2))
ormqr['gradFn'] = y.grad_fn.name()
ormqr['gradError'] = err(lambda: y.sum().backward())
for left, transpose in [(True, True), (False, False)]:
    inp, tau = torch.geqrf(rand(4, 3, dtype=F32))
    other = rand(4, 2, dtype=F32) if left else rand(2, 4, dtype=F32)
    ormqr['float32'].append({'input': ser(inp), 'tau': ser(tau), 'other': ser(other, True), 'left': left, 'transpose': transpose,
                             'out': ser(torch.ormqr(inp, tau, other, left, transpose))})

# ---------------------------------------------------------------- removed
M = rand(3, 3)
removed = {
    'eig': err(lambda: torch.eig(M)),
    'eigVectors': err(lambda: torch.eig(M, True)),
    'lstsq': err(lambda: torch.lstsq(M, M)),
    'solve': err(lambda: torch.solve(M, M)),
    'matrixRank': err(lambda: torch.matrix_rank(M)),
    'methodEig': err(lambda: M.eig()),
    'methodLstsq': err(lambda: M.lstsq(M)),
    'methodSolve': err(lambda: M.solve(M)),
}


with warnings.catch_warnings(record=True) as ws:
    warnings.simplefilter('always')
    torch.svd(M)
    torch.geqrf(M)
    torch.ormqr(*torch.geqrf(M), M)
assert not ws

# ---------------------------------------------------------------- errors
i64 = torch.ones(3, 3, dtype=torch.int64)
h = torch.ones(3, 3, dtype=torch.float16)
g4, tau4 = torch.geqrf(rand(4, 3))
errors = quiet(lambda: {
    'svd_1d': err(lambda: torch.svd(rand(3))),
    'svd_1d_no_uv': err(lambda: torch.svd(rand(3), compute_uv=False)),
    'svd_int': err(lambda: torch.svd(i64)),
    'svd_int_no_uv': err(lambda: torch.svd(i64, compute_uv=False)),
    'svd_bool': err(lambda: torch.svd(torch.ones(2, 2, dtype=torch.bool))),
    'svd_half': err(lambda: torch.svd(h)),
    'qr_1d': err(lambda: torch.qr(rand(3))),
    'qr_int': err(lambda: torch.qr(i64)),
    'qr_half': err(lambda: torch.qr(h)),
    'cholesky_1d': err(lambda: torch.cholesky(rand(3))),
    'cholesky_not_square': err(lambda: torch.cholesky(rand(3, 4))),
    'cholesky_int': err(lambda: torch.cholesky(i64)),
    'cholesky_half': err(lambda: torch.cholesky(h)),
    'cholesky_not_pd': err(lambda: torch.cholesky(-spd(3, 3))),
    'cholesky_not_pd_upper': err(lambda: torch.cholesky(t([[1., 2.], [2., 1.]]), upper=True)),
    'cholesky_not_pd_batch': err(lambda: torch.cholesky(torch.stack([spd(3, 3), -spd(3, 3)]))),
    'symeig_1d': err(lambda: torch.symeig(rand(3))),
    'symeig_not_square': err(lambda: torch.symeig(rand(3, 4))),
    'symeig_int': err(lambda: torch.symeig(i64)),
    'symeig_half': err(lambda: torch.symeig(h)),
    'triangular_b_1d': err(lambda: torch.triangular_solve(rand(3), rand(3, 3))),
    'triangular_A_1d': err(lambda: torch.triangular_solve(rand(3, 2), rand(3))),
    'triangular_not_square': err(lambda: torch.triangular_solve(rand(3, 2), rand(3, 4))),
    'triangular_sizes': err(lambda: torch.triangular_solve(rand(4, 2), rand(3, 3))),
    'triangular_dtype': err(lambda: torch.triangular_solve(rand(3, 2, dtype=F32), rand(3, 3))),
    'triangular_int': err(lambda: torch.triangular_solve(torch.ones(3, 2, dtype=torch.int64), i64)),
    'triangular_broadcast': err(lambda: torch.triangular_solve(rand(2, 3, 2), rand(4, 3, 3))),
    'geqrf_1d': err(lambda: torch.geqrf(rand(3))),
    'geqrf_int': err(lambda: torch.geqrf(i64)),
    'geqrf_half': err(lambda: torch.geqrf(h)),
    'ormqr_input_1d': err(lambda: torch.ormqr(rand(3), tau4, rand(4, 2))),
    'ormqr_other_1d': err(lambda: torch.ormqr(g4, tau4, rand(4))),
    'ormqr_tau_long_left': err(lambda: torch.ormqr(rand(2, 4), rand(3), rand(2, 4))),
    'ormqr_tau_long_right': err(lambda: torch.ormqr(g4, tau4, rand(4, 2), left=False)),
    'ormqr_rows': err(lambda: torch.ormqr(g4, tau4, rand(3, 2))),
    'ormqr_cols_right': err(lambda: torch.ormqr(g4, tau4, rand(2, 5), left=False)),
    'ormqr_tau_gt_cols': err(lambda: torch.ormqr(rand(4, 2), rand(3), rand(4, 2))),
    'ormqr_tau_ndim': err(lambda: torch.ormqr(g4, tau4[None], rand(4, 2))),
    'ormqr_other_ndim': err(lambda: torch.ormqr(g4, tau4, rand(1, 4, 2))),
    'ormqr_tau_batch': err(lambda: torch.ormqr(rand(2, 4, 3), rand(3, 3), rand(2, 4, 2))),
    'ormqr_other_batch': err(lambda: torch.ormqr(rand(2, 4, 3), rand(2, 3), rand(3, 4, 2))),
    'ormqr_tau_dtype': err(lambda: torch.ormqr(g4, tau4.float(), rand(4, 2))),
    'ormqr_other_dtype': err(lambda: torch.ormqr(g4, tau4, rand(4, 2, dtype=F32))),
    'ormqr_int': err(lambda: torch.ormqr(g4.long(), tau4.long(), torch.ones(4, 2, dtype=torch.int64))),
})

fixture = {'torch': torch.__version__, 'svd': svd, 'qr': qr, 'cholesky': chol, 'symeig': sym, 'triangular': tri,
           'geqrf': geqrf, 'ormqr': ormqr, 'removed': removed, 'warnings': warns, 'errors': errors}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'linalg-legacy.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'), allow_nan=False)
    f.write('\n')
print(f'wrote {path}: {len(svd["cases"])} svd, {len(qr["cases"])} qr, {len(chol["cases"])} cholesky, '
      f'{len(sym["cases"])} symeig, {len(tri["cases"])} triangular_solve, {len(geqrf["cases"])} geqrf, '
      f'{len(ormqr["cases"])} ormqr cases, {len(errors)} errors')
