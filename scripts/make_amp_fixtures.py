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


fixture = {'torch': torch.__version__, 'scaler': scaler_run()}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'amp.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {path}')
