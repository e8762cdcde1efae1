#!/usr/bin/env python3
"""Generates tests/fixtures/nn-legacy.json: PyTorch 1.13's hook-based spectral_norm /
remove_spectral_norm (u and v drawn from torch.manual_seed, outputs, u, v and gradients over
training steps, a GAN-style step with two forwards, eval mode, state-dict keys, values and
_metadata, a trained state dict to load, errors), nn.utils.stateless.functional_call (values
and gradients, a MAML step, BatchNorm buffers, kwargs, errors and the tied-weights warning),
nn.DataParallel on a CPU-only machine, nn.CrossMapLRN2d (its own forward and backward) and
nn.NLLLoss2d.

Run: /usr/bin/python3 scripts/make_nn_legacy_fixtures.py
"""
import json
import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm, remove_spectral_norm
from torch.nn.utils.stateless import functional_call

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import err, ser  # noqa: E402

g = torch.Generator().manual_seed(2024)


def r(*shape, dtype=torch.float32):
    return torch.randn(*shape, generator=g, dtype=dtype)


def weights_of(module):
    return {n: ser(p) for n, p in module.named_parameters()}


def set_weights(module, dtype=torch.float32):
    """Fills every parameter from g, so that flint can build the same module from the fixture."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(r(*p.shape, dtype=dtype) * 0.5)
    return weights_of(module)


def metadata(sd):
    return {k: dict(v) for k, v in sd._metadata.items()}


def out_weight(y):
    return torch.linspace(-1, 1, y.numel(), dtype=y.dtype).reshape(y.shape)


# ---------------------------------------------------------------- spectral_norm

def sn_run(make, seed, sn_kwargs, inputs, steps, lr=0.1, gan=True):
    """spectral_norm on a module whose weights come from g, then `steps` SGD steps on
    (y * linspace).sum(), a GAN-style step, eval, the state dict and removal."""
    m = make()
    init = set_weights(m, dtype=m.weight.dtype)
    orig = m.weight
    torch.manual_seed(seed)
    spectral_norm(m, **sn_kwargs)
    assert m.weight_orig is orig
    rec = {'init': init, 'seed': seed, 'kwargs': sn_kwargs,
           'u0': ser(m.weight_u), 'v0': ser(m.weight_v), 'weight_attr0': ser(m.weight),
           'params': [n for n, _ in m.named_parameters()], 'buffers': [n for n, _ in m.named_buffers()],
           'keys': list(m.state_dict().keys()), 'metadata': metadata(m.state_dict()),
           'inputs': [ser(x) for x in inputs], 'steps': []}
    for i in range(steps):
        x = inputs[i % len(inputs)]
        y = m(x)
        (y * out_weight(y)).sum().backward()
        rec['steps'].append({'y': ser(y), 'u': ser(m.weight_u), 'v': ser(m.weight_v), 'weight': ser(m.weight),
                             'grads': {n: ser(p.grad) for n, p in m.named_parameters()}})
        with torch.no_grad():
            for p in m.parameters():
                p -= lr * p.grad
        m.zero_grad()
    if gan:
        a, b = inputs[0], inputs[-1]
        loss = m(a).sum() - m(b).pow(2).sum()
        loss.backward()
        rec['gan'] = {'loss': loss.item(), 'u': ser(m.weight_u), 'v': ser(m.weight_v),
                      'grads': {n: ser(p.grad) for n, p in m.named_parameters()}}
        m.zero_grad()
    m.eval()
    rec['eval'] = [ser(m(x)) for x in inputs]
    rec['eval_u'] = ser(m.weight_u)
    rec['state'] = {k: ser(v) for k, v in m.state_dict().items()}
    m.train()
    remove_spectral_norm(m)
    rec['removed_keys'] = list(m.state_dict().keys())
    rec['removed_params'] = [n for n, _ in m.named_parameters()]
    rec['removed_weight'] = ser(m.weight)
    return rec


spectral = {
    'linear': sn_run(lambda: nn.Linear(5, 4), 3, {}, [r(3, 5), r(2, 5)], 3),
    'conv': sn_run(lambda: nn.Conv2d(3, 4, 3), 5, {'n_power_iterations': 2}, [r(2, 3, 5, 5)], 2),
    'convT': sn_run(lambda: nn.ConvTranspose2d(4, 3, 2), 7, {}, [r(2, 4, 3, 3)], 2),
    'dim1': sn_run(lambda: nn.Linear(6, 3), 9, {'dim': 1, 'eps': 1e-6}, [r(4, 6)], 2),
    'float64': sn_run(lambda: nn.Linear(4, 3).double(), 13, {}, [r(2, 4, dtype=torch.float64)], 2),
    # 20 and 24 entries: normal_'s vectorised path (16 or more) draws u and v.
    'wide': sn_run(lambda: nn.Linear(24, 20), 17, {}, [r(2, 24)], 1, gan=False),
}

# A trained spectral-normed model whose state dict flint loads by name.
torch.manual_seed(21)
net = nn.Sequential(spectral_norm(nn.Linear(4, 6)), nn.Tanh(), spectral_norm(nn.Linear(6, 2)))
opt = torch.optim.SGD(net.parameters(), lr=0.2)
for _ in range(3):
    opt.zero_grad()
    net(r(5, 4)).pow(2).mean().backward()
    opt.step()
x_load = r(3, 4)
sd = net.state_dict()
load = {'state': {k: ser(v) for k, v in sd.items()}, 'keys': list(sd.keys()), 'metadata': metadata(sd), 'x': ser(x_load)}
net.eval()
load['y_eval'] = ser(net(x_load))
net.train()
load['y_train'] = ser(net(x_load))
load['u_after'] = {k: ser(v) for k, v in net.state_dict().items() if k.endswith('_u') or k.endswith('_v')}

spectral_errors = {
    'twice': err(lambda: spectral_norm(spectral_norm(nn.Linear(3, 2)))),
    'remove_absent': err(lambda: remove_spectral_norm(nn.Linear(3, 2))),
    'remove_twice': err(lambda: remove_spectral_norm(remove_spectral_norm(spectral_norm(nn.Linear(3, 2))))),
    'remove_other_name': err(lambda: remove_spectral_norm(spectral_norm(nn.Linear(3, 2)), 'bias')),
    'iterations': err(lambda: spectral_norm(nn.Linear(3, 2), n_power_iterations=0)),
    'none': err(lambda: spectral_norm(nn.Linear(3, 2, bias=False), 'bias')),
}

# ---------------------------------------------------------------- functional_call

D = torch.float64


def mlp():
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    return m, set_weights(m, D)


stateless = {}
m, init = mlp()
x = r(5, 3, dtype=D)
repl = {'0.weight': r(4, 3, dtype=D).requires_grad_(), '0.bias': r(4, dtype=D).requires_grad_(),
        '2.weight': r(2, 4, dtype=D).requires_grad_()}
y = functional_call(m, repl, (x,))
(y * out_weight(y)).sum().backward()
stateless['mlp'] = {'init': init, 'x': ser(x), 'repl': {k: ser(v) for k, v in repl.items()}, 'y': ser(y),
                    'repl_grads': {k: ser(v.grad) for k, v in repl.items()},
                    'own_grads': {n: (ser(p.grad) if p.grad is not None else None) for n, p in m.named_parameters()},
                    'y_own': ser(m(x))}

m, init = mlp()
x_tr, y_tr, x_te, y_te = r(6, 3, dtype=D), r(6, 2, dtype=D), r(4, 3, dtype=D), r(4, 2, dtype=D)
params = dict(m.named_parameters())
inner = F.mse_loss(functional_call(m, params, (x_tr,)), y_tr)
grads = torch.autograd.grad(inner, list(params.values()), create_graph=True)
fast = {n: p - 0.1 * gr for (n, p), gr in zip(params.items(), grads)}
outer = F.mse_loss(functional_call(m, fast, (x_te,)), y_te)
outer.backward()
stateless['maml'] = {'init': init, 'x_tr': ser(x_tr), 'y_tr': ser(y_tr), 'x_te': ser(x_te), 'y_te': ser(y_te),
                     'inner': inner.item(), 'outer': outer.item(), 'grads': {n: ser(p.grad) for n, p in m.named_parameters()}}

bn = nn.BatchNorm1d(3).double()
bn_init = set_weights(bn, D)
xb = r(4, 3, dtype=D)
bufs = {'running_mean': torch.zeros(3, dtype=D), 'running_var': torch.full((3,), 2.0, dtype=D),
        'num_batches_tracked': torch.tensor(5)}
yb = functional_call(bn, bufs, (xb,))
stateless['batchnorm'] = {'init': bn_init, 'x': ser(xb), 'y': ser(yb), 'buffers_after': {k: ser(v) for k, v in bufs.items()},
                          'own_after': {k: ser(v) for k, v in bn.named_buffers()}}


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(3, 2, dtype=D))

    def forward(self, x, scale=1.0):
        return x @ self.w * scale


W = r(3, 2, dtype=D)
xs = r(2, 3, dtype=D)
stateless['kwargs'] = {'w': ser(W), 'x': ser(xs), 'y': ser(functional_call(Scaled(), {'w': W}, (xs,), {'scale': 2.5})),
                       'y_single_arg': ser(functional_call(Scaled(), {'w': W}, xs))}



class Counter(nn.Module):
    """functional_call's docstring example: an assignment to a swapped name lands in the dict."""
    def __init__(self):
        super().__init__()
        self.register_buffer('foo', torch.zeros((), dtype=D))

    def forward(self, x):
        self.foo = self.foo + 1
        return x + self.foo


counter, given = Counter(), {'foo': torch.zeros((), dtype=D)}
stateless['assign'] = {'y': ser(functional_call(counter, given, torch.ones((), dtype=D))), 'own': ser(counter.foo), 'given': ser(given['foo'])}
seq = nn.Sequential(nn.Linear(2, 2))
functional_call(seq, {'0.extra': torch.zeros(2, 2)}, (torch.zeros(1, 2),))
stateless['extra_after'] = hasattr(seq[0], 'extra')
stateless['errors'] = {'missing_path': err(lambda: functional_call(seq, {'foo.weight': torch.zeros(2, 2)}, (torch.zeros(1, 2),)))}
a, b = nn.Linear(2, 2), nn.Linear(2, 2)
b.weight = a.weight
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    functional_call(nn.Sequential(a, b), {'0.weight': torch.ones(2, 2), '1.weight': torch.zeros(2, 2)}, (torch.ones(1, 2),))
stateless['tied_warning'] = str(caught[0].message)

# ---------------------------------------------------------------- DataParallel (no CUDA here)

assert not torch.cuda.is_available()
lin = nn.Linear(3, 2)
dp = nn.DataParallel(lin, device_ids=[0, 1], output_device=3, dim=1)
data_parallel = {'repr': repr(dp), 'keys': list(dp.state_dict().keys()), 'device_ids': dp.device_ids,
                 'has_dim': hasattr(dp, 'dim'), 'has_output_device': hasattr(dp, 'output_device'),
                 'modules': [n for n, _ in dp.named_modules()]}

# ---------------------------------------------------------------- CrossMapLRN2d

lrn_cases = []
for dtype, c, size, alpha, beta, k in [
    (D, 5, 3, 1e-1, 0.75, 1), (D, 6, 5, 1e-1, 0.75, 1), (D, 4, 2, 0.2, 0.75, 1), (D, 3, 4, 0.2, 0.75, 1),
    (D, 8, 5, 1e-2, 0.5, 2.0), (D, 2, 6, 0.3, 0.75, 1), (D, 1, 3, 0.5, 0.75, 1), (torch.float32, 7, 3, 1e-4, 0.75, 1),
]:
    xl = (r(2, c, 3, 4, dtype=dtype) * 2).requires_grad_()
    mod = nn.CrossMapLRN2d(size, alpha, beta, k)
    yl = mod(xl)
    (yl * out_weight(yl)).sum().backward()
    lrn_cases.append({'size': size, 'alpha': alpha, 'beta': beta, 'k': k, 'x': ser(xl), 'y': ser(yl), 'grad': ser(xl.grad),
                      'gradFn': type(yl.grad_fn).__name__,
                      'matches_lrn': bool(torch.allclose(yl, nn.LocalResponseNorm(size, alpha, beta, k)(xl)))})
x1 = r(2, 3, 2, 2, dtype=D).requires_grad_()
y1 = nn.CrossMapLRN2d(1, 0.5)(x1)
cross_map = {'cases': lrn_cases, 'size1': {'x': ser(x1), 'y': ser(y1), 'backward_error': err(lambda: y1.sum().backward())},
             'reprs': [repr(nn.CrossMapLRN2d(3)), repr(nn.CrossMapLRN2d(5, 1e-3, 0.5, 2.5))]}

# ---------------------------------------------------------------- NLLLoss2d

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    nll = nn.NLLLoss2d()
nll_warning = str(caught[0].message)
logits = r(2, 3, 4, 4, dtype=D)
target = torch.randint(0, 3, (2, 4, 4), generator=g)
target[0, 0, 0] = -100
weight = torch.tensor([0.2, 1.0, 3.0], dtype=D)
nll_cases = []
for kw in [{}, {'reduction': 'sum'}, {'reduction': 'none'}, {'weight': weight}, {'weight': weight, 'ignore_index': 1}]:
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        loss_mod = nn.NLLLoss2d(**kw)
    inp = F.log_softmax(logits, 1).detach().requires_grad_()
    tgt = target.clamp_min(0) if 'ignore_index' in kw else target
    out = loss_mod(inp, tgt)
    (out * out_weight(out)).sum().backward()
    nll_cases.append({'kw': {k: (ser(v) if isinstance(v, torch.Tensor) else v) for k, v in kw.items()},
                      'target': ser(tgt), 'out': ser(out), 'grad': ser(inp.grad)})
nll2d = {'warning': nll_warning, 'repr': repr(nll), 'input': ser(F.log_softmax(logits, 1)), 'cases': nll_cases}

doc = {'torch': torch.__version__, 'spectral': spectral, 'load': load, 'spectral_errors': spectral_errors,
       'stateless': stateless, 'data_parallel': data_parallel, 'cross_map': cross_map, 'nll2d': nll2d}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'nn-legacy.json')
with open(path, 'w') as f:
    json.dump(doc, f)
print('wrote', os.path.normpath(path))
