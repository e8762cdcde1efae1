#!/usr/bin/env python3
"""Generates tests/fixtures/bitwise.json: PyTorch 1.13's bitwise_and/or/xor/not, the shifts
(amounts inside the type's width; wider ones are UB-dependent in 1.13, and flint follows 2.x's
definition there), logical_xor, the in-place comparisons and logical ops, the alias names
(arccos, greater, divide, ...) with their grad_fn names, the dtype predicates, and each one's
errors.

Run: /usr/bin/python3 scripts/make_bitwise_fixtures.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import err, ser  # noqa: E402

g = torch.Generator().manual_seed(7)


def ints(dtype, shape, lo, hi):
    return torch.randint(lo, hi, shape, generator=g, dtype=torch.int64).to(dtype)


def arg(v):
    if isinstance(v, torch.Tensor):
        return ser(v)
    return v


cases = []


def case(fn, *args, method=False, inplace=False, **kw):
    """One call of torch.<fn>(*args) (or args[0].<fn>(*args[1:]) with method); its result."""
    if method:
        self = args[0].clone()
        out = getattr(self, fn)(*args[1:], **kw)
        if inplace:
            assert out is self
    else:
        out = getattr(torch, fn)(*args, **kw)
    cases.append({'fn': fn, 'method': method, 'args': [arg(a) for a in args], 'kw': kw, 'out': ser(out)})


errors = []


def error(fn, *args, method=False, **kw):
    def run():
        if method:
            getattr(args[0].clone(), fn)(*args[1:], **kw)
        else:
            getattr(torch, fn)(*args, **kw)
    e = err(run)
    errors.append({'fn': fn, 'method': method, 'args': [arg(a) for a in args], 'kw': kw, **e})


INT_DTYPES = [torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8]
for dt in INT_DTYPES:
    lo, hi = (0, 255) if dt == torch.uint8 else (-100, 100)
    a = ints(dt, (3, 4), lo, hi)
    b = ints(dt, (4,), lo, hi)
    for fn in ['bitwise_and', 'bitwise_or', 'bitwise_xor']:
        case(fn, a, b)
        case(fn, a, 6)
        case(fn, 6, a)
    case('bitwise_not', a)
    bits = torch.iinfo(dt).bits
    amounts = ints(dt, (3, 4), 0, bits)
    case('bitwise_left_shift', a, amounts)
    case('bitwise_right_shift', a, amounts)
    case('bitwise_left_shift', a, 1)
    case('bitwise_right_shift', a, 2)
    case('bitwise_left_shift', 3, amounts)
    # the extremes: the sign bit shifted in and out
    # (int64's maximum has no exact double, so JSON cannot carry it: 2^62 stands in)
    mn, mx = torch.iinfo(dt).min, (2**62 if dt == torch.int64 else torch.iinfo(dt).max)
    ext = torch.tensor([mn, mx, -1 if mn < 0 else 1, 0], dtype=dt)
    case('bitwise_left_shift', ext, torch.tensor([0, 1, bits - 1, bits - 1], dtype=dt))
    case('bitwise_right_shift', ext, torch.tensor([bits - 1, 1, bits - 1, 3], dtype=dt))
    if dt != torch.int64:
        case('bitwise_not', ext)

t = torch.tensor([True, False, True, False])
u = torch.tensor([True, True, False, False])
for fn in ['bitwise_and', 'bitwise_or', 'bitwise_xor']:
    case(fn, t, u)
    case(fn, t, True)
    case(fn, t, 3)  # promotes to int64
case('bitwise_not', t)
case('bitwise_left_shift', t, 1)
case('bitwise_right_shift', torch.tensor([4, 8]), t[:2])
# mixed dtypes promote
case('bitwise_and', ints(torch.int8, (5,), -100, 100), ints(torch.int64, (5,), -1000, 1000))
case('bitwise_or', ints(torch.uint8, (5,), 0, 255), ints(torch.int8, (5,), -100, 100))
case('bitwise_xor', ints(torch.int32, (2, 1), -9, 9), ints(torch.int16, (3,), -9, 9))
case('bitwise_and', ints(torch.uint8, (4,), 0, 255), 300)
case('bitwise_and', ints(torch.uint8, (4,), 0, 255), torch.tensor(300))
# methods and in place
a = ints(torch.int32, (2, 3), -50, 50)
case('bitwise_and', a, 12, method=True)
case('bitwise_and_', a, 12, method=True, inplace=True)
case('bitwise_or_', a, torch.tensor([1, 2, 4], dtype=torch.int32), method=True, inplace=True)
case('bitwise_xor_', a, torch.tensor([1, 2, 4], dtype=torch.int16), method=True, inplace=True)
case('bitwise_not_', a, method=True, inplace=True)
case('bitwise_left_shift_', a, 2, method=True, inplace=True)
case('bitwise_right_shift_', a, torch.tensor([1, 2, 3], dtype=torch.int32), method=True, inplace=True)
# an int64 result is written into int32 (PyTorch's can_cast allows integral to integral)
case('bitwise_and_', a, torch.tensor([1000, -1, 7]), method=True, inplace=True)

# logical_xor, and the in-place comparisons and logical ops
f = torch.tensor([0.0, 1.5, float('nan'), -2.0, 0.0])
h = torch.tensor([0.0, 0.0, 1.0, float('nan'), 3.0])
case('logical_xor', f, h)
case('logical_xor', ints(torch.int64, (5,), -2, 3), h)
case('logical_xor', t, u)
case('logical_xor', f, h, method=True)
for fn in ['eq_', 'ne_', 'gt_', 'ge_', 'lt_', 'le_', 'greater_', 'greater_equal_', 'less_', 'less_equal_', 'not_equal_']:
    case(fn, f, h, method=True, inplace=True)
    case(fn, ints(torch.int64, (5,), -2, 3), 0, method=True, inplace=True)
for fn in ['logical_and_', 'logical_or_', 'logical_xor_']:
    case(fn, f, h, method=True, inplace=True)
    case(fn, t.clone(), u, method=True, inplace=True)
    case(fn, ints(torch.int32, (4,), -2, 3), u, method=True, inplace=True)
case('logical_not_', f, method=True, inplace=True)
case('logical_not_', ints(torch.int64, (4,), -2, 3), method=True, inplace=True)

# aliases: values (their gradients are the canonical ops', checked by name below)
x = torch.rand(6, generator=g, dtype=torch.float64) * 1.8 - 0.9
y = torch.rand(6, generator=g, dtype=torch.float64) * 4 + 1.1
for fn, inp in [('absolute', x), ('arccos', x), ('arcsin', x), ('arctan', x), ('arccosh', y), ('arcsinh', x),
                ('arctanh', x), ('negative', x), ('fix', x * 3), ('positive', x)]:
    case(fn, inp)
    case(fn, inp, method=True)
case('arctan2', x, y)
case('multiply', x, y)
case('multiply', x, 3)
case('divide', x, y)
case('divide', x * 10, y, rounding_mode='floor')
case('divide', x * 10, y, rounding_mode='trunc')
case('true_divide', ints(torch.int64, (4,), -9, 9), torch.tensor([2, 3, 4, 5]))
case('subtract', x, y)
case('subtract', x, y, alpha=2)
for fn in ['greater', 'greater_equal', 'less', 'less_equal', 'not_equal']:
    case(fn, x, 0.1)
    case(fn, x, y - 2)
case('clip_', x.clone(), -0.5, 0.5)
for fn in ['arccos_', 'arcsin_', 'arctan_', 'arcsinh_', 'arctanh_', 'absolute_', 'negative_', 'fix_']:
    case(fn, x, method=True, inplace=True)
case('arccosh_', y, method=True, inplace=True)
case('arctan2_', x, y, method=True, inplace=True)
case('multiply_', x, y, method=True, inplace=True)
case('divide_', x, y, method=True, inplace=True)
case('divide_', x * 10, y, method=True, inplace=True, rounding_mode='floor')
case('true_divide_', x, y, method=True, inplace=True)
case('subtract_', x, y, method=True, inplace=True, alpha=0.5)
case('gcd_', torch.tensor([12, 18, -9]), torch.tensor([8, 12, 6]), method=True, inplace=True)
case('lcm_', torch.tensor([4, 6, -3]), torch.tensor([6, 4, 7]), method=True, inplace=True)
case('ldexp_', x, torch.tensor([1, 2, -1, 0, 3, 5]), method=True, inplace=True)
case('float_power_', x, 2, method=True, inplace=True)
case('heaviside_', x, torch.tensor([0.5], dtype=torch.float64), method=True, inplace=True)
case('rad2deg_', x, method=True, inplace=True)
case('deg2rad_', x, method=True, inplace=True)
case('sinc_', x, method=True, inplace=True)
case('nextafter_', x, y, method=True, inplace=True)

# grad_fn names of the aliases: PyTorch records the canonical op's node
grad_fns = {}
for fn, inp, extra in [('absolute', x, ()), ('arccos', x, ()), ('arcsin', x, ()), ('arctan', x, ()), ('arccosh', y, ()),
                       ('arcsinh', x, ()), ('arctanh', x, ()), ('negative', x, ()), ('fix', x, ()), ('arctan2', x, (y,)),
                       ('multiply', x, (y,)), ('divide', x, (y,)), ('true_divide', x, (y,)), ('subtract', x, (y,))]:
    leaf = inp.clone().requires_grad_()
    out = getattr(torch, fn)(leaf, *extra)
    out.sum().backward()
    grad_fns[fn] = {'name': type(out.grad_fn).__name__, 'inputs': [ser(inp)] + [ser(e) for e in extra], 'grad': ser(leaf.grad)}

# errors
fl = torch.tensor([1.5, 2.0])
error('bitwise_and', fl, fl)
error('bitwise_or', torch.tensor([1, 2]), 1.5)
error('bitwise_xor', fl, 1)
error('bitwise_not', fl)
error('bitwise_left_shift', fl, 1)
error('bitwise_right_shift', torch.tensor([1, 2]), fl)
error('bitwise_and_', torch.tensor([True, False]), torch.tensor([1, 2]), method=True)
error('bitwise_not_', fl.clone(), method=True)
error('gcd_', fl.clone(), torch.tensor([6, 8]), method=True)
error('rad2deg_', torch.tensor([1, 2]), method=True)
error('float_power_', torch.tensor([1.0, 2.0]), 2, method=True)
error('float_power_', torch.tensor([1, 2]), 2, method=True)
error('positive', torch.tensor([True]))
error('is_nonzero', torch.tensor([]))
error('is_nonzero', torch.tensor([1, 2]))
error('eq_', torch.tensor([1, 2]), torch.tensor([1, 2, 3]), method=True)

predicates = {
    'is_floating_point': [torch.is_floating_point(torch.zeros(1, dtype=d)) for d in [torch.float32, torch.float64, torch.float16, torch.int64, torch.uint8, torch.bool]],
    'is_signed': [torch.zeros(1, dtype=d).is_signed() for d in [torch.float32, torch.float64, torch.float16, torch.int64, torch.uint8, torch.bool, torch.int8]],
    'is_nonzero': [torch.is_nonzero(v) for v in [torch.tensor([0.0]), torch.tensor(0.5), torch.tensor([[float('nan')]]), torch.tensor([False]), torch.tensor([3])]],
}

out = {'torch': torch.__version__, 'cases': [c for c in cases if c], 'grad_fns': grad_fns, 'errors': errors, 'predicates': predicates}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'bitwise.json')
with open(path, 'w') as fh:
    json.dump(out, fh)
print('wrote', path, len(out['cases']), 'cases', len(errors), 'errors')
