#!/usr/bin/env python3
"""Generate tests/fixtures/special.json: what PyTorch 1.13 computes for lgamma, digamma,
polygamma, erfc, erfinv, and logit, which tests/special.test.ts checks.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_special_fixtures.py

cases: per function, float64 inputs (poles, negative non-integers, large and tiny values,
domain edges, inf and NaN), the output, its grad_fn name and the gradient for
grad_output = linspace(0.5, 1.5); float32: the same inputs in float32 (values only).
"""
import json
import os

import torch

from fixture_tensors import F64, INF, NAN, fmt_float


def ser(t):
    return [fmt_float(float(v), F64) for v in t.detach().reshape(-1).tolist()]


GAMMA_IN = [-2.5, -1.5, -0.5, -1e-8, 0.1, 0.5, 1.0, 1.5, 2.0, 3.7, 9.99, 10.0, 10.5, 35.0, 170.5, 1e6]
POLE_IN = [-3.0, -1.0, 0.0, -0.0, INF, -INF, NAN]
UNIT_IN = [-0.999999, -0.9, -0.7, -0.3, 0.0, 0.1, 0.5, 0.69, 0.71, 0.95, 0.9999999]
PROB_IN = [1e-9, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999]
REAL_IN = [-30.0, -6.0, -2.0, -0.7, -0.1, 0.0, 0.3, 0.7071, 1.0, 2.5, 5.0, 27.0]

CASES = {
    'lgamma': (lambda x: torch.lgamma(x), GAMMA_IN, POLE_IN),
    'digamma': (lambda x: torch.digamma(x), GAMMA_IN, POLE_IN),
    'polygamma1': (lambda x: torch.polygamma(1, x), GAMMA_IN, POLE_IN),
    'polygamma2': (lambda x: torch.polygamma(2, x), [v for v in GAMMA_IN if v > 0], [0.0, INF, NAN]),
    'polygamma3': (lambda x: torch.polygamma(3, x), [v for v in GAMMA_IN if v > 0], [-1.0, 0.0]),
    'polygamma0': (lambda x: torch.polygamma(0, x), GAMMA_IN, []),
    'erfc': (lambda x: torch.erfc(x), REAL_IN, [INF, -INF, NAN]),
    'erfinv': (lambda x: torch.erfinv(x), UNIT_IN, [1.0, -1.0, 1.5, -2.0, NAN]),
    'logit': (lambda x: torch.logit(x), PROB_IN, [0.0, 1.0, -0.5, 1.5, NAN]),
    'logit_eps': (lambda x: torch.logit(x, 0.01), PROB_IN, [0.0, 1.0, -0.5, 1.5, 0.01, 0.99]),
}


def main():
    out = {'cases': {}, 'float32': {}}
    for name, (fn, smooth, edges) in CASES.items():
        x = torch.tensor(smooth + edges, dtype=torch.float64, requires_grad=True)
        y = fn(x)
        g = torch.linspace(0.5, 1.5, x.numel(), dtype=torch.float64)
        y.backward(g)
        out['cases'][name] = {
            'input': ser(x), 'output': ser(y), 'grad_fn': type(y.grad_fn).__name__,
            'grad': ser(x.grad), 'smooth': len(smooth),
        }
        x32 = torch.tensor(smooth + edges, dtype=torch.float32)
        out['float32'][name] = {'input': ser(x32), 'output': ser(fn(x32))}
    path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'special.json')
    with open(path, 'w') as f:
        json.dump(out, f)
        f.write('\n')


if __name__ == '__main__':
    main()
