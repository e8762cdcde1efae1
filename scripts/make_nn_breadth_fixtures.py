#!/usr/bin/env python3
"""Generate tests/fixtures/nn-breadth.json: what PyTorch 1.13 computes for the torch.nn /
torch.nn.functional pieces that tests/nn-breadth.test.ts checks.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_nn_breadth_fixtures.py

functional: one F.<fn> call each (`fn` is PyTorch's name; the test calls F.<camelCased name>),
    with positional `args` and keyword arguments `kw` (flint's camelCased names; this script
    calls PyTorch with the snake_case ones). Where `seed` is set the global generator is seeded
    with it just before the call (gumbel_softmax, rrelu in training), so the random draws are
    PyTorch's. Where `clone` is set the first argument is cloned first (an in-place call on a
    non-leaf). `out` is PyTorch's result (a list for the *_with_indices functions). Where `rg`
    lists argument positions, `grads` are d((out * W).sum()) / d arg for
    W = 0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0 repeating (the first output where there are
    several), `gradFn` is the output's grad_fn name, and `gradcheck` says the test also runs
    flint's float64 gradcheck (set only where PyTorch's own gradcheck passes).
modules: nn.<cls>(*args, **kw) called on `inputs`, in train() or eval() mode: `repr`, `out`,
    `grads` (for `rg`) and `gradFn`, seeded and cloned as above.
errors: PyTorch's exception type and message for bad input.

Callables (distance_function) are written as {"callable": name}: 'cosine' is
1 - cosine_similarity(a, b), 'l1' is nn.PairwiseDistance(p=1).
"""
import json
import math
import os
import re
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_json import enc, ser as ser_any

F64 = torch.float64
F32 = torch.float32
I64 = torch.int64
warnings.simplefilter('ignore')
GEN = torch.Generator().manual_seed(20240607)


def ser(x):
    """float32 as the shortest decimal that reads back as the same float32."""
    return ser_any(x, shortest_float32=True)


def randn(*shape, dtype=F32):
    return torch.randn(*shape, generator=GEN, dtype=F64).to(dtype)


def t(v, dtype=F64):
    return torch.tensor(v, dtype=dtype)


def weights(shape, dtype=F64):
    base = t([0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0], dtype)
    n = math.prod(shape)
    return base.repeat((n + 6) // 7)[:n].reshape(shape)


CALLABLES = {
    'cosine': lambda: (lambda a, b: 1 - F.cosine_similarity(a, b)),
    'l1': lambda: nn.PairwiseDistance(p=1),
}


def snake(name):
    return re.sub(r'([A-Z])', lambda m: '_' + m.group(1).lower(), name)


def enc_arg(a):
    if isinstance(a, torch.Tensor):
        return ser(a)
    if isinstance(a, dict) and 'callable' in a:
        return a
    if isinstance(a, torch.dtype):
        return str(a).replace('torch.', '')
    if isinstance(a, (list, tuple)):
        return [enc_arg(v) for v in a]
    if isinstance(a, float):
        return enc(a)
    return a


def dec_arg(a):
    if isinstance(a, dict) and 'callable' in a:
        return CALLABLES[a['callable']]()
    return a


def ser_out(o):
    return [ser(v) for v in o] if isinstance(o, (list, tuple)) else ser(o)


def first(o):
    return o[0] if isinstance(o, (list, tuple)) else o


def leaves_for(args, rg):
    args = list(args)
    leaves = []
    for i in rg:
        args[i] = args[i].clone().requires_grad_()
        leaves.append(args[i])
    return args, leaves


functional = []


def fcase(cid, fn, args, kw=None, rg=(), seed=None, clone=False, gradcheck=False):
    kw = kw or {}

    def call(a):
        a = list(a)
        if clone:
            a[0] = a[0].clone()
        if seed is not None:
            torch.manual_seed(seed)
        return getattr(F, fn)(*a, **{snake(k): dec_arg(v) for k, v in kw.items()})

    rec = {'id': cid, 'fn': fn, 'args': enc_arg(list(args)), 'out': ser_out(call(args))}
    if kw:
        rec['kw'] = {k: enc_arg(v) for k, v in kw.items()}
    if seed is not None:
        rec['seed'] = seed
    if clone:
        rec['clone'] = True
    if rg:
        a, leaves = leaves_for(args, rg)
        out = first(call(a))
        (out * weights(list(out.shape), out.dtype)).sum().backward()
        rec.update({'rg': list(rg), 'grads': [ser(v.grad) for v in leaves], 'gradFn': out.grad_fn.name()})
        if gradcheck:
            a, leaves = leaves_for(args, rg)

            def f(*ls):
                b = list(a)
                for i, leaf in zip(rg, ls):
                    b[i] = leaf
                return first(call(b))
            assert torch.autograd.gradcheck(f, leaves), cid
            rec['gradcheck'] = True
    functional.append(rec)


# ---- softmin
X34 = randn(3, 4)
fcase('softmin dim 1', 'softmin', [X34, 1], rg=[0])
fcase('softmin dim 0 float64', 'softmin', [randn(3, 4, dtype=F64), 0], rg=[0], gradcheck=True)
fcase('softmin dtype float64', 'softmin', [X34, -1], {'dtype': F64}, rg=[0])
fcase('softmin dim as option', 'softmin', [randn(2, 5)], {'dim': 1}, rg=[0])
fcase('softmin implicit dim of a 3-D input', 'softmin', [randn(2, 3, 2)], rg=[0])

# ---- gumbel_softmax: PyTorch's random stream after manual_seed
fcase('gumbel_softmax soft', 'gumbel_softmax', [randn(4, 5)], seed=0, rg=[0])
fcase('gumbel_softmax tau and dim float64', 'gumbel_softmax', [randn(3, 4, dtype=F64)], {'tau': 0.5, 'dim': 0}, seed=1, rg=[0],
      gradcheck=True)
fcase('gumbel_softmax hard', 'gumbel_softmax', [randn(4, 6)], {'hard': True}, seed=2, rg=[0])
fcase('gumbel_softmax hard float64 dim 0 tau 2', 'gumbel_softmax', [randn(5, 3, dtype=F64)], {'hard': True, 'tau': 2.0, 'dim': 0},
      seed=3, rg=[0])
fcase('gumbel_softmax 1-D', 'gumbel_softmax', [randn(7)], seed=4, rg=[0])

# ---- rrelu: eval is leaky_relu with the mean slope; training draws a slope per element <= 0
XR = t([[-1.5, 0.0, 2.0, -0.25, 3.0], [-4.0, -0.5, 1.0, 0.5, -2.0], [0.75, -3.0, -1.0, 4.0, -0.1]], F32)
XR64 = t([[-1.5, 0.3, 2.0, -0.25, 3.0], [-4.0, -0.5, 1.0, 0.5, -2.0]])
fcase('rrelu eval', 'rrelu', [XR], rg=[0])
fcase('rrelu eval bounds float64', 'rrelu', [XR64, 0.1, 0.3], rg=[0], gradcheck=True)
fcase('rrelu training', 'rrelu', [XR], {'training': True}, seed=5, rg=[0])
fcase('rrelu training bounds float64', 'rrelu', [XR64, 0.2, 0.6, True], seed=6, rg=[0], gradcheck=True)
fcase('rrelu training lower as option', 'rrelu', [randn(4, 6)], {'lower': 0.05, 'training': True}, seed=7, rg=[0])
fcase('rrelu training lower equals upper', 'rrelu', [XR, 0.2, 0.2, True], seed=8)
fcase('rrelu training NaN and infinities', 'rrelu', [t([float('nan'), float('-inf'), float('inf'), -1.0], F32)], {'training': True},
      seed=9)
fcase('rrelu inplace eval', 'rrelu', [XR], {'inplace': True}, clone=True, rg=[0])
fcase('rrelu inplace training', 'rrelu', [XR64, 0.1, 0.4, True, True], seed=10, clone=True, rg=[0])
fcase('rrelu_ training', 'rrelu_', [XR, 0.1, 0.3, True], seed=11, clone=True, rg=[0])
fcase('rrelu_ eval', 'rrelu_', [XR64], clone=True, rg=[0])

# ---- pdist
P = randn(5, 3)
P64 = randn(4, 3, dtype=F64)
fcase('pdist p=2', 'pdist', [P], rg=[0])
fcase('pdist p=1 float64', 'pdist', [P64, 1.0], rg=[0], gradcheck=True)
fcase('pdist p=1.5 float64', 'pdist', [P64, 1.5], rg=[0], gradcheck=True)
fcase('pdist p=3 as option', 'pdist', [P64], {'p': 3.0}, rg=[0], gradcheck=True)
fcase('pdist p=inf', 'pdist', [P64, float('inf')], rg=[0])
fcase('pdist p=0', 'pdist', [t([[1.0, 2.0, 3.0], [1.0, 0.0, 3.0], [0.0, 0.0, 0.0]]), 0.0])
fcase('pdist duplicate rows', 'pdist', [t([[1.0, 2.0], [1.0, 2.0], [3.0, 5.5]]), 2.0], rg=[0])
fcase('pdist one row', 'pdist', [randn(1, 3)])
fcase('pdist no rows', 'pdist', [torch.zeros(0, 3)])

# ---- multilabel_margin_loss: targets end at the first -1; entries after it are ignored
ML = randn(3, 4)
MT = t([[3, 0, -1, 1], [1, 1, -1, 0], [-1, 2, 3, 0]], I64)
ML64 = randn(4, 5, dtype=F64)
MT64 = t([[0, 4, -1, 0, 0], [2, 3, 1, 0, -1], [4, -1, 4, 4, 4], [0, 1, 2, 3, 4]], I64)
fcase('multilabel_margin_loss mean', 'multilabel_margin_loss', [ML, MT], rg=[0])
fcase('multilabel_margin_loss sum float64', 'multilabel_margin_loss', [ML64, MT64], {'reduction': 'sum'}, rg=[0], gradcheck=True)
fcase('multilabel_margin_loss none float64', 'multilabel_margin_loss', [ML64, MT64], {'reduction': 'none'}, rg=[0])
fcase('multilabel_margin_loss 1-D none', 'multilabel_margin_loss', [randn(4), t([2, 0, -1, 3], I64)], {'reduction': 'none'}, rg=[0])
fcase('multilabel_margin_loss 1-D mean', 'multilabel_margin_loss', [t([0.1, 0.2, 0.4, 0.8], F32), t([3, 0, -1, 1], I64)], rg=[0])
fcase('multilabel_margin_loss 0-d', 'multilabel_margin_loss', [t(0.5, F32), t(0, I64)], {'reduction': 'none'})
fcase('multilabel_margin_loss large margins', 'multilabel_margin_loss', [t([[5.0, -5.0, 0.5], [0.0, 0.0, 0.0]], F32), t([[0, -1, 2], [1, 2, -1]], I64)],
      rg=[0])

# ---- triplet_margin_with_distance_loss
A, PO, NE = randn(4, 5), randn(4, 5), randn(4, 5)
A64, PO64, NE64 = randn(3, 4, dtype=F64), randn(3, 4, dtype=F64), randn(3, 4, dtype=F64)
fcase('triplet_margin_with_distance_loss default', 'triplet_margin_with_distance_loss', [A, PO, NE], rg=[0, 1, 2])
fcase('triplet_margin_with_distance_loss swap none float64', 'triplet_margin_with_distance_loss', [A64, PO64, NE64],
      {'swap': True, 'reduction': 'none', 'margin': 2.0}, rg=[0, 1, 2], gradcheck=True)
fcase('triplet_margin_with_distance_loss cosine sum', 'triplet_margin_with_distance_loss', [A, PO, NE],
      {'distanceFunction': {'callable': 'cosine'}, 'margin': 0.5, 'reduction': 'sum'}, rg=[0, 1, 2])
fcase('triplet_margin_with_distance_loss l1 module swap', 'triplet_margin_with_distance_loss', [A64, PO64, NE64],
      {'distanceFunction': {'callable': 'l1'}, 'swap': True}, rg=[0, 1, 2], gradcheck=True)
fcase('triplet_margin_with_distance_loss 1-D', 'triplet_margin_with_distance_loss', [randn(6), randn(6), randn(6)], {'margin': 3.0},
      rg=[0, 1, 2])

# ---- adaptive_max_pool*_with_indices: always (values, indices)
fcase('adaptive_max_pool1d_with_indices', 'adaptive_max_pool1d_with_indices', [randn(2, 3, 7), 3], rg=[0])
fcase('adaptive_max_pool2d_with_indices', 'adaptive_max_pool2d_with_indices', [randn(1, 2, 5, 6), [2, 3]], rg=[0])
fcase('adaptive_max_pool2d_with_indices None size', 'adaptive_max_pool2d_with_indices', [randn(2, 4, 5)], {'outputSize': [3, None]},
      rg=[0])
fcase('adaptive_max_pool2d_with_indices return_indices False', 'adaptive_max_pool2d_with_indices', [randn(1, 3, 4), 2],
      {'returnIndices': False})
fcase('adaptive_max_pool3d_with_indices', 'adaptive_max_pool3d_with_indices', [randn(1, 1, 4, 4, 5, dtype=F64), 2], rg=[0],
      gradcheck=True)

# ---- modules
modules = []


def mcase(cid, cls, args, kw, inputs, rg=(), train=True, seed=None, clone=False):
    def build():
        m = getattr(nn, cls)(*[dec_arg(a) for a in args], **{snake(k): dec_arg(v) for k, v in kw.items()})
        return m.train() if train else m.eval()

    def call(xs):
        xs = list(xs)
        if clone:
            xs[0] = xs[0].clone()
        if seed is not None:
            torch.manual_seed(seed)
        return build()(*xs)

    rec = {'id': cid, 'cls': cls, 'args': enc_arg(list(args)), 'kw': {k: enc_arg(v) for k, v in kw.items()}, 'train': train,
           'inputs': [ser(x) for x in inputs], 'repr': repr(build()), 'out': ser(call(inputs))}
    if seed is not None:
        rec['seed'] = seed
    if clone:
        rec['clone'] = True
    if rg:
        xs, leaves = leaves_for(inputs, rg)
        out = call(xs)
        (out * weights(list(out.shape), out.dtype)).sum().backward()
        rec.update({'rg': list(rg), 'grads': [ser(v.grad) for v in leaves], 'gradFn': out.grad_fn.name()})
    modules.append(rec)


mcase('CosineSimilarity default', 'CosineSimilarity', [], {}, [randn(3, 4), randn(3, 4)], rg=[0, 1])
mcase('CosineSimilarity dim 0 eps as options, broadcast', 'CosineSimilarity', [], {'dim': 0, 'eps': 1e-6}, [randn(3, 1), randn(3, 4)],
      rg=[0, 1])
mcase('CosineSimilarity positional, eps clamps', 'CosineSimilarity', [-1, 0.5], {}, [randn(2, 3, dtype=F64) * 0.1, randn(2, 3, dtype=F64)],
      rg=[0, 1])
mcase('PairwiseDistance default', 'PairwiseDistance', [], {}, [randn(3, 4), randn(3, 4)], rg=[0, 1])
mcase('PairwiseDistance p and keepdim as options', 'PairwiseDistance', [], {'p': 1.0, 'keepdim': True}, [randn(3, 4), randn(3, 4)], rg=[0, 1])
mcase('PairwiseDistance positional', 'PairwiseDistance', [3.0, 1e-3, True], {}, [randn(2, 5, dtype=F64), randn(2, 5, dtype=F64)], rg=[0, 1])
mcase('PairwiseDistance p=inf and a keyword after a positional', 'PairwiseDistance', [float('inf')], {'eps': 0.0}, [randn(4), randn(4)],
      rg=[0, 1])
mcase('RReLU eval', 'RReLU', [], {}, [XR], rg=[0], train=False)
mcase('RReLU training', 'RReLU', [0.1, 0.3], {}, [XR], rg=[0], seed=12)
mcase('RReLU inplace training', 'RReLU', [0.1, 0.3], {'inplace': True}, [XR64], rg=[0], seed=13, clone=True)
mcase('RReLU upper as option, eval', 'RReLU', [], {'upper': 0.5}, [XR64], rg=[0], train=False)
mcase('Softmin', 'Softmin', [1], {}, [X34], rg=[0])
mcase('MultiLabelMarginLoss', 'MultiLabelMarginLoss', [], {}, [ML, MT], rg=[0])
mcase('MultiLabelMarginLoss none', 'MultiLabelMarginLoss', [], {'reduction': 'none'}, [ML64, MT64], rg=[0])
mcase('TripletMarginWithDistanceLoss default', 'TripletMarginWithDistanceLoss', [], {}, [A, PO, NE], rg=[0, 1, 2])
mcase('TripletMarginWithDistanceLoss l1 module, margin, swap', 'TripletMarginWithDistanceLoss', [],
      {'distanceFunction': {'callable': 'l1'}, 'margin': 0.5, 'swap': True}, [A, PO, NE], rg=[0, 1, 2])
mcase('TripletMarginWithDistanceLoss cosine function, none', 'TripletMarginWithDistanceLoss', [],
      {'distanceFunction': {'callable': 'cosine'}, 'reduction': 'none'}, [A, PO, NE], rg=[0, 1, 2])

# ---- errors
errors = []


def ecase(cid, fn, args, kw=None, rg=()):
    kw = kw or {}
    a = list(args)
    for i in rg:
        a[i] = a[i].clone().requires_grad_()
    try:
        getattr(F, fn)(*a, **{snake(k): dec_arg(v) for k, v in kw.items()})
    except Exception as e:  # noqa: BLE001
        rec = {'id': cid, 'fn': fn, 'args': enc_arg(list(args)), 'type': type(e).__name__, 'message': str(e)}
        if kw:
            rec['kw'] = {k: enc_arg(v) for k, v in kw.items()}
        if rg:
            rec['rg'] = list(rg)
        errors.append(rec)
        return
    raise AssertionError(f'{cid}: no error')


X24 = randn(2, 4)
T24 = t([[3, 0, -1, 1], [1, 2, -1, 0]], I64)
ecase('multilabel target too large', 'multilabel_margin_loss', [X24, t([[4, 0, -1, 1], [1, 2, -1, 0]], I64)])
ecase('multilabel target below -1', 'multilabel_margin_loss', [X24, t([[-2, 0, -1, 1], [1, 2, -1, 0]], I64)])
ecase('multilabel target out of range after -1', 'multilabel_margin_loss', [X24, t([[1, 0, -1, 9], [1, 2, -1, 0]], I64)])
ecase('multilabel int32 target', 'multilabel_margin_loss', [X24, T24.int()])
ecase('multilabel float target', 'multilabel_margin_loss', [X24, T24.float()])
ecase('multilabel int64 input', 'multilabel_margin_loss', [X24.long(), T24])
ecase('multilabel int64 input and int32 target', 'multilabel_margin_loss', [X24.long(), T24.int()])
ecase('multilabel narrow target', 'multilabel_margin_loss', [X24, T24[:, :3]])
ecase('multilabel 1-D input, 2-D target', 'multilabel_margin_loss', [X24[0], T24])
ecase('multilabel 3-D input', 'multilabel_margin_loss', [X24.reshape(2, 2, 2), T24])
ecase('multilabel no classes', 'multilabel_margin_loss', [torch.zeros(2, 0), torch.zeros(2, 0, dtype=I64)])
ecase('multilabel bad reduction', 'multilabel_margin_loss', [X24, T24], {'reduction': 'avg'})
ecase('pdist 1-D', 'pdist', [randn(3)])
ecase('pdist negative p', 'pdist', [randn(3, 2), -1.0])
ecase('pdist int64', 'pdist', [t([[1, 2], [3, 4]], I64)])
ecase('rrelu lower above upper', 'rrelu', [randn(3), 0.5, 0.2])
ecase('rrelu lower above upper, training', 'rrelu', [randn(3), 0.5, 0.2, True])
ecase('rrelu_ lower above upper', 'rrelu_', [randn(3), 0.5, 0.2])
ecase('rrelu int64 eval', 'rrelu', [t([1, -2], I64)])
ecase('rrelu int64 training', 'rrelu', [t([1, -2], I64)], {'training': True})
ecase('rrelu inplace on a leaf that requires grad', 'rrelu', [randn(3)], {'inplace': True}, rg=[0])
ecase('softmin dim out of range', 'softmin', [randn(2, 3), 2])
ecase('softmin int64', 'softmin', [t([1, 2], I64), 0])
ecase('gumbel_softmax dim out of range', 'gumbel_softmax', [randn(2, 3)], {'dim': 2})
ecase('triplet_margin_with_distance_loss bad reduction', 'triplet_margin_with_distance_loss', [randn(2, 3), randn(2, 3), randn(2, 3)],
      {'reduction': 'avg'})
ecase('adaptive_max_pool2d_with_indices 1-D input', 'adaptive_max_pool2d_with_indices', [randn(3), 2])

fixture = {'torch': torch.__version__, 'functional': functional, 'modules': modules, 'errors': errors}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'nn-breadth.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'), allow_nan=False)
    f.write('\n')
print(f'wrote {path}: {len(functional)} functional, {len(modules)} modules, {len(errors)} errors, {os.path.getsize(path)} bytes')
