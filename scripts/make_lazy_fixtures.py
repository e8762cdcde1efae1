#!/usr/bin/env python3
"""Generates tests/fixtures/lazy-modules.json: PyTorch 1.13's lazy modules (LazyLinear, the six
lazy convolutions, the three lazy batch norms and three lazy instance norms) seeded, printed
before and after their first call, with their state dicts, their outputs, and what loading a
state dict into a fresh lazy module gives.

Run: /usr/bin/python3 scripts/make_lazy_fixtures.py
"""
import json
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import ser  # noqa: E402

warnings.simplefilter('ignore')
nn = torch.nn

# (name, constructor args, keyword args, input shape)
CASES = [
    ('LazyLinear', [5], {}, [3, 4]),
    ('LazyLinear', [2], {'bias': False}, [2, 3, 6]),
    ('LazyLinear', [3], {'dtype': 'float64'}, [4]),
    ('LazyConv1d', [4, 3], {}, [2, 3, 9]),
    ('LazyConv1d', [4, 3, 2, 1], {'groups': 2, 'bias': False}, [2, 6, 9]),
    ('LazyConv2d', [6, 3], {'padding': 1}, [2, 3, 5, 5]),
    ('LazyConv2d', [4, [2, 3]], {'stride': 2}, [3, 6, 6]),
    ('LazyConv3d', [2, 2], {}, [1, 3, 4, 4, 4]),
    ('LazyConvTranspose1d', [3, 3, 2], {}, [2, 4, 5]),
    ('LazyConvTranspose2d', [2, 3], {'stride': 2, 'padding': 1, 'output_padding': 1}, [1, 4, 3, 3]),
    ('LazyConvTranspose2d', [4, 2], {'groups': 2}, [1, 6, 3, 3]),
    ('LazyConvTranspose3d', [2, 2], {}, [1, 3, 2, 2, 2]),
    ('LazyBatchNorm1d', [], {}, [4, 5]),
    ('LazyBatchNorm1d', [], {'affine': False, 'momentum': None}, [4, 3, 6]),
    ('LazyBatchNorm2d', [], {'eps': 1e-3}, [3, 2, 4, 4]),
    ('LazyBatchNorm3d', [], {'track_running_stats': False}, [2, 3, 2, 2, 2]),
    ('LazyInstanceNorm1d', [], {}, [2, 3, 7]),
    ('LazyInstanceNorm2d', [], {'affine': False}, [2, 3, 4, 4]),
    ('LazyInstanceNorm3d', [], {'track_running_stats': False}, [2, 2, 3, 3, 3]),
]


def camel(k):
    parts = k.split('_')
    return parts[0] + ''.join(p.title() for p in parts[1:])


def build(name, args, kw):
    kw = dict(kw)
    if 'dtype' in kw:
        kw['dtype'] = getattr(torch, kw['dtype'])
    return getattr(nn, name)(*args, **kw)


def state(m):
    out = {}
    for k, v in m.state_dict().items():
        out[k] = repr(v) if nn.parameter.is_lazy(v) else ser(v)
    return out


cases = []
for i, (name, args, kw, shape) in enumerate(CASES):
    torch.manual_seed(100 + i)
    x = torch.randn(*shape, dtype=torch.float64 if kw.get('dtype') == 'float64' else torch.float32)
    torch.manual_seed(i)
    m = build(name, args, kw)
    before = {'repr': repr(m), 'state': state(m), 'params': [n for n, _ in m.named_parameters()], 'buffers': [n for n, _ in m.named_buffers()]}
    y = m(x)
    after = {'repr': repr(m), 'class': type(m).__name__, 'state': state(m), 'params': [n for n, _ in m.named_parameters()]}
    # The state dict of the initialized module loaded into a fresh lazy one.
    fresh = build(name, args, kw)
    fresh.load_state_dict(m.state_dict())
    loaded = {'repr': repr(fresh), 'class': type(fresh).__name__, 'state': state(fresh)}
    y2 = fresh(x)
    loaded['out'] = ser(y2)
    loaded['repr_after_call'] = repr(fresh)
    cases.append({
        'name': name, 'args': args, 'kw': {camel(k): v for k, v in kw.items()}, 'seed': i,
        'input': ser(x), 'out': ser(y), 'before': before, 'after': after, 'loaded': loaded,
    })

errors = {}
def error(key, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        errors[key] = {'type': type(e).__name__, 'message': str(e)}
        return
    raise AssertionError(key)

error('conv_groups', lambda: nn.LazyConv2d(4, 3, groups=2)(torch.randn(1, 3, 5, 5)))
error('conv_rank', lambda: nn.LazyConv2d(4, 3)(torch.randn(3, 5, 5, 5, 5)))
error('shape', lambda: nn.LazyLinear(3).weight.shape)
error('instance_unbatched', lambda: nn.LazyInstanceNorm1d()(torch.randn(3, 5)))

path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'lazy-modules.json')
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases, 'errors': errors}, f)
print('wrote', path, len(cases), 'cases')
