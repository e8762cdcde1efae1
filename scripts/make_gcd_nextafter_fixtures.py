#!/usr/bin/env python3
"""Generate tests/fixtures/gcd-nextafter.json: PyTorch 1.13's torch.gcd, torch.lcm and
torch.nextafter, for tests/gcd-nextafter.test.ts.

    /usr/bin/python3 scripts/make_gcd_nextafter_fixtures.py

gcd/lcm on int64 (signs, zeros, INT_MIN, a product that wraps; written as decimal strings,
since they pass 2^53), uint8 and int8 (wrapping), and the promoted dtype; nextafter in
float32 and float64 at 1, ±0, inf, a subnormal and NaN; the errors for float and bool
gcd, integer nextafter and nextafter's backward.
"""
import json
import os

import torch

from fixture_json import enc, err


def ints(t):
    return {'dtype': str(t.dtype).replace('torch.', ''), 'data': [str(v) for v in t.tolist()]}


def floats(t):
    return {'dtype': str(t.dtype).replace('torch.', ''), 'data': [enc(v) for v in t.tolist()]}


a64 = torch.tensor([12, -9, 0, 0, -2**63, 7, 2**40])
b64 = torch.tensor([18, 6, 5, 0, 0, -21, 3**25])
u8 = (torch.tensor([200, 3, 0], dtype=torch.uint8), torch.tensor([150, 7, 0], dtype=torch.uint8))
i8 = (torch.tensor([-128, 100, -6], dtype=torch.int8), torch.tensor([0, 3, 4], dtype=torch.int8))
X = torch.tensor([1.0, 0.0, -0.0, float('inf'), 1e-45, float('nan')])
Y = torch.tensor([2.0, 1.0, -1.0, 0.0, 0.0, 1.0])
fixture = {
    'torch': torch.__version__,
    'int64': {'a': ints(a64), 'b': ints(b64), 'gcd': ints(torch.gcd(a64, b64)), 'lcm': ints(torch.lcm(a64, b64))},
    'uint8': {'a': ints(u8[0]), 'b': ints(u8[1]), 'gcd': ints(torch.gcd(*u8)), 'lcm': ints(torch.lcm(*u8))},
    'int8': {'a': ints(i8[0]), 'b': ints(i8[1]), 'gcd': ints(torch.gcd(*i8)), 'lcm': ints(torch.lcm(*i8))},
    'promoted': str(torch.lcm(torch.tensor([4]), torch.tensor([6], dtype=torch.int32)).dtype).replace('torch.', ''),
    'nextafter': {'x': floats(X), 'y': floats(Y), 'float32': floats(torch.nextafter(X, Y)),
                  'float64': floats(torch.nextafter(X.double(), Y.double()))},
    'errors': {
        'gcdFloat': err(lambda: torch.gcd(torch.tensor([1.5]), torch.tensor([2.0]))),
        'gcdBool': err(lambda: torch.gcd(torch.tensor([True]), torch.tensor([False]))),
        'nextafterInt': err(lambda: torch.nextafter(torch.tensor([1]), torch.tensor([2]))),
        'nextafterBackward': err(lambda: torch.nextafter(torch.tensor([1.0], requires_grad=True), torch.tensor([2.0])).sum().backward()),
    },
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures', 'gcd-nextafter.json')
with open(path, 'w') as f:
    json.dump(fixture, f, indent=1)
    f.write('\n')
print(f'wrote {path}')
