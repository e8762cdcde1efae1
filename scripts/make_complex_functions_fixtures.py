"""Writes tests/fixtures/complex-functions.json: the elementary functions of complex tensors
(trigonometric, hyperbolic and their inverses, sqrt, rsqrt, sigmoid, log2, log10, square, pow)
with values and gradients from PyTorch 1.13, in complex128 and complex64.

PyTorch 1.13 has no complex log1p, expm1 or exp2 (PyTorch 2 has): their values come from
NumPy's complex128 functions (near 0, from their Taylor series), and their gradients from f'(z) as derivatives.yaml writes it
(grad · conj(f'(z))), computed in complex128.
Run: /usr/bin/python3 scripts/make_complex_functions_fixtures.py"""
import json
import os
import sys

import numpy
import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import cser, ser  # noqa: E402

torch.manual_seed(0)
C128 = torch.complex128




# Points away from the branch cuts and the poles, in both half-planes, large and small.
z = torch.complex(torch.tensor([0.5, -1.2, 2.0, -0.3, 1e-4, 3.5, -2.5, 0.9], dtype=torch.float64),
                  torch.tensor([0.3, 0.7, -1.5, -0.4, 2e-4, 0.2, -2.0, 1.1], dtype=torch.float64))
w = torch.complex(torch.tensor([1.5, -0.5, 0.25, 2.0, 1.0, -1.0, 0.5, 3.0], dtype=torch.float64),
                  torch.tensor([0.5, 0.2, -0.3, 0.0, 0.1, 0.4, -0.2, 0.0], dtype=torch.float64))
g = torch.complex(torch.randn(8, dtype=torch.float64), torch.randn(8, dtype=torch.float64))

cases = []
FUNCS = ['sin', 'cos', 'tan', 'sinh', 'cosh', 'tanh', 'asin', 'acos', 'atan', 'asinh', 'acosh', 'atanh',
         'sqrt', 'rsqrt', 'sigmoid', 'log2', 'log10', 'square']
for dtype in (torch.complex128, torch.complex64):
    for name in FUNCS:
        x = z.to(dtype).detach().clone().requires_grad_()
        out = getattr(x, name)()
        out.backward(g.to(dtype))
        cases.append({'fn': name, 'args': [], 'input': cser(x), 'out': cser(out), 'grad': cser(x.grad),
                      'gradFn': type(out.grad_fn).__name__, 'gradOut': cser(g.to(dtype))})
    for e in (2.5, 2, 3, -1, 0.5, -0.5, -2, 0):
        x = z.to(dtype).detach().clone().requires_grad_()
        out = x.pow(e)
        out.backward(g.to(dtype))
        cases.append({'fn': 'pow', 'args': [e], 'input': cser(x), 'out': cser(out), 'grad': cser(x.grad),
                      'gradFn': type(out.grad_fn).__name__, 'gradOut': cser(g.to(dtype))})

# pow with a tensor exponent, and a real scalar base.
tensor_pow = []
x = z.clone().requires_grad_()
y = w.clone().requires_grad_()
out = x.pow(y)
out.backward(g)
tensor_pow.append({'kind': 'complex^complex', 'base': cser(x), 'exponent': cser(y), 'out': cser(out), 'gradBase': cser(x.grad), 'gradExponent': cser(y.grad), 'gradOut': cser(g), 'gradFn': type(out.grad_fn).__name__})
r = torch.tensor([1.5, -0.5, 0.25, 2.0, 1.0, -1.0, 0.5, 3.0], dtype=torch.float64, requires_grad=True)
x = z.clone().requires_grad_()
out = x.pow(r)
out.backward(g)
tensor_pow.append({'kind': 'complex^real', 'base': cser(x), 'exponent': cser(r), 'out': cser(out), 'gradBase': cser(x.grad), 'gradExponent': cser(r.grad), 'gradOut': cser(g), 'gradFn': type(out.grad_fn).__name__})
x = z.clone().requires_grad_()
out = torch.pow(2.5, x)
out.backward(g)
tensor_pow.append({'kind': 'scalar^complex', 'base': 2.5, 'exponent': cser(x), 'out': cser(out), 'gradExponent': cser(x.grad), 'gradOut': cser(g), 'gradFn': type(out.grad_fn).__name__})

# log1p, expm1, exp2: NumPy's values; gradients grad·conj(f'(z)).
zn = z.numpy()
gn = g.numpy()
derivatives = {'log1p': (numpy.log1p(zn), 1 / (1 + zn)), 'expm1': (numpy.expm1(zn), numpy.exp(zn)), 'exp2': (numpy.exp2(zn), numpy.exp2(zn) * numpy.log(2))}
numpy_cases = []
for name, (value, d) in derivatives.items():
    numpy_cases.append({'fn': name, 'input': cser(z), 'out': cser(torch.from_numpy(value)), 'grad': cser(torch.from_numpy(gn * numpy.conj(d))), 'gradOut': cser(g)})
# Near 0, where log1p and expm1 must not lose the small parts (NumPy's complex log1p does:
# it computes log(1 + z)). The reference there is the Taylor series to the cubic term, whose
# error (|z|^4) is far below a double's precision.
tiny = numpy.array([1e-10 + 2e-10j, -3e-9 + 1e-12j])
log1p_series = numpy.array([t - t * t / 2 + t ** 3 / 3 for t in tiny])
expm1_series = numpy.array([t + t * t / 2 + t ** 3 / 6 for t in tiny])
numpy_cases.append({'fn': 'log1p', 'input': cser(torch.from_numpy(tiny)), 'out': cser(torch.from_numpy(log1p_series))})
numpy_cases.append({'fn': 'expm1', 'input': cser(torch.from_numpy(tiny)), 'out': cser(torch.from_numpy(expm1_series))})

# Optimizers on a complex parameter. PyTorch 2 steps one as torch.view_as_real of the
# parameter, its gradient and its state (Rprop's step size starting at lr + lr·i); PyTorch
# 1.13 does so only for some optimizers, so the reference here is 1.13 stepping the real
# view itself, with the loss computed on view_as_complex of it.
OPTIMIZERS = [
    ('SGD', {'lr': 0.1, 'momentum': 0.9, 'nesterov': True, 'weight_decay': 0.01}),
    ('Adam', {'lr': 0.1}), ('Adam', {'lr': 0.1, 'amsgrad': True, 'weight_decay': 0.1}), ('AdamW', {'lr': 0.1}),
    ('RMSprop', {'lr': 0.01, 'momentum': 0.5, 'centered': True}), ('Adagrad', {'lr': 0.1}), ('Adagrad', {'lr': 0.1, 'initial_accumulator_value': 0.5}),
    ('Adadelta', {'lr': 1.0}),
    ('Adamax', {'lr': 0.1}), ('NAdam', {'lr': 0.1}), ('RAdam', {'lr': 0.1}), ('ASGD', {'lr': 0.1}), ('Rprop', {'lr': 0.1}),
]
start = torch.complex(torch.randn(3, 2, dtype=torch.float64), torch.randn(3, 2, dtype=torch.float64))
target = torch.complex(torch.randn(3, 2, dtype=torch.float64), torch.randn(3, 2, dtype=torch.float64))
optimizers = []
for name, kw in OPTIMIZERS:
    p = torch.nn.Parameter(torch.view_as_real(start).clone())
    opt = getattr(torch.optim, name)([p], **kw)
    for _ in range(4):
        opt.zero_grad()
        # A non-holomorphic loss, so that the parts' gradients differ.
        (torch.view_as_complex(p) - target).abs().pow(3).sum().backward()
        opt.step()
    optimizers.append({'name': name, 'options': {''.join(w.capitalize() if i else w for i, w in enumerate(k.split('_'))): v for k, v in kw.items()},
                       'out': cser(torch.view_as_complex(p.detach()))})

p = torch.nn.Parameter(torch.view_as_real(start).clone())
lbfgs = torch.optim.LBFGS([p], lr=0.5, max_iter=5)


def lbfgs_closure():
    lbfgs.zero_grad()
    loss = (torch.view_as_complex(p) - target).abs().pow(3).sum()
    loss.backward()
    return loss


for _ in range(2):
    lbfgs.step(lbfgs_closure)
lbfgs_out = cser(torch.view_as_complex(p.detach()))

# Norms, variances and running sums of a complex tensor (values and gradients).
m = torch.complex(torch.randn(3, 4, dtype=torch.float64), torch.randn(3, 4, dtype=torch.float64))
REDUCTIONS = [
    ('norm', lambda x: x.norm()), ('norm p1 dim1', lambda x: x.norm(p=1, dim=1)), ('norm inf', lambda x: x.norm(p=float('inf'))),
    ('vector_norm 3 dim0 keepdim', lambda x: torch.linalg.vector_norm(x, 3, 0, True)), ('linalg.norm', lambda x: torch.linalg.norm(x)),
    ('matrix_norm fro', lambda x: torch.linalg.matrix_norm(x)), ('matrix_norm 1', lambda x: torch.linalg.matrix_norm(x, 1)),
    ('matrix_norm -inf', lambda x: torch.linalg.matrix_norm(x, float('-inf'))),
    ('var', lambda x: x.var()), ('var dim1 unbiased=False', lambda x: x.var(1, unbiased=False)), ('std dim0 keepdim', lambda x: x.std(0, keepdim=True)),
    ('cumsum dim1', lambda x: x.cumsum(1)), ('cumsum dim0', lambda x: x.cumsum(0)),
    ('prod', lambda x: x.prod()), ('prod dim1 keepdim', lambda x: x.prod(1, True)), ('prod dim0', lambda x: x.prod(0)),
]
reductions = []
for label, f in REDUCTIONS:
    x = m.clone().requires_grad_()
    out = f(x)
    go = torch.randn(out.shape, dtype=out.dtype) if not out.is_complex() else torch.complex(torch.randn(out.shape, dtype=torch.float64), torch.randn(out.shape, dtype=torch.float64))
    out.backward(go)
    reductions.append({'label': label, 'out': cser(out), 'grad': cser(x.grad), 'gradOut': cser(go), 'gradFn': type(out.grad_fn).__name__})

# Overflow, huge and tiny arguments, and pow of a negative real base, against NumPy's C99
# complex functions (PyTorch 2 calls the C++ library's, which follow C99 too; 1.13's AVX asin
# overflowed for |z| > 1e154).
edge_points = numpy.array([1000 + 0j, 1e-10 + 0j, 1e8 + 0j, 1e300 + 0j, 2 - 1e-9j, -3e-9 + 1e-12j, 0.5 + 1e8j, -1e200 - 3j])
edges = []
with numpy.errstate(all='ignore'):
    for name, fn in [('sinh', numpy.sinh), ('cosh', numpy.cosh), ('exp2', numpy.exp2), ('asinh', numpy.arcsinh), ('asin', numpy.arcsin),
                     ('acos', numpy.arccos), ('sqrt', numpy.sqrt), ('tanh', numpy.tanh)]:
        edges.append({'fn': name, 'input': cser(torch.from_numpy(edge_points)), 'out': cser(torch.from_numpy(fn(edge_points)))})
    edges.append({'fn': 'sin', 'input': cser(torch.from_numpy(numpy.array([0 + 1000j, 1e-10 + 0j, 3 + 2j]))), 'out': cser(torch.from_numpy(numpy.sin(numpy.array([0 + 1000j, 1e-10 + 0j, 3 + 2j]))))})
neg = {'base': -2.0, 'exponent': cser(torch.complex(torch.tensor([0.5, -0.5, 1.5], dtype=torch.float64), torch.tensor([0.3, 0.0, -1.0], dtype=torch.float64))),
       'out': cser(torch.from_numpy(numpy.power(-2.0 + 0j, numpy.array([0.5 + 0.3j, -0.5 + 0j, 1.5 - 1j]))))}

# complex64 near |z| = 1, where log|z| is tiny: PyTorch's float kernels (glibc's clogf and
# friends) keep float's relative precision; the reference is the complex128 evaluation.
unit_points = torch.tensor([0.6 + 0.8j, 0.28 + 0.96j, 1.0000001 + 0.0001j, 0.99999 + 0.001j, -0.8 - 0.6j], dtype=torch.complex64)
near_unit = [{'fn': name, 'input': cser(unit_points), 'out': cser(getattr(torch, name)(unit_points.to(torch.complex128)))}
             for name in ['log', 'log2', 'log10', 'atan', 'atanh', 'acosh', 'asinh']]
# A zero base to a negative power: C99's cpow, inf + nan·i (the general path; the exponents
# PyTorch's kernel special-cases, -1, -2 and -0.5, go through a reciprocal and give nan).
zero64 = torch.zeros(2, dtype=torch.complex64)
zero_pow = {'scalar': [{'exponent': e, 'out': cser(zero64 ** e)} for e in [-1.5, -3.0, -1.0, -2.0]],
            'exponent': cser(torch.tensor([-1 + 1j, -0.5 + 0j], dtype=torch.complex64)),
            'out': cser(zero64 ** torch.tensor([-1 + 1j, -0.5 + 0j], dtype=torch.complex64))}

with open('tests/fixtures/complex-functions.json', 'w') as f:
    json.dump({'cases': cases, 'tensorPow': tensor_pow, 'numpy': numpy_cases, 'start': cser(start), 'target': cser(target), 'optimizers': optimizers, 'matrix': cser(m), 'reductions': reductions, 'edges': edges, 'negativeBase': neg, 'lbfgs': lbfgs_out, 'nearUnit': near_unit, 'zeroPow': zero_pow}, f)
print('wrote tests/fixtures/complex-functions.json')
