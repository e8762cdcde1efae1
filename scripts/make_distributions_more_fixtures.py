#!/usr/bin/env python3
"""Generate tests/fixtures/distributions-more.json: what PyTorch 1.13's torch.distributions
computes for the families, KL pairs and transforms that tests/distributions-more.test.ts checks.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_distributions_more_fixtures.py

Every distribution is recorded as a `kind` (MAKE below; the test file's MAKE maps the same
names to flint constructor calls) and its parameters (a tensor, or {'number': x} for a Python
number), so the test builds exactly what this script built.

cases:     Pareto, Weibull, Kumaraswamy, HalfCauchy, FisherSnedecor, ContinuousBernoulli (probs,
           near 0.5 inside lims, logits, custom lims), VonMises, LogisticNormal,
           LowRankMultivariateNormal, Wishart (covariance / precision / scale_tril, df a tensor or
           a number), LKJCholesky: batch/event shapes, has_rsample, mean/mode/variance/stddev/
           entropy (or that PyTorch raises NotImplementedError), LowRankMVN's and Wishart's
           matrices, log_prob (one value broadcasting against the batch), cdf/icdf (or that they
           raise), d(log_prob(value).sum() [+ entropy().sum()]) / d(each parameter), a seeded draw
           (torch.manual_seed(s); rsample or sample) with d((x * w).sum()) / d(parameters) where
           there is rsample, and expand.
errors:    argument validation, the first line of PyTorch's message (several are raised by an
           inner distribution: Pareto's Exponential, FisherSnedecor's Gamma, LogisticNormal's
           Normal, LKJCholesky's Beta/Dirichlet).
quirks:    ContinuousBernoulli clamps an out-of-range probs silently unless validate_args is
           given (True or False); Wishart.rsample as PyTorch 2.x draws it (one Bartlett draw;
           1.13 redraws every sample, a bug 2.x fixed), replaced below and checked against 1.13's
           _bartlett_sampling; isinstance(..., ExponentialFamily).
kl:        kl_divergence(p, q) for every pair 1.13 registers involving the families above (and
           the cross pairs flint may lack), and d(kl.sum()) / d(p's first parameter) or that the
           result does not require grad (an infinite pair). klErrors: unregistered or refused.
transforms: each new transform on a fixed input: t(x), t.inv(t(x)), log_abs_det_jacobian (or
           that it raises), forward/inverse shape, domain/codomain event_dim, bijective, sign.
           PositiveDefiniteTransform is not in 1.13: its values are PyTorch 2.0's definition
           (LowerCholeskyTransform then x @ x.mT; inverse cholesky then LowerCholesky's inverse)
           computed with 1.13's ops.
constraintTransforms: biject_to / transform_to of each constraint on a fixed input, and
           whether the result lies in the constraint. stickBreakingTD: TransformedDistribution(
           Normal(zeros(3), ones(3)), [StickBreakingTransform()]).
"""
import json
import os
import warnings

import torch
import torch.distributions as D
from torch.distributions import constraints as C
from torch.distributions import transforms as T

from fixture_json import enc, err, ser


F64 = torch.float64
warnings.simplefilter('ignore')


def _wishart_rsample_2x(self, sample_shape=torch.Size(), max_try_correction=None):
    """PyTorch 2.x's Wishart.rsample, which flint follows: one Bartlett draw, redrawn only where
    singular. 1.13's check lacks the negation, so it redraws every sample (with a warning), and
    with a sample shape its backward fails on a mask modified in place. The draws here are
    never singular (asserted), so this is the whole of 2.x's method for them."""
    sample = self._bartlett_sampling(torch.Size(sample_shape))
    is_singular = ~self.support.check(sample)
    if self._batch_shape:
        is_singular = is_singular.amax(self._batch_dims)
    assert not is_singular.any()
    return sample


D.Wishart.rsample = _wishart_rsample_2x


def t(v, dtype=F64):
    return torch.tensor(v, dtype=dtype)


def rsample_weights(x):
    """Fixed weights (-2.5 .. 3.5) for the rsample objective (x * w).sum()."""
    return ((torch.arange(x.numel()) % 7).to(x.dtype) - 2.5).reshape(x.shape)


def corr_chol(c):
    return torch.linalg.cholesky(t(c))


# ---------------------------------------------------------------- constructors by kind
MAKE = {
    'Pareto': lambda p, **k: D.Pareto(p['scale'], p['alpha'], **k),
    'Weibull': lambda p, **k: D.Weibull(p['scale'], p['concentration'], **k),
    'Kumaraswamy': lambda p, **k: D.Kumaraswamy(p['concentration1'], p['concentration0'], **k),
    'HalfCauchy': lambda p, **k: D.HalfCauchy(p['scale'], **k),
    'FisherSnedecor': lambda p, **k: D.FisherSnedecor(p['df1'], p['df2'], **k),
    'ContinuousBernoulli': lambda p, **k: D.ContinuousBernoulli(p['probs'], **k),
    'ContinuousBernoulliLogits': lambda p, **k: D.ContinuousBernoulli(logits=p['logits'], **k),
    'ContinuousBernoulliLims': lambda p, **k: D.ContinuousBernoulli(p['probs'], None, lims=(0.49, 0.51), **k),
    'VonMises': lambda p, **k: D.VonMises(p['loc'], p['concentration'], **k),
    'LogisticNormal': lambda p, **k: D.LogisticNormal(p['loc'], p['scale'], **k),
    'LowRankMultivariateNormal': lambda p, **k: D.LowRankMultivariateNormal(p['loc'], p['cov_factor'], p['cov_diag'], **k),
    'WishartCov': lambda p, **k: D.Wishart(p['df'], covariance_matrix=p['covariance_matrix'], **k),
    'WishartPrec': lambda p, **k: D.Wishart(p['df'], precision_matrix=p['precision_matrix'], **k),
    'WishartTril': lambda p, **k: D.Wishart(p['df'], scale_tril=p['scale_tril'], **k),
    'LKJCholesky': lambda p, **k: D.LKJCholesky(p['dim'], p['concentration'], **k),
    # for KL
    'Beta': lambda p, **k: D.Beta(p['concentration1'], p['concentration0'], **k),
    'Exponential': lambda p, **k: D.Exponential(p['rate'], **k),
    'Gamma': lambda p, **k: D.Gamma(p['concentration'], p['rate'], **k),
    'Normal': lambda p, **k: D.Normal(p['loc'], p['scale'], **k),
    'Uniform': lambda p, **k: D.Uniform(p['low'], p['high'], **k),
    'Cauchy': lambda p, **k: D.Cauchy(p['loc'], p['scale'], **k),
    'Gumbel': lambda p, **k: D.Gumbel(p['loc'], p['scale'], **k),
    'Laplace': lambda p, **k: D.Laplace(p['loc'], p['scale'], **k),
    'MultivariateNormal': lambda p, **k: D.MultivariateNormal(p['loc'], covariance_matrix=p['covariance_matrix'], **k),
    'Dirichlet': lambda p, **k: D.Dirichlet(p['concentration'], **k),
}


def leaves(params, requires_grad):
    return {n: (v.clone().requires_grad_(requires_grad) if isinstance(v, torch.Tensor) else v) for n, v in params}


def ser_params(params):
    return [{'name': n, 'value': ser(v) if isinstance(v, torch.Tensor) else {'number': v}} for n, v in params]


# ---------------------------------------------------------------- family cases
CASES = []


def case(name, kind, params, log_prob, cdf=(), icdf=(), draw=('rsample', 0, [4]), expand=None, extra=(), rtol=1e-10):
    CASES.append(dict(name=name, kind=kind, params=params, logProb=list(log_prob), cdf=list(cdf), icdf=list(icdf),
                      draw=draw, expand=expand, extra=list(extra), rtol=rtol))


case('pareto_vec', 'Pareto', [('scale', t([1.0, 2.0, 0.5])), ('alpha', t([3.0, 0.5, 2.5]))],
     [t([1.5, 2.5, 0.7]), t([[2.2], [3.0]])], cdf=[t([1.5, 2.5, 0.7])], icdf=[t([0.1, 0.5, 0.95])],
     draw=('rsample', 1, [4]), expand=[2, 3])
case('pareto_broadcast', 'Pareto', [('scale', t([[1.0], [2.0]])), ('alpha', t([1.5, 3.0, 4.0]))],
     [t([[1.1, 2.0, 5.0], [2.0, 2.5, 9.0]])], cdf=[t([[1.1, 2.0, 5.0], [2.0, 2.5, 9.0]])], icdf=[t([0.2, 0.6, 0.9])],
     draw=('rsample', 2, [2]))
case('weibull_vec', 'Weibull', [('scale', t([1.0, 2.0, 0.5])), ('concentration', t([0.5, 1.5, 3.0]))],
     [t([0.3, 1.7, 0.45]), t([[0.2], [2.5]])], cdf=[t([0.3, 1.7, 0.45])], icdf=[t([0.1, 0.5, 0.95])],
     draw=('rsample', 3, [4]), expand=[2, 3])
case('weibull_broadcast', 'Weibull', [('scale', t([[1.0], [3.0]])), ('concentration', t([0.8, 2.0]))],
     [t([[0.5, 1.2], [2.0, 4.0]])], cdf=[t([[0.5, 1.2], [2.0, 4.0]])], icdf=[t([0.3, 0.7])], draw=('rsample', 4, [2]))
case('kumaraswamy_vec', 'Kumaraswamy', [('concentration1', t([0.5, 2.0, 3.0])), ('concentration0', t([2.0, 0.7, 4.0]))],
     [t([0.1, 0.8, 0.5]), t([[0.25], [0.9]])], cdf=[t([0.1, 0.8, 0.5])], icdf=[t([0.1, 0.5, 0.95])],
     draw=('rsample', 5, [4]), expand=[2, 3])
case('kumaraswamy_broadcast', 'Kumaraswamy', [('concentration1', t([[1.5], [2.5]])), ('concentration0', t([1.2, 5.0]))],
     [t([[0.3, 0.6], [0.4, 0.2]])], cdf=[t([[0.3, 0.6], [0.4, 0.2]])], icdf=[t([0.25, 0.75])], draw=('rsample', 6, [2]))
case('halfcauchy_vec', 'HalfCauchy', [('scale', t([0.5, 1.0, 2.0]))],
     [t([0.0, 1.5, 3.0]), t([[0.25], [4.0]])], cdf=[t([0.0, 1.5, 3.0])], icdf=[t([0.1, 0.5, 0.95])],
     draw=('rsample', 7, [4]), expand=[2, 3])
case('fishersnedecor_vec', 'FisherSnedecor', [('df1', t([1.0, 3.0, 5.0])), ('df2', t([2.0, 5.0, 10.0]))],
     [t([0.5, 1.5, 2.5]), t([[0.2], [3.0]])], draw=('rsample', 8, [4]), expand=[2, 3])
case('fishersnedecor_broadcast', 'FisherSnedecor', [('df1', t([[4.0], [6.0]])), ('df2', t([7.0, 12.0]))],
     [t([[0.7, 1.1], [2.0, 0.3]])], draw=('rsample', 9, [2]))
case('contbern_probs', 'ContinuousBernoulli', [('probs', t([0.2, 0.4995, 0.8, 0.999]))],
     [t([0.0, 0.3, 1.0, 0.6]), t([[0.5], [0.95]])], cdf=[t([0.0, 0.3, 1.0, 0.6]), t([0.25, 0.5, 0.75, 0.1])],
     icdf=[t([0.1, 0.5, 0.9, 0.3])], draw=('rsample', 10, [4]), expand=[2, 4])
case('contbern_logits', 'ContinuousBernoulliLogits', [('logits', t([-2.0, 0.001, 3.0]))],
     [t([0.1, 0.5, 0.9])], cdf=[t([0.1, 0.5, 0.9])], icdf=[t([0.2, 0.5, 0.8])], draw=('rsample', 11, [4]))
case('contbern_lims', 'ContinuousBernoulliLims', [('probs', t([0.495, 0.5, 0.52]))],
     [t([0.1, 0.5, 0.9])], cdf=[t([0.1, 0.5, 0.9])], icdf=[t([0.2, 0.5, 0.8])], draw=('rsample', 12, [2]))
case('vonmises_vec', 'VonMises', [('loc', t([0.0, 1.0, -2.0])), ('concentration', t([0.5, 4.0, 10.0]))],
     [t([0.3, 1.2, 4.0]), t([[-3.0], [7.0]])], draw=('sample', 13, [4]), expand=[2, 3])
case('vonmises_broadcast', 'VonMises', [('loc', t([[0.5], [-1.0]])), ('concentration', t([1.0, 3.75, 20.0]))],
     [t([[0.0, 0.5, 0.6], [-1.0, 2.0, -1.1]])], draw=('sample', 14, [2]))
case('logisticnormal', 'LogisticNormal', [('loc', t([[0.0, 1.0, -1.0], [0.5, 0.2, 0.0]])), ('scale', t([1.0, 0.5, 2.0]))],
     [t([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]]), t([0.4, 0.3, 0.2, 0.1])], draw=('rsample', 15, [4]),
     expand=[3, 2])
case('lowrank_mvn', 'LowRankMultivariateNormal',
     [('loc', t([1.0, -0.5, 2.0])), ('cov_factor', t([[0.5, 1.0], [-0.3, 0.2], [1.2, 0.1]])), ('cov_diag', t([0.8, 1.5, 0.4]))],
     [t([0.5, 0.0, 2.5]), t([[1.0, -1.0, 2.0], [0.0, 0.5, 3.0]])], draw=('rsample', 16, [4]), expand=[2],
     extra=['covariance_matrix', 'precision_matrix', 'scale_tril'], rtol=1e-9)
case('lowrank_mvn_batched', 'LowRankMultivariateNormal',
     [('loc', t([[0.0, 1.0, -1.0], [0.5, 0.5, 0.5]])), ('cov_factor', t([[1.0], [0.5], [-0.5]])),
      ('cov_diag', t([[1.0, 2.0, 0.5], [0.3, 0.3, 0.3]]))],
     [t([[0.2, 0.8, -1.5], [0.0, 0.0, 1.0]]), t([0.1, 0.2, 0.3])], draw=('rsample', 17, [2]),
     extra=['covariance_matrix', 'precision_matrix', 'scale_tril'], rtol=1e-9)
S3 = t([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 1.5]])
X3 = t([[4.0, 1.0, 0.5], [1.0, 3.0, -0.2], [0.5, -0.2, 2.5]])
case('wishart_cov', 'WishartCov', [('df', t(5.0)), ('covariance_matrix', S3)],
     [X3, torch.stack([X3, X3 * 2])], draw=('rsample', 18, [2]), expand=[2],
     extra=['covariance_matrix', 'precision_matrix', 'scale_tril'], rtol=1e-9)
case('wishart_tril_batched', 'WishartTril', [('df', t([4.0, 6.5])), ('scale_tril', torch.linalg.cholesky(S3))],
     [X3, torch.stack([X3, X3 * 0.5])], draw=('rsample', 19, [2]), expand=[3, 2],
     extra=['covariance_matrix', 'precision_matrix'], rtol=1e-9)
case('wishart_prec', 'WishartPrec', [('df', 6.0), ('precision_matrix', torch.linalg.inv(S3))],
     [X3], draw=('rsample', 20, [2]), extra=['covariance_matrix', 'scale_tril'], rtol=1e-9)
L3a = corr_chol([[1.0, 0.3, -0.2], [0.3, 1.0, 0.4], [-0.2, 0.4, 1.0]])
L3b = corr_chol([[1.0, -0.6, 0.1], [-0.6, 1.0, 0.25], [0.1, 0.25, 1.0]])
case('lkj_3', 'LKJCholesky', [('dim', 3), ('concentration', t([0.5, 2.0]))],
     [L3a, torch.stack([L3a, L3b])], draw=('sample', 21, [2]), expand=[3, 2], rtol=1e-9)
L4 = corr_chol([[1.0, 0.2, 0.1, -0.3], [0.2, 1.0, 0.5, 0.0], [0.1, 0.5, 1.0, 0.2], [-0.3, 0.0, 0.2, 1.0]])
case('lkj_4', 'LKJCholesky', [('dim', 4), ('concentration', t(1.5))], [L4], draw=('sample', 22, [2]), rtol=1e-9)

PROPS = ['mean', 'mode', 'variance', 'stddev']


def attempt(fn):
    try:
        return ser(fn())
    except NotImplementedError as e:
        return {'error': 'NotImplementedError', 'message': str(e)}


def family_case(c):
    p = leaves(c['params'], False)
    d = MAKE[c['kind']](p)
    out = {'name': c['name'], 'kind': c['kind'], 'params': ser_params(c['params']), 'rtol': c['rtol'],
           'batchShape': list(d.batch_shape), 'eventShape': list(d.event_shape), 'hasRsample': d.has_rsample,
           'props': {k: attempt(lambda k=k: getattr(d, k)) for k in PROPS + c['extra']}}
    out['props']['entropy'] = attempt(d.entropy)
    out['logProb'] = [{'value': ser(v), 'out': ser(d.log_prob(v))} for v in c['logProb']]
    out['cdf'] = [{'value': ser(v), 'out': ser(d.cdf(v))} for v in c['cdf']]
    out['icdf'] = [{'value': ser(v), 'out': ser(d.icdf(v))} for v in c['icdf']]
    if not c['cdf']:
        out['cdfError'] = attempt(lambda: d.cdf(c['logProb'][0]))['error']
    if not c['icdf']:
        out['icdfError'] = attempt(lambda: d.icdf(t(0.5)))['error']
    # gradients of log_prob(value).sum() (+ entropy().sum() where it exists)
    p = leaves(c['params'], True)
    d = MAKE[c['kind']](p)
    obj = d.log_prob(c['logProb'][0]).sum()
    terms = 'logProb'
    if 'error' not in out['props']['entropy']:
        obj = obj + d.entropy().sum()
        terms = 'logProb+entropy'
    obj.backward()
    out['grad'] = {'terms': terms, 'objective': obj.item(),
                   'grads': {n: (ser(v.grad) if v.grad is not None else None) for n, v in p.items() if isinstance(v, torch.Tensor)}}
    # a seeded draw
    method, seed, shape = c['draw']
    p = leaves(c['params'], True)
    d = MAKE[c['kind']](p)
    torch.manual_seed(seed)
    x = getattr(d, method)(shape)
    draw = {'method': method, 'seed': seed, 'shape': shape, 'out': ser(x)}
    if method == 'rsample':
        w = rsample_weights(x)
        draw['weights'] = ser(w)
        (x * w).sum().backward()
        draw['grads'] = {n: (ser(v.grad) if v.grad is not None else None) for n, v in p.items() if isinstance(v, torch.Tensor)}
    else:
        draw['requiresGrad'] = x.requires_grad
    out['draw'] = draw
    if c['expand']:
        e = MAKE[c['kind']](leaves(c['params'], False)).expand(c['expand'])
        v = c['logProb'][0]
        out['expand'] = {'shape': c['expand'], 'batchShape': list(e.batch_shape), 'eventShape': list(e.event_shape),
                         'value': ser(v), 'logProb': ser(e.log_prob(v))}
    return out


cases = [family_case(c) for c in CASES]

# ---------------------------------------------------------------- validation errors (messages)
ERRORS = {
    'pareto_scale': lambda: D.Pareto(t([1.0, -1.0]), t([2.0, 2.0])),
    # the base Exponential(alpha) is built first and raises with its own name and repr
    'pareto_alpha': lambda: D.Pareto(t([1.0, 1.0]), t([2.0, -2.0])),
    'pareto_value_outside': lambda: D.Pareto(t([1.0, 2.0]), t([2.0, 2.0])).log_prob(t([1.5, 1.5])),
    'weibull_scale': lambda: D.Weibull(t([1.0, 0.0]), t([1.0, 1.0])),
    'weibull_concentration': lambda: D.Weibull(t([1.0, 1.0]), t([-1.0, 1.0])),
    'kumaraswamy_concentration1': lambda: D.Kumaraswamy(t([0.0, 1.0]), t([1.0, 1.0])),
    'kumaraswamy_value_outside': lambda: D.Kumaraswamy(t([2.0, 2.0]), t([2.0, 2.0])).log_prob(t([1.5, 0.5])),
    'halfcauchy_scale': lambda: D.HalfCauchy(t([1.0, -0.5])),
    'halfcauchy_value_outside': lambda: D.HalfCauchy(t([1.0, 2.0])).log_prob(t([-0.5, 1.0])),
    # Gamma(df1 * 0.5, df1) is built first and raises
    'fishersnedecor_df1': lambda: D.FisherSnedecor(t([-1.0, 2.0]), t([3.0, 3.0])),
    'fishersnedecor_value_outside': lambda: D.FisherSnedecor(t([2.0, 2.0]), t([3.0, 3.0])).log_prob(t([-1.0, 1.0])),
    'contbern_both': lambda: D.ContinuousBernoulli(t([0.3]), t([0.0])),
    'contbern_neither': lambda: D.ContinuousBernoulli(),
    'contbern_probs_validate': lambda: D.ContinuousBernoulli(t([0.5, 1.5]), validate_args=True),
    'contbern_probs_novalidate': lambda: D.ContinuousBernoulli(t([0.5, 1.5]), validate_args=False),
    'contbern_value_outside': lambda: D.ContinuousBernoulli(t([0.3, 0.4])).log_prob(t([1.5, 0.5])),
    'vonmises_concentration': lambda: D.VonMises(t([0.0, 1.0]), t([1.0, -1.0])),
    # the base Normal is built first and raises
    'logisticnormal_scale': lambda: D.LogisticNormal(t([0.0, 1.0]), t([1.0, -1.0])),
    'logisticnormal_value_outside': lambda: D.LogisticNormal(t([0.0, 1.0]), t([1.0, 1.0])).log_prob(t([0.5, 0.5, 0.5])),
    'lowrank_cov_diag': lambda: D.LowRankMultivariateNormal(t([0.0, 0.0, 0.0]), t([[0.1], [0.01], [0.1]]), t([1.0, -100.0, 1.0])),
    'lowrank_loc_0d': lambda: D.LowRankMultivariateNormal(t(0.0), t([[1.0]]), t([1.0])),
    'lowrank_factor_1d': lambda: D.LowRankMultivariateNormal(t([0.0, 0.0]), t([1.0, 1.0]), t([1.0, 1.0])),
    'lowrank_factor_rows': lambda: D.LowRankMultivariateNormal(t([0.0, 0.0]), t([[1.0], [1.0], [1.0]]), t([1.0, 1.0])),
    'lowrank_diag_shape': lambda: D.LowRankMultivariateNormal(t([0.0, 0.0]), t([[1.0], [1.0]]), t([1.0, 1.0, 1.0])),
    'wishart_df_number': lambda: D.Wishart(1.5, covariance_matrix=S3),
    'wishart_not_pd': lambda: D.Wishart(t(4.0), covariance_matrix=t([[1.0, 2.0], [2.0, 1.0]])),
    'wishart_value_outside': lambda: D.Wishart(t(4.0), covariance_matrix=S3).log_prob(t([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]])),
    'lkj_dim': lambda: D.LKJCholesky(1, t(1.0)),
    # the inner Beta's Dirichlet is built first and raises
    'lkj_concentration': lambda: D.LKJCholesky(3, t([-1.0])),
    'lkj_value_outside': lambda: D.LKJCholesky(3, t(1.0)).log_prob(t([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])),
}
errors = {k: err(fn) for k, fn in ERRORS.items()}
# (one-element parameters would print as tensors in the distribution's repr; these print sizes)

# ---------------------------------------------------------------- quirks
cb = D.ContinuousBernoulli(t([1.5, -0.5, 0.3]))  # default validate_args: clamped silently, no error
w_df, w_cov = t(5.0).requires_grad_(), S3.clone().requires_grad_()
w = D.Wishart(w_df, covariance_matrix=w_cov)
torch.manual_seed(23)
w_scalar = w.rsample()
(w_scalar * rsample_weights(w_scalar)).sum().backward()
torch.manual_seed(23)
assert torch.equal(w_scalar.detach(), w._bartlett_sampling(()))
EF = ['Bernoulli', 'Beta', 'ContinuousBernoulli', 'Dirichlet', 'Exponential', 'Gamma', 'Chi2', 'Normal', 'Poisson',
      'Wishart', 'Pareto', 'Weibull', 'Kumaraswamy', 'HalfCauchy', 'FisherSnedecor', 'VonMises', 'LogisticNormal',
      'LowRankMultivariateNormal', 'LKJCholesky', 'Laplace', 'Uniform', 'Cauchy', 'Gumbel', 'Binomial']
quirks = {
    'contbernClamped': {'probs': ser(cb.probs), 'logProb': ser(cb.log_prob(t([0.5, 0.5, 0.5])))},
    'wishartScalarRsample': {'seed': 23, 'out': ser(w_scalar), 'weights': ser(rsample_weights(w_scalar)),
                             'grads': {'df': ser(w_df.grad), 'covariance_matrix': ser(w_cov.grad)}},
    'exponentialFamily': {n: issubclass(getattr(D, n), D.ExponentialFamily) for n in EF},
}

# ---------------------------------------------------------------- KL
P = {
    'Beta': ('Beta', [('concentration1', t([2.0, 0.5, 3.0])), ('concentration0', t([3.0, 1.5, 1.0]))]),
    'ContinuousBernoulli': ('ContinuousBernoulli', [('probs', t([0.3, 0.7, 0.5001]))]),
    'Exponential': ('Exponential', [('rate', t([1.0, 2.0, 0.5]))]),
    'Gamma': ('Gamma', [('concentration', t([2.0, 1.0, 3.0])), ('rate', t([1.0, 2.0, 0.5]))]),
    'Gumbel': ('Gumbel', [('loc', t([0.0, 1.0, -1.0])), ('scale', t([1.0, 0.5, 2.0]))]),
    'Laplace': ('Laplace', [('loc', t([0.0, 1.0, -1.0])), ('scale', t([1.0, 0.5, 2.0]))]),
    'Normal': ('Normal', [('loc', t([0.0, 1.0, -1.0])), ('scale', t([1.0, 0.5, 2.0]))]),
    'Cauchy': ('Cauchy', [('loc', t([0.0, 1.0, -1.0])), ('scale', t([1.0, 0.5, 2.0]))]),
    'Pareto': ('Pareto', [('scale', t([1.0, 2.0, 0.5])), ('alpha', t([3.0, 0.5, 2.5]))]),
    'Uniform': ('Uniform', [('low', t([0.1, 0.2, 0.3])), ('high', t([0.9, 0.6, 0.95]))]),
}
Q = {
    'Beta': ('Beta', [('concentration1', t([1.5, 2.0, 0.7])), ('concentration0', t([2.5, 1.0, 0.9]))]),
    'ContinuousBernoulli': ('ContinuousBernoulli', [('probs', t([0.6, 0.5, 0.2]))]),
    'Exponential': ('Exponential', [('rate', t([0.5, 1.0, 3.0]))]),
    'Gamma': ('Gamma', [('concentration', t([1.5, 3.0, 0.8])), ('rate', t([2.0, 1.0, 1.5]))]),
    'Gumbel': ('Gumbel', [('loc', t([0.5, -1.0, 2.0])), ('scale', t([2.0, 1.0, 0.7]))]),
    'Normal': ('Normal', [('loc', t([0.5, -1.0, 2.0])), ('scale', t([2.0, 1.0, 0.7]))]),
    'Cauchy': ('Cauchy', [('loc', t([0.5, -1.0, 2.0])), ('scale', t([2.0, 1.0, 0.7]))]),
    'Pareto': ('Pareto', [('scale', t([0.5, 2.5, 0.1])), ('alpha', t([2.0, 1.0, 3.0]))]),
    'Uniform': ('Uniform', [('low', t([-1.0, 0.0, -0.5])), ('high', t([2.0, 2.0, 1.0]))]),
    'ContinuousBernoulliLogits': ('ContinuousBernoulliLogits', [('logits', t([0.5, -1.0, 2.0]))]),
}
KL_PAIRS = ['Beta-ContinuousBernoulli', 'Beta-Exponential', 'Beta-Gamma', 'Beta-Normal', 'Beta-Pareto', 'Beta-Uniform',
            'Cauchy-Cauchy', 'ContinuousBernoulli-ContinuousBernoulli', 'ContinuousBernoulli-ContinuousBernoulliLogits',
            'ContinuousBernoulli-Exponential', 'ContinuousBernoulli-Normal', 'ContinuousBernoulli-Pareto',
            'ContinuousBernoulli-Uniform', 'Exponential-Beta', 'Exponential-ContinuousBernoulli', 'Exponential-Gumbel',
            'Exponential-Pareto', 'Gamma-Beta', 'Gamma-ContinuousBernoulli', 'Gamma-Gumbel', 'Gamma-Normal',
            'Gamma-Pareto', 'Gamma-Uniform', 'Gumbel-Beta', 'Gumbel-ContinuousBernoulli', 'Gumbel-Exponential',
            'Gumbel-Gamma', 'Gumbel-Normal', 'Gumbel-Pareto', 'Gumbel-Uniform', 'Laplace-Beta',
            'Laplace-ContinuousBernoulli', 'Laplace-Gamma', 'Laplace-Pareto', 'Normal-Beta', 'Normal-ContinuousBernoulli',
            'Normal-Gamma', 'Normal-Gumbel', 'Normal-Pareto', 'Pareto-Beta', 'Pareto-ContinuousBernoulli',
            'Pareto-Exponential', 'Pareto-Gamma', 'Pareto-Normal', 'Pareto-Pareto', 'Pareto-Uniform', 'Uniform-Beta',
            'Uniform-ContinuousBernoulli', 'Uniform-Gamma', 'Uniform-Gumbel', 'Uniform-Pareto']
KL = {k: (P[k.split('-')[0]], Q[k.split('-')[1]]) for k in KL_PAIRS}
# Uniform p's chosen per q so that the batch mixes finite and infinite (PyTorch's support tests)
KL['Uniform-Beta'] = (('Uniform', [('low', t([0.1, -0.5, 0.2])), ('high', t([0.9, 0.5, 0.95]))]), Q['Beta'])
# 1.13 returns inf where p.high >= 1 or p.low <= 0 (Uniform(0, 0.5) too)
KL['Uniform-ContinuousBernoulli'] = (('Uniform', [('low', t([0.1, 0.0, 0.3])), ('high', t([0.9, 0.5, 1.2]))]),
                                     Q['ContinuousBernoulli'])
KL['Uniform-Gamma'] = (('Uniform', [('low', t([0.5, -1.0, 1.0])), ('high', t([1.5, 1.0, 4.0]))]), Q['Gamma'])
KL['Uniform-Gumbel'] = (('Uniform', [('low', t([-1.0, 0.0, 2.0])), ('high', t([1.0, 3.0, 2.5]))]), Q['Gumbel'])
KL['Uniform-Pareto'] = (('Uniform', [('low', t([1.0, 2.0, 0.05])), ('high', t([2.0, 5.0, 1.0]))]), Q['Pareto'])
# 1.13 returns inf where q.low >= 0 or q.high <= 1 (so Uniform(0, 1) too)
KL['ContinuousBernoulli-Uniform'] = (P['ContinuousBernoulli'],
                                     ('Uniform', [('low', t([-1.0, 0.0, -0.5])), ('high', t([2.0, 2.0, 1.0]))]))
KL['Beta-Uniform'] = (P['Beta'], ('Uniform', [('low', t([-1.0, 0.0, 0.2])), ('high', t([2.0, 1.0, 1.0]))]))
KL['Pareto-Pareto'] = (P['Pareto'], Q['Pareto'])
KL['Cauchy-Cauchy'] = (P['Cauchy'], Q['Cauchy'])
KL['Gamma-Normal'] = (P['Gamma'], Q['Normal'])
# matrices: batched p against unbatched q and back
LR1 = ('LowRankMultivariateNormal', [('loc', t([[0.0, 1.0, -1.0], [0.5, 0.5, 0.5]])), ('cov_factor', t([[1.0], [0.5], [-0.5]])),
                                     ('cov_diag', t([[1.0, 2.0, 0.5], [0.3, 0.3, 0.3]]))])
LR2 = ('LowRankMultivariateNormal', [('loc', t([1.0, -0.5, 2.0])), ('cov_factor', t([[0.5, 1.0], [-0.3, 0.2], [1.2, 0.1]])),
                                     ('cov_diag', t([0.8, 1.5, 0.4]))])
MVN = ('MultivariateNormal', [('loc', t([0.2, 0.0, -0.3])), ('covariance_matrix', S3)])
MVNB = ('MultivariateNormal', [('loc', t([[0.2, 0.0, -0.3], [1.0, 1.0, 1.0]])), ('covariance_matrix', S3 * 0.5)])
KL['LowRankMultivariateNormal-LowRankMultivariateNormal'] = (LR1, LR2)
# (a batched cov_diag with an unbatched cov_factor fails in 1.13's LowRankMVN || MVN: it expands cov_diag to
# cov_factor's batch shape, so p here batches both)
LR3 = ('LowRankMultivariateNormal', [('loc', t([0.0, 1.0, -1.0])), ('cov_factor', t([[[1.0], [0.5], [-0.5]], [[0.2], [0.1], [0.3]]])),
                                     ('cov_diag', t([[1.0, 2.0, 0.5], [0.3, 0.3, 0.3]]))])
KL['LowRankMultivariateNormal-MultivariateNormal'] = (LR3, MVN)
KL['MultivariateNormal-LowRankMultivariateNormal'] = (MVNB, LR2)
# pairs 1.13 reaches through TransformedDistribution || TransformedDistribution (equal transforms: KL of the bases)
KL['HalfCauchy-HalfCauchy'] = (('HalfCauchy', [('scale', t([1.0, 2.0]))]), ('HalfCauchy', [('scale', t([1.5, 1.0]))]))
KL['LogisticNormal-LogisticNormal'] = (('LogisticNormal', [('loc', t([[0.0, 1.0], [0.5, -0.5]])), ('scale', t([1.0, 2.0]))]),
                                       ('LogisticNormal', [('loc', t([1.0, 1.0])), ('scale', t([1.0, 0.5]))]))
# (ExponentialFamily, ExponentialFamily): a Bregman divergence by autograd; p's parameters are detached there.
# With a batched df, 1.13 sums the df term over the batch and mixes the elements (its value
# here is negative); flint sums each term per element, so the expected value is computed one
# element at a time below.
KL['Wishart-Wishart'] = (('WishartCov', [('df', t([5.0, 4.0])), ('covariance_matrix', S3)]),
                         ('WishartCov', [('df', t(6.0)), ('covariance_matrix', S3 * 2)]))


def kl_case(name, pq):
    (pk, pp), (qk, qp) = pq
    p_leaves = leaves(pp, True)
    p = MAKE[pk](p_leaves)
    q = MAKE[qk](leaves(qp, False))
    out = D.kl_divergence(p, q)
    if name == 'Wishart-Wishart':
        assert out[0] < 0  # the 1.13 batch-mixing bug this replaces
        P = dict(pp)
        out = torch.stack([D.kl_divergence(D.Wishart(P['df'][i], covariance_matrix=P['covariance_matrix']), q)
                           for i in range(P['df'].shape[0])])
    first = pp[0][0] if pk != 'WishartCov' else 'df'
    rec = {'name': name, 'p': {'kind': pk, 'params': ser_params(pp)}, 'q': {'kind': qk, 'params': ser_params(qp)},
           'out': ser(out), 'requiresGrad': out.requires_grad, 'gradParam': first, 'grad': None}
    if out.requires_grad:
        out.sum().backward()
        g = p_leaves[first].grad
        rec['grad'] = ser(g) if g is not None else None
    return rec


kl = [kl_case(n, pq) for n, pq in KL.items()]
kl_errors = {
    'weibull_weibull': err(lambda: D.kl_divergence(D.Weibull(t([1.0, 2.0]), t([1.0, 2.0])), D.Weibull(t([1.0, 2.0]), t([1.0, 3.0])))),
    'beta_dirichlet': err(lambda: D.kl_divergence(D.Beta(t([1.0]), t([2.0])), D.Dirichlet(t([1.0, 2.0])))),
    'halfcauchy_cauchy': err(lambda: D.kl_divergence(D.HalfCauchy(t([1.0])), D.Cauchy(t([0.0]), t([1.0])))),
    'vonmises_vonmises': err(lambda: D.kl_divergence(D.VonMises(t([0.0]), t([1.0])), D.VonMises(t([0.0]), t([2.0])))),
}

# ---------------------------------------------------------------- transforms
XP = t([[0.5, 1.5, 2.0], [3.0, 0.25, 1.0]])       # positive
XR = t([[0.3, -1.2, 2.0], [-0.5, 0.0, 1.1]])      # real
XM = t([[0.5, 0.3, -0.7], [1.2, -0.4, 0.9], [-0.6, 0.8, 0.2]])  # a real matrix


def pd_forward(x):
    lx = T.LowerCholeskyTransform()(x)
    return lx @ lx.mT


def pd_inverse(y):
    return T.LowerCholeskyTransform().inv(torch.linalg.cholesky(y))


TRANSFORMS = {
    'power': (lambda: T.PowerTransform(t([0.5, 2.0, -1.5])), XP, ([2, 1], [1, 3])),
    'power_number': (lambda: T.PowerTransform(2.0), t([0.5, 1.5, 3.0]), ([4], [4])),
    'softplus': (lambda: T.SoftplusTransform(), t([-30.0, -1.0, 0.0, 2.0, 25.0]), ([2, 5], [2, 5])),
    'softmax': (lambda: T.SoftmaxTransform(), XR, ([2, 3], [2, 3])),
    'stick_breaking': (lambda: T.StickBreakingTransform(), XR, ([5, 3], [5, 4])),
    'lower_cholesky': (lambda: T.LowerCholeskyTransform(), XM, ([2, 3, 3], [2, 3, 3])),
    'corr_cholesky': (lambda: T.CorrCholeskyTransform(), XR, ([2, 6], [2, 4, 4])),
    'reshape': (lambda: T.ReshapeTransform([2, 3], [3, 2]), torch.stack([XR, XR * 2]), ([5, 2, 3], [5, 3, 2])),
    'independent': (lambda: T.IndependentTransform(T.ExpTransform(), 1), XR, ([2, 3], [2, 3])),
    'cat_dim1': (lambda: T.CatTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)], 1, [2, 1]), XR, ([2, 3], [2, 3])),
    'cat_dim0': (lambda: T.CatTransform([T.SigmoidTransform(), T.ExpTransform()], 0, [1, 2]), XR.T.contiguous(), ([3, 2], [3, 2])),
    'cat_event': (lambda: T.CatTransform([T.IndependentTransform(T.ExpTransform(), 1), T.SoftplusTransform()], -1, [2, 1]), XR,
                  ([2, 3], [2, 3])),
    'stack': (lambda: T.StackTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0), T.SoftplusTransform()], 1), XR,
              ([2, 3], [2, 3])),
    'cdf_normal': (lambda: T.CumulativeDistributionTransform(D.Normal(t([0.0, 1.0, -1.0]), t([1.0, 2.0, 0.5]))),
                   t([0.3, -0.5, -1.2]), ([3], [3])),
    'identity': (lambda: T.identity_transform, t([0.3, -0.5, 2.0]), ([2, 3], [2, 3])),
}


def transform_case(name, make, x, shapes):
    tr = make()
    y = tr(x)
    rec = {'name': name, 'x': ser(x), 'y': ser(y), 'inv': ser(tr.inv(y)), 'bijective': tr.bijective,
           'domainEventDim': tr.domain.event_dim, 'codomainEventDim': tr.codomain.event_dim,
           'forwardShape': {'in': shapes[0], 'out': list(tr.forward_shape(torch.Size(shapes[0])))},
           'inverseShape': {'in': shapes[1], 'out': list(tr.inverse_shape(torch.Size(shapes[1])))}}
    try:
        rec['inCodomain'] = bool(tr.codomain.check(y).all())
    except RuntimeError:  # cat_event: 1.13's cat constraint cannot cat checks of different event dims
        pass
    try:
        rec['ladj'] = ser(tr.log_abs_det_jacobian(x, y))
    except NotImplementedError as e:
        rec['ladjError'] = type(e).__name__
    try:
        s = tr.sign
        rec['sign'] = s if isinstance(s, int) else s.item()
    except NotImplementedError:
        pass
    return rec


transforms = [transform_case(n, *v) for n, v in TRANSFORMS.items()]
# PositiveDefiniteTransform (PyTorch 2.0; not in 1.13): 2.0's definition with 1.13's ops
pd_y = pd_forward(XM)
assert bool(C.positive_definite.check(pd_y))
transforms.append({'name': 'positive_definite', 'x': ser(XM), 'y': ser(pd_y), 'inv': ser(pd_inverse(pd_y)), 'bijective': False,
                   'domainEventDim': 2, 'codomainEventDim': 2, 'forwardShape': {'in': [2, 3, 3], 'out': [2, 3, 3]},
                   'inverseShape': {'in': [2, 3, 3], 'out': [2, 3, 3]}, 'inCodomain': True, 'ladjError': 'NotImplementedError'})

# biject_to / transform_to: name -> (which registry, the constraint, an unconstrained input)
CONSTRAINT_CASES = {
    'real': ('biject', C.real, t([0.3, -2.0, 5.0])),
    'positive': ('biject', C.positive, t([0.3, -2.0, 5.0])),
    'greater_than': ('biject', C.greater_than(1.5), t([0.3, -2.0, 5.0])),
    'less_than': ('biject', C.less_than(-2.0), t([0.3, -2.0, 5.0])),
    'interval': ('biject', C.interval(-1.0, 3.0), t([0.3, -2.0, 5.0])),
    'unit_interval': ('biject', C.unit_interval, t([0.3, -2.0, 5.0])),
    'simplex_biject': ('biject', C.simplex, XR),
    'simplex_transform': ('transform', C.simplex, XR),
    'lower_cholesky_transform': ('transform', C.lower_cholesky, XM),
    'corr_cholesky': ('biject', C.corr_cholesky, XR),
    'real_vector': ('biject', C.real_vector, XR),
    'independent_positive': ('biject', C.independent(C.positive, 1), XR),
    'independent_transform': ('transform', C.independent(C.interval(0.0, 2.0), 1), XR),
    'cat': ('biject', C.cat([C.positive, C.interval(0.0, 1.0)], 1, [2, 1]), XR),
    'stack': ('biject', C.stack([C.real, C.positive, C.greater_than(-1.0)], 1), XR),
    'stack_transform': ('transform', C.stack([C.positive, C.unit_interval], 0), XR),
}
constraint_transforms = []
for name, (which, con, x) in CONSTRAINT_CASES.items():
    tr = (D.biject_to if which == 'biject' else D.transform_to)(con)
    y = tr(x)
    rec = {'name': name, 'which': which, 'x': ser(x), 'y': ser(y), 'inCodomain': bool(con.check(y).all()),
           'transform': type(tr).__name__}
    try:
        rec['ladj'] = ser(tr.log_abs_det_jacobian(x, y))
    except NotImplementedError:
        rec['ladjError'] = 'NotImplementedError'
    if which == 'biject':
        rec['inv'] = ser(tr.inv(y))
    constraint_transforms.append(rec)
constraint_errors = {
    'biject_lower_cholesky': err(lambda: D.biject_to(C.lower_cholesky)),
    'biject_positive_definite': err(lambda: D.biject_to(C.positive_definite)),
}

# TransformedDistribution(Normal(zeros(3), ones(3)) as a batch, [StickBreakingTransform()])
sb = D.TransformedDistribution(D.Normal(torch.zeros(3, dtype=F64), torch.ones(3, dtype=F64)), [T.StickBreakingTransform()])
sb_values = t([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]])
stick_breaking_td = {'batchShape': list(sb.batch_shape), 'eventShape': list(sb.event_shape), 'value': ser(sb_values),
                     'logProb': ser(sb.log_prob(sb_values)), 'logProb1': ser(sb.log_prob(sb_values[0]))}

fixture = {'torch': torch.__version__, 'cases': cases, 'errors': errors, 'quirks': quirks, 'kl': kl, 'klErrors': kl_errors,
           'transforms': transforms, 'constraintTransforms': constraint_transforms, 'constraintErrors': constraint_errors,
           'stickBreakingTD': stick_breaking_td}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'distributions-more.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'), allow_nan=False)
    f.write('\n')
print(f'wrote {path}: {len(cases)} cases, {len(errors)} errors, {len(kl)} KL pairs, {len(transforms)} transforms, '
      f'{len(constraint_transforms)} biject_to/transform_to, {os.path.getsize(path)} bytes')
