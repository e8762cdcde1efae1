#!/usr/bin/env python3
"""Generates tests/fixtures/linspace.json: PyTorch 1.13's float32 and float64 linspace values, as
exact hex floats, for ranges of many lengths (short ones, which its CPU kernel computes one by
one, and longer ones, which it computes in AVX2 vectors).

Run: /usr/bin/python3 scripts/make_linspace_fixtures.py
"""
import json
import os
import random

import torch

random.seed(1)
params = [(0, 1, 101), (0, 1, 11), (-1.3, 2.7, 5), (-1.3, 2.7, 17), (-1.3, 2.7, 40), (3, -2, 33), (0, 10, 1000),
          (-5, 5, 7), (1e-3, 1e3, 64), (0, 1, 2), (2.5, 2.5, 9), (-1, 1, 100), (0, 1, 3), (0, 1, 1), (0, 1, 0), (1e10, -1e-10, 257)]
for _ in range(20):
    params.append((random.uniform(-10, 10), random.uniform(-10, 10), random.randint(2, 300)))
cases = []
for s, e, n in params:
    for dt in ('float32', 'float64'):
        values = torch.linspace(s, e, n, dtype=getattr(torch, dt)).tolist()
        cases.append({'start': s, 'end': e, 'steps': n, 'dtype': dt, 'hex': [v.hex() for v in values]})
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'linspace.json')
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f)
print('wrote', path, len(cases), 'cases')
