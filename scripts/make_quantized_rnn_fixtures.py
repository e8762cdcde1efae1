"""Writes tests/fixtures/quantized-rnn.json and tests/fixtures/quantized-rnn-checkpoint.pt:
dynamic quantization of recurrent layers, from PyTorch 1.13 (Debian's build, quantized engine
oneDNN).

- quantize_dynamic of nn.LSTM / nn.GRU (layers, directions, batch_first, packed sequences,
  initial states) and of nn.LSTMCell / nn.GRUCell / nn.RNNCell: the float state dict, the
  quantized module's repr and state-dict keys, each weight's integers and scale, and outputs;
- a word-language-model-like network (Embedding, LSTM, Linear) quantized with the default spec;
- a checkpoint PyTorch wrote of those quantized modules' state dicts.

Run with /usr/bin/python3 (PyTorch 1.13) from the repository root."""
import json
import os
import sys

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import ser  # noqa: E402

assert torch.backends.quantized.engine == 'onednn', torch.backends.quantized.engine


def weights_of(qmod):
    """Each packed weight's integers and scale, in PyTorch's order (layer, direction, ih then hh)."""
    out = []
    for name, w in qmod.get_weight().items():
        entry = {'name': name, 'int': ser(w.int_repr())}
        if w.qscheme() == torch.per_tensor_affine:
            entry['scale'] = w.q_scale()
        else:
            entry['scales'] = ser(w.q_per_channel_scales())
        out.append(entry)
    return out


def out_of(result):
    """Tensors of a recurrent module's result, flattened in order (packed outputs by their data)."""
    if isinstance(result, torch.Tensor):
        return [ser(result)]
    if isinstance(result, nn.utils.rnn.PackedSequence):
        return [ser(result.data)]
    flat = []
    for r in result:
        flat.extend(out_of(r))
    return flat


layers = []
torch.manual_seed(0)
for label, make, kind in [
    ('lstm', lambda: nn.LSTM(5, 8), 'tensor'),
    ('lstm per channel', lambda: nn.LSTM(5, 8, 2), 'per channel'),
    ('gru per channel', lambda: nn.GRU(5, 8), 'per channel'),
    ('lstm 2 layers bidirectional', lambda: nn.LSTM(5, 8, 2, bidirectional=True), 'tensor'),
    ('lstm batch_first', lambda: nn.LSTM(5, 6, batch_first=True), 'tensor'),
    ('lstm initial state', lambda: nn.LSTM(5, 8, 2), 'state'),
    ('lstm packed', lambda: nn.LSTM(5, 8, 2, bidirectional=True), 'packed'),
    ('gru', lambda: nn.GRU(5, 8), 'tensor'),
    ('gru 2 layers bidirectional', lambda: nn.GRU(5, 8, 2, bidirectional=True), 'tensor'),
    ('gru batch_first initial state', lambda: nn.GRU(5, 6, batch_first=True), 'state'),
    ('gru packed', lambda: nn.GRU(5, 8, bidirectional=True), 'packed'),
    ('lstm packed initial state', lambda: nn.LSTM(5, 8, 2, bidirectional=True), 'packed state'),
    ('gru packed initial state', lambda: nn.GRU(5, 8, bidirectional=True), 'packed state'),
]:
    mod = make().eval()
    float_state = {k: ser(v) for k, v in mod.state_dict().items()}
    # quantize_dynamic never swaps the root: the layer goes in a container.
    spec = {type(mod): torch.ao.quantization.per_channel_dynamic_qconfig} if kind == 'per channel' else None
    q = torch.ao.quantization.quantize_dynamic(nn.Sequential(mod), spec)[0]
    dirs = 2 if mod.bidirectional else 1
    batch = 3
    cases = []
    for scale in (1.0, 4.0):
        x = torch.randn(4, batch, 5) * scale
        if mod.batch_first:
            x = x.transpose(0, 1).contiguous()
        entry = {'scale': scale, 'input': ser(x)}
        inp = x
        if kind in ('packed', 'packed state'):
            lengths = torch.tensor([2, 4, 3])
            inp = pack_padded_sequence(x, lengths, enforce_sorted=False)
            entry['lengths'] = lengths.tolist()
            entry['batchSizes'] = inp.batch_sizes.tolist()
        if kind in ('state', 'packed state'):
            # The initial state is in the caller's batch order (PyTorch permutes it for packed input).
            h0 = torch.randn(mod.num_layers * dirs, batch, mod.hidden_size) * 0.5
            entry['h0'] = ser(h0)
            if isinstance(mod, nn.LSTM):
                c0 = torch.randn(mod.num_layers * dirs, batch, mod.hidden_size)
                entry['c0'] = ser(c0)
                result = q(inp, (h0, c0))
            else:
                result = q(inp, h0)
        else:
            result = q(inp)
        entry['outputs'] = out_of(result)
        cases.append(entry)
    layers.append({'label': label, 'kind': 'LSTM' if isinstance(mod, nn.LSTM) else 'GRU', 'numLayers': mod.num_layers,
                   'perChannel': kind == 'per channel', 'bidirectional': mod.bidirectional, 'batchFirst': mod.batch_first, 'inputSize': 5, 'hiddenSize': mod.hidden_size,
                   'state': float_state, 'repr': repr(q), 'stateKeys': list(q.state_dict().keys()), 'weights': weights_of(q), 'cases': cases})

cells = []
for label, make in [('lstm cell', lambda: nn.LSTMCell(5, 7)), ('gru cell', lambda: nn.GRUCell(5, 7)),
                    ('rnn cell tanh', lambda: nn.RNNCell(5, 7)), ('rnn cell relu', lambda: nn.RNNCell(5, 7, nonlinearity='relu'))]:
    mod = make()
    float_state = {k: ser(v) for k, v in mod.state_dict().items()}
    # quantize_dynamic never swaps the root: the cell goes in a container.
    q = torch.ao.quantization.quantize_dynamic(nn.Sequential(mod))[0]
    x = torch.randn(3, 5) * 2
    h = torch.randn(3, 7) * 0.5
    steps = []
    state = (h, torch.randn(3, 7)) if isinstance(mod, nn.LSTMCell) else h
    inputs = {'input': ser(x), 'h0': ser(h)}
    if isinstance(mod, nn.LSTMCell):
        inputs['c0'] = ser(state[1])
    for _ in range(3):
        state = q(x, state)
        steps.append(out_of(state))
    no_state = out_of(q(x))
    w = q._weight_bias()['weight']
    cells.append({'label': label, 'state': float_state, 'repr': repr(q), 'stateKeys': list(q.state_dict().keys()),
                  'weights': [{'name': n, 'int': ser(t.int_repr()), 'scale': t.q_scale()} for n, t in w.items()],
                  **inputs, 'steps': steps, 'noState': no_state})


class WordModel(nn.Module):
    """pytorch/examples word_language_model's RNNModel (LSTM), as the quantization tutorial uses it."""

    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.5)
        self.encoder = nn.Embedding(50, 16)
        self.rnn = nn.LSTM(16, 24, 2, dropout=0.5)
        self.decoder = nn.Linear(24, 50)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        return self.decoder(output), hidden


torch.manual_seed(3)
word = WordModel().eval()
word_state = {k: ser(v) for k, v in word.state_dict().items()}
qword = torch.ao.quantization.quantize_dynamic(word)
tokens = torch.randint(0, 50, (7, 2))
hidden = (torch.zeros(2, 2, 24), torch.zeros(2, 2, 24))
word_out = out_of(qword(tokens, hidden))
word_model = {'state': word_state, 'repr': repr(qword), 'tokens': tokens.tolist(), 'outputs': word_out, 'stateKeys': list(qword.state_dict().keys())}

# A checkpoint PyTorch wrote: a quantized bidirectional 2-layer LSTM, a GRU and the three cells.
torch.manual_seed(5)
container = nn.Module()
container.lstm = nn.LSTM(4, 6, 2, bidirectional=True)
container.gru = nn.GRU(4, 6)
container.lstm_cell = nn.LSTMCell(4, 6)
container.gru_cell = nn.GRUCell(4, 6)
container.rnn_cell = nn.RNNCell(4, 6, nonlinearity='relu')
qcontainer = torch.ao.quantization.quantize_dynamic(container)
torch.save(qcontainer.state_dict(), 'tests/fixtures/quantized-rnn-checkpoint.pt')
x = torch.randn(5, 2, 4)
cell_x = torch.randn(2, 4)
checkpoint_outputs = {
    'input': ser(x), 'cellInput': ser(cell_x),
    'lstm': out_of(qcontainer.lstm(x)), 'gru': out_of(qcontainer.gru(x)),
    'lstmCell': out_of(qcontainer.lstm_cell(cell_x)), 'gruCell': out_of(qcontainer.gru_cell(cell_x)), 'rnnCell': out_of(qcontainer.rnn_cell(cell_x)),
}

with open('tests/fixtures/quantized-rnn.json', 'w') as f:
    json.dump({'layers': layers, 'cells': cells, 'wordModel': word_model, 'checkpoint': checkpoint_outputs}, f)
print('wrote tests/fixtures/quantized-rnn.json and tests/fixtures/quantized-rnn-checkpoint.pt')
