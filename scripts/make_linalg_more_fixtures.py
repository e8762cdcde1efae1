#!/usr/bin/env python3
"""Generate tests/fixtures/linalg-more.json: what PyTorch 1.13 computes for the torch.linalg
additions that tests/linalg-more.test.ts checks.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_linalg_more_fixtures.py

Every gradient is d((out * W).sum()) / d(input) for a fixed W (weights() below), with the
grad_fn name of the output; every float64 case also passes PyTorch's own gradcheck here
(asserted), as flint's must in the test.

lu:          linalg.lu_factor / lu_factor_ex / lu on well-conditioned random matrices (square,
             batched, wide, tall, batched wide and tall; float64 and float32): LU, pivots, info,
             P, L, U; the gradient of LU (LinalgLuFactorExBackward0) and of L and U together
             (LinalgLuBackward0). Singular inputs (an exactly rank-deficient matrix, a zero
             column, a batch with one singular matrix, a rank-deficient wide and tall matrix):
             LU, pivots, info and P, L, U (their pivoting has no ties).
unpack:      torch.lu_unpack with the four flag combinations, and the gradient of L and U for
             LU (LuUnpackBackward0) for square, wide and tall factors.
lu_solve:    linalg.lu_solve for left x adjoint, with broadcasting batch dims; values and the
             gradients of LU and B (LinalgLuSolveBackward0); float32 values; a singular LU
             (inf / NaN as PyTorch's getrs); torch.lu (get_infos) and torch.lu_solve.
matrix_exp:  linalg.matrix_exp on matrices whose 1-norms fall in each degree's interval (1, 2,
             4, 8, 12, 18 and 18 with 1, 3 and 10 squarings), float64 and float32, a batch
             mixing them, n = 1 and n = 0; gradients (LinalgMatrixExpBackward0).
householder: linalg.householder_product / torch.orgqr of geqrf's output and of random V, tau;
             values and gradients (LinalgHouseholderProductBackward0), batched, float32.
inv_ex, solve_ex: values, info and gradients; a batch with a singular matrix (info, and the
             inf / NaN results), left=False.
small:       linalg.diagonal, linalg.vander (float, int, batched, N), tensorinv, tensorsolve
             (with dims), torch.matrix_power: values and gradients.
errors:      PyTorch's messages for the argument checks.
"""
import json
import math
import os
import warnings

import torch

from fixture_json import enc, err, ser


F64 = torch.float64
F32 = torch.float32
warnings.simplefilter('ignore')
torch.manual_seed(20240613)


def t(v, dtype=F64):
    return torch.tensor(v, dtype=dtype)


def weights(shape, dtype=F64):
    """A fixed grad_output: 0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0, ... repeating."""
    base = t([0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0], dtype)
    n = math.prod(shape)
    return base.repeat((n + 6) // 7)[:n].reshape(shape)


def grads(fn, inputs, check=True):
    """out, its grad_fn name, W and the gradients of (out * W).sum() for the inputs that require grad."""
    leaves = [x.clone().requires_grad_() if x.is_floating_point() else x for x in inputs]
    out = fn(*leaves)
    w = weights(list(out.shape), out.dtype)
    (out * w).sum().backward()
    if check and all(x.dtype == F64 for x in inputs if x.is_floating_point()):
        assert torch.autograd.gradcheck(fn, tuple(x.clone().requires_grad_() if x.is_floating_point() else x for x in inputs))
    return {'out': ser(out), 'gradFn': out.grad_fn.name() if out.grad_fn else None, 'W': ser(w),
            'grads': [ser(x.grad) if x.is_floating_point() else None for x in leaves]}


def rand(*shape, dtype=F64):
    return torch.randn(*shape, dtype=F64).to(dtype)


# ---------------------------------------------------------------- lu
lu = {'cases': [], 'float32': [], 'singular': [], 'unpack': [], 'unpackGrads': []}
for name, shape in [('square', (4, 4)), ('batched', (2, 3, 3)), ('wide', (3, 5)), ('tall', (5, 3)),
                    ('batched_wide', (2, 2, 4)), ('batched_tall', (2, 4, 2)), ('one', (1, 1))]:
    A = rand(*shape)
    LU, piv, info = torch.linalg.lu_factor_ex(A)
    P, L, U = torch.linalg.lu(A)
    factor = grads(lambda a: torch.linalg.lu_factor(a).LU, [A])
    # L and U together: (L * WL).sum() + (U * WU).sum() through one LinalgLuBackward0.
    a = A.clone().requires_grad_()
    _, La, Ua = torch.linalg.lu(a)
    WL, WU = weights(list(La.shape)), -weights(list(Ua.shape))
    ((La * WL).sum() + (Ua * WU).sum()).backward()
    assert torch.autograd.gradcheck(lambda x: torch.linalg.lu(x)[1:], (A.clone().requires_grad_(),))
    lu['cases'].append({'name': name, 'A': ser(A), 'LU': ser(LU), 'pivots': ser(piv), 'info': ser(info),
                        'P': ser(P), 'L': ser(L), 'U': ser(U), 'factor': factor, 'luGradFn': La.grad_fn.name(),
                        'WL': ser(WL), 'WU': ser(WU), 'luGrad': ser(a.grad)})
for shape in [(4, 4), (2, 3, 3), (3, 5), (5, 3)]:
    A = rand(*shape, dtype=F32)
    LU, piv = torch.linalg.lu_factor(A)
    P, L, U = torch.linalg.lu(A)
    lu['float32'].append({'A': ser(A, True), 'LU': ser(LU), 'pivots': ser(piv), 'P': ser(P), 'L': ser(L), 'U': ser(U)})
for name, A in [('rank1', t([[1., 2.], [2., 4.]])),
                ('zero_column', t([[0., 0.], [1., 0.]])),
                ('zeros', torch.zeros(3, 3, dtype=F64)),
                ('batch_one_singular', t([[[2., 1., 0.], [4., 2., 1.], [1., 0., 3.]], [[1., 2., 3.], [2., 4., 6.], [1., 1., 1.]]])),
                ('wide_rank1', t([[1., 2., 3., 4.], [2., 4., 6., 8.]])),
                ('tall_rank1', t([[1., 2.], [2., 4.], [3., 6.], [-1., -2.]]))]:
    LU, piv, info = torch.linalg.lu_factor_ex(A)
    P, L, U = torch.linalg.lu(A)
    lu['singular'].append({'name': name, 'A': ser(A), 'LU': ser(LU), 'pivots': ser(piv), 'info': ser(info),
                           'P': ser(P), 'L': ser(L), 'U': ser(U)})
lu['empty'] = []
for shape in [(0, 3), (3, 0), (2, 0, 3), (0, 2, 2)]:
    LU, piv = torch.linalg.lu_factor(torch.zeros(shape, dtype=F64))
    P, L, U = torch.linalg.lu(torch.zeros(shape, dtype=F64))
    lu['empty'].append({'A': ser(torch.zeros(shape, dtype=F64)), 'LU': ser(LU), 'pivots': ser(piv), 'P': ser(P), 'L': ser(L), 'U': ser(U)})
for shape in [(2, 3, 3), (3, 5), (5, 3)]:
    LU, piv = torch.linalg.lu_factor(rand(*shape))
    for flags in [(True, True), (True, False), (False, True), (False, False)]:
        P, L, U = torch.lu_unpack(LU, piv, *flags)
        lu['unpack'].append({'LU': ser(LU), 'pivots': ser(piv), 'unpackData': flags[0], 'unpackPivots': flags[1],
                             'P': ser(P), 'L': ser(L), 'U': ser(U)})
    lu_ = LU.clone().requires_grad_()
    _, L, U = torch.lu_unpack(lu_, piv)
    WL, WU = weights(list(L.shape)), -weights(list(U.shape))
    ((L * WL).sum() + (U * WU).sum()).backward()
    assert torch.autograd.gradcheck(lambda x: torch.lu_unpack(x, piv)[1:], (LU.clone().requires_grad_(),))
    lu['unpackGrads'].append({'LU': ser(LU), 'pivots': ser(piv), 'gradFn': L.grad_fn.name(), 'WL': ser(WL), 'WU': ser(WU),
                              'grad': ser(lu_.grad)})

# ---------------------------------------------------------------- lu_solve
solve = {'cases': [], 'float32': [], 'legacy': {}}
for left in (True, False):
    for adjoint in (False, True):
        for lu_shape, b_shape in [((3, 3), (3, 2) if left else (2, 3)), ((2, 3, 3), (4, 1, 3, 2) if left else (4, 1, 2, 3))]:
            A = rand(*lu_shape) + 3 * torch.eye(3, dtype=F64)
            LU, piv = torch.linalg.lu_factor(A)
            B = rand(*b_shape)
            g = grads(lambda lu_, b: torch.linalg.lu_solve(lu_, piv, b, left=left, adjoint=adjoint), [LU, B])
            solve['cases'].append({'left': left, 'adjoint': adjoint, 'LU': ser(LU), 'pivots': ser(piv), 'B': ser(B), **g})
for left, adjoint in [(True, False), (False, True)]:
    LU, piv = torch.linalg.lu_factor(rand(3, 3, dtype=F32))
    B = rand(3, 2, dtype=F32) if left else rand(2, 3, dtype=F32)
    solve['float32'].append({'left': left, 'adjoint': adjoint, 'LU': ser(LU), 'pivots': ser(piv), 'B': ser(B),
                             'out': ser(torch.linalg.lu_solve(LU, piv, B, left=left, adjoint=adjoint))})
LU, piv, _ = torch.linalg.lu_factor_ex(t([[1., 2.], [2., 4.]]))
solve['singular'] = {'LU': ser(LU), 'pivots': ser(piv), 'B': ser(t([[1.], [1.]])),
                     'out': ser(torch.linalg.lu_solve(LU, piv, t([[1.], [1.]]))),
                     'outAdjoint': ser(torch.linalg.lu_solve(LU, piv, t([[1.], [1.]]), adjoint=True))}
A = rand(2, 3, 3)
LU, piv, info = torch.lu(A, get_infos=True)
B = rand(2, 3, 2)
solve['legacy'] = {'A': ser(A), 'LU': ser(LU), 'pivots': ser(piv), 'info': ser(info), 'B': ser(B),
                   **grads(lambda b, lu_: torch.lu_solve(b, lu_, piv), [B, LU]),
                   'luGradFn': torch.lu(A.clone().requires_grad_())[0].grad_fn.name()}

# ---------------------------------------------------------------- matrix_exp
mexp = {'float64': [], 'float32': [], 'batch': None, 'small': []}
thetas = {F64: [2.220446049250313e-16, 2.580956802971767e-08, 3.397168839976962e-04, 4.991228871115323e-02,
                2.996158913811580e-01, 1.090863719290036e+00],
          F32: [1.192092800768788e-07, 5.978858893805233e-04, 5.116619363445086e-02, 5.800524627688768e-01,
                1.461661507209034e+00, 3.010066362817634e+00]}


def with_norm(shape, norm, dtype):
    """A random matrix scaled to the given 1-norm (max column abs sum)."""
    a = rand(*shape)
    return (a * (norm / a.abs().sum(-2).amax(-1))[..., None, None]).to(dtype)


for dtype, key in [(F64, 'float64'), (F32, 'float32')]:
    th = thetas[dtype]
    norms = [('deg1', th[0] * 0.5), ('deg2', (th[0] + th[1]) / 2), ('deg4', (th[1] + th[2]) / 2),
             ('deg8', (th[2] + th[3]) / 2), ('deg12', (th[3] + th[4]) / 2), ('deg18', (th[4] + th[5]) / 2),
             ('scale1', th[5] * 1.5), ('scale3', th[5] * 6), ('scale10', th[5] * 700)]
    for name, norm in norms:
        A = with_norm((4, 4), norm, dtype)
        case = {'name': name, 'A': ser(A, True)}
        if dtype == F64:
            case.update(grads(torch.linalg.matrix_exp, [A], check=name not in ('scale10',)))
        else:
            case['out'] = ser(torch.linalg.matrix_exp(A))
        mexp[key].append(case)
As = torch.stack([with_norm((3, 3), n, F64) for n in [1e-17, 1e-3, 0.2, 0.7, 5.0, 0.04]]).reshape(2, 3, 3, 3)
mexp['batch'] = {'A': ser(As), **grads(torch.linalg.matrix_exp, [As])}
for A in [t([[0.7]]), t([[[0.3]], [[-2.0]]]), torch.zeros(2, 0, 0, dtype=F64)]:
    mexp['small'].append({'A': ser(A), 'out': ser(torch.linalg.matrix_exp(A)), 'alias': ser(torch.matrix_exp(A))})
mexp['nilpotent'] = {'A': ser(t([[0., 1., 2.], [0., 0., 3.], [0., 0., 0.]])),
                     'out': ser(torch.linalg.matrix_exp(t([[0., 1., 2.], [0., 0., 3.], [0., 0., 0.]])))}

# ---------------------------------------------------------------- householder_product
house = {'cases': [], 'float32': None}
for shape, k in [((4, 4), 4), ((5, 3), 3), ((5, 3), 2), ((2, 4, 2), 2)]:
    A = rand(*shape)
    geqrf_a, geqrf_tau = torch.geqrf(A)
    tau = geqrf_tau[..., :k]
    case = {'A': ser(geqrf_a), 'tau': ser(tau), **grads(torch.linalg.householder_product, [geqrf_a, tau])}
    case['orgqr'] = ser(torch.orgqr(geqrf_a, tau))
    house['cases'].append(case)
V, tau = rand(4, 3), rand(3)
house['cases'].append({'A': ser(V), 'tau': ser(tau), **grads(torch.linalg.householder_product, [V, tau]),
                       'orgqr': ser(torch.orgqr(V, tau))})
V32, tau32 = torch.geqrf(rand(4, 3, dtype=F32))
house['float32'] = {'A': ser(V32), 'tau': ser(tau32), 'out': ser(torch.linalg.householder_product(V32, tau32))}

# ---------------------------------------------------------------- inv_ex, solve_ex
ex = {}
A = rand(2, 3, 3) + 2 * torch.eye(3, dtype=F64)
ex['inv'] = {'A': ser(A), **grads(lambda a: torch.linalg.inv_ex(a).inverse, [A]), 'info': ser(torch.linalg.inv_ex(A).info)}
S = t([[[1., 2.], [2., 4.]], [[2., 0.], [0., 3.]], [[0., 0.], [1., 0.]]])
r = torch.linalg.inv_ex(S)
ex['invSingular'] = {'A': ser(S), 'inverse': ser(r.inverse), 'info': ser(r.info)}
B = rand(3, 2)
ex['solve'] = {'A': ser(A), 'B': ser(B), **grads(lambda a, b: torch.linalg.solve_ex(a, b).result, [A, B]),
               'info': ser(torch.linalg.solve_ex(A, B).info)}
Bl = rand(2, 4, 3)
ex['solveLeft'] = {'A': ser(A), 'B': ser(Bl), **grads(lambda a, b: torch.linalg.solve_ex(a, b, left=False).result, [A, Bl])}
bv = rand(3)
ex['solveVector'] = {'A': ser(A[0]), 'B': ser(bv), 'out': ser(torch.linalg.solve_ex(A[0], bv).result)}
Bs = t([[1.], [1.]]).expand(3, 2, 1)
r = torch.linalg.solve_ex(S, Bs)
ex['solveSingular'] = {'A': ser(S), 'B': ser(Bs), 'result': ser(r.result), 'info': ser(r.info)}
r = torch.linalg.solve_ex(S, t([[1., 1.]]).expand(3, 1, 2), left=False)
ex['solveSingularLeft'] = {'A': ser(S), 'B': ser(t([[1., 1.]]).expand(3, 1, 2)), 'result': ser(r.result), 'info': ser(r.info)}

# ---------------------------------------------------------------- small ops
small = {}
A = rand(2, 3, 4)
small['diagonal'] = [{'A': ser(A), 'offset': o, 'dim1': d1, 'dim2': d2,
                      **grads(lambda a, o=o, d1=d1, d2=d2: torch.linalg.diagonal(a, offset=o, dim1=d1, dim2=d2), [A])}
                     for o, d1, d2 in [(0, -2, -1), (1, -2, -1), (-1, -2, -1), (1, 0, 2)]]
x = rand(2, 3)
small['vander'] = [{'x': ser(x), 'N': None, **grads(lambda a: torch.linalg.vander(a), [x])},
                   {'x': ser(x[0]), 'N': 5, **grads(lambda a: torch.linalg.vander(a, N=5), [x[0]])},
                   {'x': ser(t([1, 2, 3, 5], torch.int64)), 'N': None, 'out': ser(torch.linalg.vander(t([1, 2, 3, 5], torch.int64)))},
                   {'x': ser(t([1, -2, 3], torch.int32)), 'N': 4, 'out': ser(torch.linalg.vander(t([1, -2, 3], torch.int32), N=4))},
                   {'x': ser(t([0.5, 2.0], F32)), 'N': 3, 'out': ser(torch.linalg.vander(t([0.5, 2.0], F32), N=3))},
                   {'x': ser(t(2.5)), 'N': 3, 'out': ser(torch.linalg.vander(t(2.5), N=3))}]
T = rand(4, 2, 2) + torch.eye(4, dtype=F64).reshape(4, 2, 2) * 3
small['tensorinv'] = [{'A': ser(T), 'ind': 1, **grads(lambda a: torch.linalg.tensorinv(a, ind=1), [T])}]
T2 = rand(2, 3, 6) + torch.eye(6, dtype=F64).reshape(2, 3, 6) * 3
small['tensorinv'].append({'A': ser(T2), 'ind': 2, **grads(lambda a: torch.linalg.tensorinv(a, ind=2), [T2])})
Bt = rand(2, 3)
small['tensorsolve'] = [{'A': ser(T2), 'B': ser(Bt), 'dims': None, **grads(lambda a, b: torch.linalg.tensorsolve(a, b), [T2, Bt])}]
T3 = T2.permute(2, 0, 1).contiguous()
small['tensorsolve'].append({'A': ser(T3), 'B': ser(Bt), 'dims': [0],
                             **grads(lambda a, b: torch.linalg.tensorsolve(a, b, dims=(0,)), [T3, Bt])})
M = rand(2, 3, 3)
small['matrixPower'] = [{'A': ser(M), 'n': n, **grads(lambda a, n=n: torch.matrix_power(a, n), [M])} for n in (2, 3, -1)]

# ---------------------------------------------------------------- errors
LU3, piv3 = torch.linalg.lu_factor(rand(2, 3, 3))
sing = t([[[1., 2.], [2., 4.]], [[2., 0.], [0., 3.]]])
errors = {
    'lu_factor_1d': err(lambda: torch.linalg.lu_factor(rand(3))),
    'lu_factor_int': err(lambda: torch.linalg.lu_factor(torch.ones(3, 3, dtype=torch.int64))),
    'lu_factor_singular': err(lambda: torch.linalg.lu_factor(sing[0])),
    'lu_factor_singular_batch': err(lambda: torch.linalg.lu_factor(sing)),
    'lu_factor_ex_check': err(lambda: torch.linalg.lu_factor_ex(sing, check_errors=True)),
    'lu_factor_no_pivot': err(lambda: torch.linalg.lu_factor(rand(3, 3), pivot=False)),
    'lu_no_pivot': err(lambda: torch.linalg.lu(rand(3, 3), pivot=False)),
    'lu_1d': err(lambda: torch.linalg.lu(rand(3))),
    'lu_factor_ex_int32': err(lambda: torch.linalg.lu_factor_ex(torch.ones(3, 3, dtype=torch.int32))),
    'lu_solve_lu_1d': err(lambda: torch.linalg.lu_solve(rand(3), piv3[0], rand(3, 1))),
    'lu_solve_int': err(lambda: torch.linalg.lu_solve(torch.ones(3, 3, dtype=torch.int64), piv3[0], torch.ones(3, 1, dtype=torch.int64))),
    'lu_solve_pivots_batch': err(lambda: torch.linalg.lu_solve(LU3, piv3[0], rand(2, 3, 1))),
    'lu_unpack_1d': err(lambda: torch.lu_unpack(rand(3), piv3)),
    'lu_unpack_int64_pivots': err(lambda: torch.lu_unpack(LU3, piv3.long())),
    'lu_solve_dtype': err(lambda: torch.linalg.lu_solve(LU3, piv3, rand(2, 3, 2, dtype=F32))),
    'lu_solve_b_1d': err(lambda: torch.linalg.lu_solve(LU3, piv3, rand(3))),
    'lu_solve_shape': err(lambda: torch.linalg.lu_solve(LU3, piv3, rand(2, 4, 2))),
    'lu_solve_shape_right': err(lambda: torch.linalg.lu_solve(LU3, piv3, rand(2, 3, 2), left=False)),
    'lu_solve_not_square': err(lambda: torch.linalg.lu_solve(LU3[..., :2], piv3, rand(2, 3, 2))),
    'lu_solve_pivots_dtype': err(lambda: torch.linalg.lu_solve(LU3, piv3.long(), rand(2, 3, 2))),
    'lu_solve_pivots_count': err(lambda: torch.linalg.lu_solve(LU3, piv3[..., :2], rand(2, 3, 2))),
    'matrix_exp_1d': err(lambda: torch.linalg.matrix_exp(rand(3))),
    'matrix_exp_not_square': err(lambda: torch.linalg.matrix_exp(rand(3, 2))),
    'matrix_exp_int': err(lambda: torch.linalg.matrix_exp(torch.ones(3, 3, dtype=torch.int64))),
    'householder_1d': err(lambda: torch.linalg.householder_product(rand(3), rand(3))),
    'householder_wide': err(lambda: torch.linalg.householder_product(rand(2, 3), rand(2))),
    'householder_tau_long': err(lambda: torch.linalg.householder_product(rand(3, 2), rand(3))),
    'householder_tau_ndim': err(lambda: torch.linalg.householder_product(rand(2, 3, 2), rand(2))),
    'householder_tau_batch': err(lambda: torch.linalg.householder_product(rand(2, 3, 2), rand(3, 2))),
    'householder_dtype': err(lambda: torch.linalg.householder_product(rand(3, 2), rand(2, dtype=F32))),
    'inv_ex_not_square': err(lambda: torch.linalg.inv_ex(rand(3, 2))),
    'inv_ex_check': err(lambda: torch.linalg.inv_ex(sing, check_errors=True)),
    'inv_ex_check_2d': err(lambda: torch.linalg.inv_ex(sing[0], check_errors=True)),
    'solve_ex_check': err(lambda: torch.linalg.solve_ex(sing, t([[1.], [1.]]), check_errors=True)),
    'solve_ex_shape': err(lambda: torch.linalg.solve_ex(rand(3, 3), rand(4))),
    'vander_bool': err(lambda: torch.linalg.vander(t([True, False], torch.bool))),
    'vander_N1': err(lambda: torch.linalg.vander(rand(3), N=1)),
    'tensorinv_ind0': err(lambda: torch.linalg.tensorinv(rand(4, 2, 2), ind=0)),
    'tensorinv_shape': err(lambda: torch.linalg.tensorinv(rand(4, 2, 3), ind=1)),
    'tensorinv_singular': err(lambda: torch.linalg.tensorinv(torch.zeros(4, 2, 2, dtype=F64), ind=1)),
    'tensorsolve_shape': err(lambda: torch.linalg.tensorsolve(rand(2, 3, 5), rand(2, 3))),
    'matrix_power_not_square': err(lambda: torch.matrix_power(rand(2, 3), 2)),
}

fixture = {'torch': torch.__version__, 'lu': lu, 'luSolve': solve, 'matrixExp': mexp, 'householder': house,
           'ex': ex, 'small': small, 'errors': errors}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'linalg-more.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'), allow_nan=False)
    f.write('\n')
print(f'wrote {path}: {len(lu["cases"])} lu cases, {len(solve["cases"])} lu_solve cases, '
      f'{len(mexp["float64"]) + len(mexp["float32"])} matrix_exp cases, {len(house["cases"])} householder cases, '
      f'{len(errors)} errors')
