#!/usr/bin/env python3
"""Generate tests/fixtures/optim.json: optimizer trajectories and LR schedules from real PyTorch.

Run with the interpreter that has torch (PyTorch 1.13 here):  /usr/bin/python3 scripts/make_optim_fixtures.py

Each optimizer case starts from the same W (4x3) and b (3), and for N steps computes

    loss = ((x @ W + b - y) ** 2).sum() + W.abs().sum()

with the fixed x (5x4) and y (5x3) written here, calls loss.backward() and opt.step(), and
records W and b after the step. foreach=False is passed explicitly so that the reference is
the single-tensor update rules that flint implements. `groups` lists, per param group, which
of W and b it holds and its overrides (so the TS test can build the same groups).

Scheduler cases record get_last_lr() after construction and after each scheduler.step().
"""
import json
import os
import sys

try:
    import torch
except ImportError as e:
    sys.exit(f'make_optim_fixtures.py needs PyTorch ({e}); run it with /usr/bin/python3')

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, '..', 'tests', 'fixtures', 'optim.json')
STEPS = 10

torch.manual_seed(0)
torch.set_default_dtype(torch.float32)
W0 = torch.randn(4, 3)
b0 = torch.randn(3)
X = torch.randn(5, 4)
Y = torch.randn(5, 3)


def flat(t):
    # float32 -> Python float is exact, and JSON's repr of a double round-trips.
    return [float(v) for v in t.detach().reshape(-1).tolist()]


# name -> (class, options in PyTorch's spelling, groups: [(param names, overrides)])
CASES = {
    'sgd_plain': (torch.optim.SGD, {'lr': 0.01}, None),
    'sgd_momentum_dampening': (torch.optim.SGD, {'lr': 0.01, 'momentum': 0.9, 'dampening': 0.1}, None),
    'sgd_nesterov_weight_decay': (torch.optim.SGD, {'lr': 0.01, 'momentum': 0.9, 'nesterov': True, 'weight_decay': 0.1}, None),
    'sgd_maximize': (torch.optim.SGD, {'lr': 0.001, 'momentum': 0.5, 'maximize': True}, None),
    'adam': (torch.optim.Adam, {'lr': 0.01}, None),
    'adam_amsgrad_weight_decay': (torch.optim.Adam, {'lr': 0.05, 'amsgrad': True, 'weight_decay': 0.1, 'betas': (0.8, 0.99)}, None),
    'adam_maximize': (torch.optim.Adam, {'lr': 0.01, 'maximize': True, 'eps': 1e-6}, None),
    'adamw': (torch.optim.AdamW, {'lr': 0.01}, None),
    'adamw_amsgrad': (torch.optim.AdamW, {'lr': 0.02, 'weight_decay': 0.5, 'amsgrad': True}, None),
    'sgd_two_groups': (torch.optim.SGD, {'lr': 0.01, 'momentum': 0.9}, [(['W'], {}), (['b'], {'lr': 0.1, 'momentum': 0.5})]),
    'adam_two_groups': (torch.optim.Adam, {'lr': 0.01}, [(['W'], {'betas': (0.5, 0.9)}), (['b'], {'lr': 0.001})]),
}


def run_case(cls, options, groups):
    W = W0.clone().requires_grad_()
    b = b0.clone().requires_grad_()
    named = {'W': W, 'b': b}
    if groups is None:
        params = [W, b]
    else:
        params = [dict({'params': [named[n] for n in names]}, **overrides) for names, overrides in groups]
    opt = cls(params, foreach=False, **options)
    trajectory = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = ((X @ W + b - Y) ** 2).sum() + W.abs().sum()
        loss.backward()
        opt.step()
        trajectory.append({'W': flat(W), 'b': flat(b)})
    groups_out = None
    if groups is not None:
        groups_out = [{'params': names, 'options': {k: list(v) if isinstance(v, tuple) else v for k, v in o.items()}}
                      for names, o in groups]
    packed = opt.state_dict()
    layout = {
        'paramGroupKeys': sorted(packed['param_groups'][0].keys()),
        'stateKeys': sorted(packed['state'][0].keys()),
    }
    return {'options': {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()},
            'groups': groups_out, 'trajectory': trajectory, 'stateDictLayout': layout}


def schedule(make_scheduler, base_lrs, epochs):
    params = [{'params': [torch.zeros(1, requires_grad=True)], 'lr': lr} for lr in base_lrs]
    opt = torch.optim.SGD(params, lr=base_lrs[0])
    sched = make_scheduler(opt)
    lrs = [sched.get_last_lr()]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    return lrs


def main():
    out = {
        'torch': torch.__version__,
        'steps': STEPS,
        'init': {'W': flat(W0), 'b': flat(b0), 'x': flat(X), 'y': flat(Y)},
        'shapes': {'W': list(W0.shape), 'b': list(b0.shape), 'x': list(X.shape), 'y': list(Y.shape)},
        'optimizers': {},
        'schedulers': {
            'step_lr': {
                'options': {'stepSize': 3, 'gamma': 0.5}, 'baseLrs': [0.1, 0.02], 'epochs': 10,
                'lrs': schedule(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), [0.1, 0.02], 10),
            },
            'cosine_annealing_lr': {
                'options': {'TMax': 5, 'etaMin': 0.01}, 'baseLrs': [0.1, 0.05], 'epochs': 12,
                'lrs': schedule(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.01),
                                [0.1, 0.05], 12),
            },
        },
    }
    for name, (cls, options, groups) in CASES.items():
        out['optimizers'][name] = dict({'class': cls.__name__}, **run_case(cls, options, groups))
    with open(OUT_PATH, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')
    print(f'wrote {os.path.relpath(OUT_PATH)}: {len(CASES)} optimizer cases, 2 schedules')


if __name__ == '__main__':
    main()
