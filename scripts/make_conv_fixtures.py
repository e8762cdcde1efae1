#!/usr/bin/env python3
"""Generate tests/fixtures/conv.json: what PyTorch 1.13 computes for convolution, F.pad and
fold/unfold, checked by tests/conv.test.ts and tests/padding.test.ts.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_conv_fixtures.py

- `cases`: a functional call (op + keyword args as the TS test passes them) on float64
  inputs; its output, grad_fn name, and the gradients of every input for a grad_output of
  linspace(-1, 2) in the output's shape.
- `modules`: a module built after manual_seed(seed) (float32): its repr, state-dict keys,
  initial weight and bias (PyTorch's init, bit for bit), and its output and gradients on
  a float32 input.
- `errors`: the message PyTorch raises for each named bad call (the test makes the same
  call by name).
"""
import json
import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from fixture_tensors import ser  # noqa: E402

warnings.filterwarnings('ignore')
F64 = torch.float64
torch.manual_seed(0)


def rnd(*shape):
    return torch.randn(*shape, dtype=F64)


cases = []


def case(name, op, inputs, **kw):
    xs = [None if x is None else x.clone().requires_grad_(True) for x in inputs]
    fn = {
        'conv1d': F.conv1d, 'conv2d': F.conv2d, 'conv3d': F.conv3d,
        'conv_transpose1d': F.conv_transpose1d, 'conv_transpose2d': F.conv_transpose2d,
        'conv_transpose3d': F.conv_transpose3d,
        'pad': lambda x: F.pad(x, kw['pad'], kw.get('mode', 'constant'), kw.get('value')),
        'unfold': lambda x: F.unfold(x, kw['kernel_size'], kw.get('dilation', 1), kw.get('padding', 0), kw.get('stride', 1)),
        'fold': lambda x: F.fold(x, kw['output_size'], kw['kernel_size'], kw.get('dilation', 1), kw.get('padding', 0), kw.get('stride', 1)),
    }[op]
    if op.startswith('conv'):
        args = {k: v for k, v in kw.items()}
        out = fn(*xs, **args)
    else:
        out = fn(*xs)
    g = torch.linspace(-1, 2, out.numel(), dtype=out.dtype).reshape(out.shape)
    out.backward(g)
    cases.append({
        'name': name, 'op': op, 'kwargs': kw,
        'inputs': [None if x is None else ser(x) for x in inputs],
        'output': ser(out), 'gradFn': out.grad_fn.name() if out.grad_fn is not None else None,
        'grads': [None if x is None else ser(x.grad) for x in xs],
    })


# Convolution grid.
case('conv1d_basic', 'conv1d', [rnd(2, 3, 7), rnd(4, 3, 3), rnd(4)])
case('conv1d_stride_pad_dil', 'conv1d', [rnd(2, 4, 11), rnd(6, 2, 3), rnd(6)], stride=2, padding=2, dilation=2, groups=2)
case('conv1d_same_even', 'conv1d', [rnd(1, 2, 6), rnd(3, 2, 4), None], padding='same')
case('conv1d_unbatched', 'conv1d', [rnd(3, 7), rnd(4, 3, 3), rnd(4)], padding=1)
case('conv2d_basic', 'conv2d', [rnd(2, 3, 6, 5), rnd(4, 3, 3, 3), rnd(4)])
case('conv2d_stride_pad', 'conv2d', [rnd(2, 3, 7, 6), rnd(4, 3, 3, 2), rnd(4)], stride=(2, 1), padding=(1, 2))
case('conv2d_dilation', 'conv2d', [rnd(1, 2, 8, 8), rnd(3, 2, 3, 3), rnd(3)], dilation=(2, 3), padding=1)
case('conv2d_groups', 'conv2d', [rnd(2, 4, 5, 5), rnd(6, 2, 3, 3), rnd(6)], groups=2, padding=1)
case('conv2d_depthwise', 'conv2d', [rnd(2, 3, 6, 6), rnd(6, 1, 3, 3), rnd(6)], groups=3, stride=2, padding=1)
case('conv2d_same_even', 'conv2d', [rnd(1, 2, 5, 6), rnd(3, 2, 4, 2), rnd(3)], padding='same')
case('conv2d_same_dilated', 'conv2d', [rnd(1, 2, 6, 6), rnd(2, 2, 3, 2), None], padding='same', dilation=2)
case('conv2d_valid', 'conv2d', [rnd(1, 2, 5, 5), rnd(2, 2, 3, 3), None], padding='valid')
case('conv2d_kernel_gt_input', 'conv2d', [rnd(1, 2, 2, 3), rnd(3, 2, 4, 4), rnd(3)], padding=2)
case('conv2d_stride_gt_kernel', 'conv2d', [rnd(2, 2, 9, 8), rnd(3, 2, 2, 2), rnd(3)], stride=3)
case('conv2d_pointwise', 'conv2d', [rnd(2, 5, 4, 3), rnd(3, 5, 1, 1), rnd(3)])
case('conv2d_pointwise_groups', 'conv2d', [rnd(2, 4, 3, 3), rnd(6, 2, 1, 1), None], groups=2)
case('conv2d_unbatched', 'conv2d', [rnd(3, 5, 5), rnd(2, 3, 3, 3), rnd(2)], padding=1)
case('conv2d_empty_batch', 'conv2d', [rnd(0, 3, 5, 5), rnd(2, 3, 3, 3), rnd(2)])
case('conv3d_basic', 'conv3d', [rnd(1, 2, 4, 5, 4), rnd(3, 2, 2, 3, 2), rnd(3)], stride=(1, 2, 1), padding=(1, 0, 1))
case('conv3d_groups_dil', 'conv3d', [rnd(1, 4, 4, 5, 4), rnd(4, 2, 2, 2, 2), None], groups=2, dilation=2)
case('convT1d_basic', 'conv_transpose1d', [rnd(2, 3, 5), rnd(3, 2, 3), rnd(2)], stride=2, padding=1, output_padding=1)
case('convT2d_basic', 'conv_transpose2d', [rnd(2, 3, 4, 3), rnd(3, 2, 3, 3), rnd(2)])
case('convT2d_stride_outpad', 'conv_transpose2d', [rnd(1, 4, 3, 4), rnd(4, 3, 4, 3), rnd(6)], stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2)
case('convT2d_dilation', 'conv_transpose2d', [rnd(2, 2, 3, 3), rnd(2, 3, 3, 2), None], dilation=2, stride=2, output_padding=1)
case('convT2d_outpad_ge_stride', 'conv_transpose2d', [rnd(1, 2, 3, 3), rnd(2, 2, 3, 3), rnd(2)], stride=2, dilation=3, output_padding=2)
case('convT2d_pointwise', 'conv_transpose2d', [rnd(2, 3, 3, 2), rnd(3, 4, 1, 1), rnd(4)])
case('convT2d_unbatched', 'conv_transpose2d', [rnd(3, 3, 3), rnd(3, 2, 2, 2), rnd(2)], stride=2)
case('convT3d_basic', 'conv_transpose3d', [rnd(1, 2, 2, 3, 2), rnd(2, 2, 2, 2, 3), rnd(2)], stride=2, padding=(0, 1, 1))

# F.pad
case('pad_constant_2d', 'pad', [rnd(2, 3, 4)], pad=[1, 2, 0, 1], value=1.5)
case('pad_constant_negative', 'pad', [rnd(2, 3, 5)], pad=[-1, 2, 1, -2])
case('pad_constant_all_dims', 'pad', [rnd(2, 3)], pad=[1, 0, 0, 2])
case('pad_reflect_1d', 'pad', [rnd(2, 3, 5)], pad=[2, 3], mode='reflect')
case('pad_reflect_1d_unbatched', 'pad', [rnd(3, 5)], pad=[4, 1], mode='reflect')
case('pad_reflect_2d', 'pad', [rnd(1, 2, 4, 5)], pad=[1, 2, 3, 0], mode='reflect')
case('pad_reflect_3d', 'pad', [rnd(1, 2, 3, 3, 4)], pad=[1, 1, 2, 0, 1, 2], mode='reflect')
case('pad_replicate_1d', 'pad', [rnd(2, 3, 4)], pad=[3, 1], mode='replicate')
case('pad_replicate_2d', 'pad', [rnd(2, 3, 4)], pad=[2, 1, 0, 3], mode='replicate')
case('pad_replicate_3d', 'pad', [rnd(1, 1, 2, 3, 2)], pad=[1, 2, 1, 0, 2, 1], mode='replicate')
case('pad_circular_1d', 'pad', [rnd(2, 3, 4)], pad=[2, 3], mode='circular')
case('pad_circular_2d', 'pad', [rnd(1, 2, 3, 4)], pad=[1, -1, 3, 2], mode='circular')
case('pad_circular_3d', 'pad', [rnd(1, 1, 2, 3, 3)], pad=[1, 1, 2, 0, 1, 2], mode='circular')

# fold / unfold
case('unfold_basic', 'unfold', [rnd(2, 3, 4, 5)], kernel_size=2)
case('unfold_all', 'unfold', [rnd(1, 2, 6, 5)], kernel_size=(3, 2), dilation=(1, 2), padding=1, stride=(2, 1))
case('unfold_unbatched', 'unfold', [rnd(2, 4, 4)], kernel_size=3, padding=1)
case('fold_basic', 'fold', [rnd(2, 12, 12)], output_size=(4, 5), kernel_size=2)
case('fold_all', 'fold', [rnd(1, 12, 6)], output_size=(5, 4), kernel_size=(3, 2), dilation=(1, 2), padding=1, stride=2)
case('fold_unbatched', 'fold', [rnd(8, 9)], output_size=4, kernel_size=2, padding=1, stride=2)

# Modules: init after manual_seed, repr, forward and backward (float32).
modules = []


def module(name, seed, make, x_shape, out=True):
    torch.manual_seed(seed)
    m = make()
    entry = {'name': name, 'seed': seed, 'repr': repr(m), 'keys': list(m.state_dict().keys()),
             'weight': ser(m.weight) if hasattr(m, 'weight') else None,
             'bias': ser(m.bias) if getattr(m, 'bias', None) is not None else None}
    if out:
        torch.manual_seed(seed + 1)
        x = torch.randn(*x_shape, requires_grad=True)
        y = m(x)
        g = torch.linspace(-1, 2, y.numel()).reshape(y.shape)
        y.backward(g)
        entry.update(input=ser(x), output=ser(y), gradInput=ser(x.grad), gradFn=y.grad_fn.name(),
                     gradWeight=ser(m.weight.grad) if hasattr(m, 'weight') else None,
                     gradBias=ser(m.bias.grad) if getattr(m, 'bias', None) is not None else None)
    modules.append(entry)


module('Conv2d_mnist1', 1, lambda: nn.Conv2d(1, 32, 3, 1), (1, 1, 6, 6))
module('Conv2d_full', 2, lambda: nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, dilation=(1, 2), groups=2, bias=False), (1, 4, 7, 7))
module('Conv1d_same', 3, lambda: nn.Conv1d(4, 4, 4, padding='same', groups=4), (2, 4, 9))
module('Conv3d_basic', 4, lambda: nn.Conv3d(2, 3, 2, stride=(1, 2, 2)), (1, 2, 3, 4, 4))
module('Conv2d_reflect', 5, lambda: nn.Conv2d(2, 3, 3, padding=2, padding_mode='reflect'), (1, 2, 5, 4))
module('Conv2d_replicate', 6, lambda: nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode='replicate'), (2, 2, 4, 4))
module('Conv2d_circular', 7, lambda: nn.Conv2d(2, 2, 3, padding=1, padding_mode='circular'), (1, 2, 4, 5))
module('Conv1d_reflect_same', 8, lambda: nn.Conv1d(2, 2, 4, padding='same', padding_mode='reflect'), (1, 2, 7))
module('Conv2d_unbatched_reflect', 9, lambda: nn.Conv2d(1, 2, 3, padding=1, padding_mode='reflect'), (1, 4, 4))
module('ConvTranspose1d', 10, lambda: nn.ConvTranspose1d(3, 2, 3, stride=2, output_padding=1), (2, 3, 4))
module('ConvTranspose2d', 11, lambda: nn.ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1, output_padding=1, groups=2, dilation=1), (1, 4, 3, 3))
module('ConvTranspose3d', 12, lambda: nn.ConvTranspose3d(2, 2, 2, stride=2, bias=False), (1, 2, 2, 2, 2))
module('Conv2d_wide', 13, lambda: nn.Conv2d(8, 16, 3, padding=1), None, out=False)
module('ZeroPad2d', 0, lambda: nn.ZeroPad2d((1, 2, 0, 3)), (1, 2, 3, 3))
module('ConstantPad1d', 0, lambda: nn.ConstantPad1d(2, 3.5), (2, 3))
module('ConstantPad3d', 0, lambda: nn.ConstantPad3d((1, 0, 0, 1, 1, 1), -1.0), (1, 1, 2, 2, 2))
module('ReflectionPad2d', 0, lambda: nn.ReflectionPad2d(2), (1, 2, 3, 4))
module('ReplicationPad1d', 0, lambda: nn.ReplicationPad1d((3, 1)), (2, 2, 3))
module('ReflectionPad3d', 0, lambda: nn.ReflectionPad3d(1), (1, 1, 2, 3, 2))
module('ReplicationPad3d', 0, lambda: nn.ReplicationPad3d((1, 0, 2, 1, 0, 1)), (1, 1, 2, 2, 2))
module('Unfold', 0, lambda: nn.Unfold((2, 3), dilation=1, padding=1, stride=2), (2, 2, 4, 5))
module('Fold', 0, lambda: nn.Fold((4, 5), 2), (1, 8, 12))

# Errors by name; tests/conv.test.ts makes the same calls.
errors = {}


def err(name, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        errors[name] = str(e).split('\n')[0]
        return
    raise SystemExit(f'{name}: expected an error')


z = torch.zeros
err('channels', lambda: F.conv2d(z(1, 4, 8, 8), z(64, 3, 3, 3)))
err('kernel_too_big', lambda: F.conv2d(z(1, 3, 2, 2), z(4, 3, 3, 3)))
err('kernel_too_big_dilated', lambda: F.conv2d(z(1, 3, 2, 2), z(4, 3, 3, 3), dilation=2, padding=1))
err('input_rank', lambda: F.conv2d(z(8, 8), z(64, 3, 3, 3)))
err('input_rank_1d', lambda: F.conv1d(z(3), z(4, 3, 3)))
err('input_rank_3d', lambda: F.conv3d(z(3, 4, 4), z(4, 3, 3, 3, 3)))
err('groups_divisible', lambda: F.conv2d(z(1, 4, 8, 8), z(3, 2, 3, 3), groups=2))
err('groups_positive', lambda: F.conv2d(z(1, 4, 8, 8), z(4, 2, 3, 3), groups=0))
err('stride_positive', lambda: F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), stride=0))
err('padding_negative', lambda: F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), padding=-1))
err('dilation_positive', lambda: F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), dilation=0))
err('stride_length', lambda: F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), stride=[1, 1, 1]))
err('bias_shape', lambda: F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), z(3)))
err('same_strided', lambda: F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), padding='same', stride=2))
err('padding_string', lambda: F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3), padding='foo'))
err('dtype_mismatch', lambda: F.conv2d(z(1, 3, 8, 8), z(4, 3, 3, 3, dtype=F64)))
err('transposed_channels', lambda: F.conv_transpose2d(z(1, 2, 5, 5), z(3, 4, 3, 3)))
err('output_padding_2d', lambda: F.conv_transpose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), output_padding=1))
err('output_padding_3d', lambda: F.conv_transpose3d(z(1, 3, 5, 5, 5), z(3, 4, 3, 3, 3), output_padding=1))
err('output_padding_negative', lambda: F.conv_transpose2d(z(1, 3, 5, 5), z(3, 4, 3, 3), output_padding=-1, stride=2))
err('empty_weight', lambda: F.conv2d(z(2, 3, 8, 8), z(0, 3, 3, 3)))
err('module_groups_in', lambda: nn.Conv2d(4, 4, 3, groups=3))
err('module_groups_out', lambda: nn.Conv2d(4, 6, 3, groups=4))
err('module_groups_positive', lambda: nn.Conv2d(4, 4, 3, groups=0))
err('module_same_strided', lambda: nn.Conv2d(4, 4, 3, stride=2, padding='same'))
err('module_padding_string', lambda: nn.Conv2d(4, 4, 3, padding='foo'))
err('module_transposed_mode', lambda: nn.ConvTranspose2d(4, 4, 3, padding_mode='reflect'))
err('module_reflect_too_big', lambda: nn.Conv2d(4, 4, 3, padding=2, padding_mode='reflect')(z(1, 4, 2, 2)))
err('module_unbatched_circular', lambda: nn.Conv2d(1, 2, 3, padding=1, padding_mode='circular')(z(1, 4, 4)))
err('pad_reflect_too_big', lambda: F.pad(z(3, 8, 8), (8, 1), mode='reflect'))
err('pad_reflect_too_big_3d', lambda: F.pad(z(1, 2, 3, 3, 4), (1, 1, 1, 1, 3, 1), mode='reflect'))
err('pad_odd', lambda: F.pad(z(3, 8, 8), (1, 1, 1), mode='constant'))
err('pad_too_long', lambda: F.pad(z(3, 8, 8), (1, 1, 1, 1, 1, 1, 1, 1)))
err('pad_reflect_rank', lambda: F.pad(z(8, 8), (1, 1, 1, 1, 1, 1), mode='reflect'))
err('pad_circular_rank', lambda: F.pad(z(8, 8), (1, 1), mode='circular'))
err('pad_circular_wrap', lambda: F.pad(z(1, 3, 4), (5, 1), mode='circular'))
err('unfold_blocks', lambda: F.unfold(z(1, 3, 4, 4), 5))
err('unfold_kernel_length', lambda: F.unfold(z(1, 3, 4, 4), (2, 2, 2)))
err('unfold_stride', lambda: F.unfold(z(1, 3, 4, 4), 2, stride=0))
err('unfold_padding', lambda: F.unfold(z(1, 3, 4, 4), 2, padding=-1))
err('fold_blocks', lambda: F.fold(z(2, 12, 10), (4, 5), 2))
err('fold_divisible', lambda: F.fold(z(2, 10, 12), (4, 5), 2))
err('fold_rank', lambda: F.fold(z(1, 2, 12, 12), (4, 5), 2))

out = {'cases': cases, 'modules': modules, 'errors': errors}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'conv.json')
with open(path, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
print(f'wrote {len(cases)} cases, {len(modules)} modules, {len(errors)} errors to {os.path.normpath(path)}')
