#!/usr/bin/env python3
"""Generate tests/fixtures/losses.json: what PyTorch 1.13 computes for the losses, distances
and small nn pieces that tests/losses.test.ts checks.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_loss_fixtures.py

cases: per case the torch.nn.functional name, its arguments (tensors with whether they
require grad, or plain values), its keyword arguments (camelCased by the test), the output,
each input's gradient for grad_output = linspace(-1, 2) in the output's shape, the grad_fn
name, and where a module wraps the function, the module's name and keyword arguments.
errors: the message PyTorch raises for each bad call, by key.
warnings: the warnings PyTorch emits, by key.
bilinear: nn.Bilinear's parameters after manual_seed, and a forward/backward.
reprs: module reprs.
"""
import json
import math
import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from fixture_tensors import ser  # noqa: E402

F64 = torch.float64
torch.manual_seed(0)


def rn(*shape):
    return torch.round(torch.randn(*shape, dtype=F64) * 1000) / 1000


def camel(name):
    head, *rest = name.split('_')
    return head + ''.join(w.capitalize() for w in rest)


def arg(x, grad=False):
    if isinstance(x, torch.Tensor):
        return {'tensor': ser(x), 'requiresGrad': grad}
    return {'value': x}


def kwarg(v):
    return {'tensor': ser(v)} if isinstance(v, torch.Tensor) else v


CASES = []


def case(name, fn, args, kwargs=None, grad=(), module=None, module_kwargs=None, module_args=None):
    kwargs = kwargs or {}
    inputs = [a.clone().requires_grad_(i in grad) if isinstance(a, torch.Tensor) else a for i, a in enumerate(args)]
    out = getattr(F, fn)(*inputs, **kwargs)
    g = torch.linspace(-1, 2, out.numel(), dtype=out.dtype).reshape(out.shape)
    if grad:
        out.backward(g)
    entry = {
        'name': name, 'fn': fn,
        'args': [arg(a, i in grad) for i, a in enumerate(args)],
        'kwargs': {camel(k): kwarg(v) for k, v in kwargs.items()},
        'out': ser(out),
        'grads': [ser(inputs[i].grad) if i in grad and inputs[i].grad is not None else None for i in range(len(args))],
        'gradFn': out.grad_fn.name() if out.grad_fn is not None else None,
    }
    if module is not None:
        mk = module_kwargs if module_kwargs is not None else kwargs
        m = getattr(nn, module)(**mk)
        margs = [a for i, a in enumerate(args) if module_args is None or i in module_args]
        assert torch.equal(m(*margs), out.detach()), name
        entry['module'] = {'name': module, 'kwargs': {camel(k): kwarg(v) for k, v in mk.items()}}
    CASES.append(entry)


REDUCTIONS = ['none', 'mean', 'sum']

# binary cross-entropy
p = torch.sigmoid(rn(3, 4))
y = torch.rand(3, 4, dtype=F64)
for r in REDUCTIONS:
    case(f'bce_{r}', 'binary_cross_entropy', [p, y], {'reduction': r}, grad=(0, 1), module='BCELoss')
w = torch.tensor([0.5, 1.0, 2.0, 0.25], dtype=F64)
case('bce_weight', 'binary_cross_entropy', [p, y], {'weight': w}, grad=(0,), module='BCELoss')
edge = torch.tensor([0.0, 1.0, 0.5, 1e-50], dtype=F64)
case('bce_clamped_logs', 'binary_cross_entropy', [edge, torch.tensor([0.3, 0.6, 1.0, 0.0], dtype=F64)], {'reduction': 'none'}, grad=(0,))

# smooth L1 and Huber
a, b = rn(4, 5) * 2, rn(4, 5)
for r in REDUCTIONS:
    case(f'smooth_l1_{r}', 'smooth_l1_loss', [a, b], {'reduction': r}, grad=(0, 1), module='SmoothL1Loss')
case('smooth_l1_beta_half', 'smooth_l1_loss', [a, b], {'beta': 0.5}, grad=(0, 1), module='SmoothL1Loss')
case('smooth_l1_beta_zero', 'smooth_l1_loss', [a, b], {'beta': 0.0, 'reduction': 'sum'}, grad=(0,))
for r in REDUCTIONS:
    case(f'huber_{r}', 'huber_loss', [a, b], {'reduction': r}, grad=(0, 1), module='HuberLoss')
case('huber_delta', 'huber_loss', [a, b], {'delta': 2.5}, grad=(0, 1), module='HuberLoss')

# KL divergence
logq = torch.log_softmax(rn(3, 5), 1)
pt = torch.softmax(rn(3, 5), 1)
pt0 = pt.clone()
pt0[0, 1] = 0.0
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    for r in ['none', 'mean', 'sum', 'batchmean']:
        case(f'kl_{r}', 'kl_div', [logq, pt], {'reduction': r}, grad=(0, 1), module='KLDivLoss')
    case('kl_zero_target', 'kl_div', [logq, pt0], {'reduction': 'batchmean'}, grad=(0,))
    case('kl_log_target', 'kl_div', [logq, torch.log(pt)], {'reduction': 'batchmean', 'log_target': True}, grad=(0, 1), module='KLDivLoss')

# Poisson NLL
counts = torch.tensor([[0.0, 1.0, 2.0, 5.0], [3.0, 0.0, 7.0, 1.5]], dtype=F64)
rate = rn(2, 4)
for r in REDUCTIONS:
    case(f'poisson_{r}', 'poisson_nll_loss', [rate, counts], {'reduction': r}, grad=(0, 1), module='PoissonNLLLoss')
case('poisson_full', 'poisson_nll_loss', [rate, counts], {'full': True}, grad=(0,), module='PoissonNLLLoss')
case('poisson_rate_input', 'poisson_nll_loss', [rate.abs() + 0.1, counts], {'log_input': False, 'full': True, 'eps': 1e-4}, grad=(0,), module='PoissonNLLLoss')

# Gaussian NLL
mu, tgt = rn(4, 3), rn(4, 3)
var = rn(4, 3).abs() + 0.05
var_small = var.clone()
var_small[0, 0] = 1e-9
var_small[1, 2] = 0.0
for r in REDUCTIONS:
    case(f'gaussian_{r}', 'gaussian_nll_loss', [mu, tgt, var], {'reduction': r}, grad=(0, 1, 2), module='GaussianNLLLoss',
         module_kwargs={'reduction': r})
case('gaussian_full', 'gaussian_nll_loss', [mu, tgt, var], {'full': True}, grad=(0, 2), module='GaussianNLLLoss')
case('gaussian_var_one_dim_short', 'gaussian_nll_loss', [mu, tgt, var[:, 0].contiguous()], {}, grad=(0, 2))
case('gaussian_var_last_dim_1', 'gaussian_nll_loss', [mu, tgt, var[:, :1].contiguous()], {'reduction': 'sum'}, grad=(0, 2))
case('gaussian_eps_clamp', 'gaussian_nll_loss', [mu, tgt, var_small], {'eps': 1e-3, 'reduction': 'sum'}, grad=(0, 2))

# margin and embedding losses
x1, x2 = rn(4, 3), rn(4, 3)
pm = torch.tensor([1.0, -1.0, -1.0, 1.0], dtype=F64)
for r in REDUCTIONS:
    case(f'cosine_embedding_{r}', 'cosine_embedding_loss', [x1, x2, pm], {'reduction': r}, grad=(0, 1), module='CosineEmbeddingLoss')
case('cosine_embedding_margin', 'cosine_embedding_loss', [x1, x2, pm], {'margin': -0.4}, grad=(0, 1), module='CosineEmbeddingLoss')
case('cosine_embedding_1d', 'cosine_embedding_loss', [x1[0], x2[0], torch.tensor(-1.0, dtype=F64)], {'margin': -0.9}, grad=(0, 1))
s1, s2 = rn(6), rn(6)
pm6 = torch.tensor([1.0, -1.0, 1.0, 1.0, -1.0, -1.0], dtype=F64)
for r in REDUCTIONS:
    case(f'margin_ranking_{r}', 'margin_ranking_loss', [s1, s2, pm6], {'reduction': r}, grad=(0, 1), module='MarginRankingLoss')
case('margin_ranking_margin', 'margin_ranking_loss', [s1, s2, pm6], {'margin': 0.3}, grad=(0, 1), module='MarginRankingLoss')
dist = rn(2, 3).abs() * 2
hy = torch.tensor([[1.0, -1.0, -1.0], [-1.0, 1.0, -1.0]], dtype=F64)
for r in REDUCTIONS:
    case(f'hinge_embedding_{r}', 'hinge_embedding_loss', [dist, hy], {'reduction': r}, grad=(0,), module='HingeEmbeddingLoss')
case('hinge_embedding_margin', 'hinge_embedding_loss', [dist, hy], {'margin': 2.0}, grad=(0,), module='HingeEmbeddingLoss')
anc, pos, neg = rn(5, 4), rn(5, 4), rn(5, 4)
for r in REDUCTIONS:
    case(f'triplet_{r}', 'triplet_margin_loss', [anc, pos, neg], {'reduction': r}, grad=(0, 1, 2), module='TripletMarginLoss')
case('triplet_p1_swap', 'triplet_margin_loss', [anc, pos, neg], {'p': 1.0, 'swap': True, 'margin': 2.0}, grad=(0, 1, 2), module='TripletMarginLoss')
case('triplet_p3_eps', 'triplet_margin_loss', [anc, pos, neg], {'p': 3.0, 'eps': 0.01, 'margin': 1.5}, grad=(0, 1, 2), module='TripletMarginLoss')
sx = rn(3, 4)
sy = torch.tensor([[1.0, -1.0, 1.0, -1.0], [-1.0, -1.0, 1.0, 1.0], [1.0, 1.0, 1.0, -1.0]], dtype=F64)
for r in REDUCTIONS:
    case(f'soft_margin_{r}', 'soft_margin_loss', [sx, sy], {'reduction': r}, grad=(0,), module='SoftMarginLoss')
ml = (sy > 0).to(F64)
for r in REDUCTIONS:
    case(f'multilabel_soft_margin_{r}', 'multilabel_soft_margin_loss', [sx, ml], {'reduction': r}, grad=(0, 1), module='MultiLabelSoftMarginLoss')
case('multilabel_soft_margin_weight', 'multilabel_soft_margin_loss', [sx, ml], {'weight': w}, grad=(0,), module='MultiLabelSoftMarginLoss')
scores = rn(4, 5)
labels = torch.tensor([0, 3, 4, 1])
for r in REDUCTIONS:
    case(f'multi_margin_{r}', 'multi_margin_loss', [scores, labels], {'reduction': r}, grad=(0,), module='MultiMarginLoss')
case('multi_margin_p2_weight', 'multi_margin_loss', [scores, labels], {'p': 2, 'margin': 0.7, 'weight': torch.tensor([1.0, 0.5, 2.0, 1.5, 0.25], dtype=F64)}, grad=(0,), module='MultiMarginLoss')
case('multi_margin_1d', 'multi_margin_loss', [scores[0], torch.tensor(2)], {'reduction': 'none'}, grad=(0,))
case('multi_margin_1d_target1', 'multi_margin_loss', [scores[0], torch.tensor([2])], {'reduction': 'none'}, grad=(0,))

# NLL on (N, C, d1, d2) input, with weight and ignore_index
lp4 = torch.log_softmax(rn(2, 3, 2, 2), 1)
t4 = torch.tensor([[[0, 2], [1, -100]], [[2, 2], [0, 1]]])
for r in REDUCTIONS:
    case(f'nll_4d_{r}', 'nll_loss', [lp4, t4], {'reduction': r}, grad=(0,), module='NLLLoss')
case('nll_4d_weight_ignore', 'nll_loss', [lp4, torch.where(t4 < 0, 1, t4)], {'weight': torch.tensor([0.2, 1.0, 3.0], dtype=F64), 'ignore_index': 2}, grad=(0,), module='NLLLoss')
case('nll_3d_weight_none', 'nll_loss', [lp4[:, :, 0], torch.where(t4 < 0, 1, t4)[:, 0]], {'weight': torch.tensor([0.2, 1.0, 3.0], dtype=F64), 'reduction': 'none'}, grad=(0,))
case('nll_1d_none', 'nll_loss', [lp4[0, :, 0, 0], torch.tensor(2)], {'reduction': 'none'}, grad=(0,))
case('nll_5d_none', 'nll_loss', [torch.log_softmax(rn(2, 3, 2, 1, 2), 1), torch.tensor([[[[0, 2]], [[1, 1]]], [[[2, 0]], [[0, 1]]]])], {'reduction': 'none'}, grad=(0,))
case('cross_entropy_4d_none', 'cross_entropy', [rn(2, 3, 2, 2), torch.where(t4 < 0, 1, t4)], {'reduction': 'none'}, grad=(0,))

# float32 inputs
case('bce_float32', 'binary_cross_entropy', [p.float(), y.float()], {}, grad=(0,))
case('huber_float32', 'huber_loss', [a.float(), b.float()], {'reduction': 'sum'}, grad=(0,))

# distances and normalize
u, v = rn(3, 4), rn(3, 4)
case('cosine_similarity', 'cosine_similarity', [u, v], {}, grad=(0, 1))
case('cosine_similarity_dim0_eps', 'cosine_similarity', [u, v], {'dim': 0, 'eps': 0.5}, grad=(0, 1))
case('cosine_similarity_broadcast', 'cosine_similarity', [u, v[0]], {'dim': -1}, grad=(0, 1))
case('cosine_similarity_tiny', 'cosine_similarity', [torch.tensor([[1e-9, 0.0], [1.0, 2.0]], dtype=F64), torch.tensor([[0.5, 0.0], [3.0, 1.0]], dtype=F64)], {}, grad=(1,))
case('pairwise_distance', 'pairwise_distance', [u, v], {}, grad=(0, 1))
case('pairwise_distance_p1_keepdim', 'pairwise_distance', [u, v], {'p': 1.0, 'keepdim': True, 'eps': 0.0}, grad=(0, 1))
case('pairwise_distance_broadcast', 'pairwise_distance', [u, v[1]], {'p': 3.0}, grad=(0, 1))
case('normalize', 'normalize', [u], {}, grad=(0,))
case('normalize_p1_dim0', 'normalize', [u], {'p': 1.0, 'dim': 0}, grad=(0,))
case('normalize_zero_row', 'normalize', [torch.tensor([[0.0, 0.0], [3.0, 4.0]], dtype=F64)], {'dim': -1}, grad=(0,))

# CTC
T, N, C = 6, 3, 5
ctc_lp = torch.log_softmax(rn(T, N, C), 2)
padded = torch.tensor([[1, 2, 2], [3, 1, 0], [4, 4, 4]])
il, tl = [6, 5, 6], [3, 2, 1]
for r in REDUCTIONS:
    case(f'ctc_padded_{r}', 'ctc_loss', [ctc_lp, padded, il, tl], {'reduction': r}, grad=(0,), module='CTCLoss',
         module_kwargs={'reduction': r})
concat = torch.tensor([1, 2, 2, 3, 1, 4])
case('ctc_concatenated_tensor_lengths', 'ctc_loss', [ctc_lp, concat, torch.tensor(il), torch.tensor(tl)], {}, grad=(0,))
case('ctc_blank_last', 'ctc_loss', [ctc_lp, torch.tensor([[1, 2, 0], [3, 1, 0], [0, 0, 0]]), il, [3, 2, 0]], {'blank': 4, 'reduction': 'sum'}, grad=(0,), module='CTCLoss')
case('ctc_unbatched', 'ctc_loss', [ctc_lp[:, 0], torch.tensor([1, 3]), [5], [2]], {'reduction': 'none'}, grad=(0,))
impossible = torch.tensor([[1, 1, 1], [2, 3, 0], [4, 0, 0]])
for zi in [True, False]:
    case(f'ctc_impossible_zero_infinity_{zi}', 'ctc_loss', [ctc_lp, impossible, [4, 6, 6], [3, 2, 1]], {'reduction': 'none', 'zero_infinity': zi}, grad=(0,) if zi else ())
case('ctc_impossible_mean_zero_infinity', 'ctc_loss', [ctc_lp, impossible, [4, 6, 6], [3, 2, 1]], {'zero_infinity': True}, grad=(0,), module='CTCLoss')
case('ctc_float32', 'ctc_loss', [ctc_lp.float(), padded, il, tl], {}, grad=(0,))
ctc_long = torch.log_softmax(rn(12, 2, 4), 2)
case('ctc_long_repeats', 'ctc_loss', [ctc_long, torch.tensor([[1, 1, 2, 2, 3], [3, 3, 3, 0, 0]]), [12, 10], [5, 3]], {}, grad=(0,))

# bilinear
b1, b2 = rn(3, 2), rn(3, 4)
bw, bb = rn(5, 2, 4), rn(5)
case('bilinear', 'bilinear', [b1, b2, bw, bb], {}, grad=(0, 1, 2, 3))
case('bilinear_batched_no_bias', 'bilinear', [rn(2, 3, 2), rn(2, 3, 4), bw], {}, grad=(0, 1, 2))
torch.manual_seed(7)
layer = nn.Bilinear(3, 4, 2)
bilinear = {'seed': 7, 'keys': list(layer.state_dict().keys()), 'weight': ser(layer.weight), 'bias': ser(layer.bias)}
torch.manual_seed(8)
nobias = nn.Bilinear(2, 2, 3, bias=False)
bilinear['noBias'] = {'seed': 8, 'keys': list(nobias.state_dict().keys()), 'weight': ser(nobias.weight)}

# Softmin, Softmax2d, parameters_to_vector
sm_in = rn(2, 3, 2, 2)
nets = {
    'softmin1': ser(nn.Softmin(1)(sm_in[0, :, 0])), 'softmin_implicit': ser(nn.Softmin()(sm_in[0, :, 0])),
    'softmax2d': ser(nn.Softmax2d()(sm_in)), 'softmax2d_3d': ser(nn.Softmax2d()(sm_in[0])), 'input': ser(sm_in),
}
lin = nn.Linear(2, 3)
vec = nn.utils.parameters_to_vector(lin.parameters())
nets['paramsToVector'] = {'weight': ser(lin.weight), 'bias': ser(lin.bias), 'vector': ser(vec)}


def message(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return str(e)
    raise AssertionError('no error')


o23, o3 = torch.ones(2, 3), torch.ones(3)
tg, il2, tl2 = torch.tensor([[1, 2], [3, 3]]), torch.tensor([5, 4]), torch.tensor([2, 2])
lp5 = torch.randn(5, 2, 4).log_softmax(2)
errors = {
    'huber_delta': message(lambda: F.huber_loss(o3, o3, delta=0.0)),
    'smooth_l1_beta': message(lambda: F.smooth_l1_loss(o3, o3, beta=-1.0)),
    'bce_range': message(lambda: F.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0]))),
    'bce_size': message(lambda: F.binary_cross_entropy(torch.tensor([0.5, 0.2]), torch.tensor([1.0]))),
    'multi_margin_range': message(lambda: F.multi_margin_loss(o23, torch.tensor([0, 3]))),
    'multi_margin_size': message(lambda: F.multi_margin_loss(o23, torch.tensor([0, 1, 1]))),
    'multi_margin_p': message(lambda: F.multi_margin_loss(o23, torch.tensor([0, 1]), p=3)),
    'triplet_dims': message(lambda: F.triplet_margin_loss(o23, o3, o23)),
    'margin_ranking_dims': message(lambda: F.margin_ranking_loss(o23, o3, o23)),
    'cosine_embedding_target_dim': message(lambda: F.cosine_embedding_loss(o23, o23, torch.ones(2, 1))),
    'cosine_embedding_0d': message(lambda: F.cosine_embedding_loss(o23, o23, torch.ones(()))),
    'gaussian_var_size': message(lambda: F.gaussian_nll_loss(o23, o23, torch.ones(3, 2))),
    'gaussian_var_negative': message(lambda: F.gaussian_nll_loss(o23, o23, -torch.ones(2, 3))),
    'gaussian_reduction': message(lambda: F.gaussian_nll_loss(o23, o23, o23, reduction='x')),
    'multilabel_reduction': message(lambda: F.multilabel_soft_margin_loss(o23, o23, reduction='x')),
    'poisson_reduction': message(lambda: F.poisson_nll_loss(o23, o23, reduction='x')),
    'ctc_blank': message(lambda: F.ctc_loss(lp5, tg, il2, tl2, blank=4)),
    'ctc_input_length': message(lambda: F.ctc_loss(lp5, tg, torch.tensor([6, 4]), tl2)),
    'ctc_input_lengths_size': message(lambda: F.ctc_loss(lp5, tg, torch.tensor([5]), tl2)),
    'ctc_target_lengths_size': message(lambda: F.ctc_loss(lp5, tg, il2, torch.tensor([2]))),
    'ctc_padded_width': message(lambda: F.ctc_loss(lp5, tg, il2, torch.tensor([2, 3]))),
    'softmax2d_dims': message(lambda: nn.Softmax2d()(o23)),
    'vector_to_parameters': message(lambda: nn.utils.vector_to_parameters([1.0], lin.parameters())),
}


def warned(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        fn()
    return [str(w.message) for w in caught]


warns = {
    'mse': warned(lambda: F.mse_loss(torch.ones(3, 1), torch.ones(3))),
    'l1': warned(lambda: F.l1_loss(torch.ones(3, 1), torch.ones(3))),
    'smooth_l1': warned(lambda: F.smooth_l1_loss(torch.ones(2, 3), torch.ones(3))),
    'huber': warned(lambda: F.huber_loss(torch.ones(4), torch.ones(2, 4))),
    'kl_mean': warned(lambda: F.kl_div(o23, o23)),
    'same_size': warned(lambda: F.mse_loss(o23, o23)),
}

reprs = {name: repr(m) for name, m in [
    ('BCELoss', nn.BCELoss()), ('SmoothL1Loss', nn.SmoothL1Loss(beta=0.5)), ('CTCLoss', nn.CTCLoss()),
    ('TripletMarginLoss', nn.TripletMarginLoss()), ('MultiMarginLoss', nn.MultiMarginLoss()),
    ('Bilinear', nn.Bilinear(3, 4, 5)), ('BilinearNoBias', nn.Bilinear(3, 4, 5, bias=False)),
    ('Identity', nn.Identity(3, a=4)), ('Softmax2d', nn.Softmax2d()), ('Softmin', nn.Softmin(1)), ('SoftminNone', nn.Softmin()),
]}
buffers = {name: list(getattr(nn, name)()._buffers.keys()) for name in [
    'BCELoss', 'MultiLabelSoftMarginLoss', 'MultiMarginLoss', 'SmoothL1Loss', 'CTCLoss', 'KLDivLoss']}

fixture = {'torch': torch.__version__, 'cases': CASES, 'errors': errors, 'warnings': warns, 'bilinear': bilinear,
           'nets': nets, 'reprs': reprs, 'buffers': buffers}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'losses.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'), allow_nan=False)
    f.write('\n')
print(f'wrote {path}: {len(CASES)} cases')
