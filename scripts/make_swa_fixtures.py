#!/usr/bin/env python3
"""Generate tests/fixtures/swa-utils.json: what PyTorch 1.13's torch.optim.swa_utils computes,
for tests/swa-utils.test.ts.

    /usr/bin/python3 scripts/make_swa_fixtures.py

averaged: an MLP with a BatchNorm (weights set from fixed tensors, three "training" states),
          AveragedModel's parameters and buffers after each update_parameters, for SWA (the
          default), an EMA avg_fn, and use_buffers=True; its state-dict keys and n_averaged.
          flint follows PyTorch 2.x, which copies the buffers from the model when they are not
          averaged; 1.13 leaves them alone, so that copy is made here after each update.
update_bn: the BatchNorm statistics update_bn recomputes over a loader of (x, y) batches, and
          the momentum and mode it restores.
swalr:    the learning rates SWALR sets over 14 steps, cos and linear, anneal_epochs 0 and 3,
          one swa_lr for two groups and one per group.
"""
import json
import os

import torch
from torch import nn
from torch.optim import swa_utils

F64 = torch.float64


def ser(t):
    t = t.detach().contiguous()
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''), 'data': t.reshape(-1).tolist()}


def model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)).to(F64)


def states():
    """Three training states: every parameter and buffer set from a fixed formula."""
    out = []
    for k in range(3):
        m = model()
        with torch.no_grad():
            for i, t in enumerate(list(m.parameters()) + [b for b in m.buffers() if b.is_floating_point()]):
                n = t.numel()
                t.copy_(torch.linspace(-1.0 + 0.3 * k + 0.1 * i, 1.5 - 0.2 * k + 0.05 * i, n, dtype=F64).reshape(t.shape))
            m[1].num_batches_tracked.fill_(5 + k)
        out.append(m)
    return out


def tensors_of(m, buffers=True):
    d = {n: ser(p) for n, p in m.named_parameters()}
    if buffers:
        d.update({n: ser(b) for n, b in m.named_buffers()})
    return d


def update_2x(swa, m):
    """update_parameters as PyTorch 2.x: 1.13's, then the unaveraged buffers copied from m."""
    swa.update_parameters(m)
    if not swa.use_buffers:
        with torch.no_grad():
            for b_swa, b in zip(swa.module.buffers(), m.buffers()):
                b_swa.copy_(b)


def averaged_run(**kw):
    ms = states()
    swa = swa_utils.AveragedModel(ms[0], **kw)
    steps = []
    for m in ms:
        update_2x(swa, m)
        steps.append({'nAveraged': int(swa.n_averaged), 'tensors': tensors_of(swa.module)})
    return {'stateDictKeys': list(swa.state_dict().keys()), 'steps': steps}


averaged = {
    'swa': averaged_run(),
    'ema': averaged_run(avg_fn=lambda avg, cur, n: 0.9 * avg + (1 - 0.9) * cur),
    'swaBuffers': averaged_run(use_buffers=True),
}
x = torch.linspace(-2, 2, 12, dtype=F64).reshape(4, 3)
swa = swa_utils.AveragedModel(states()[0])
for m in states():
    update_2x(swa, m)
averaged['forward'] = {'x': ser(x), 'train': ser(swa(x)), 'eval': ser(swa.eval()(x))}

# ---------------------------------------------------------------- update_bn
m = states()[1]
m.eval()
loader = [(torch.linspace(-1 + 0.5 * i, 2 + i, 15, dtype=F64).reshape(5, 3), torch.zeros(5)) for i in range(3)]
swa_utils.update_bn(loader, m)
update_bn = {
    'batches': [ser(b[0]) for b in loader],
    'runningMean': ser(m[1].running_mean), 'runningVar': ser(m[1].running_var),
    'numBatchesTracked': int(m[1].num_batches_tracked), 'momentum': m[1].momentum, 'training': m.training,
}

# ---------------------------------------------------------------- SWALR


def lrs(swa_lr, anneal_epochs, strategy, groups=2, lr=0.5):
    p = [nn.Parameter(torch.zeros(1)) for _ in range(groups)]
    opt = torch.optim.SGD([{'params': [q], 'lr': lr * (i + 1)} for i, q in enumerate(p)], lr=lr)
    s = swa_utils.SWALR(opt, swa_lr=swa_lr, anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    seq = [[g['lr'] for g in opt.param_groups]]
    for _ in range(14):
        opt.step()
        s.step()
        seq.append([g['lr'] for g in opt.param_groups])
    return {'swaLr': swa_lr, 'annealEpochs': anneal_epochs, 'strategy': strategy, 'lrs': seq,
            'lastLr': s.get_last_lr(), 'annealEpochsSaved': s.state_dict()['anneal_epochs'],
            'groupSwaLr': [g['swa_lr'] for g in opt.param_groups]}


swalr = [lrs(0.05, 10, 'cos'), lrs(0.05, 3, 'linear'), lrs(0.05, 0, 'cos'), lrs([0.1, 0.02], 4, 'cos'), lrs(0.3, 5, 'linear')]
errors = {}
opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
for name, fn in {'strategy': lambda: swa_utils.SWALR(opt, 0.05, anneal_strategy='exp'),
                 'epochs': lambda: swa_utils.SWALR(opt, 0.05, anneal_epochs=-1),
                 'lengths': lambda: swa_utils.SWALR(opt, [0.1, 0.2])}.items():
    try:
        fn()
    except ValueError as e:
        errors[name] = str(e)

fixture = {'torch': torch.__version__, 'averaged': averaged, 'updateBn': update_bn, 'swalr': swalr, 'errors': errors}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures', 'swa-utils.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'))
print(f'wrote {path}: {os.path.getsize(path)} bytes')
