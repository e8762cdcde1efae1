"""Writes tests/fixtures/torch-rnn.json with PyTorch 1.13: the torch-level recurrent functions
nn.RNN/LSTM/GRU call (torch.lstm, torch.gru, torch.rnn_tanh, torch.rnn_relu, in their padded
and packed forms) and the cells' (torch.lstm_cell, gru_cell, rnn_tanh_cell, rnn_relu_cell):
outputs, grad_fn names, and the gradients of a linspace-weighted sum for the input, the
states and every weight, in float64. Run: /usr/bin/python3 scripts/make_torch_rnn_fixtures.py"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import ser  # noqa: E402

torch.manual_seed(0)
F64 = torch.float64
GATES = {'lstm': 4, 'gru': 3, 'rnn_tanh': 1, 'rnn_relu': 1}


def weighted(outs):
    total = 0
    for o in outs:
        if o.requires_grad:
            total = total + (o * torch.linspace(-1, 1, o.numel(), dtype=o.dtype).reshape(o.shape)).sum()
    return total


def make_params(mode, input_size, hidden, layers, dirs, bias, proj=0):
    params = []
    out = proj if proj else hidden
    for layer in range(layers):
        for _ in range(dirs):
            size = input_size if layer == 0 else out * dirs
            params.append(torch.randn(GATES[mode] * hidden, size, dtype=F64) * 0.4)
            params.append(torch.randn(GATES[mode] * hidden, out, dtype=F64) * 0.4)
            if bias:
                params.append(torch.randn(GATES[mode] * hidden, dtype=F64) * 0.4)
                params.append(torch.randn(GATES[mode] * hidden, dtype=F64) * 0.4)
            if proj:
                params.append(torch.randn(proj, hidden, dtype=F64) * 0.4)
    return [p.requires_grad_() for p in params]


def layer_case(mode, layers, bidirectional, batch_first, bias, proj=0):
    dirs = 2 if bidirectional else 1
    T, B, I, H = 4, 3, 5, 6
    out = proj if proj else H
    params = make_params(mode, I, H, layers, dirs, bias, proj)
    x = torch.randn(B, T, I, dtype=F64) if batch_first else torch.randn(T, B, I, dtype=F64)
    x.requires_grad_()
    h = torch.randn(layers * dirs, B, out, dtype=F64).requires_grad_()
    inputs = [x, h]
    if mode == 'lstm':
        c = torch.randn(layers * dirs, B, H, dtype=F64).requires_grad_()
        inputs.append(c)
        outs = torch.lstm(x, (h, c), params, bias, layers, 0.0, False, bidirectional, batch_first)
    else:
        outs = getattr(torch, mode)(x, h, params, bias, layers, 0.0, False, bidirectional, batch_first)
    grads = torch.autograd.grad(weighted(outs), inputs + params)
    return {'mode': mode, 'layers': layers, 'bidirectional': bidirectional, 'batchFirst': batch_first, 'bias': bias, 'proj': proj,
            'inputs': [ser(t) for t in inputs], 'params': [ser(p) for p in params], 'outs': [ser(o) for o in outs],
            'gradFns': [type(o.grad_fn).__name__ for o in outs], 'grads': [ser(g) for g in grads]}


def packed_case(mode, bidirectional):
    dirs = 2 if bidirectional else 1
    I, H = 3, 4
    params = make_params(mode, I, H, 1, dirs, True)
    batch_sizes = torch.tensor([3, 2, 2, 1])
    data = torch.randn(int(batch_sizes.sum()), I, dtype=F64).requires_grad_()
    h = torch.randn(dirs, 3, H, dtype=F64).requires_grad_()
    inputs = [data, h]
    if mode == 'lstm':
        c = torch.randn(dirs, 3, H, dtype=F64).requires_grad_()
        inputs.append(c)
        outs = torch.lstm(data, batch_sizes, (h, c), params, True, 1, 0.0, False, bidirectional)
    else:
        outs = getattr(torch, mode)(data, batch_sizes, h, params, True, 1, 0.0, False, bidirectional)
    grads = torch.autograd.grad(weighted(outs), inputs + params)
    return {'mode': mode, 'bidirectional': bidirectional, 'batchSizes': batch_sizes.tolist(), 'inputs': [ser(t) for t in inputs],
            'params': [ser(p) for p in params], 'outs': [ser(o) for o in outs], 'gradFns': [type(o.grad_fn).__name__ for o in outs],
            'grads': [ser(g) for g in grads]}


def cell_case(mode, bias):
    B, I, H = 3, 5, 4
    x = torch.randn(B, I, dtype=F64).requires_grad_()
    h = torch.randn(B, H, dtype=F64).requires_grad_()
    w_ih = (torch.randn(GATES[mode] * H, I, dtype=F64) * 0.4).requires_grad_()
    w_hh = (torch.randn(GATES[mode] * H, H, dtype=F64) * 0.4).requires_grad_()
    weights = [w_ih, w_hh]
    if bias:
        weights += [(torch.randn(GATES[mode] * H, dtype=F64) * 0.4).requires_grad_() for _ in range(2)]
    inputs = [x, h]
    if mode == 'lstm':
        c = torch.randn(B, H, dtype=F64).requires_grad_()
        inputs.append(c)
        outs = list(torch.lstm_cell(x, (h, c), *weights))
    else:
        outs = [getattr(torch, mode + '_cell')(x, h, *weights)]
    grads = torch.autograd.grad(weighted(outs), inputs + weights)
    return {'mode': mode, 'bias': bias, 'inputs': [ser(t) for t in inputs], 'weights': [ser(w) for w in weights],
            'outs': [ser(o) for o in outs], 'gradFns': [type(o.grad_fn).__name__ for o in outs], 'grads': [ser(g) for g in grads]}


layers = []
for mode in ('lstm', 'gru', 'rnn_tanh', 'rnn_relu'):
    layers.append(layer_case(mode, 2, True, False, True))
    layers.append(layer_case(mode, 1, False, True, False))
    layers.append(layer_case(mode, 2, False, False, True))
layers.append(layer_case('lstm', 2, True, True, True, proj=3))
packed = [packed_case(mode, bidir) for mode in ('lstm', 'gru', 'rnn_tanh') for bidir in (False, True)]
cells = [cell_case(mode, bias) for mode in ('lstm', 'gru', 'rnn_tanh', 'rnn_relu') for bias in (True, False)]


def err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return str(e)
    raise AssertionError('no error')


x = torch.randn(4, 3, 5, dtype=F64)
h = torch.randn(1, 3, 6, dtype=F64)
w = make_params('gru', 5, 6, 1, 1, True)
errors = {
    'cell_input_size': err(lambda: torch.gru_cell(torch.randn(3, 4, dtype=F64), torch.randn(3, 6, dtype=F64), *make_params('gru', 5, 6, 1, 1, True))),
    'cell_batch': err(lambda: torch.gru_cell(torch.randn(3, 5, dtype=F64), torch.randn(2, 6, dtype=F64), *make_params('gru', 5, 6, 1, 1, True))),
    'cell_hidden_size': err(lambda: torch.gru_cell(torch.randn(3, 5, dtype=F64), torch.randn(3, 5, dtype=F64), *make_params('gru', 5, 6, 1, 1, True))),
}

path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'torch-rnn.json')
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'layers': layers, 'packed': packed, 'cells': cells, 'errors': errors}, f)
print(f'{len(layers)} layer cases, {len(packed)} packed, {len(cells)} cells -> {path}')
print(errors)
print([(c['mode'], c['batchFirst'], c['gradFns']) for c in layers])
print([(c['mode'], c['gradFns']) for c in packed])
print([(c['mode'], c['gradFns']) for c in cells])
