#!/usr/bin/env python3
"""Writes tests/fixtures/resample.json from real PyTorch (run with /usr/bin/python3).

- "interpolate": F.interpolate cases (every mode, align_corners both ways, up- and down-
  sampling, non-integer and per-dim scale factors, size vs scale_factor, recompute, 1-D/2-D/
  3-D, float32 and float64, uint8 nearest): input, options (PyTorch's keyword names), output,
  and the input's gradient for the loss sum(output * gradOutput).
- "interpolateErrors": options that PyTorch refuses, with its message.
- "doubleBackward": d/dv of sum(grad(y, x, v, create_graph=True)) for a bilinear case.
- "shuffle": pixel_shuffle / pixel_unshuffle / channel_shuffle values and gradients, and
  errors.
- "dropout": channel and alpha dropout outputs after torch.manual_seed (the masks must be
  PyTorch's bit for bit), gradients, and the warnings of dropout2d/3d.
- "reprs": the modules' reprs.

grad_fn names: PyTorch 1.13 names F.interpolate's nodes Upsample*Backward1 (the .vec
overloads); flint follows torch 2.x, where they are Upsample*Backward0. They are recorded
here as "gradFn113", for information only.
"""
import json
import os
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_tensors import q, ser

OUT = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'resample.json')
torch.manual_seed(0)


def inp(*shape, dtype=torch.float32):
    return q(torch.randn(shape, dtype=torch.float64)).to(dtype)


def interp_case(name, shape, dtype=torch.float32, **options):
    x = inp(*shape, dtype=dtype)
    if dtype == torch.uint8:
        x = torch.randint(0, 255, shape, dtype=torch.uint8)
        y = F.interpolate(x, **options)
        return {'name': name, 'input': ser(x), 'options': options, 'output': ser(y), 'gradOutput': None, 'grad': None, 'gradFn113': None}
    x.requires_grad_(True)
    y = F.interpolate(x, **options)
    g = inp(*y.shape, dtype=dtype)
    (y * g).sum().backward()
    return {
        'name': name, 'input': ser(x), 'options': options, 'output': ser(y), 'gradOutput': ser(g), 'grad': ser(x.grad),
        'gradFn113': y.grad_fn.name(),
    }


F64 = torch.float64
interpolate = [
    interp_case('nearest1d size up', (1, 2, 3), size=5),
    interp_case('nearest1d scale 2.5', (2, 1, 4), scale_factor=2.5),
    interp_case('nearest1d down', (1, 1, 7), size=3),
    interp_case('nearest-exact1d scale 1.7', (1, 2, 5), scale_factor=1.7, mode='nearest-exact'),
    interp_case('linear align false', (2, 2, 4), size=7, mode='linear'),
    interp_case('linear align true', (1, 2, 4), size=7, mode='linear', align_corners=True),
    interp_case('linear down scale 0.6', (1, 1, 9), scale_factor=0.6, mode='linear'),
    interp_case('linear recompute', (1, 1, 5), scale_factor=1.7, mode='linear', recompute_scale_factor=True),
    interp_case('linear scale kept', (1, 1, 5), scale_factor=1.7, mode='linear'),
    interp_case('nearest2d scale 2', (2, 2, 3, 3), scale_factor=2),
    interp_case('nearest2d size mixed', (1, 2, 4, 4), size=(5, 3)),
    interp_case('nearest2d per-dim scales', (1, 1, 4, 4), scale_factor=(1.5, 0.75)),
    interp_case('nearest2d scale 3 recompute', (1, 1, 3, 2), scale_factor=3.0, recompute_scale_factor=True),
    interp_case('nearest-exact2d size', (1, 2, 4, 5), size=(6, 7), mode='nearest-exact'),
    interp_case('nearest-exact2d down', (1, 1, 7, 6), size=(3, 4), mode='nearest-exact'),
    interp_case('bilinear scale 1.5', (2, 2, 4, 4), scale_factor=1.5, mode='bilinear'),
    interp_case('bilinear align true', (1, 2, 4, 3), size=(7, 5), mode='bilinear', align_corners=True),
    interp_case('bilinear down 0.5', (1, 1, 6, 8), scale_factor=0.5, mode='bilinear'),
    interp_case('bilinear scale 1.3', (1, 1, 5, 4), scale_factor=1.3, mode='bilinear'),
    interp_case('bilinear scale 1.3 recompute', (1, 1, 5, 4), scale_factor=1.3, mode='bilinear', recompute_scale_factor=True),
    interp_case('bilinear align true to 1', (1, 1, 3, 4), size=(1, 6), mode='bilinear', align_corners=True),
    interp_case('bilinear same size, scale given', (1, 1, 4, 4), scale_factor=1.1, mode='bilinear'),
    interp_case('bicubic scale 2', (1, 2, 4, 4), scale_factor=2, mode='bicubic'),
    interp_case('bicubic align true', (2, 1, 4, 5), size=(5, 6), mode='bicubic', align_corners=True),
    interp_case('bicubic down', (1, 1, 5, 5), size=(3, 2), mode='bicubic'),
    interp_case('bicubic scale 1.25', (1, 1, 4, 6), scale_factor=1.25, mode='bicubic'),
    interp_case('bicubic same size, scale given', (1, 1, 4, 4), scale_factor=1.1, mode='bicubic'),
    interp_case('nearest same size, scale given', (1, 1, 4, 4), scale_factor=1.1),
    interp_case('nearest3d scale 2', (1, 2, 2, 2, 3), scale_factor=2),
    interp_case('nearest-exact3d size', (1, 1, 2, 3, 4), size=(3, 4, 5), mode='nearest-exact'),
    interp_case('trilinear per-dim', (1, 2, 2, 3, 4), scale_factor=(1.5, 2, 0.5), mode='trilinear'),
    interp_case('trilinear align true', (1, 1, 3, 2, 3), size=(4, 4, 5), mode='trilinear', align_corners=True),
    interp_case('bilinear f64', (1, 2, 3, 4), scale_factor=(1.7, 2.3), mode='bilinear', dtype=F64),
    interp_case('bicubic f64', (1, 1, 4, 4), size=(7, 5), mode='bicubic', dtype=F64),
    interp_case('bicubic f64 align', (1, 1, 4, 4), size=(3, 6), mode='bicubic', align_corners=True, dtype=F64),
    interp_case('trilinear f64', (1, 1, 2, 3, 3), size=(3, 5, 2), mode='trilinear', dtype=F64),
    interp_case('nearest f64', (1, 1, 3, 5), scale_factor=1.6, dtype=F64),
    interp_case('nearest uint8', (1, 1, 3, 3), scale_factor=1.5, dtype=torch.uint8),
    interp_case('bilinear antialias down', (1, 2, 8, 9), size=(3, 4), mode='bilinear', antialias=True),
    interp_case('bilinear antialias up', (1, 1, 3, 4), size=(5, 7), mode='bilinear', antialias=True),
    interp_case('bilinear antialias align, scale', (2, 1, 7, 6), scale_factor=(0.4, 0.7), mode='bilinear', align_corners=True, antialias=True),
    interp_case('bilinear antialias one dim', (1, 1, 6, 5), size=(6, 2), mode='bilinear', antialias=True),
    interp_case('bicubic antialias down', (1, 2, 9, 8), size=(4, 3), mode='bicubic', antialias=True),
    interp_case('bicubic antialias up', (1, 1, 3, 3), scale_factor=1.7, mode='bicubic', antialias=True),
    interp_case('area1d', (2, 1, 7), size=3, mode='area'),
    interp_case('area2d down, uneven', (1, 2, 7, 5), size=(3, 2), mode='area'),
    interp_case('area2d up', (1, 1, 3, 2), size=(4, 5), mode='area'),
    interp_case('area2d scale 0.5', (1, 1, 6, 7), scale_factor=0.5, mode='area'),
    interp_case('area3d', (1, 1, 4, 5, 3), size=(2, 3, 3), mode='area'),
    interp_case('area2d f64', (1, 1, 5, 6), size=(2, 4), mode='area', dtype=F64),
    interp_case('bicubic antialias f64', (1, 1, 10, 7), size=(3, 5), mode='bicubic', antialias=True, dtype=F64),
]


def error_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return str(e)
    raise AssertionError('expected an error')


def interp_error(shape, **options):
    return {'shape': list(shape), 'options': options, 'message': error_of(lambda: F.interpolate(torch.ones(shape), **options))}


interpolate_errors = [
    interp_error((1, 1, 4, 4), size=3, align_corners=True),
    interp_error((1, 1, 4, 4), size=3, mode='nearest-exact', align_corners=False),
    interp_error((1, 1, 4, 4), size=3, scale_factor=2),
    interp_error((1, 1, 4, 4)),
    interp_error((1, 1, 4, 4), size=[3, 3, 3]),
    interp_error((1, 1, 4, 4), scale_factor=[2.0]),
    interp_error((1, 1, 4, 4), size=3, recompute_scale_factor=True),
    interp_error((1, 1, 4), size=3, mode='bilinear'),
    interp_error((1, 1, 4, 4), size=3, mode='linear'),
    interp_error((1, 1, 4, 4, 4), size=3, mode='bilinear'),
    interp_error((1, 1, 4, 4), size=3, mode='trilinear'),
    interp_error((1, 1, 4, 4, 4), size=3, mode='bicubic'),
    interp_error((4, 4), size=3),
    interp_error((1, 1, 4, 4), size=3, mode='bogus'),
    interp_error((1, 1, 4, 4), scale_factor=0.1),
    interp_error((1, 1, 4, 4), size=0, mode='bilinear'),
    interp_error((1, 1, 0, 4), size=3),
    interp_error((1, 0, 4, 4), size=3),
    interp_error((1, 1, 4, 4, 4), size=0, mode='trilinear'),
    interp_error((1, 1, 4), size=0, mode='linear'),
    interp_error((1, 1, 4, 4), size=3, mode='nearest', antialias=True),
    interp_error((1, 1, 4, 4), size=3, mode='area', align_corners=False),
    interp_error((1, 1, 0, 4), size=3, mode='area'),
    interp_error((1, 1, 0), size=2, mode='area'),
    interp_error((1, 1, 4, 0, 4), size=2, mode='area'),
]
empty_batch = F.interpolate(torch.ones(0, 2, 3, 3), size=(4, 5), mode='bilinear')
area_empty = {'channels': list(F.interpolate(torch.ones(1, 0, 4, 4), size=3, mode='area').shape),
              'size0': list(F.interpolate(torch.ones(1, 1, 4, 4), size=0, mode='area').shape)}

# Double backward: g = J^T v is linear in v; d/dv sum(g) = J 1.
x = inp(1, 1, 3, 4, dtype=F64).requires_grad_(True)
y = F.interpolate(x, size=(5, 6), mode='bilinear')
v = inp(1, 1, 5, 6, dtype=F64).requires_grad_(True)
(gx,) = torch.autograd.grad(y, x, v, create_graph=True)
(gv,) = torch.autograd.grad((gx * gx).sum(), v)
double_backward = {'input': ser(x), 'v': ser(v), 'gradInput': ser(gx), 'gradV': ser(gv), 'gradFn113': gx.grad_fn.name()}


def shuffle_case(name, fn, shape, arg):
    x = inp(*shape).requires_grad_(True)
    y = fn(x, arg)
    g = inp(*y.shape)
    (y * g).sum().backward()
    return {'name': name, 'arg': arg, 'input': ser(x), 'output': ser(y), 'gradOutput': ser(g), 'grad': ser(x.grad),
            'gradFn': y.grad_fn.name()}


shuffle = {
    'cases': [
        shuffle_case('pixel_shuffle', F.pixel_shuffle, (2, 8, 2, 3), 2),
        shuffle_case('pixel_shuffle 5d', F.pixel_shuffle, (2, 1, 9, 2, 2), 3),
        shuffle_case('pixel_shuffle 3d', F.pixel_shuffle, (4, 1, 2), 2),
        shuffle_case('pixel_unshuffle', F.pixel_unshuffle, (1, 2, 4, 6), 2),
        shuffle_case('pixel_unshuffle 5d', F.pixel_unshuffle, (2, 1, 1, 3, 6), 3),
    ],
    'channel': [{'input': ser(t), 'groups': g, 'output': ser(F.channel_shuffle(t, g))}
                for t, g in [(inp(2, 6, 2), 3), (inp(1, 8, 2, 2), 2), (inp(1, 4, 1, 1, 2), 4)]],
    'errors': {
        'pixel_shuffle rank': error_of(lambda: F.pixel_shuffle(torch.ones(3, 3), 2)),
        'pixel_shuffle factor': error_of(lambda: F.pixel_shuffle(torch.ones(1, 4, 2, 2), 0)),
        'pixel_shuffle channels': error_of(lambda: F.pixel_shuffle(torch.ones(1, 8, 2, 2), 3)),
        'pixel_unshuffle rank': error_of(lambda: F.pixel_unshuffle(torch.ones(3, 3), 2)),
        'pixel_unshuffle factor': error_of(lambda: F.pixel_unshuffle(torch.ones(1, 4, 4), -1)),
        'pixel_unshuffle height': error_of(lambda: F.pixel_unshuffle(torch.ones(1, 3, 4), 2)),
        'pixel_unshuffle width': error_of(lambda: F.pixel_unshuffle(torch.ones(1, 4, 3), 2)),
        'channel_shuffle rank': error_of(lambda: F.channel_shuffle(torch.ones(2, 8), 2)),
        'channel_shuffle groups': error_of(lambda: F.channel_shuffle(torch.ones(2, 8, 2), 0)),
        'channel_shuffle divisible': error_of(lambda: F.channel_shuffle(torch.ones(2, 8, 2), 3)),
    },
}


def dropout_case(name, fn, shape, seed, p, dtype=torch.float32, training=True, grad=True):
    x = inp(*shape, dtype=dtype).requires_grad_(grad)
    torch.manual_seed(seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        y = fn(x, p=p, training=training)
    out = {'name': name, 'seed': seed, 'p': p, 'training': training, 'input': ser(x), 'output': ser(y),
           'warnings': [str(w.message) for w in caught], 'after': ser(torch.rand(3, dtype=torch.float64))}
    if grad and y.requires_grad:
        g = inp(*y.shape, dtype=dtype)
        (y * g).sum().backward()
        out.update(gradOutput=ser(g), grad=ser(x.grad), gradFn=y.grad_fn.name() if y.grad_fn is not None else None)
    return out


dropout = [
    dropout_case('dropout1d', F.dropout1d, (2, 5, 3), 1, 0.5),
    dropout_case('dropout1d unbatched', F.dropout1d, (6, 3), 2, 0.3),
    dropout_case('dropout2d', F.dropout2d, (2, 6, 2, 2), 3, 0.5),
    dropout_case('dropout2d 3d input', F.dropout2d, (2, 4, 3), 4, 0.4),
    dropout_case('dropout2d 2d input', F.dropout2d, (3, 5), 5, 0.5),
    dropout_case('dropout2d f64', F.dropout2d, (2, 4, 2, 1), 6, 0.25, dtype=F64),
    dropout_case('dropout2d p=1', F.dropout2d, (1, 3, 2, 2), 7, 1.0),
    dropout_case('dropout2d eval', F.dropout2d, (1, 3, 2, 2), 7, 0.5, training=False),
    dropout_case('dropout3d', F.dropout3d, (2, 3, 2, 1, 2), 8, 0.5),
    dropout_case('dropout3d unbatched', F.dropout3d, (4, 2, 1, 2), 9, 0.5),
    dropout_case('dropout3d 3d input', F.dropout3d, (4, 2, 3), 10, 0.5),
    dropout_case('alpha_dropout', F.alpha_dropout, (3, 4), 11, 0.2),
    dropout_case('feature_alpha_dropout', F.feature_alpha_dropout, (2, 4, 3), 12, 0.3),
    dropout_case('feature_alpha_dropout p=1', F.feature_alpha_dropout, (1, 2, 2), 13, 1.0),
]
dropout_errors = {
    'dropout1d rank': error_of(lambda: F.dropout1d(torch.ones(2, 3, 4, 5))),
    'dropout2d p': error_of(lambda: F.dropout2d(torch.ones(2, 3, 4, 5), 1.5)),
    'feature 1d': error_of(lambda: F.feature_alpha_dropout(torch.ones(3), 0.5, True)),
}

reprs = {
    'upsample scale': repr(nn.Upsample(scale_factor=2)),
    'upsample size tuple': repr(nn.Upsample(size=(3, 4), mode='bilinear', align_corners=True)),
    'upsample size int': repr(nn.Upsample(size=5, mode='linear')),
    'upsample scale tuple': repr(nn.Upsample(scale_factor=(2, 1.5), mode='bicubic')),
    'upsampling nearest': repr(nn.UpsamplingNearest2d(scale_factor=2)),
    'upsampling bilinear': repr(nn.UpsamplingBilinear2d(size=4)),
    'pixel shuffle': repr(nn.PixelShuffle(2)),
    'pixel unshuffle': repr(nn.PixelUnshuffle(3)),
    'channel shuffle': repr(nn.ChannelShuffle(2)),
    'dropout1d': repr(nn.Dropout1d()),
    'dropout2d': repr(nn.Dropout2d(0.3, True)),
    'dropout3d': repr(nn.Dropout3d(0.1)),
    'alpha dropout': repr(nn.AlphaDropout(0.2)),
    'feature alpha dropout': repr(nn.FeatureAlphaDropout()),
}

# Modules against their functional forms, including UpsamplingBilinear2d's align_corners.
xm = inp(1, 1, 3, 3)
modules = {
    'input': ser(xm),
    'upsamplingBilinear': ser(nn.UpsamplingBilinear2d(scale_factor=2)(xm)),
    'upsamplingNearest': ser(nn.UpsamplingNearest2d(size=(4, 5))(xm)),
    'upsampleBicubic': ser(nn.Upsample(scale_factor=1.5, mode='bicubic', align_corners=True)(xm)),
}



def deprecated_case(fn, **options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        y = fn(xm, **options)
    return {'options': options, 'output': ser(y), 'warnings': [str(w.message) for w in caught]}


deprecated = {
    'upsample': deprecated_case(F.upsample, size=4, mode='bicubic'),
    'upsample_nearest': deprecated_case(F.upsample_nearest, size=(3, 5)),
    'upsample_bilinear': deprecated_case(F.upsample_bilinear, scale_factor=2),
}

with open(OUT, 'w') as f:
    json.dump({
        'interpolate': interpolate, 'interpolateErrors': interpolate_errors, 'emptyBatchShape': list(empty_batch.shape), 'areaEmpty': area_empty,
        'doubleBackward': double_backward, 'shuffle': shuffle, 'dropout': dropout, 'dropoutErrors': dropout_errors,
        'reprs': reprs, 'modules': modules, 'deprecated': deprecated,
    }, f)
    f.write('\n')
print(f'wrote {OUT}')
