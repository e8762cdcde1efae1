#!/usr/bin/env python3
"""Generate tests/fixtures/special-linalg-extras.json: what PyTorch 1.13 computes for the ops and
distribution pieces that tests/special-linalg-extras.test.ts checks.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_special_linalg_extras_fixtures.py

mvlgamma:     torch.mvlgamma(x, p) for p = 1, 2, 3, 5 on float64 (2x3 grids starting just above
              (p-1)/2, with the grad_fn name and x.grad for a fixed grad_output), below the
              domain (finite: PyTorch 1.13 has no domain check) and at the poles (inf); float32
              inputs (values, and one gradient); int64 inputs, which promote to float32; the
              errors for p < 1 and a bool input. Every float64 case also passes PyTorch's own
              gradcheck here (asserted), as flint's must in the test.
cholesky:     torch.cholesky_solve(B, L, upper) and torch.cholesky_inverse(L, upper): values,
              grad_fn names and d((out * W).sum()) / dB, dL for a fixed W, lower and upper; an L
              holding junk in its other triangle (the value reads one triangle; the gradient for
              L is PyTorch's full matrix -(G X^T + X G^T) L, computed with the junk too); batches
              broadcasting B against L (their gradients summed back); float32; the errors for a
              1-d B, a non-square L and incompatible sizes. PyTorch's gradcheck passes for
              (B, L) -> cholesky_solve(B, L.tril()) (triu for upper) and cholesky_inverse(L.tril())
              (asserted): without the mask a finite difference in the unused triangle is zero.
constraints:  less_than (several bounds, one a tensor), lower_triangular, corr_cholesky (float64
              and float32, whose tolerance eps * n * 10 differs), square, positive_semidefinite
              (incl. PyTorch's quirk: a batch with a non-symmetric matrix returns the symmetric
              check for the whole batch), multinomial(n), cat([...], dim, lengths) and
              stack([...], dim): check(value) on values that pass and fail; repr, event_dim and
              is_discrete of each.
reprs:        repr(distribution) with 0-d float parameters (printed by Python's repr(float):
              0.5, 1e-05, 1e+16, 4.0, 123456789.0), float32 0-d parameters (their float64
              value), Python numbers (float32 tensors), one-element 1-d and 2-d parameters
              (the tensor itself) and larger ones (torch.Size).
expfamily:    D.ExponentialFamily.entropy(d), the Bregman-divergence default (not the closed
              form), for Normal, Gamma, Chi2, Exponential, Bernoulli, ContinuousBernoulli and
              Wishart, with whether the result requires grad; families without
              _mean_carrier_measure (Poisson, Beta, Dirichlet) raise NotImplementedError.
"""
import json
import math
import os
import warnings

import torch
import torch.distributions as D
from torch.distributions import constraints as C

from fixture_json import enc, err, ser


F64 = torch.float64
F32 = torch.float32
warnings.simplefilter('ignore')


def t(v, dtype=F64):
    return torch.tensor(v, dtype=dtype)


def weights(shape, dtype=F64):
    """A fixed grad_output: 0.5, -1.25, 2.0, 0.75, -0.5, 1.5, ... repeating."""
    base = t([0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0], dtype)
    n = math.prod(shape)
    return base.repeat((n + 6) // 7)[:n].reshape(shape)


# ---------------------------------------------------------------- mvlgamma
mvlgamma = {'float64': [], 'float32': [], 'int64': [], 'edges': []}
for p in (1, 2, 3, 5):
    b = (p - 1) / 2
    x = t([[b + 0.05, b + 0.5, b + 1.0], [b + 2.75, b + 12.0, b + 37.5]])
    xx = x.clone().requires_grad_()
    y = torch.mvlgamma(xx, p)
    w = weights(list(y.shape))
    y.backward(w)
    assert torch.autograd.gradcheck(lambda a, p=p: torch.mvlgamma(a, p), (x.clone().requires_grad_(),))
    mvlgamma['float64'].append({'p': p, 'x': ser(x), 'out': ser(y), 'gradFn': y.grad_fn.name(),
                                'gradOutput': ser(w), 'grad': ser(xx.grad)})
    x32 = x.to(F32)
    rec = {'p': p, 'x': ser(x32), 'out': ser(torch.mvlgamma(x32, p))}
    if p == 3:
        xx32 = x32.clone().requires_grad_()
        torch.mvlgamma(xx32, p).backward(w.to(F32))
        rec['gradOutput'] = ser(w.to(F32))
        rec['grad'] = ser(xx32.grad)
    mvlgamma['float32'].append(rec)
for p in (1, 2, 3):
    xi = torch.tensor([[0, 1, 2], [3, 7, 20]])
    mvlgamma['int64'].append({'p': p, 'x': ser(xi), 'out': ser(torch.mvlgamma(xi, p))})
# below the domain (finite, with gradients) and at the poles (values only)
below = [(2, t([0.4, 0.25, -0.3, -1.75])), (3, t([0.9, 0.6, -0.2])), (5, t([1.9, 1.2]))]
for p, x in below:
    xx = x.clone().requires_grad_()
    y = torch.mvlgamma(xx, p)
    y.backward(weights(list(y.shape)))
    assert torch.isfinite(y).all() and torch.isfinite(xx.grad).all()
    mvlgamma['edges'].append({'p': p, 'x': ser(x), 'out': ser(y), 'gradOutput': ser(weights(list(y.shape))),
                              'grad': ser(xx.grad)})
for p, x in [(1, t([0.0, -1.0, -2.0])), (2, t([0.5, 0.0, -0.5])), (3, t([1.0, 0.5]))]:
    y = torch.mvlgamma(x, p)
    assert torch.isinf(y).all()
    mvlgamma['edges'].append({'p': p, 'x': ser(x), 'out': ser(y)})
mvlgamma['errors'] = {
    'p0': err(lambda: torch.mvlgamma(t([3.0]), 0)),
    'pneg': err(lambda: torch.mvlgamma(t([3.0]), -2)),
    'bool': err(lambda: torch.mvlgamma(torch.tensor([True, False]), 1)),
    # an int64 tensor cannot hold the float result in place (1.13's message, 'step must be
    # nonzero', comes from its own arange; the test only checks that it raises)
    'int_inplace': err(lambda: torch.tensor([3, 4]).mvlgamma_(2)),
}

# ---------------------------------------------------------------- cholesky_solve / cholesky_inverse
A3 = t([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
A3b = t([[2.0, -0.4, 0.3], [-0.4, 1.5, 0.6], [0.3, 0.6, 3.5]])
L3 = torch.linalg.cholesky(A3)
U3 = torch.linalg.cholesky(A3, upper=True)
Lb = torch.linalg.cholesky(torch.stack([A3, A3b]))
JUNK = torch.triu(t([[0.0, 7.0, -3.0], [0.0, 0.0, 5.5], [0.0, 0.0, 0.0]]), 1)
B32 = t([[1.0, 2.0], [3.0, -1.0], [0.5, 0.25]])

solve_specs = [
    ('lower', B32, L3, False),
    ('upper', B32, U3, True),
    ('lower_junk_upper_triangle', B32, L3 + JUNK, False),
    ('upper_junk_lower_triangle', B32, U3 + JUNK.mT, True),
    ('column_rhs', t([[1.0], [-2.0], [0.5]]), L3, False),
    ('batched_L', B32, Lb, False),
    ('batched_B', torch.stack([B32, B32.flip(0) * 0.5]), L3, False),
    ('batched_both_broadcast', t([[[[1.0], [0.0], [2.0]]], [[[-1.0], [0.5], [0.25]]]]), torch.stack([L3, Lb[1], L3 * 1.5]), False),
    ('batched_upper', torch.stack([B32, -B32]), Lb.mT.contiguous(), True),
]
cholesky = {'solve': [], 'inverse': []}
for name, B, L, upper in solve_specs:
    Bl, Ll = B.clone().requires_grad_(), L.clone().requires_grad_()
    X = torch.cholesky_solve(Bl, Ll, upper)
    W = weights(list(X.shape))
    (X * W).sum().backward()
    mask = (lambda m: m.triu()) if upper else (lambda m: m.tril())
    assert torch.autograd.gradcheck(lambda b, l, upper=upper, mask=mask: torch.cholesky_solve(b, mask(l), upper),
                                    (B.clone().requires_grad_(), L.clone().requires_grad_()))
    cholesky['solve'].append({'name': name, 'B': ser(B), 'L': ser(L), 'upper': upper, 'out': ser(X),
                              'gradFn': X.grad_fn.name(), 'W': ser(W), 'gradB': ser(Bl.grad), 'gradL': ser(Ll.grad)})
inverse_specs = [
    ('lower', L3, False),
    ('upper', U3, True),
    ('lower_junk_upper_triangle', L3 + JUNK, False),
    ('batched_lower', Lb, False),
    ('batched_upper', Lb.mT.contiguous(), True),
]
for name, L, upper in inverse_specs:
    Ll = L.clone().requires_grad_()
    Y = torch.cholesky_inverse(Ll, upper)
    W = weights(list(Y.shape))
    (Y * W).sum().backward()
    mask = (lambda m: m.triu()) if upper else (lambda m: m.tril())
    assert torch.autograd.gradcheck(lambda l, upper=upper, mask=mask: torch.cholesky_inverse(mask(l), upper),
                                    (L.clone().requires_grad_(),))
    cholesky['inverse'].append({'name': name, 'L': ser(L), 'upper': upper, 'out': ser(Y), 'gradFn': Y.grad_fn.name(),
                                'W': ser(W), 'gradL': ser(Ll.grad)})
cholesky['float32'] = {'B': ser(B32.float()), 'L': ser(L3.float()), 'solve': ser(torch.cholesky_solve(B32.float(), L3.float())),
                       'inverse': ser(torch.cholesky_inverse(L3.float()))}
cholesky['errors'] = {
    'solve_1d_b': err(lambda: torch.cholesky_solve(t([1.0, 2.0, 3.0]), L3)),
    'solve_nonsquare_L': err(lambda: torch.cholesky_solve(B32, t([[1.0, 0.0], [2.0, 3.0], [4.0, 5.0]]))),
    'solve_incompatible': err(lambda: torch.cholesky_solve(t([[1.0, 2.0], [3.0, 4.0]]), L3)),
    'inverse_nonsquare': err(lambda: torch.cholesky_inverse(t([[1.0, 0.0, 0.0], [2.0, 3.0, 0.0]]))),
}

# ---------------------------------------------------------------- constraints
CONSTRAINTS = {
    'less_than_0': C.less_than(0.0),
    'less_than_2.5': C.less_than(2.5),
    'less_than_-2': C.less_than(-2.0),
    'less_than_1e-05': C.less_than(1e-05),
    'less_than_1e+16': C.less_than(1e16),
    'less_than_tensor': C.less_than(t([1.0, 2.0])),
    'lower_triangular': C.lower_triangular,
    'corr_cholesky': C.corr_cholesky,
    'square': C.square,
    'positive_semidefinite': C.positive_semidefinite,
    'multinomial_3': C.multinomial(3),
    'cat_lengths': C.cat([C.real, C.less_than(0.0), C.positive], -1, [1, 2, 1]),
    'cat_default_lengths': C.cat([C.positive, C.nonnegative], 0),
    'cat_discrete': C.cat([C.real, C.nonnegative_integer], 0),
    'cat_event': C.cat([C.real_vector, C.simplex], -1, [2, 3]),
    'stack_last': C.stack([C.positive, C.less_than(0.0)], -1),
    'stack_0_event': C.stack([C.simplex, C.independent(C.positive, 1)], 0),
    'stack_neg2_event': C.stack([C.simplex, C.real_vector], -2),
    'stack_discrete': C.stack([C.real, C.boolean], 0),
}
constraint_props = {n: {'repr': repr(c), 'eventDim': c.event_dim, 'isDiscrete': c.is_discrete} for n, c in CONSTRAINTS.items()}

corr = torch.linalg.cholesky(t([[1.0, 0.3, -0.2], [0.3, 1.0, 0.4], [-0.2, 0.4, 1.0]]))
corr_off = corr.clone()
corr_off[2] *= 1 + 1e-7
corr_upper = corr.clone()
corr_upper[0, 2] = 0.1
corr_negdiag = corr.clone()
corr_negdiag[1] *= -1
corr_big = corr.clone()
corr_big[1] *= 1 + 1e-3
nan_ = float('nan')
inf_ = float('inf')
CHECKS = [
    ('less_than_0', t([-1.0, 0.0, 0.5, -inf_, nan_, -1e-300, inf_])),
    ('less_than_2.5', t([[2.4999, 2.5], [-3.0, 7.0]])),
    ('less_than_-2', t([-2.0, -2.0000001, 0.0])),
    ('less_than_1e-05', t([0.0, 1e-05, 2e-05])),
    ('less_than_1e+16', t([1e15, 1e16, 2e16])),
    ('less_than_tensor', t([[0.5, 2.5], [1.0, 1.5], [1.0, 2.0]])),
    ('lower_triangular', t([[[1.0, 0.0, 0.0], [2.0, 3.0, 0.0], [4.0, 5.0, 6.0]],
                            [[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [-4.0, 5.0, -6.0]],
                            [[1.0, 0.0, 1e-9], [2.0, 3.0, 0.0], [4.0, 5.0, 6.0]]])),
    ('lower_triangular', t([[1.0, 0.0, 0.0], [2.0, 3.0, 0.0]])),
    ('lower_triangular', t([[1.0, 0.5, 0.0], [2.0, 3.0, 0.0]])),
    ('corr_cholesky', torch.stack([corr, corr_off, corr_upper, corr_negdiag, corr_big])),
    ('corr_cholesky', torch.stack([corr, corr_off, corr_big]).to(F32)),
    ('square', torch.zeros(2, 3, 3, dtype=F64)),
    ('square', torch.zeros(2, 3, dtype=F64)),
    ('square', torch.zeros(2, 2, 4, 3, dtype=F64)),
    ('positive_semidefinite', t([[[2.0, 0.0], [0.0, 0.0]], [[1.0, 2.0], [2.0, 1.0]], [[1.0, 0.5], [0.5, 1.0]],
                                 [[1.0, 1e-7], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]], [[-1e-3, 0.0], [0.0, 5.0]]])),
    ('positive_semidefinite', t([[[1.0, 2.0], [2.0, 1.0]], [[1.0, 0.5], [0.0, 1.0]]])),
    ('positive_semidefinite', t([[2.0, -1.0, 0.0], [-1.0, 2.0, -1.0], [0.0, -1.0, 2.0]])),
    ('positive_semidefinite', t([[2.0, -1.0, 0.0], [-1.0, 2.0, -3.0], [0.0, -3.0, 2.0]])),
    ('multinomial_3', t([[1.0, 2.0, 0.0], [2.0, 2.0, 0.0], [0.0, 0.0, 0.0], [-1.0, 2.0, 1.0], [1.5, 0.5, 1.0], [0.0, 0.0, 3.0]])),
    ('multinomial_3', torch.tensor([[3, 0], [2, 2]])),
    ('cat_lengths', t([[-5.0, -1.0, -2.0, 1.0], [nan_, -1.0, 0.0, 1.0], [0.0, -1.0, -3.0, 0.0]])),
    ('cat_default_lengths', t([[1.0, -1.0, 2.0], [0.0, 0.0, 3.0]])),
    ('cat_discrete', t([[0.5, -1.0], [2.0, 1.5]])),
    ('cat_event', t([[0.0, 9.0, 0.2, 0.3, 0.5], [nan_, 1.0, 0.2, 0.3, 0.5], [1.0, 1.0, 0.5, 0.6, -0.1]])),
    ('stack_last', t([[1.0, -1.0], [0.0, -2.0], [3.0, 0.0]])),
    ('stack_0_event', t([[[0.2, 0.3, 0.5], [0.5, 0.5, 0.5]], [[1.0, 2.0, 3.0], [1.0, 0.0, 1.0]]])),
    ('stack_neg2_event', t([[[0.2, 0.3, 0.5], [1.0, -7.0, nan_]], [[0.6, 0.6, -0.2], [0.0, 0.0, 0.0]],
                            [[1.0, 0.0, 0.0], [nan_, 1.0, 2.0]], [[0.1, 0.1, 0.1], [1.0, 1.0, 1.0]]])),
    ('stack_discrete', t([[0.3, nan_], [1.0, 0.5]])),
]
constraint_checks = [{'name': n, 'value': ser(v), 'out': ser(CONSTRAINTS[n].check(v))} for n, v in CHECKS]
# Python numbers in less_than keep their float repr: 0.0, -2.0, 1e-05, 1e+16
assert constraint_props['less_than_0']['repr'] == 'LessThan(upper_bound=0.0)'

# ---------------------------------------------------------------- distribution reprs
REPRS = [
    ('Normal', [('loc', t(0.5)), ('scale', t(1e-05))]),
    ('Normal', [('loc', t(1e16)), ('scale', t(4.0))]),
    ('Normal', [('loc', t(-1.5e-07)), ('scale', t(1234567890123456.0))]),
    ('Normal', [('loc', t(1e16, F32)), ('scale', t(0.1, F32))]),
    ('Normal', [('loc', 0.5), ('scale', 1e-05)]),
    ('Normal', [('loc', t([0.5])), ('scale', t([1e16]))]),
    ('Normal', [('loc', t([0.5, 1.0])), ('scale', t([1.0, 2.0]))]),
    ('Gamma', [('concentration', t(123456789.0)), ('rate', t(0.0001))]),
    ('Uniform', [('low', t(-3.0)), ('high', t(2.5e-05))]),
    ('Exponential', [('rate', t([[2.0]]))]),
    ('Bernoulli', [('probs', t(0.25))]),
    ('BernoulliLogits', [('logits', t(-2.5))]),
    ('Beta', [('concentration1', t(0.30000000000000004)), ('concentration0', t(1e22))]),
]
MAKE = {
    'Normal': lambda p: D.Normal(p['loc'], p['scale']),
    'Gamma': lambda p: D.Gamma(p['concentration'], p['rate']),
    'Uniform': lambda p: D.Uniform(p['low'], p['high']),
    'Exponential': lambda p: D.Exponential(p['rate']),
    'Bernoulli': lambda p: D.Bernoulli(p['probs']),
    'BernoulliLogits': lambda p: D.Bernoulli(logits=p['logits']),
    'Beta': lambda p: D.Beta(p['concentration1'], p['concentration0']),
}


def ser_params(params):
    return [{'name': n, 'value': ser(v) if isinstance(v, torch.Tensor) else {'number': v}} for n, v in params]


reprs = [{'kind': k, 'params': ser_params(ps), 'repr': repr(MAKE[k](dict(ps)))} for k, ps in REPRS]
assert reprs[0]['repr'] == 'Normal(loc: 0.5, scale: 1e-05)'

# ---------------------------------------------------------------- ExponentialFamily.entropy (Bregman)
S2 = t([[2.0, 0.3], [0.3, 0.5]])
EXPFAM = [
    ('Normal', [('loc', t([0.0, 1.0, -3.0])), ('scale', t([1.0, 2.0, 1e-3]))]),
    ('Gamma', [('concentration', t([2.0, 0.3, 40.0])), ('rate', t([1.0, 0.5, 7.0]))]),
    ('Chi2', [('df', t([1.0, 4.5]))]),
    ('Exponential', [('rate', t([[2.0, 3.0], [1e-3, 50.0]]))]),
    ('Bernoulli', [('probs', t([0.2, 0.7, 1e-6]))]),
    ('ContinuousBernoulli', [('probs', t([0.2, 0.7, 0.4999]))]),
    ('Wishart', [('df', t([3.5, 6.0])), ('covariance_matrix', S2)]),
    ('Poisson', [('rate', t([2.0, 3.0]))]),
    ('Beta', [('concentration1', t([2.0, 3.0])), ('concentration0', t([1.0, 0.5]))]),
    ('Dirichlet', [('concentration', t([[2.0, 3.0, 1.0], [0.5, 0.5, 4.0]]))]),
]
MAKE_EF = {
    'Normal': lambda p: D.Normal(p['loc'], p['scale']),
    'Gamma': lambda p: D.Gamma(p['concentration'], p['rate']),
    'Chi2': lambda p: D.Chi2(p['df']),
    'Exponential': lambda p: D.Exponential(p['rate']),
    'Bernoulli': lambda p: D.Bernoulli(p['probs']),
    'ContinuousBernoulli': lambda p: D.ContinuousBernoulli(p['probs']),
    'Wishart': lambda p: D.Wishart(p['df'], covariance_matrix=p['covariance_matrix']),
    'Poisson': lambda p: D.Poisson(p['rate']),
    'Beta': lambda p: D.Beta(p['concentration1'], p['concentration0']),
    'Dirichlet': lambda p: D.Dirichlet(p['concentration']),
}
expfamily = []
for kind, ps in EXPFAM:
    d = MAKE_EF[kind](dict(ps))
    assert isinstance(d, D.ExponentialFamily)
    rec = {'kind': kind, 'params': ser_params(ps)}
    try:
        h = D.ExponentialFamily.entropy(d)
        rec['entropy'] = ser(h)
        rec['requiresGrad'] = h.requires_grad
        rec['closedForm'] = ser(d.entropy())  # for reference; the test checks the Bregman value
    except NotImplementedError as e:
        rec['error'] = {'type': 'NotImplementedError', 'message': str(e)}
    expfamily.append(rec)

fixture = {'torch': torch.__version__, 'mvlgamma': mvlgamma, 'cholesky': cholesky,
           'constraints': {'props': constraint_props, 'checks': constraint_checks},
           'reprs': reprs, 'expfamily': expfamily}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'special-linalg-extras.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'), allow_nan=False)
    f.write('\n')
print(f'wrote {path}: {len(cholesky["solve"])} cholesky_solve + {len(cholesky["inverse"])} cholesky_inverse cases, '
      f'{len(constraint_checks)} constraint checks, {len(reprs)} reprs, {len(expfamily)} families, '
      f'{os.path.getsize(path)} bytes')
