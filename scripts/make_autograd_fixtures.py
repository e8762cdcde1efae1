#!/usr/bin/env python3
"""Generate tests/fixtures/autograd.json: what PyTorch 1.13 computes for the autograd
surface that tests/autograd-surface.test.ts checks (custom Functions, tensor hooks,
anomaly messages, torch.autograd.functional, higher-order gradients: a WGAN-GP gradient
penalty and Hessian-vector products, and checkpointing).

Run with the interpreter that has torch (PyTorch 1.13 here):
    /usr/bin/python3 scripts/make_autograd_fixtures.py

Every input is a fixed linspace-based float64 tensor written into the JSON, so the
test rebuilds the same inputs without depending on a random generator.
"""
import json
import os

import torch
import torch.nn.functional as F
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp

D = torch.float64


def values(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def lin(start, end, *shape):
    n = 1
    for s in shape:
        n *= s
    return torch.linspace(start, end, n, dtype=D).reshape(*shape)


class ScaleExp(torch.autograd.Function):
    """Two outputs and a non-tensor argument."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        e = x.exp()
        ctx.save_for_backward(e)
        return x * k, e

    @staticmethod
    def backward(ctx, g1, g2):
        (e,) = ctx.saved_tensors
        return g1 * ctx.k + g2 * e, None


class Cube(torch.autograd.Function):
    """Backward written with differentiable ops: double backward works."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2


def custom_functions():
    x = lin(-1, 1.5, 2, 3).requires_grad_(True)
    u, v = ScaleExp.apply(x, 2.5)
    loss = (u * v).sum() + (v ** 2).sum()
    loss.backward()
    out = {'x': values(x), 'k': 2.5, 'u': values(u), 'v': values(v), 'grad': values(x.grad),
           'gradFn': type(u.grad_fn).__name__,
           'nextOfProduct': [[type(n).__name__, i] for n, i in (u * v).grad_fn.next_functions]}
    # Only u used: v's gradient is materialized as zeros.
    x2 = x.detach().clone().requires_grad_(True)
    u2, _ = ScaleExp.apply(x2, 2.5)
    u2.sum().backward()
    out['gradOnlyU'] = values(x2.grad)
    # Double backward through Cube.
    y = lin(-2, 2, 5).requires_grad_(True)
    (g,) = torch.autograd.grad(Cube.apply(y).sum(), y, create_graph=True)
    (gg,) = torch.autograd.grad((g * g).sum(), y)
    out['cube'] = {'x': values(y), 'grad': values(g), 'gradgrad': values(gg), 'gradFn': type(Cube.apply(y).grad_fn).__name__}
    return out


def hooks():
    x = lin(0.5, 2, 4).requires_grad_(True)
    seen = []
    x.register_hook(lambda g: g * 10)
    y = x * x
    y.register_hook(lambda g: seen.append(values(g)) or g + 1)
    y.retain_grad()
    (y * lin(1, 4, 4)).sum().backward()
    return {'x': values(x), 'w': values(lin(1, 4, 4)), 'seenByYHook': seen[0], 'yGrad': values(y.grad), 'xGrad': values(x.grad)}


def anomaly():
    z = torch.tensor([0.0, 1.0], dtype=D, requires_grad=True)
    msg = None
    with torch.autograd.detect_anomaly():
        try:
            z.sqrt().sum().mul(0).backward()
            (z.sqrt() * 0).sum().backward()
        except RuntimeError as e:
            msg = str(e)
    return {'sqrtMessage': msg}


def functional():
    x = lin(-1, 1, 3)
    y = lin(0.5, 1.5, 3)

    def f(a, b):
        return (a.tanh() * b.exp()).sum()

    def g(a, b):
        return a.sin() * b + a * a

    def h(a):
        return a.exp() * a.sum()

    v3 = lin(1, -1, 3)
    out = {'x': values(x), 'y': values(y), 'v': values(v3)}
    out['jacobian_h'] = values(jacobian(h, x))
    jg = jacobian(g, (x, y))
    out['jacobian_g'] = [values(j) for j in jg]
    hf = hessian(f, (x, y))
    out['hessian_f'] = [[values(c) for c in row] for row in hf]
    out['hessian_cube'] = values(hessian(lambda a: (a ** 3).sum(), x))
    o, r = vjp(g, (x, y), v3)
    out['vjp_g'] = {'out': values(o), 'res': [values(t) for t in r]}
    o, r = jvp(g, (x, y), (v3, v3 * 2))
    out['jvp_g'] = {'out': values(o), 'res': values(r)}
    o, r = hvp(f, (x, y), (v3, v3 * 2))
    out['hvp_f'] = {'out': values(o), 'res': [values(t) for t in r]}
    o, r = vhp(f, (x, y), (v3, v3 * 2))
    out['vhp_f'] = {'out': values(o), 'res': [values(t) for t in r]}
    return out


def mlp_params():
    w1 = lin(-0.5, 0.5, 6, 4).requires_grad_(True)
    b1 = lin(-0.1, 0.1, 6).requires_grad_(True)
    w2 = lin(0.3, -0.4, 1, 6).requires_grad_(True)
    b2 = torch.tensor([0.05], dtype=D, requires_grad=True)
    return [w1, b1, w2, b2]


def critic(params, x):
    w1, b1, w2, b2 = params
    return F.linear(F.linear(x, w1, b1).tanh(), w2, b2)


def gradient_penalty():
    params = mlp_params()
    real = lin(-1, 1, 3, 4)
    fake = lin(0.8, -0.6, 3, 4)
    alpha = torch.tensor([[0.2], [0.5], [0.9]], dtype=D)
    interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    d = critic(params, interp)
    (g,) = torch.autograd.grad(d, interp, torch.ones_like(d), create_graph=True)
    gp = ((g.norm(2, dim=1) - 1) ** 2).mean()
    gp.backward()
    return {'real': values(real), 'fake': values(fake), 'alpha': values(alpha), 'gp': gp.item(),
            'paramGrads': [None if p.grad is None else values(p.grad) for p in params]}


def mlp_hvp():
    params = mlp_params()
    x = lin(-1, 1, 5, 4)
    target = lin(0, 1, 5, 1)
    out = {'x': values(x), 'target': values(target)}
    loss = F.mse_loss(critic(params, x), target)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    vs = [lin(0.2, -0.2, *p.shape) for p in params]
    dot = sum((g * v).sum() for g, v in zip(grads, vs))
    hv = torch.autograd.grad(dot, params)
    out['loss'] = loss.item()
    out['hvp'] = [values(t) for t in hv]
    # Second order through softmax / logSoftmax.
    s = lin(-1, 2, 2, 3).requires_grad_(True)
    c = lin(0.1, 0.6, 2, 3)
    (gs,) = torch.autograd.grad((torch.softmax(s, 1) * c).sum() + (torch.log_softmax(s, 1) * c * c).sum(), s, create_graph=True)
    (gs * gs).sum().backward()
    out['softmax'] = {'x': values(s), 'c': values(c), 'grad': values(gs), 'gradgrad': values(s.grad)}
    return out


def checkpointed():
    from torch.utils.checkpoint import checkpoint
    w = lin(-0.5, 0.7, 3, 3).requires_grad_(True)
    x = lin(-1, 1, 2, 3).requires_grad_(True)
    y = checkpoint(lambda t: F.linear(t.sin(), w).tanh() * t, x, use_reentrant=True)
    (y * y).sum().backward()
    return {'w': values(w), 'x': values(x), 'y': values(y), 'xGrad': values(x.grad), 'wGrad': values(w.grad),
            'gradFn': type(y.grad_fn).__name__}


def module_backward_hooks():
    layer = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        layer.weight.copy_(lin(-0.6, 0.9, 2, 3))
        layer.bias.copy_(lin(0.1, -0.2, 2))
    x = lin(-1, 1, 4, 3).requires_grad_(True)
    w = lin(0.5, 2, 4, 2)
    seen = []

    def hook(m, gin, gout):
        seen.append(([None if g is None else values(g) for g in gin], [values(g) for g in gout]))
        return None if gin[0] is None else (gin[0] * 2,)

    layer.register_full_backward_hook(hook)
    y = layer(x)
    (y * w).sum().backward()
    out = {'weight': values(layer.weight), 'bias': values(layer.bias), 'x': values(x), 'w': values(w),
           'gradFn': type(y.grad_fn).__name__, 'gradInput': seen[0][0], 'gradOutput': seen[0][1],
           'xGrad': values(x.grad), 'weightGrad': values(layer.weight.grad)}
    # An input that does not require grad gets None; with none, the hook still runs from the output side.
    layer.weight.grad = None
    seen.clear()
    y = layer(x.detach())
    (y * w).sum().backward()
    out['noInputGrad'] = {'gradInput': seen[0][0], 'gradOutput': seen[0][1], 'weightGrad': values(layer.weight.grad)}
    return out


def cross_entropy_second_order():
    """grad(loss, x, create_graph) then (g * g * c).sum().backward(), per loss configuration."""
    cases = {}
    configs = [
        ('mean', (4, 3), [0, 2, 1, 2], {}),
        ('weight_ignore_sum', (4, 3), [0, -100, 1, 2], {'weight': lin(0.5, 2, 3), 'ignore_index': -100, 'reduction': 'sum'}),
        ('smoothing_weight_mean', (4, 3), [0, 2, 1, 1], {'weight': lin(0.5, 2, 3), 'label_smoothing': 0.2}),
        ('none_3d', (2, 3, 2), [[0, 2], [1, 1]], {'reduction': 'none'}),
        ('one_d', (3,), 1, {}),
    ]
    for name, shape, target, opts in configs:
        x = lin(-1, 1.3, *shape).requires_grad_(True)
        t = torch.tensor(target)
        loss = F.cross_entropy(x, t, **opts)
        if loss.dim() > 0:
            loss = (loss * lin(0.5, 1.5, *loss.shape)).sum()
        (g,) = torch.autograd.grad(loss, x, create_graph=True)
        c = lin(1, 2, *shape)
        (g * g * c).sum().backward()
        cases[name] = {'shape': list(shape), 'target': target, 'options': {k: (values(v) if torch.is_tensor(v) else v) for k, v in opts.items()},
                       'x': values(x), 'grad': values(g), 'gradgrad': values(x.grad)}
    # nll_loss over log_softmax: the same numbers through two nodes.
    x = lin(-1, 1.3, 4, 3).requires_grad_(True)
    (g,) = torch.autograd.grad(F.nll_loss(F.log_softmax(x, 1), torch.tensor([0, 2, 1, 2])), x, create_graph=True)
    (g * g).sum().backward()
    cases['nll_of_log_softmax'] = {'grad': values(g), 'gradgrad': values(x.grad)}
    return cases


def main():
    out = {
        'custom': custom_functions(),
        'hooks': hooks(),
        'anomaly': anomaly(),
        'functional': functional(),
        'gradientPenalty': gradient_penalty(),
        'mlpHvp': mlp_hvp(),
        'checkpoint': checkpointed(),
        'moduleBackwardHooks': module_backward_hooks(),
        'crossEntropy': cross_entropy_second_order(),
    }
    path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'autograd.json')
    with open(path, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
