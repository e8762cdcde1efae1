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
klParams: the Gamma family's KL pairs, Geometric, HalfNormal, Gumbel, LogNormal and Binomial
          pairs, and their gradients w.r.t. each of p's parameters.
absTransform: AbsTransform's values, inverse, bijective flag and log_abs_det_jacobian error.
lowLevel: Tensor.cauchy_ streams (float64 and float32, global seed and a generator);
          torch._standard_gamma and torch._sample_dirichlet streams, _standard_gamma's
          gradient (StandardGammaBackward0), and _standard_gamma_grad / _dirichlet_grad on
          grids that reach every branch of PyTorch's approximations (and the boundaries of
          _standard_gamma_grad's, where PyTorch compares with float literals); torch.binomial
          streams (float64 and float32, global seed and a generator) labelled with the
          sampler each element takes (inversion, BTRS, on p or 1 - p, and the no-draw cases).
Later families: Cauchy, Geometric, HalfNormal, Gumbel, the relaxed Bernoulli / categorical
distributions (temperature a tensor in PyTorch; a number parameter here is a tensor of the
parameter's dtype on PyTorch's side), MixtureSameFamily, Multinomial (total_count an int),
Binomial and NegativeBinomial (total_count a number or a tensor; their KL pairs:
Binomial || Binomial with gradients, Poisson || Binomial).
The Gamma-family rsample cases are weighted ((x * w).sum(): a Dirichlet row sums to 1) and
record which gradient branches their draws reach.
"""
import json
import math
import os
import struct

import torch
import torch.distributions as D
from torch.distributions import transforms as T
# not exported from torch.distributions in 1.13 (flint exports them)
from torch.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
from torch.distributions.relaxed_categorical import ExpRelaxedCategorical

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


def case(name, params, build, log_prob=(), cdf=(), icdf=(), sample_shapes=([], [4]), rsample=None, validate=True,
         weighted=False):
    CASES[name] = dict(params=params, build=build, logProb=list(log_prob), cdf=list(cdf), icdf=list(icdf),
                       sampleShapes=[list(s) for s in sample_shapes], rsample=rsample, validate=validate, weighted=weighted)


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

# Gamma: concentrations below 1 (boosted sampler, small-sample gradient series), 1, between 1
# and 8 (rational fit) and above 8 (saddle-point expansion)
case('gamma_vec', [('concentration', tensor([0.3, 1.0, 2.5, 12.0])), ('rate', tensor([1.0, 2.0, 0.5, 3.0]))],
     lambda p, **k: D.Gamma(p['concentration'], p['rate'], **k),
     log_prob=[tensor([0.5, 0.0, 3.0, 4.0]), tensor([[0.2], [6.0]])], sample_shapes=([], [4], [2, 3]), rsample=[3], weighted=True)
case('gamma_small', [('concentration', tensor([0.05, 0.2, 0.7])), ('rate', 1.0)],
     lambda p, **k: D.Gamma(p['concentration'], p['rate'], **k),
     log_prob=[tensor([1e-3, 0.1, 0.6])], sample_shapes=([], [5]), rsample=[4], weighted=True)
case('gamma_broadcast', [('concentration', tensor([[0.5], [9.0]])), ('rate', tensor([1.0, 0.25, 4.0]))],
     lambda p, **k: D.Gamma(p['concentration'], p['rate'], **k),
     log_prob=[tensor([[0.3, 2.0, 0.1], [8.0, 30.0, 2.5]])], sample_shapes=([], [2]), rsample=[2], weighted=True)
case('gamma_scalar', [('concentration', 2.0), ('rate', 3.0)], lambda p, **k: D.Gamma(p['concentration'], p['rate'], **k),
     log_prob=[tensor([0.0, 0.5, 2.0], F32)], sample_shapes=([], [5]), rsample=[4], weighted=True)
case('gamma_f32', [('concentration', tensor([0.5, 4.0, 20.0], F32)), ('rate', tensor([1.5, 0.25, 2.0], F32))],
     lambda p, **k: D.Gamma(p['concentration'], p['rate'], **k),
     log_prob=[tensor([0.2, 10.0, 30.0], F32)], sample_shapes=([], [4]), rsample=[3], weighted=True)

# Chi2 = Gamma(df / 2, 1 / 2)
case('chi2_vec', [('df', tensor([1.0, 3.5, 10.0, 25.0]))], lambda p, **k: D.Chi2(p['df'], **k),
     log_prob=[tensor([0.5, 2.0, 9.0, 20.0]), tensor([[1.0], [4.0]])], sample_shapes=([], [4]), rsample=[3], weighted=True)
case('chi2_scalar', [('df', 4.0)], lambda p, **k: D.Chi2(p['df'], **k),
     log_prob=[tensor([0.5, 3.0], F32)], sample_shapes=([], [3]), rsample=[3], weighted=True)
case('chi2_f32', [('df', tensor([0.6, 6.0], F32))], lambda p, **k: D.Chi2(p['df'], **k),
     log_prob=[tensor([0.05, 5.0], F32)], sample_shapes=([], [4]), rsample=[3], weighted=True)

# Dirichlet (last dim is the event): a row with some concentrations below 1 and a row with all
# of them below 1 (the mode is a vertex there)
case('dirichlet_batched', [('concentration', tensor([[0.5, 2.0, 3.0], [0.3, 0.7, 0.2]]))],
     lambda p, **k: D.Dirichlet(p['concentration'], **k),
     log_prob=[tensor([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]]), tensor([[[0.25, 0.25, 0.5]], [[0.6, 0.3, 0.1]]])],
     sample_shapes=([], [4]), rsample=[2], weighted=True)
case('dirichlet_mix', [('concentration', tensor([[0.2, 0.5, 1.5], [3.0, 7.0, 8.0], [9.0, 12.0, 0.4], [1.0, 1.0, 1.0]]))],
     lambda p, **k: D.Dirichlet(p['concentration'], **k),
     log_prob=[tensor([[0.1, 0.2, 0.7], [0.2, 0.35, 0.45], [0.4, 0.55, 0.05], [0.3, 0.3, 0.4]])],
     sample_shapes=([], [3]), rsample=[4], weighted=True)
case('dirichlet_vec', [('concentration', tensor([0.8, 5.0, 12.0, 2.0]))], lambda p, **k: D.Dirichlet(p['concentration'], **k),
     log_prob=[tensor([0.05, 0.25, 0.6, 0.1]), tensor([[0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4]])],
     sample_shapes=([], [5]), rsample=[3], weighted=True)
case('dirichlet_f32', [('concentration', tensor([[0.8, 5.0, 12.0], [2.0, 0.1, 7.0]], F32))],
     lambda p, **k: D.Dirichlet(p['concentration'], **k),
     log_prob=[tensor([[0.05, 0.35, 0.6], [0.2, 0.1, 0.7]], F32)], sample_shapes=([], [3]), rsample=[3], weighted=True)

# Beta: broadcasting tensors (a pair all below 1 makes the mode a vertex), numbers, float32
case('beta_broadcast', [('concentration1', tensor([[0.5], [2.0]])), ('concentration0', tensor([0.7, 3.0, 10.0]))],
     lambda p, **k: D.Beta(p['concentration1'], p['concentration0'], **k),
     log_prob=[tensor([[0.1, 0.5, 0.9], [0.3, 0.2, 0.05]]), tensor([[[0.25]], [[0.75]]])],
     sample_shapes=([], [4]), rsample=[3], weighted=True)
case('beta_scalar', [('concentration1', 0.5), ('concentration0', 2.0)],
     lambda p, **k: D.Beta(p['concentration1'], p['concentration0'], **k),
     log_prob=[tensor([0.1, 0.5, 0.99], F32)], sample_shapes=([], [5]), rsample=[4], weighted=True)
case('beta_f32', [('concentration1', tensor([1.5, 8.0, 0.3], F32)), ('concentration0', tensor([0.3, 9.0, 0.6], F32))],
     lambda p, **k: D.Beta(p['concentration1'], p['concentration0'], **k),
     log_prob=[tensor([0.8, 0.45, 0.02], F32)], sample_shapes=([], [4]), rsample=[3], weighted=True)
case('beta_mixed', [('concentration1', tensor([0.5, 4.0, 30.0])), ('concentration0', 7.5)],
     lambda p, **k: D.Beta(p['concentration1'], p['concentration0'], **k),
     log_prob=[tensor([0.02, 0.4, 0.8])], sample_shapes=([], [3]), rsample=[3], weighted=True)

# StudentT: df <= 1 (NaN mean and variance), in (1, 2] (infinite variance), > 2; defaults for
# loc and scale; numbers; float32
case('studentt_vec', [('df', tensor([0.5, 1.0, 1.5, 2.0, 3.0, 30.0])), ('loc', tensor([0.0, 1.0, -1.0, 0.5, 2.0, 0.0])),
                      ('scale', tensor([1.0, 2.0, 0.5, 1.0, 3.0, 0.1]))],
     lambda p, **k: D.StudentT(p['df'], p['loc'], p['scale'], **k),
     log_prob=[tensor([0.3, -2.0, 5.0, 0.5, 1.0, 0.05]), tensor([[0.0], [1.5]])], sample_shapes=([], [4]), rsample=[2],
     weighted=True)
case('studentt_df_only', [('df', tensor([2.5, 7.0]))], lambda p, **k: D.StudentT(p['df'], **k),
     log_prob=[tensor([0.4, -3.0])], sample_shapes=([], [3]), rsample=[3], weighted=True)
case('studentt_scalar', [('df', 3.0), ('loc', 1.0), ('scale', 2.0)],
     lambda p, **k: D.StudentT(p['df'], p['loc'], p['scale'], **k),
     log_prob=[tensor([1.0, -4.0, 10.0], F32)], sample_shapes=([], [5]), rsample=[3], weighted=True)
case('studentt_f32', [('df', tensor([4.0, 0.8], F32)), ('loc', 1.0), ('scale', tensor([2.0, 0.5], F32))],
     lambda p, **k: D.StudentT(p['df'], p['loc'], p['scale'], **k),
     log_prob=[tensor([0.0, 1.2], F32)], sample_shapes=([], [8]), rsample=[3], weighted=True)
case('studentt_big_sample', [('df', tensor([5.0, 1.2, 12.0])), ('loc', tensor([0.0, -2.0, 3.0])), ('scale', 1.5)],
     lambda p, **k: D.StudentT(p['df'], p['loc'], p['scale'], **k),
     log_prob=[tensor([0.5, -1.0, 2.0])], sample_shapes=([6], [2, 4]))

# Cauchy: mean NaN, variance inf; rsample draws Tensor.cauchy_
case('cauchy_vec', [('loc', tensor([0.0, 1.0, -2.0])), ('scale', tensor([1.0, 0.5, 3.0]))],
     lambda p, **k: D.Cauchy(p['loc'], p['scale'], **k),
     log_prob=[tensor([0.5, 1.0, -10.0]), tensor([[0.0], [2.0]])], cdf=[tensor([0.5, 1.0, -10.0])],
     icdf=[tensor([0.1, 0.5, 0.9])], sample_shapes=([3],), rsample=[2])
case('cauchy_scalar', [('loc', 0.5), ('scale', 2.0)], lambda p, **k: D.Cauchy(p['loc'], p['scale'], **k),
     log_prob=[tensor([0.0, 0.5, 30.0], F32)], cdf=[tensor([0.0, 0.5, 30.0], F32)], icdf=[tensor([0.25, 0.75], F32)],
     sample_shapes=([4],), rsample=[3])

# Geometric: probs 1 scores 0 failures as log 1 = 0 (PyTorch masks that entry)
case('geometric_probs', [('probs', tensor([0.2, 0.5, 1.0]))], lambda p, **k: D.Geometric(p['probs'], **k),
     log_prob=[tensor([0.0, 3.0, 0.0]), tensor([[1.0], [4.0]])], sample_shapes=([4],))
case('geometric_logits', [('logits', tensor([[-1.0, 0.5], [2.0, -3.0]]))], lambda p, **k: D.Geometric(logits=p['logits'], **k),
     log_prob=[tensor([[1.0, 0.0], [4.0, 2.0]]), tensor([3.0, 0.0])], sample_shapes=([3],))
case('geometric_scalar', [('probs', 0.3)], lambda p, **k: D.Geometric(p['probs'], **k),
     log_prob=[tensor([0.0, 2.0, 7.0], F32)], sample_shapes=([6],))

# HalfNormal: |Normal(0, scale)|; with validate_args=False a negative value scores -inf
case('halfnormal_vec', [('scale', tensor([1.0, 0.5, 2.0]))], lambda p, **k: D.HalfNormal(p['scale'], **k),
     log_prob=[tensor([0.5, 0.0, 3.0]), tensor([[0.1], [1.0]])], cdf=[tensor([0.5, 0.0, 3.0])],
     icdf=[tensor([0.1, 0.5, 0.9])], sample_shapes=([3],), rsample=[2])
case('halfnormal_scalar', [('scale', 1.5)], lambda p, **k: D.HalfNormal(p['scale'], **k),
     log_prob=[tensor([0.0, 1.0, 4.0], F32)], cdf=[tensor([0.0, 1.0, 4.0], F32)], icdf=[tensor([0.3, 0.95], F32)],
     sample_shapes=([4],), rsample=[3])
case('halfnormal_novalidate', [('scale', tensor([1.0, 2.0]))], lambda p, **k: D.HalfNormal(p['scale'], **k),
     log_prob=[tensor([-1.0, 0.5])], cdf=[tensor([-1.0, 0.5])], sample_shapes=(), validate=False)

# Gumbel: a TransformedDistribution of Uniform(tiny, 1 - eps) with its own log_prob
case('gumbel_vec', [('loc', tensor([0.0, 1.0, -2.0])), ('scale', tensor([1.0, 0.5, 2.0]))],
     lambda p, **k: D.Gumbel(p['loc'], p['scale'], **k),
     log_prob=[tensor([0.5, 1.0, -5.0]), tensor([[0.0], [3.0]])], cdf=[tensor([0.5, 1.0, -5.0])],
     icdf=[tensor([0.1, 0.5, 0.9])], sample_shapes=([3],), rsample=[2])
case('gumbel_broadcast', [('loc', tensor([[0.0], [1.0]])), ('scale', tensor([0.5, 1.0, 2.0]))],
     lambda p, **k: D.Gumbel(p['loc'], p['scale'], **k),
     log_prob=[tensor([[0.1, -0.2, 0.3], [1.5, -1.0, 4.0]])], cdf=[tensor([[0.1, -0.2, 0.3], [1.5, -1.0, 4.0]])],
     sample_shapes=(), rsample=[2])
case('gumbel_scalar', [('loc', 1.0), ('scale', 2.0)], lambda p, **k: D.Gumbel(p['loc'], p['scale'], **k),
     log_prob=[tensor([0.0, 1.0, 7.0], F32)], cdf=[tensor([0.0, 1.0, 7.0], F32)], icdf=[tensor([0.25, 0.75], F32)],
     sample_shapes=([4],), rsample=[3])

# The relaxed (concrete / Gumbel-softmax) distributions. PyTorch takes the temperature as a
# tensor; flint also takes a number (a {'number'} parameter here, a tensor of the
# parameter's dtype on PyTorch's side).
case('logit_relaxed_bernoulli_probs', [('temperature', tensor(0.5)), ('probs', tensor([0.1, 0.5, 0.9]))],
     lambda p, **k: LogitRelaxedBernoulli(p['temperature'], p['probs'], **k),
     log_prob=[tensor([-1.0, 0.0, 2.5]), tensor([[0.5], [-0.5]])], sample_shapes=([],), rsample=[2])
case('logit_relaxed_bernoulli_logits', [('temperature', 0.7), ('logits', tensor([[-1.0, 0.5], [2.0, 0.0]]))],
     lambda p, **k: LogitRelaxedBernoulli(tensor(p['temperature']), logits=p['logits'], **k),
     log_prob=[tensor([[0.3, -2.0], [4.0, 0.0]])], sample_shapes=(), rsample=[2])
case('relaxed_bernoulli_probs', [('temperature', tensor(0.3)), ('probs', tensor([0.2, 0.7]))],
     lambda p, **k: D.RelaxedBernoulli(p['temperature'], p['probs'], **k),
     log_prob=[tensor([0.1, 0.95]), tensor([[0.5], [0.3]])], sample_shapes=([], [3]), rsample=[3])
case('relaxed_bernoulli_logits', [('temperature', 2.0), ('logits', tensor([1.5, -0.5]))],
     lambda p, **k: D.RelaxedBernoulli(tensor(p['temperature']), logits=p['logits'], **k),
     log_prob=[tensor([0.6, 0.2])], sample_shapes=(), rsample=[2])
case('exp_relaxed_categorical_probs', [('temperature', tensor(0.5)), ('probs', tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]))],
     lambda p, **k: ExpRelaxedCategorical(p['temperature'], p['probs'], **k),
     log_prob=[tensor([[-1.5, -0.7, -1.2], [-0.2, -3.0, -2.0]]), tensor([[[-1.0, -1.0, -1.5]], [[-0.5, -2.0, -1.0]]])],
     sample_shapes=([],), rsample=[2])
case('exp_relaxed_categorical_logits', [('temperature', 2.0), ('logits', tensor([0.5, -1.0, 2.0]))],
     lambda p, **k: ExpRelaxedCategorical(tensor(p['temperature']), logits=p['logits'], **k),
     log_prob=[tensor([-1.0, -2.5, -0.4])], sample_shapes=(), rsample=[2])
case('relaxed_onehot_probs', [('temperature', tensor(0.7)), ('probs', tensor([0.2, 0.3, 0.5]))],
     lambda p, **k: D.RelaxedOneHotCategorical(p['temperature'], p['probs'], **k),
     log_prob=[tensor([0.1, 0.3, 0.6]), tensor([[0.2, 0.2, 0.6], [0.5, 0.25, 0.25]])], sample_shapes=([3],), rsample=[3])
case('relaxed_onehot_logits', [('temperature', 0.5), ('logits', tensor([[0.0, 1.0, -1.0], [2.0, 0.5, 0.0]]))],
     lambda p, **k: D.RelaxedOneHotCategorical(tensor(p['temperature']), logits=p['logits'], **k),
     log_prob=[tensor([[0.25, 0.5, 0.25], [0.7, 0.2, 0.1]])], sample_shapes=([2],), rsample=[2])
case('relaxed_onehot_f32', [('temperature', tensor(1.5, F32)), ('logits', tensor([0.3, -0.3, 1.0, 0.0], F32))],
     lambda p, **k: D.RelaxedOneHotCategorical(p['temperature'], logits=p['logits'], **k),
     log_prob=[tensor([0.1, 0.2, 0.3, 0.4], F32)], sample_shapes=([2],), rsample=[2])

# MixtureSameFamily: a 1-D Gaussian mixture (Normal components), a 2-D one (Independent(Normal, 1)
# components), a batch of 3 mixtures of 5 (Categorical batch [3], components batch [3, 5]), and a
# Categorical batch [2] against components batch [3, 2, k]: PyTorch's _pad_mixture_dimensions
# counts numel of the batch shapes (6 - 2 = 4 padding dims), so mean and variance come out with
# shape [2, 1, 1, 3, 2] there.
case('mixture_gmm_1d', [('mix_logits', tensor([0.5, -0.5, 1.0])), ('loc', tensor([-1.0, 0.0, 2.0])),
                        ('scale', tensor([0.5, 1.0, 0.3]))],
     lambda p, **k: D.MixtureSameFamily(D.Categorical(logits=p['mix_logits']), D.Normal(p['loc'], p['scale']), **k),
     log_prob=[tensor([0.5, -1.2, 2.1]), tensor(0.0)], cdf=[tensor([-1.0, 0.3, 2.5])], sample_shapes=([], [5]))
case('mixture_gmm_2d', [('mix_probs', tensor([0.3, 0.3, 0.4])), ('loc', tensor([[0.0, 1.0], [2.0, -1.0], [-1.0, 0.5]])),
                        ('scale', tensor([[1.0, 0.5], [0.3, 1.0], [2.0, 0.7]]))],
     lambda p, **k: D.MixtureSameFamily(D.Categorical(p['mix_probs']), D.Independent(D.Normal(p['loc'], p['scale']), 1), **k),
     log_prob=[tensor([[0.5, 0.5], [1.0, -1.0]]), tensor([2.0, -1.0])], sample_shapes=([], [4]))
case('mixture_batched', [('mix_logits', tensor([[0.0, 0.5, -0.5, 1.0, 0.2], [1.0, 1.0, 0.0, -1.0, 0.3], [-2.0, 0.0, 0.5, 0.5, 0.0]])),
                         ('loc', tensor([[-2.0, -1.0, 0.0, 1.0, 2.0], [0.5, 0.0, -0.5, 3.0, 1.0], [1.0, 1.5, -1.0, 0.0, 0.2]])),
                         ('scale', tensor([[1.0, 0.5, 0.3, 2.0, 1.0], [0.7, 1.2, 0.4, 1.0, 0.9], [0.5, 0.5, 1.5, 0.8, 2.5]]))],
     lambda p, **k: D.MixtureSameFamily(D.Categorical(logits=p['mix_logits']), D.Normal(p['loc'], p['scale']), **k),
     log_prob=[tensor([0.3, -0.4, 1.1]), tensor([[0.0], [1.0]])], cdf=[tensor([0.3, -0.4, 1.1])], sample_shapes=([], [2]))
case('mixture_pad_numel', [('mix_probs', tensor([[0.4, 0.6], [0.9, 0.1]])), ('loc', tensor([[[0.0, 1.0], [2.0, -1.0]], [[0.5, 0.5], [-1.0, 3.0]], [[1.0, 0.0], [0.0, 1.0]]])),
                           ('scale', 1.0)],
     lambda p, **k: D.MixtureSameFamily(D.Categorical(p['mix_probs']), D.Normal(p['loc'], p['scale']), **k),
     log_prob=[tensor([0.5, -0.5])], sample_shapes=())

# Multinomial (total_count an int): zero probabilities with zero counts score finitely; the
# entropy goes through PyTorch's Binomial marginals
case('multinomial_probs', [('total_count', 10), ('probs', tensor([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]]))],
     lambda p, **k: D.Multinomial(p['total_count'], p['probs'], **k),
     log_prob=[tensor([[2.0, 3.0, 5.0], [1.0, 6.0, 3.0]]), tensor([[[0.0, 0.0, 10.0]], [[5.0, 5.0, 0.0]]])], sample_shapes=([3],))
case('multinomial_zero', [('total_count', 4), ('probs', tensor([0.0, 1.0, 3.0]))],
     lambda p, **k: D.Multinomial(p['total_count'], p['probs'], **k),
     log_prob=[tensor([[0.0, 2.0, 2.0], [0.0, 0.0, 4.0], [1.0, 1.0, 2.0]])], sample_shapes=([4],))
case('multinomial_logits', [('total_count', 5), ('logits', tensor([0.5, -1.0, 2.0, 0.0]))],
     lambda p, **k: D.Multinomial(p['total_count'], logits=p['logits'], **k),
     log_prob=[tensor([1.0, 0.0, 3.0, 1.0])], sample_shapes=([2],))
case('multinomial_f32', [('total_count', 3), ('probs', tensor([0.25, 0.25, 0.5], F32))],
     lambda p, **k: D.Multinomial(p['total_count'], p['probs'], **k),
     log_prob=[tensor([1.0, 0.0, 2.0], F32)], sample_shapes=([5],))

# Binomial (total_count a number or a tensor, cast to the parameter's dtype; PyTorch's default
# total_count is 1): probs 0 and 1 (logits clamped), p <= 0.5 and > 0.5; samples reach the
# inversion sampler (count * min(p, 1 - p) < 10) and BTRS (>= 10: logits 0 with 20 trials is
# exactly 10); an inhomogeneous total_count raises from entropy; an int64 total_count is cast.
case('binomial_probs', [('total_count', 10), ('probs', tensor([0.0, 0.2, 0.5, 0.9, 1.0]))],
     lambda p, **k: D.Binomial(p['total_count'], p['probs'], **k),
     log_prob=[tensor([0.0, 3.0, 5.0, 7.0, 10.0]), tensor([[0.0], [10.0]])], sample_shapes=([], [4]))
case('binomial_default', [('probs', tensor([0.3, 0.8], F32))], lambda p, **k: D.Binomial(probs=p['probs'], **k),
     log_prob=[tensor([1.0, 0.0], F32)], sample_shapes=([3],))
case('binomial_logits', [('total_count', 20), ('logits', tensor([[-1.0, 0.5], [2.0, 0.0]]))],
     lambda p, **k: D.Binomial(p['total_count'], logits=p['logits'], **k),
     log_prob=[tensor([[5.0, 12.0], [18.0, 10.0]]), tensor([0.0, 20.0])], sample_shapes=([], [3]))
case('binomial_tensor_count', [('total_count', tensor([[5.0], [50.0]])), ('probs', tensor([0.1, 0.3, 0.7, 0.95]))],
     lambda p, **k: D.Binomial(p['total_count'], p['probs'], **k),
     log_prob=[tensor([[0.0, 1.0, 4.0, 5.0], [4.0, 15.0, 36.0, 48.0]]), tensor([[[2.0]], [[5.0]]])], sample_shapes=([], [3]))
# (float32 log_prob at these counts cancels lgamma terms of ~860 and ~5900 down to O(1): it
# matches PyTorch's only with PyTorch's float32 lgamma to the last bit, Sleef's on AVX2 CPUs)
case('binomial_f32', [('total_count', torch.tensor([30, 200, 1000])), ('probs', tensor([0.4, 0.75, 0.02], F32))],
     lambda p, **k: D.Binomial(p['total_count'], p['probs'], **k),
     log_prob=[tensor([10.0, 160.0, 25.0], F32)], sample_shapes=([], [5]))

# NegativeBinomial (a real total_count >= 0): total_count 0 scores value 0 as log 1 = 0 (PyTorch
# masks lgamma(0)) and a positive value as -inf; samples are Gamma(total_count, exp(-logits))
# then Poisson, as PyTorch draws them
case('negbin_probs', [('total_count', tensor([0.0, 1.0, 2.5, 10.0])), ('probs', tensor([0.3, 0.5, 0.0, 0.9]))],
     lambda p, **k: D.NegativeBinomial(p['total_count'], p['probs'], **k),
     log_prob=[tensor([0.0, 3.0, 2.0, 50.0]), tensor([[0.0], [3.0]])], sample_shapes=([], [3]))
case('negbin_logits', [('total_count', 3.5), ('logits', tensor([[-1.0, 0.5], [2.0, 0.0]]))],
     lambda p, **k: D.NegativeBinomial(p['total_count'], logits=p['logits'], **k),
     log_prob=[tensor([[0.0, 2.0], [30.0, 4.0]]), tensor([1.0, 7.0])], sample_shapes=([], [4]))
case('negbin_f32', [('total_count', 5.0), ('probs', tensor([0.2, 0.6, 0.95], F32))],
     lambda p, **k: D.NegativeBinomial(p['total_count'], p['probs'], **k),
     log_prob=[tensor([0.0, 7.0, 100.0], F32)], sample_shapes=([], [5]))


def make_params(c, requires_grad=False):
    params = {}
    for name, v in c['params']:
        if isinstance(v, torch.Tensor):
            v = v.clone().requires_grad_(requires_grad and v.is_floating_point())
        params[name] = v
    return params


def ser_params(c):
    # a Python int (Multinomial's total_count) is a number too
    return [{'name': n, 'value': num(v) if isinstance(v, (float, int)) else ser(v)} for n, v in c['params']]


def attempt(fn):
    try:
        return ser(fn())
    except NotImplementedError:
        return {'error': 'NotImplementedError'}


def build(c, requires_grad=False):
    p = make_params(c, requires_grad)
    return p, c['build'](p, **vargs(c))


# the parameters (and derived ones) recorded as properties of the Gamma family and the later families
PARAM_PROPS = {'Gamma': ['concentration', 'rate'], 'Chi2': ['concentration', 'rate', 'df'], 'Dirichlet': ['concentration'],
               'Beta': ['concentration1', 'concentration0'], 'StudentT': ['df', 'loc', 'scale'],
               'Cauchy': ['loc', 'scale'], 'Gumbel': ['loc', 'scale'], 'HalfNormal': ['scale'], 'Geometric': ['probs', 'logits'],
               'Multinomial': ['probs', 'logits'], 'LogitRelaxedBernoulli': ['temperature', 'probs', 'logits'],
               'RelaxedBernoulli': ['temperature', 'probs', 'logits'], 'ExpRelaxedCategorical': ['temperature', 'probs', 'logits'],
               'RelaxedOneHotCategorical': ['temperature', 'probs', 'logits'],
               'Binomial': ['total_count', 'probs', 'logits'], 'NegativeBinomial': ['total_count', 'probs', 'logits']}


def rsample_weights(x):
    """Fixed weights (-2.5 .. 3.5, exact in float32) for the rsample objective (x * w).sum()."""
    return ((torch.arange(x.numel()) % 7).to(x.dtype) - 2.5).reshape(x.shape)


def f32(v):
    return struct.unpack('f', struct.pack('f', v))[0]


def gamma_grad_branch(alpha, x):
    """The branch of PyTorch's standard_gamma_grad_one (its literals are floats)."""
    if x < f32(0.8):
        return 'series'
    if alpha > 8.0:
        if f32(0.9) * alpha <= x <= f32(1.1) * alpha:
            return 'saddle_near_mean'
        return 'saddle_below' if x < alpha else 'saddle_above'
    return 'rational'


def dirichlet_grad_branch(x, alpha, total):
    """The branch of PyTorch's dirichlet_grad_one."""
    beta = total - alpha
    boundary = total * x * (1 - x)
    if x <= 0.5 and boundary < 2.5:
        return 'near_zero'
    if x >= 0.5 and boundary < 0.75:
        return 'near_one'
    if alpha > 6 and beta > 6:
        mean = alpha / (alpha + beta)
        std = math.sqrt(alpha * beta / (alpha + beta + 1)) / (alpha + beta)
        if mean - 0.1 * std <= x <= mean + 0.1 * std:
            return 'large_near_mean'
        return 'large_below' if x < mean else 'large_above'
    return 'rational'


GAMMA_BRANCHES = {'series', 'saddle_near_mean', 'saddle_below', 'saddle_above', 'rational'}
DIRICHLET_BRANCHES = {'near_zero', 'near_one', 'large_near_mean', 'large_below', 'large_above', 'rational'}


def rsample_branches(d, x):
    """Which branches of the reparameterized gradient a Gamma-family rsample's backward takes."""
    x = x.detach().double()
    if isinstance(d, D.Gamma):
        alpha = d.concentration.detach().expand(x.shape).double()
        std = (x * d.rate.detach().double()).clamp(min=0)  # the standard Gamma draw (before / rate)
        return sorted({gamma_grad_branch(a, v) for a, v in zip(alpha.reshape(-1).tolist(), std.reshape(-1).tolist())})
    if isinstance(d, (D.Dirichlet, D.Beta)):
        conc = (d._dirichlet if isinstance(d, D.Beta) else d).concentration.detach().double()
        xx = torch.stack([x, 1 - x], -1) if isinstance(d, D.Beta) else x
        conc = conc.expand(xx.shape)
        total = conc.sum(-1, True).expand(xx.shape)
        return sorted({dirichlet_grad_branch(v, a, tt) for v, a, tt in
                       zip(xx.reshape(-1).tolist(), conc.reshape(-1).tolist(), total.reshape(-1).tolist())})
    return []


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
    for prop in PARAM_PROPS.get(type(d).__name__, []):
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
        entry = {'name': name, 'seed': seed, 'shape': c['rsample'], 'out': ser(x), 'grads': {}, 'branches': rsample_branches(d, x)}
        objective = x.sum()
        if c['weighted']:
            w = rsample_weights(x)
            entry['weights'] = ser(w)
            objective = (x * w).sum()
        if leaves:
            gs = torch.autograd.grad(objective, [v for _, v in leaves], allow_unused=True)
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


# ---------------------------------------------------------------- low level: torch._standard_gamma & co
def f32_vs_double(entry, out32, out64):
    """A float32 grid also records PyTorch's float64 evaluation at the same (float32) inputs,
    rounded to float32: flint evaluates every branch in double. `noisy` lists the points where
    PyTorch's own float32 arithmetic (some branches stay in float) is more than 1e-5 from it."""
    entry['outDouble'] = ser(out64.float())
    rel = ((out32.double() - out64).abs() / out64.abs().clamp(min=1)).tolist()
    entry['noisy'] = [i for i, r in enumerate(rel) if r > 1e-5]


low_level = {'standardGamma': [], 'sampleDirichlet': [], 'standardGammaRsample': [], 'gammaGrad': [], 'dirichletGrad': []}
ALPHA_G = [[0.0, 0.05, 0.3, 0.9], [1.0, 1.5, 4.0, 12.0], [150.0, 1e-3, 2.5, 7.0]]
ALPHA_D = [[0.1, 0.1, 0.1], [1.0, 2.0, 3.0], [0.01, 5.0, 0.02], [1e-3, 1e-3, 1e-3], [50.0, 0.5, 8.0]]
for dtype in [F64, F32]:
    for alpha in [ALPHA_G, [2.0, 0.5]]:
        seed = 3000 + len(low_level['standardGamma'])
        torch.manual_seed(seed)
        a = tensor(alpha, dtype)
        low_level['standardGamma'].append({'seed': seed, 'alpha': ser(a), 'out': ser(torch._standard_gamma(a))})
    for alpha in [ALPHA_D, [0.5, 0.5]]:
        seed = 3100 + len(low_level['sampleDirichlet'])
        torch.manual_seed(seed)
        a = tensor(alpha, dtype)
        low_level['sampleDirichlet'].append({'seed': seed, 'alpha': ser(a), 'out': ser(torch._sample_dirichlet(a))})
    # differentiable: d((x * w).sum()) / d alpha = w * _standard_gamma_grad(alpha, x)
    seed = 3200 + len(low_level['standardGammaRsample'])
    torch.manual_seed(seed)
    a = tensor([0.2, 0.7, 2.0, 5.0, 9.0, 30.0, 0.9, 3.0], dtype).requires_grad_()
    x = torch._standard_gamma(a)
    w = rsample_weights(x)
    g, = torch.autograd.grad((x * w).sum(), [a])
    low_level['standardGammaRsample'].append({'seed': seed, 'alpha': ser(a), 'out': ser(x), 'weights': ser(w), 'grad': ser(g),
                                              'gradFn': x.grad_fn.name(),
                                              'branches': sorted({gamma_grad_branch(av, xv) for av, xv in zip(a.tolist(), x.tolist())})})

# _standard_gamma_grad on a grid: every branch (float64 at 1e-12; float32, away from the
# branch boundaries, at 1e-5); and at the boundaries, where PyTorch compares with float literals
g_alpha, g_x = [], []
for alpha in [0.1, 0.5, 1.0, 2.5, 7.9, 8.5, 12.0, 50.0]:
    for x in [1e-3, 0.1, 0.5, 0.79, 0.81, 1.5, 5.0, 0.3 * alpha, 0.5 * alpha, 0.95 * alpha, alpha, 1.05 * alpha, 2.0 * alpha, 3.0 * alpha]:
        g_alpha.append(alpha)
        g_x.append(x)
for dtype in [F64, F32]:
    a, x = tensor(g_alpha, dtype), tensor(g_x, dtype)
    branches = [gamma_grad_branch(av, xv) for av, xv in zip(a.tolist(), x.tolist())]
    assert set(branches) == GAMMA_BRANCHES, set(branches)
    entry = {'label': f'grid {dtype}', 'alpha': ser(a), 'x': ser(x), 'out': ser(torch._standard_gamma_grad(a, x)), 'branches': branches}
    if dtype == F32:
        f32_vs_double(entry, torch._standard_gamma_grad(a, x), torch._standard_gamma_grad(a.double(), x.double()))
    low_level['gammaGrad'].append(entry)
# branch boundaries: x = 0.8 (PyTorch: 0.8 < 0.8f, the series), x just inside 0.9f * alpha and 1.1f * alpha
EDGE = [(2.0, 0.8), (12.0, 0.8), (0.5, 0.8), (10.0, 8.9999999), (10.0, 11.0000001), (10.0, 9.0), (10.0, 11.0)]
a, x = tensor([e[0] for e in EDGE]), tensor([e[1] for e in EDGE])
low_level['gammaGrad'].append({'label': 'branch boundaries float64', 'alpha': ser(a), 'x': ser(x),
                               'out': ser(torch._standard_gamma_grad(a, x)),
                               'branches': [gamma_grad_branch(av, xv) for av, xv in zip(a.tolist(), x.tolist())]})

# _dirichlet_grad(x, alpha, total) on a grid: every branch
d_x, d_alpha, d_total = [], [], []
for alpha in [0.3, 1.0, 2.5, 7.0, 15.0]:
    for beta in [0.4, 2.0, 6.5, 20.0]:
        xs = [0.001, 0.05, 0.2, 0.3, 0.45, 0.5, 0.6, 0.8, 0.95, 0.999]
        if alpha > 6 and beta > 6:
            mean = alpha / (alpha + beta)
            std = math.sqrt(alpha * beta / (alpha + beta + 1)) / (alpha + beta)
            xs += [mean, mean + 0.05 * std, mean - 0.08 * std, mean + 0.3 * std]
        for x in xs:
            d_x.append(x)
            d_alpha.append(alpha)
            d_total.append(alpha + beta)
for dtype in [F64, F32]:
    x, a, tt = tensor(d_x, dtype), tensor(d_alpha, dtype), tensor(d_total, dtype)
    branches = [dirichlet_grad_branch(xv, av, tv) for xv, av, tv in zip(x.tolist(), a.tolist(), tt.tolist())]
    assert set(branches) == DIRICHLET_BRANCHES, set(branches)
    entry = {'label': f'grid {dtype}', 'x': ser(x), 'alpha': ser(a), 'total': ser(tt),
             'out': ser(torch._dirichlet_grad(x, a, tt)), 'branches': branches}
    if dtype == F32:
        f32_vs_double(entry, torch._dirichlet_grad(x, a, tt), torch._dirichlet_grad(x.double(), a.double(), tt.double()))
    low_level['dirichletGrad'].append(entry)


# Tensor.cauchy_(median, sigma): torch.manual_seed(s); torch.empty(n, dtype=...).cauchy_(m, s), and
# with a generator of its own (the global stream then stays where it was)
low_level['cauchy'] = []
for dtype in [F64, F32]:
    for n, median, sigma in [(7, None, None), (6, 1.5, 0.25), (5, -2.0, 3.0)]:
        seed = 3300 + len(low_level['cauchy'])
        torch.manual_seed(seed)
        x = torch.empty(n, dtype=dtype)
        out = x.cauchy_() if median is None else x.cauchy_(median, sigma)
        low_level['cauchy'].append({'seed': seed, 'n': n, 'dtype': str(dtype).replace('torch.', ''), 'median': median,
                                    'sigma': sigma, 'generator': False, 'out': ser(out)})
    seed = 3300 + len(low_level['cauchy'])
    g = torch.Generator().manual_seed(seed)
    out = torch.empty(4, dtype=dtype).cauchy_(0.5, 2.0, generator=g)
    low_level['cauchy'].append({'seed': seed, 'n': 4, 'dtype': str(dtype).replace('torch.', ''), 'median': 0.5, 'sigma': 2.0,
                                'generator': True, 'out': ser(out)})
# PyTorch 1.13's cauchy_ does not check sigma > 0: a negative sigma mirrors the draws
torch.manual_seed(3399)
low_level['cauchyNegativeSigma'] = {'seed': 3399, 'n': 3, 'median': 0.0, 'sigma': -1.0,
                                    'out': ser(torch.empty(3, dtype=F64).cauchy_(0.0, -1.0))}


# torch.binomial(count, prob): PyTorch's sample_binomial takes, per element, count <= 0 or
# prob <= 0 -> 0 (no draw), prob >= 1 -> count, NaN prob -> NaN, else by min(p, 1 - p) = q:
# the inversion sampler when count * q < 10, BTRS when >= 10 (count - the draw for p > 1/2).
# The comparisons are in the tensor's dtype: in float32, 22 * 0.45454544f rounds to 10 (BTRS)
# though the exact product is below 10 (and likewise 31 with p = 0.67741936f, q = 1 - p).
def binomial_path(c, p, dtype):
    c, p = torch.tensor(c, dtype=dtype), torch.tensor(p, dtype=dtype)
    if c <= 0 or p <= 0:
        return 'zero'
    if p >= 1:
        return 'count'
    if p <= 0.5:
        return 'btrs' if c * p >= 10 else 'inversion'
    if p > 0.5:
        q = 1.0 - p
        return 'btrs(1-p)' if c * q >= 10 else 'inversion(1-p)'
    return 'nan'


def binomial_paths(count, prob):
    c, p = torch.broadcast_tensors(count, prob)
    return [binomial_path(cv, pv, count.dtype) for cv, pv in zip(c.reshape(-1).tolist(), p.reshape(-1).tolist())]


BINOMIAL_ELEMENTS = [(0.0, 0.5), (5.0, 0.3), (10.0, 0.0), (10.0, 1.0), (20.0, 0.5), (20.0, 0.6), (22.0, 0.45454543828964233),
                     (31.0, 0.6774193644523621), (100.0, 0.05), (100.0, 0.97), (1000.0, 0.3), (1e4, 0.7), (1e6, 0.01),
                     (10.0, NAN), (10.5, 0.3), (30.5, 0.6), (-1.0, 0.5), (7.0, 1.5), (7.0, -0.5), (3.0, 0.5)]
low_level['binomial'] = []
for dtype in [F64, F32]:
    for label, count, prob, generator in [
        ('every path', tensor([e[0] for e in BINOMIAL_ELEMENTS], dtype), tensor([e[1] for e in BINOMIAL_ELEMENTS], dtype), False),
        ('broadcast [3, 1] x [4]', tensor([[5.0], [50.0], [500.0]], dtype), tensor([0.1, 0.5, 0.9, 0.99], dtype), False),
        ('count [1] x 25 probs', tensor([300.0], dtype), torch.linspace(0.02, 0.98, 25, dtype=dtype), False),
        ('a generator of its own', tensor([15.0, 40.0, 3.0], dtype), tensor([0.5, 0.7, 0.2], dtype), True),
    ]:
        seed = 3400 + len(low_level['binomial'])
        if generator:
            out = torch.binomial(count, prob, generator=torch.Generator().manual_seed(seed))
        else:
            torch.manual_seed(seed)
            out = torch.binomial(count, prob)
        low_level['binomial'].append({'label': label, 'seed': seed, 'generator': generator, 'count': ser(count), 'prob': ser(prob),
                                      'out': ser(out), 'paths': binomial_paths(count, prob)})
    paths = {p for e in low_level['binomial'][-4:] for p in e['paths']}
    assert paths == {'zero', 'count', 'nan', 'inversion', 'btrs', 'inversion(1-p)', 'btrs(1-p)'}, paths
# the float32 boundary elements take BTRS; the same inputs in float64 take the inversion sampler
assert [low_level['binomial'][4]['paths'][i] for i in (6, 7)] == ['btrs', 'btrs(1-p)']
assert [low_level['binomial'][0]['paths'][i] for i in (6, 7)] == ['inversion', 'inversion(1-p)']
# PyTorch's output requires grad when an input does, and its backward raises
_c = tensor([3.0]).requires_grad_()
_out = torch.binomial(_c, tensor([0.5]))
try:
    _out.sum().backward()
    raise AssertionError('binomial backward')
except RuntimeError as e:
    low_level['binomialGrad'] = {'requiresGrad': _out.requires_grad, 'backwardError': str(e)}


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
    'poisson_binomial': lambda: (D.Poisson(t([1.0, 2.0])), D.Binomial(10, t([0.3, 0.5]))),
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

# The Gamma family's pairs: KL and its gradient w.r.t. each of p's parameters (the leaves).
def leaves(**kw):
    return {k: t(v, rg=True) for k, v in kw.items()}


def kl_gamma_gamma():
    L = leaves(concentration=[0.5, 2.0, 9.0], rate=[1.0, 0.5, 3.0])
    return D.Gamma(L['concentration'], L['rate']), D.Gamma(t([1.0, 3.0, 4.0]), t([2.0, 0.5, 1.0])), L


def kl_chi2_gamma():
    L = leaves(df=[1.0, 5.0, 20.0])
    return D.Chi2(L['df']), D.Gamma(t([0.5, 3.0, 8.0]), t([0.5, 1.0, 0.25])), L


def kl_beta_beta():
    L = leaves(concentration1=[0.5, 2.0, 8.0], concentration0=[1.5, 0.3, 9.0])
    return D.Beta(L['concentration1'], L['concentration0']), D.Beta(t([1.0, 4.0, 2.0]), t([1.0, 2.0, 3.0])), L


def kl_dirichlet_dirichlet():
    L = leaves(concentration=[[0.5, 1.0, 2.0], [3.0, 0.2, 1.0]])
    return D.Dirichlet(L['concentration']), D.Dirichlet(t([1.0, 2.0, 0.5])), L


def kl_exponential_gamma():
    L = leaves(rate=[0.5, 2.0, 1.0])
    return D.Exponential(L['rate']), D.Gamma(t([1.5, 0.7, 1.0]), t([1.0, 3.0, 1.0])), L


def kl_gamma_exponential():
    L = leaves(concentration=[0.5, 3.0, 1.0], rate=[2.0, 1.0, 1.0])
    return D.Gamma(L['concentration'], L['rate']), D.Exponential(t([1.0, 0.25, 1.0])), L


def kl_geometric_geometric():
    L = leaves(probs=[0.2, 0.5, 0.9])
    return D.Geometric(L['probs']), D.Geometric(t([0.4, 0.5, 0.1])), L


def kl_geometric_geometric_logits():
    L = leaves(logits=[-1.0, 0.0, 2.0])
    return D.Geometric(logits=L['logits']), D.Geometric(logits=t([0.5, 0.5, -1.0])), L


def kl_halfnormal_halfnormal():
    L = leaves(scale=[1.0, 0.5, 2.0])
    return D.HalfNormal(L['scale']), D.HalfNormal(t([2.0, 0.5, 1.0])), L


def kl_gumbel_gumbel():
    L = leaves(loc=[0.0, 1.0, -2.0], scale=[1.0, 0.5, 2.0])
    return D.Gumbel(L['loc'], L['scale']), D.Gumbel(t([0.5, 1.0, 0.0]), t([2.0, 0.5, 1.5])), L


def kl_binomial_binomial():
    # p.total_count > q.total_count is +inf (PyTorch writes inf over those entries)
    L = leaves(probs=[0.2, 0.5, 0.9])
    return D.Binomial(t([10.0, 10.0, 5.0]), L['probs']), D.Binomial(t([10.0, 5.0, 5.0]), t([0.4, 0.5, 0.1])), L


def kl_binomial_binomial_logits():
    L = leaves(logits=[-1.0, 0.0, 2.0])
    return D.Binomial(8, logits=L['logits']), D.Binomial(8, logits=t([0.5, 0.5, -1.0])), L


def kl_lognormal_lognormal():
    # TransformedDistribution || TransformedDistribution: the same transforms, so the base pair's KL
    L = leaves(loc=[0.0, 1.0], scale=[1.0, 0.5])
    return D.LogNormal(L['loc'], L['scale']), D.LogNormal(t([0.5, 0.0]), t([2.0, 1.0])), L


KL_PARAMS = {'gamma_gamma': kl_gamma_gamma, 'chi2_gamma': kl_chi2_gamma, 'beta_beta': kl_beta_beta,
             'dirichlet_dirichlet': kl_dirichlet_dirichlet, 'exponential_gamma': kl_exponential_gamma,
             'gamma_exponential': kl_gamma_exponential, 'geometric_geometric': kl_geometric_geometric,
             'geometric_geometric_logits': kl_geometric_geometric_logits, 'halfnormal_halfnormal': kl_halfnormal_halfnormal,
             'gumbel_gumbel': kl_gumbel_gumbel, 'lognormal_lognormal': kl_lognormal_lognormal,
             'binomial_binomial': kl_binomial_binomial, 'binomial_binomial_logits': kl_binomial_binomial_logits}
kl_params = []
for name, make in KL_PARAMS.items():
    p, q, L = make()
    out = D.kl_divergence(p, q)
    gs = torch.autograd.grad(out.sum(), list(L.values()))
    kl_params.append({'name': name, 'out': ser(out), 'grads': {k: ser(g) for k, g in zip(L, gs)}})
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
    # 1.13 registers Binomial || Binomial and Poisson || Binomial only, and nothing for NegativeBinomial
    'binomial_poisson': err(lambda: D.kl_divergence(D.Binomial(10, t([0.3])), D.Poisson(t([3.0])))),
    'negbin_negbin': err(lambda: D.kl_divergence(D.NegativeBinomial(2.0, t([0.3])), D.NegativeBinomial(2.0, t([0.5])))),
}
_binomial_pairs = sorted(f'{p.__name__}-{q.__name__}' for p, q in D.kl._KL_REGISTRY if 'Binomial' in p.__name__ + q.__name__)
assert _binomial_pairs == ['Binomial-Binomial', 'Poisson-Binomial'], _binomial_pairs


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
             'onehot_probs', 'onehot_logits', 'independent_bernoulli', 'binomial_probs', 'binomial_default', 'binomial_logits',
             'binomial_tensor_count']:
    _, d = build(CASES[name])
    # Independent has no enumerate_support; Binomial's needs one total_count for the batch
    if isinstance(d, D.Independent) or name == 'binomial_tensor_count':
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
    ('gamma_vec', [2, 4], tensor([0.5, 1.0, 3.0, 4.0])),
    ('gamma_scalar', [3], tensor([0.5, 1.0, 2.0], F32)),
    ('chi2_vec', [3, 4], tensor([0.5, 2.0, 9.0, 20.0])),
    ('dirichlet_batched', [3, 2], tensor([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]])),
    ('dirichlet_vec', [2], tensor([0.05, 0.25, 0.6, 0.1])),
    ('beta_broadcast', [4, 2, 3], tensor([0.1, 0.5, 0.9])),
    ('beta_scalar', [3], tensor([0.1, 0.5, 0.99], F32)),
    ('studentt_vec', [2, 6], tensor([0.3, -2.0, 5.0, 0.5, 1.0, 0.05])),
    ('studentt_scalar', [2], tensor([1.0, -4.0], F32)),
    ('cauchy_vec', [2, 3], tensor([0.5, 1.0, -10.0])),
    ('geometric_probs', [2, 3], tensor([0.0, 3.0, 0.0])),
    ('gumbel_vec', [2, 3], tensor([0.5, 1.0, -5.0])),
    ('relaxed_bernoulli_logits', [3, 2], tensor([0.6, 0.2])),
    ('exp_relaxed_categorical_logits', [2], tensor([-1.0, -2.5, -0.4])),
    ('relaxed_onehot_probs', [2], tensor([0.1, 0.3, 0.6])),
    ('mixture_gmm_1d', [2], tensor([0.5, -1.2])),
    ('mixture_gmm_2d', [2], tensor([[0.5, 0.5], [1.0, -1.0]])),
    ('multinomial_probs', [1, 2], tensor([[2.0, 3.0, 5.0], [1.0, 6.0, 3.0]])),
    ('binomial_tensor_count', [3, 2, 4], tensor([[0.0, 1.0, 4.0, 5.0], [4.0, 15.0, 36.0, 48.0]])),
    ('binomial_logits', [2, 2, 2], tensor([5.0, 12.0])),
    ('negbin_probs', [2, 4], tensor([0.0, 3.0, 2.0, 50.0])),
    ('negbin_f32', [2, 3], tensor([0.0, 7.0, 100.0], F32)),
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
    'gamma_negative_concentration': err(lambda: D.Gamma(-1.0, 1.0)),
    'gamma_rate_zero': err(lambda: D.Gamma(t([1.0, 2.0]), t([1.0, 0.0]))),
    'gamma_value_outside': err(lambda: D.Gamma(2.0, 1.0).log_prob(torch.tensor(-1.0))),
    'chi2_negative': err(lambda: D.Chi2(-1.0)),
    'dirichlet_negative': err(lambda: D.Dirichlet(t([0.5, -0.5, 1.0]))),
    'dirichlet_0d': err(lambda: D.Dirichlet(t(1.0))),
    'dirichlet_value_outside': err(lambda: D.Dirichlet(t([1.0, 2.0, 3.0])).log_prob(t([0.5, 0.6, 0.1]))),
    'beta_negative': err(lambda: D.Beta(-1.0, 1.0)),
    'beta_value_outside': err(lambda: D.Beta(t([2.0]), t([3.0])).log_prob(t([1.5]))),
    'studentt_negative_df': err(lambda: D.StudentT(-1.0)),
    'studentt_negative_scale': err(lambda: D.StudentT(t([1.0]), 0.0, -1.0)),
    # the inner Chi2 is built with the default validation, so even validate_args=False raises
    'studentt_negative_df_novalidate': err(lambda: D.StudentT(t([-1.0, 2.0]), validate_args=False)),
    'cauchy_negative_scale': err(lambda: D.Cauchy(0.0, -1.0)),
    'gumbel_scale_zero': err(lambda: D.Gumbel(0.0, 0.0)),
    'halfnormal_negative': err(lambda: D.HalfNormal(-1.0)),
    'halfnormal_value_outside': err(lambda: D.HalfNormal(1.0).log_prob(torch.tensor(-1.0))),
    # beyond the unit interval, PyTorch's own check that probs > 0
    'geometric_zero': err(lambda: D.Geometric(t([0.5, 0.0]))),
    'geometric_probs_1_5': err(lambda: D.Geometric(1.5)),
    'geometric_value_outside': err(lambda: D.Geometric(t([0.5])).log_prob(t([1.5]))),
    'multinomial_inhomogeneous': err(lambda: D.Multinomial(2.5, t([0.5, 0.5]))),
    'multinomial_value_outside': err(lambda: D.Multinomial(3, t([0.5, 0.5])).log_prob(t([2.0, 2.0]))),
    'multinomial_negative': err(lambda: D.Multinomial(3, t([0.5, -0.5, 1.0]))),
    'mixture_not_categorical': err(lambda: D.MixtureSameFamily(D.Normal(t(0.0), t(1.0)), D.Normal(t([0.0, 1.0]), t([1.0, 1.0])))),
    'mixture_component_not_distribution': err(lambda: D.MixtureSameFamily(D.Categorical(t([0.5, 0.5])), t([0.0, 1.0]))),
    'mixture_k_mismatch': err(lambda: D.MixtureSameFamily(D.Categorical(t([0.5, 0.5])), D.Normal(t([0.0, 1.0, 2.0]), 1.0))),
    'mixture_batch_mismatch': err(lambda: D.MixtureSameFamily(D.Categorical(t([[0.5, 0.5]] * 2)), D.Normal(t([[0.0, 1.0]] * 4), 1.0))),
    'relaxed_bernoulli_probs_1_5': err(lambda: D.RelaxedBernoulli(t(0.5), t([1.5]))),
    'relaxed_onehot_value_outside': err(lambda: D.RelaxedOneHotCategorical(t(0.5), t([0.5, 0.5])).log_prob(t([0.7, 0.7]))),
    'relaxed_onehot_neither': err(lambda: D.RelaxedOneHotCategorical(t(0.5))),
    'binomial_probs_1_5': err(lambda: D.Binomial(10, t([1.5]))),
    'binomial_count_negative': err(lambda: D.Binomial(-1, t([0.5]))),
    'binomial_count_fraction': err(lambda: D.Binomial(2.5, t([0.5]))),
    'binomial_both': err(lambda: D.Binomial(10, probs=t([0.5]), logits=t([0.0]))),
    'binomial_value_outside': err(lambda: D.Binomial(t([5.0, 10.0]), t([0.5, 0.5])).log_prob(t([6.0, 3.0]))),
    # expand keeps the instance's validation (PyTorch: new._validate_args = self._validate_args)
    'binomial_expand_value_outside': err(lambda: D.Binomial(t([5.0, 10.0]), t([0.5, 0.5])).expand([3, 2]).log_prob(t([6.0, 3.0]))),
    'binomial_entropy_inhomogeneous': err(lambda: D.Binomial(t([5.0, 10.0]), t([0.5, 0.5])).entropy()),
    'binomial_enumerate_inhomogeneous': err(lambda: D.Binomial(t([5.0, 10.0]), t([0.5, 0.5])).enumerate_support()),
    'kl_binomial_q_count_larger': err(lambda: D.kl_divergence(D.Binomial(t([5.0, 10.0]), t([0.5, 0.5])), D.Binomial(t([6.0, 10.0]), t([0.5, 0.5])))),
    'negbin_probs_1': err(lambda: D.NegativeBinomial(3.0, t([0.5, 1.0]))),
    'negbin_count_negative': err(lambda: D.NegativeBinomial(-1.0, t([0.5]))),
    'negbin_value_outside': err(lambda: D.NegativeBinomial(2.0, t([0.5])).log_prob(t([1.5]))),
    'negbin_neither': err(lambda: D.NegativeBinomial(2.0)),
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
    'gamma_negative_concentration': ['Expected parameter concentration', 'to satisfy the constraint GreaterThan(lower_bound=0.0)'],
    'gamma_rate_zero': ['Expected parameter rate', 'to satisfy the constraint GreaterThan(lower_bound=0.0)'],
    'gamma_value_outside': ['Expected value argument', 'to be within the support (GreaterThanEq(lower_bound=0.0))'],
    'chi2_negative': ['Expected parameter df', 'to satisfy the constraint GreaterThan(lower_bound=0.0)'],
    'dirichlet_negative': ['Expected parameter concentration', 'to satisfy the constraint IndependentConstraint(GreaterThan(lower_bound=0.0), 1)'],
    'dirichlet_0d': ['`concentration` parameter must be at least one-dimensional.'],
    'dirichlet_value_outside': ['Expected value argument', 'to be within the support (Simplex())'],
    'beta_negative': ['Expected parameter concentration', 'of distribution Dirichlet',
                      'to satisfy the constraint IndependentConstraint(GreaterThan(lower_bound=0.0), 1)'],
    'beta_value_outside': ['Expected value argument', 'to be within the support (Interval(lower_bound=0.0, upper_bound=1.0))'],
    'studentt_negative_df': ['Expected parameter df', 'to satisfy the constraint GreaterThan(lower_bound=0.0)'],
    'studentt_negative_scale': ['Expected parameter scale', 'to satisfy the constraint GreaterThan(lower_bound=0.0)'],
    'studentt_negative_df_novalidate': ['Expected parameter df', 'to satisfy the constraint GreaterThan(lower_bound=0.0)'],
    'cauchy_negative_scale': ['Expected parameter scale', 'to satisfy the constraint GreaterThan(lower_bound=0.0)'],
    'gumbel_scale_zero': ['Expected parameter scale', 'to satisfy the constraint GreaterThan(lower_bound=0.0)'],
    'halfnormal_negative': ['Expected parameter scale', 'to satisfy the constraint GreaterThan(lower_bound=0.0)'],
    'halfnormal_value_outside': ['Expected value argument', 'to be within the support (GreaterThanEq(lower_bound=0.0))'],
    'geometric_zero': ['Expected parameter probs', 'to be positive but found invalid values'],
    'geometric_probs_1_5': ['Expected parameter probs', 'to satisfy the constraint Interval(lower_bound=0.0, upper_bound=1.0)'],
    'geometric_value_outside': ['Expected value argument', 'to be within the support (IntegerGreaterThan(lower_bound=0))'],
    'multinomial_inhomogeneous': ['inhomogeneous total_count is not supported'],
    'multinomial_value_outside': ['Expected value argument', 'to be within the support (Multinomial())'],
    'multinomial_negative': ['Expected parameter probs', 'of distribution Categorical', 'to satisfy the constraint Simplex()'],
    'mixture_not_categorical': ['The Mixture distribution needs to be an  instance of torch.distribtutions.Categorical'],
    'mixture_component_not_distribution': ['The Component distribution need to be an instance of torch.distributions.Distribution'],
    'mixture_k_mismatch': ['`mixture_distribution component` (2) does not equal `component_distribution.batch_shape[-1]` (3)'],
    'mixture_batch_mismatch': ['`mixture_distribution.batch_shape` (', 'is not compatible with `component_distribution.batch_shape`('],
    'relaxed_bernoulli_probs_1_5': ['Expected parameter probs', 'of distribution LogitRelaxedBernoulli',
                                    'to satisfy the constraint Interval(lower_bound=0.0, upper_bound=1.0)'],
    'relaxed_onehot_value_outside': ['Expected value argument', 'to be within the support (Simplex())'],
    'relaxed_onehot_neither': ['Either `probs` or `logits` must be specified, but not both.'],
    'binomial_probs_1_5': ['Expected parameter probs', 'of distribution Binomial', 'to satisfy the constraint Interval(lower_bound=0.0, upper_bound=1.0)'],
    'binomial_count_negative': ['Expected parameter total_count', 'of distribution Binomial', 'to satisfy the constraint IntegerGreaterThan(lower_bound=0)'],
    'binomial_count_fraction': ['Expected parameter total_count', 'to satisfy the constraint IntegerGreaterThan(lower_bound=0)'],
    'binomial_both': ['Either `probs` or `logits` must be specified, but not both.'],
    # the upper bound is the total_count tensor, printed as each library prints tensors
    'binomial_value_outside': ['Expected value argument', 'to be within the support (IntegerInterval(lower_bound=0, upper_bound=',
                               'of the distribution Binomial'],
    'binomial_expand_value_outside': ['Expected value argument', 'to be within the support (IntegerInterval(lower_bound=0, upper_bound='],
    'binomial_entropy_inhomogeneous': ['Inhomogeneous total count not supported by `entropy`.'],
    'binomial_enumerate_inhomogeneous': ['Inhomogeneous total count not supported by `enumerate_support`.'],
    'kl_binomial_q_count_larger': ['KL between Binomials where q.total_count > p.total_count is not implemented'],
    'negbin_probs_1': ['Expected parameter probs', 'of distribution NegativeBinomial',
                       'to satisfy the constraint HalfOpenInterval(lower_bound=0.0, upper_bound=1.0)'],
    # constraints.greater_than_eq(0): the bound is the Python int 0
    'negbin_count_negative': ['Expected parameter total_count', 'to satisfy the constraint GreaterThanEq(lower_bound=0)'],
    'negbin_value_outside': ['Expected value argument', 'to be within the support (IntegerGreaterThan(lower_bound=0))'],
    'negbin_neither': ['Either `probs` or `logits` must be specified, but not both.'],
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
# xlogy(0, x) is 0 even outside the support; a non-simplex value is scored as it is
no_validate['gamma_outside_logprob'] = ser(D.Gamma(t([1.0, 2.0, 0.5]), 1.0, validate_args=False).log_prob(t([-1.0, 0.0, 0.0])))
no_validate['dirichlet_nonsimplex_logprob'] = ser(D.Dirichlet(t([2.0, 3.0]), validate_args=False).log_prob(t([0.5, 0.7])))
no_validate['studentt_options_form'] = ser(D.StudentT(t([3.0, 0.5]), validate_args=False).log_prob(t([0.5, -1.0])))
no_validate['beta_negative_novalidate_entropy'] = ser(D.Beta(t([-0.5, 2.0]), t([3.0, 3.0]), validate_args=False).entropy())
# HalfNormal: -inf below 0 (torch.where); Geometric with probs 0 (no "positive" check) scores log 0
no_validate['halfnormal_negative_logprob'] = ser(D.HalfNormal(t([1.0, 2.0, 0.5]), validate_args=False).log_prob(t([-1.0, 0.5, -0.0])))
no_validate['geometric_zero_logprob'] = ser(D.Geometric(t([0.0, 0.5]), validate_args=False).log_prob(t([1.0, 1.0])))
no_validate['cauchy_negative_scale_logprob'] = ser(D.Cauchy(t([0.0]), t([-1.0]), validate_args=False).log_prob(t([0.5])))
no_validate['gumbel_negative_scale_logprob'] = ser(D.Gumbel(t([0.0]), t([-1.0]), validate_args=False).log_prob(t([0.5])))
# Binomial: above total_count or below 0, lgamma(0) makes -inf; a fraction is scored as it is.
# NegativeBinomial: a fraction too; total_count 0 with value -1 is -lgamma(-1) + 2 lgamma(0) = NaN
no_validate['binomial_outside_logprob'] = ser(D.Binomial(t([5.0, 5.0, 5.0]), t([0.5, 0.3, 0.2]), validate_args=False)
                                              .log_prob(t([6.0, 2.5, -1.0])))
no_validate['negbin_outside_logprob'] = ser(D.NegativeBinomial(t([2.0, 0.0]), t([0.5, 0.5]), validate_args=False).log_prob(t([1.5, -1.0])))

# ---------------------------------------------------------------- AbsTransform (not bijective)
_abs = T.AbsTransform()
_x = t([-1.5, 0.0, 2.0, -0.25])
abs_transform = {'x': ser(_x), 'y': ser(_abs(_x)), 'inv': ser(_abs.inv(_x)), 'bijective': _abs.bijective,
                 'domain': str(_abs.domain), 'codomain': str(_abs.codomain),
                 'ladjError': err(lambda: _abs.log_abs_det_jacobian(_x, _abs(_x)))['type']}

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
    'independent': independent, 'klParams': kl_params, 'lowLevel': low_level, 'absTransform': abs_transform,
}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'distributions.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'), allow_nan=False)
    f.write('\n')
# which gradient branches the seeded rsamples reach (the grids above reach them all)
for r in rsamples:
    if r['branches']:
        print(f"  rsample {r['name']}: {', '.join(r['branches'])}")
print('  rsample branches reached, Gamma:', sorted(GAMMA_BRANCHES & {b for r in rsamples for b in r['branches']}),
      'Dirichlet:', sorted(DIRICHLET_BRANCHES & {b for r in rsamples for b in r['branches'] if b in DIRICHLET_BRANCHES}))
print(f'wrote {path} ({len(values)} value cases, {len(samples)} sample streams, {len(kl)} + {len(kl_cross)} KL pairs, '
      f'{os.path.getsize(path)} bytes)')
