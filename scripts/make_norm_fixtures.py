#!/usr/bin/env python3
"""Generate tests/fixtures/norm.json: batch, instance, group and local response norm as
PyTorch 1.13 computes them, for tests/norm.test.ts.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_norm_fixtures.py

Inputs are float64 values rounded to 3 decimals (fixture_tensors.rn) so that the tests
can rebuild them exactly in float32 or float64. Each case records the forward output,
the gradients of (out * gradOutput).sum() for the input, weight and bias, and for the
modules the running statistics after a few training steps and the eval output.
"""
import json
import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from fixture_tensors import F64, rn, ser  # noqa: E402

warnings.filterwarnings('ignore')
torch.manual_seed(0)


def leaf(t):
    return t.clone().requires_grad_(True)


def grads_of(out, tensors):
    g = rn(*out.shape, dtype=F64)
    (out * g).sum().backward()
    return g, [None if t is None or t.grad is None else ser(t.grad) for t in tensors]


def functional_case(fn, x_shape, channels, affine=True, **kw):
    x = leaf(rn(*x_shape, dtype=F64) * 2 + 0.5)
    w = leaf(rn(channels, dtype=F64) + 1) if affine else None
    b = leaf(rn(channels, dtype=F64)) if affine else None
    out = fn(x, w, b)
    g, grads = grads_of(out, [x, w, b])
    return {'x': ser(x), 'weight': None if w is None else ser(w), 'bias': None if b is None else ser(b),
            'out': ser(out), 'gradOutput': ser(g), 'grads': grads, 'gradFn': type(out.grad_fn).__name__, **kw}


cases = {}
# F.batch_norm in training, over ranks 2..5, with and without the affine.
for name, shape, affine in [('bn_2d_input', (5, 3), True), ('bn_3d_input', (4, 3, 5), True),
                            ('bn_4d_input', (3, 4, 3, 2), True), ('bn_5d_input', (2, 3, 2, 3, 2), True),
                            ('bn_4d_noaffine', (3, 2, 4, 3), False)]:
    channels = shape[1]
    rm, rv = torch.zeros(channels, dtype=F64), torch.ones(channels, dtype=F64)
    c = functional_case(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3, eps=1e-4),
                        shape, channels, affine)
    c['running_mean'], c['running_var'] = ser(rm), ser(rv)
    cases[name] = c

# F.batch_norm in eval: the running statistics given.
rm_e, rv_e = rn(4, dtype=F64), rn(4, dtype=F64).abs() + 0.5
c = functional_case(lambda x, w, b: F.batch_norm(x, rm_e, rv_e, w, b, training=False, eps=1e-3), (3, 4, 2, 3), 4)
c['running_mean'], c['running_var'] = ser(rm_e), ser(rv_e)
cases['bn_eval'] = c

cases['gn'] = functional_case(lambda x, w, b: F.group_norm(x, 2, w, b, eps=1e-4), (3, 4, 3, 2), 4, groups=2)
cases['gn_3d_groups3'] = functional_case(lambda x, w, b: F.group_norm(x, 3, w, b), (2, 6, 5), 6, groups=3)
cases['gn_noaffine'] = functional_case(lambda x, w, b: F.group_norm(x, 4, None, None), (2, 4, 2, 2), 4, False, groups=4)
cases['in'] = functional_case(lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=1e-4), (3, 2, 4, 3), 2)
cases['in_noaffine'] = functional_case(lambda x, w, b: F.instance_norm(x), (2, 3, 5), 3, False)

for name, shape, size, alpha, beta, k in [('lrn_3d', (2, 5, 4), 3, 0.5, 0.75, 1.0), ('lrn_4d', (2, 6, 3, 2), 2, 0.3, 0.6, 2.0),
                                          ('lrn_5d', (1, 4, 2, 2, 2), 5, 1e-2, 0.75, 1.0)]:
    c = functional_case(lambda x, w, b: F.local_response_norm(x, size, alpha, beta, k), shape, shape[1], False)
    c.update(size=size, alpha=alpha, beta=beta, k=k)
    cases[name] = c

# F.instance_norm with running statistics: updated with the batch mean of the per-sample stats.
x_in = rn(3, 2, 4, dtype=F64) * 2 + 0.5
rm_in, rv_in = torch.zeros(2, dtype=F64), torch.ones(2, dtype=F64)
out_in = F.instance_norm(x_in, rm_in, rv_in, use_input_stats=True, momentum=0.2)
cases['in_running'] = {'x': ser(x_in), 'out': ser(out_in), 'running_mean': ser(rm_in), 'running_var': ser(rv_in)}
out_in_eval = F.instance_norm(x_in, rm_in, rv_in, use_input_stats=False)
cases['in_running']['eval_out'] = ser(out_in_eval)

# Double backward (a gradient penalty) through F.batch_norm, training and eval.
double = {}
for name, training in [('training', True), ('eval', False)]:
    x = leaf(rn(4, 3, 5, dtype=F64) * 2 + 0.5)
    w = leaf(rn(3, dtype=F64) + 1)
    b = leaf(rn(3, dtype=F64))
    rm, rv = rn(3, dtype=F64), rn(3, dtype=F64).abs() + 0.5
    out = F.batch_norm(x, rm.clone(), rv.clone(), w, b, training=training)
    G = rn(4, 3, 5, dtype=F64)
    gx, gw = torch.autograd.grad((out * G).sum(), [x, w], create_graph=True)
    penalty = gx.pow(2).sum() + gw.pow(2).sum()
    penalty.backward()
    double[name] = {'x': ser(x), 'weight': ser(w), 'bias': ser(b), 'running_mean': ser(rm), 'running_var': ser(rv),
                    'G': ser(G), 'gx': ser(gx), 'gw': ser(gw), 'penalty': float(penalty),
                    'grads': [None if t.grad is None else ser(t.grad) for t in (x, w, b)]}
x = leaf(rn(2, 4, 3, dtype=F64) * 2 + 0.5)
w = leaf(rn(4, dtype=F64) + 1)
b = leaf(rn(4, dtype=F64))
out = F.group_norm(x, 2, w, b)
G = rn(2, 4, 3, dtype=F64)
gx, gw = torch.autograd.grad((out * G).sum(), [x, w], create_graph=True)
penalty = gx.pow(2).sum() + gw.pow(2).sum()
penalty.backward()
double['group'] = {'x': ser(x), 'weight': ser(w), 'bias': ser(b), 'G': ser(G), 'gx': ser(gx), 'gw': ser(gw),
                   'penalty': float(penalty), 'grads': [None if t.grad is None else ser(t.grad) for t in (x, w, b)]}
cases['double_backward'] = double

# bfloat16 input to BatchNorm2d with float32 parameters (computed in float32, output rounded
# to bfloat16); bfloat16 values are stored as the float32 numbers they are.
bn16 = nn.BatchNorm2d(3)
x16 = (rn(4, 3, 2, 3) * 2 + 1).bfloat16().requires_grad_()
out16 = bn16(x16)
g16 = rn(4, 3, 2, 3)
out16.float().mul(g16).sum().backward()
cases['bf16'] = {'x': ser(x16.float()), 'out': ser(out16.float()), 'gradOutput': ser(g16), 'out_dtype': str(out16.dtype),
                 'grad_dtype': str(x16.grad.dtype), 'grads': [ser(x16.grad.float()), ser(bn16.weight.grad), ser(bn16.bias.grad)],
                 'running_mean': ser(bn16.running_mean), 'running_var': ser(bn16.running_var)}

# Modules: three training steps, then eval; momentum 0.1 and None.
modules = {}
for name, ctor, shape in [
    ('BatchNorm1d_2d', lambda: nn.BatchNorm1d(3, dtype=F64), (4, 3)),
    ('BatchNorm1d_3d', lambda: nn.BatchNorm1d(3, dtype=F64), (4, 3, 5)),
    ('BatchNorm2d', lambda: nn.BatchNorm2d(3, dtype=F64), (4, 3, 3, 2)),
    ('BatchNorm2d_momentum_none', lambda: nn.BatchNorm2d(3, momentum=None, dtype=F64), (4, 3, 3, 2)),
    ('BatchNorm3d', lambda: nn.BatchNorm3d(2, eps=1e-3, momentum=0.5, dtype=F64), (2, 2, 2, 3, 2)),
    ('BatchNorm2d_untracked', lambda: nn.BatchNorm2d(3, track_running_stats=False, dtype=F64), (4, 3, 3, 2)),
    ('InstanceNorm1d_tracked', lambda: nn.InstanceNorm1d(3, track_running_stats=True, dtype=F64), (2, 3, 5)),
    ('InstanceNorm2d_affine', lambda: nn.InstanceNorm2d(3, affine=True, dtype=F64), (2, 3, 3, 2)),
    ('InstanceNorm2d_unbatched', lambda: nn.InstanceNorm2d(3, dtype=F64), (3, 3, 2)),
    ('InstanceNorm3d', lambda: nn.InstanceNorm3d(2, dtype=F64), (2, 2, 2, 2, 3)),
    ('GroupNorm', lambda: nn.GroupNorm(2, 4, dtype=F64), (3, 4, 2, 2)),
]:
    m = ctor()
    steps = [rn(*shape, dtype=F64) * (i + 1) + i for i in range(3)]
    outs = [m(x) for x in steps]
    state = {k: ser(v) for k, v in m.state_dict().items()}
    m.eval()
    x_eval = rn(*shape, dtype=F64)
    modules[name] = {'shape': list(shape), 'steps': [ser(x) for x in steps], 'train_out': [ser(o) for o in outs],
                     'state': state, 'state_keys': list(m.state_dict().keys()), 'x_eval': ser(x_eval),
                     'eval_out': ser(m(x_eval)), 'repr': repr(m)}


def error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return str(e)
    raise AssertionError('no error')


errors = {
    'bn2d_3d_input': error(lambda: nn.BatchNorm2d(3)(torch.randn(2, 3, 4))),
    'bn3d_4d_input': error(lambda: nn.BatchNorm3d(3)(torch.randn(2, 3, 4, 4))),
    'bn1d_4d_input': error(lambda: nn.BatchNorm1d(3)(torch.randn(2, 3, 4, 4))),
    'bn_one_value': error(lambda: nn.BatchNorm2d(3)(torch.randn(1, 3, 1, 1))),
    'bn_weight_size': error(lambda: F.batch_norm(torch.randn(2, 3), None, None, torch.ones(4), training=True)),
    'bn_running_size': error(lambda: F.batch_norm(torch.randn(2, 3), torch.zeros(4), torch.ones(4), training=False)),
    'gn_divisible': error(lambda: F.group_norm(torch.randn(2, 5, 3), 2)),
    'gn_weight': error(lambda: F.group_norm(torch.randn(2, 4, 3), 2, torch.ones(3))),
    'gn_one_value': error(lambda: F.group_norm(torch.randn(1, 2, 1), 2)),
    'gn_module_divisible': error(lambda: nn.GroupNorm(2, 5)),
    'in_spatial': error(lambda: F.instance_norm(torch.randn(2, 3, 1))),
    'in_no_running': error(lambda: F.instance_norm(torch.randn(2, 3, 4), use_input_stats=False)),
    'in2d_1d_input': error(lambda: nn.InstanceNorm2d(3)(torch.randn(4))),
    'lrn_2d_input': error(lambda: F.local_response_norm(torch.randn(2, 3), 2)),
}

reprs = {
    'BatchNorm2d(64)': repr(nn.BatchNorm2d(64)),
    'BatchNorm3d(4, momentum=None)': repr(nn.BatchNorm3d(4, momentum=None)),
    'BatchNorm1d(5, eps=1e-3, affine=False)': repr(nn.BatchNorm1d(5, eps=1e-3, affine=False)),
    'InstanceNorm1d(3)': repr(nn.InstanceNorm1d(3)),
    'InstanceNorm2d(3, affine=True, track_running_stats=True)': repr(nn.InstanceNorm2d(3, affine=True, track_running_stats=True)),
    'GroupNorm(2, 4)': repr(nn.GroupNorm(2, 4)),
    'GroupNorm(1, 3, eps=1e-6, affine=False)': repr(nn.GroupNorm(1, 3, eps=1e-6, affine=False)),
    'LocalResponseNorm(2)': repr(nn.LocalResponseNorm(2)),
    'LocalResponseNorm(3, alpha=0.001, beta=0.5, k=2)': repr(nn.LocalResponseNorm(3, alpha=0.001, beta=0.5, k=2)),
}

state_keys = {
    'BatchNorm2d': list(nn.BatchNorm2d(2).state_dict().keys()),
    'BatchNorm2d_noaffine_untracked': list(nn.BatchNorm2d(2, affine=False, track_running_stats=False).state_dict().keys()),
    'InstanceNorm2d': list(nn.InstanceNorm2d(2).state_dict().keys()),
    'InstanceNorm2d_tracked': list(nn.InstanceNorm2d(2, track_running_stats=True).state_dict().keys()),
    'GroupNorm': list(nn.GroupNorm(1, 2).state_dict().keys()),
    'num_batches_tracked_dtype': str(nn.BatchNorm2d(2).num_batches_tracked.dtype),
}

out = {'torchVersion': torch.__version__, 'cases': cases, 'modules': modules, 'errors': errors, 'reprs': reprs,
       'stateKeys': state_keys}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'norm.json')
with open(path, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
print(f'wrote {os.path.normpath(path)} ({os.path.getsize(path)} bytes)')
