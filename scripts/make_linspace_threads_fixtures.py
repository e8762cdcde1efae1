#!/usr/bin/env python3
"""Generates tests/fixtures/linspace-threads.json: PyTorch 1.13's float32 and float64 linspace
past its 32768-step grain, where at::parallel_for splits the range into one chunk per thread,
for 1 to 4 threads. Each result is kept as the SHA-256 of its float64 bytes (a few hundred
thousand values each), with a few values in hex for a readable failure.

Run: /usr/bin/python3 scripts/make_linspace_threads_fixtures.py
"""
import hashlib
import json
import os

import torch

cases = []
for threads in (1, 2, 3, 4):
    torch.set_num_threads(threads)
    for start, end, steps, dtype in ((-3.7, 11.3, 100003, 'float32'), (-3.7, 11.3, 70001, 'float64'), (0, 1, 32768, 'float32'),
                                     (1e3, -2.5, 200000, 'float64'), (0.1, 0.7, 65537, 'float32')):
        x = torch.linspace(start, end, steps, dtype=getattr(torch, dtype))
        wide = x.double()
        picks = [0, 1, 7, 8, 9, steps // 2 - 1, steps // 2, steps // 3, steps - 2, steps - 1]
        cases.append({'threads': threads, 'start': start, 'end': end, 'steps': steps, 'dtype': dtype,
                      'sha256': hashlib.sha256(wide.numpy().tobytes()).hexdigest(),
                      'samples': {str(i): wide[i].item().hex() for i in picks}})
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'linspace-threads.json')
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f)
print('wrote', path, len(cases), 'cases')
