#!/usr/bin/env python3
"""Generates tests/fixtures/printoptions.json: PyTorch 1.13's repr() of tensors under
torch.set_printoptions calls (precision, threshold, edgeitems, linewidth, profiles, sci_mode,
and sci_mode's reset by a later call), so that setPrintoptions can be checked byte for byte.

Run: /usr/bin/python3 scripts/make_printoptions_fixtures.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import ser  # noqa: E402

torch.manual_seed(0)


def tensors():
    g = torch.Generator().manual_seed(1)
    return {
        'small': torch.tensor([1.12345, -2.5, 3.0]),
        'ints_as_float': torch.tensor([1.0, 20.0, -300.0]),
        'wide': torch.tensor([1e-5, 1.0, 123456.0]),
        'huge_int_float': torch.tensor([1.0, 2e9]),
        'zeros': torch.zeros(4),
        'nonfinite': torch.tensor([float('nan'), float('inf'), 0.0]),
        'mixed_nonfinite': torch.tensor([float('nan'), 1.5, -float('inf')]),
        'arange10': torch.arange(10),
        'arange_f64': torch.arange(12, dtype=torch.float64) / 7,
        'matrix': torch.randn(8, 9, generator=g),
        'cube': torch.randn(4, 5, 6, generator=g, dtype=torch.float64),
        'long_row': torch.linspace(-3, 3, 40),
        'big': torch.arange(2000).reshape(40, 50),
        'bools': torch.arange(12).reshape(3, 4) % 3 == 0,
        'grad': torch.tensor([0.5, 1.25], requires_grad=True),
        'empty': torch.zeros(0, 3),
        'scalar': torch.tensor(3.14159265),
        'half': torch.tensor([1.5, -0.0001, 2.0], dtype=torch.float16),
    }


SETTINGS = [
    {'precision': 2},
    {'precision': 0},
    {'precision': 8},
    {'threshold': 5},
    {'threshold': 5, 'edgeitems': 1},
    {'threshold': 5, 'edgeitems': 0},
    {'edgeitems': 2, 'threshold': 20},
    {'linewidth': 30},
    {'linewidth': 200},
    {'profile': 'short'},
    {'profile': 'full'},
    {'profile': 'short', 'precision': 6},
    {'sci_mode': True},
    {'sci_mode': False},
    {'sci_mode': True, 'precision': 2},
    {'sci_mode': False, 'precision': 1},
]


def camel(opts):
    out = {}
    for k, v in opts.items():
        out['sciMode' if k == 'sci_mode' else k] = v
    return out


def safe_repr(t):
    # With edgeitems=0, PyTorch 1.13 fails on summarised tensors of 2 or more dims
    # ('stack expects a non-empty TensorList'); those are written as null.
    try:
        return repr(t)
    except RuntimeError:
        return None


def snapshot():
    return {name: safe_repr(t) for name, t in tensors().items()}


cases = []
for opts in SETTINGS:
    torch.set_printoptions(profile='default')
    torch.set_printoptions(**opts)
    cases.append({'calls': [camel(opts)], 'reprs': snapshot()})

# A later call without sci_mode sets it back to automatic; the other options stay.
torch.set_printoptions(profile='default')
torch.set_printoptions(sci_mode=True, precision=3)
torch.set_printoptions(linewidth=40)
cases.append({'calls': [{'profile': 'default'}, {'sciMode': True, 'precision': 3}, {'linewidth': 40}], 'reprs': snapshot()})
torch.set_printoptions(profile='default')

out = {
    'tensors': {name: ser(t, shortest_float32=False) for name, t in tensors().items()},
    'requires_grad': [name for name, t in tensors().items() if t.requires_grad],
    'default': snapshot(),
    'cases': cases,
}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'printoptions.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path, len(cases), 'cases')
