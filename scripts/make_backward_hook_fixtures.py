"""Writes tests/fixtures/backward-hooks.json with PyTorch 1.13: Module.register_backward_hook
(the deprecated non-full hook on the output's grad_fn) on a Linear and on a Linear+ReLU block,
what its gradInput/gradOutput hold, the warnings, and the gradients when it replaces gradInput;
and grad_fn.register_hook / register_prehook on a node.
Run: /usr/bin/python3 scripts/make_backward_hook_fixtures.py"""
import json
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import ser  # noqa: E402

torch.manual_seed(0)
F64 = torch.float64


class Block(torch.nn.Module):
    def __init__(self, lin):
        super().__init__()
        self.lin = lin

    def forward(self, x):
        return torch.relu(self.lin(x))


def run(block, x, replace):
    seen = []

    def hook(module, gin, gout):
        seen.append({'module': type(module).__name__, 'gin': [None if g is None else ser(g) for g in gin], 'gout': [ser(g) for g in gout]})
        if replace:
            return tuple(None if g is None else g * 2 for g in gin)

    block.register_backward_hook(hook)
    x = x.clone().requires_grad_()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        out = block(x)
    (out * torch.linspace(-1, 1, out.numel(), dtype=F64).reshape(out.shape)).sum().backward()
    params = dict(block.named_parameters())
    return {'seen': seen, 'warnings': [str(m.message) for m in w], 'xGrad': ser(x.grad),
            'paramGrads': {k: ser(p.grad) for k, p in params.items()}}


def linear():
    lin = torch.nn.Linear(3, 2).double()
    return lin


lin = linear()
weights = {'weight': ser(lin.weight), 'bias': ser(lin.bias)}
x = torch.randn(4, 3, dtype=F64)
cases = {}
for name, make in (('linear', lambda: lin), ('block', lambda: Block(lin))):
    for replace in (False, True):
        lin.zero_grad()
        for m in (lin,):
            m._backward_hooks.clear()
        cases[f'{name}_{"replace" if replace else "observe"}'] = run(make(), x, replace)

# Node hooks: y = a * b; a hook doubling the first gradient, a prehook tripling the output's.
a = torch.randn(3, dtype=F64, requires_grad=True)
b = torch.randn(3, dtype=F64, requires_grad=True)
y = a * b
y.grad_fn.register_hook(lambda gi, go: (gi[0] * 2, gi[1]))
y.grad_fn.register_prehook(lambda go: (go[0] * 3,))
y.sum().backward()
node = {'a': ser(a), 'b': ser(b), 'aGrad': ser(a.grad), 'bGrad': ser(b.grad)}

try:
    m = torch.nn.Linear(2, 2)
    m.register_full_backward_hook(lambda *args: None)
    m.register_backward_hook(lambda *args: None)
except RuntimeError as e:
    mixed = str(e)

path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'backward-hooks.json')
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'weights': weights, 'x': ser(x), 'cases': cases, 'node': node, 'mixed': mixed}, f)
print({k: ([[None if g is None else g['shape'] for g in s['gin']] for s in v['seen']], v['warnings']) for k, v in cases.items()}, mixed)
