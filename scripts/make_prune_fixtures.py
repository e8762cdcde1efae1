#!/usr/bin/env python3
"""Generates tests/fixtures/prune.json and tests/fixtures/prune.pt: PyTorch 1.13's
torch.nn.utils.prune on Linear, Conv1d and Conv2d layers. For each case, the layer's starting
parameters, the pruning calls (with the manual seed set before each random one) and, after every
call, the state-dict keys and values, the pruned attributes, the pruning hooks and the output on a
fixed input; global_unstructured over three layers; BasePruningMethod.prune; a training step
through a pruned layer; a pruned model's state dict saved by torch.save (prune.pt); and the error
messages.

Run: /usr/bin/python3 scripts/make_prune_fixtures.py
"""
import json
import os
import re
import sys

import torch
import torch.nn as nn
import torch.nn.utils.prune as prune

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import enc, err, ser  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures')
g = torch.Generator().manual_seed(13)
KINDS = {'Linear': nn.Linear, 'Conv1d': nn.Conv1d, 'Conv2d': nn.Conv2d}
INPUT_SHAPES = {'Linear': lambda a: [2, a[0]], 'Conv1d': lambda a: [2, a[0], 5], 'Conv2d': lambda a: [2, a[0], 4, 4]}


def randn(*shape, dtype=torch.float32):
    return torch.randn(*shape, generator=g, dtype=dtype)


def quantized(*shape):
    """Values from {-0.5, -0.25, 0, 0.25, 0.5}: many equal magnitudes, so topk's tie order shows."""
    return (torch.randint(-2, 3, shape, generator=g) * 0.25).float()


def layer(kind, args, weight=None, dtype=torch.float32):
    m = KINDS[kind](*args).to(dtype)
    with torch.no_grad():
        m.weight.copy_(weight if weight is not None else randn(*m.weight.shape, dtype=dtype))
        m.bias.copy_(randn(*m.bias.shape, dtype=dtype))
    return m


def arg(v):
    if isinstance(v, torch.Tensor):
        return ser(v)
    return enc(v) if isinstance(v, float) else v


def hooks(m):
    out = []
    for h in m._forward_pre_hooks.values():
        rec = {'type': type(h).__name__, 'tensorName': h._tensor_name}
        if isinstance(h, prune.PruningContainer):
            rec['methods'] = [type(x).__name__ for x in h]
        out.append(rec)
    return out


def snapshot(m, x):
    sd = m.state_dict()
    names = [n for n in ('weight', 'bias') if hasattr(m, n)]
    return {
        'keys': list(sd.keys()),
        'stateDict': {k: ser(v) for k, v in sd.items()},
        'parameters': [n for n, _ in m.named_parameters()],
        'buffers': [n for n, _ in m.named_buffers()],
        'attrs': {n: ser(getattr(m, n)) for n in names},
        'hooks': hooks(m),
        'isPruned': prune.is_pruned(m),
        'out': ser(m(x)),
    }


FNS = {
    'identity': prune.identity,
    'random_unstructured': prune.random_unstructured,
    'l1_unstructured': prune.l1_unstructured,
    'random_structured': prune.random_structured,
    'ln_structured': prune.ln_structured,
    'custom_from_mask': prune.custom_from_mask,
    'remove': prune.remove,
}

cases = []


def case(label, kind, args, steps, weight=None, dtype=torch.float32):
    """steps: (fn, name, args, kw, seed); the seed (or None) is set right before the call."""
    m = layer(kind, args, weight, dtype)
    x = randn(*INPUT_SHAPES[kind](args), dtype=dtype)
    rec = {'label': label, 'kind': kind, 'args': list(args), 'dtype': str(dtype).replace('torch.', ''),
           'weight': ser(m.weight), 'bias': ser(m.bias), 'input': ser(x), 'steps': []}
    for fn, name, fargs, kw, seed in steps:
        if seed is not None:
            torch.manual_seed(seed)
        FNS[fn](m, name, *fargs, **kw)
        rec['steps'].append({'fn': fn, 'name': name, 'args': [arg(a) for a in fargs],
                             'kw': {k: arg(v) for k, v in kw.items()}, 'seed': seed, 'after': snapshot(m, x)})
    cases.append(rec)


def one(fn, name, *fargs, seed=None, **kw):
    return (fn, name, list(fargs), kw, seed)


# ---- each method alone, int and float amounts -------------------------------------------------
case('identity', 'Linear', (4, 3), [one('identity', 'weight')])
case('random_unstructured int', 'Linear', (4, 3), [one('random_unstructured', 'weight', 5, seed=0)])
case('random_unstructured float', 'Linear', (4, 3), [one('random_unstructured', 'weight', 0.45, seed=1)])
case('random_unstructured conv2d', 'Conv2d', (2, 3, 2), [one('random_unstructured', 'weight', 0.3, seed=2)])
case('random_unstructured bias', 'Linear', (4, 3), [one('random_unstructured', 'bias', 1, seed=3)])
case('random_unstructured float64', 'Linear', (4, 3), [one('random_unstructured', 'weight', 0.5, seed=4)], dtype=torch.float64)
case('l1_unstructured int', 'Linear', (4, 3), [one('l1_unstructured', 'weight', 3)])
case('l1_unstructured float', 'Linear', (4, 3), [one('l1_unstructured', 'weight', 0.5)])
case('l1_unstructured half rounds to even', 'Linear', (5, 1), [one('l1_unstructured', 'weight', 0.5)])
case('l1_unstructured conv2d', 'Conv2d', (2, 3, 2), [one('l1_unstructured', 'weight', 0.25)])
case('l1_unstructured bias', 'Conv2d', (2, 3, 2), [one('l1_unstructured', 'bias', 0.34)])
case('l1_unstructured zero amount', 'Linear', (4, 3), [one('l1_unstructured', 'weight', 0)])
case('l1_unstructured all', 'Linear', (4, 3), [one('l1_unstructured', 'weight', 12)])
# nth_element path (k * 64 > n) and partial_sort path (k * 64 <= n), both over many ties
case('l1_unstructured ties nth_element', 'Linear', (4, 3), [one('l1_unstructured', 'weight', 5)], weight=quantized(3, 4))
case('l1_unstructured ties partial_sort', 'Linear', (64, 32), [one('l1_unstructured', 'weight', 7)], weight=quantized(32, 64))
case('l1_unstructured importance_scores', 'Linear', (4, 3),
     [one('l1_unstructured', 'weight', 4, importance_scores=randn(3, 4))])
case('l1_unstructured importance_scores ties', 'Linear', (4, 3),
     [one('l1_unstructured', 'weight', 0.4, importance_scores=quantized(3, 4))])
for label, kind, args, amount, dim, seed in [
    ('dim 0 int', 'Linear', (4, 3), 1, 0, 10),
    ('dim 1 float', 'Linear', (4, 3), 0.5, 1, 11),
    ('dim -1', 'Linear', (4, 3), 2, -1, 12),
    ('conv2d dim 0', 'Conv2d', (2, 4, 2), 0.5, 0, 13),
    ('conv2d dim 1', 'Conv2d', (3, 2, 2), 1, 1, 14),
    ('conv2d dim 2', 'Conv2d', (2, 3, 3), 0.34, 2, 15),
    ('conv2d dim -1', 'Conv2d', (2, 3, 2), 1, -1, 16),
    ('zero amount', 'Linear', (4, 3), 0, 0, 17),
]:
    case(f'random_structured {label}', kind, args, [one('random_structured', 'weight', amount, dim, seed=seed)])
for label, kind, args, amount, n, dim in [
    ('n 1 dim 0', 'Linear', (4, 3), 1, 1, 0),
    ('n 2 dim 1', 'Linear', (4, 3), 2, 2, 1),
    ('n 3 dim -1', 'Linear', (4, 3), 0.5, 3, -1),
    ('n inf', 'Linear', (4, 3), 1, float('inf'), 0),
    ('n -inf', 'Linear', (4, 3), 1, float('-inf'), 1),
    ('n 0 (ties)', 'Linear', (4, 3), 1, 0, 0),
    ('n -1', 'Linear', (4, 3), 0.25, -1, 1),
    ('n 0.5', 'Linear', (4, 3), 1, 0.5, 0),
    ('n fro', 'Linear', (4, 3), 2, 'fro', 1),
    ('conv2d n 1 dim 0', 'Conv2d', (2, 4, 2), 0.5, 1, 0),
    ('conv2d n 2 dim 1', 'Conv2d', (3, 2, 2), 1, 2, 1),
    ('conv2d n inf dim 2', 'Conv2d', (2, 3, 3), 1, float('inf'), 2),
    ('conv2d n -inf dim -1', 'Conv2d', (2, 3, 3), 2, float('-inf'), -1),
    ('conv2d n 0 (ties)', 'Conv2d', (2, 3, 2), 1, 0, 0),
    ('conv1d n fro', 'Conv1d', (2, 3, 2), 1, 'fro', 0),
    ('conv1d n nuc', 'Conv1d', (2, 3, 2), 1, 'nuc', 0),
    ('zero amount', 'Linear', (4, 3), 0, 2, 0),
]:
    case(f'ln_structured {label}', kind, args, [one('ln_structured', 'weight', amount, n, dim)])
case('ln_structured importance_scores', 'Conv2d', (2, 4, 2),
     [one('ln_structured', 'weight', 2, 1, 0, importance_scores=randn(4, 2, 2, 2))])
case('custom_from_mask float', 'Linear', (4, 3), [one('custom_from_mask', 'weight', torch.tensor([[1., 0, 1, 1], [0, 1, 1, 0], [1, 1, 1, 0]]))])
case('custom_from_mask int bias', 'Linear', (4, 3), [one('custom_from_mask', 'bias', torch.tensor([0, 1, 0]))])
case('custom_from_mask bool', 'Conv2d', (1, 2, 2), [one('custom_from_mask', 'weight', torch.rand(2, 1, 2, 2, generator=g) > 0.5)])

# ---- iterative pruning: PruningContainer and _combine_masks ----------------------------------------
case('iterative l1, random_structured, l1', 'Conv2d', (3, 4, 2), [
    one('l1_unstructured', 'weight', 0.2),
    one('random_structured', 'weight', 1, 0, seed=20),
    one('l1_unstructured', 'weight', 5),
])
case('iterative random_unstructured, ln_structured on the pruned weight', 'Linear', (5, 4), [
    one('random_unstructured', 'weight', 0.4, seed=21),
    one('ln_structured', 'weight', 1, 1, 1),
    one('ln_structured', 'weight', 0.5, 2, 0),
])
case('iterative l1 then custom_from_mask then identity', 'Linear', (4, 3), [
    one('l1_unstructured', 'weight', 3),
    one('custom_from_mask', 'weight', torch.tensor([[1., 1, 0, 1], [1, 1, 1, 1], [0, 1, 1, 1]])),
    one('identity', 'weight'),
])
case('iterative random_unstructured twice and bias', 'Linear', (4, 3), [
    one('random_unstructured', 'weight', 3, seed=22),
    one('random_unstructured', 'weight', 0.5, seed=23),
    one('l1_unstructured', 'bias', 1),
])
case('iterative structured skips pruned channels', 'Linear', (4, 5), [
    one('ln_structured', 'weight', 2, 2, 0),
    one('random_structured', 'weight', 0.34, 0, seed=24),
    one('ln_structured', 'weight', 1, 1, 0),
])
case('iterative on a 1-d parameter', 'Linear', (4, 3), [
    one('l1_unstructured', 'bias', 1),
    one('random_structured', 'bias', 1, -1, seed=25),
])

# ---- remove --------------------------------------------------------------------------------------
case('remove after l1', 'Linear', (4, 3), [one('l1_unstructured', 'weight', 0.5), one('remove', 'weight')])
case('remove after a container', 'Conv2d', (2, 3, 2), [
    one('random_structured', 'weight', 1, 1, seed=26),
    one('l1_unstructured', 'weight', 4),
    one('l1_unstructured', 'bias', 1),
    one('remove', 'weight'),
    one('remove', 'bias'),
])

# ---- global_unstructured -------------------------------------------------------------------------
def global_case(label, method, kw, scores=None, seed=None, pre=None):
    mods = [layer('Linear', (4, 3)), layer('Conv2d', (2, 3, 2)), layer('Linear', (3, 2))]
    rec = {'label': label, 'method': method.__name__, 'kw': {k: arg(v) for k, v in kw.items()}, 'seed': seed,
           'layers': [{'kind': type(m).__name__, 'args': a, 'weight': ser(m.weight), 'bias': ser(m.bias)}
                      for m, a in zip(mods, [[4, 3], [2, 3, 2], [3, 2]])]}
    if pre is not None:
        prune.l1_unstructured(mods[pre[0]], 'weight', pre[1])
        rec['pre'] = list(pre)
    params = [(mods[0], 'weight'), (mods[1], 'weight'), (mods[2], 'weight'), (mods[1], 'bias')]
    rec['params'] = [[0, 'weight'], [1, 'weight'], [2, 'weight'], [1, 'bias']]
    extra = {}
    if scores is not None:
        extra['importance_scores'] = {params[i]: s for i, s in scores.items()}
        rec['scores'] = {str(i): ser(s) for i, s in scores.items()}
    if seed is not None:
        torch.manual_seed(seed)
    prune.global_unstructured(params, method, **extra, **kw)
    rec['after'] = [{'keys': list(m.state_dict().keys()), 'stateDict': {k: ser(v) for k, v in m.state_dict().items()},
                     'hooks': hooks(m)} for m in mods]
    return rec


globals_ = [
    global_case('l1 int', prune.L1Unstructured, {'amount': 20}),
    global_case('l1 float', prune.L1Unstructured, {'amount': 0.35}),
    global_case('random float', prune.RandomUnstructured, {'amount': 0.5}, seed=30),
    global_case('l1 importance_scores', prune.L1Unstructured, {'amount': 15}, scores={1: randn(3, 2, 2, 2), 3: randn(3)}),
    global_case('l1 over a pruned layer', prune.L1Unstructured, {'amount': 0.3}, pre=(0, 6)),
]

# ---- BasePruningMethod.prune and the classes ------------------------------------------------------
t = randn(3, 4)
dm = (torch.rand(3, 4, generator=g) > 0.3).float()
scores = randn(3, 4)
torch.manual_seed(40)
rs = prune.RandomStructured(1, dim=1).prune(t, default_mask=dm)
prune_calls = {
    't': ser(t), 'defaultMask': ser(dm), 'scores': ser(scores),
    'l1': ser(prune.L1Unstructured(5).prune(t)),
    'l1DefaultMask': ser(prune.L1Unstructured(0.5).prune(t, default_mask=dm)),
    'l1Scores': ser(prune.L1Unstructured(4).prune(t, importance_scores=scores)),
    'lnStructured': ser(prune.LnStructured(2, float('inf'), 0).prune(t)),
    'randomStructured': {'seed': 40, 'out': ser(rs)},
    'identity': ser(prune.Identity().prune(t)),
    'pruningTypes': {c.__name__: c.PRUNING_TYPE for c in [prune.Identity, prune.RandomUnstructured, prune.L1Unstructured,
                                                          prune.RandomStructured, prune.LnStructured, prune.CustomFromMask]},
}

# ---- a training step through a pruned layer -------------------------------------------------------
m = layer('Linear', (4, 3))
w0, b0 = m.weight.detach().clone(), m.bias.detach().clone()
opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
prune.l1_unstructured(m, 'weight', 0.5)
x, y = randn(5, 4), randn(5, 3)
training = {'weight': ser(w0), 'bias': ser(b0), 'x': ser(x), 'y': ser(y), 'steps': []}
for _ in range(2):
    opt.zero_grad()
    out = m(x)
    loss = nn.functional.mse_loss(out, y)
    loss.backward()
    gw, gb = m.weight_orig.grad.clone(), m.bias.grad.clone()
    opt.step()
    training['steps'].append({'out': ser(out), 'loss': ser(loss), 'gradWeightOrig': ser(gw), 'gradBias': ser(gb),
                              'weightOrig': ser(m.weight_orig), 'bias': ser(m.bias)})
training['finalOut'] = ser(m(x))

# ---- a state dict saved by PyTorch from a pruned model ---------------------------------------------
net = nn.Sequential(layer('Linear', (4, 6)), nn.ReLU(), layer('Linear', (6, 2)))
prune.l1_unstructured(net[0], 'weight', 0.5)
torch.manual_seed(50)
prune.random_structured(net[2], 'weight', 2, 1)
prune.custom_from_mask(net[0], 'bias', torch.tensor([1., 0, 1, 1, 0, 1]))
prune.l1_unstructured(net[0], 'weight', 3)
xs = randn(3, 4)
torch.save(net.state_dict(), os.path.join(ROOT, 'prune.pt'))
saved = {'keys': list(net.state_dict().keys()), 'x': ser(xs), 'out': ser(net(xs)),
         'mask0': ser(net[0].weight_mask), 'mask2': ser(net[2].weight_mask)}

# ---- errors --------------------------------------------------------------------------------------
def fresh():
    return layer('Linear', (4, 3))


def after_failure():
    m = fresh()
    e = err(lambda: prune.l1_unstructured(m, 'weight', 100))
    return {**e, 'keys': list(m.state_dict().keys()), 'params': [n for n, _ in m.named_parameters()],
            'hooks': len(m._forward_pre_hooks)}


pruned = fresh()
prune.l1_unstructured(pruned, 'weight', 2)
pruned_hook = next(iter(pruned._forward_pre_hooks.values()))
errors = {
    'amount_negative_int': err(lambda: prune.l1_unstructured(fresh(), 'weight', -1)),
    'amount_float_above_1': err(lambda: prune.random_unstructured(fresh(), 'weight', 1.5)),
    'amount_negative_float': err(lambda: prune.l1_unstructured(fresh(), 'weight', -0.1)),
    'amount_inf': err(lambda: prune.l1_unstructured(fresh(), 'weight', float('inf'))),
    'amount_nan': err(lambda: prune.l1_unstructured(fresh(), 'weight', float('nan'))),
    'amount_type': err(lambda: prune.l1_unstructured(fresh(), 'weight', 'x')),
    'amount_too_big': after_failure(),
    'amount_too_big_structured': err(lambda: prune.random_structured(fresh(), 'weight', 5, 0)),
    'amount_too_big_in_container': err(lambda: prune.l1_unstructured(pruned, 'weight', 11)),
    'structured_1d': err(lambda: prune.random_structured(fresh(), 'bias', 1, 0)),
    'ln_structured_1d': err(lambda: prune.ln_structured(fresh(), 'bias', 1, 2, 0)),
    'dim_too_big': err(lambda: prune.random_structured(fresh(), 'weight', 1, 2)),
    'dim_too_negative': err(lambda: prune.ln_structured(fresh(), 'weight', 1, 2, -3)),
    'ln_bad_string': err(lambda: prune.ln_structured(fresh(), 'weight', 1, 'abc', 0)),
    'ln_fro_3_dims': err(lambda: prune.ln_structured(layer('Conv2d', (2, 3, 2)), 'weight', 1, 'fro', 0)),
    'ln_nuc_1_dim': err(lambda: prune.ln_structured(fresh(), 'weight', 1, 'nuc', 0)),
    'importance_scores_shape': err(lambda: prune.l1_unstructured(fresh(), 'weight', 1, importance_scores=torch.ones(2))),
    'ln_importance_scores_shape': err(lambda: prune.ln_structured(fresh(), 'weight', 1, 2, 0, importance_scores=torch.ones(4, 3))),
    'no_such_parameter': err(lambda: prune.l1_unstructured(fresh(), 'foo', 1)),
    'remove_unpruned': err(lambda: prune.remove(fresh(), 'bias')),
    'global_not_iterable': err(lambda: prune.global_unstructured(5, prune.L1Unstructured, amount=1)),
    'global_scores_not_dict': err(lambda: prune.global_unstructured([(fresh(), 'weight')], prune.L1Unstructured, importance_scores=[1], amount=1)),
    'global_structured_method': err(lambda: prune.global_unstructured([(fresh(), 'weight')], prune.LnStructured, amount=1, n=2, dim=0)),
    'global_amount_too_big': err(lambda: prune.global_unstructured([(fresh(), 'weight'), (fresh(), 'bias')], prune.L1Unstructured, amount=16)),
    'container_not_a_method': err(lambda: prune.PruningContainer(pruned_hook).add_pruning_method(5)),
    'container_other_tensor': err(lambda: prune.PruningContainer(pruned_hook).add_pruning_method(
        prune.L1Unstructured.apply(fresh(), 'bias', 1))),
}

# Python prints an object's address in its repr; the fixture keeps `<... object>` so that it is stable.
for e in errors.values():
    e['message'] = re.sub(r' at 0x[0-9a-f]+>', '>', e['message'])

doc = {
    'torchVersion': torch.__version__,
    'cases': cases,
    'global': globals_,
    'prune': prune_calls,
    'training': training,
    'saved': saved,
    'errors': errors,
}
with open(os.path.join(ROOT, 'prune.json'), 'w') as f:
    json.dump(doc, f, separators=(',', ':'))
print(f'wrote {len(cases)} cases, {len(globals_)} global cases, {len(errors)} errors')
