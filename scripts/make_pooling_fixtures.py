#!/usr/bin/env python3
"""Generate tests/fixtures/pooling.json: what PyTorch 1.13 computes for the pooling
functions that tests/pooling.test.ts checks (max, average, adaptive, unpooling and power
pooling in 1-3 dims), the modules' reprs and the error messages.

Run with the interpreter that has torch (PyTorch 1.13 here):
    /usr/bin/python3 scripts/make_pooling_fixtures.py

Each case names a torch.nn.functional function, its positional arguments after the input
and its keywords (snake_case, as Python spells them; the test camelCases them), and holds
the input, every output (values, then indices), the grad_fn name, and the input's gradient
for a grad_output of linspace(-1, 2) in the first output's shape. Inputs are rounded
normals; the tie and NaN cases are written out by hand.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from fixture_tensors import NAN, rn, ser  # noqa: E402

F32, F64 = torch.float32, torch.float64
torch.manual_seed(0)

cases = []


def case(name, fn, x, args=(), kwargs=None, grad=True):
    kwargs = kwargs or {}
    xs = x.clone().requires_grad_(grad)
    out = getattr(F, fn)(xs, *args, **kwargs)
    outs = list(out) if isinstance(out, tuple) else [out]
    entry = {'name': name, 'fn': fn, 'args': list(args), 'kwargs': kwargs, 'input': ser(x),
             'outputs': [ser(o) for o in outs], 'gradFn': None, 'grad': None}
    if grad:
        entry['gradFn'] = type(outs[0].grad_fn).__name__
        g = torch.linspace(-1, 2, outs[0].numel(), dtype=outs[0].dtype).reshape(outs[0].shape)
        outs[0].backward(g)
        entry['grad'] = ser(xs.grad)
    cases.append(entry)


x1 = rn(2, 3, 9)
x2 = rn(1, 2, 7, 9)
x3 = rn(1, 1, 5, 6, 7)

# ---- max pooling
case('max1d_basic', 'max_pool1d', x1, (2,))
case('max1d_ceil_pad_dil', 'max_pool1d', x1, (3, 2, 1, 2, True), {'return_indices': True})
case('max1d_unbatched', 'max_pool1d', x1[0], (3,), {'stride': 1, 'return_indices': True})
case('max2d_basic', 'max_pool2d', x2, (2,), {'return_indices': True})
case('max2d_resnet', 'max_pool2d', x2, (3, 2, 1), {'return_indices': True})
case('max2d_ceil_odd', 'max_pool2d', x2, (2,), {'ceil_mode': True, 'return_indices': True})
case('max2d_ceil_stride3', 'max_pool2d', x2, (3, 3), {'ceil_mode': True, 'padding': 1, 'return_indices': True})
case('max2d_rect', 'max_pool2d', x2, ((2, 3), (1, 2), (1, 0)), {'return_indices': True})
case('max2d_dilation', 'max_pool2d', x2, (3,), {'stride': 1, 'dilation': (2, 3), 'return_indices': True})
case('max2d_stride_gt_kernel', 'max_pool2d', x2, (2, 3), {'return_indices': True})
case('max2d_unbatched', 'max_pool2d', x2[0], (2, 1), {'return_indices': True})
case('max2d_kernel_eq_input_pad', 'max_pool2d', rn(1, 1, 3, 3), (4,), {'padding': 2, 'return_indices': True})
case('max2d_empty_batch', 'max_pool2d', rn(0, 2, 4, 4), (2,), {'return_indices': True})
case('max3d_basic', 'max_pool3d', x3, (2,), {'return_indices': True})
case('max3d_ceil_pad_dil', 'max_pool3d', x3, ((2, 3, 2), (2, 1, 3), (1, 1, 0), (1, 2, 1), True), {'return_indices': True})
case('max3d_unbatched', 'max_pool3d', x3[0], (3,), {'stride': 2, 'return_indices': True})
ties = torch.tensor([[[[1., 1., 2., 2.], [1., 1., 2., 2.], [0., 3., 3., 0.], [3., 0., 0., 3.]]]])
case('max2d_ties', 'max_pool2d', ties, (2,), {'return_indices': True}, grad=False)
case('max2d_ties_overlap', 'max_pool2d', ties, (2, 1), {'return_indices': True})
nan = torch.tensor([[[[1., NAN, 2., 5.], [NAN, 0., 2., 9.], [-1., -2., float('-inf'), float('-inf')],
                      [-3., -4., float('-inf'), float('-inf')]]]])
case('max2d_nan_inf', 'max_pool2d', nan, (2,), {'return_indices': True}, grad=False)
case('max3d_all_neg_inf', 'max_pool3d', torch.full((1, 1, 2, 2, 2), float('-inf')), (2,), {'return_indices': True}, grad=False)
case('max2d_f64', 'max_pool2d', x2.double(), (3, 2, 1), {'return_indices': True})

# ---- average pooling
case('avg1d_basic', 'avg_pool1d', x1, (3,))
case('avg1d_pad_ceil_nopad', 'avg_pool1d', x1, (4, 3, 2, True, False))
case('avg1d_unbatched', 'avg_pool1d', x1[0], (2,), {'stride': 1})
case('avg2d_basic', 'avg_pool2d', x2, (2,))
case('avg2d_pad', 'avg_pool2d', x2, (3, 2, 1))
case('avg2d_pad_nocount', 'avg_pool2d', x2, (3, 2, 1), {'count_include_pad': False})
case('avg2d_ceil', 'avg_pool2d', x2, (2,), {'ceil_mode': True})
case('avg2d_ceil_pad_stride3', 'avg_pool2d', x2, (3, 3, 1, True))
case('avg2d_ceil_pad_nocount', 'avg_pool2d', x2, (3, 3, 1, True, False))
case('avg2d_divisor', 'avg_pool2d', x2, ((2, 3),), {'stride': (1, 2), 'padding': (1, 1), 'divisor_override': 5})
case('avg2d_stride_gt_kernel', 'avg_pool2d', x2, (2, 3))
case('avg2d_unbatched', 'avg_pool2d', x2[0], (3,), {'stride': 2, 'padding': 1})
case('avg2d_empty_batch', 'avg_pool2d', rn(0, 2, 4, 4), (2,))
case('avg3d_basic', 'avg_pool3d', x3, (2,))
case('avg3d_pad_ceil', 'avg_pool3d', x3, ((3, 2, 3), 2, 1, True, False))
case('avg3d_divisor', 'avg_pool3d', x3, (2, 1), {'divisor_override': 3})
case('avg3d_unbatched', 'avg_pool3d', x3[0], (2,), {'ceil_mode': True})
case('avg2d_f64', 'avg_pool2d', x2.double(), (3, 2, 1), {'ceil_mode': True, 'count_include_pad': False})

# ---- adaptive pooling
case('aavg1d', 'adaptive_avg_pool1d', x1, (4,))
case('aavg1d_unbatched', 'adaptive_avg_pool1d', x1[0], (5,))
case('aavg2d', 'adaptive_avg_pool2d', x2, ((3, 4),))
case('aavg2d_one', 'adaptive_avg_pool2d', x2, ((1, 1),))
case('aavg2d_int', 'adaptive_avg_pool2d', x2, (2,))
case('aavg2d_none', 'adaptive_avg_pool2d', x2, ((None, 4),))
case('aavg2d_larger', 'adaptive_avg_pool2d', x2, ((10, 11),))
case('aavg2d_unbatched', 'adaptive_avg_pool2d', x2[0], (5,))
case('aavg2d_empty_batch', 'adaptive_avg_pool2d', rn(0, 2, 4, 4), (3,))
case('aavg3d', 'adaptive_avg_pool3d', x3, ((2, 4, 3),))
case('aavg3d_one', 'adaptive_avg_pool3d', x3, (1,))
case('aavg3d_none', 'adaptive_avg_pool3d', x3[0], ((None, 3, None),))
case('amax1d', 'adaptive_max_pool1d', x1, (4,), {'return_indices': True})
case('amax1d_unbatched', 'adaptive_max_pool1d', x1[0], (5,), {'return_indices': True})
case('amax2d', 'adaptive_max_pool2d', x2, ((3, 4),), {'return_indices': True})
case('amax2d_one', 'adaptive_max_pool2d', x2, (1,), {'return_indices': True})
case('amax2d_none', 'adaptive_max_pool2d', x2, ((None, 2),), {'return_indices': True})
case('amax2d_larger', 'adaptive_max_pool2d', x2, ((8, 10),), {'return_indices': True})
case('amax2d_unbatched', 'adaptive_max_pool2d', x2[0], (3,))
case('amax2d_nan', 'adaptive_max_pool2d', nan, (2,), {'return_indices': True}, grad=False)

# ---- unpooling (indices from PyTorch's own max pooling) and power pooling
for name, fn, pool, x, args, kwargs in [
    ('unpool2d', 'max_unpool2d', 'max_pool2d', x2[:, :, :6, :8], (2,), {}),
    ('unpool2d_stride_pad', 'max_unpool2d', 'max_pool2d', x2, (3, 2, 1), {}),
    ('unpool2d_output_size', 'max_unpool2d', 'max_pool2d', x2, (2,), {'output_size': (7, 9)}),
    ('unpool2d_output_size4', 'max_unpool2d', 'max_pool2d', x2, (2,), {'output_size': [1, 2, 7, 9]}),
    ('unpool2d_unbatched', 'max_unpool2d', 'max_pool2d', x2[0, :, :6, :8], (2,), {}),
    ('unpool1d', 'max_unpool1d', 'max_pool1d', x1, (3, 2), {}),
    ('unpool1d_output_size', 'max_unpool1d', 'max_pool1d', x1, (2,), {'output_size': [9]}),
]:
    pooled, indices = getattr(F, pool)(x, *args, return_indices=True)
    ukw = dict(kwargs)
    xs = pooled.clone().requires_grad_(True)
    out = getattr(F, fn)(xs, indices, *args, **ukw)
    g = torch.linspace(-1, 2, out.numel()).reshape(out.shape)
    out.backward(g)
    cases.append({'name': name, 'fn': fn, 'args': list(args), 'kwargs': ukw, 'input': ser(pooled), 'indices': ser(indices),
                  'outputs': [ser(out)], 'gradFn': type(out.grad_fn).__name__, 'grad': ser(xs.grad)})

xp = rn(1, 2, 7, 9).abs() + 0.1
case('lp2d', 'lp_pool2d', xp, (2, 2))
case('lp2d_p3_rect', 'lp_pool2d', xp, (3, (3, 2), (2, 1)))
case('lp2d_ceil', 'lp_pool2d', xp, (1.5, 2), {'ceil_mode': True})
case('lp1d', 'lp_pool1d', xp[0], (2, 3), {'stride': 2})
case('lp1d_ceil', 'lp_pool1d', xp[0], (2.5, 2, None, True))

# ---- module reprs
reprs = {}
for key, m in [
    ('MaxPool1d(2)', nn.MaxPool1d(2)),
    ('MaxPool2d(3, 2, 1)', nn.MaxPool2d(3, 2, 1)),
    ('MaxPool2d([3, 2], [1, 2])', nn.MaxPool2d((3, 2), (1, 2))),
    ('MaxPool2d(2, { ceilMode: true, returnIndices: true })', nn.MaxPool2d(2, ceil_mode=True, return_indices=True)),
    ('MaxPool3d(2, { dilation: 2 })', nn.MaxPool3d(2, dilation=2)),
    ('AvgPool1d(3)', nn.AvgPool1d(3)),
    ('AvgPool1d(3, 2, 1, true, false)', nn.AvgPool1d(3, 2, 1, True, False)),
    ('AvgPool2d(3, 2, 1)', nn.AvgPool2d(3, 2, 1)),
    ('AvgPool2d([2, 3], { divisorOverride: 2 })', nn.AvgPool2d((2, 3), divisor_override=2)),
    ('AvgPool3d(2)', nn.AvgPool3d(2)),
    ('AdaptiveAvgPool1d(3)', nn.AdaptiveAvgPool1d(3)),
    ('AdaptiveAvgPool2d([1, 1])', nn.AdaptiveAvgPool2d((1, 1))),
    ('AdaptiveAvgPool2d(1)', nn.AdaptiveAvgPool2d(1)),
    ('AdaptiveAvgPool2d([null, 3])', nn.AdaptiveAvgPool2d((None, 3))),
    ('AdaptiveAvgPool3d(2)', nn.AdaptiveAvgPool3d(2)),
    ('AdaptiveMaxPool1d(2)', nn.AdaptiveMaxPool1d(2)),
    ('AdaptiveMaxPool2d([2, null], true)', nn.AdaptiveMaxPool2d((2, None), True)),
    ('MaxUnpool1d(2)', nn.MaxUnpool1d(2)),
    ('MaxUnpool2d(2)', nn.MaxUnpool2d(2)),
    ('MaxUnpool2d([2, 3], 1, 1)', nn.MaxUnpool2d((2, 3), 1, 1)),
    ('LPPool1d(2, 3)', nn.LPPool1d(2, 3)),
    ('LPPool2d(2, 3, 2, true)', nn.LPPool2d(2, 3, 2, True)),
    ('LPPool2d(1.5, [2, 3])', nn.LPPool2d(1.5, (2, 3))),
    ('Sequential', nn.Sequential(nn.MaxPool2d(3, 2, 1), nn.AdaptiveAvgPool2d((1, 1)))),
]:
    reprs[key] = repr(m)

# ---- errors (inputs without grad: the path most programs take)
errors = {}


def err(key, f):
    try:
        f()
    except Exception as e:  # noqa: BLE001
        errors[key] = str(e)
        return
    raise AssertionError(f'{key}: no error')


x = torch.randn(2, 3, 8, 8)
err('max2d_pad', lambda: F.max_pool2d(x, 2, padding=2))
err('max2d_pad_dilated', lambda: F.max_pool2d(x, 3, padding=2, dilation=2))
err('max1d_pad', lambda: F.max_pool1d(x[0], 2, padding=2))
err('avg2d_pad', lambda: F.avg_pool2d(x, 2, padding=2))
err('max2d_too_small', lambda: F.max_pool2d(x, 10))
err('max3d_too_small', lambda: F.max_pool3d(torch.randn(1, 2, 4, 4, 4), 10))
err('avg2d_too_small', lambda: F.avg_pool2d(x, 10))
err('max2d_ndim', lambda: F.max_pool2d(torch.randn(8), 2))
err('max1d_ndim', lambda: F.max_pool1d(torch.randn(8), 2))
err('avg1d_ndim', lambda: F.avg_pool1d(torch.randn(8), 2))
err('max2d_stride0', lambda: F.max_pool2d(x, 2, 0))
err('max2d_dilation0', lambda: F.max_pool2d(x, 2, dilation=0))
err('max2d_kernel_len', lambda: F.max_pool2d(x, (2, 2, 2)))
err('avg2d_divisor0', lambda: F.avg_pool2d(x, 2, divisor_override=0))
err('max2d_empty_spatial', lambda: F.max_pool2d(torch.randn(2, 3, 0, 8), 2))
err('aavg2d_empty_spatial', lambda: F.adaptive_avg_pool2d(torch.randn(2, 3, 0, 8), 2))
err('aavg2d_ndim', lambda: F.adaptive_avg_pool2d(torch.randn(8), 2))
err('aavg2d_size_len', lambda: F.adaptive_avg_pool2d(x, (2, 2, 2)))
err('aavg1d_ndim', lambda: F.adaptive_avg_pool1d(x, 2))
err('amax2d_ndim', lambda: F.adaptive_max_pool2d(torch.randn(8), 2))
err('aavg2d_negative', lambda: F.adaptive_avg_pool2d(x, -1))
err('max2d_long', lambda: F.max_pool2d(x.long(), 2))
err('aavg2d_long', lambda: F.adaptive_avg_pool2d(x.long(), 2))
o, i = F.max_pool2d(x, 2, return_indices=True)
err('unpool2d_output_size', lambda: F.max_unpool2d(o, i, 2, output_size=(3, 3)))
bad = torch.zeros(2 * 3 * 4 * 4, dtype=torch.int64)
bad[70] = 70  # one index past the 8x8 plane
err('unpool2d_invalid_index', lambda: F.max_unpool2d(o, bad.reshape(2, 3, 4, 4), 2))
err('unpool2d_float_indices', lambda: F.max_unpool2d(o, i.float(), 2))
err('unpool2d_indices_shape', lambda: F.max_unpool2d(o, i[:, :, :2], 2))
err('unpool2d_ndim', lambda: F.max_unpool2d(o[0, 0], i[0, 0], 2))

# ---- the grad_fn of the gradient itself (createGraph), for double backward
double = {}
xd = torch.randn(1, 2, 6, 6, requires_grad=True)
for key, f in [('max_pool2d', lambda t: F.max_pool2d(t, 2)), ('avg_pool2d', lambda t: F.avg_pool2d(t, 2)),
               ('adaptive_avg_pool2d', lambda t: F.adaptive_avg_pool2d(t, 3)),
               ('adaptive_max_pool2d', lambda t: F.adaptive_max_pool2d(t, 3)),
               ('max_pool3d', lambda t: F.max_pool3d(t, 2)), ('avg_pool3d', lambda t: F.avg_pool3d(t, 2))]:
    y = f(xd)
    gx, = torch.autograd.grad(y, xd, torch.randn_like(y, requires_grad=True), create_graph=True)
    double[key] = type(gx.grad_fn).__name__

out = {'cases': cases, 'reprs': reprs, 'errors': errors, 'doubleBackward': double}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'pooling.json')
with open(path, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
print(f'wrote {len(cases)} cases, {len(reprs)} reprs, {len(errors)} errors to {os.path.normpath(path)}')
