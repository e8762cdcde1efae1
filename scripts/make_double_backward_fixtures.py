#!/usr/bin/env python3
"""Generate tests/fixtures/double-backward.json: what PyTorch 1.13 computes when the gradients
of a convolution, a pad, fold/unfold or layer norm are themselves differentiated (a
gradient penalty), checked by tests/double-backward.test.ts.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_double_backward_fixtures.py

Each case: float64 input x, weight w and bias b; y = op(x, w, b, **kwargs);
(gx, gw) = autograd.grad((y ** 2).sum(), (x, w), create_graph=True);
penalty = (gx ** 2).sum() + (gw * cos(gw)).sum(); penalty.backward(). Stored: the inputs,
gx, gw, the penalty, and x.grad, w.grad, b.grad. `folds`: the same for F.unfold, F.fold, F.pad, cat, stack and gather.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from fixture_tensors import ser  # noqa: E402

torch.manual_seed(0)
F64 = torch.float64

OPS = {
    'conv1d': F.conv1d, 'conv2d': F.conv2d, 'conv3d': F.conv3d,
    'conv_transpose1d': F.conv_transpose1d, 'conv_transpose2d': F.conv_transpose2d,
}
CASES = [
    ('conv2d stride 2, padding 1, 2 groups', 'conv2d', (2, 4, 7, 6), (6, 2, 3, 3), dict(stride=2, padding=1, groups=2)),
    ('conv2d dilation 2, no bias', 'conv2d', (2, 3, 8, 7), (4, 3, 3, 2), dict(padding=(2, 1), dilation=2), ),
    ('conv2d depthwise', 'conv2d', (1, 3, 6, 6), (3, 1, 3, 3), dict(padding=1, groups=3)),
    ('conv1d dilation 2', 'conv1d', (2, 3, 9), (4, 3, 3), dict(padding=2, dilation=2)),
    ('conv1d stride 3, ragged', 'conv1d', (2, 2, 11), (3, 2, 4), dict(stride=3)),
    ('conv3d', 'conv3d', (1, 2, 4, 5, 4), (3, 2, 2, 3, 2), dict(stride=(1, 2, 1), padding=(1, 0, 1))),
    ('conv_transpose2d output padding, 2 groups', 'conv_transpose2d', (2, 4, 4, 5), (4, 3, 3, 3),
     dict(stride=2, padding=1, output_padding=1, groups=2)),
    ('conv_transpose1d dilation', 'conv_transpose1d', (2, 3, 6), (3, 2, 3), dict(stride=2, dilation=2, padding=1)),
    ('conv2d same padding, even kernel', 'conv2d', (1, 2, 5, 6), (3, 2, 2, 4), dict(padding='same')),
]

cases = []
for name, op, xs, ws, kwargs in CASES:
    x = torch.randn(*xs, dtype=F64, requires_grad=True)
    w = torch.randn(*ws, dtype=F64, requires_grad=True)
    out_channels = ws[1] * kwargs.get('groups', 1) if op.startswith('conv_transpose') else ws[0]
    b = None if 'no bias' in name else torch.randn(out_channels, dtype=F64, requires_grad=True)
    y = OPS[op](x, w, b, **kwargs)
    gx, gw = torch.autograd.grad((y ** 2).sum(), (x, w), create_graph=True)
    penalty = (gx ** 2).sum() + (gw * gw.cos()).sum()
    penalty.backward()
    cases.append({
        'name': name, 'op': op, 'kwargs': kwargs,
        'x': ser(x), 'w': ser(w), 'b': None if b is None else ser(b),
        'gx': ser(gx), 'gw': ser(gw), 'penalty': float(penalty),
        'xGrad': ser(x.grad), 'wGrad': ser(w.grad), 'bGrad': None if b is None else ser(b.grad),
    })

# unfold and fold (each the other's adjoint): y = op(x); gx = grad(sum(y³), x, create_graph);
# penalty = sum(gx²); stored: x, gx, x.grad.
folds = []
for name, op, shape, args in [
    ('unfold kernel 2, padding 1, stride 2', 'unfold', (2, 3, 5, 4), dict(kernel_size=2, padding=1, stride=2)),
    ('unfold dilation 2, unbatched', 'unfold', (2, 6, 5), dict(kernel_size=(2, 3), dilation=2)),
    ('fold kernel 2, stride 1', 'fold', (2, 12, 12), dict(output_size=(4, 5), kernel_size=2)),
]:
    x = torch.randn(*shape, dtype=F64, requires_grad=True)
    y = getattr(F, op)(x, **args)
    (gx,) = torch.autograd.grad((y ** 3).sum(), (x,), create_graph=True)
    (gx ** 2).sum().backward()
    folds.append({'name': name, 'op': op, 'kwargs': args, 'x': ser(x), 'gx': ser(gx), 'xGrad': ser(x.grad)})
for name, shape, pad, mode in [
    ('pad reflect 2-D', (2, 2, 4, 5), [1, 2, 2, 1], 'reflect'),
    ('pad replicate 1-D', (2, 3, 5), [2, 3], 'replicate'),
    ('pad circular 2-D', (1, 2, 3, 4), [1, 1, 2, 0], 'circular'),
    ('pad constant, cropping', (2, 2, 4, 4), [1, -1, 0, 2], 'constant'),
]:
    x = torch.randn(*shape, dtype=F64, requires_grad=True)
    y = F.pad(x, pad, mode)
    (gx,) = torch.autograd.grad((y ** 3).sum(), (x,), create_graph=True)
    (gx ** 2).sum().backward()
    folds.append({'name': name, 'op': 'pad', 'kwargs': {'pad': pad, 'mode': mode}, 'x': ser(x), 'gx': ser(gx), 'xGrad': ser(x.grad)})

# cat, stack and gather, whose backwards are slices and a scatter_add
index = [[2, 0, 1], [1, 1, 0], [0, 2, 2]]
for name, op, shape in [
    ('cat of x, 2x and sin x along dim 1', 'cat', (2, 3)),
    ('stack of x and exp x', 'stack', (3, 2)),
    ('gather along dim 1', 'gather', (3, 3)),
]:
    x = torch.randn(*shape, dtype=F64, requires_grad=True)
    if op == 'cat':
        y = torch.cat([x, x * 2, x.sin()], 1)
    elif op == 'stack':
        y = torch.stack([x, x.exp()], 0)
    else:
        y = x.gather(1, torch.tensor(index))
    (gx,) = torch.autograd.grad((y ** 3).sum(), (x,), create_graph=True)
    (gx ** 2).sum().backward()
    folds.append({'name': name, 'op': op, 'kwargs': {'index': index}, 'x': ser(x), 'gx': ser(gx), 'xGrad': ser(x.grad)})

# layer norm: y = layer_norm(x, shape, w, b); (gx, gw) = grad(sum(y³), (x, w), create_graph);
# penalty = sum(gx²) + sum(gw²); stored: inputs, gx, gw and the three gradients.
norms = []
for name, xs, shape, affine in [
    ('layer norm over the last dim, affine', (3, 4, 5), [5], True),
    ('layer norm over two dims, affine', (2, 3, 4), [3, 4], True),
    ('layer norm without weight', (4, 6), [6], False),
]:
    x = torch.randn(*xs, dtype=F64, requires_grad=True)
    w = torch.randn(*shape, dtype=F64, requires_grad=True) if affine else None
    b = torch.randn(*shape, dtype=F64, requires_grad=True) if affine else None
    y = F.layer_norm(x, shape, w, b)
    wrt = (x, w) if affine else (x,)
    grads = torch.autograd.grad((y ** 3).sum(), wrt, create_graph=True)
    penalty = sum((g ** 2).sum() for g in grads)
    penalty.backward()
    norms.append({
        'name': name, 'shape': shape, 'x': ser(x), 'w': None if w is None else ser(w), 'b': None if b is None else ser(b),
        'gx': ser(grads[0]), 'gw': ser(grads[1]) if affine else None, 'penalty': float(penalty),
        'xGrad': ser(x.grad), 'wGrad': ser(w.grad) if affine else None, 'bGrad': ser(b.grad) if affine else None,
    })

out = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'double-backward.json')
with open(out, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases, 'folds': folds, 'norms': norms}, f)
print(f'wrote {len(cases)} cases to {out}')
