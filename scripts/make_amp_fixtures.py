#!/usr/bin/env python3
"""Generate tests/fixtures/amp.json: what PyTorch computes for tests/amp-grad-scaler.test.ts
and tests/amp-autocast.test.ts.

Run with the interpreter that has torch (PyTorch 1.13 here):
    /usr/bin/python3 scripts/make_amp_fixtures.py

scaler: a small MLP trained with SGD(momentum) under loss scaling on the CPU. PyTorch 1.13's
GradScaler is CUDA-only (it disables itself without CUDA, and its two kernels,
_amp_foreach_non_finite_check_and_unscale_ and _amp_update_scale_, have no CPU
implementation there), so `Scaler` below is PyTorch 2.x's GradScaler algorithm line by line
with those two kernels written as their CUDA sources do; the model, losses, gradients and
optimizer are real PyTorch. Step 3 gets an inf gradient and step 6 a NaN one: both skip the
step and back off the scale; growth_interval=3 makes the scale grow in between.

autocast: ops run under PyTorch 1.13's real `torch.autocast('cpu', dtype=torch.bfloat16)` on
float32 (or bfloat16) inputs: each output's dtype and values, and for some the float32
inputs' gradients of `out.float().sum()` (computed outside the region, as recommended).
For the bfloat16 products also `outF32Acc`/`gradsF32Acc`: the same products on the
bfloat16-rounded inputs accumulated in float32 and rounded once (see below).
1.13's CPU lists: matrix products in bfloat16; losses and prod in float32; cat, stack and
index_copy promote; softmax, exp, sum, layer_norm... unlisted (they keep the input dtype).
"""
import json
import math
import os

import torch


def values(t):
    return [float(v) for v in t.detach().flatten().tolist()]


class Scaler:
    """torch.amp.GradScaler (2.x) on one device, without closures or fused optimizers."""

    def __init__(self, init_scale, growth_factor, backoff_factor, growth_interval):
        self.scale_t = torch.full((), init_scale, dtype=torch.float32)
        self.tracker = torch.full((), 0, dtype=torch.int32)
        self.gf, self.bf, self.gi = growth_factor, backoff_factor, growth_interval
        self.found = None

    def scale(self, loss):
        return loss * self.scale_t

    def step(self, opt):
        inv = self.scale_t.double().reciprocal().float()
        found = torch.zeros(())
        for g in opt.param_groups:
            for p in g['params']:
                if p.grad is None:
                    continue
                if not torch.isfinite(p.grad).all():
                    found.fill_(1.0)
                p.grad.mul_(inv)  # unscaled even when found, as the kernel does
        self.found = found
        if found.item() == 0:
            opt.step()
            return True
        return False

    def update(self):
        # _amp_update_scale_ (CUDA kernel): float scale, double factors
        if self.found.item():
            self.scale_t.fill_(float(self.scale_t) * self.bf)
            self.tracker.fill_(0)
        else:
            successful = int(self.tracker) + 1
            if successful == self.gi:
                new = float(torch.tensor(float(self.scale_t) * self.gf, dtype=torch.float32))
                if math.isfinite(new):
                    self.scale_t.fill_(new)
                self.tracker.fill_(0)
            else:
                self.tracker.fill_(successful)

    def state_dict(self):
        return {'scale': float(self.scale_t), 'growth_factor': self.gf, 'backoff_factor': self.bf,
                'growth_interval': self.gi, '_growth_tracker': int(self.tracker)}


def scaler_run():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    init = {k: {'shape': list(v.shape), 'data': values(v)} for k, v in net.state_dict().items()}
    x = torch.randn(16, 4)
    y = torch.randn(16, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    scaler = Scaler(2.0 ** 10, 2.0, 0.5, 3)
    steps = []
    for i in range(10):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x), y)
        scaled = scaler.scale(loss)
        scaled.backward()
        if i == 3:
            net[0].weight.grad[1, 2] = float('inf')
        if i == 6:
            net[2].bias.grad[0] = float('nan')
        stepped = scaler.step(opt)
        scaler.update()
        steps.append({'loss': float(loss), 'scaled': float(scaled), 'stepped': stepped,
                      'scale': float(scaler.scale_t), 'tracker': int(scaler.tracker)})
    final = {k: values(v) for k, v in net.state_dict().items()}
    return {'init': init, 'x': values(x), 'y': values(y), 'steps': steps, 'final': final, 'state_dict': scaler.state_dict()}


def ser(t):
    return {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'data': values(t.double())}


AUTOCAST_OPS = {
    # name: (inputs as (shape, bf16?) or an int tensor, the op, which inputs get gradients)
    'mm': ([(3, 4), (4, 5)], lambda a, b: torch.mm(a, b), [0, 1]),
    'matmul': ([(2, 3, 4), (4, 5)], lambda a, b: torch.matmul(a, b), [0, 1]),
    'bmm': ([(2, 3, 4), (2, 4, 2)], lambda a, b: torch.bmm(a, b), [0, 1]),
    'addmm': ([(5,), (3, 4), (4, 5)], lambda c, a, b: torch.addmm(c, a, b), [0, 1, 2]),
    'linear': ([(3, 4), (5, 4), (5,)], lambda x, w, b: torch.nn.functional.linear(x, w, b), [0, 1, 2]),
    'mseLoss': ([((3, 4), 'bf16'), ((3, 4), 'bf16')], lambda a, b: torch.nn.functional.mse_loss(a, b), []),
    'l1Loss': ([((3, 4), 'bf16'), ((3, 4), 'bf16')], lambda a, b: torch.nn.functional.l1_loss(a, b), []),
    'smoothL1Loss': ([((3, 4), 'bf16'), ((3, 4), 'bf16')], lambda a, b: torch.nn.functional.smooth_l1_loss(a, b), []),
    'huberLoss': ([((3, 4), 'bf16'), ((3, 4), 'bf16')], lambda a, b: torch.nn.functional.huber_loss(a, b), []),
    'crossEntropy': ([((3, 4), 'bf16'), [0, 3, 1]], lambda a, t: torch.nn.functional.cross_entropy(a, t), []),
    'nllLoss': ([((3, 4), 'bf16'), [2, 0, 1]], lambda a, t: torch.nn.functional.nll_loss(a, t), []),
    'binaryCrossEntropyWithLogits': ([((3, 4), 'bf16'), ((3, 4), 'bf16prob')],
                                     lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(a, b), []),
    'binaryCrossEntropy': ([((3, 4), 'bf16prob'), ((3, 4), 'bf16prob')], lambda a, b: torch.nn.functional.binary_cross_entropy(a, b), []),
    'prod': ([((5,), 'bf16')], lambda a: torch.prod(a), []),
    'softmax': ([((3, 4), 'bf16')], lambda a: torch.softmax(a, 1), []),
    'exp': ([((3, 4), 'bf16')], lambda a: torch.exp(a), []),
    'sum': ([((3, 4), 'bf16')], lambda a: torch.sum(a), []),
    'cat': ([((2, 3), 'bf16'), (2, 3)], lambda a, b: torch.cat([a, b]), []),
    'stack': ([((2, 3), 'bf16'), (2, 3)], lambda a, b: torch.stack([a, b]), []),
    'mm_float64': ([((3, 4), 'f64'), ((4, 2), 'f64')], lambda a, b: torch.mm(a, b), [0, 1]),
}


def make_input(spec, g):
    if isinstance(spec, list):
        return torch.tensor(spec)
    shape, kind = (spec, 'f32') if isinstance(spec[0], int) else spec
    t = torch.randn(*shape, generator=g)
    if kind == 'bf16prob':
        return torch.sigmoid(t).bfloat16()
    if kind == 'f64':
        return t.double()
    return t.bfloat16() if kind == 'bf16' else t


def autocast_cases():
    g = torch.Generator().manual_seed(1)
    cases = {}
    for name, (specs, op, grads) in AUTOCAST_OPS.items():
        inputs = [make_input(s, g) for s in specs]
        leaves = [t.clone().requires_grad_(i in grads) for i, t in enumerate(inputs)]
        with torch.autocast('cpu', dtype=torch.bfloat16):
            out = op(*leaves)
        case = {'inputs': [ser(t) for t in inputs], 'out': ser(out)}
        if grads:
            out.float().sum().backward()
            case['grads'] = [ser(leaves[i].grad) for i in grads]
            case['gradFn'] = out.grad_fn.name()
        if out.dtype == torch.bfloat16 and grads:
            # This 1.13 build's CPU bfloat16 gemm rounds every product and partial sum to
            # bfloat16 (its generic-BLAS fallback); PyTorch 2.x and flint accumulate in
            # float32 and round once. The float32-accumulated reference, for exact checks:
            ref = [t.bfloat16().float().requires_grad_(i in grads) if t.is_floating_point() else t for i, t in enumerate(inputs)]
            r = op(*ref)
            r.sum().backward()
            case['outF32Acc'] = ser(r.bfloat16())
            case['gradsF32Acc'] = [ser(ref[i].grad.bfloat16().float()) for i in grads]
        cases[name] = case
    # nested: an enabled: false region inside an enabled one; a Linear MLP with cross entropy
    x = torch.randn(6, 4, generator=g)
    torch.manual_seed(2)
    net = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    target = torch.tensor([0, 2, 1, 1, 0, 2])
    with torch.autocast('cpu', dtype=torch.bfloat16):
        hidden = net[0](x)
        with torch.autocast('cpu', enabled=False):
            off = net[0](x)
        logits = net(x)
        loss = torch.nn.functional.cross_entropy(logits, target)
    loss.backward()
    cases['mlp'] = {
        'x': ser(x), 'target': target.tolist(),
        'init': {k: ser(v) for k, v in net.state_dict().items()},
        'hidden': ser(hidden), 'off': ser(off), 'logits': ser(logits), 'loss': ser(loss),
        'grads': {k: ser(p.grad) for k, p in net.named_parameters()},
    }
    return cases


fixture = {'torch': torch.__version__, 'scaler': scaler_run(), 'autocast': autocast_cases()}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'amp.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {path}')
