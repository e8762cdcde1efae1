#!/usr/bin/env python3
"""Generate tests/fixtures/porting.json: what PyTorch computes for the ops that
tests/logsumexp.test.ts and tests/porting-fidelity.test.ts check.

Run with the interpreter that has torch (PyTorch 1.13 here):
    /usr/bin/python3 scripts/make_porting_fixtures.py

logsumexp: x = torch.randn(3, 4, 5, dtype=float64) after manual_seed(0); per case the
result and x's gradient for grad_output = linspace(-1, 2) in the result's shape.
scalar_first: torch.add/sub/mul/div with a Python number first, values and grad_fn names.
max_min: x.max(1) and x.min(0) as (values, indices).
"""
import json
import os

import torch


def values(t):
    return [round(v, 15) for v in t.detach().flatten().tolist()]


def logsumexp_cases():
    torch.manual_seed(0)
    x = torch.randn(3, 4, 5, dtype=torch.float64)
    cases = {}
    for name, dim, keepdim in [('dim2', 2, False), ('dim0', 0, False), ('dims02_keepdim', [0, 2], True),
                               ('all_keepdim', [], True), ('neg1_of_permuted', -2, False)]:
        t = x.clone().requires_grad_(True)
        y = torch.logsumexp(t, dim, keepdim)
        y.backward(torch.linspace(-1, 2, y.numel(), dtype=y.dtype).reshape(y.shape))
        cases[name] = {'dim': dim, 'keepdim': keepdim, 'shape': list(y.shape), 'values': values(y), 'grad': values(t.grad)}
    return {'x': values(x), 'cases': cases}


def scalar_first():
    out = {}
    for name, fn in [('add', lambda a: torch.add(1, a)), ('sub', lambda a: torch.sub(1, a)),
                     ('mul', lambda a: torch.mul(2, a)), ('div', lambda a: torch.div(1, a)),
                     ('add_alpha', lambda a: torch.add(1, a, alpha=2)), ('sub_alpha', lambda a: torch.sub(1, a, alpha=2))]:
        a = torch.tensor([2.0, 4.0], requires_grad=True)
        y = fn(a)
        y.sum().backward()
        out[name] = {'values': values(y), 'gradFn': y.grad_fn.name(), 'grad': values(a.grad)}
    return out


def max_min():
    x = torch.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    mx, mn = x.max(1), x.min(0)
    return {'x': x.tolist(), 'max1': {'values': values(mx.values), 'indices': mx.indices.tolist()},
            'min0': {'values': values(mn.values), 'indices': mn.indices.tolist()}}


fixture = {'torch': torch.__version__, 'logsumexp': logsumexp_cases(), 'scalar_first': scalar_first(), 'max_min': max_min()}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'porting.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {path}')
