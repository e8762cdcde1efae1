#!/usr/bin/env python3
"""Generate tests/fixtures/nn-more.json: what PyTorch 1.13 computes for the torch.nn pieces
that tests/nn-more.test.ts checks: F.grid_sample / F.affine_grid, F.embedding_bag and
nn.EmbeddingBag, nn.AdaptiveLogSoftmaxWithLoss, F.max_unpool3d / nn.MaxUnpool3d,
F.fractional_max_pool2d/3d and nn.FractionalMaxPool2d/3d, and nn.utils's fusion helpers.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_nn_more_fixtures.py

functional: one F.<fn> call each (`fn` is PyTorch's name; the test calls F.<camelCased name>),
    with positional `args` and keyword arguments `kw` (flint's camelCased names; this script
    calls PyTorch with the snake_case ones). Every tensor argument is cloned before each call,
    so an in-place side effect (max_norm's renormalisation) starts from the same values;
    `after` is then argument `after.arg` as the call left it. Where `seed` is set the global
    generator is seeded just before the call (fractional pooling without samples draws them).
    `out` is PyTorch's result (a list where it returns several). Where `rg` lists argument
    positions, `grads` are d((out * W).sum()) / d arg for W = 0.5, -1.25, 2.0, 0.75, -0.5, 1.5,
    -2.0 repeating (the first output where there are several), `gradFn` is the output's
    grad_fn name, and `gradcheck` says the test also runs flint's float64 gradcheck (set only
    where PyTorch's own gradcheck passes). With scaleGradByFreq the reference gradient is
    PyTorch's unscaled one divided by each row's frequency, not PyTorch 1.13's CPU result,
    which divides some rows by another index's count (see true_frequency); `note` says so.
modules: nn.<cls>(*args, **kw) built right after torch.manual_seed(seed) (so the init is
    PyTorch's stream), in train() or eval() mode: `repr`, `stateDict`, then `method` called on
    `inputs` (the generator seeded with `callSeed` first where set): `out` (for
    AdaptiveLogSoftmaxWithLoss's forward, {output, loss}), and with `rg`, `grads` of the
    inputs and `paramGrads` of the parameters for d((out * W).sum()) (d(loss) for
    AdaptiveLogSoftmaxWithLoss), and `gradFn`.
fusion: fuse_conv_bn_eval / fuse_linear_bn_eval of layers built after manual_seed(seed), the
    norm's running statistics and affine parameters set to `bn`; the fused weight and bias,
    and the fused layer's output on `input`. weights: fuse_*_bn_weights on given tensors.
warnings: the messages PyTorch warns with.
errors: PyTorch's exception type and message for bad input.
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
GEN = torch.Generator().manual_seed(20240611)


def ser(x):
    """float32 as the shortest decimal that reads back as the same float32."""
    return ser_any(x, shortest_float32=True)


def randn(*shape, dtype=F32):
    return torch.randn(*shape, generator=GEN, dtype=F64).to(dtype)


def uniform(lo, hi, *shape, dtype=F32):
    return (torch.rand(*shape, generator=GEN, dtype=F64) * (hi - lo) + lo).to(dtype)


def t(v, dtype=F64):
    return torch.tensor(v, dtype=dtype)


def weights(shape, dtype=F64):
    base = t([0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0], dtype)
    n = math.prod(shape)
    return base.repeat((n + 6) // 7)[:n].reshape(shape)


def snake(name):
    return re.sub(r'([A-Z])', lambda m: '_' + m.group(1).lower(), name)


def enc_arg(a):
    if isinstance(a, torch.Tensor):
        return ser(a)
    if isinstance(a, (list, tuple)):
        return [enc_arg(v) for v in a]
    if isinstance(a, float):
        return enc(a)
    return a


def cloned(a):
    if isinstance(a, torch.Tensor):
        return a.clone()
    return a


def ser_out(o):
    if isinstance(o, (list, tuple)):
        return [ser(v) for v in o]
    return ser(o)


def first(o):
    return o[0] if isinstance(o, (list, tuple)) else o


def leaves_for(args, rg):
    args = [cloned(a) for a in args]
    leaves = []
    for i in rg:
        args[i] = args[i].detach().clone().requires_grad_()
        leaves.append(args[i])
    return args, leaves


functional = []


def true_frequency(grad, ids):
    """PyTorch 1.13's CPU embedding_bag backward divides by the wrong count where indices repeat
    (its CUDA kernel divides each row by its index's frequency): the
    reference is the unscaled gradient divided by each row's frequency."""
    counts = torch.bincount(ids.reshape(-1).long(), minlength=grad.shape[0]).clamp(min=1).to(grad.dtype)
    return grad / counts.unsqueeze(1)


def fcase(cid, fn, args, kw=None, rg=(), seed=None, gradcheck=False, after=None):
    kw = kw or {}

    def call(a):
        a = [cloned(v) for v in a]
        if seed is not None:
            torch.manual_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            out = getattr(F, fn)(*a, **{snake(k): cloned(v) for k, v in kw.items()})
        return out, a

    out, used = call(args)
    rec = {'id': cid, 'fn': fn, 'args': enc_arg(list(args)), 'out': ser_out(out)}
    if kw:
        rec['kw'] = {k: enc_arg(v) for k, v in kw.items()}
    if seed is not None:
        rec['seed'] = seed
    if after is not None:
        rec['after'] = {'arg': after, 'value': ser(used[after])}
    if rg:
        a, leaves = leaves_for(args, rg)
        if seed is not None:
            torch.manual_seed(seed)
        # PyTorch 1.13's scaled gradient is wrong (see true_frequency): take the unscaled one and rescale it.
        freq = kw.get('scaleGradByFreq', False)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            o = first(getattr(F, fn)(*a, **{snake(k): cloned(v) for k, v in kw.items() if not (freq and k == 'scaleGradByFreq')}))
        (o * weights(list(o.shape), o.dtype)).sum().backward()
        grads = [true_frequency(v.grad, args[0]) if freq else v.grad for v in leaves]
        rec.update({'rg': list(rg), 'grads': [ser(g) for g in grads], 'gradFn': o.grad_fn.name()})
        if freq:
            rec['note'] = 'grads: each row divided by its index frequency, not by the count PyTorch 1.13 CPU uses'
        if gradcheck:
            a, leaves = leaves_for(args, rg)

            def f(*ls):
                b = list(a)
                for i, leaf in zip(rg, ls):
                    b[i] = leaf
                if seed is not None:
                    torch.manual_seed(seed)
                with warnings.catch_warnings():
                    warnings.simplefilter('ignore')
                    return first(getattr(F, fn)(*b, **{snake(k): v for k, v in kw.items()}))
            assert torch.autograd.gradcheck(f, leaves), cid
            rec['gradcheck'] = True
    functional.append(rec)


# ---- grid_sample: every mode, padding and alignment, 4-d and 5-d, gradients for input and grid
X4 = randn(2, 3, 4, 5)
G4 = uniform(-1.2, 1.2, 2, 3, 4, 2)
X4d = randn(1, 2, 4, 5, dtype=F64)
G4d = uniform(-1.3, 1.3, 1, 3, 2, 2, dtype=F64)
GFAR = uniform(-3.5, 3.5, 1, 4, 3, 2, dtype=F64)
for mode in ['bilinear', 'nearest', 'bicubic']:
    for padding in ['zeros', 'border', 'reflection']:
        for align in [False, True]:
            fcase(f'grid_sample {mode} {padding} align={align}', 'grid_sample', [X4, G4],
                  {'mode': mode, 'paddingMode': padding, 'alignCorners': align}, rg=[0, 1])
        fcase(f'grid_sample {mode} {padding} float64', 'grid_sample', [X4d, G4d],
              {'mode': mode, 'paddingMode': padding, 'alignCorners': padding == 'border'}, rg=[0, 1], gradcheck=True)
    fcase(f'grid_sample {mode} reflection far outside', 'grid_sample', [X4d, GFAR],
          {'mode': mode, 'paddingMode': 'reflection', 'alignCorners': False}, rg=[0, 1], gradcheck=True)
    fcase(f'grid_sample {mode} reflection far outside align', 'grid_sample', [X4d, GFAR],
          {'mode': mode, 'paddingMode': 'reflection', 'alignCorners': True}, rg=[0, 1], gradcheck=True)
fcase('grid_sample positional mode and padding', 'grid_sample', [X4, G4, 'bilinear', 'border', True], rg=[0, 1])
fcase('grid_sample identity grid, align_corners', 'grid_sample', [X4[:1], F.affine_grid(t([[[1., 0, 0], [0, 1, 0]]], F32), [1, 3, 4, 5], True)],
      {'alignCorners': True})
fcase('grid_sample one-pixel rows reflection align', 'grid_sample', [randn(1, 2, 1, 4, dtype=F64), uniform(-2, 2, 1, 2, 3, 2, dtype=F64)],
      {'paddingMode': 'reflection', 'alignCorners': True}, rg=[0, 1])
fcase('grid_sample exact pixel centres nearest', 'grid_sample', [X4[:1], t([[[[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0], [-0.5, 0.5]]]], F32)],
      {'mode': 'nearest', 'alignCorners': True}, rg=[0, 1])
X5 = randn(2, 2, 3, 4, 5)
G5 = uniform(-1.2, 1.2, 2, 2, 3, 2, 3)
X5d = randn(1, 2, 3, 3, 4, dtype=F64)
G5d = uniform(-1.4, 1.4, 1, 2, 2, 2, 3, dtype=F64)
for mode in ['bilinear', 'nearest']:
    for padding in ['zeros', 'border', 'reflection']:
        fcase(f'grid_sample 5-d {mode} {padding}', 'grid_sample', [X5, G5],
              {'mode': mode, 'paddingMode': padding, 'alignCorners': padding != 'border'}, rg=[0, 1])
        fcase(f'grid_sample 5-d {mode} {padding} float64', 'grid_sample', [X5d, G5d],
              {'mode': mode, 'paddingMode': padding, 'alignCorners': padding == 'border'}, rg=[0, 1], gradcheck=True)

# ---- affine_grid
TH2 = randn(2, 2, 3)
TH3 = randn(2, 3, 4, dtype=F64)
for align in [False, True]:
    fcase(f'affine_grid 2-d align={align}', 'affine_grid', [TH2, [2, 3, 4, 5]], {'alignCorners': align}, rg=[0])
    fcase(f'affine_grid 3-d align={align} float64', 'affine_grid', [TH3, [2, 1, 2, 3, 4]], {'alignCorners': align}, rg=[0], gradcheck=True)
fcase('affine_grid positional align', 'affine_grid', [TH2, [2, 1, 3, 2], True], rg=[0])
fcase('affine_grid unit height align', 'affine_grid', [TH2, [2, 1, 1, 3]], {'alignCorners': True}, rg=[0])
fcase('affine_grid unit size', 'affine_grid', [TH2, [2, 5, 1, 1]], {'alignCorners': False}, rg=[0])
fcase('affine_grid large float32', 'affine_grid', [TH2, [2, 1, 7, 9]], {'alignCorners': False})

# ---- embedding_bag
W = randn(10, 3)
W64 = randn(10, 4, dtype=F64)
IDS = t([1, 2, 4, 5, 4, 3, 2, 9], I64)
OFF = t([0, 4], I64)
for mode in ['sum', 'mean', 'max']:
    fcase(f'embedding_bag {mode}', 'embedding_bag', [IDS, W, OFF], {'mode': mode}, rg=[1])
    fcase(f'embedding_bag {mode} float64', 'embedding_bag', [IDS, W64, t([0, 2, 2, 5], I64)], {'mode': mode}, rg=[1], gradcheck=True)
    fcase(f'embedding_bag {mode} 2-D input', 'embedding_bag', [t([[1, 2, 4], [5, 4, 3], [2, 9, 9]], I64), W], {'mode': mode}, rg=[1])
    fcase(f'embedding_bag {mode} padding_idx', 'embedding_bag', [t([2, 2, 4, 5, 2, 3, 2, 9, 2], I64), W, t([0, 2, 5, 8], I64)],
          {'mode': mode, 'paddingIdx': 2}, rg=[1])
    fcase(f'embedding_bag {mode} include_last_offset', 'embedding_bag', [IDS, W, t([0, 3, 3, 8], I64)],
          {'mode': mode, 'includeLastOffset': True}, rg=[1])
    fcase(f'embedding_bag {mode} max_norm', 'embedding_bag', [IDS, W64 * 2, OFF], {'mode': mode, 'maxNorm': 1.5}, rg=[1], after=1)
fcase('embedding_bag max_norm renormalises the padding row too', 'embedding_bag', [t([2, 1, 2, 3], I64), W64 * 3, t([0, 2], I64)],
      {'mode': 'sum', 'maxNorm': 1.0, 'paddingIdx': 2}, rg=[1], after=1)
fcase('embedding_bag default mean', 'embedding_bag', [IDS, W, t([0, 1, 6], I64)], rg=[1])
fcase('embedding_bag sum scale_grad_by_freq', 'embedding_bag', [IDS, W, OFF], {'mode': 'sum', 'scaleGradByFreq': True}, rg=[1])
# scale_grad_by_freq is not the derivative on purpose: no gradcheck.
fcase('embedding_bag mean scale_grad_by_freq float64', 'embedding_bag', [IDS, W64, t([0, 3], I64)], {'scaleGradByFreq': True}, rg=[1])
fcase('embedding_bag per_sample_weights', 'embedding_bag', [IDS, W, OFF, None, 2.0, False, 'sum', False, uniform(0, 2, 8)], rg=[1, 8])
fcase('embedding_bag per_sample_weights float64 padding', 'embedding_bag',
      [t([1, 0, 4, 0, 4], I64), W64, t([0, 2], I64), None, 2.0, False, 'sum', False, uniform(-1, 1, 5, dtype=F64), False, 0], rg=[1, 8],
      gradcheck=True)
fcase('embedding_bag per_sample_weights 2-D', 'embedding_bag', [t([[1, 2], [4, 4]], I64), W], {'mode': 'sum', 'perSampleWeights': uniform(0, 1, 2, 2)},
      rg=[1])
fcase('embedding_bag negative padding_idx', 'embedding_bag', [t([9, 1, 9, 2], I64), W, t([0, 2], I64)], {'paddingIdx': -1, 'mode': 'sum'}, rg=[1])
fcase('embedding_bag int32 indices and offsets', 'embedding_bag', [IDS.int(), W, OFF.int()], {'mode': 'sum'}, rg=[1])
fcase('embedding_bag int32 indices, int64 offsets', 'embedding_bag', [IDS.int(), W, OFF], {'mode': 'max'}, rg=[1])
fcase('embedding_bag empty bags', 'embedding_bag', [t([3, 4], I64), W, t([0, 0, 2, 2], I64)], {'mode': 'max'}, rg=[1])
fcase('embedding_bag empty bags mean', 'embedding_bag', [t([3, 4], I64), W, t([0, 0, 2, 2], I64)], rg=[1])
fcase('embedding_bag no indices', 'embedding_bag', [t([], I64), W, t([0, 0], I64)], {'mode': 'sum'})
fcase('embedding_bag max ties', 'embedding_bag', [t([0, 1, 1, 0], I64), t([[1.0, 2.0], [1.0, 2.0]], F32), t([0], I64)], {'mode': 'max'}, rg=[1])
fcase('embedding_bag float16', 'embedding_bag', [IDS, W.half(), OFF], {'mode': 'sum'})

# ---- max_unpool3d
P3 = randn(2, 2, 4, 4, 6)
PV, PI = F.max_pool3d(P3, 2, return_indices=True)
fcase('max_unpool3d', 'max_unpool3d', [PV, PI, 2], rg=[0])
fcase('max_unpool3d output_size', 'max_unpool3d', [PV, PI, 2], {'outputSize': [5, 5, 7]}, rg=[0])
# Windows that do not overlap: each index is written once.
PV2, PI2 = F.max_pool3d(randn(1, 3, 5, 4, 4, dtype=F64), (3, 2, 2), stride=(3, 2, 2), padding=(1, 0, 1), return_indices=True)
fcase('max_unpool3d stride padding float64', 'max_unpool3d', [PV2, PI2, [3, 2, 2], [3, 2, 2], [1, 0, 1], [5, 4, 4]], rg=[0], gradcheck=True)
fcase('max_unpool3d 4-d input', 'max_unpool3d', [PV[0], PI[0], 2], {'stride': 2}, rg=[0])

# ---- fractional_max_pool
FX = randn(2, 3, 9, 11)
FX64 = randn(1, 2, 8, 7, dtype=F64)
fcase('fractional_max_pool2d output_size', 'fractional_max_pool2d', [FX, 3],
      {'outputSize': [4, 5], '_randomSamples': uniform(0, 1, 2, 3, 2)}, rg=[0])
fcase('fractional_max_pool2d return_indices', 'fractional_max_pool2d', [FX, [2, 3]],
      {'outputSize': [5, 4], 'returnIndices': True, '_randomSamples': uniform(0, 1, 2, 3, 2)}, rg=[0])
fcase('fractional_max_pool2d output_ratio', 'fractional_max_pool2d', [FX, 2],
      {'outputRatio': [0.5, 0.7], 'returnIndices': True, '_randomSamples': uniform(0, 1, 2, 3, 2)}, rg=[0])
fcase('fractional_max_pool2d float64', 'fractional_max_pool2d', [FX64, 2],
      {'outputSize': 3, 'returnIndices': True, '_randomSamples': uniform(0, 1, 1, 2, 2, dtype=F64)}, rg=[0], gradcheck=True)
fcase('fractional_max_pool2d 3-D input', 'fractional_max_pool2d', [FX[0], 2],
      {'outputSize': [4, 4], 'returnIndices': True, '_randomSamples': uniform(0, 1, 1, 3, 2)}, rg=[0])
fcase('fractional_max_pool2d output 1 and full', 'fractional_max_pool2d', [FX, [2, 1]],
      {'outputSize': [1, 11], 'returnIndices': True, '_randomSamples': uniform(0, 1, 2, 3, 2)}, rg=[0])
fcase('fractional_max_pool2d samples near 1', 'fractional_max_pool2d', [FX, 2],
      {'outputSize': [6, 7], 'returnIndices': True, '_randomSamples': t([0.999999, 0.0, 0.5, 0.9999999, 0.25, 0.75] * 2, F32).reshape(2, 3, 2)})
fcase('fractional_max_pool2d drawn samples', 'fractional_max_pool2d', [FX, 2], {'outputSize': 4, 'returnIndices': True}, seed=3, rg=[0])
fcase('fractional_max_pool2d drawn samples float64', 'fractional_max_pool2d', [FX64, 3], {'outputRatio': 0.5}, seed=4)
fcase('fractional_max_pool2d_with_indices', 'fractional_max_pool2d_with_indices', [FX, 2],
      {'outputSize': 4, '_randomSamples': uniform(0, 1, 2, 3, 2)}, rg=[0])
FV = randn(1, 2, 7, 6, 8)
fcase('fractional_max_pool3d', 'fractional_max_pool3d', [FV, 2],
      {'outputSize': [3, 4, 5], 'returnIndices': True, '_randomSamples': uniform(0, 1, 1, 2, 3)}, rg=[0])
fcase('fractional_max_pool3d kernel tuple, ratio', 'fractional_max_pool3d', [FV, [3, 2, 1]],
      {'outputRatio': [0.5, 0.5, 0.75], 'returnIndices': True, '_randomSamples': uniform(0, 1, 1, 2, 3)}, rg=[0])
fcase('fractional_max_pool3d float64 4-D input', 'fractional_max_pool3d', [randn(2, 5, 5, 6, dtype=F64), 2],
      {'outputSize': [3, 3, 4], 'returnIndices': True, '_randomSamples': uniform(0, 1, 1, 2, 3, dtype=F64)}, rg=[0], gradcheck=True)
fcase('fractional_max_pool3d drawn samples', 'fractional_max_pool3d', [FV, 2], {'outputSize': 3}, seed=5, rg=[0])
fcase('fractional_max_pool3d_with_indices', 'fractional_max_pool3d_with_indices', [FV, 2],
      {'outputSize': 2, '_randomSamples': uniform(0, 1, 1, 2, 3)})

# ---- modules
modules = []


def module_out(o):
    if isinstance(o, tuple) and hasattr(o, '_fields'):
        return {k: ser(v) for k, v in zip(o._fields, o)}
    return ser_out(o)


def mcase(cid, cls, args, kw, inputs, rg=(), train=True, seed=0, method='forward', call_seed=None, grads=True, from_pretrained=None):
    def build():
        torch.manual_seed(seed)
        if from_pretrained is not None:
            m = getattr(nn, cls).from_pretrained(from_pretrained, **{snake(k): v for k, v in kw.items()})
        else:
            m = getattr(nn, cls)(*args, **{snake(k): getattr(torch, v) if k == 'dtype' else cloned(v) for k, v in kw.items()})
        return m.train() if train else m.eval()

    def call(m, xs):
        if call_seed is not None:
            torch.manual_seed(call_seed)
        return getattr(m, method)(*xs)

    m = build()
    rec = {'id': cid, 'cls': cls, 'args': enc_arg(list(args)), 'kw': {k: enc_arg(v) for k, v in kw.items()}, 'seed': seed, 'train': train,
           'method': method, 'inputs': [ser(x) if isinstance(x, torch.Tensor) else x for x in inputs], 'repr': repr(m),
           'stateDict': {k: ser(v) for k, v in m.state_dict().items()}, 'out': module_out(call(m, inputs))}
    if from_pretrained is not None:
        rec['fromPretrained'] = ser(from_pretrained)
    if call_seed is not None:
        rec['callSeed'] = call_seed
    if grads:
        # PyTorch 1.13's scaled gradient is wrong (see true_frequency): take the unscaled one and rescale it.
        freq = kw.get('scaleGradByFreq', False)
        if freq:
            kw = {k: v for k, v in kw.items() if k != 'scaleGradByFreq'}
        m = build()
        xs, leaves = leaves_for(inputs, rg)
        o = call(m, xs)
        if hasattr(o, 'loss'):
            o.loss.backward()
            o = o.output
        else:
            o = first(o)
            (o * weights(list(o.shape), o.dtype)).sum().backward()
        rec.update({'rg': list(rg), 'grads': [ser(v.grad) for v in leaves], 'gradFn': o.grad_fn.name(),
                    'paramGrads': {k: ser(true_frequency(p.grad, inputs[0]) if freq else p.grad) for k, p in m.named_parameters()
                                   if p.grad is not None}})
        if freq:
            rec['note'] = 'paramGrads: each row divided by its index frequency, not by the count PyTorch 1.13 CPU uses'
    modules.append(rec)


mcase('EmbeddingBag default', 'EmbeddingBag', [10, 3], {}, [IDS, OFF])
mcase('EmbeddingBag sum padding_idx float64', 'EmbeddingBag', [10, 4], {'mode': 'sum', 'paddingIdx': 0, 'dtype': 'float64'},
      [t([[0, 3, 4], [5, 0, 0]], I64)], seed=1)
mcase('EmbeddingBag max options', 'EmbeddingBag', [12, 3],
      {'mode': 'max', 'maxNorm': 1.0, 'normType': 3.0, 'includeLastOffset': True, 'paddingIdx': -2}, [IDS, t([0, 2, 8], I64)], seed=2)
mcase('EmbeddingBag mean scale_grad_by_freq', 'EmbeddingBag', [10, 2], {'scaleGradByFreq': True}, [IDS, t([0, 3, 3], I64)], seed=3)
mcase('EmbeddingBag per_sample_weights', 'EmbeddingBag', [10, 3], {'mode': 'sum'}, [IDS, OFF, uniform(0, 1, 8)], rg=[2], seed=4)
mcase('EmbeddingBag.from_pretrained', 'EmbeddingBag', [], {'freeze': False, 'mode': 'sum', 'paddingIdx': 1},
      [IDS, OFF], seed=5, from_pretrained=randn(10, 2))
ASM_X = randn(6, 16)
ASM_T = t([0, 5, 9, 2, 3, 7], I64)
mcase('AdaptiveLogSoftmaxWithLoss', 'AdaptiveLogSoftmaxWithLoss', [16, 10, [3, 6]], {'divValue': 2.0}, [ASM_X, ASM_T], rg=[0], seed=6)
mcase('AdaptiveLogSoftmaxWithLoss head_bias, three clusters', 'AdaptiveLogSoftmaxWithLoss', [8, 20, [2, 5, 11]], {'headBias': True},
      [randn(5, 8), t([19, 0, 4, 11, 1], I64)], rg=[0], seed=7)
mcase('AdaptiveLogSoftmaxWithLoss shortlist only', 'AdaptiveLogSoftmaxWithLoss', [8, 20, [5, 11]], {}, [randn(3, 8), t([0, 4, 1], I64)],
      rg=[0], seed=8)
mcase('AdaptiveLogSoftmaxWithLoss 0-d target', 'AdaptiveLogSoftmaxWithLoss', [16, 10, [3, 6]], {'divValue': 2.0}, [ASM_X[1], t(8, I64)],
      rg=[0], seed=6)
mcase('AdaptiveLogSoftmaxWithLoss float64 div 3', 'AdaptiveLogSoftmaxWithLoss', [10, 12, [4, 8]], {'divValue': 3.0, 'dtype': 'float64'},
      [randn(4, 10, dtype=F64), t([11, 4, 8, 0], I64)], rg=[0], seed=9)
mcase('AdaptiveLogSoftmaxWithLoss log_prob', 'AdaptiveLogSoftmaxWithLoss', [16, 10, [3, 6]], {'divValue': 2.0}, [ASM_X], rg=[0], seed=6,
      method='log_prob')
mcase('AdaptiveLogSoftmaxWithLoss predict', 'AdaptiveLogSoftmaxWithLoss', [16, 10, [3, 6]], {'divValue': 2.0}, [randn(40, 16) * 3], seed=6,
      method='predict', grads=False)
mcase('AdaptiveLogSoftmaxWithLoss predict all in clusters', 'AdaptiveLogSoftmaxWithLoss', [4, 10, [1, 2]], {'headBias': True},
      [randn(5, 4)], seed=10, method='predict', grads=False)
mcase('MaxUnpool3d', 'MaxUnpool3d', [2], {}, [PV, PI], rg=[0])
mcase('MaxUnpool3d stride padding', 'MaxUnpool3d', [[3, 2, 2], [3, 2, 2], [1, 0, 1]], {}, [PV2, PI2, [1, 3, 5, 4, 4]], rg=[0])
mcase('FractionalMaxPool2d samples', 'FractionalMaxPool2d', [3], {'outputSize': [4, 5], '_randomSamples': uniform(0, 1, 2, 3, 2)}, [FX], rg=[0])
mcase('FractionalMaxPool2d ratio, drawn samples', 'FractionalMaxPool2d', [2], {'outputRatio': 0.5, 'returnIndices': True}, [FX], rg=[0],
      call_seed=11)
mcase('FractionalMaxPool3d', 'FractionalMaxPool3d', [[2, 2, 3]], {'outputSize': 3, 'returnIndices': True}, [FV], rg=[0], call_seed=12)

# ---- fusion
fusion = []


def bn_state(c, dtype=F32):
    return {'running_mean': randn(c, dtype=dtype), 'running_var': uniform(0.5, 2.0, c, dtype=dtype), 'weight': randn(c, dtype=dtype),
            'bias': randn(c, dtype=dtype)}


def fuse_case(cid, kind, args, kw, bn_cls, bn_args, x, seed, affine=True, transpose=False, eps=1e-5):
    torch.manual_seed(seed)
    layer = getattr(nn, kind)(*args, **{snake(k): v for k, v in kw.items()}).eval()
    bn = getattr(nn, bn_cls)(*bn_args, eps=eps, affine=affine).eval()
    state = bn_state(bn_args[0])
    if not affine:
        del state['weight'], state['bias']
    with torch.no_grad():
        for k, v in state.items():
            getattr(bn, k).copy_(v)
    if kind == 'Linear':
        fused = torch.nn.utils.fusion.fuse_linear_bn_eval(layer, bn)
    else:
        fused = torch.nn.utils.fusion.fuse_conv_bn_eval(layer, bn, transpose)
    fusion.append({'id': cid, 'kind': kind, 'args': args, 'kw': kw, 'seed': seed, 'bnCls': bn_cls, 'bnArgs': bn_args, 'eps': eps,
                   'affine': affine, 'transpose': transpose, 'bn': {k: ser(v) for k, v in state.items()}, 'input': ser(x),
                   'weight': ser(fused.weight), 'bias': ser(fused.bias), 'out': ser(fused(x)), 'reference': ser(bn(layer(x)))})


fuse_case('Conv2d + BatchNorm2d', 'Conv2d', [3, 4, 3], {'padding': 1}, 'BatchNorm2d', [4], randn(2, 3, 5, 5), 20)
fuse_case('Conv2d without bias + BatchNorm2d without affine', 'Conv2d', [3, 4, 2], {'bias': False}, 'BatchNorm2d', [4], randn(1, 3, 4, 4), 21,
          affine=False, eps=1e-3)
fuse_case('Conv1d + BatchNorm1d', 'Conv1d', [2, 5, 3], {}, 'BatchNorm1d', [5], randn(2, 2, 7), 22)
fuse_case('ConvTranspose2d + BatchNorm2d, transpose', 'ConvTranspose2d', [3, 2, 3], {'stride': 2}, 'BatchNorm2d', [2], randn(1, 3, 3, 3), 23,
          transpose=True)
fuse_case('Linear + BatchNorm1d', 'Linear', [6, 4], {}, 'BatchNorm1d', [4], randn(3, 6), 24)
fuse_case('Linear without bias + BatchNorm1d', 'Linear', [6, 4], {'bias': False}, 'BatchNorm1d', [4], randn(3, 6), 25, eps=0.1)

weights_cases = []
CW = randn(4, 2, 3, 3, dtype=F64)
RM, RV, BW, BB = randn(4, dtype=F64), uniform(0.5, 2, 4, dtype=F64), randn(4, dtype=F64), randn(4, dtype=F64)
for cid, fn, wargs in [
    ('fuse_conv_bn_weights', 'fuse_conv_bn_weights', [CW, randn(4, dtype=F64), RM, RV, 1e-5, BW, BB]),
    ('fuse_conv_bn_weights no conv bias, no affine', 'fuse_conv_bn_weights', [CW, None, RM, RV, 1e-3, None, None]),
    ('fuse_conv_bn_weights transpose', 'fuse_conv_bn_weights', [randn(3, 4, 2, 2, dtype=F64), None, RM, RV, 1e-5, BW, BB, True]),
    ('fuse_linear_bn_weights', 'fuse_linear_bn_weights', [randn(4, 5, dtype=F64), randn(4, dtype=F64), RM, RV, 1e-5, BW, BB]),
    ('fuse_linear_bn_weights no bias', 'fuse_linear_bn_weights', [randn(4, 5, dtype=F64), None, RM, RV, 1e-5, BW, BB]),
]:
    w, b = getattr(torch.nn.utils.fusion, fn)(*wargs)
    assert isinstance(w, nn.Parameter) and isinstance(b, nn.Parameter)
    weights_cases.append({'id': cid, 'fn': fn, 'args': enc_arg(wargs), 'weight': ser(w), 'bias': ser(b)})

# ---- warnings
caught = []
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter('always')
    F.grid_sample(X4, G4)
    F.affine_grid(TH2, [2, 1, 2, 2])
    F.affine_grid(TH2, [2, 1, 1, 3], align_corners=True)
    F.embedding_bag(W, IDS, OFF)
    caught = [str(x.message) for x in w]
warning_messages = {'gridSample': caught[0], 'affineGrid': caught[1], 'affineGridUnitSize': caught[2], 'embeddingBagOrder': caught[3]}

# ---- errors
errors = []


def ecase(cid, fn, args, kw=None, module=False):
    kw = kw or {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            target = getattr(nn, fn) if module else getattr(F, fn)
            target(*args, **{snake(k): v for k, v in kw.items()})
    except Exception as e:  # noqa: BLE001
        rec = {'id': cid, 'fn': fn, 'args': enc_arg(list(args)), 'type': type(e).__name__, 'message': str(e)}
        if kw:
            rec['kw'] = {k: enc_arg(v) for k, v in kw.items()}
        if module:
            rec['module'] = True
        errors.append(rec)
        return
    raise AssertionError(f'{cid}: no error')


x4 = randn(1, 2, 3, 4)
g4 = torch.zeros(1, 2, 2, 2)
ecase('grid_sample bad mode', 'grid_sample', [x4, g4], {'mode': 'linear'})
ecase('grid_sample bad padding', 'grid_sample', [x4, g4], {'paddingMode': 'wrap'})
ecase('grid_sample batch mismatch', 'grid_sample', [x4, torch.zeros(2, 2, 2, 2)], {'alignCorners': False})
ecase('grid_sample grid last dim', 'grid_sample', [x4, torch.zeros(1, 2, 2, 3)], {'alignCorners': False})
ecase('grid_sample 3-d input', 'grid_sample', [x4[0], g4[0]], {'alignCorners': False})
ecase('grid_sample empty spatial', 'grid_sample', [torch.zeros(1, 2, 0, 4), g4], {'alignCorners': False})
ecase('grid_sample 4-d input 5-d grid', 'grid_sample', [x4, torch.zeros(1, 2, 2, 2, 2)], {'alignCorners': False})
ecase('grid_sample 6-d', 'grid_sample', [torch.zeros(1, 2, 3, 4, 5, 6), torch.zeros(1, 2, 2, 2, 3, 4)], {'alignCorners': False})
ecase('grid_sample bicubic 5-d', 'grid_sample', [X5, G5], {'mode': 'bicubic', 'alignCorners': False})
ecase('grid_sample int64', 'grid_sample', [x4.long(), g4.long()], {'alignCorners': False})
ecase('grid_sample 5-d int64', 'grid_sample', [X5.long(), G5.long()], {'alignCorners': False})
ecase('grid_sample grid dtype', 'grid_sample', [x4, g4.double()], {'alignCorners': False})
ecase('affine_grid 3-entry size', 'affine_grid', [TH2, [2, 1, 3]], {'alignCorners': False})
ecase('affine_grid 2-d theta for 3-d size', 'affine_grid', [TH2, [2, 1, 3, 4, 5]], {'alignCorners': False})
ecase('affine_grid 3-d theta for 2-d size', 'affine_grid', [TH3, [2, 1, 3, 4]], {'alignCorners': False})
ecase('affine_grid int64 theta', 'affine_grid', [TH2.long(), [2, 1, 3, 4]], {'alignCorners': False})
ecase('affine_grid zero size', 'affine_grid', [TH2, [2, 1, 0, 4]], {'alignCorners': False})
ecase('affine_grid zero batch', 'affine_grid', [TH2, [0, 1, 2, 4]], {'alignCorners': False})
ecase('affine_grid batch mismatch', 'affine_grid', [TH2, [3, 1, 2, 4]], {'alignCorners': False})
ecase('embedding_bag index out of range', 'embedding_bag', [t([1, 2, 10], I64), W, t([0], I64)], {'mode': 'max'})
ecase('embedding_bag float indices', 'embedding_bag', [t([1.0, 2.0], F32), W, t([0], I64)])
ecase('embedding_bag float offsets', 'embedding_bag', [IDS, W, t([0.0, 2.0], F32)])
ecase('embedding_bag first offset', 'embedding_bag', [IDS, W, t([1, 2], I64)])
ecase('embedding_bag last offset', 'embedding_bag', [IDS, W, t([0, 9], I64)])
ecase('embedding_bag per_sample_weights dtype', 'embedding_bag', [IDS, W, OFF], {'mode': 'sum', 'perSampleWeights': torch.rand(8, dtype=F64)})
ecase('embedding_bag per_sample_weights mean', 'embedding_bag', [IDS, W, OFF], {'perSampleWeights': torch.rand(8)})
ecase('embedding_bag per_sample_weights shape', 'embedding_bag', [IDS, W, OFF], {'mode': 'sum', 'perSampleWeights': torch.rand(7)})
ecase('embedding_bag bad mode', 'embedding_bag', [IDS, W, OFF], {'mode': 'avg'})
ecase('embedding_bag max scale_grad_by_freq', 'embedding_bag', [IDS, W, OFF], {'mode': 'max', 'scaleGradByFreq': True})
ecase('embedding_bag max sparse', 'embedding_bag', [IDS, W, OFF], {'mode': 'max', 'sparse': True})
ecase('embedding_bag 2-D input with offsets', 'embedding_bag', [IDS.reshape(2, 4), W, OFF])
ecase('embedding_bag 1-D input without offsets', 'embedding_bag', [IDS, W])
ecase('embedding_bag 2-D offsets', 'embedding_bag', [IDS, W, OFF.reshape(1, 2)])
ecase('embedding_bag 3-D input', 'embedding_bag', [IDS.reshape(2, 2, 2), W])
ecase('embedding_bag padding_idx too large', 'embedding_bag', [IDS, W, OFF], {'paddingIdx': 10})
ecase('embedding_bag padding_idx too small', 'embedding_bag', [IDS, W, OFF], {'paddingIdx': -11})
ecase('embedding_bag int64 weight', 'embedding_bag', [IDS, W.long() + 1, OFF])
ecase('max_unpool3d index out of range', 'max_unpool3d', [PV, PI + 1000, 2])
ecase('max_unpool3d negative index', 'max_unpool3d', [PV, PI - 1000, 2])
ecase('max_unpool3d float indices', 'max_unpool3d', [PV, PI.float(), 2])
ecase('max_unpool3d 3-d input', 'max_unpool3d', [PV[0, 0], PI[0, 0], 2])
ecase('max_unpool3d indices shape', 'max_unpool3d', [PV, PI[:, :, :1], 2])
# A tuple: flint prints an output_size array as Python prints a tuple.
ecase('max_unpool3d bad output_size', 'max_unpool3d', [PV, PI, 2], {'outputSize': (9, 4, 6)})
ecase('max_unpool3d output_size length', 'max_unpool3d', [PV, PI, 2], {'outputSize': [4, 6]})
ecase('max_unpool3d empty channels', 'max_unpool3d', [torch.zeros(1, 0, 2, 2, 2), torch.zeros(1, 0, 2, 2, 2, dtype=I64), 2])
ecase('max_unpool3d zero stride', 'max_unpool3d', [PV, PI, 2, 0])
ecase('max_unpool3d int64 input', 'max_unpool3d', [PV.long(), PI, 2])
ecase('fractional_max_pool2d no size', 'fractional_max_pool2d', [FX, 2])
ecase('fractional_max_pool2d pool too large', 'fractional_max_pool2d', [FX, 7], {'outputSize': 4})
ecase('fractional_max_pool2d pool too wide', 'fractional_max_pool2d', [FX, [2, 9]], {'outputSize': 4})
ecase('fractional_max_pool2d kernel length', 'fractional_max_pool2d', [FX, [2, 2, 2]], {'outputSize': 3})
ecase('fractional_max_pool2d 5-d input', 'fractional_max_pool2d', [FV, 2], {'outputSize': 3, '_randomSamples': torch.rand(1, 2, 2)})
ecase('fractional_max_pool2d empty channels', 'fractional_max_pool2d', [torch.zeros(1, 0, 7, 9), 2],
      {'outputSize': 3, '_randomSamples': torch.rand(1, 0, 2)})
ecase('fractional_max_pool2d samples dtype', 'fractional_max_pool2d', [FX, 2], {'outputSize': 3, '_randomSamples': torch.rand(2, 3, 2, dtype=F64)})
ecase('fractional_max_pool2d int64', 'fractional_max_pool2d', [FX.long(), 2], {'outputSize': 3, '_randomSamples': torch.rand(2, 3, 2)})
ecase('fractional_max_pool3d no size', 'fractional_max_pool3d', [FV, 2])
ecase('fractional_max_pool3d pool too large', 'fractional_max_pool3d', [FV, 3], {'outputSize': 5, '_randomSamples': torch.rand(1, 2, 3)})
ecase('fractional_max_pool3d output plus pool equals input', 'fractional_max_pool3d', [FV, 2],
      {'outputSize': [6, 3, 3], '_randomSamples': torch.rand(1, 2, 3)})
ecase('fractional_max_pool3d 3-d input', 'fractional_max_pool3d', [FX[0], 2], {'outputSize': 3, '_randomSamples': torch.rand(1, 3, 3)})
ecase('fractional_max_pool3d kernel length', 'fractional_max_pool3d', [FV, [2, 2]], {'outputSize': 3})
ecase('FractionalMaxPool2d no size', 'FractionalMaxPool2d', [2], module=True)
ecase('FractionalMaxPool2d both sizes', 'FractionalMaxPool2d', [2], {'outputSize': 3, 'outputRatio': 0.5}, module=True)
ecase('FractionalMaxPool2d ratio above 1', 'FractionalMaxPool2d', [2], {'outputRatio': 1.5}, module=True)
ecase('FractionalMaxPool3d ratio of 1', 'FractionalMaxPool3d', [2], {'outputRatio': (0.5, 0.5, 1.0)}, module=True)
ecase('FractionalMaxPool3d no size', 'FractionalMaxPool3d', [2], module=True)
ecase('AdaptiveLogSoftmaxWithLoss unsorted cutoffs', 'AdaptiveLogSoftmaxWithLoss', [8, 10, [5, 3]], module=True)
ecase('AdaptiveLogSoftmaxWithLoss cutoff too large', 'AdaptiveLogSoftmaxWithLoss', [8, 10, [3, 10]], module=True)
ecase('AdaptiveLogSoftmaxWithLoss duplicate cutoffs', 'AdaptiveLogSoftmaxWithLoss', [8, 10, [3, 3]], module=True)
ecase('AdaptiveLogSoftmaxWithLoss zero cutoff', 'AdaptiveLogSoftmaxWithLoss', [8, 10, [0, 3]], module=True)
ecase('AdaptiveLogSoftmaxWithLoss fractional cutoff', 'AdaptiveLogSoftmaxWithLoss', [8, 10, [2.5, 3]], module=True)
ecase('AdaptiveLogSoftmaxWithLoss no cutoffs', 'AdaptiveLogSoftmaxWithLoss', [8, 10, []], module=True)

# ---- errors from a module's forward
forward_errors = []


def fecase(cid, args, kw, inputs, seed=0):
    torch.manual_seed(seed)
    m = nn.AdaptiveLogSoftmaxWithLoss(*args, **{snake(k): v for k, v in kw.items()})
    try:
        m(*inputs)
    except Exception as e:  # noqa: BLE001
        forward_errors.append({'id': cid, 'args': enc_arg(args), 'kw': kw, 'inputs': [ser(x) for x in inputs], 'type': type(e).__name__,
                               'message': str(e)})
        return
    raise AssertionError(f'{cid}: no error')


fecase('target out of range', [8, 10, [3, 6]], {}, [randn(3, 8), t([1, 10, -1], I64)])
fecase('batch mismatch', [8, 10, [3, 6]], {}, [randn(3, 8), t([1, 2], I64)])
fecase('1-D target with 3-D input', [8, 10, [3, 6]], {}, [randn(3, 2, 8), t([1, 2, 3], I64)])
fecase('0-D target with 2-D input', [8, 10, [3, 6]], {}, [randn(3, 8), t(1, I64)])
fecase('2-D target', [8, 10, [3, 6]], {}, [randn(3, 8), t([[1, 2, 3]], I64)])

fixture = {'torch': torch.__version__, 'functional': functional, 'modules': modules, 'fusion': fusion, 'fusionWeights': weights_cases,
           'warnings': warning_messages, 'errors': errors, 'forwardErrors': forward_errors}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'nn-more.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'), allow_nan=False)
    f.write('\n')
print(f'wrote {path}: {len(functional)} functional, {len(modules)} modules, {len(fusion) + len(weights_cases)} fusion, '
      f'{len(errors) + len(forward_errors)} errors, {os.path.getsize(path)} bytes')
