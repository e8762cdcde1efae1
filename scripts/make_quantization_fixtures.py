"""Writes tests/fixtures/quantization.json: quantized tensors and dynamic quantization, from
PyTorch 1.13 (Debian's build, whose quantized engine is oneDNN; the x86 engine computes the
same input scales and zero points, PyTorch's ChooseQuantizationParams with reduce_range).

- quantize_per_tensor / quantize_per_channel / quantize_per_tensor_dynamic: the integers, the
  values back, the scale and zero point, and the repr;
- quantize_dynamic of an MLP, per tensor and per channel: the repr, each layer's integer weight
  and scales, the state dict's keys, and outputs for inputs of several ranges and shapes.

Run with /usr/bin/python3 (PyTorch 1.13) from the repository root."""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import ser  # noqa: E402

torch.manual_seed(0)
assert torch.backends.quantized.engine == 'onednn', torch.backends.quantized.engine

x = torch.randn(4, 6) * 2
ties = torch.tensor([0.25, 0.35, 0.45, -0.25, -0.35, 1e10, -1e10, float('nan'), 0.0, -0.0, 12.7, -12.85])
per_tensor = []
for label, t, scale, zp, dtype in [
    ('quint8', x, 0.05, 128, torch.quint8), ('qint8', x, 0.03, -5, torch.qint8), ('qint32', x, 1e-4, 7, torch.qint32),
    ('ties qint8', ties, 0.1, 0, torch.qint8), ('ties quint8', ties, 0.1, 100, torch.quint8),
    ('scalar', torch.tensor(2.5), 0.1, 3, torch.qint8), ('empty', torch.zeros(0, 3), 0.1, 3, torch.quint8),
    ('transposed', torch.tensor([[1.0, 2], [3, 4]]).t(), 0.1, 3, torch.quint8),
    # Past 2^24 the float32 sum of the zero point rounds; infinities go to the lowest integer.
    ('qint32 large', torch.tensor([2000.0, -2000.0, 1677.7217, float('inf'), float('-inf'), 3e15]), 1e-4, 7, torch.qint32),
    ('infinities', torch.tensor([float('inf'), float('-inf'), 1e30, -1e30]), 0.1, 5, torch.quint8),
]:
    q = torch.quantize_per_tensor(t, scale, zp, dtype)
    per_tensor.append({'label': label, 'input': ser(t), 'scale': scale, 'zeroPoint': zp, 'dtype': str(dtype).replace('torch.', ''),
                       'int': ser(q.int_repr()), 'values': ser(q.dequantize()), 'repr': repr(q)})

w = torch.randn(3, 5)
per_channel = []
for axis, scales, zps, dtype in [(0, [0.1, 0.02, 0.3], [0, 3, -2], torch.qint8), (1, [0.1, 0.2, 0.05, 0.01, 0.5], [128, 0, 3, 255, 7], torch.quint8)]:
    q = torch.quantize_per_channel(w, torch.tensor(scales, dtype=torch.float64), torch.tensor(zps), axis, dtype)
    per_channel.append({'axis': axis, 'input': ser(w), 'scales': scales, 'zeroPoints': zps, 'dtype': str(dtype).replace('torch.', ''),
                        'int': ser(q.int_repr()), 'values': ser(q.dequantize()), 'repr': repr(q)})

dynamic = []
for label, t, dtype, reduce in [('quint8', torch.tensor([-1.0, 0.5, 2.0, 7]), torch.quint8, False), ('qint8 reduce', torch.tensor([-1.0, 0.5, 2.0, 7]), torch.qint8, True),
                                ('positive', torch.rand(10) + 3, torch.quint8, False), ('random', torch.randn(3, 7), torch.qint8, False),
                                ('zeros', torch.zeros(5), torch.quint8, False), ('tiny', torch.tensor([1e-7, -3e-7, 2e-7]), torch.quint8, True),
                                # The small-scale branch's float arithmetic decides these zero points.
                                ('small scale', torch.tensor([-6.60117220832035e-05, 2.0863808458670974e-05]), torch.quint8, True),
                                ('smaller scale', torch.tensor([-7.450797312458235e-09, 8.90532925179599e-11]), torch.quint8, True)]:
    q = torch.quantize_per_tensor_dynamic(t, dtype, reduce)
    dynamic.append({'label': label, 'input': ser(t), 'dtype': str(dtype).replace('torch.', ''), 'reduceRange': reduce,
                    'scale': q.q_scale(), 'zeroPoint': q.q_zero_point(), 'int': ser(q.int_repr()), 'repr': repr(q)})


def mlp():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 5, bias=False))


inputs = [('2-D', torch.randn(7, 20)), ('3-D', torch.randn(2, 3, 20) * 5), ('positive', torch.rand(4, 20) + 1),
          ('negative', -torch.rand(4, 20) - 0.5), ('zeros', torch.zeros(3, 20)), ('one row', torch.randn(1, 20) * 0.01),
          ('empty', torch.zeros(0, 20)), ('wide', torch.randn(50, 20) * 100)]
models = []
for label, spec in [('per tensor', {nn.Linear}), ('per channel', {nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig})]:
    model = mlp()
    float_state = {k: ser(v) for k, v in model.state_dict().items()}
    qmodel = torch.ao.quantization.quantize_dynamic(model, spec, dtype=torch.qint8)
    layers = []
    for i in (0, 2, 4):
        qw = qmodel[i].weight()
        entry = {'index': i, 'int': ser(qw.int_repr()), 'qscheme': str(qw.qscheme())}
        if qw.qscheme() == torch.per_tensor_affine:
            entry['scale'] = qw.q_scale()
        else:
            entry['scales'] = ser(qw.q_per_channel_scales())
        layers.append(entry)
    outputs = [{'label': name, 'input': ser(t), 'out': ser(qmodel(t))} for name, t in inputs]
    # Each quantized layer on the input PyTorch gave it: a last-bit difference in one layer's
    # float output can move the next layer's quantized input by a step, so a deep chain on a
    # wide input is compared layer by layer.
    per_layer = []
    for name, t in inputs:
        if name not in ('wide', '3-D'):
            continue
        seen = []
        hooks = [qmodel[i].register_forward_hook(lambda mod, args, out, i=i: seen.append({'index': i, 'input': ser(args[0]), 'out': ser(out)})) for i in (0, 2, 4)]
        qmodel(t)
        for h in hooks:
            h.remove()
        per_layer.append({'label': name, 'layers': seen})
    models.append({'label': label, 'state': float_state, 'repr': repr(qmodel), 'layers': layers, 'outputs': outputs, 'perLayer': per_layer,
                   'stateKeys': list(qmodel.state_dict().keys())})

# A checkpoint PyTorch wrote: both models' quantized state dicts, and quantized tensors of
# each dtype and scheme, for torch.load (tests/fixtures/quantized-checkpoint.pt).
checkpoint = {'perTensor': None, 'perChannel': None,
              'tensors': [torch.quantize_per_tensor(x, 0.05, 128, torch.quint8), torch.quantize_per_tensor(x, 1e-4, 7, torch.qint32),
                          torch.quantize_per_channel(w, torch.tensor([0.1, 0.02, 0.3], dtype=torch.float64), torch.tensor([0, 3, -2]), 0, torch.qint8),
                          torch.quantize_per_tensor(x, 0.03, -5, torch.qint8)[1:3, ::2]]}
for label, spec in [('perTensor', {nn.Linear}), ('perChannel', {nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig})]:
    checkpoint[label] = torch.ao.quantization.quantize_dynamic(mlp(), spec, dtype=torch.qint8).state_dict()
torch.save(checkpoint, 'tests/fixtures/quantized-checkpoint.pt')
checkpoint_tensors = [{'int': ser(t.int_repr()), 'repr': repr(t)} for t in checkpoint['tensors']]

with open('tests/fixtures/quantization.json', 'w') as f:
    json.dump({'perTensor': per_tensor, 'perChannel': per_channel, 'dynamic': dynamic, 'models': models, 'checkpointTensors': checkpoint_tensors}, f)
print('wrote tests/fixtures/quantization.json')
