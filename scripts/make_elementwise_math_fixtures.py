#!/usr/bin/env python3
"""Generate tests/fixtures/elementwise_math.json: what PyTorch 1.13 computes for the
elementwise math and activations that tests/elementwise-math.test.ts checks.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_elementwise_math_fixtures.py

cases: per op, its float64 inputs (edge values included: +-inf, NaN, -0.0, domain edges,
kinks), the output, grad_fn name, and each input's gradient for grad_output =
linspace(0.5, 1.5) in the output's shape (the grads of inputs that do not require grad are
null). The test file maps each case name to the flint call.
float32: a few ops on float32 inputs (float math in float, not double).
ints: integer inputs of float-valued functions (promote to float32), values only.
modules: reprs and state-dict keys of the activation modules.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

NAN, INF = float('nan'), float('inf')
F64 = torch.float64


def enc(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return v


def ser(t):
    t = t.detach().contiguous()
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''), 'data': [enc(v) for v in t.reshape(-1).tolist()]}


# General inputs with every edge: infinities, NaN, signed zeros, kinks at +-0.5, +-1, +-3, +-6.
X = [-INF, -20.0, -6.0, -3.0, -2.5, -1.0, -0.5, -0.25, -0.0, 0.0, 0.25, 0.5, 1.0, 2.5, 3.0, 6.0, 21.0, INF, NAN]
UNIT = [-1.0, -0.999, -0.5, -0.0, 0.0, 0.3, 0.999, 1.0, 1.5, -1.5, INF, NAN]  # asin, acos, atanh
ACOSH = [1.0, 1.001, 1.5, 10.0, 0.5, INF, NAN]
POS = [0.0, 1e-300, 0.25, 1.0, 2.0, 1000.0, -1.0, INF, NAN, -0.0]
Y = [2.0, -1.5, 0.0, -0.0, INF, -INF, NAN, 0.5, 3.0, -2.0, 1.0, 1e-3, 7.0, -INF, INF, 0.25, -4.0, 2.0, 1.0]

cases = []


def case(name, fn, inputs, requires=None):
    ts = [torch.tensor(v, dtype=F64) if not isinstance(v, torch.Tensor) else v for v in inputs]
    requires = requires if requires is not None else [True] * len(ts)
    for t, r in zip(ts, requires):
        t.requires_grad_(r)
    out = fn(*ts)
    entry = {'name': name, 'inputs': [ser(t) for t in ts], 'output': ser(out),
             'gradFn': None if out.grad_fn is None else type(out.grad_fn).__name__, 'grads': [None] * len(ts)}
    if out.grad_fn is not None:
        g = torch.linspace(0.5, 1.5, out.numel(), dtype=out.dtype).reshape(out.shape)
        out.backward(g)
        entry['grads'] = [ser(t.grad) if (r and t.grad is not None) else None for t, r in zip(ts, requires)]
    cases.append(entry)


# ---- unary math
case('tan', torch.tan, [X])
case('asin', torch.asin, [UNIT])
case('acos', torch.acos, [UNIT])
case('atan', torch.atan, [X])
case('sinh', torch.sinh, [X])
case('cosh', torch.cosh, [X])
case('asinh', torch.asinh, [X])
case('acosh', torch.acosh, [ACOSH])
case('atanh', torch.atanh, [UNIT])
case('log2', torch.log2, [POS])
case('log10', torch.log10, [POS])
case('exp2', torch.exp2, [X])
case('frac', torch.frac, [X + [-3.75, 3.75, 1e20]])
case('nanToNum', torch.nan_to_num, [X])
case('nanToNum_args', lambda x: torch.nan_to_num(x, nan=1.5, posinf=100.0, neginf=-100.0), [X])
case('isnan', torch.isnan, [X], [False])
case('isinf', torch.isinf, [X], [False])
case('isposinf', torch.isposinf, [X], [False])
case('isneginf', torch.isneginf, [X], [False])
case('isfinite', torch.isfinite, [X], [False])

# ---- binary math (X against Y, same length)
case('hypot', torch.hypot, [X, Y])
case('logaddexp', torch.logaddexp, [X, Y])
case('logaddexp2', torch.logaddexp2, [X, Y])
case('logaddexp_big', torch.logaddexp, [[1000.0, -1000.0, INF, -INF, INF], [1000.0, -1000.0, INF, -INF, -INF]])
case('xlogy', torch.xlogy, [[0.0, 0.0, 0.0, 1.0, 2.0, -1.5, 0.0, 3.0], [0.0, -1.0, NAN, 2.0, 0.5, 4.0, 2.0, INF]])
case('xlogy_scalar_other', lambda x: torch.xlogy(x, 3.0), [[0.0, 1.5, -2.0, NAN]])
case('xlogy_scalar_self', lambda y: torch.xlogy(2.0, y), [[0.5, 1.0, 3.0, 0.0]])
case('fmod', torch.fmod, [[5.5, -5.5, 5.5, -5.5, 3.0, -0.0, INF, 1.0], [2.0, 2.0, -2.0, -2.0, 0.0, 1.0, 2.0, INF]])
case('fmod_scalar', lambda x: torch.fmod(x, 1.5), [[5.5, -5.5, 0.0, -0.0, 4.5]])
case('copysign', torch.copysign, [X, Y])
case('copysign_scalar', lambda x: torch.copysign(x, -0.0), [[1.0, -2.0, 0.0, INF, NAN]])
case('atan2', torch.atan2, [[1.0, -1.0, 0.0, -0.0, 0.0, INF, 2.0], [0.0, -1.0, -0.0, -1.0, 1.0, INF, -3.0]])
case('lerp_scalar', lambda a, b: torch.lerp(a, b, 0.3), [[0.0, 1.0, -2.0, 10.0], [1.0, 3.0, 2.0, -10.0]])
case('lerp_scalar_high', lambda a, b: torch.lerp(a, b, 0.75), [[0.0, 1.0, -2.0, 10.0], [1.0, 3.0, 2.0, -10.0]])
case('lerp_tensor', torch.lerp, [[[0.0, 1.0, -2.0], [4.0, 5.0, 6.0]], [[1.0, 3.0, 2.0], [0.0, 0.0, 0.0]], [0.25, 0.5, 1.0]])
case('addcmul', lambda x, a, b: torch.addcmul(x, a, b, value=0.5),
     [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [0.5, -1.0, 2.0], [[2.0], [-3.0]]])
case('addcdiv', lambda x, a, b: torch.addcdiv(x, a, b, value=-2.0),
     [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [0.5, -1.0, 2.0], [[2.0], [-4.0]]])
case('clampMin', lambda x: torch.clamp_min(x, 0.5), [X])
case('clampMax', lambda x: torch.clamp_max(x, -0.5), [X])
case('clampMin_tensor', torch.clamp_min, [[1.0, -1.0, 0.5, NAN, 2.0], [0.0, 0.0, 0.5, 0.0, 3.0]])
case('clampMax_tensor', torch.clamp_max, [[1.0, -1.0, 0.5, NAN, 2.0], [0.0, 0.0, 0.5, 0.0, 3.0]])

# ---- activations
case('softplus', F.softplus, [X])
case('softplus_beta', lambda x: F.softplus(x, 2.0, 5.0), [X])
case('elu', F.elu, [X])
case('elu_alpha', lambda x: F.elu(x, 0.5), [X])
case('selu', F.selu, [X])
case('celu', lambda x: F.celu(x, 2.0), [X])
case('hardtanh', F.hardtanh, [X])
case('hardtanh_bounds', lambda x: F.hardtanh(x, -2.5, 3.0), [X])
case('relu6', F.relu6, [X])
case('hardsigmoid', F.hardsigmoid, [X])
case('hardswish', F.hardswish, [X])
case('mish', F.mish, [X])
case('logsigmoid', F.logsigmoid, [X])
case('softsign', F.softsign, [X])
case('tanhshrink', F.tanhshrink, [X])
case('hardshrink', F.hardshrink, [X])
case('softshrink', lambda x: F.softshrink(x, 1.0), [X])
case('threshold', lambda x: F.threshold(x, 0.25, 20.0), [X])
case('glu', F.glu, [[[1.0, -2.0, 0.5, 3.0], [0.0, 4.0, -1.0, -6.0]]])
case('glu_dim0', lambda x: F.glu(x, 0), [[[1.0, -2.0, 0.5], [0.0, 4.0, -1.0]]])
case('prelu', F.prelu, [[[[1.0, -2.0], [0.5, -0.0]], [[-3.0, 4.0], [-1.0, 6.0]]], [0.25, -0.5]])
case('prelu_single', F.prelu, [[[-1.0, 2.0, -3.0], [4.0, -5.0, 0.0]], [0.1]])

# float32: computed in float
float32 = []
X32 = [-3.0, -1.0, -0.5, 0.1, 0.5, 1.0, 2.5, 10.0, 30.0]
for name, fn in [('tan', torch.tan), ('atan', torch.atan), ('sinh', torch.sinh), ('log2', lambda t: torch.log2(t.abs())),
                 ('exp2', torch.exp2), ('softplus', F.softplus), ('mish', F.mish), ('logsigmoid', F.logsigmoid),
                 ('elu', F.elu), ('hardswish', F.hardswish)]:
    x = torch.tensor(X32, dtype=torch.float32, requires_grad=True)
    y = fn(x)
    y.backward(torch.ones_like(y))
    float32.append({'name': name, 'input': X32, 'output': ser(y), 'grad': ser(x.grad)})

ints = {
    'input': [-2, 0, 1, 3],
    'tan': ser(torch.tensor([-2, 0, 1, 3]).tan()),
    'exp2': ser(torch.tensor([-2, 0, 1, 3]).exp2()),
    'atan': ser(torch.tensor([-2, 0, 1, 3]).atan()),
    'hypot_dtype': str(torch.hypot(torch.tensor([3.0]), torch.tensor([4.0], dtype=F64)).dtype).replace('torch.', ''),
    'fmod_int': ser(torch.fmod(torch.tensor([-7, 7, 5, -5]), torch.tensor([3, -3, 5, 2]))),
    'copysign_int': ser(torch.copysign(torch.tensor([1, -2, 3]), -1)),
    'isfinite_int': ser(torch.isfinite(torch.tensor([1, 2]))),
}

close = {
    'a': [enc(v) for v in [1.0, 1.0, NAN, INF, INF, 1e10, 0.0, 1.0]],
    'b': [enc(v) for v in [1.0 + 1e-6, 1.1, NAN, INF, -INF, 1.00001e10, 1e-9, 1.0 + 2e-5]],
    'default': ser(torch.isclose(torch.tensor([1.0, 1.0, NAN, INF, INF, 1e10, 0.0, 1.0], dtype=F64),
                                 torch.tensor([1.0 + 1e-6, 1.1, NAN, INF, -INF, 1.00001e10, 1e-9, 1.0 + 2e-5], dtype=F64))),
    'loose_nan': ser(torch.isclose(torch.tensor([1.0, 1.0, NAN, INF, INF, 1e10, 0.0, 1.0], dtype=F64),
                                   torch.tensor([1.0 + 1e-6, 1.1, NAN, INF, -INF, 1.00001e10, 1e-9, 1.0 + 2e-5], dtype=F64),
                                   rtol=0.2, atol=0.0, equal_nan=True)),
}

modules = []
for name, m in [('Softplus()', nn.Softplus()), ('Softplus(2, 10)', nn.Softplus(2, 10)), ('ELU()', nn.ELU()),
                ('ELU(1.0, true)', nn.ELU(1.0, True)), ('SELU()', nn.SELU()), ('SELU(true)', nn.SELU(True)),
                ('CELU(2.0)', nn.CELU(2.0)), ('Hardtanh()', nn.Hardtanh()), ('Hardtanh(-2, 2, true)', nn.Hardtanh(-2.0, 2.0, True)),
                ('ReLU6()', nn.ReLU6()), ('ReLU6(true)', nn.ReLU6(True)), ('Hardsigmoid()', nn.Hardsigmoid()),
                ('Hardswish(true)', nn.Hardswish(True)), ('Mish()', nn.Mish()), ('LogSigmoid()', nn.LogSigmoid()),
                ('Softsign()', nn.Softsign()), ('Tanhshrink()', nn.Tanhshrink()), ('GLU()', nn.GLU()), ('GLU(1)', nn.GLU(1)),
                ('PReLU()', nn.PReLU()), ('PReLU(3, 0.1)', nn.PReLU(3, 0.1)), ('Hardshrink()', nn.Hardshrink()),
                ('Softshrink(0.25)', nn.Softshrink(0.25)), ('Threshold(0.1, 20)', nn.Threshold(0.1, 20.0)),
                ('Threshold(0.1, 20, true)', nn.Threshold(0.1, 20.0, True)), ('ReLU(true)', nn.ReLU(True))]:
    modules.append({'name': name, 'repr': repr(m), 'stateDict': {k: v.tolist() for k, v in m.state_dict().items()}})

fixture = {'torch': torch.__version__, 'gradOutput': 'linspace(0.5, 1.5)', 'cases': cases, 'float32': float32,
           'ints': ints, 'isclose': close, 'modules': modules}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'elementwise_math.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'), allow_nan=False)
    f.write('\n')
print(f'wrote {path} ({len(cases)} cases)')
