#!/usr/bin/env python3
"""Generates tests/fixtures/inplace-extras.json: PyTorch 1.13's in-place linear-algebra updates
(addmm_, addmv_, addr_, addbmm_, baddbmm_), cumsum_/cumprod_, scatter_add_, fill_diagonal_,
the in-place view ops (squeeze_, unsqueeze_, t_, transpose_, swapaxes_, swapdims_), addmm and
outer as methods, index_put, sum_to_size, split_with_sizes, and geometric_ from a seed: values,
gradients of (out * W).sum() through a non-leaf self, grad_fn names, and errors.

Run: /usr/bin/python3 scripts/make_inplace_extras_fixtures.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import enc, err, ser  # noqa: E402

g = torch.Generator().manual_seed(5)
F64 = torch.float64


def r(*shape):
    return torch.randn(*shape, generator=g, dtype=F64)


def arg(v):
    if isinstance(v, torch.Tensor):
        return ser(v)
    if isinstance(v, (list, tuple)):
        return [arg(x) for x in v]
    return enc(v) if isinstance(v, float) else v


cases = []


def case(fn, self, *args, others=(), **kw):
    """self.<fn>(*args, **kw) on a copy of self; with others, the gradient flows to self (through
    a non-leaf copy, `self * 1`) and to those positional args."""
    leaf = self.clone().requires_grad_(self.is_floating_point())
    leaves = [a.clone().requires_grad_(i in others) if isinstance(a, torch.Tensor) else a for i, a in enumerate(args)]
    s = leaf * 1 if self.is_floating_point() else leaf
    out = getattr(s, fn)(*leaves, **kw)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    rec = {'fn': fn, 'self': ser(self), 'args': [arg(a) for a in args], 'kw': {k: arg(v) for k, v in kw.items()},
           'out': [ser(o) for o in outs], 'isSelf': out is s}
    if self.is_floating_point():
        total = sum((o * torch.linspace(-1, 1, o.numel(), dtype=o.dtype).reshape(o.shape)).sum() for o in outs)
        total.backward()
        rec['gradFn'] = type(outs[0].grad_fn).__name__ if outs[0].grad_fn is not None else None
        rec['gradSelf'] = ser(leaf.grad)
        rec['gradOthers'] = [ser(leaves[i].grad) for i in others]
        rec['others'] = list(others)
    cases.append(rec)


case('addmm_', r(2, 4), r(2, 3), r(3, 4), others=(0, 1))
case('addmm_', r(2, 4), r(2, 3), r(3, 4), beta=0.5, alpha=2.0, others=(0, 1))
case('addmv_', r(3), r(3, 2), r(2), others=(0, 1))
case('addr_', r(3, 2), r(3), r(2), alpha=-1.0, others=(0, 1))
case('addbmm_', r(2, 4), r(5, 2, 3), r(5, 3, 4), others=(0, 1))
case('baddbmm_', r(5, 2, 4), r(5, 2, 3), r(5, 3, 4), beta=0.0, others=(0, 1))
case('addmm', r(2, 4), r(2, 3), r(3, 4), others=(0, 1))
case('outer', r(3), r(2), others=(0,))
case('cumsum_', r(3, 4), 1)
case('cumprod_', r(3, 4), 0)
case('cumsum_', torch.tensor([1, 2, 3]), 0)
case('scatter_add_', r(3, 4), 0, torch.tensor([[0, 1, 2, 0], [2, 2, 1, 0]]), r(2, 4), others=(2,))
case('fill_diagonal_', r(3, 3), 5.0)
case('fill_diagonal_', r(3, 5), -1.0)
case('fill_diagonal_', r(7, 3), 2.0, True)
case('fill_diagonal_', r(7, 3), 2.0, False)
case('fill_diagonal_', r(2, 2, 2), 0.5)
case('fill_diagonal_', torch.zeros(4, 4, dtype=torch.int64), 7)
case('squeeze_', r(2, 1, 3))
case('squeeze_', r(2, 1, 3), 1)
case('squeeze_', r(2, 1, 3), 0)
case('unsqueeze_', r(2, 3), 1)
case('unsqueeze_', r(2, 3), -1)
case('t_', r(2, 3))
case('t_', r(4))
case('transpose_', r(2, 3, 4), 0, 2)
case('swapaxes_', r(2, 3), 0, 1)
case('swapdims_', r(2, 3, 4), -1, 1)
case('index_put', r(4), (torch.tensor([0, 2]),), torch.tensor(9.0, dtype=F64))
case('index_put', r(3, 3), (torch.tensor([0, 2]), torch.tensor([1, 1])), torch.tensor([1.0, 2.0], dtype=F64), True)
case('sum_to_size', r(2, 3, 4), 3, 1)
case('sum_to_size', r(2, 3), [1, 3])
case('split_with_sizes', r(5, 2), [2, 3])
case('split_with_sizes', r(2, 6), [1, 0, 5], 1)

torch.manual_seed(123)
geo = {'seed': 123, 'p': 0.3, 'out': ser(torch.empty(2, 500, dtype=F64).geometric_(0.3))}
torch.manual_seed(9)
geo32 = {'seed': 9, 'p': 0.05, 'out': ser(torch.empty(40).geometric_(0.05))}

errors = []


def error(key, fn):
    errors.append({'key': key, **err(fn)})


error('fill_diagonal_1d', lambda: torch.zeros(3).fill_diagonal_(1))
error('fill_diagonal_unequal', lambda: torch.zeros(2, 3, 3).fill_diagonal_(1))
error('t_leaf', lambda: torch.zeros(2, 3, requires_grad=True).t_())
error('geometric_p', lambda: torch.zeros(3).geometric_(1.5))
error('sum_to_size', lambda: torch.zeros(2, 3).sum_to_size(4))
error('addmm_int', lambda: torch.zeros(2, 2, dtype=torch.int64).cumsum_(0).addmm_(torch.zeros(2, 2), torch.zeros(2, 2)))

path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'inplace-extras.json')
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases, 'geometric': [geo, geo32], 'errors': errors}, f)
print('wrote', path, len(cases), 'cases')
