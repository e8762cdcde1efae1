#!/usr/bin/env python3
"""Generate tests/fixtures/grads.json: PyTorch's values and gradients at the edges.

Run with the interpreter that has torch (PyTorch 1.13 here):
    /usr/bin/python3 scripts/make_grad_fixtures.py

Same case format as scripts/make_fixtures.py (tests/helpers/reference.ts reads both):
{name, area, expr, inputs, output, grads, gradOutput, gradFn, requiresGrad[, note]}.
The cases sit where derivatives are delicate -- zeros, ties, infinities, NaNs, saturation,
empty slices -- so that flint follows PyTorch's conventions there, not just in the smooth
interior. `requiresGrad[i]` says whether input i required grad; a null grads[i] for such an
input means PyTorch left its .grad None (norm with p=0 does that).

gradOutput is a fixed random tensor unless a case gives its own (some cases feed an inf or
NaN output gradient on purpose: PyTorch's masks give exact zeros there, a multiply by 0
would give NaN).
"""
import json
import math
import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:
    sys.exit(f'make_grad_fixtures.py needs PyTorch and NumPy ({e}); run it with /usr/bin/python3')

from fixture_tensors import BOOL, DTYPE_NAMES, F32, F64, I32, I64, INF, NAN, U8, away, fmt_float, q, rn, ser  # noqa: E402,F401

SEED = 0
torch.manual_seed(SEED)
torch.set_default_dtype(torch.float32)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, '..', 'tests', 'fixtures', 'grads.json')


def distinct_abs(*shape, dtype=F32):
    """Nonzero values whose absolute values are all distinct (no ties for the inf norms)."""
    n = int(np.prod(shape))
    mags = (torch.randperm(n).to(F64) + 1) * 0.25 + q(torch.rand(n, dtype=F64) * 0.1)
    signs = torch.where(torch.rand(n) < 0.5, -1.0, 1.0).to(F64)
    return (mags * signs).reshape(shape).to(dtype)


def T(data, dtype=F32):
    return torch.tensor(data, dtype=dtype)


CASES = []
NAMES = set()
AREA = ['?']


def area(name):
    AREA[0] = name


def case(name, expr, inputs, grad=True, go=None, note=None):
    """grad=True: floating inputs require grad; grad=[bool, ...]: exactly those do;
    go: the output gradient (a tensor, 'ones', or None for a fixed random one)."""
    if name in NAMES:
        raise ValueError(f'duplicate case {name}')
    NAMES.add(name)
    ins = []
    for i, x in enumerate(inputs):
        x = x.detach().clone()
        rg = bool(grad[i]) if isinstance(grad, (list, tuple)) else bool(grad) and x.is_floating_point()
        if rg:
            x.requires_grad_(True)
        ins.append(x)
    entry = {'name': name, 'area': AREA[0], 'expr': expr, 'inputs': [ser(x) for x in ins],
             'requiresGrad': [x.requires_grad for x in ins]}
    env = dict(torch=torch, F=F, INF=INF, NAN=NAN, **HELPERS)
    env.update(zip('abcd', ins))
    out = eval(expr, env)
    if not isinstance(out, torch.Tensor):
        raise TypeError(f'{name}: expression did not return a tensor')
    entry['output'] = ser(out)
    entry['gradFn'] = out.grad_fn.name() if out.grad_fn is not None else None
    if out.requires_grad:
        if go is None:
            g = q(torch.randn(out.shape, dtype=F64)).to(out.dtype)
        elif isinstance(go, str) and go == 'ones':
            g = torch.ones_like(out)
        else:
            g = go.to(out.dtype).reshape(out.shape)
        out.backward(g)
        entry['grads'] = [ser(x.grad) if x.grad is not None else None for x in ins]
        entry['gradOutput'] = ser(g)
    else:
        entry['grads'] = [None] * len(ins)
        entry['gradOutput'] = None
    if note:
        entry['note'] = note
    CASES.append(entry)
    return entry


# helpers usable in expressions (statements cannot appear in an eval'd expression)
def nonleaf_inputs_grad(a):
    """z = 3a; (z * z).sum().backward(inputs=[z]); returns z.grad (a.grad stays None)."""
    z = a * 3
    (z * z).sum().backward(inputs=[z])
    assert a.grad is None
    return z.grad


def grad_then_backward(y, x):
    """d/dx of sum(dy/dx): a second derivative through create_graph."""
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    return g


def create_graph_accumulate(a):
    """(a**3).sum().backward(create_graph=True) twice-differentiated: a.grad = 3a^2, then
    a.grad.sum().backward() adds 6a out of place: returns a.grad (3a^2 + 6a)."""
    (a ** 3).sum().backward(create_graph=True)
    a.grad.sum().backward()
    out = a.grad.detach().clone()
    a.grad = None
    return out


def grad_nonleaf_and_leaf(a):
    """autograd.grad(sum((3a)^2), [z, a]) for z = 3a: both gradients, concatenated."""
    z = a * 3
    gz, ga = torch.autograd.grad((z * z).sum(), [z, a])
    return torch.cat([gz, ga])


def grad_two_outputs(a):
    """autograd.grad([2a, 3a^2], a, [ones, [1, 0, ...]]): the weighted sum of both."""
    w = torch.zeros_like(a)
    w[0] = 1
    (g,) = torch.autograd.grad([a * 2, a * a * 3], a, [torch.ones_like(a), w])
    return g


def autograd_backward_list(a):
    """autograd.backward([a.mul(2), a.sum()], [ones, None]) accumulates both into a.grad."""
    torch.autograd.backward([a * 2, (a * a).sum()], [torch.ones_like(a), None])
    out = a.grad.clone()
    a.grad = None
    return out


HELPERS = dict(nonleaf_inputs_grad=nonleaf_inputs_grad, grad_then_backward=grad_then_backward,
               create_graph_accumulate=create_graph_accumulate, grad_nonleaf_and_leaf=grad_nonleaf_and_leaf,
               grad_two_outputs=grad_two_outputs, autograd_backward_list=autograd_backward_list)

# ================================================================= norms
area('norms')
_x = distinct_abs(3, 4)
ORDERS = [('2', '2'), ('1', '1'), ('3', '3'), ('1p5', '1.5'), ('0p5', '0.5'), ('0', '0'),
          ('inf', 'INF'), ('ninf', '-INF'), ('neg1', '-1'), ('neg2', '-2'), ('neg0p5', '-0.5')]
for tag, p in ORDERS:
    case(f'norm_p{tag}_all', f'a.norm({p})', [_x])
    case(f'norm_p{tag}_dim1', f'a.norm({p}, 1)', [_x])
    case(f'norm_p{tag}_dim0_keepdim', f'a.norm({p}, 0, True)', [_x])
    case(f'norm_p{tag}_dims_float64', f'a.norm({p}, [0, 1])', [distinct_abs(2, 3, dtype=F64)])
case('norm_fro', "a.norm('fro')", [_x])
case('norm_fro_dim', "a.norm('fro', 1)", [_x])
case('norm_default_dim_keyword', 'a.norm(dim=1)', [_x])
case('norm_p_none', 'a.norm(p=None)', [_x])
case('norm_3d_dims', 'a.norm(3, [0, 2], True)', [distinct_abs(2, 3, 4)])

# zeros: every p gives 0 and a gradient of 0 (p = 0: no gradient at all)
_z = torch.zeros(3)
for tag, p in ORDERS:
    case(f'norm_p{tag}_zeros', f'a.norm({p})', [_z])
case('norm_zeros_issue', 'a.norm()', [torch.zeros(3)], go='ones',
     note='the safety issue: torch.zeros(3, requires_grad=True).norm().backward() gives 0, not NaN')
_m = T([0.0, 1.0, -2.0, 2.0])
for tag, p in ORDERS:
    case(f'norm_p{tag}_with_zero', f'a.norm({p})', [_m])
_rows = T([[1.0, -3.0, 3.0], [0.0, 0.0, 0.0], [0.5, -0.5, 0.0]])
for tag, p in ORDERS:
    case(f'norm_p{tag}_rows_with_zero_row', f'a.norm({p}, 1)', [_rows])
case('norm_pinf_ties', 'a.norm(INF)', [T([[3.0, -1.0], [-3.0, 3.0]])],
     note='the gradient is shared evenly among the three elements with |x| = 3, with their sign')
case('norm_pninf_ties', 'a.norm(-INF)', [T([[3.0, -1.0], [1.0, 2.0]])])
case('norm_pinf_ties_dim_keepdim', 'a.norm(INF, 1, True)', [T([[3.0, -3.0, 1.0], [2.0, 0.5, -2.0]])])
case('norm_pninf_ties_dim', 'a.norm(-INF, 0)', [T([[1.0, -3.0, 3.0], [-1.0, 0.0, 2.0]])])
case('norm_p2_nan', 'a.norm()', [T([NAN, 1.0, 4.0])])
case('norm_p3_nan', 'a.norm(3)', [T([NAN, 1.0, 4.0])])
case('norm_pinf_nan', 'a.norm(INF)', [T([NAN, 1.0, 4.0])])
case('norm_pninf_nan', 'a.norm(-INF)', [T([NAN, 1.0, 4.0])])
case('norm_p0_nan', 'a.norm(0)', [T([NAN, 0.0, 4.0])])
case('norm_p2_inf', 'a.norm()', [T([INF, 1.0, 4.0])])
case('norm_pinf_inf', 'a.norm(INF)', [T([INF, 1.0, -INF])])
case('norm_p1_inf', 'a.norm(1)', [T([INF, 1.0, -4.0])])
for tag, p in ORDERS:
    case(f'norm_p{tag}_empty', f'a.norm({p})', [torch.zeros(0)])
case('norm_pinf_empty_dim', 'a.norm(INF, 0)', [torch.zeros(0, 3)])
case('norm_p2_float64_zeros_dim', 'a.norm(2, 0)', [torch.zeros(2, 3, dtype=F64)])

# ================================================================= std / var
area('moments')
_c = T([[1.5, 1.5, 1.5], [1.0, 2.0, 4.0]])
case('std_constant', 'a.std()', [T([2.0, 2.0, 2.0])])
case('std_zeros_issue', 'a.std()', [torch.zeros(4)], go='ones')
case('std_constant_unbiased_false', 'a.std(unbiased=False)', [T([2.0, 2.0, 2.0])])
case('std_constant_row', 'a.std(1)', [_c])
case('std_constant_row_keepdim', 'a.std(1, keepdim=True)', [_c])
case('std_constant_column', 'a.std(0, unbiased=False)', [T([[1.0, 2.0], [1.0, 5.0]])])
case('std_constant_float64', 'a.std(1)', [_c.to(F64)])
case('var_constant', 'a.var()', [T([2.0, 2.0, 2.0])])
case('var_constant_row', 'a.var(1)', [_c])
case('var_constant_row_keepdim_biased', 'a.var(1, unbiased=False, keepdim=True)', [_c])
case('std_one_element_biased', 'a.std(unbiased=False)', [T([3.0])])
case('var_one_element_biased', 'a.var(unbiased=False)', [T([3.0])])
case('std_correction_0_dims', 'torch.std(a, [0, 1], correction=0)', [rn(2, 3)])
case('std_correction_2', 'torch.std(a, None, correction=2)', [rn(5)])
case('var_correction_2_dim', 'torch.var(a, 1, correction=2, keepdim=True)', [rn(2, 4)])
case('var_correction_over_n', 'torch.var(a, None, correction=4)', [T([1.0, 2.0, 4.0])],
     note='N - correction < 0: the forward divides by 0 (inf); 1.13 backward uses 2 / (N - correction)')
case('std_nan', 'a.std()', [T([NAN, 1.0, 2.0])])
case('std_inf', 'a.std()', [T([INF, 1.0, 2.0])])
case('var_empty', 'a.var()', [torch.zeros(0)])
case('std_dims_3d', 'a.std([0, 2], keepdim=True)', [rn(2, 3, 4)])
case('var_3d_neg_dim', 'a.var(-2)', [rn(2, 3, 4, dtype=F64)])

# ================================================================= pow at the edges
area('pow_edges')
case('pow_base0_tensor_exponents', 'torch.pow(a, b)', [T([0.0, 0.0, 0.0, 0.0]), T([2.0, 0.0, -1.0, 0.5])])
case('pow_base0_negative_exponents', 'torch.pow(a, b)', [T([0.0, 0.0]), T([-2.0, -0.5])])
case('pow_exponent0_base0', 'torch.pow(a, b)', [T([0.0, 0.0, 3.0]), T([0.0, 0.0, 0.0])])
case('pow_negative_base', 'torch.pow(a, b)', [T([-2.0, -2.0]), T([2.0, 0.5])])
case('pow_nan', 'torch.pow(a, b)', [T([NAN, 1.0]), T([0.0, NAN])])
case('pow_inf', 'torch.pow(a, b)', [T([INF, 2.0]), T([2.0, INF])])
case('pow_broadcast_base0', 'torch.pow(a, b)', [T([[0.0], [2.0]]), T([0.0, 1.0, 2.5])])
case('pow_exponent_only_grad', 'torch.pow(a, b)', [T([0.0, 0.0, 2.0]), T([1.0, -1.0, 3.0])], grad=[False, True])
case('pow_scalar_0', 'a ** 0', [T([0.0, 2.0, -1.0])])
case('pow_scalar_0_inf_grad', 'a ** 0', [T([0.0, 2.0])], go=T([INF, NAN]))
case('pow_scalar_half_at_0', 'a ** 0.5', [T([0.0, 4.0])])
case('pow_scalar_2_at_0', 'a ** 2', [T([0.0, -3.0])])
case('pow_scalar_neg1_at_0', 'a ** -1', [T([0.0, 4.0])])
case('pow_scalar_1_at_0', 'a ** 1', [T([0.0, 4.0])])
case('pow_scalar_3_negative', 'a ** 3', [T([0.0, -2.0])])
case('pow_scalar_base_0', 'torch.pow(0, a)', [T([2.0, 0.0, -1.0])])
case('pow_scalar_base_0_float', 'torch.pow(0.0, a)', [T([2.0, 0.0, -1.0])])
case('pow_scalar_base_2', 'torch.pow(2, a)', [T([2.0, 0.0, -1.0])])
case('pow_scalar_base_negative', 'torch.pow(-2, a)', [T([2.0, 0.0, -1.0])])
case('pow_scalar_base_1', 'torch.pow(1, a)', [T([2.0, 0.0, -1.0])])
case('pow_scalar_base_float64', 'torch.pow(2.5, a)', [rn(3, dtype=F64)])

# ================================================================= elementwise edges
area('edges_elementwise')
case('maximum_ties', 'torch.maximum(a, b)', [T([1.0, 2.0, 3.0]), T([1.0, 0.0, 3.0])])
case('minimum_ties', 'torch.minimum(a, b)', [T([1.0, 2.0, 3.0]), T([1.0, 0.0, 3.0])])
case('maximum_nan', 'torch.maximum(a, b)', [T([NAN, 1.0, NAN]), T([0.0, NAN, NAN])])
case('minimum_nan', 'torch.minimum(a, b)', [T([NAN, 1.0, 2.0]), T([0.0, NAN, 2.0])])
case('maximum_broadcast_ties', 'torch.maximum(a, b)', [T([[1.0], [2.0]]), T([1.0, 2.0, 0.0])])
case('abs_at_zero', 'a.abs()', [T([0.0, -0.0, -1.5, 2.0])])
case('abs_nan_inf', 'a.abs()', [T([NAN, INF, -INF])])
case('sqrt_at_zero', 'a.sqrt()', [T([0.0, 4.0])], go=T([1.0, 1.0]))
case('sqrt_negative', 'a.sqrt()', [T([-1.0, 0.0])], go=T([1.0, -1.0]))
case('rsqrt_at_zero', 'a.rsqrt()', [T([0.0, 4.0])])
case('reciprocal_at_zero', 'a.reciprocal()', [T([0.0, -0.0, 2.0])])
case('log_at_zero', 'a.log()', [T([0.0, -1.0, 1.0])])
case('log1p_at_minus1', 'a.log1p()', [T([-1.0, 0.0])])
case('exp_inf', 'a.exp()', [T([INF, -INF, NAN])])
case('clamp_at_bounds', 'a.clamp(-1, 1)', [T([-1.0, 1.0, 0.0, 2.0, -2.0])])
case('clamp_min_at_bound', 'a.clamp(min=0)', [T([0.0, -1.0, 1.0])])
case('clamp_max_at_bound', 'a.clamp(max=0)', [T([0.0, -1.0, 1.0])])
case('clamp_nan', 'a.clamp(-1, 1)', [T([NAN, 0.5])])
case('clamp_inf_grad', 'a.clamp(-1, 1)', [T([2.0, 0.5])], go=T([INF, 1.0]))
case('clamp_tensor_bounds_ties', 'a.clamp(b, c)', [T([0.0, 1.0, 2.0, 3.0, 5.0]), T([0.0, 0.0, 0.0, 4.0, 0.0]),
                                                    T([1.0, 1.0, 1.0, 4.0, 5.0])])
case('clamp_tensor_min_only', 'torch.clamp(a, min=b)', [T([0.0, 1.0, -1.0]), T([0.0, 0.0, 0.0])])
case('clamp_tensor_max_only', 'torch.clamp(a, max=b)', [T([0.0, 1.0, -1.0]), T([0.0, 0.0, 0.0])])
case('clamp_tensor_min_over_max', 'a.clamp(b, c)', [T([0.0, 2.0, 5.0]), T([3.0, 3.0, 3.0]), T([1.0, 1.0, 1.0])])
case('relu_at_zero', 'a.relu()', [T([0.0, -0.0, 1.0, -1.0, NAN])])
case('sign_grad', 'a.sign()', [T([0.0, 2.0, -2.0, NAN])], go=T([INF, NAN, 1.0, 1.0]))
case('floor_grad_inf', 'a.floor()', [T([0.5, 1.5])], go=T([INF, NAN]))
case('round_grad', 'a.round()', [T([0.5, 1.5, -2.5])])
case('div_by_zero', 'a / b', [T([1.0, -1.0, 0.0, 2.0]), T([0.0, 0.0, 0.0, -0.0])])
case('div_scalar_zero', 'a / 0', [T([1.0, 0.0])])
case('mul_by_zero_inf', 'a * b', [T([0.0, INF]), T([INF, 0.0])])
case('atan2_origin', 'torch.atan2(a, b)', [T([0.0, 0.0, 1.0]), T([0.0, -0.0, 0.0])])
case('remainder_by_zero', 'torch.remainder(a, b)', [T([1.0, 0.0, 3.0]), T([0.0, 0.0, 2.0])])
case('remainder_negative', 'torch.remainder(a, b)', [T([-3.0, 3.0, -1.5]), T([2.0, -2.0, 0.5])])
case('sigmoid_saturation', 'a.sigmoid()', [T([-100.0, -20.0, 0.0, 20.0, 100.0, INF, -INF])])
case('tanh_saturation', 'a.tanh()', [T([-50.0, -10.0, 0.0, 10.0, 50.0, INF, -INF])])
case('erf_far', 'a.erf()', [T([-10.0, 0.0, 10.0])])
case('where_inf_grad', 'torch.where(a > 0, a, b)', [T([1.0, -1.0]), T([2.0, 3.0])], go=T([INF, INF]))
case('where_nan_unselected', 'torch.where(a > 0, a, b)', [T([1.0, -1.0]), T([NAN, 3.0])])
case('add_nan', 'a + b', [T([NAN, 1.0]), T([1.0, NAN])])
case('mul_nan', 'a * b', [T([NAN, 0.0]), T([0.0, 2.0])])
case('exp_nan_grad', 'a.exp()', [T([0.0, 1.0])], go=T([NAN, 1.0]))

# ================================================================= reduction edges
area('edges_reductions')
case('max_all_ties', 'a.max()', [T([[1.0, 3.0], [3.0, -1.0], [3.0, 0.0]])],
     note='PyTorch 1.13 max() with no dim spreads the gradient evenly over the ties')
case('min_all_ties', 'a.min()', [T([[1.0, -3.0], [-3.0, -1.0]])])
case('max_all_nan', 'a.max()', [T([1.0, NAN, 3.0, NAN])])
case('min_all_nan', 'a.min()', [T([1.0, NAN, 3.0])])
case('max_all_inf_grad', 'a.max()', [T([1.0, 3.0, 2.0])], go=T(INF))
case('max_all_float64_ties', 'a.max()', [T([2.0, 2.0, 1.0], dtype=F64)])
case('max_dim_ties', 'a.max(1)[0]', [T([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])],
     note='max(dim) sends the gradient to the returned index (the first of the ties)')
case('max_dim_ties_indices', 'a.max(1)[1]', [T([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])], grad=False)
case('max_dim_keepdim_ties', 'a.max(0, keepdim=True)[0]', [T([[1.0, 3.0], [1.0, 3.0]])])
case('min_dim_ties', 'a.min(0)[0]', [T([[1.0, 3.0], [1.0, 0.0], [4.0, 0.0]])])
case('max_dim_nan', 'a.max(1)[0]', [T([[1.0, NAN, 3.0], [NAN, 2.0, NAN]])])
case('max_dim_nan_indices', 'a.max(1)[1]', [T([[1.0, NAN, 3.0], [NAN, 2.0, NAN]])], grad=False)
case('amax_ties', 'a.amax()', [T([[1.0, 3.0], [3.0, -1.0]])])
case('amax_dim_ties', 'a.amax(1)', [T([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])])
case('amax_dims_keepdim', 'a.amax([0, 2], keepdim=True)', [T([[[1.0, 3.0], [3.0, 0.0]], [[2.0, 3.0], [0.0, 1.0]]])])
case('amin_ties', 'a.amin(0)', [T([[1.0, -3.0], [1.0, 2.0]])])
case('amax_nan', 'a.amax(1)', [T([[1.0, NAN], [2.0, 3.0]])])
case('prod_one_zero', 'a.prod()', [T([2.0, 0.0, 3.0, -1.5])])
case('prod_two_zeros', 'a.prod()', [T([2.0, 0.0, 3.0, 0.0])])
case('prod_dim_zeros', 'a.prod(1)', [T([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 3.0]])])
case('prod_dim_keepdim_zero', 'a.prod(0, keepdim=True)', [T([[2.0, 0.0], [0.0, 5.0], [3.0, 2.0]])])
case('prod_inf', 'a.prod()', [T([INF, 2.0, 3.0])])
case('prod_all_zero', 'a.prod()', [T([0.0])])
case('prod_0d', 'a.prod()', [T(0.0)])
case('sum_inf', 'a.sum()', [T([INF, -INF, 1.0])])
case('mean_empty', 'a.mean()', [torch.zeros(0)])
case('mean_empty_dim', 'a.mean(0)', [torch.zeros(0, 3)])
case('mean_nan', 'a.mean(1)', [T([[NAN, 1.0], [2.0, 3.0]])])

# ================================================================= softmax and nn.functional edges
area('edges_nn')
case('softmax_neg_inf', 'a.softmax(1)', [T([[-INF, 0.0, 1.0], [2.0, -INF, -INF]])])
case('softmax_all_neg_inf', 'a.softmax(0)', [T([-INF, -INF])])
case('log_softmax_neg_inf', 'a.log_softmax(1)', [T([[-INF, 0.0, 1.0], [2.0, -INF, -INF]])])
case('softmax_saturated', 'a.softmax(0)', [T([100.0, -100.0, 0.0])])
case('leaky_relu_at_zero', 'F.leaky_relu(a, 0.2)', [T([0.0, -1.0, 1.0, NAN])])
case('gelu_extremes', 'F.gelu(a)', [T([-100.0, -10.0, 0.0, 10.0, 100.0])])
case('gelu_tanh_extremes', "F.gelu(a, approximate='tanh')", [T([-100.0, -10.0, 0.0, 10.0, 100.0])])
case('gelu_nan', 'F.gelu(a)', [T([NAN, 1.0])])
case('silu_extremes', 'F.silu(a)', [T([-100.0, -20.0, 0.0, 20.0, 100.0])])
case('silu_inf', 'F.silu(a)', [T([-INF, INF])])
case('bce_logits_at_zero', 'F.binary_cross_entropy_with_logits(a, b)', [T([0.0, 0.0, 1.5]), T([0.0, 1.0, 0.5])],
     note='log(1 + exp(-|x|)) + max(-x, 0) has a kink at 0 in each piece; the sum is smooth: -sigmoid(-x)')
case('bce_logits_extremes', "F.binary_cross_entropy_with_logits(a, b, reduction='none')",
     [T([-100.0, 100.0, 0.0, -50.0]), T([1.0, 0.0, 0.5, 0.0])])
case('bce_logits_pos_weight_at_zero', 'F.binary_cross_entropy_with_logits(a, b, pos_weight=c)',
     [T([[0.0, 2.0], [0.0, -1.0]]), T([[1.0, 0.0], [0.5, 1.0]]), T([2.0, 0.5])], grad=[True, True, False])
case('bce_logits_weight_sum', "F.binary_cross_entropy_with_logits(a, b, weight=c, reduction='sum')",
     [T([0.0, 2.0, -3.0]), T([1.0, 0.0, 1.0]), T([0.5, 2.0, 1.0])], grad=[True, True, False])
case('l1_loss_at_zero', 'F.l1_loss(a, b)', [T([1.0, 2.0, 3.0]), T([1.0, 0.0, 3.5])])
case('mse_loss_at_zero', 'F.mse_loss(a, b)', [T([1.0, 2.0]), T([1.0, 0.0])])
case('cross_entropy_neg_inf_logit', 'F.cross_entropy(a, b)', [T([[-INF, 0.0, 1.0], [0.5, -INF, 2.0]]),
                                                              torch.tensor([1, 2])])
case('layer_norm_constant', 'F.layer_norm(a, [3])', [T([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])])
case('batch_norm_constant_channel', 'F.batch_norm(a, None, None, training=True)',
     [T([[1.0, 2.0], [1.0, 5.0], [1.0, -1.0]])])

# ================================================================= autograd API
area('autograd_api')
case('second_derivative_create_graph', 'grad_then_backward((a ** 3).sum(), a)', [T([1.0, 2.0, -0.5])], go='ones',
     note='g = autograd.grad((a**3).sum(), a, create_graph=True) = 3a^2; g.backward(ones) gives 6a')
case('second_derivative_norm', 'grad_then_backward(a.norm(), a)', [T([1.0, 2.0, -2.0])])
case('second_derivative_std', 'grad_then_backward(a.std(), a)', [T([1.0, 2.0, 4.0])])
case('second_derivative_tanh_float64', 'grad_then_backward(a.tanh().sum(), a)', [rn(4, dtype=F64)])
case('backward_inputs_nonleaf', 'nonleaf_inputs_grad(a)', [T([1.0, 2.0])],
     note='backward(inputs=[z]) for a non-leaf z fills z.grad and leaves a.grad None')
case('backward_create_graph_accumulate', 'create_graph_accumulate(a)', [T([1.0, 2.0])])
case('grad_nonleaf_and_leaf', 'grad_nonleaf_and_leaf(a)', [T([1.0, 2.0])])
case('grad_two_outputs', 'grad_two_outputs(a)', [T([1.0, 2.0, 3.0])])
case('autograd_backward_list', 'autograd_backward_list(a)', [T([1.0, -2.0])])


# ================================================================= write
doc = {
    'generator': 'scripts/make_grad_fixtures.py',
    'torchVersion': torch.__version__,
    'seed': SEED,
    'cases': CASES,
    'gradFns': [],
    'errors': [],
}
text = json.dumps(doc, separators=(',', ':'), allow_nan=False)
with open(OUT_PATH, 'w') as f:
    f.write(text)
    f.write('\n')
counts = {}
for c in CASES:
    counts[c['area']] = counts.get(c['area'], 0) + 1
print(f'wrote {os.path.relpath(OUT_PATH)}: {len(CASES)} cases, {len(text) / 1e3:.0f} kB', file=sys.stderr)
for k, v in counts.items():
    print(f'  {k}: {v}', file=sys.stderr)
