"""Fixtures for torch.autograd.graph's saved-tensor hooks and the non-reentrant
checkpoint (tests/saved-tensor-hooks.test.ts), written by PyTorch 1.13:
  /usr/bin/python3 scripts/make_saved_hooks_fixtures.py > tests/fixtures/saved-hooks.json
"""
import json
import sys

import torch
import torch.nn.functional as F
from torch.autograd.graph import saved_tensors_hooks, save_on_cpu, disable_saved_tensors_hooks
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

sys.path.insert(0, 'scripts')
from fixture_json import ser, err  # noqa: E402

torch.manual_seed(0)
D = torch.float64
X = torch.randn(6, 4, dtype=D)
Y = torch.tensor([0, 2, 1, 1, 0, 2])
W1 = torch.randn(5, 4, dtype=D)
B1 = torch.randn(5, dtype=D)
W2 = torch.randn(3, 5, dtype=D)
B2 = torch.randn(3, dtype=D)


def leaves():
    return [t.clone().requires_grad_() for t in (X, W1, B1, W2, B2)]


def mlp_loss(x, w1, b1, w2, b2):
    h = F.linear(x, w1, b1).tanh()
    h = h * h.sigmoid()
    return F.cross_entropy(F.linear(h, w2, b2), Y)


def grads(wrap):
    ls = leaves()
    loss = wrap(lambda: mlp_loss(*ls))
    loss.backward()
    return {'loss': ser(loss), 'grads': [ser(t.grad) for t in ls]}


def _with(cm, f):
    with cm:
        return f()


out = {'inputs': [ser(t) for t in (X, W1, B1, W2, B2)], 'target': Y.tolist()}
out['plain'] = grads(lambda f: f())
out['cloneHooks'] = grads(lambda f: _with(saved_tensors_hooks(lambda t: t.detach().clone(), lambda p: p), f))



out['saveOnCpu'] = grads(lambda f: _with(save_on_cpu(), f))

# Second order through hooks that return copies: the unpacked tensor keeps the history.
w = torch.tensor([2.0, 3.0], dtype=D, requires_grad=True)
with saved_tensors_hooks(lambda t: t.detach().clone(), lambda p: p):
    y = (w * w * w).sum()
g, = torch.autograd.grad(y, w, create_graph=True)
gg, = torch.autograd.grad(g.sum(), w)
out['secondOrder'] = {'w': ser(w), 'g': ser(g), 'gg': ser(gg)}

# No version check through hooks: the modified value is what backward reads.
a = torch.tensor([1.0, 2.0], dtype=D, requires_grad=True)
with saved_tensors_hooks(lambda t: t, lambda t: t):
    b = a * 2
    c = b * b
b.add_(1)
c.sum().backward()
out['noVersionCheck'] = {'a': ser(a), 'grad': ser(a.grad)}

out['errors'] = {}
with saved_tensors_hooks(lambda t: t, lambda t: 5):
    c = (a * a).sum()
out['errors']['unpackNotTensor'] = err(lambda: c.backward())


def _nested():
    with saved_tensors_hooks(lambda t: t, lambda t: t):
        pass


def _disabled():
    with disable_saved_tensors_hooks('no hooks here'):
        _nested()


out['errors']['disabled'] = err(_disabled)


def _disabled_inside():
    with saved_tensors_hooks(lambda t: t, lambda t: t):
        with disable_saved_tensors_hooks('no hooks inside'):
            return a * a


out['errors']['disabledInside'] = err(_disabled_inside)


# Non-reentrant checkpoint: same values and gradients as no checkpoint, dropout replayed.
def block(x, w1, b1):
    return F.dropout(F.linear(x, w1, b1).tanh(), 0.5, training=True)


def ckpt_case(use_ckpt):
    ls = leaves()
    torch.manual_seed(7)
    if use_ckpt:
        h = checkpoint(block, ls[0], ls[1], ls[2], use_reentrant=False)
    else:
        h = block(ls[0], ls[1], ls[2])
    loss = F.cross_entropy(F.linear(h, ls[3], ls[4]), Y)
    loss.backward()
    return {'loss': ser(loss), 'grads': [ser(t.grad) for t in ls]}


out['checkpointPlain'] = ckpt_case(False)
out['checkpointNonReentrant'] = ckpt_case(True)

# autograd.grad and a second order through the non-reentrant checkpoint.
x = torch.tensor([0.5, -1.0, 2.0], dtype=D, requires_grad=True)
y = checkpoint(lambda t: (t * t * t).sin(), x, use_reentrant=False).sum()
g, = torch.autograd.grad(y, x, create_graph=True)
gg, = torch.autograd.grad(g.sum(), x)
out['checkpointGrad'] = {'x': ser(x), 'y': ser(y), 'g': ser(g), 'gg': ser(gg)}

# checkpoint_sequential over a Sequential.
torch.manual_seed(3)
net = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2)).double()
xs = X.clone().requires_grad_()
ys = checkpoint_sequential(net, 2, xs)
ys.pow(2).sum().backward()
out['sequential'] = {
    'state': {k: ser(v) for k, v in net.state_dict().items()},
    'y': ser(ys),
    'gradX': ser(xs.grad),
    'grads': {k: ser(p.grad) for k, p in net.named_parameters()},
}

json.dump(out, sys.stdout)
