#!/usr/bin/env python3
"""Generate tests/fixtures/distributions.json: what PyTorch 1.13's torch.distributions
computes for the distributions that tests/distributions.test.ts checks.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_distributions_fixtures.py

Every case names its parameters (a Python number, recorded as {'number': x}, or a tensor)
and the test file maps the case name to the flint constructor call (BUILD there, CASES
here), so the two tables must list the same names.

values:   batch/event shapes, has_rsample, mean/mode/variance/stddev/entropy/perplexity
          (or the exception PyTorch raises), probs/logits, log_prob/cdf/icdf at a few
          values (one broadcasting against the batch shape), MVN's matrices.
grads:    d(log_prob(value).sum() [+ entropy().sum()]) / d(each float tensor parameter).
rsample:  torch.manual_seed(s); d.rsample(shape): the values and d(sum)/d(parameters).
samples:  torch.manual_seed(s); d.sample(shape): the values (flint's generator mirrors
          PyTorch's CPU generator, so these must match).
kl, klCross, klErrors, registerKl, enumerate, expand, independent, errors, noValidate.
"""
import json
import math
import os

import torch
import torch.distributions as D
from torch.distributions import transforms as T

NAN, INF = float('nan'), float('inf')
F64, F32 = torch.float64, torch.float32


def enc(v):
    if isinstance(v, bool) or isinstance(v, int):
        return v
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return v


def ser(t):
    t = t.detach().contiguous()
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''),
            'data': [enc(v) for v in t.reshape(-1).tolist()]}


def tensor(v, dtype=F64):
    return torch.tensor(v, dtype=dtype)


def num(x):
    return {'number': x}


# ---------------------------------------------------------------- cases
# name -> (params: list of (name, value), builder(params dict) -> distribution, evaluation points)
# A value is a Python float (passed as a number) or a tensor. 'logProb', 'cdf', 'icdf' are
# lists of tensors to evaluate at; 'validate' False passes validate_args=False.

CASES = {}


def case(name, params, build, log_prob=(), cdf=(), icdf=(), sample_shapes=([], [4]), rsample=None, validate=True):
    CASES[name] = dict(params=params, build=build, logProb=list(log_prob), cdf=list(cdf), icdf=list(icdf),
                       sampleShapes=[list(s) for s in sample_shapes], rsample=rsample, validate=validate)


def vargs(c):
    return {} if c['validate'] else {'validate_args': False}


# Normal
case('normal_scalar', [('loc', 0.5), ('scale', 2.0)], lambda p, **k: D.Normal(p['loc'], p['scale'], **k),
     log_prob=[tensor(1.25, F32), tensor([-1.0, 0.5, 3.0], F32)], cdf=[tensor([-1.0, 0.5, 3.0], F32)],
     icdf=[tensor([0.05, 0.5, 0.9], F32)], rsample=[3])
case('normal_vec', [('loc', tensor([0.0, -1.5, 2.0])), ('scale', tensor([1.0, 0.5, 3.0]))],
     lambda p, **k: D.Normal(p['loc'], p['scale'], **k),
     log_prob=[tensor([0.3, -2.0, 5.0]), tensor([[0.1], [-0.7]])], cdf=[tensor([0.3, -2.0, 5.0]), tensor([[0.1], [-0.7]])],
     icdf=[tensor([0.1, 0.5, 0.975]), tensor([[0.25], [0.8]])], sample_shapes=([], [4], [6]), rsample=[2])
case('normal_broadcast', [('loc', tensor([[0.0], [1.0]])), ('scale', tensor([0.5, 1.0, 2.0]))],
     lambda p, **k: D.Normal(p['loc'], p['scale'], **k),
     log_prob=[tensor([[0.1, 0.2, 0.3], [1.5, -1.0, 4.0]]), tensor([[[0.25]], [[-0.5]]])],
     cdf=[tensor([[0.1, 0.2, 0.3], [1.5, -1.0, 4.0]])], icdf=[tensor([0.2, 0.5, 0.7])], sample_shapes=([], [2]), rsample=[2])
case('normal_mixed', [('loc', tensor([1.0, 2.0])), ('scale', 0.5)], lambda p, **k: D.Normal(p['loc'], p['scale'], **k),
     log_prob=[tensor([0.0, 2.5])], cdf=[tensor([0.0, 2.5])], icdf=[tensor([0.3, 0.6])])
case('normal_f32', [('loc', tensor([0.25, -3.0], F32)), ('scale', tensor([1.5, 0.1], F32))],
     lambda p, **k: D.Normal(p['loc'], p['scale'], **k),
     log_prob=[tensor([1.0, -3.05], F32)], cdf=[tensor([1.0, -3.05], F32)], icdf=[tensor([0.4, 0.99], F32)],
     sample_shapes=([], [3], [8]), rsample=[2])
case('normal_novalidate', [('loc', 0.0), ('scale', -1.0)], lambda p, **k: D.Normal(p['loc'], p['scale'], **k),
     log_prob=[tensor([0.0, 1.0], F32)], sample_shapes=(), validate=False)

# Bernoulli
case('bernoulli_probs', [('probs', tensor([0.1, 0.5, 0.9]))], lambda p, **k: D.Bernoulli(p['probs'], **k),
     log_prob=[tensor([1.0, 0.0, 1.0]), tensor([[0.0], [1.0]])], sample_shapes=([], [4], [2, 3]))
case('bernoulli_probs_kw', [('probs', tensor([[0.0, 1.0], [0.25, 0.75]]))], lambda p, **k: D.Bernoulli(probs=p['probs'], **k),
     log_prob=[tensor([[0.0, 1.0], [1.0, 1.0]]), tensor([[[1.0]], [[0.0]]])])
case('bernoulli_logits', [('logits', tensor([[-2.0, 0.0], [1.5, 3.0]]))], lambda p, **k: D.Bernoulli(logits=p['logits'], **k),
     log_prob=[tensor([[1.0, 0.0], [0.0, 1.0]]), tensor([1.0, 0.0])], sample_shapes=([], [3]))
case('bernoulli_scalar', [('probs', 0.3)], lambda p, **k: D.Bernoulli(p['probs'], **k),
     log_prob=[tensor(1.0, F32), tensor([0.0, 1.0, 1.0], F32)], sample_shapes=([], [5]))

# Categorical
case('categorical_probs', [('probs', tensor([[1.0, 2.0, 3.0], [4.0, 1.0, 1.0]]))], lambda p, **k: D.Categorical(p['probs'], **k),
     log_prob=[torch.tensor([0, 2]), torch.tensor([[1], [2], [0]])], sample_shapes=([], [4], [2, 3]))
case('categorical_logits', [('logits', tensor([-1.0, 0.5, 2.0, 0.0]))], lambda p, **k: D.Categorical(logits=p['logits'], **k),
     log_prob=[torch.tensor(2), torch.tensor([0, 1, 3])], sample_shapes=([], [6]))
case('categorical_zero', [('probs', tensor([0.0, 0.5, 0.5]))], lambda p, **k: D.Categorical(probs=p['probs'], **k),
     log_prob=[torch.tensor([0, 1, 2])], sample_shapes=([], [5]))
case('categorical_f32', [('probs', tensor([0.2, 0.3, 0.5], F32))], lambda p, **k: D.Categorical(p['probs'], **k),
     log_prob=[torch.tensor([0, 2])], sample_shapes=([], [4]))

# OneHotCategorical
case('onehot_probs', [('probs', tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]))], lambda p, **k: D.OneHotCategorical(p['probs'], **k),
     log_prob=[tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), tensor([[[0.0, 1.0, 0.0]], [[1.0, 0.0, 0.0]]])],
     sample_shapes=([], [4]))
case('onehot_logits', [('logits', tensor([0.5, -1.0, 2.0]))], lambda p, **k: D.OneHotCategorical(logits=p['logits'], **k),
     log_prob=[tensor([0.0, 1.0, 0.0]), tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])], sample_shapes=([], [3]))

# Uniform
case('uniform_vec', [('low', tensor([0.0, -1.0])), ('high', tensor([1.0, 2.0]))], lambda p, **k: D.Uniform(p['low'], p['high'], **k),
     log_prob=[tensor([0.5, 1.5]), tensor([[0.25], [0.75]])], cdf=[tensor([0.5, 1.5]), tensor([[0.25], [0.75]])],
     icdf=[tensor([0.1, 0.9])], rsample=[3])
case('uniform_broadcast', [('low', tensor([[0.0], [1.0]])), ('high', tensor([2.0, 3.0, 4.0]))],
     lambda p, **k: D.Uniform(p['low'], p['high'], **k),
     log_prob=[tensor([[1.5, 2.5, 3.5], [1.0, 2.0, 3.0]])], cdf=[tensor([[1.5, 2.5, 3.5], [1.0, 2.0, 3.0]])],
     icdf=[tensor([0.25, 0.5, 0.75])], sample_shapes=([], [2]), rsample=[2])
case('uniform_scalar', [('low', -2.0), ('high', 5.0)], lambda p, **k: D.Uniform(p['low'], p['high'], **k),
     log_prob=[tensor([-2.0, 0.0, 4.5], F32)], cdf=[tensor([-2.0, 0.0, 4.5], F32)], icdf=[tensor([0.0, 0.5], F32)])
case('uniform_f32', [('low', tensor([0.0, 10.0], F32)), ('high', tensor([0.5, 20.0], F32))],
     lambda p, **k: D.Uniform(p['low'], p['high'], **k),
     log_prob=[tensor([0.25, 11.0], F32)], cdf=[tensor([0.25, 11.0], F32)], icdf=[tensor([0.5, 0.1], F32)],
     sample_shapes=([], [3]), rsample=[2])
case('uniform_novalidate', [('low', tensor([0.0, 0.0])), ('high', tensor([1.0, 1.0]))],
     lambda p, **k: D.Uniform(p['low'], p['high'], **k),
     log_prob=[tensor([2.0, -1.0])], cdf=[tensor([2.0, -1.0])], sample_shapes=(), validate=False)

# Exponential
case('exponential_vec', [('rate', tensor([0.5, 1.0, 4.0]))], lambda p, **k: D.Exponential(p['rate'], **k),
     log_prob=[tensor([0.0, 1.5, 0.25]), tensor([[2.0], [0.1]])], cdf=[tensor([0.0, 1.5, 0.25]), tensor([[2.0], [0.1]])],
     icdf=[tensor([0.1, 0.5, 0.99])], rsample=[2])
case('exponential_scalar', [('rate', 2.0)], lambda p, **k: D.Exponential(p['rate'], **k),
     log_prob=[tensor([0.0, 3.0], F32)], cdf=[tensor([0.0, 3.0], F32)], icdf=[tensor([0.5], F32)], rsample=[3])

# Laplace
case('laplace_vec', [('loc', tensor([0.0, 1.0, -2.0])), ('scale', tensor([1.0, 0.5, 2.0]))],
     lambda p, **k: D.Laplace(p['loc'], p['scale'], **k),
     log_prob=[tensor([0.5, 1.0, -5.0]), tensor([[0.0], [2.0]])], cdf=[tensor([0.5, 1.0, -5.0]), tensor([[0.0], [2.0]])],
     icdf=[tensor([0.1, 0.5, 0.8])], rsample=[2])
case('laplace_broadcast', [('loc', tensor([[0.0], [1.0]])), ('scale', tensor([0.5, 1.0, 2.0]))],
     lambda p, **k: D.Laplace(p['loc'], p['scale'], **k),
     log_prob=[tensor([[0.1, -0.2, 0.3], [1.5, -1.0, 4.0]])], cdf=[tensor([[0.1, -0.2, 0.3], [1.5, -1.0, 4.0]])],
     icdf=[tensor([0.2, 0.5, 0.7])], sample_shapes=([], [2]), rsample=[2])
case('laplace_scalar', [('loc', 1.0), ('scale', 3.0)], lambda p, **k: D.Laplace(p['loc'], p['scale'], **k),
     log_prob=[tensor([0.0, 1.0, 7.0], F32)], cdf=[tensor([0.0, 1.0, 7.0], F32)], icdf=[tensor([0.25, 0.75], F32)])

# Poisson (rate 12 uses PyTorch's transformed-rejection sampler, rate 0 gives 0)
case('poisson_vec', [('rate', tensor([0.5, 3.0, 12.0, 0.0]))], lambda p, **k: D.Poisson(p['rate'], **k),
     log_prob=[tensor([0.0, 2.0, 15.0, 0.0]), tensor([[1.0], [4.0]])], sample_shapes=([], [3]))
case('poisson_scalar', [('rate', 4.0)], lambda p, **k: D.Poisson(p['rate'], **k),
     log_prob=[tensor([0.0, 4.0, 9.0], F32)], sample_shapes=([], [5]))
case('poisson_2d', [('rate', tensor([[1.0], [25.0]]))], lambda p, **k: D.Poisson(p['rate'], **k),
     log_prob=[tensor([[0.0, 2.0], [20.0, 30.0]])], sample_shapes=([], [2]))

# Independent
case('independent_normal', [('loc', tensor([[0.0, 1.0, 2.0], [-1.0, 0.5, 0.0]])), ('scale', tensor([[1.0, 0.5, 2.0], [1.5, 1.0, 0.25]]))],
     lambda p, **k: D.Independent(D.Normal(p['loc'], p['scale']), 1, **k),
     log_prob=[tensor([[0.1, 0.9, 2.5], [-1.0, 0.0, 0.1]]), tensor([[[0.0, 1.0, 2.0]], [[1.0, 1.0, 1.0]]])],
     sample_shapes=([], [2]), rsample=[2])
case('independent_normal_2', [('loc', tensor([[0.0, 1.0, 2.0], [-1.0, 0.5, 0.0]])), ('scale', tensor([[1.0, 0.5, 2.0], [1.5, 1.0, 0.25]]))],
     lambda p, **k: D.Independent(D.Normal(p['loc'], p['scale']), 2, **k),
     log_prob=[tensor([[0.1, 0.9, 2.5], [-1.0, 0.0, 0.1]]), tensor([[[0.0, 1.0, 2.0], [0.0, 0.0, 0.0]], [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]])],
     sample_shapes=([], [2]))
case('independent_bernoulli', [('probs', tensor([[0.2, 0.7], [0.5, 0.9]]))],
     lambda p, **k: D.Independent(D.Bernoulli(p['probs']), 1, **k),
     log_prob=[tensor([[1.0, 0.0], [0.0, 1.0]]), tensor([1.0, 1.0])], sample_shapes=([], [3]))
case('independent_mvn', [('loc', tensor([[0.0, 1.0], [2.0, -1.0]])), ('scale_tril', tensor([[1.0, 0.0], [0.5, 2.0]]))],
     lambda p, **k: D.Independent(D.MultivariateNormal(p['loc'], scale_tril=p['scale_tril']), 1, **k),
     log_prob=[tensor([[0.5, 0.5], [1.0, 1.0]])], sample_shapes=([], [2]))

# MultivariateNormal
COV3 = [[2.0, 0.5, 0.3], [0.5, 1.0, -0.2], [0.3, -0.2, 1.5]]
case('mvn_cov', [('loc', tensor([1.0, -1.0, 0.5])), ('covariance_matrix', tensor(COV3))],
     lambda p, **k: D.MultivariateNormal(p['loc'], covariance_matrix=p['covariance_matrix'], **k),
     log_prob=[tensor([0.0, 0.0, 0.0]), tensor([[1.5, -0.5, 0.0], [-1.0, 2.0, 1.0]])], sample_shapes=([], [4]), rsample=[2])
case('mvn_prec', [('loc', tensor([0.0, 2.0])), ('precision_matrix', tensor([[3.0, -1.0], [-1.0, 0.8]]))],
     lambda p, **k: D.MultivariateNormal(p['loc'], precision_matrix=p['precision_matrix'], **k),
     log_prob=[tensor([0.5, 1.0]), tensor([[[0.0, 0.0]], [[1.0, 3.0]]])], sample_shapes=([], [3]), rsample=[2])
case('mvn_tril', [('loc', tensor([0.5, 0.0])), ('scale_tril', tensor([[1.5, 0.0], [0.3, 0.7]]))],
     lambda p, **k: D.MultivariateNormal(p['loc'], scale_tril=p['scale_tril'], **k),
     log_prob=[tensor([1.0, -1.0]), tensor([[0.0, 0.0], [2.0, 0.5], [0.5, 0.0]])], sample_shapes=([], [3]), rsample=[3])
case('mvn_batched_loc', [('loc', tensor([[0.0, 0.0], [1.0, 2.0], [-1.0, 0.5]])), ('covariance_matrix', tensor([[1.0, 0.3], [0.3, 0.5]]))],
     lambda p, **k: D.MultivariateNormal(p['loc'], covariance_matrix=p['covariance_matrix'], **k),
     log_prob=[tensor([0.2, 0.4]), tensor([[0.0, 0.0], [1.0, 1.0], [-1.0, 0.0]])], sample_shapes=([], [2]), rsample=[2])
case('mvn_batched_cov', [('loc', tensor([1.0, -1.0])),
                         ('covariance_matrix', tensor([[[1.0, 0.2], [0.2, 2.0]], [[0.5, -0.1], [-0.1, 0.3]]]))],
     lambda p, **k: D.MultivariateNormal(p['loc'], covariance_matrix=p['covariance_matrix'], **k),
     log_prob=[tensor([0.0, 0.0]), tensor([[[0.5, -0.5]], [[1.0, -1.0]], [[2.0, 0.0]]])], sample_shapes=([], [2]))
case('mvn_batched_prec', [('loc', tensor([[0.0, 1.0], [1.0, 0.0]])),
                          ('precision_matrix', tensor([[[2.0, 0.5], [0.5, 1.0]], [[1.0, 0.0], [0.0, 4.0]]]))],
     lambda p, **k: D.MultivariateNormal(p['loc'], precision_matrix=p['precision_matrix'], **k),
     log_prob=[tensor([[0.5, 0.5], [1.0, 1.0]])], sample_shapes=([], [2]))

# TransformedDistribution and LogNormal
case('lognormal', [('loc', tensor([0.0, 1.0])), ('scale', tensor([1.0, 0.5]))], lambda p, **k: D.LogNormal(p['loc'], p['scale'], **k),
     log_prob=[tensor([1.0, 2.5]), tensor([[0.5], [4.0]])], cdf=[tensor([1.0, 2.5])], icdf=[tensor([0.2, 0.7])], rsample=[3])
case('lognormal_scalar', [('loc', 0.5), ('scale', 0.25)], lambda p, **k: D.LogNormal(p['loc'], p['scale'], **k),
     log_prob=[tensor([1.0, 2.0], F32)], cdf=[tensor([1.0, 2.0], F32)], icdf=[tensor([0.5], F32)], rsample=[2])
case('transformed_exp', [('loc', tensor([0.0, 1.0])), ('scale', tensor([1.0, 0.5]))],
     lambda p, **k: D.TransformedDistribution(D.Normal(p['loc'], p['scale']), T.ExpTransform(), **k),
     log_prob=[tensor([1.0, 2.5])], cdf=[tensor([1.0, 2.5])], icdf=[tensor([0.2, 0.7])], rsample=[2])
case('transformed_affine_sigmoid', [('loc', tensor([0.0, -0.5])), ('scale', tensor([1.0, 0.5]))],
     lambda p, **k: D.TransformedDistribution(D.Normal(p['loc'], p['scale']), [T.AffineTransform(1.0, 2.0), T.SigmoidTransform()], **k),
     log_prob=[tensor([0.7, 0.4]), tensor([[0.5], [0.95]])], cdf=[tensor([0.7, 0.4])], icdf=[tensor([0.3, 0.9])], rsample=[3])
case('transformed_tanh', [('loc', tensor([0.0, 0.5, -1.0])), ('scale', tensor([1.0, 0.3, 2.0]))],
     lambda p, **k: D.TransformedDistribution(D.Normal(p['loc'], p['scale']), T.TanhTransform(), **k),
     log_prob=[tensor([0.1, 0.5, -0.9])], cdf=[tensor([0.1, 0.5, -0.9])], icdf=[tensor([0.25, 0.5, 0.75])], rsample=[2])
case('transformed_affine_neg', [('loc', tensor([0.0, 1.0])), ('scale', tensor([1.0, 2.0]))],
     lambda p, **k: D.TransformedDistribution(D.Normal(p['loc'], p['scale']), [T.AffineTransform(0.5, -3.0)], **k),
     log_prob=[tensor([0.0, -2.0])], cdf=[tensor([0.0, -2.0])], icdf=[tensor([0.1, 0.6])], rsample=[2])


def make_params(c, requires_grad=False):
    params = {}
    for name, v in c['params']:
        if isinstance(v, torch.Tensor):
            v = v.clone().requires_grad_(requires_grad and v.is_floating_point())
        params[name] = v
    return params


def ser_params(c):
    return [{'name': n, 'value': num(v) if isinstance(v, float) else ser(v)} for n, v in c['params']]


def attempt(fn):
    try:
        return ser(fn())
    except NotImplementedError:
        return {'error': 'NotImplementedError'}


def build(c, requires_grad=False):
    p = make_params(c, requires_grad)
    return p, c['build'](p, **vargs(c))


values, grads, rsamples, samples = [], [], [], []
for name, c in CASES.items():
    _, d = build(c)
    entry = {'name': name, 'params': ser_params(c), 'validate': c['validate'], 'batchShape': list(d.batch_shape),
             'eventShape': list(d.event_shape), 'hasRsample': bool(d.has_rsample), 'props': {}}
    for prop in ['mean', 'mode', 'variance', 'stddev']:
        entry['props'][prop] = attempt(lambda: getattr(d, prop))
    entry['props']['entropy'] = attempt(lambda: d.entropy())
    entry['props']['perplexity'] = attempt(lambda: d.perplexity())
    for prop in ['probs', 'logits']:
        if isinstance(d, (D.Bernoulli, D.Categorical, D.OneHotCategorical)):
            entry['props'][prop] = ser(getattr(d, prop))
    if isinstance(d, D.MultivariateNormal):
        for prop in ['scale_tril', 'covariance_matrix', 'precision_matrix']:
            entry['props'][prop] = ser(getattr(d, prop))
    for kind in ['logProb', 'cdf', 'icdf']:
        method = {'logProb': d.log_prob, 'cdf': d.cdf, 'icdf': d.icdf}[kind]
        entry[kind] = [{'value': ser(v), 'out': ser(method(v))} for v in c[kind]]
    # cdf that PyTorch does not implement (discrete and multivariate ones)
    if not c['cdf'] and c['logProb']:
        try:
            d.cdf(c['logProb'][0])
        except NotImplementedError:
            entry['cdfError'] = 'NotImplementedError'
    values.append(entry)

    # gradients of log_prob(value).sum() (+ entropy().sum() where PyTorch has it)
    p, d = build(c, requires_grad=True)
    leaves = [(n, v) for n, v in p.items() if isinstance(v, torch.Tensor) and v.requires_grad]
    if leaves and c['logProb'] and c['validate']:
        objective = d.log_prob(c['logProb'][0]).sum()
        terms = 'logProb'
        try:
            objective = objective + d.entropy().sum()
            terms = 'logProb+entropy'
        except NotImplementedError:
            pass
        gs = torch.autograd.grad(objective, [v for _, v in leaves], allow_unused=True)
        grads.append({'name': name, 'terms': terms, 'objective': objective.item(),
                      'grads': {n: (ser(g) if g is not None else None) for (n, _), g in zip(leaves, gs)}})

    # rsample under a seed, and its gradient
    if c['rsample'] is not None:
        p, d = build(c, requires_grad=True)
        leaves = [(n, v) for n, v in p.items() if isinstance(v, torch.Tensor) and v.requires_grad]
        seed = 1000 + len(rsamples)
        torch.manual_seed(seed)
        x = d.rsample(c['rsample'])
        entry = {'name': name, 'seed': seed, 'shape': c['rsample'], 'out': ser(x), 'grads': {}}
        if leaves:
            gs = torch.autograd.grad(x.sum(), [v for _, v in leaves], allow_unused=True)
            entry['grads'] = {n: (ser(g) if g is not None else None) for (n, _), g in zip(leaves, gs)}
        rsamples.append(entry)

    # sample streams
    for shape in c['sampleShapes']:
        _, d = build(c)
        seed = 7 + len(samples)
        torch.manual_seed(seed)
        x = d.sample(shape)
        samples.append({'name': name, 'seed': seed, 'shape': shape, 'out': ser(x)})

# two draws in a row from one seed continue the stream
_, d = build(CASES['normal_vec'])
torch.manual_seed(99)
a = d.sample([2])
b = d.sample()
consecutive = {'name': 'normal_vec', 'seed': 99, 'first': ser(a), 'second': ser(b)}


# ---------------------------------------------------------------- KL
def t(v, dtype=F64, rg=False):
    return torch.tensor(v, dtype=dtype, requires_grad=rg)


KL = {
    'normal_normal': lambda rg: (D.Normal(t([0.0, 1.0, -1.0], rg=rg), t([1.0, 0.5, 2.0])), D.Normal(t([0.5, 1.0, 0.0]), t([2.0, 0.5, 1.0]))),
    'normal_normal_broadcast': lambda rg: (D.Normal(t([[0.0], [1.0]], rg=rg), t([1.0, 2.0])), D.Normal(t(0.5), t(1.5))),
    'bernoulli_bernoulli': lambda rg: (D.Bernoulli(t([0.1, 0.5, 0.9])), D.Bernoulli(t([0.3, 0.5, 0.2]))),
    'bernoulli_bernoulli_logits': lambda rg: (D.Bernoulli(logits=t([-1.0, 2.0])), D.Bernoulli(logits=t([0.5, 0.0]))),
    'bernoulli_bernoulli_edges': lambda rg: (D.Bernoulli(t([0.0, 1.0, 0.5, 0.0])), D.Bernoulli(t([0.5, 0.5, 0.0, 0.0]))),
    'categorical_categorical': lambda rg: (D.Categorical(t([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])), D.Categorical(t([0.4, 0.4, 0.2]))),
    'categorical_categorical_zeros': lambda rg: (D.Categorical(t([[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]])), D.Categorical(t([[0.2, 0.3, 0.5], [0.5, 0.0, 0.5]]))),
    'categorical_categorical_logits': lambda rg: (D.Categorical(logits=t([1.0, -1.0, 0.0])), D.Categorical(logits=t([0.0, 0.0, 2.0]))),
    'onehot_onehot': lambda rg: (D.OneHotCategorical(t([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])), D.OneHotCategorical(logits=t([0.0, 1.0, -1.0]))),
    'uniform_uniform': lambda rg: (D.Uniform(t([0.0, 0.5]), t([1.0, 1.0])), D.Uniform(t([-1.0, 0.0]), t([2.0, 1.5]))),
    'uniform_uniform_inf': lambda rg: (D.Uniform(t([0.0, 0.0, 0.2]), t([2.0, 1.0, 0.8])), D.Uniform(t([0.5, -1.0, 0.0]), t([1.0, 0.5, 1.0]))),
    'exponential_exponential': lambda rg: (D.Exponential(t([0.5, 1.0, 3.0])), D.Exponential(t([1.0, 2.0, 0.5]))),
    'laplace_laplace': lambda rg: (D.Laplace(t([0.0, 1.0]), t([1.0, 0.5])), D.Laplace(t([0.5, 1.0]), t([2.0, 0.5]))),
    'poisson_poisson': lambda rg: (D.Poisson(t([0.5, 2.0, 4.0])), D.Poisson(t([1.0, 2.0, 0.5]))),
    'mvn_mvn': lambda rg: (D.MultivariateNormal(t([1.0, -1.0, 0.5], rg=rg), covariance_matrix=t(COV3)),
                           D.MultivariateNormal(t([0.0, 0.0, 0.0]), scale_tril=t([[1.0, 0.0, 0.0], [0.2, 1.5, 0.0], [-0.3, 0.1, 0.8]]))),
    'mvn_mvn_batched': lambda rg: (D.MultivariateNormal(t([[0.0, 0.0], [1.0, 2.0]], rg=rg), precision_matrix=t([[2.0, 0.5], [0.5, 1.0]])),
                                   D.MultivariateNormal(t([0.5, 0.5]), covariance_matrix=t([[[1.0, 0.2], [0.2, 2.0]], [[0.5, -0.1], [-0.1, 0.3]]]))),
    'independent_independent': lambda rg: (D.Independent(D.Normal(t([[0.0, 1.0], [2.0, 3.0]], rg=rg), t([[1.0, 2.0], [0.5, 1.0]])), 1),
                                           D.Independent(D.Normal(t([[1.0, 1.0], [1.0, 1.0]]), t([[1.0, 1.0], [1.0, 1.0]])), 1)),
}
# Pairs across families that PyTorch 1.13 also registers (several are +inf by support).
KL_CROSS = {
    'normal_laplace': lambda: (D.Normal(t([0.0, 1.0]), t([1.0, 0.5])), D.Laplace(t([0.5, 1.0]), t([2.0, 1.0]))),
    'laplace_normal': lambda: (D.Laplace(t([0.0, 1.0]), t([1.0, 0.5])), D.Normal(t([0.5, 1.0]), t([2.0, 1.0]))),
    'exponential_normal': lambda: (D.Exponential(t([0.5, 2.0])), D.Normal(t([1.0, 0.0]), t([1.0, 3.0]))),
    'uniform_normal': lambda: (D.Uniform(t([0.0, -1.0]), t([1.0, 2.0])), D.Normal(t([0.5, 0.0]), t([1.0, 2.0]))),
    'uniform_exponential': lambda: (D.Uniform(t([0.0, 1.0, -1.0]), t([1.0, 3.0, 1.0])), D.Exponential(t([2.0, 0.5, 1.0]))),
    'normal_uniform': lambda: (D.Normal(t([0.0]), t([1.0])), D.Uniform(t([-1.0]), t([1.0]))),
    'normal_exponential': lambda: (D.Normal(t([0.0]), t([1.0])), D.Exponential(t([1.0]))),
    'exponential_uniform': lambda: (D.Exponential(t([1.0])), D.Uniform(t([0.0]), t([5.0]))),
    'laplace_uniform': lambda: (D.Laplace(t([0.0]), t([1.0])), D.Uniform(t([0.0]), t([5.0]))),
    'laplace_exponential': lambda: (D.Laplace(t([0.0]), t([1.0])), D.Exponential(t([1.0]))),
    'bernoulli_poisson': lambda: (D.Bernoulli(t([0.3, 0.0])), D.Poisson(t([1.0, 2.0]))),
    'poisson_bernoulli': lambda: (D.Poisson(t([1.0, 2.0])), D.Bernoulli(t([0.3, 0.5]))),
    'lognormal_lognormal': lambda: (D.LogNormal(t([0.0, 1.0]), t([1.0, 0.5])), D.LogNormal(t([0.5, 0.0]), t([2.0, 1.0]))),
}

kl = []
for name, make in KL.items():
    p, q = make(True)
    out = D.kl_divergence(p, q)
    entry = {'name': name, 'out': ser(out), 'gradLoc': None}
    if out.requires_grad:
        loc = p.base_dist.loc if isinstance(p, D.Independent) else p.loc
        # the leaf is the tensor passed in (loc is a view of it for MVN)
        leaf = loc if loc.is_leaf else loc._base
        g, = torch.autograd.grad(out.sum(), [leaf])
        entry['gradLoc'] = ser(g)
    kl.append(entry)
kl_cross = []
for name, make in KL_CROSS.items():
    p, q = make()
    kl_cross.append({'name': name, 'out': ser(D.kl_divergence(p, q))})

def err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return {'type': type(e).__name__, 'message': str(e)}
    raise AssertionError('no error')


kl_errors = {
    'categorical_normal': err(lambda: D.kl_divergence(D.Categorical(t([0.5, 0.5])), D.Normal(t(0.0), t(1.0)))),
    'bernoulli_normal': err(lambda: D.kl_divergence(D.Bernoulli(t(0.3)), D.Normal(t(0.0), t(1.0)))),
}


# register_kl with a subclass: the most specific registration wins
class MyNormal(D.Normal):
    pass


@D.register_kl(MyNormal, MyNormal)
def _kl_my(p, q):
    return (p.loc - q.loc).abs() * 10


register = {
    'mine': ser(D.kl_divergence(MyNormal(t([0.0, 1.0]), t([1.0, 1.0])), MyNormal(t([2.0, 0.0]), t([1.0, 3.0])))),
    'mixed': ser(D.kl_divergence(MyNormal(t([0.0, 1.0]), t([1.0, 1.0])), D.Normal(t([2.0, 0.0]), t([1.0, 3.0])))),
}

# ---------------------------------------------------------------- enumerate_support
enumerate_cases = []
for name in ['bernoulli_probs', 'bernoulli_scalar', 'bernoulli_logits', 'categorical_probs', 'categorical_logits',
             'onehot_probs', 'onehot_logits', 'independent_bernoulli']:
    _, d = build(CASES[name])
    if isinstance(d, D.Independent):
        enumerate_cases.append({'name': name, 'error': err(lambda: d.enumerate_support())})
        continue
    enumerate_cases.append({'name': name, 'expand': ser(d.enumerate_support()), 'noExpand': ser(d.enumerate_support(expand=False))})

# ---------------------------------------------------------------- expand
expand_cases = []
for name, shape, value in [
    ('normal_vec', [2, 3], tensor([[0.3, -2.0, 5.0], [0.0, 0.0, 0.0]])),
    ('normal_scalar', [4], tensor([0.0, 1.0, 2.0, 3.0], F32)),
    ('bernoulli_probs', [2, 3], tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])),
    ('bernoulli_logits', [3, 2, 2], tensor([1.0, 0.0])),
    ('categorical_probs', [3, 2], torch.tensor([[0, 1], [2, 2], [1, 0]])),
    ('onehot_logits', [2], tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])),
    ('uniform_vec', [3, 2], tensor([0.5, 0.5])),
    ('exponential_vec', [2, 3], tensor([1.0, 2.0, 3.0])),
    ('laplace_vec', [2, 3], tensor([0.0, 0.0, 0.0])),
    ('poisson_vec', [2, 4], tensor([1.0, 2.0, 3.0, 0.0])),
    ('independent_normal', [4, 2], tensor([[0.1, 0.9, 2.5], [-1.0, 0.0, 0.1]])),
    ('mvn_tril', [3], tensor([[1.0, -1.0], [0.0, 0.0], [2.0, 2.0]])),
    ('mvn_cov', [2], tensor([0.0, 0.0, 0.0])),
    ('lognormal', [3, 2], tensor([1.0, 2.5])),
]:
    c = CASES[name]
    _, d = build(c)
    e = d.expand(shape)
    seed = 500 + len(expand_cases)
    torch.manual_seed(seed)
    s = e.sample()
    expand_cases.append({'name': name, 'shape': shape, 'batchShape': list(e.batch_shape), 'eventShape': list(e.event_shape),
                         'value': ser(value), 'logProb': ser(e.log_prob(value)), 'mean': attempt(lambda: e.mean),
                         'seed': seed, 'sample': ser(s)})

# ---------------------------------------------------------------- validation errors
errors = {
    'normal_negative_scale': err(lambda: D.Normal(0.0, -1.0)),
    'normal_negative_scale_tensor': err(lambda: D.Normal(t([0.0, 1.0]), t([1.0, -1.0]))),
    'normal_nan_loc': err(lambda: D.Normal(t([NAN]), t([1.0]))),
    'bernoulli_probs_1_5': err(lambda: D.Bernoulli(probs=1.5)),
    'bernoulli_both': err(lambda: D.Bernoulli(probs=t([0.5]), logits=t([0.0]))),
    'bernoulli_neither': err(lambda: D.Bernoulli()),
    'bernoulli_value_outside': err(lambda: D.Bernoulli(0.3).log_prob(torch.tensor(0.5))),
    'categorical_both': err(lambda: D.Categorical(probs=t([0.5, 0.5]), logits=t([0.0, 0.0]))),
    'categorical_neither': err(lambda: D.Categorical()),
    'categorical_negative': err(lambda: D.Categorical(t([0.5, -0.5, 1.0]))),
    'categorical_value_outside': err(lambda: D.Categorical(t([1.0, 1.0, 1.0])).log_prob(torch.tensor(3))),
    'categorical_0d': err(lambda: D.Categorical(t(0.5))),
    'onehot_value_outside': err(lambda: D.OneHotCategorical(t([0.5, 0.5])).log_prob(t([1.0, 1.0]))),
    'exponential_value_outside': err(lambda: D.Exponential(1.0).log_prob(torch.tensor(-1.0))),
    'exponential_rate_zero': err(lambda: D.Exponential(t([1.0, 0.0]))),
    'laplace_scale_zero': err(lambda: D.Laplace(0.0, 0.0)),
    'uniform_low_ge_high': err(lambda: D.Uniform(1.0, 0.0)),
    'uniform_value_outside': err(lambda: D.Uniform(t([0.0]), t([1.0])).log_prob(t([1.5]))),
    'poisson_negative': err(lambda: D.Poisson(-1.0)),
    'poisson_value_outside': err(lambda: D.Poisson(t([2.0])).log_prob(t([1.5]))),
    'normal_value_shape': err(lambda: D.Normal(t([0.0, 0.0, 0.0]), 1.0).log_prob(t([0.0, 0.0]))),
    'mvn_none': err(lambda: D.MultivariateNormal(t([0.0, 0.0]))),
    'mvn_two': err(lambda: D.MultivariateNormal(t([0.0, 0.0]), covariance_matrix=torch.eye(2, dtype=F64), scale_tril=torch.eye(2, dtype=F64))),
    'mvn_loc_0d': err(lambda: D.MultivariateNormal(t(0.0), torch.eye(2, dtype=F64))),
    'mvn_not_pd': err(lambda: D.MultivariateNormal(t([0.0, 0.0]), covariance_matrix=t([[1.0, 2.0], [2.0, 1.0]]))),
    'mvn_tril_not_lower': err(lambda: D.MultivariateNormal(t([0.0, 0.0]), scale_tril=t([[1.0, 0.5], [0.0, 1.0]]))),
    'mvn_value_event': err(lambda: D.MultivariateNormal(t([0.0, 0.0]), torch.eye(2, dtype=F64)).log_prob(t([0.0, 0.0, 0.0]))),
    'independent_too_many': err(lambda: D.Independent(D.Normal(t([0.0, 0.0, 0.0]), 1.0), 2)),
    'set_default_validate_args': err(lambda: D.Distribution.set_default_validate_args('x')),
}
# keys: the parts of each message the test requires in flint's
KEYS = {
    'normal_negative_scale': ['Expected parameter scale', 'to satisfy the constraint GreaterThan(lower_bound=0.0)'],
    'normal_negative_scale_tensor': ['Expected parameter scale', 'to satisfy the constraint GreaterThan(lower_bound=0.0)'],
    'normal_nan_loc': ['Expected parameter loc', 'to satisfy the constraint Real()'],
    'bernoulli_probs_1_5': ['Expected parameter probs', 'to satisfy the constraint Interval(lower_bound=0.0, upper_bound=1.0)'],
    'bernoulli_both': ['Either `probs` or `logits` must be specified, but not both.'],
    'bernoulli_neither': ['Either `probs` or `logits` must be specified, but not both.'],
    'bernoulli_value_outside': ['Expected value argument', 'to be within the support (Boolean())'],
    'categorical_both': ['Either `probs` or `logits` must be specified, but not both.'],
    'categorical_neither': ['Either `probs` or `logits` must be specified, but not both.'],
    'categorical_negative': ['Expected parameter probs', 'to satisfy the constraint Simplex()'],
    'categorical_value_outside': ['Expected value argument', 'to be within the support (IntegerInterval(lower_bound=0, upper_bound=2))'],
    'categorical_0d': ['`probs` parameter must be at least one-dimensional.'],
    'onehot_value_outside': ['Expected value argument', 'to be within the support (OneHot())'],
    'exponential_value_outside': ['Expected value argument', 'to be within the support (GreaterThanEq(lower_bound=0.0))'],
    'exponential_rate_zero': ['Expected parameter rate', 'to satisfy the constraint GreaterThan(lower_bound=0.0)'],
    'laplace_scale_zero': ['Expected parameter scale', 'to satisfy the constraint GreaterThan(lower_bound=0.0)'],
    'uniform_low_ge_high': ['Uniform is not defined when low>= high'],
    'uniform_value_outside': ['Expected value argument', 'to be within the support (Interval(lower_bound='],
    'poisson_negative': ['Expected parameter rate', 'to satisfy the constraint GreaterThanEq(lower_bound=0.0)'],
    'poisson_value_outside': ['Expected value argument', 'to be within the support (IntegerGreaterThan(lower_bound=0))'],
    'normal_value_shape': ['Value is not broadcastable with batch_shape+event_shape'],
    'mvn_none': ['Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.'],
    'mvn_two': ['Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.'],
    'mvn_loc_0d': ['loc must be at least one-dimensional.'],
    'mvn_not_pd': ['Expected parameter covariance_matrix', 'to satisfy the constraint PositiveDefinite()'],
    'mvn_tril_not_lower': ['Expected parameter scale_tril', 'to satisfy the constraint LowerCholesky()'],
    'mvn_value_event': ['The right-most size of value must match event_shape'],
    'independent_too_many': ['Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), actual 2 vs 1'],
    'set_default_validate_args': [],
}
for k, e in errors.items():
    for key in KEYS[k]:
        assert key in e['message'], (k, key, e['message'])
    e['keys'] = KEYS[k]

# validate_args=False skips the checks; set_default_validate_args(False) too
no_validate = {
    'normal_negative_scale_logprob': ser(D.Normal(0.0, -1.0, validate_args=False).log_prob(torch.tensor(0.5))),
    'exponential_outside_logprob': ser(D.Exponential(1.0, validate_args=False).log_prob(torch.tensor(-1.0))),
    'bernoulli_outside_logprob': ser(D.Bernoulli(0.3, validate_args=False).log_prob(torch.tensor(0.5))),
    'uniform_reversed_entropy': ser(D.Uniform(1.0, 0.0, validate_args=False).entropy()),
    'poisson_fraction_logprob': ser(D.Poisson(t([2.0]), validate_args=False).log_prob(t([1.5]))),
}
D.Distribution.set_default_validate_args(False)
no_validate['default_off_normal'] = ser(D.Normal(0.0, -1.0).log_prob(torch.tensor(0.5)))
no_validate['default_off_explicit_true'] = err(lambda: D.Normal(0.0, -1.0, validate_args=True))
D.Distribution.set_default_validate_args(True)

# ---------------------------------------------------------------- independent
independent = []
for name in ['independent_normal', 'independent_normal_2', 'independent_bernoulli', 'independent_mvn']:
    c = CASES[name]
    _, d = build(c)
    v = c['logProb'][0]
    base_lp = d.base_dist.log_prob(v)
    independent.append({'name': name, 'reinterpreted': d.reinterpreted_batch_ndims, 'batchShape': list(d.batch_shape),
                        'eventShape': list(d.event_shape), 'baseBatchShape': list(d.base_dist.batch_shape),
                        'value': ser(v), 'baseLogProb': ser(base_lp), 'logProb': ser(d.log_prob(v)),
                        'entropy': ser(d.entropy()), 'hasRsample': bool(d.has_rsample)})

fixture = {
    'torch': torch.__version__,
    'values': values, 'grads': grads, 'rsample': rsamples, 'samples': samples, 'consecutive': consecutive,
    'kl': kl, 'klCross': kl_cross, 'klErrors': kl_errors, 'registerKl': register,
    'enumerate': enumerate_cases, 'expand': expand_cases, 'errors': errors, 'noValidate': no_validate,
    'independent': independent,
}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'distributions.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'), allow_nan=False)
    f.write('\n')
print(f'wrote {path} ({len(values)} value cases, {len(samples)} sample streams, {len(kl)} + {len(kl_cross)} KL pairs, '
      f'{os.path.getsize(path)} bytes)')
