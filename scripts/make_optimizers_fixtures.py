#!/usr/bin/env python3
"""Generate tests/fixtures/optimizers.json and tests/fixtures/optimizers/*.pt:
trajectories, state dicts and resumable checkpoints of Adadelta, Adagrad, RMSprop, Adamax,
NAdam, RAdam, ASGD, Rprop and LBFGS from real PyTorch.

Run with the interpreter that has torch (PyTorch 1.13 here):

    /usr/bin/python3 scripts/make_optimizers_fixtures.py

First-order cases start from the same W (4x3) and b (3), in float32 or float64, and for
STEPS steps compute

    loss = ((x @ W + b - y) ** 2).sum() + W.abs().sum()

call loss.backward() and opt.step(), and record W and b after each step. foreach=False is
passed where the class takes it, so the reference is the single-tensor update rules.
`groups` lists, per param group, which of W and b it holds and its overrides. `state` is
opt.state_dict()['state'] after the last step, in a JSON form (tensors as
{dtype, shape, values}); `layout` lists its group and state keys.

For one case per class, the checkpoint tests/fixtures/optimizers/<case>.pt holds, after RESUME_AT steps,
{'optimizer': opt.state_dict(), 'W': W, 'b': b, 'next': [{'W', 'b'} after each later step]}.

LBFGS cases minimise a Rosenbrock function of two parameters, a (2) and B (2x2):
with z = cat([a, B.flatten()]), f = sum(100 (z[1:] - z[:-1]^2)^2 + (1 - z[:-1])^2), calling
opt.step(closure) STEPS times and recording the returned loss, the parameters, and the
state's func_evals and n_iter after each call.
"""
import copy
import json
import os
import sys

try:
    import torch
except ImportError as e:
    sys.exit(f'make_optimizers_fixtures.py needs PyTorch ({e}); run it with /usr/bin/python3')

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, '..', 'tests', 'fixtures', 'optimizers.json')
# Beside optimizers.json, not under tests/fixtures/pytorch/ (whose folders the serialization
# tests read as make_pytorch_checkpoint_fixtures.py's).
PT_DIR = os.path.join(HERE, '..', 'tests', 'fixtures', 'optimizers')
STEPS = 10
RESUME_AT = 5

torch.manual_seed(0)
W0 = torch.randn(4, 3)
b0 = torch.randn(3)
X = torch.randn(5, 4)
Y = torch.randn(5, 3)
A0 = torch.tensor([-1.5, 2.0])
B0 = torch.tensor([[-1.0, 1.5], [0.5, -0.5]])

O = torch.optim
# name -> (class, options in PyTorch's spelling, groups or None, dtype, resume checkpoint?)
CASES = {
    'adadelta': (O.Adadelta, {}, None, 'float32', False),
    'adadelta_weight_decay_f64': (O.Adadelta, {'lr': 0.5, 'rho': 0.8, 'eps': 1e-5, 'weight_decay': 0.1}, None, 'float64', True),
    'adadelta_maximize': (O.Adadelta, {'lr': 0.3, 'maximize': True}, None, 'float32', False),
    'adadelta_groups': (O.Adadelta, {'lr': 0.5}, [(['W'], {'rho': 0.5}), (['b'], {'lr': 2.0, 'weight_decay': 0.2})], 'float32', False),
    'adagrad': (O.Adagrad, {'lr': 0.1}, None, 'float32', False),
    'adagrad_decay_f64': (O.Adagrad, {'lr': 0.1, 'lr_decay': 0.05, 'initial_accumulator_value': 0.5, 'weight_decay': 0.1, 'eps': 1e-6}, None, 'float64', True),
    'adagrad_maximize': (O.Adagrad, {'lr': 0.05, 'maximize': True}, None, 'float32', False),
    'adagrad_groups': (O.Adagrad, {'lr': 0.1}, [(['W'], {'lr_decay': 0.1}), (['b'], {'lr': 0.3, 'initial_accumulator_value': 1.0})], 'float32', False),
    'rmsprop': (O.RMSprop, {'lr': 0.01}, None, 'float32', False),
    'rmsprop_centered_momentum_f64': (O.RMSprop, {'lr': 0.01, 'alpha': 0.9, 'centered': True, 'momentum': 0.9, 'weight_decay': 0.1}, None, 'float64', True),
    'rmsprop_momentum_maximize': (O.RMSprop, {'lr': 0.005, 'momentum': 0.5, 'maximize': True}, None, 'float32', False),
    'rmsprop_centered_weight_decay': (O.RMSprop, {'lr': 0.01, 'centered': True, 'weight_decay': 0.1}, None, 'float32', False),
    'rmsprop_groups': (O.RMSprop, {'lr': 0.01}, [(['W'], {'momentum': 0.8}), (['b'], {'centered': True, 'lr': 0.02})], 'float32', False),
    'adamax': (O.Adamax, {'lr': 0.02}, None, 'float32', False),
    'adamax_weight_decay_f64': (O.Adamax, {'lr': 0.05, 'betas': (0.8, 0.95), 'weight_decay': 0.1}, None, 'float64', True),
    'adamax_maximize': (O.Adamax, {'lr': 0.01, 'maximize': True}, None, 'float32', False),
    'adamax_groups': (O.Adamax, {'lr': 0.02}, [(['W'], {'betas': (0.5, 0.9)}), (['b'], {'lr': 0.1, 'weight_decay': 0.5})], 'float32', False),
    'nadam': (O.NAdam, {'lr': 0.02}, None, 'float32', False),
    'nadam_weight_decay_f64': (O.NAdam, {'lr': 0.05, 'betas': (0.8, 0.95), 'weight_decay': 0.1, 'momentum_decay': 0.01}, None, 'float64', True),
    'nadam_weight_decay': (O.NAdam, {'lr': 0.05, 'weight_decay': 0.1, 'momentum_decay': 0.01}, None, 'float32', False),
    'nadam_groups': (O.NAdam, {'lr': 0.02}, [(['W'], {'betas': (0.5, 0.9)}), (['b'], {'lr': 0.1, 'momentum_decay': 0.1})], 'float32', False),
    'radam': (O.RAdam, {'lr': 0.05}, None, 'float32', False),
    'radam_weight_decay_f64': (O.RAdam, {'lr': 0.05, 'betas': (0.9, 0.9), 'weight_decay': 0.1}, None, 'float64', True),
    'radam_fast_rectification': (O.RAdam, {'lr': 0.05, 'betas': (0.8, 0.8), 'eps': 1e-6}, None, 'float32', False),
    'radam_groups': (O.RAdam, {'lr': 0.05}, [(['W'], {'betas': (0.9, 0.9)}), (['b'], {'lr': 0.1, 'weight_decay': 0.3})], 'float32', False),
    'asgd': (O.ASGD, {'lr': 0.01}, None, 'float32', False),
    'asgd_averaging_f64': (O.ASGD, {'lr': 0.01, 'lambd': 0.01, 'alpha': 0.5, 't0': 3, 'weight_decay': 0.1}, None, 'float64', True),
    'asgd_averaging': (O.ASGD, {'lr': 0.01, 'lambd': 0.01, 'alpha': 0.5, 't0': 3, 'weight_decay': 0.1}, None, 'float32', False),
    'asgd_maximize': (O.ASGD, {'lr': 0.003, 'maximize': True, 't0': 5}, None, 'float32', False),
    'asgd_groups': (O.ASGD, {'lr': 0.01}, [(['W'], {'t0': 2}), (['b'], {'lr': 0.02, 'lambd': 0.1})], 'float32', False),
    'rprop': (O.Rprop, {'lr': 0.01}, None, 'float32', False),
    'rprop_etas_f64': (O.Rprop, {'lr': 0.05, 'etas': (0.3, 1.5), 'step_sizes': (1e-3, 0.2)}, None, 'float64', True),
    'rprop_etas': (O.Rprop, {'lr': 0.05, 'etas': (0.3, 1.5), 'step_sizes': (1e-3, 0.2)}, None, 'float32', False),
    'rprop_maximize': (O.Rprop, {'lr': 0.01, 'maximize': True}, None, 'float32', False),
    'rprop_groups': (O.Rprop, {'lr': 0.01}, [(['W'], {'etas': (0.4, 1.1)}), (['b'], {'lr': 0.1, 'step_sizes': (0.05, 0.15)})], 'float32', False),
}

LBFGS_CASES = {
    'lbfgs_fixed_step': ({'lr': 0.1, 'max_iter': 5}, 'float32'),
    'lbfgs_fixed_step_f64': ({'lr': 0.1, 'max_iter': 5}, 'float64'),
    # float32 runs 2 iterations per step: over 20, this valley amplifies float32 rounding
    # (which reductions' summation order decides) past 1e-5; PyTorch's own float32 run
    # differs from its float64 run by 0.1 at step 2. With 2, they agree to 1e-6.
    'lbfgs_strong_wolfe': ({'line_search_fn': 'strong_wolfe', 'max_iter': 2}, 'float32'),
    'lbfgs_strong_wolfe_f64': ({'line_search_fn': 'strong_wolfe'}, 'float64'),
    'lbfgs_history_f64': ({'line_search_fn': 'strong_wolfe', 'history_size': 3, 'max_iter': 4, 'max_eval': 7,
                           'tolerance_change': 1e-12, 'lr': 0.8}, 'float64'),
    'lbfgs_history_fixed_f64': ({'history_size': 2, 'max_iter': 3, 'lr': 0.05}, 'float64'),
}


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def plain(v):
    return list(v) if isinstance(v, tuple) else v


def to_json(v):
    """A state value in JSON: tensors with their dtype and shape, lists element by element."""
    if isinstance(v, torch.Tensor):
        return {'dtype': str(v.dtype).replace('torch.', ''), 'shape': list(v.shape), 'values': flat(v)}
    if isinstance(v, (list, tuple)):
        return [to_json(x) for x in v]
    return v


def state_json(opt):
    packed = opt.state_dict()
    return {str(k): {name: to_json(v) for name, v in s.items()} for k, s in packed['state'].items()}


def layout(opt):
    packed = opt.state_dict()
    return {'paramGroupKeys': sorted(packed['param_groups'][0].keys()),
            'stateKeys': sorted(next(iter(packed['state'].values())).keys())}


def run_case(name, cls, options, groups, dtype, resume):
    dt = getattr(torch, dtype)
    W = W0.to(dt).clone().requires_grad_()
    b = b0.to(dt).clone().requires_grad_()
    x, y = X.to(dt), Y.to(dt)
    named = {'W': W, 'b': b}
    params = [W, b] if groups is None else [
        dict({'params': [named[n] for n in names]}, **overrides) for names, overrides in groups]
    opt = cls(params, foreach=False, **options)
    trajectory = []
    snapshot = None
    for step in range(STEPS):
        if step == RESUME_AT and resume:
            snapshot = copy.deepcopy({'optimizer': opt.state_dict(), 'W': W.detach().clone(), 'b': b.detach().clone()})
            snapshot['next'] = []
        opt.zero_grad()
        loss = ((x @ W + b - y) ** 2).sum() + W.abs().sum()
        loss.backward()
        opt.step()
        trajectory.append({'W': flat(W), 'b': flat(b)})
        if snapshot is not None:
            snapshot['next'].append({'W': W.detach().clone(), 'b': b.detach().clone()})
    if snapshot is not None:
        os.makedirs(PT_DIR, exist_ok=True)
        torch.save(snapshot, os.path.join(PT_DIR, f'{name}.pt'))
    groups_out = None if groups is None else [
        {'params': names, 'options': {k: plain(v) for k, v in o.items()}} for names, o in groups]
    return {'class': cls.__name__, 'dtype': dtype, 'options': {k: plain(v) for k, v in options.items()},
            'groups': groups_out, 'trajectory': trajectory, 'layout': layout(opt), 'state': state_json(opt),
            'resume': f'{name}.pt' if resume else None}


def rosenbrock(a, B):
    z = torch.cat([a, B.reshape(-1)])
    return (100 * (z[1:] - z[:-1] ** 2) ** 2 + (1 - z[:-1]) ** 2).sum()


def run_lbfgs(name, options, dtype):
    dt = getattr(torch, dtype)
    a = A0.to(dt).clone().requires_grad_()
    B = B0.to(dt).clone().requires_grad_()
    opt = torch.optim.LBFGS([a, B], **options)
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = rosenbrock(a, B)
        loss.backward()
        return loss

    trajectory = []
    snapshot = None
    for step in range(STEPS):
        if step == 3 and name == 'lbfgs_history_f64':
            snapshot = copy.deepcopy({'optimizer': opt.state_dict(), 'a': a.detach().clone(), 'B': B.detach().clone()})
            snapshot['next'] = []
        loss = opt.step(closure)
        state = opt.state[a]
        trajectory.append({'loss': float(loss), 'a': flat(a), 'B': flat(B), 'funcEvals': state['func_evals'],
                           'nIter': state['n_iter'], 'closureCalls': calls[0]})
        if snapshot is not None:
            snapshot['next'].append({'a': a.detach().clone(), 'B': B.detach().clone()})
    if snapshot is not None:
        os.makedirs(PT_DIR, exist_ok=True)
        torch.save(snapshot, os.path.join(PT_DIR, f'{name}.pt'))
    return {'dtype': dtype, 'options': options, 'trajectory': trajectory, 'layout': layout(opt),
            'state': state_json(opt), 'resume': f'{name}.pt' if snapshot is not None else None}


# Bad options and the message PyTorch raises for each.
ERRORS = [
    ('Adadelta', {'lr': -1}), ('Adadelta', {'rho': 1.5}), ('Adadelta', {'eps': -1e-3}), ('Adadelta', {'weight_decay': -0.5}),
    ('Adagrad', {'lr_decay': -1}), ('Adagrad', {'initial_accumulator_value': -0.25}), ('Adagrad', {'eps': -1}),
    ('RMSprop', {'alpha': -0.5}), ('RMSprop', {'momentum': -1}), ('RMSprop', {'weight_decay': -2}),
    ('Adamax', {'betas': (1.5, 0.999)}), ('Adamax', {'betas': (0.9, -0.1)}), ('Adamax', {'lr': -0.5}),
    ('NAdam', {'momentum_decay': -1}), ('NAdam', {'betas': (0.9, 1.5)}), ('RAdam', {'eps': -1}),
    ('RAdam', {'weight_decay': -1}), ('ASGD', {'lr': -1}), ('ASGD', {'weight_decay': -1}),
    ('Rprop', {'etas': (1.5, 1.2)}), ('Rprop', {'etas': (0.5, 0.9)}), ('Rprop', {'lr': -3}),
]


def errors():
    out = []
    for cls, options in ERRORS:
        try:
            getattr(torch.optim, cls)([torch.zeros(1, requires_grad=True)], **options)
        except ValueError as e:
            out.append({'class': cls, 'options': {k: plain(v) for k, v in options.items()}, 'message': str(e)})
        else:
            raise AssertionError(f'{cls}({options}) did not raise')
    return out


def defaults():
    out = {}
    for cls in ['Adadelta', 'Adagrad', 'RMSprop', 'Adamax', 'NAdam', 'RAdam', 'ASGD', 'Rprop', 'LBFGS']:
        opt = getattr(torch.optim, cls)([torch.zeros(1, requires_grad=True)])
        out[cls] = {k: plain(v) for k, v in opt.defaults.items() if k not in ('foreach', 'differentiable')}
    return out


def main():
    out = {
        'torch': torch.__version__,
        'steps': STEPS,
        'resumeAt': RESUME_AT,
        'init': {'W': flat(W0), 'b': flat(b0), 'x': flat(X), 'y': flat(Y), 'a': flat(A0), 'B': flat(B0)},
        'shapes': {'W': list(W0.shape), 'b': list(b0.shape), 'x': list(X.shape), 'y': list(Y.shape),
                   'a': list(A0.shape), 'B': list(B0.shape)},
        'optimizers': {name: run_case(name, *case) for name, case in CASES.items()},
        'errors': errors(),
        'defaults': defaults(),
        'lbfgs': {name: run_lbfgs(name, *case) for name, case in LBFGS_CASES.items()},
    }
    with open(OUT_PATH, 'w') as f:
        json.dump(out, f)
        f.write('\n')
    print(f'wrote {os.path.relpath(OUT_PATH)}: {len(CASES)} optimizer cases, {len(LBFGS_CASES)} LBFGS cases')


if __name__ == '__main__':
    main()
