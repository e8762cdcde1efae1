#!/usr/bin/env python3
"""Generate tests/fixtures/lr_scheduler.json: learning-rate schedules from real PyTorch.

Run with the interpreter that has torch (PyTorch 1.13 here):
    /usr/bin/python3 scripts/make_lr_scheduler_fixtures.py

Every case builds an optimizer (SGD or Adam, one or more param groups, each holding one
zeros(1) parameter), attaches the scheduler(s) written in CASES, records get_last_lr()
after construction and then calls opt.step(); sched.step(...) STEPS times, recording
get_last_lr() after each step (and, where a scheduler cycles momentum, each group's
momentum or betas[0]). tests/lr-scheduler.test.ts builds the same schedulers by case name.

`state` is the scheduler's state_dict() after STATE_AT steps, made JSON-representable:
tuples become lists, Counter keys strings, +-inf the strings 'Infinity'/'-Infinity', and
values JSON cannot hold (functions, bound methods, weak references) the string NON_JSON.
`jumps` are the rates after each step(epoch) of JUMP_EPOCHS (the closed forms, or get_lr
at that epoch where a scheduler has none), for each scheduler in JUMPS.
`verbose` holds what PyTorch prints with verbose=True, for the calls in VERBOSE.
`opt_groups` are the optimizer's param groups at that point (without params), so a test
can resume from PyTorch's own state.
"""
import contextlib
import io
import json
import math
import os
import types
import weakref
from collections import Counter

import torch
from torch.optim import lr_scheduler as S

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, '..', 'tests', 'fixtures', 'lr_scheduler.json')
STEPS = 100
STATE_AT = 37
NON_JSON = '<not JSON>'


def jsonable(value):
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        if math.isinf(value):
            return 'Infinity' if value > 0 else '-Infinity'
        return value
    if isinstance(value, Counter):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (types.FunctionType, types.MethodType, weakref.ref)):
        return NON_JSON
    raise TypeError(f'unexpected state value {value!r}')


def make_optimizer(spec):
    groups = [{'params': [torch.zeros(1, requires_grad=True)], **g} for g in spec['groups']]
    cls = {'SGD': torch.optim.SGD, 'Adam': torch.optim.Adam}[spec['class']]
    return cls(groups, **spec.get('options', {}))


def momenta(opt):
    out = []
    for g in opt.param_groups:
        out.append(g['betas'][0] if 'betas' in g else g['momentum'])
    return out


# Drivers: how step i (1..STEPS) calls the scheduler.
PLATEAU_METRICS = [10.0 / (1 + i) if i < 20 else 0.5 + 0.01 * ((i * 7) % 5) for i in range(STEPS + 1)]
PLATEAU_RISING = [min(i, 30) + 0.001 * (i % 3) for i in range(STEPS + 1)]


def drive(kind, sched, i):
    if kind == 'plain':
        sched.step()
    elif kind == 'fractional':  # 20 epochs of 5 iterations, step(epoch + it / 5)
        sched.step(i // 5 + (i % 5) / 5)
    elif kind == 'plateau':
        sched.step(PLATEAU_METRICS[i])
    elif kind == 'plateau_rising':
        sched.step(torch.tensor(PLATEAU_RISING[i]))
    else:
        raise ValueError(kind)


SGD2 = {'class': 'SGD', 'groups': [{'lr': 0.1}, {'lr': 0.02}]}
SGD3M = {'class': 'SGD', 'groups': [{'lr': 0.1}, {'lr': 0.05, 'momentum': 0.5}, {'lr': 0.01}], 'options': {'momentum': 0.9}}
ADAM2 = {'class': 'Adam', 'groups': [{'lr': 0.003}, {'lr': 0.001, 'betas': (0.8, 0.99)}]}


def cyc_scale(x):
    return 0.5 * (1 + math.sin(x * math.pi / 2))


CASES = {
    'lambda_lr_list': (SGD2, 'plain', lambda o: [S.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1 / (1 + e // 10)])]),
    'lambda_lr_one': (SGD3M, 'plain', lambda o: [S.LambdaLR(o, lambda e: (e + 1) / 20 if e < 20 else 0.99 ** (e - 20))]),
    'multiplicative_lr': (SGD2, 'plain', lambda o: [S.MultiplicativeLR(o, [lambda e: 0.97, lambda e: 0.9 if e % 10 == 0 else 1.0])]),
    'multi_step_lr': (SGD3M, 'plain', lambda o: [S.MultiStepLR(o, [10, 30, 30, 60], gamma=0.5)]),
    'exponential_lr': (ADAM2, 'plain', lambda o: [S.ExponentialLR(o, 0.96)]),
    'constant_lr': (SGD2, 'plain', lambda o: [S.ConstantLR(o, factor=0.5, total_iters=7)]),
    'linear_lr': (SGD2, 'plain', lambda o: [S.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=20)]),
    'linear_lr_default': (ADAM2, 'plain', lambda o: [S.LinearLR(o)]),
    'polynomial_lr': (SGD3M, 'plain', lambda o: [S.PolynomialLR(o, total_iters=40, power=2.0)]),
    'sequential_lr': (SGD2, 'plain', lambda o: [S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                                                    S.ExponentialLR(o, 0.95)], milestones=[5])]),
    'sequential_lr_three': (SGD3M, 'plain', lambda o: [S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=4),
                                                                           S.CosineAnnealingLR(o, T_max=20, eta_min=0.001),
                                                                           S.StepLR(o, step_size=7, gamma=0.7)],
                                                                       milestones=[10, 40])]),
    'chained_scheduler': (SGD2, 'plain', lambda o: [S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=10),
                                                                         S.ExponentialLR(o, gamma=0.97)])]),
    'chained_scheduler_three': (ADAM2, 'plain', lambda o: [S.ChainedScheduler([S.LinearLR(o, start_factor=0.2, total_iters=15),
                                                                                S.MultiStepLR(o, [25, 50], gamma=0.3),
                                                                                S.CosineAnnealingLR(o, T_max=30)])]),
    # Two schedulers stepped by hand on one optimizer: the recursive forms compose.
    'two_schedulers': (SGD3M, 'plain', lambda o: [S.StepLR(o, step_size=9, gamma=0.8), S.CosineAnnealingLR(o, T_max=25, eta_min=0.0)]),
    'cyclic_triangular': (SGD3M, 'plain', lambda o: [S.CyclicLR(o, base_lr=[0.01, 0.005, 0.001], max_lr=0.1,
                                                                step_size_up=7, step_size_down=5)]),
    'cyclic_triangular2': (SGD3M, 'plain', lambda o: [S.CyclicLR(o, base_lr=0.001, max_lr=[0.1, 0.05, 0.02], step_size_up=6,
                                                                 mode='triangular2', base_momentum=[0.8, 0.7, 0.85],
                                                                 max_momentum=0.95)]),
    'cyclic_exp_range': (SGD3M, 'plain', lambda o: [S.CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=10,
                                                               mode='exp_range', gamma=0.98)]),
    'cyclic_scale_fn_cycle': (SGD3M, 'plain', lambda o: [S.CyclicLR(o, base_lr=0.002, max_lr=0.08, step_size_up=4,
                                                                    step_size_down=9, scale_fn=cyc_scale)]),
    'cyclic_scale_fn_iterations': (SGD3M, 'plain', lambda o: [S.CyclicLR(o, base_lr=0.002, max_lr=0.08, step_size_up=8,
                                                                         scale_fn=lambda x: 1 / (1 + x / 50),
                                                                         scale_mode='iterations')]),
    'cyclic_no_momentum_adam': (ADAM2, 'plain', lambda o: [S.CyclicLR(o, base_lr=0.0001, max_lr=0.003, step_size_up=11,
                                                                      cycle_momentum=False)]),
    'one_cycle_cos': (SGD3M, 'plain', lambda o: [S.OneCycleLR(o, max_lr=[0.5, 0.2, 0.1], total_steps=STEPS)]),
    'one_cycle_linear_three_phase_adam': (ADAM2, 'plain', lambda o: [S.OneCycleLR(o, max_lr=0.01, epochs=10, steps_per_epoch=10,
                                                                                   pct_start=0.25, anneal_strategy='linear',
                                                                                   three_phase=True, div_factor=10.0,
                                                                                   final_div_factor=100.0,
                                                                                   base_momentum=[0.8, 0.7],
                                                                                   max_momentum=0.9)]),
    'one_cycle_no_momentum': (SGD2, 'plain', lambda o: [S.OneCycleLR(o, max_lr=0.3, total_steps=120, pct_start=0.4,
                                                                     cycle_momentum=False, three_phase=True)]),
    'warm_restarts_mult2': (SGD2, 'plain', lambda o: [S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=0.001)]),
    'warm_restarts_mult1': (ADAM2, 'plain', lambda o: [S.CosineAnnealingWarmRestarts(o, T_0=7)]),
    'warm_restarts_fractional': (SGD2, 'fractional', lambda o: [S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.0005)]),
    'warm_restarts_fractional_mult1': (SGD2, 'fractional', lambda o: [S.CosineAnnealingWarmRestarts(o, T_0=4)]),
    'plateau_min_rel': (SGD2, 'plateau', lambda o: [S.ReduceLROnPlateau(o, patience=3, factor=0.5)]),
    'plateau_min_abs_cooldown': (SGD3M, 'plateau', lambda o: [S.ReduceLROnPlateau(o, factor=0.3, patience=2, threshold=0.05,
                                                                                  threshold_mode='abs', cooldown=4,
                                                                                  min_lr=[0.001, 0.004, 0.0])]),
    'plateau_max_rel_eps': (SGD2, 'plateau_rising', lambda o: [S.ReduceLROnPlateau(o, mode='max', factor=0.5, patience=4,
                                                                                   threshold=0.01, min_lr=0.004, eps=0.002)]),
    'plateau_max_abs': (ADAM2, 'plateau_rising', lambda o: [S.ReduceLROnPlateau(o, mode='max', threshold=0.5,
                                                                                threshold_mode='abs', patience=1, cooldown=1)]),
}


def verbose_step_lr(o):
    s = S.StepLR(o, step_size=2, gamma=0.5, verbose=True)
    for _ in range(4):
        s.step()
    s.step(7)


def verbose_warm_restarts(o):
    s = S.CosineAnnealingWarmRestarts(o, T_0=3, verbose=True)
    for _ in range(3):
        s.step()
    s.step(4.5)


def verbose_plateau(o):
    s = S.ReduceLROnPlateau(o, patience=0, factor=0.5, verbose=True)
    for m in [1.0, 2.0, 3.0, 0.5, 0.6]:
        s.step(m)


# Two groups, one with a tiny rate to show the exponent's format.
VERBOSE_GROUPS = [0.1, 1.5e-7]
VERBOSE = {'step_lr': verbose_step_lr, 'warm_restarts': verbose_warm_restarts, 'plateau': verbose_plateau}


JUMP_EPOCHS = [3, 0, 7, 12, 45, 100, 2, 8, 30, 31]
JUMPS = {
    'multi_step_lr': lambda o: S.MultiStepLR(o, [10, 30, 30, 60], gamma=0.5),
    'constant_lr': lambda o: S.ConstantLR(o, factor=0.5, total_iters=7),
    'linear_lr': lambda o: S.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=20),
    'exponential_lr': lambda o: S.ExponentialLR(o, 0.96),
    'polynomial_lr': lambda o: S.PolynomialLR(o, total_iters=40, power=2.0),
    'step_lr': lambda o: S.StepLR(o, step_size=3, gamma=0.5),
    'cosine_annealing_lr': lambda o: S.CosineAnnealingLR(o, T_max=20, eta_min=0.001),
    'lambda_lr': lambda o: S.LambdaLR(o, lambda e: 0.95 ** e),
    'multiplicative_lr': lambda o: S.MultiplicativeLR(o, lambda e: 0.9),
    'cyclic_lr': lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=7),
    'one_cycle_lr': lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=100),
}


def jumps(build):
    opt = make_optimizer(SGD2)
    sched = build(opt)
    out = []
    for epoch in JUMP_EPOCHS:
        sched.step(epoch)
        out.append(list(sched.get_last_lr()))
    return out


def capture(run):
    opt = make_optimizer({'class': 'SGD', 'groups': [{'lr': lr} for lr in VERBOSE_GROUPS]})
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run(opt)
    return out.getvalue()


def run_case(spec, driver, build):
    opt = make_optimizer(spec)
    scheds = build(opt)
    last = scheds[-1]
    lr = lambda: list(last.get_last_lr()) if hasattr(last, 'get_last_lr') else [g['lr'] for g in opt.param_groups]
    lrs = [lr()]
    moms = [momenta(opt)]
    state = groups = None
    for i in range(1, STEPS + 1):
        opt.step()
        for s in scheds:
            drive(driver, s, i)
        lrs.append(lr())
        moms.append(momenta(opt))
        if i == STATE_AT:
            state = [jsonable(s.state_dict()) for s in scheds]
            groups = [jsonable({k: v for k, v in g.items() if k != 'params'}) for g in opt.param_groups]
    return {'optimizer': jsonable(spec), 'driver': driver, 'lrs': lrs, 'momenta': moms,
            'stateAt': STATE_AT, 'state': state, 'optGroups': groups}


def main():
    out = {'torch': torch.__version__, 'steps': STEPS, 'nonJson': NON_JSON,
           'plateauMetrics': PLATEAU_METRICS, 'plateauRising': PLATEAU_RISING, 'cases': {},
           'jumpEpochs': JUMP_EPOCHS, 'jumps': {name: jumps(build) for name, build in JUMPS.items()},
           'verboseGroups': VERBOSE_GROUPS, 'verbose': {name: capture(run) for name, run in VERBOSE.items()}}
    for name, (spec, driver, build) in CASES.items():
        out['cases'][name] = run_case(spec, driver, build)
    with open(OUT_PATH, 'w') as f:
        json.dump(out, f, allow_nan=False)
        f.write('\n')
    print(f'wrote {os.path.relpath(OUT_PATH)}: {len(CASES)} schedules of {STEPS} steps')


if __name__ == '__main__':
    main()
