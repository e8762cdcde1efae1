#!/usr/bin/env python3
"""Generates tests/fixtures/torch-misc.json: PyTorch 1.13's var_mean, std_mean, renorm, fmax,
fmin, inner, ger, vdot, chain_matmul, diff, dist, gradient, frexp, the five window functions, histogram, select_scatter,
slice_scatter, diagonal_scatter, scalar_tensor, result_type and can_cast: values, gradients of
(out * W).sum() for a fixed W, grad_fn names, and errors.

Run: /usr/bin/python3 scripts/make_torch_misc_fixtures.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import enc, err, ser  # noqa: E402

g = torch.Generator().manual_seed(3)
F64 = torch.float64


def r(*shape, dtype=F64):
    return torch.randn(*shape, generator=g, dtype=dtype)


def arg(v):
    if isinstance(v, torch.Tensor):
        return ser(v)
    if isinstance(v, (list, tuple)):
        return [arg(x) for x in v]
    if isinstance(v, torch.dtype):
        return {'dtype': str(v).replace('torch.', '')}
    return enc(v) if isinstance(v, float) else v


cases = []


def case(fn, *args, grad=(), method=False, **kw):
    """torch.<fn>(*args, **kw); with grad, the indices of the tensor args to differentiate."""
    leaves = [a.clone().requires_grad_(i in grad) if isinstance(a, torch.Tensor) and a.is_floating_point() else a
              for i, a in enumerate(args)]
    out = getattr(leaves[0], fn)(*leaves[1:], **kw) if method else getattr(torch, fn)(*leaves, **kw)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    rec = {'fn': fn, 'method': method, 'args': [arg(a) for a in args], 'kw': {k: arg(v) for k, v in kw.items()},
           'out': [ser(o) for o in outs]}
    if grad:
        total = sum((o * torch.linspace(-1, 1, o.numel(), dtype=o.dtype).reshape(o.shape)).sum() for o in outs)
        total.backward()
        rec['grad'] = grad
        rec['grads'] = [ser(leaves[i].grad) if leaves[i].grad is not None else None for i in grad]
        rec['gradFn'] = type(outs[0].grad_fn).__name__
    cases.append(rec)


errors = []


def error(fn, *args, **kw):
    errors.append({'fn': fn, 'args': [arg(a) for a in args], 'kw': {k: arg(v) for k, v in kw.items()},
                   **err(lambda: getattr(torch, fn)(*args, **kw))})


x = r(3, 4)
case('var_mean', x, grad=(0,))
case('var_mean', x, 1, grad=(0,))
case('var_mean', x, [0, 1], unbiased=False, keepdim=True, grad=(0,))
case('var_mean', x, dim=0, correction=0, grad=(0,))
case('std_mean', x, grad=(0,))
case('std_mean', x, 0, keepdim=True, grad=(0,))
case('std_mean', x.float(), 1, unbiased=False)
case('renorm', r(3, 4), 2, 0, 1.0, grad=(0,))
case('renorm', r(2, 3, 2) * 3, 1, 1, 2.5, grad=(0,))
case('renorm', r(3, 4), float('inf'), -1, 0.5, grad=(0,))
case('renorm', r(3, 4).float(), 3, 0, 1.0)
case('renorm', r(3, 4), 2, 0, 1.0, method=True)
nan = float('nan')
fa = torch.tensor([1.0, nan, nan, 3.0, -2.0, 0.5], dtype=F64)
fb = torch.tensor([2.0, 3.0, nan, nan, -2.0, -0.5], dtype=F64)
for fn in ('fmax', 'fmin'):
    case(fn, fa, fb, grad=(0, 1))
    case(fn, r(3, 1), r(1, 4), grad=(0, 1))
    case(fn, torch.tensor([1, 5, -3]), torch.tensor([2, 4, -3]))
    case(fn, torch.tensor([1, 5]), torch.tensor([2.5, nan]))
    case(fn, fa, fb, method=True)
case('inner', r(4), r(4), grad=(0, 1))
case('inner', r(2, 3), r(4, 3), grad=(0, 1))
case('inner', r(2, 2, 3), r(3), grad=(0, 1))
case('inner', r(()), r(2, 3), grad=(0, 1))
case('inner', torch.tensor([1, 2, 3]), torch.tensor([0, 1, 0]))
case('ger', r(3), r(2), grad=(0, 1))
case('vdot', r(5), r(5), grad=(0, 1))
case('vdot', torch.tensor([1, 2]), torch.tensor([3, 4]))
case('chain_matmul', r(2, 3), grad=(0,))
case('chain_matmul', r(2, 3), r(3, 4), grad=(0, 1))
case('chain_matmul', r(2, 3), r(3, 4), r(4, 2), r(2, 5), grad=(0, 1, 2, 3))
case('diff', r(6), grad=(0,))
case('diff', r(3, 5), 2, 1, grad=(0,))
case('diff', r(3, 5), 1, 0, grad=(0,))
case('diff', r(4, 3), 1, 0, r(2, 3), r(1, 3), grad=(0, 3, 4))
case('diff', r(4, 3), 0, 0, r(2, 3))
case('diff', r(4), 7)
case('diff', r(4), 4)
case('diff', torch.tensor([True, False, False, True]))
case('diff', torch.tensor([1, 3, 6, 10]))
case('diff', r(3, 4), n=2, dim=0, append=r(2, 4))
case('diff', r(5), method=True)
case('dist', r(4), r(4), grad=(0, 1))
case('dist', r(2, 3), r(3), 1, grad=(0, 1))
case('dist', r(2, 3), r(2, 3), float('inf'), grad=(0, 1))
case('dist', r(2, 3), r(2, 3), 0)
case('dist', r(4), r(4), 3.5, grad=(0, 1))
for fn in ('hann_window', 'hamming_window', 'blackman_window', 'bartlett_window', 'kaiser_window'):
    for n in (0, 1, 2, 5, 10):
        case(fn, n)
        case(fn, n, False, dtype=F64)
case('hamming_window', 7, True, 0.5, 0.3)
case('hamming_window', 8, False, 0.6, dtype=F64)
case('kaiser_window', 9, False, 5.0)
case('kaiser_window', 6, True, 2.5, dtype=F64)
base = r(3, 4)
case('select_scatter', base, r(4), 0, 1, grad=(0, 1))
case('select_scatter', base, r(3), 1, -1, grad=(0, 1))
# (PyTorch 1.13 mis-sizes the slice when step is left to its default: it is always given)
case('slice_scatter', base, r(2, 4), 0, 1, None, 1, grad=(0, 1))
case('slice_scatter', base, r(3, 4), 0, None, None, 1, grad=(0, 1))
case('slice_scatter', base, r(3, 2), 1, 0, 4, 2, grad=(0, 1))
case('slice_scatter', base, r(3, 1), 1, -2, -1, 1, grad=(0, 1))
case('slice_scatter', base, r(3, 4), 1, None, 100, 1)
case('diagonal_scatter', base, r(3), grad=(0, 1))
case('diagonal_scatter', base, r(3), 1, grad=(0, 1))
case('diagonal_scatter', base, r(2), -1, grad=(0, 1))
case('diagonal_scatter', r(2, 3, 3), r(3, 2), 0, 0, 2, grad=(0, 1))
case('scalar_tensor', 3)
case('scalar_tensor', 2.5, dtype=F64)
case('scalar_tensor', True)

fx = torch.tensor([0.0, -0.0, 1.0, -3.5, 1e-40, float('inf'), float('nan'), 0.75, 1e30, 5e-324, -2.0 ** -1022, 2.0 ** 1023], dtype=F64)
case('frexp', fx)
case('frexp', fx.float())
case('frexp', r(3, 4) * 100, grad=(0,))
case('frexp', r(6), method=True)
gf = r(5, 4)
case('gradient', r(6), grad=(0,))
case('gradient', gf, grad=(0,))
case('gradient', gf, spacing=2.0, grad=(0,))
case('gradient', gf, spacing=[0.5, 3.0], edge_order=2, grad=(0,))
case('gradient', gf, dim=1, edge_order=2, grad=(0,))
case('gradient', gf, spacing=[torch.tensor([0.0, 0.5, 1.5, 3.0, 3.5], dtype=F64)], dim=0, grad=(0,))
case('gradient', gf, spacing=[torch.tensor([0.0, 0.5, 1.5, 3.0, 3.5], dtype=F64), torch.tensor([1.0, 2.0, 4.0, 8.0], dtype=F64)], edge_order=2, grad=(0,))
case('gradient', torch.tensor([1, 2, 4, 8, 16]))
case('gradient', r(3, 4, 5), dim=[2, 0], spacing=[1.5, 0.25])
hx = torch.tensor([1.0, 2.0, 1.0, 4.0, 2.5, 3.25, -1.0, 7.0], dtype=F64)
case('histogram', hx, 4)
case('histogram', hx.float(), 5)
case('histogram', hx, torch.tensor([0.0, 1.5, 3.0, 4.0], dtype=F64))
case('histogram', hx, 3, range=(0.0, 3.0), weight=r(8).abs(), density=True)
case('histogram', hx, 6, density=True)
case('histogram', torch.tensor([2.0, 2.0]), 2)
case('histogram', torch.rand(200, generator=g, dtype=F64), 10)
case('histogram', r(3, 4), 5, weight=r(3, 4))
case('histogram', torch.zeros(0), 3)

results = {
    'result_type': [str(torch.result_type(a, b)).replace('torch.', '') for a, b in [
        (torch.tensor([1, 2]), 1.5), (torch.tensor([1, 2], dtype=torch.int8), 3), (torch.tensor(1.0), torch.tensor([1], dtype=torch.int32)),
        (torch.tensor([1.0], dtype=torch.float16), torch.tensor([1.0])), (torch.tensor([True]), 2), (2, torch.tensor([1], dtype=torch.uint8)),
        (torch.tensor([1], dtype=torch.uint8), torch.tensor([1], dtype=torch.int8)), (torch.tensor([True]), True)]],
    'can_cast': [torch.can_cast(a, b) for a, b in [
        (torch.float64, torch.int32), (torch.int64, torch.int8), (torch.int32, torch.float16), (torch.bool, torch.int64),
        (torch.int64, torch.bool), (torch.float32, torch.bool), (torch.bool, torch.bool), (torch.float16, torch.float64)]],
}

error('diff', torch.tensor(1.0))
# (a negative n: PyTorch 1.13 returns the input itself; 2.x, and flint, refuse it)
error('diff', r(3, 2), 1, 0, r(2))
error('diff', r(3, 2), 1, 0, r(1, 3))
error('inner', r(2, 3), r(4))
error('vdot', r(3), r(3).float())
error('vdot', r(3, 1), r(3, 1))
error('chain_matmul')
error('select_scatter', torch.zeros(2, 3), torch.ones(2), 0, 0)
error('slice_scatter', torch.zeros(4, 3), torch.ones(3, 3), 0, 0, 3, 2)
error('diagonal_scatter', torch.zeros(3, 3), torch.ones(2))
error('hann_window', -1)
error('renorm', r(3), 2, 0, 1.0)
error('gradient', r(1, 3))
error('gradient', r(3, 3), edge_order=3)
error('gradient', r(3, 3), spacing=[1.0, 2.0, 3.0])
error('gradient', r(3, 3), spacing=[1.0], dim=[0, 1])
error('gradient', r(2, 3), edge_order=2)
error('gradient', torch.zeros(3, dtype=torch.uint8))
error('frexp', torch.tensor([1, 2]))
error('histogram', torch.tensor([1, 2]), 2)
error('histogram', hx, torch.tensor([0, 1]))
error('histogram', hx, 0)
error('histogram', hx, 3, range=(3.0, 1.0))
error('histogram', hx, 3, weight=torch.ones(4, dtype=F64))
error('histogram', torch.tensor([1.0, float('inf')]), 2)
error('histogram', hx, torch.tensor([[0.0, 1.0]], dtype=F64))

path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'torch-misc.json')
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases, 'errors': errors, **results}, f)
print('wrote', path, len(cases), 'cases', len(errors), 'errors')
