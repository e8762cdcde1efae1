#!/usr/bin/env python3
"""Generate tests/fixtures/clip_grad.json: what torch.nn.utils.clip_grad_norm_ and
clip_grad_value_ return and leave in .grad (PyTorch 1.13), for tests/clip-grad.test.ts.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_clip_grad_fixtures.py

Three float32 parameters (2x3, 3, 4) get gradients from torch.randn after manual_seed(0)
(scaled by 3 so that clipping happens); the third has no gradient in the 'partial' cases.
"""
import json
import math
import os

import torch


def grads():
    torch.manual_seed(0)
    ps = [torch.zeros(2, 3, requires_grad=True), torch.zeros(3, requires_grad=True), torch.zeros(4, requires_grad=True)]
    for p in ps:
        p.grad = torch.randn(p.shape) * 3
    return ps


def flat(t):
    return [float(v) for v in t.detach().flatten().tolist()]


cases = {}
for name, max_norm, norm_type in [('l2', 1.0, 2.0), ('l1', 2.5, 1.0), ('inf', 0.5, math.inf), ('l3', 1.5, 3.0),
                                  ('no_clip', 100.0, 2.0)]:
    ps = grads()
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
    cases[name] = {'max_norm': max_norm, 'norm_type': 'inf' if norm_type == math.inf else norm_type,
                   'total': float(total), 'total_dtype': str(total.dtype), 'grads': [flat(p.grad) for p in ps]}

ps = grads()
ps[2].grad = None
total = torch.nn.utils.clip_grad_norm_(ps, 1.0)
cases['partial'] = {'total': float(total), 'grads': [flat(p.grad) for p in ps[:2]]}

empty = torch.nn.utils.clip_grad_norm_([torch.zeros(2, requires_grad=True)], 1.0)
ps = grads()
ps[1].grad[0] = math.inf
try:
    torch.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    message = None
except RuntimeError as e:
    message = str(e)

ps = grads()
torch.nn.utils.clip_grad_value_(ps, 0.7)
value = [flat(p.grad) for p in ps]

fixture = {'grads': [flat(p.grad) for p in grads()], 'norm': cases,
           'empty': {'value': float(empty), 'dtype': str(empty.dtype), 'shape': list(empty.shape)},
           'nonfinite_message': message, 'value': value}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'clip_grad.json')
with open(path, 'w') as f:
    json.dump(fixture, f, indent=1)
    f.write('\n')
