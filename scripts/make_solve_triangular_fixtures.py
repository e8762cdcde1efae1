"""Writes tests/fixtures/solve-triangular.json with PyTorch 1.13: torch.linalg.solve_triangular
(BLAS trsm) for upper x left x unitriangular, with A row-major and column-major (PyTorch passes
a column-major A to trsm as it is, with the transpose flag), broadcast batches, float32 and a B
of another dtype; the gradients of a linspace-weighted sum; and a zero on the diagonal, which
gives inf and NaN; and linalg.lu_solve and a singular linalg.solve_ex, which are getrs. Run: /usr/bin/python3 scripts/make_solve_triangular_fixtures.py"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import ser  # noqa: E402

torch.manual_seed(0)
F64 = torch.float64


def weighted_grads(X, inputs):
    w = torch.linspace(-1, 1, X.numel(), dtype=X.dtype).reshape(X.shape)
    grads = torch.autograd.grad((X * w).sum(), inputs)
    return [ser(g) for g in grads]


def case(A, B, upper, left, unit, column_major=False):
    A = A.clone().requires_grad_()
    B = B.clone().requires_grad_()
    a_used = A.mT.contiguous().mT if column_major else A
    X = torch.linalg.solve_triangular(a_used, B, upper=upper, left=left, unitriangular=unit)
    return {'A': ser(A), 'B': ser(B), 'upper': upper, 'left': left, 'unitriangular': unit, 'columnMajor': column_major,
            'X': ser(X), 'strides': list(X.stride()), 'grads': weighted_grads(X, [A, B])}


def tri_matrix(*shape, dtype=F64):
    # A full random matrix (the solve reads one triangle) with a diagonal kept away from zero.
    n = shape[-1]
    return torch.randn(*shape, dtype=dtype) + 3 * torch.eye(n, dtype=dtype)


cases = []
for upper in (True, False):
    for left in (True, False):
        for unit in (False, True):
            for column_major in (False, True):
                A = tri_matrix(4, 4)
                B = torch.randn(4, 3, dtype=F64) if left else torch.randn(3, 4, dtype=F64)
                cases.append(case(A, B, upper, left, unit, column_major))
# Broadcast batches: A [2, 1, 3, 3] against B [4, 3, 2].
cases.append(case(tri_matrix(2, 1, 3, 3), torch.randn(4, 3, 2, dtype=F64), False, True, False))
cases.append(case(tri_matrix(3, 3), torch.randn(2, 2, 3, dtype=F64), True, False, False))
# float32.
cases.append(case(tri_matrix(5, 5, dtype=torch.float32), torch.randn(5, 2), True, True, False))

# B of another dtype: the solution has A's dtype, and B's gradient B's.
A = tri_matrix(3, 3, dtype=torch.float32).requires_grad_()
B = torch.randn(3, 2, dtype=F64).requires_grad_()
X = torch.linalg.solve_triangular(A, B, upper=True)
mixed = {'A': ser(A), 'B': ser(B), 'X': ser(X), 'grads': weighted_grads(X, [A, B])}

# A zero on the diagonal.
singular = []
for upper in (True, False):
    A = torch.tensor([[1., 0, 0], [2, 0, 0], [1, 1, 1]], dtype=F64)
    if upper:
        A = A.mT.contiguous()
    B = torch.tensor([[1., 2], [2, 0], [3, 1]], dtype=F64)
    singular.append({'A': ser(A), 'B': ser(B), 'upper': upper, 'X': ser(torch.linalg.solve_triangular(A, B, upper=upper))})

# getrs (linalg.lu_solve, and linalg.solve_ex of a singular matrix) is a row swap and two trsm
# calls: float64 solutions equal PyTorch's bit for bit too.
A = torch.randn(2, 6, 6, dtype=F64)
B = torch.randn(2, 6, 3, dtype=F64)
LU, pivots = torch.linalg.lu_factor(A)
lu_solve = {'A': ser(A), 'B': ser(B), 'X': ser(torch.linalg.lu_solve(LU, pivots, B)),
            'adjoint': ser(torch.linalg.lu_solve(LU, pivots, B, adjoint=True)),
            'right': ser(torch.linalg.lu_solve(LU, pivots, B.mT, left=False))}
S = A.clone()
S[0, :, 2] = S[0, :, 1]
solved = torch.linalg.solve_ex(S, B)
lu_solve['singular'] = {'A': ser(S), 'X': ser(solved.result), 'info': solved.info.tolist()}

path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'solve-triangular.json')
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases, 'mixed': mixed, 'singular': singular, 'luSolve': lu_solve}, f)
print(f'{len(cases)} cases, {len(singular)} singular -> {path}')
