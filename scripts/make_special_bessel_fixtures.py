#!/usr/bin/env python3
"""Generate tests/fixtures/special-bessel.json: PyTorch 1.13's torch.i0 and torch.special's
i0e, i1, i1e, erfcx, log_ndtr and ndtr, for tests/special-bessel.test.ts.

    /usr/bin/python3 scripts/make_special_bessel_fixtures.py

Values on a grid that crosses every branch (|x| <= 8 and above for the Bessel functions, the
erfcx tails, log_ndtr below -1), in float64 and float32 and from an int64 input; gradients
of the sum in float64 (x = 0 and |x| <= eps for i1/i1e, where PyTorch's backward uses 0.5);
grad_fn names.
"""
import json
import math
import os

import torch

S = torch.special
FUNCS = {'i0': torch.i0, 'i0e': S.i0e, 'i1': S.i1, 'i1e': S.i1e, 'erfcx': S.erfcx, 'logNdtr': S.log_ndtr, 'ndtr': S.ndtr}
GRID = [-200.0, -40.0, -26.0, -9.0, -8.0, -5.5, -1.5, -1.0, -0.999, -1e-3, -1e-20, 0.0, 1e-20, 0.3, 1.0, 3.75, 7.9, 8.0,
        8.1, 24.9, 25.1, 30.0, 200.0, 1e5, float('inf'), float('-inf'), float('nan')]


def enc(v):
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return v


def ser(t):
    t = t.detach().contiguous()
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''), 'data': [enc(v) for v in t.reshape(-1).tolist()]}


out = {'torch': torch.__version__, 'grid': [enc(g) for g in GRID], 'values': {}, 'grads': {}, 'gradFn': {}, 'ints': {}}
for name, f in FUNCS.items():
    x64 = torch.tensor(GRID, dtype=torch.float64)
    out['values'][name] = {'float64': ser(f(x64)), 'float32': ser(f(x64.float()))}
    out['ints'][name] = ser(f(torch.tensor([-3, 0, 2, 9])))
    # gradients at finite points where PyTorch's are finite
    xs = torch.tensor([g for g in GRID if math.isfinite(g) and abs(g) <= 30], dtype=torch.float64, requires_grad=True)
    y = f(xs)
    y.sum().backward()
    out['grads'][name] = {'x': ser(xs), 'grad': ser(xs.grad)}
    out['gradFn'][name] = type(f(torch.tensor([0.5], requires_grad=True)).grad_fn).__name__

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures', 'special-bessel.json')
with open(path, 'w') as fh:
    json.dump(out, fh, separators=(',', ':'))
print(f'wrote {path}: {os.path.getsize(path)} bytes')
