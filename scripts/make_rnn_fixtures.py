#!/usr/bin/env python3
"""Generate tests/fixtures/rnn.json: recurrent layers, cells and packed sequences as
PyTorch 1.13 computes them, for tests/rnn.test.ts and tests/rnn-packed.test.ts.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_rnn_fixtures.py

Parameters and inputs are float64 values rounded to 3 decimals (fixture_tensors.rn), so
that the tests rebuild them exactly in float64 (tight tolerances) or float32. Each case
records the outputs, the final states, and the gradients of
sum(out * gOut) + sum(hN * gH) (+ sum(cN * gC)) with respect to the input, the initial
states and every parameter (in named_parameters order).
"""
import json
import os
import sys
import warnings

import torch
import torch.nn as nn
from torch.nn.utils import rnn as rnn_utils

sys.path.insert(0, os.path.dirname(__file__))
from fixture_tensors import F64, rn, ser  # noqa: E402

warnings.filterwarnings('ignore')
torch.manual_seed(0)

CLASSES = {'RNN': nn.RNN, 'LSTM': nn.LSTM, 'GRU': nn.GRU}
CELLS = {'RNNCell': nn.RNNCell, 'LSTMCell': nn.LSTMCell, 'GRUCell': nn.GRUCell}
I, H, T, B = 3, 4, 5, 2


def with_params(module):
    """Rounded float64 parameters, so the test can load them exactly."""
    module = module.double()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(rn(*p.shape, dtype=F64) * 0.5)
    return module


def state_of(module):
    return {k: ser(v) for k, v in module.state_dict().items()}


def layer_case(kind, kw, batched=True, with_state=False):
    module = with_params(CLASSES[kind](I, H, **kw))
    bf = kw.get('batch_first', False)
    dirs = 2 if kw.get('bidirectional', False) else 1
    layers = kw.get('num_layers', 1)
    real = kw.get('proj_size', 0) or H
    shape = ((B, T, I) if bf else (T, B, I)) if batched else (T, I)
    x = rn(*shape, dtype=F64).requires_grad_(True)
    hshape = (layers * dirs, B, real) if batched else (layers * dirs, real)
    cshape = (layers * dirs, B, H) if batched else (layers * dirs, H)
    h0 = rn(*hshape, dtype=F64).requires_grad_(True) if with_state else None
    c0 = rn(*cshape, dtype=F64).requires_grad_(True) if with_state and kind == 'LSTM' else None
    if kind == 'LSTM':
        out, (hn, cn) = module(x, (h0, c0) if with_state else None)
    else:
        out, hn = module(x, h0)
        cn = None
    g_out, g_h = rn(*out.shape, dtype=F64), rn(*hn.shape, dtype=F64)
    loss = (out * g_out).sum() + (hn * g_h).sum()
    g_c = None
    if cn is not None:
        g_c = rn(*cn.shape, dtype=F64)
        loss = loss + (cn * g_c).sum()
    loss.backward()
    return {
        'kind': kind, 'kw': kw, 'state': state_of(module), 'names': [n for n, _ in module.named_parameters()],
        'x': ser(x), 'h0': ser(h0) if h0 is not None else None, 'c0': ser(c0) if c0 is not None else None,
        'out': ser(out), 'hn': ser(hn), 'cn': ser(cn) if cn is not None else None,
        'g_out': ser(g_out), 'g_h': ser(g_h), 'g_c': ser(g_c) if g_c is not None else None,
        'grad_x': ser(x.grad), 'grad_h0': ser(h0.grad) if h0 is not None else None,
        'grad_c0': ser(c0.grad) if c0 is not None else None,
        'grads': {n: ser(p.grad) for n, p in module.named_parameters()},
        'grad_fn': type(out.grad_fn).__name__, 'h_grad_fn': type(hn.grad_fn).__name__,
    }


def packed_case(kind, kw, lengths, with_state=True):
    module = with_params(CLASSES[kind](I, H, **kw))
    dirs = 2 if kw.get('bidirectional', False) else 1
    layers = kw.get('num_layers', 1)
    real = kw.get('proj_size', 0) or H
    nb = len(lengths)
    x = rn(max(lengths), nb, I, dtype=F64).requires_grad_(True)
    packed = rnn_utils.pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
    h0 = rn(layers * dirs, nb, real, dtype=F64).requires_grad_(True) if with_state else None
    c0 = rn(layers * dirs, nb, H, dtype=F64).requires_grad_(True) if with_state and kind == 'LSTM' else None
    if kind == 'LSTM':
        out, (hn, cn) = module(packed, (h0, c0) if with_state else None)
    else:
        out, hn = module(packed, h0)
        cn = None
    padded, out_lengths = rnn_utils.pad_packed_sequence(out)
    g_out, g_h = rn(*padded.shape, dtype=F64), rn(*hn.shape, dtype=F64)
    loss = (padded * g_out).sum() + (hn * g_h).sum()
    g_c = None
    if cn is not None:
        g_c = rn(*cn.shape, dtype=F64)
        loss = loss + (cn * g_c).sum()
    loss.backward()
    return {
        'kind': kind, 'kw': kw, 'lengths': lengths, 'state': state_of(module),
        'x': ser(x), 'h0': ser(h0) if h0 is not None else None, 'c0': ser(c0) if c0 is not None else None,
        'packed_data': ser(out.data), 'batch_sizes': out.batch_sizes.tolist(),
        'sorted_indices': out.sorted_indices.tolist(), 'unsorted_indices': out.unsorted_indices.tolist(),
        'padded': ser(padded), 'out_lengths': out_lengths.tolist(), 'hn': ser(hn), 'cn': ser(cn) if cn is not None else None,
        'g_out': ser(g_out), 'g_h': ser(g_h), 'g_c': ser(g_c) if g_c is not None else None,
        'grad_x': ser(x.grad), 'grad_h0': ser(h0.grad) if h0 is not None else None,
        'grad_c0': ser(c0.grad) if c0 is not None else None,
        'grads': {n: ser(p.grad) for n, p in module.named_parameters()},
    }


def cell_case(kind, kw, batched=True, with_state=True):
    module = with_params(CELLS[kind](I, H, **kw))
    x = rn(*((B, I) if batched else (I,)), dtype=F64).requires_grad_(True)
    hs = (B, H) if batched else (H,)
    h0 = rn(*hs, dtype=F64).requires_grad_(True) if with_state else None
    c0 = rn(*hs, dtype=F64).requires_grad_(True) if with_state and kind == 'LSTMCell' else None
    if kind == 'LSTMCell':
        h, c = module(x, (h0, c0) if with_state else None)
    else:
        h, c = module(x, h0), None
    g_h = rn(*h.shape, dtype=F64)
    loss = (h * g_h).sum()
    g_c = None
    if c is not None:
        g_c = rn(*c.shape, dtype=F64)
        loss = loss + (c * g_c).sum()
    loss.backward()
    return {
        'kind': kind, 'kw': kw, 'state': state_of(module), 'x': ser(x),
        'h0': ser(h0) if h0 is not None else None, 'c0': ser(c0) if c0 is not None else None,
        'h': ser(h), 'c': ser(c) if c is not None else None, 'g_h': ser(g_h), 'g_c': ser(g_c) if g_c is not None else None,
        'grad_x': ser(x.grad), 'grad_h0': ser(h0.grad) if h0 is not None else None,
        'grad_c0': ser(c0.grad) if c0 is not None else None,
        'grads': {n: ser(p.grad) for n, p in module.named_parameters()},
        'grad_fn': type(h.grad_fn).__name__,
    }


layers = []
for kind, extra in [('RNN', {}), ('RNN', {'nonlinearity': 'relu'}), ('LSTM', {}), ('GRU', {})]:
    for kw, batched, state in [
        ({}, True, False),
        ({'num_layers': 2}, True, True),
        ({'bidirectional': True}, True, True),
        ({'batch_first': True}, True, False),
        ({'bias': False}, True, True),
        ({}, False, True),
        ({'num_layers': 2, 'bidirectional': True, 'batch_first': True}, True, True),
    ]:
        layers.append(layer_case(kind, {**extra, **kw}, batched, state))
layers.append(layer_case('LSTM', {'proj_size': 2}, True, True))
layers.append(layer_case('LSTM', {'proj_size': 3, 'num_layers': 2, 'bidirectional': True}, True, True))
layers.append(layer_case('LSTM', {'proj_size': 2, 'batch_first': True}, False, False))

packed = [
    packed_case('LSTM', {'num_layers': 2, 'bidirectional': True}, [3, 5, 2]),
    packed_case('GRU', {'bidirectional': True}, [2, 4, 4, 1]),
    packed_case('RNN', {'num_layers': 2}, [3, 1, 5]),
    packed_case('LSTM', {'proj_size': 2, 'bidirectional': True}, [2, 3], with_state=False),
]

cells = []
for kind, kw in [('RNNCell', {}), ('RNNCell', {'nonlinearity': 'relu'}), ('LSTMCell', {}), ('GRUCell', {}), ('GRUCell', {'bias': False})]:
    cells.append(cell_case(kind, kw, True, True))
    cells.append(cell_case(kind, kw, False, True))
    cells.append(cell_case(kind, kw, True, False))

# Packing utilities on their own, with gradients through pack -> pad.
seqs = [rn(3, 2, dtype=F64).requires_grad_(True), rn(5, 2, dtype=F64).requires_grad_(True), rn(1, 2, dtype=F64).requires_grad_(True)]
padded = rnn_utils.pad_sequence(seqs)
padded_bf = rnn_utils.pad_sequence(seqs, batch_first=True, padding_value=-1.5)
pk = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
unp, unp_len = rnn_utils.pad_packed_sequence(pk, batch_first=True, padding_value=9.0, total_length=7)
g = rn(*unp.shape, dtype=F64)
(unp * g).sum().backward()
utils = {
    'seqs': [ser(s) for s in seqs], 'padded': ser(padded), 'padded_bf': ser(padded_bf),
    'packed_data': ser(pk.data), 'batch_sizes': pk.batch_sizes.tolist(),
    'sorted_indices': pk.sorted_indices.tolist(), 'unsorted_indices': pk.unsorted_indices.tolist(),
    'unpacked': ser(unp), 'unpacked_lengths': unp_len.tolist(), 'g': ser(g), 'seq_grads': [ser(s.grad) for s in seqs],
}
try:
    rnn_utils.pack_padded_sequence(torch.zeros(4, 3, 2), torch.tensor([2, 4, 1]))
except RuntimeError as e:
    utils['unsorted_error'] = str(e)
try:
    rnn_utils.pad_packed_sequence(rnn_utils.pack_sequence([torch.zeros(3, 1)]), total_length=2)
except ValueError as e:
    utils['total_length_error'] = str(e)
try:
    rnn_utils.pack_padded_sequence(torch.zeros(4, 3, 2), torch.tensor([2, 0, 0]))
except RuntimeError as e:
    utils['zero_length_error'] = str(e)

# Default init after manual_seed: every parameter U(-1/sqrt(H), 1/sqrt(H)) in order.
init = []
for ctor, args, kw in [('LSTM', [3, 4, 2], {'bidirectional': True, 'proj_size': 2}), ('GRU', [3, 4], {}), ('RNN', [2, 3], {'bias': False}),
                       ('LSTMCell', [3, 4], {}), ('GRUCell', [2, 3], {}), ('RNNCell', [2, 5], {})]:
    torch.manual_seed(7)
    m = (CLASSES.get(ctor) or CELLS[ctor])(*args, **kw)
    init.append({'ctor': ctor, 'args': args, 'kw': kw, 'state': state_of(m), 'keys': list(m.state_dict().keys())})

reprs = []
for ctor, args, kw in [('LSTM', [10, 20], {'num_layers': 2, 'batch_first': True}), ('GRU', [3, 4], {'bias': False, 'bidirectional': True}),
                       ('RNN', [3, 4], {'nonlinearity': 'relu', 'dropout': 0.5, 'num_layers': 3}), ('LSTM', [3, 4], {'proj_size': 2}),
                       ('RNNCell', [3, 4], {'nonlinearity': 'relu'}), ('LSTMCell', [3, 4], {'bias': False}), ('GRUCell', [3, 4], {})]:
    m = (CLASSES.get(ctor) or CELLS[ctor])(*args, **kw)
    reprs.append({'ctor': ctor, 'args': args, 'kw': kw, 'repr': repr(m)})


def message(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return str(e)
    raise AssertionError('expected an error')


lstm = nn.LSTM(10, 20, 2)
gru = nn.GRU(10, 20, 2)
errors = {
    'input_size': message(lambda: lstm(torch.zeros(5, 3, 5))),
    'hidden0': message(lambda: lstm(torch.zeros(5, 3, 10), (torch.zeros(1, 3, 20), torch.zeros(2, 3, 20)))),
    'hidden1': message(lambda: lstm(torch.zeros(5, 3, 10), (torch.zeros(2, 3, 20), torch.zeros(2, 1, 20)))),
    'hidden': message(lambda: gru(torch.zeros(5, 3, 10), torch.zeros(1, 3, 20))),
    'lstm_unbatched_hx': message(lambda: lstm(torch.zeros(5, 10), (torch.zeros(2, 3, 20), torch.zeros(2, 3, 20)))),
    'gru_batched_hx': message(lambda: gru(torch.zeros(5, 3, 10), torch.zeros(3, 20))),
    'input_dims': message(lambda: gru(torch.zeros(5, 3, 10, 1))),
    'proj_size': message(lambda: nn.LSTM(3, 4, proj_size=4)),
    'proj_gru': message(lambda: nn.GRU(3, 4, proj_size=2)),
    'dropout': message(lambda: nn.LSTM(3, 4, dropout=1.5)),
    'cell_input': message(lambda: nn.GRUCell(3, 4)(torch.zeros(2, 2, 3))),
}

# States handed straight from one call to the next (no op between): an LSTMCell unrolled
# over T steps, and an LSTM/GRU layer whose final states start a second call. The cell
# state reaches the next node as its second input, from the first node's output 2.
chains = []
for kind in ['LSTMCell', 'GRUCell', 'LSTM', 'GRU']:
    cell = kind.endswith('Cell')
    module = with_params((CELLS if cell else CLASSES)[kind](I, H))
    x = rn(T, B, I, dtype=F64).requires_grad_(True)
    h0 = rn(*((B, H) if cell else (1, B, H)), dtype=F64).requires_grad_(True)
    c0 = rn(*h0.shape, dtype=F64).requires_grad_(True)
    lstm = kind.startswith('LSTM')
    g = rn(T, B, H, dtype=F64)
    loss = 0
    if cell:
        state = (h0, c0) if lstm else h0
        for t in range(T):
            state = module(x[t], state)
            loss = loss + ((state[0] if lstm else state) * g[t]).sum()
        if lstm:
            loss = loss + state[1].sum()
    else:
        half = T // 2
        out1, st = module(x[:half], (h0, c0) if lstm else h0)
        out2, st = module(x[half:], st)
        loss = (torch.cat([out1, out2]) * g).sum() + (st[1].sum() if lstm else 0)
    loss.backward()
    chains.append({
        'kind': kind, 'state': state_of(module), 'x': ser(x), 'h0': ser(h0), 'c0': ser(c0) if lstm else None, 'g': ser(g),
        'loss': loss.item(), 'grad_x': ser(x.grad), 'grad_h0': ser(h0.grad), 'grad_c0': ser(c0.grad) if lstm else None,
        'grads': {n: ser(p.grad) for n, p in module.named_parameters()},
    })

data = {'layers': layers, 'chains': chains, 'packed': packed, 'cells': cells, 'utils': utils, 'init': init, 'reprs': reprs, 'errors': errors}
out = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'rnn.json')
with open(out, 'w') as f:
    json.dump(data, f, separators=(',', ':'))
print(f'wrote {out}: {len(layers)} layer cases, {len(packed)} packed, {len(cells)} cells')
