#!/usr/bin/env python3
"""Write the optimizer-resume checkpoints into tests/fixtures/pytorch/torch-<version>/.

Run with the interpreter that has torch (PyTorch 1.13 here):

    /usr/bin/python3 scripts/make_optim_resume_fixtures.py

Each case trains a Linear(4, 3) for TRAINED steps on a fixed batch with

    loss = mse_loss(net(X), Y)

then saves, with torch.save, one dict:

    {'model': net.state_dict(), 'optimizer': opt.state_dict(), 'X': X, 'Y': Y,
     'next': [{'weight': W, 'bias': b} after step TRAINED + 1, ... after TRAINED + NEXT]}

so that a loader can resume the optimizer from 'model' and 'optimizer', take NEXT more
steps on (X, Y), and compare with PyTorch's own 'next' values. PyTorch keys
`optimizer['state']` by int parameter index, which is what these files check.

It also writes optim_resume.json beside the files: the same per-file summary
(keys, dtypes, shapes, first values, sums) that expected.json holds for the other
fixtures, so the generic fixture test can check them too. expected.json itself belongs
to make_pytorch_checkpoint_fixtures.py and is left alone.
"""
import copy
import json
import os
import sys

try:
    import torch
    from torch import nn
except ImportError as e:
    sys.exit(f'make_optim_resume_fixtures.py needs PyTorch ({e}); run it with /usr/bin/python3')

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINED = 3
NEXT = 2

CASES = {
    'optim_adam.pt': lambda params: torch.optim.Adam(
        params, lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.01, foreach=False),
    'optim_adam_amsgrad.pt': lambda params: torch.optim.Adam(
        params, lr=0.05, amsgrad=True, foreach=False),
    'optim_sgd_momentum.pt': lambda params: torch.optim.SGD(
        params, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.001, foreach=False),
}


def summary(obj):
    """The loader-facing description, as make_pytorch_checkpoint_fixtures.py writes it."""
    if isinstance(obj, torch.Tensor):
        t = obj.detach()
        d = {'type': 'Parameter' if isinstance(obj, nn.Parameter) else 'Tensor',
             'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape),
             'stride': list(t.stride()), 'storage_offset': t.storage_offset(),
             'requires_grad': obj.requires_grad}
        if t.numel():
            flat = t.reshape(-1)
            d['first'] = flat[:4].double().tolist() if t.dtype != torch.bool else flat[:4].tolist()
            d['sum'] = t.double().sum().item()
        return d
    if isinstance(obj, dict):
        return {'type': type(obj).__name__, 'items': {str(k): summary(v) for k, v in obj.items()}}
    if isinstance(obj, (list, tuple)):
        return {'type': type(obj).__name__, 'items': [summary(v) for v in obj]}
    return {'type': type(obj).__name__, 'value': obj}


def run_case(make):
    torch.manual_seed(0)
    net = nn.Linear(4, 3)
    X = torch.randn(5, 4)
    Y = torch.randn(5, 3)
    opt = make(net.parameters())

    def step():
        opt.zero_grad()
        nn.functional.mse_loss(net(X), Y).backward()
        opt.step()

    for _ in range(TRAINED):
        step()
    saved = {'model': net.state_dict(), 'optimizer': opt.state_dict(), 'X': X, 'Y': Y}
    return saved, step, net


def main():
    version = torch.__version__.split('+')[0]
    major_minor = '.'.join(version.split('.')[:2])
    out = os.path.join(HERE, '..', 'tests', 'fixtures', 'pytorch', f'torch-{major_minor}')
    os.makedirs(out, exist_ok=True)
    summaries = {'torch_version': torch.__version__}
    for name, make in CASES.items():
        saved, step, net = run_case(make)
        path = os.path.join(out, name)
        nexts = []
        # The state dicts hold live tensors, which the next steps change: copy them now.
        snapshot = copy.deepcopy(saved)
        for _ in range(NEXT):
            step()
            nexts.append({'weight': net.weight.detach().clone(), 'bias': net.bias.detach().clone()})
        snapshot['next'] = nexts
        torch.save(snapshot, path)
        summaries[name] = summary(snapshot)
        print(f'wrote {path} ({os.path.getsize(path)} bytes)')
    with open(os.path.join(out, 'optim_resume.json'), 'w') as f:
        json.dump(summaries, f, indent=1, sort_keys=True)


if __name__ == '__main__':
    main()
