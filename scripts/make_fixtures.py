#!/usr/bin/env python3
"""Generate tests/fixtures/ops.json: reference values computed by real PyTorch.

Run with the interpreter that has torch (PyTorch 1.13 here):  /usr/bin/python3 scripts/make_fixtures.py

Every case is {name, area, expr, inputs, output, grads, gradOutput, gradFn[, note, extras]}.
A tensor is {shape, dtype, data} with data flat and row-major; nan/inf are the strings
"nan", "inf", "-inf"; bools are true/false.  float32 values are written with the shortest
decimal that round-trips through float32, float64 values with repr() (round-trips float64).

`expr` is the Python expression evaluated on the inputs (named a, b, c, d).  The TypeScript
tests hold the matching flint expression in a table keyed by case name, so a case renamed or
added here must be added there too (each test file checks that its table covers its area).

For differentiable cases the floating inputs are leaves with requires_grad, gradOutput is a
fixed random tensor of the output's shape and dtype, and grads[i] is inputs[i].grad after
out.backward(gradOutput) (null for inputs that do not require grad).
"""
import json
import math
import os
import sys

try:
    import numpy as np
    import torch
except ImportError as e:  # e.g. a pyenv python3 without torch ahead of /usr/bin/python3 on PATH
    sys.exit(f'make_fixtures.py needs PyTorch and NumPy ({e}); run it with /usr/bin/python3')

from fixture_tensors import BOOL, DTYPE_NAMES, F32, F64, I32, I64, INF, NAN, U8, away, fmt_float, q, rn, ser  # noqa: E402,F401

SEED = 0
torch.manual_seed(SEED)
torch.set_default_dtype(torch.float32)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, '..', 'tests', 'fixtures', 'ops.json')


# ---------------------------------------------------------------- input makers (all deterministic)

def pos(*shape, lo=0.5, hi=2.0, dtype=F32):
    return q(torch.rand(shape, dtype=F64) * (hi - lo) + lo).to(dtype)


def distinct(*shape, dtype=F32):
    """All elements distinct (spacing 0.25), so max/min/argmax are unique."""
    n = int(np.prod(shape)) if shape else 1
    perm = torch.randperm(n).to(F64)
    v = (perm - n / 2) * 0.25 + q(torch.rand(n, dtype=F64) * 0.1)
    return v.reshape(shape).to(dtype)


def avoid(x, points, margin=0.02):
    """Push values within `margin` of any of `points` (e.g. clamp bounds) away from them."""
    x = x.clone()
    for p in points:
        x = torch.where((x - p).abs() < margin, x + 3 * margin, x)
    return x


def ri(*shape, lo=-5, hi=6, dtype=I64):
    return torch.randint(lo, hi, shape, dtype=I64).to(dtype)


def rb(*shape):
    return torch.rand(shape) > 0.5


def T(data, dtype=F32):
    return torch.tensor(data, dtype=dtype)


def I(data):
    return torch.tensor(data, dtype=I64)


def with_ties(a, b):
    """b with about a third of its entries copied from a (comparisons see equal values)."""
    b = b.clone()
    m = torch.rand(b.shape) < 0.35
    b[m] = a.expand_as(b)[m] if a.shape != b.shape else a[m]
    return b


# helpers usable inside expressions (index assignment is a statement in Python)
def put(x, idx, v):
    y = x.clone()
    y[idx] = v
    return y


S = slice
ALL = slice(None)


# ---------------------------------------------------------------- case recording

CASES = []
NAMES = set()
AREA = ['?']


def area(name):
    AREA[0] = name


def case(name, expr, inputs, grad=True, note=None):
    """grad=True: floating inputs require grad (if the output then requires grad, gradients are
    recorded); grad=False: no gradients; grad=[bool,...]: exactly those inputs require grad."""
    if name in NAMES:
        raise ValueError(f'duplicate case {name}')
    NAMES.add(name)
    ins = []
    for i, x in enumerate(inputs):
        x = x.detach().clone()
        if isinstance(grad, (list, tuple)):
            rg = bool(grad[i])
        else:
            rg = bool(grad) and x.is_floating_point()
        if rg:
            x.requires_grad_(True)
        ins.append(x)
    entry = {'name': name, 'area': AREA[0], 'expr': expr, 'inputs': [ser(x) for x in ins]}
    env = dict(torch=torch, put=put, S=S, ALL=ALL, I=I, T=T, F32=F32, F64=F64, I64=I64)
    env.update(zip('abcd', ins))
    out = eval(expr, env)
    if not isinstance(out, torch.Tensor):
        raise TypeError(f'{name}: expression did not return a tensor')
    entry['output'] = ser(out)
    entry['gradFn'] = out.grad_fn.name() if out.grad_fn is not None else None
    if out.requires_grad:
        go = q(torch.randn(out.shape, dtype=F64)).to(out.dtype)
        out.backward(go)
        grads = []
        for i, x in enumerate(ins):
            if x.requires_grad:
                if x.grad is None:
                    raise ValueError(f'{name}: input {i} requires grad but got none')
                grads.append(ser(x.grad))
            else:
                grads.append(None)
        entry['grads'] = grads
        entry['gradOutput'] = ser(go)
    else:
        entry['grads'] = [None] * len(ins)
        entry['gradOutput'] = None
    if note:
        entry['note'] = note
    CASES.append(entry)
    return entry


# ================================================================= elementwise
area('elementwise')
case('add', 'a + b', [rn(3, 4), rn(3, 4)])
case('add_broadcast_3x1_4', 'torch.add(a, b)', [rn(3, 1), rn(4)])
case('add_broadcast_2x1x3_4x1', 'a + b', [rn(2, 1, 3), rn(4, 1)])
case('add_broadcast_0d_2x3', 'a + b', [rn(), rn(2, 3)])
case('add_scalar', 'a + 2.5', [rn(3, 4)])
case('sub', 'a - b', [rn(3, 4), rn(3, 4)])
case('sub_broadcast_2x1x3_4x1', 'torch.sub(a, b)', [rn(2, 1, 3), rn(4, 1)])
case('sub_scalar', 'a - 1.5', [rn(3, 4)])
case('rsub_scalar', '1 - a', [rn(3, 4)])
case('mul', 'a * b', [rn(3, 4), rn(3, 4)])
case('mul_broadcast_3x1_4', 'torch.mul(a, b)', [rn(3, 1), rn(4)])
case('mul_broadcast_0d_2x3', 'b * a', [rn(), rn(2, 3)])
case('mul_scalar', 'a * 3', [rn(3, 4)])
case('div', 'a / b', [rn(3, 4), away(3, 4, margin=0.5)])
case('div_broadcast_2x3_3', 'torch.div(a, b)', [rn(2, 3), away(3, margin=0.5)])
case('div_scalar', 'a / 4', [rn(3, 4)])
case('pow_tensor', 'a ** b', [pos(3, 4), rn(3, 4)])
case('pow_tensor_broadcast', 'torch.pow(a, b)', [pos(3, 1), rn(4)])
case('pow_scalar_2', 'a ** 2', [rn(3, 4)])
case('pow_scalar_3', 'a.pow(3)', [rn(3, 4)])
case('pow_scalar_half', 'a ** 0.5', [pos(3, 4)])
case('pow_scalar_neg1', 'a ** -1', [away(3, 4, margin=0.3)])
case('pow_scalar_base', 'torch.pow(2, a)', [rn(3, 4)])
case('neg', 'a.neg()', [rn(3, 4)])
case('abs', 'a.abs()', [away(3, 4)])
case('exp', 'a.exp()', [rn(3, 4)])
case('log', 'a.log()', [pos(3, 4, lo=0.1, hi=5.0)])
case('sqrt', 'a.sqrt()', [pos(3, 4, lo=0.1, hi=5.0)])
case('sin', 'a.sin()', [rn(3, 4)])
case('cos', 'a.cos()', [rn(3, 4)])
case('relu', 'a.relu()', [away(3, 4)])
case('sigmoid', 'a.sigmoid()', [rn(3, 4)])
case('tanh', 'a.tanh()', [rn(3, 4)])
case('clamp_min', 'a.clamp(min=-0.5)', [avoid(rn(3, 4), [-0.5])])
case('clamp_max', 'a.clamp(max=0.5)', [avoid(rn(3, 4), [0.5])])
case('clamp_both', 'a.clamp(-0.5, 0.5)', [avoid(rn(3, 4), [-0.5, 0.5])])
case('clamp_float64', 'a.clamp(-0.5, 0.5)', [avoid(rn(3, 4, dtype=F64), [-0.5, 0.5])])
_a, _b = rn(3, 4), rn(3, 4)
_b = avoid(_b - _a, [0.0]) + _a  # no ties: the gradient is well defined
case('maximum', 'torch.maximum(a, b)', [_a, _b])
case('minimum', 'torch.minimum(a, b)', [_a, _b])
_a, _b = rn(3, 1), rn(4)
case('maximum_broadcast_3x1_4', 'torch.maximum(a, b)', [_a, avoid(_b, _a.reshape(-1).tolist())])
case('add_float64', 'a + b', [rn(3, 4, dtype=F64), rn(4, dtype=F64)])
case('mul_float64', 'a * b', [rn(2, 3, dtype=F64), rn(2, 3, dtype=F64)])
case('div_float64', 'a / b', [rn(2, 3, dtype=F64), away(2, 3, margin=0.5, dtype=F64)])
case('exp_float64', 'a.exp()', [rn(2, 3, dtype=F64)])
case('log_float64', 'a.log()', [pos(2, 3, dtype=F64)])
case('tanh_float64', 'a.tanh()', [rn(2, 3, dtype=F64)])
case('sigmoid_float64', 'a.sigmoid()', [rn(2, 3, dtype=F64)])
case('pow_tensor_float64', 'a ** b', [pos(2, 3, dtype=F64), rn(2, 3, dtype=F64)])

# special values (no gradients)
case('exp_special', 'a.exp()', [T([NAN, INF, -INF, 0.0, 1.0])], grad=False)
case('log_special', 'a.log()', [T([0.0, -1.0, INF, 1.0, NAN])], grad=False)
case('sqrt_special', 'a.sqrt()', [T([-1.0, 0.0, INF, 4.0])], grad=False)
case('div_by_zero', 'a / b', [T([1.0, -1.0, 0.0, 2.0]), T([0.0, 0.0, 0.0, -0.0])], grad=False)
case('maximum_nan', 'torch.maximum(a, b)', [T([NAN, 1.0, 2.0]), T([0.0, NAN, 1.0])], grad=False)
case('minimum_nan', 'torch.minimum(a, b)', [T([NAN, 1.0, 2.0]), T([0.0, NAN, 1.0])], grad=False)
case('clamp_nan', 'a.clamp(-1, 1)', [T([NAN, -2.0, 0.5, 2.0])], grad=False)
case('sigmoid_extreme', 'a.sigmoid()', [T([-100.0, -20.0, 0.0, 20.0, 100.0])], grad=False)
case('tanh_extreme', 'a.tanh()', [T([-50.0, -5.0, 0.0, 5.0, 50.0])], grad=False)
case('relu_special', 'a.relu()', [T([-INF, -1.0, 0.0, 2.0, INF])], grad=False)

# in-place (on a clone, so gradients flow back to the leaves)
case('add_inplace', 'a.clone().add_(b)', [rn(3, 4), rn(3, 4)])
case('add_inplace_broadcast', 'a.clone().add_(b)', [rn(2, 3), rn(3)])
case('add_inplace_scalar', 'a.clone().add_(2)', [rn(2, 3)])
case('sub_inplace', 'a.clone().sub_(b)', [rn(3, 4), rn(3, 4)])
case('mul_inplace', 'a.clone().mul_(b)', [rn(3, 4), rn(3, 4)])
case('mul_inplace_scalar', 'a.clone().mul_(2.5)', [rn(3, 4)])
case('div_inplace', 'a.clone().div_(b)', [rn(3, 4), away(3, 4, margin=0.5)])
case('div_inplace_scalar', 'a.clone().div_(4)', [rn(3, 4)])
case('clamp_inplace', 'a.clone().clamp_(-0.5, 0.5)', [avoid(rn(3, 4), [-0.5, 0.5])])
case('add_inplace_int64', 'a.clone().add_(b)', [ri(2, 3), ri(2, 3)], grad=False)

# type promotion
case('promote_int64_add_float32', 'a + b', [ri(2, 3), rn(2, 3)], grad=False)
case('promote_int32_add_int64', 'a + b', [ri(2, 3, dtype=I32), ri(2, 3)], grad=False)
case('promote_bool_mul_float32', 'a * b', [rb(2, 3), rn(2, 3)], grad=False)
case('promote_int64_div_int64', 'a / b', [ri(2, 3), ri(2, 3, lo=1, hi=5)], grad=False,
     note='true division: int64 / int64 -> float32')
case('promote_int64_div_by_zero', 'a / b', [I([1, -1, 0]), I([0, 0, 0])], grad=False)
case('promote_float32_add_float64', 'a + b', [rn(2, 3), rn(2, 3, dtype=F64)],
     note='float32 + float64 -> float64; the float32 input gets a float32 gradient')
case('promote_float64_add_scalar', 'a + 1.5', [rn(2, 3, dtype=F64)])
case('promote_int64_add_scalar_float', 'a + 2.5', [ri(2, 3)], grad=False)
case('promote_int64_mul_scalar_int', 'a * 3', [ri(2, 3)], grad=False)
case('promote_int32_add_scalar_float', 'a + 0.5', [ri(2, 3, dtype=I32)], grad=False)
case('promote_bool_add_scalar_int', 'a + 1', [rb(2, 3)], grad=False)
case('promote_uint8_add_int64', 'a + b', [ri(2, 3, lo=0, hi=200, dtype=U8), ri(2, 3)], grad=False)
case('promote_uint8_add_scalar', 'a + 3', [ri(2, 3, lo=0, hi=200, dtype=U8)], grad=False)
case('promote_0d_float64_add_float32', 'a + b', [rn(dtype=F64), rn(2, 3)], grad=False,
     note='a 0-d tensor does not promote a dimensioned tensor of the same category: float32')
case('promote_0d_float32_add_int64', 'a + b', [rn(), ri(2, 3)], grad=False,
     note='a 0-d float tensor promotes an int tensor to the default float dtype')
case('promote_0d_int64_add_int32', 'a + b', [I(7), ri(2, 3, dtype=I32)], grad=False)
case('sub_int64', 'a - b', [ri(2, 3), ri(2, 3)], grad=False)
case('mul_int32', 'a * b', [ri(2, 3, dtype=I32), ri(2, 3, dtype=I32)], grad=False)
case('neg_int64', 'a.neg()', [ri(2, 3)], grad=False)
case('abs_int32', 'a.abs()', [ri(2, 3, dtype=I32)], grad=False)
case('pow_int64_scalar', 'a ** 2', [ri(2, 3)], grad=False)
case('exp_int64', 'a.exp()', [ri(2, 3, lo=-2, hi=3)], grad=False, note='unary float ops promote ints to float32')
case('maximum_int64', 'torch.maximum(a, b)', [ri(2, 3), ri(2, 3)], grad=False)

# comparisons -> bool
_a = rn(3, 4)
_a[0, 0] = 0.5
_a[2, 1] = 0.5
_b = with_ties(_a, rn(3, 4))
for _op in ['eq', 'ne', 'gt', 'ge', 'lt', 'le']:
    case(f'{_op}_tensor', f'a.{_op}(b)', [_a, _b], grad=False)
    case(f'{_op}_scalar', f'a.{_op}(0.5)', [_a], grad=False)
case('gt_broadcast_3x1_4', 'a.gt(b)', [rn(3, 1), rn(4)], grad=False)
case('eq_int64_float32', 'a.eq(b)', [I([1, 2, 3, 4]), T([1.0, 2.5, 3.0, -4.0])], grad=False)
case('lt_int64_scalar', 'a.lt(2)', [ri(2, 3)], grad=False)
case('eq_bool', 'a.eq(b)', [rb(2, 3), rb(2, 3)], grad=False)
case('le_float64_scalar', 'a.le(0)', [rn(2, 3, dtype=F64)], grad=False)

# where
case('where', 'torch.where(a, b, c)', [rb(3, 4), rn(3, 4), rn(3, 4)])
case('where_broadcast', 'torch.where(a, b, c)', [rb(3, 1), rn(1, 4), rn(3, 4)])
case('where_scalar', 'torch.where(a, b, 0.0)', [rb(3, 4), rn(3, 4)])
case('where_from_comparison', 'torch.where(a.gt(0), a, b)', [away(3, 4), rn(3, 4)])

# ================================================================= reductions
area('reductions')
_x = rn(3, 4, 5)
case('sum_all', 'a.sum()', [_x])
case('sum_dim', 'a.sum(1)', [_x])
case('sum_dim_neg', 'a.sum(-1)', [_x])
case('sum_dims', 'a.sum([0, 2])', [_x])
case('sum_keepdim', 'a.sum(1, keepdim=True)', [_x])
case('sum_dims_keepdim', 'a.sum([0, -1], keepdim=True)', [_x])
case('sum_options', 'a.sum(dim=2, keepdim=True)', [_x], note='flint: a.sum({dim: 2, keepdim: true})')
case('sum_float64', 'a.sum(0)', [rn(3, 4, dtype=F64)])
case('sum_int64', 'a.sum()', [ri(3, 4)], grad=False)
case('sum_int64_dim', 'a.sum(1)', [ri(3, 4)], grad=False)
case('sum_int32', 'a.sum()', [ri(3, 4, dtype=I32)], grad=False, note='integer sums are int64')
case('sum_bool', 'a.sum()', [rb(3, 4)], grad=False, note='bool sums are int64')
case('sum_bool_dim', 'a.sum(0)', [rb(3, 4)], grad=False)
case('mean_all', 'a.mean()', [_x])
case('mean_dim', 'a.mean(1)', [_x])
case('mean_dim_neg', 'a.mean(-1)', [_x])
case('mean_dims', 'a.mean([0, 2])', [_x])
case('mean_keepdim', 'a.mean(0, keepdim=True)', [_x])
case('mean_float64', 'a.mean(1)', [rn(3, 4, dtype=F64)])
_d = distinct(3, 4, 5)
case('max_all', 'a.max()', [_d])
case('max_dim_values', 'a.max(1)[0]', [_d])
case('max_dim_indices', 'a.max(1)[1]', [_d])
case('max_dim_neg_values', 'a.max(-1)[0]', [_d])
case('max_dim_keepdim_values', 'a.max(2, keepdim=True)[0]', [_d])
case('max_dim_keepdim_indices', 'a.max(2, keepdim=True)[1]', [_d])
case('min_all', 'a.min()', [_d])
case('min_dim_values', 'a.min(0)[0]', [_d])
case('min_dim_indices', 'a.min(0)[1]', [_d])
case('min_dim_keepdim_values', 'a.min(1, keepdim=True)[0]', [_d])
case('min_dim_keepdim_indices', 'a.min(1, keepdim=True)[1]', [_d])
case('max_all_float64', 'a.max()', [distinct(2, 3, dtype=F64)])
case('max_int64', 'a.max()', [ri(3, 4)], grad=False)
case('max_dim_int64_values', 'a.max(1)[0]', [ri(3, 4)], grad=False)
case('argmax_all', 'a.argmax()', [_d], grad=False)
case('argmax_dim', 'a.argmax(1)', [_d], grad=False)
case('argmax_dim_neg', 'a.argmax(-1)', [_d], grad=False)
case('argmax_keepdim', 'a.argmax(1, keepdim=True)', [_d], grad=False)
case('argmin_all', 'a.argmin()', [_d], grad=False)
case('argmin_dim', 'a.argmin(0)', [_d], grad=False)
case('argmin_keepdim', 'a.argmin(2, keepdim=True)', [_d], grad=False)
_p = torch.where(rb(3, 4), 1.0, -1.0) * pos(3, 4, lo=0.5, hi=1.5)
case('prod_all', 'a.prod()', [_p])
case('prod_dim', 'a.prod(1)', [_p])
case('prod_dim_keepdim', 'a.prod(0, keepdim=True)', [_p])
case('prod_int64', 'a.prod()', [ri(2, 3, lo=1, hi=4)], grad=False)
case('std_all', 'a.std()', [_x])
case('std_dim', 'a.std(1)', [_x])
case('std_dims', 'a.std([0, 2])', [_x])
case('std_unbiased_false', 'a.std(unbiased=False)', [_x])
case('std_dim_unbiased_false_keepdim', 'a.std(1, unbiased=False, keepdim=True)', [_x])
case('std_float64', 'a.std(0)', [rn(4, 3, dtype=F64)])
case('var_all', 'a.var()', [_x])
case('var_dim', 'a.var(1)', [_x])
case('var_dim_neg', 'a.var(-1)', [_x])
case('var_unbiased_false', 'a.var(unbiased=False)', [_x])
case('var_dim_unbiased_false_keepdim', 'a.var(2, unbiased=False, keepdim=True)', [_x])
_n = away(3, 4, 5, margin=0.05)
case('norm_all', 'a.norm()', [_n])
case('norm_p1', 'a.norm(1)', [_n])
case('norm_dim', 'a.norm(2, 1)', [_n])
case('norm_p1_dim_keepdim', 'a.norm(1, 0, True)', [_n])
case('norm_dims', 'a.norm(2, [0, 2])', [_n])
case('norm_float64', 'a.norm()', [away(3, 4, dtype=F64)])

# ================================================================= matmul
area('matmul')
case('dot_1d_1d', 'a.matmul(b)', [rn(4), rn(4)])
case('matmul_2d_1d', 'a.matmul(b)', [rn(3, 4), rn(4)])
case('matmul_1d_2d', 'a.matmul(b)', [rn(4), rn(4, 5)])
case('matmul_2d_2d', 'a.matmul(b)', [rn(3, 4), rn(4, 5)])
case('matmul_3d_3d', 'torch.matmul(a, b)', [rn(2, 3, 4), rn(2, 4, 5)])
case('matmul_broadcast_batched', 'a.matmul(b)', [rn(2, 1, 3, 4), rn(5, 4, 2)])
case('matmul_3d_2d', 'a.matmul(b)', [rn(2, 3, 4), rn(4, 5)])
case('matmul_2d_3d', 'a.matmul(b)', [rn(3, 4), rn(2, 4, 5)])
case('matmul_3d_1d', 'a.matmul(b)', [rn(2, 3, 4), rn(4)])
case('matmul_1d_3d', 'a.matmul(b)', [rn(4), rn(2, 4, 5)])
case('mm', 'a.mm(b)', [rn(3, 4), rn(4, 2)])
case('mm_free', 'torch.mm(a, b)', [rn(2, 3), rn(3, 3)])
case('bmm', 'a.bmm(b)', [rn(2, 3, 4), rn(2, 4, 5)])
case('matmul_transposed_lhs', 'a.t().matmul(b)', [rn(4, 3), rn(4, 5)])
case('matmul_transposed_rhs', 'a.matmul(b.t())', [rn(3, 4), rn(5, 4)])
case('mm_both_transposed', 'a.t().mm(b.t())', [rn(4, 3), rn(5, 4)])
case('matmul_transpose_batched', 'a.matmul(b.transpose(1, 2))', [rn(2, 3, 4), rn(2, 5, 4)])
case('t_2d', 'a.t()', [rn(3, 4)])
case('t_1d', 'a.t()', [rn(4)])
case('mm_float64', 'a.mm(b)', [rn(3, 4, dtype=F64), rn(4, 2, dtype=F64)])
case('bmm_float64', 'a.bmm(b)', [rn(2, 2, 3, dtype=F64), rn(2, 3, 2, dtype=F64)])
case('matmul_broadcast_float64', 'a.matmul(b)', [rn(2, 1, 2, 3, dtype=F64), rn(3, 3, 2, dtype=F64)])
case('dot_float64', 'a.matmul(b)', [rn(5, dtype=F64), rn(5, dtype=F64)])
case('mm_large', 'a.mm(b)', [rn(17, 33), rn(33, 9)], note='exercises blocked kernels; compare with rtol 1e-4')

# ================================================================= views / shape
area('views')
_x = rn(2, 3, 4)
case('view_flat', 'a.view(24)', [_x])
case('view_2d', 'a.view(6, 4)', [_x])
case('view_neg1', 'a.view(-1, 4)', [_x])
case('reshape', 'a.reshape(4, 6)', [_x])
case('reshape_neg1', 'a.reshape(4, -1)', [_x])
case('reshape_flat_neg1', 'a.reshape(-1)', [_x])
case('reshape_after_transpose', 'a.transpose(0, 1).reshape(-1)', [_x])
case('transpose_01', 'a.transpose(0, 1)', [_x])
case('transpose_neg', 'a.transpose(-1, 0)', [_x])
case('permute', 'a.permute(2, 0, 1)', [_x])
case('permute_array', 'a.permute([1, 2, 0])', [_x], note='flint: a.permute([1, 2, 0])')
case('t', 'a.t()', [rn(3, 4)])
case('expand', 'a.expand(3, 4)', [rn(3, 1)])
case('expand_neg1', 'a.expand(-1, 4)', [rn(3, 1)])
case('expand_new_leading', 'a.expand(2, 3, 4)', [rn(3, 1)])
case('expand_neg1_leading', 'a.expand(2, -1, -1)', [rn(1, 4)])
case('expand_0d', 'a.expand(2, 3)', [rn()])
_s = rn(1, 3, 1, 4)
case('squeeze_all', 'a.squeeze()', [_s])
case('squeeze_dim', 'a.squeeze(2)', [_s])
case('squeeze_dim_noop', 'a.squeeze(1)', [_s])
case('squeeze_dim_neg', 'a.squeeze(-2)', [_s])
case('unsqueeze_0', 'a.unsqueeze(0)', [rn(3, 4)])
case('unsqueeze_1', 'a.unsqueeze(1)', [rn(3, 4)])
case('unsqueeze_neg1', 'a.unsqueeze(-1)', [rn(3, 4)])
case('unsqueeze_neg2', 'a.unsqueeze(-2)', [rn(3, 4)])
case('flatten_default', 'a.flatten()', [_x])
case('flatten_start1', 'a.flatten(1)', [_x])
case('flatten_0_1', 'a.flatten(0, 1)', [_x])
case('flatten_neg', 'a.flatten(-2, -1)', [_x])
case('contiguous_after_transpose', 'a.transpose(0, 2).contiguous()', [_x])
case('cat_dim0', 'torch.cat([a, b], 0)', [rn(2, 3), rn(1, 3)])
case('cat_default_dim', 'torch.cat([a, b])', [rn(2, 3), rn(2, 3)])
case('cat_dim1', 'torch.cat([a, b], 1)', [rn(2, 3), rn(2, 2)])
case('cat_dim_neg', 'torch.cat([a, b], -1)', [rn(2, 3, 2), rn(2, 3, 1)])
case('cat_three', 'torch.cat([a, b, c], 0)', [rn(1, 2), rn(2, 2), rn(3, 2)])
case('cat_transposed', 'torch.cat([a.t(), b], 0)', [rn(3, 2), rn(1, 3)])
case('stack_dim0', 'torch.stack([a, b], 0)', [rn(2, 3), rn(2, 3)])
case('stack_default_dim', 'torch.stack([a, b])', [rn(3), rn(3)])
case('stack_dim1', 'torch.stack([a, b], 1)', [rn(2, 3), rn(2, 3)])
case('stack_dim_neg1', 'torch.stack([a, b, c], -1)', [rn(2, 3), rn(2, 3), rn(2, 3)])
case('clone', 'a.clone()', [_x])
case('detach', 'a.detach()', [_x], grad=False)
case('view_chain', 'a.permute(2, 0, 1).reshape(4, 6).t().unsqueeze(0).expand(2, -1, -1)', [_x])
case('int64_reshape_transpose', 'a.reshape(3, 2).t()', [ri(2, 3)], grad=False)
case('bool_unsqueeze_expand', 'a.unsqueeze(0).expand(2, 3)', [rb(3)], grad=False)

# ================================================================= indexing
area('indexing')
_x = rn(4, 5)
_y = rn(3, 4, 5)
case('index_int', 'a[1]', [_x])
case('index_neg_int', 'a[-1]', [_x])
case('slice_1_3', 'a[1:3]', [_x])
case('slice_to_2', 'a[:2]', [_x])
case('slice_step_2', 'a[::2]', [_x])
case('slice_from_1', 'a[1:]', [_x])
case('slice_neg_2', 'a[-2:]', [_x])
case('slice_all', 'a[:]', [_x])
case('slice_neg_stop', 'a[1:-1]', [_x])
case('slice_start_stop_step', 'a[1:4:2]', [_x])
case('index_none', 'a[None]', [_x])
case('index_ellipsis', 'a[...]', [_x])
case('index_tensor', 'a[b]', [_x, I([0, 2])])
case('index_tensor_dup', 'a[b]', [_x, I([0, 2, 0])], note='repeated rows: gradients accumulate')
case('index_tensor_neg', 'a[b]', [_x, I([-1, 0])])
case('index_tensor_2d', 'a[b]', [_x, I([[0, 1], [3, 2]])])
case('index_mask', 'a[b]', [_x, rb(4, 5)])
case('index_mask_rows', 'a[b]', [_x, torch.tensor([True, False, True, True])])
case('ellipsis_int', 'a[..., 0]', [_y])
case('colon_tensor', 'a[:, b]', [_x, I([0, 2])])
case('int_slice', 'a[0, 1:3]', [_x])
case('slice_slice', 'a[1:3, ::2]', [_x])
case('colon_none_int', 'a[:, None, 1]', [_x])
case('int_ellipsis_int', 'a[1, ..., 2]', [_y])
case('ellipsis_slice', 'a[..., 1:]', [_y])
case('colon_int_slice', 'a[:, 1, 2:]', [_y])
case('two_tensors', 'a[b, c]', [_x, I([0, 1, 3]), I([4, 0, 2])])
case('index_int64_input', 'a[1:, 0]', [ri(3, 4)], grad=False)
# indexPut_ (on a clone of the leaf)
case('indexput_number_pair', 'put(a, (1, 2), 5.0)', [_x], note='flint: a.clone().indexPut_([1, 2], 5)')
case('indexput_row_scalar', 'put(a, 2, -1.0)', [_x])
case('indexput_slice_scalar', 'put(a, (ALL, S(1, 3)), 0.0)', [_x], note="indexPut_([':', '1:3'], 0)")
case('indexput_mask_scalar', 'put(a, b, 0.0)', [_x, rb(4, 5)])
case('indexput_slice_tensor', 'put(a, (0, S(1, 3)), b)', [_x, rn(2)])
case('indexput_broadcast_value', 'put(a, S(1, 3), b)', [_x, rn(5)])
_m = rb(4, 5)
case('indexput_mask_tensor', 'put(a, b, c)', [_x, _m, rn(int(_m.sum()))])
case('indexput_tensor_index', 'put(a, b, c)', [_x, I([0, 2]), rn(2, 5)])
# gather / scatter / scatterAdd
_g = rn(3, 4)
case('gather_dim0', 'torch.gather(a, 0, b)', [_g, torch.randint(0, 3, (2, 4))])
case('gather_dim1', 'torch.gather(a, 1, b)', [_g, torch.randint(0, 4, (3, 2))])
case('gather_dim1_dup', 'torch.gather(a, 1, b)', [_g, I([[0, 0, 1], [3, 3, 3], [2, 1, 2]])])
_i0 = torch.stack([torch.randperm(3)[:2] for _ in range(4)], 1)  # (2, 4): distinct rows per column
_i1 = torch.stack([torch.randperm(4)[:2] for _ in range(3)], 0)  # (3, 2): distinct columns per row
case('scatter_dim0', 'a.scatter(0, b, c)', [_g, _i0, rn(2, 4)])
case('scatter_dim1', 'a.scatter(1, b, c)', [_g, _i1, rn(3, 2)])
case('scatter_add_dim0', 'a.scatter_add(0, b, c)', [_g, torch.randint(0, 3, (3, 4)), rn(3, 4)])
case('scatter_add_dim1', 'a.scatter_add(1, b, c)', [_g, I([[0, 0, 1], [3, 3, 3], [2, 1, 2]]), rn(3, 3)])
case('gather_float64', 'torch.gather(a, 1, b)', [rn(2, 3, dtype=F64), I([[2, 0], [1, 1]])])

# ================================================================= autograd (generic cases)
area('autograd')
case('tied_mul', 'a * a', [rn(3, 4)])
case('tied_add', 'a + a', [rn(3, 4)])
case('tied_mixed', 'a * a + a.exp() * a', [rn(3)])
case('nonleaf_reuse', '(lambda e: e * e + e)(a.exp())', [rn(2, 3)], note='e = a.exp(); e * e + e')
case('chain_10_ops', 'a.mul(2).add(1).sin().exp().sub(0.5).div(3).tanh().pow(2).add(1).log().sum()', [rn(2, 3)])
case('detach_blocks_path', 'a * a.detach()', [rn(3)])
case('broadcast_chain', '(a * b).sum(0)', [rn(3, 1), rn(4)])
case('shared_subexpression', '(lambda s: s.sum() * s)(a.sigmoid())', [rn(4)], note='s = a.sigmoid(); s.sum() * s')
case('chain_float64', 'a.mul(b).exp().mean(1)', [rn(2, 3, dtype=F64), rn(3, dtype=F64)])


def special(name, note, inputs, output, grads, extras=None):
    if name in NAMES:
        raise ValueError(name)
    NAMES.add(name)
    e = {'name': name, 'area': 'autograd_special', 'expr': note, 'note': note,
         'inputs': [ser(x) for x in inputs], 'output': ser(output),
         'grads': [ser(g) if g is not None else None for g in grads], 'gradOutput': None,
         'gradFn': output.grad_fn.name() if output.grad_fn is not None else None}
    if extras:
        e['extras'] = {k: ser(v) for k, v in extras.items()}
    CASES.append(e)


_x = rn(3, 4).requires_grad_()
_y = (_x * _x).sum()
_y.backward(retain_graph=True)
_y.backward()
special('accumulate_retain_graph', 'y = (a * a).sum(); y.backward(retain_graph); y.backward()  -> a.grad = 4a',
        [_x], _y, [_x.grad])
_x = rn(3).requires_grad_()
(_x * 2).sum().backward()
_o = (_x * _x).sum()
_o.backward()
special('accumulate_two_graphs', '(a * 2).sum().backward(); out = (a * a).sum(); out.backward()  -> a.grad = 2 + 2a',
        [_x], _o, [_x.grad])
_x = rn(2, 3).requires_grad_()
_h = _x * 2 + 1
_h.retain_grad()
_o = (_h * _h).sum()
_o.backward()
special('retain_grad', 'h = a * 2 + 1; h.retainGrad(); out = (h * h).sum(); out.backward()  -> extras.hGrad = h.grad',
        [_x], _o, [_x.grad], extras={'hGrad': _h.grad})

# ================================================================= creation (no gradients)
area('creation')
case('zeros', 'torch.zeros(2, 3)', [], grad=False)
case('zeros_shape_array', 'torch.zeros([2, 3])', [], grad=False)
case('zeros_int64', 'torch.zeros(2, 3, dtype=torch.int64)', [], grad=False)
case('ones', 'torch.ones(2, 3)', [], grad=False)
case('ones_float64', 'torch.ones(4, dtype=torch.float64)', [], grad=False)
case('ones_bool', 'torch.ones(3, dtype=torch.bool)', [], grad=False)
case('full_float', 'torch.full([2, 3], 7.5)', [], grad=False)
case('full_int64', 'torch.full([2, 2], 7, dtype=torch.int64)', [], grad=False)
case('full_bool', 'torch.full([2], True)', [], grad=False, note='a bool fill value infers dtype bool')
case('eye', 'torch.eye(3)', [], grad=False)
case('eye_rect', 'torch.eye(2, 4)', [], grad=False)
case('eye_int64', 'torch.eye(3, dtype=torch.int64)', [], grad=False)
case('arange_end', 'torch.arange(5)', [], grad=False, note='integer arguments -> int64')
case('arange_start_end', 'torch.arange(2, 7)', [], grad=False)
case('arange_start_end_step', 'torch.arange(1, 10, 3)', [], grad=False)
case('arange_negative_step', 'torch.arange(5, 0, -2)', [], grad=False)
case('arange_float_step', 'torch.arange(0, 1, 0.25)', [], grad=False, note='a non-integer argument -> float32')
case('arange_float_tenth', 'torch.arange(0, 1, 0.1)', [], grad=False, note='10 elements, not 11')
case('arange_float_end', 'torch.arange(0.5)', [], grad=False)
case('arange_float64', 'torch.arange(0, 2, 0.5, dtype=torch.float64)', [], grad=False)
case('linspace', 'torch.linspace(0, 1, 5)', [], grad=False)
case('linspace_negative', 'torch.linspace(-1, 1, 7)', [], grad=False)
case('linspace_float64', 'torch.linspace(0, 1, 4, dtype=torch.float64)', [], grad=False)
case('linspace_one_step', 'torch.linspace(2, 3, 1)', [], grad=False)


def seeded(seed, expr):
    return f'(torch.manual_seed({seed}), {expr})[1]'


case('rand_seed0_3x4', seeded(0, 'torch.rand(3, 4)'), [], grad=False)
case('rand_seed42_2x20', seeded(42, 'torch.rand(2, 20)'), [], grad=False)
case('rand_seed0_float64', seeded(0, 'torch.rand(4, dtype=torch.float64)'), [], grad=False)
case('randn_seed0_20', seeded(0, 'torch.randn(20)'), [], grad=False,
     note='numel >= 16: vectorised Box-Muller over blocks of 16; the tail recomputes the last 16')
case('randn_seed0_16', seeded(0, 'torch.randn(16)'), [], grad=False)
case('randn_seed0_3', seeded(0, 'torch.randn(3)'), [], grad=False,
     note='numel < 16: scalar normal_distribution<double>, which caches the second Box-Muller sample')
case('randn_seed0_3x5', seeded(0, 'torch.randn(3, 5)'), [], grad=False)
case('randn_seed0_float64_3', seeded(0, 'torch.randn(3, dtype=torch.float64)'), [], grad=False)
case('randint_seed0', seeded(0, 'torch.randint(0, 10, [5])'), [], grad=False)
case('randint_seed0_negative', seeded(0, 'torch.randint(-5, 5, [2, 3])'), [], grad=False)
case('random_sequence_seed0',
     seeded(0, 'torch.cat([torch.rand(3, 4).flatten(), torch.randn(20), torch.randn(3), torch.randn(3)])'),
     [], grad=False, note='manualSeed(0); cat([rand(3,4).flatten(), randn(20), randn(3), randn(3)])')

# ================================================================= grad_fn names
# torch_2_11 is the table flint follows; torch_1_13 is what the installed PyTorch prints.
GRAD_FN_EXPECTED = {
    'linear': 'AddmmBackward0', 'mm': 'MmBackward0', 'matmul_2d': 'MmBackward0', 'relu': 'ReluBackward0',
    'sum': 'SumBackward0', 'sum_dim': 'SumBackward1', 'mean': 'MeanBackward0', 'mean_dim': 'MeanBackward1',
    'add': 'AddBackward0', 'sub': 'SubBackward0', 'rsub': 'RsubBackward1', 'mul': 'MulBackward0',
    'div': 'DivBackward0', 'neg': 'NegBackward0', 'abs': 'AbsBackward0', 't': 'TBackward0',
    'permute': 'PermuteBackward0', 'view': 'ViewBackward0', 'reshape': 'ViewBackward0',
    'slice': 'SliceBackward0', 'select': 'SelectBackward0', 'index': 'IndexBackward0',
    'expand': 'ExpandBackward0', 'exp': 'ExpBackward0', 'log': 'LogBackward0', 'pow': 'PowBackward0',
    'sigmoid': 'SigmoidBackward0', 'tanh': 'TanhBackward0', 'max': 'MaxBackward1', 'clone': 'CloneBackward0',
    'unsqueeze': 'UnsqueezeBackward0', 'squeeze': 'SqueezeBackward1', 'cat': 'CatBackward0',
    'stack': 'StackBackward0', 'sqrt': 'SqrtBackward0', 'clamp': 'ClampBackward1', 'where': 'WhereBackward0',
}
GRAD_FN_EXPRS = {
    'linear': 'torch.nn.functional.linear(x, w.t(), bias)', 'mm': 'x.mm(w)', 'matmul_2d': 'x.matmul(w)',
    'relu': 'x.relu()', 'sum': 'x.sum()', 'sum_dim': 'x.sum(1)', 'mean': 'x.mean()', 'mean_dim': 'x.mean(0)',
    'add': 'x + y', 'sub': 'x - y', 'rsub': '1 - x', 'mul': 'x * y', 'div': 'x / y', 'neg': 'x.neg()',
    'abs': 'x.abs()', 't': 'x.t()', 'permute': 'x.permute(1, 0)', 'view': 'x.view(12)',
    'reshape': 'x.reshape(-1)', 'slice': 'x[:, 1:]', 'select': 'x[0]', 'index': 'x[[0]]',
    'expand': 'x.unsqueeze(0).expand(2, 3, 4)', 'exp': 'x.exp()', 'log': 'x.log()', 'pow': 'x ** 2',
    'sigmoid': 'x.sigmoid()', 'tanh': 'x.tanh()', 'max': 'x.max()', 'clone': 'x.clone()',
    'unsqueeze': 'x.unsqueeze(0)', 'squeeze': 'x.unsqueeze(0).squeeze(0)', 'cat': 'torch.cat([x, y])',
    'stack': 'torch.stack([x, y])', 'sqrt': 'x.sqrt()', 'clamp': 'x.clamp(0, 1)',
    'where': 'torch.where(x > 0.5, x, y)',
}
GRAD_FNS = []
for key, expr in GRAD_FN_EXPRS.items():
    env = dict(torch=torch, x=pos(3, 4).requires_grad_(), y=pos(3, 4).requires_grad_(),
               w=rn(4, 5).requires_grad_(), bias=rn(5).requires_grad_())
    got = eval(expr, env).grad_fn.name()
    GRAD_FNS.append({'key': key, 'expr': expr, 'torch_1_13': got, 'torch_2_11': GRAD_FN_EXPECTED[key]})

# ================================================================= error messages (as 1.13 words them)


def message_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return str(e)
    raise AssertionError('expected an error')


def _leaf_inplace():
    torch.ones(3, requires_grad=True).add_(1)


def _modified_saved():
    x = torch.ones(3, requires_grad=True)
    y = x.mul(1)
    z = y * y
    y.add_(1)
    z.sum().backward()


def _second_backward():
    y = torch.ones(3, requires_grad=True).exp().sum()
    y.backward()
    y.backward()


def _nonscalar_backward():
    (torch.ones(3, requires_grad=True) * 2).backward()


ERRORS = [
    {'key': 'leaf_inplace', 'message': message_of(_leaf_inplace)},
    {'key': 'modified_saved_tensor', 'message': message_of(_modified_saved)},
    {'key': 'second_backward', 'message': message_of(_second_backward)},
    {'key': 'add_shape_mismatch', 'message': message_of(lambda: torch.ones(2, 3) + torch.ones(2, 4))},
    {'key': 'mm_shape_mismatch', 'message': message_of(lambda: torch.ones(2, 3).mm(torch.ones(4, 5)))},
    {'key': 'nonscalar_backward', 'message': message_of(_nonscalar_backward)},
]

# ================================================================= write
doc = {
    'generator': 'scripts/make_fixtures.py',
    'torchVersion': torch.__version__,
    'seed': SEED,
    'cases': CASES,
    'gradFns': GRAD_FNS,
    'errors': ERRORS,
}
os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
text = json.dumps(doc, separators=(',', ':'), allow_nan=False)
with open(OUT_PATH, 'w') as f:
    f.write(text)
    f.write('\n')

counts = {}
for c in CASES:
    counts[c['area']] = counts.get(c['area'], 0) + 1
print(f'wrote {os.path.relpath(OUT_PATH)}: {len(CASES)} cases, {len(text) / 1e6:.2f} MB', file=sys.stderr)
for k, v in counts.items():
    print(f'  {k}: {v}', file=sys.stderr)
diff = [g for g in GRAD_FNS if g['torch_1_13'] != g['torch_2_11']]
for g in diff:
    print(f"  grad_fn differs for {g['key']} ({g['expr']}): 1.13 {g['torch_1_13']}, table {g['torch_2_11']}",
          file=sys.stderr)
