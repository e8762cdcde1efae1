#!/usr/bin/env python3
"""Generate tests/fixtures/shape.json: what PyTorch 1.13 computes for the shape, indexing and
structured-creation ops that tests/shape-ops.test.ts checks.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_shape_fixtures.py

Each case names its inputs (float64 inputs require grad), the outputs (a list, one entry for
a single tensor), each output's grad_fn name, and each input's gradient after backward of
sum_i (out_i * w_i).sum(), with w_i = (i + 1) * linspace(-1, 2, out_i.numel()) in out_i's
shape. tests/shape-ops.test.ts holds the same expressions in TypeScript, by case name.
"""
import json
import os
import warnings

import torch

warnings.filterwarnings('ignore')
F64, I64, BOOL = torch.float64, torch.int64, torch.bool


def values(t):
    t = t.detach().contiguous().reshape(-1)
    if t.dtype == BOOL:
        return [bool(v) for v in t.tolist()]
    if t.dtype.is_floating_point:
        return [round(v, 15) for v in t.tolist()]
    return [int(v) for v in t.tolist()]


def ser(t):
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''), 'data': values(t)}


def a(*shape):
    """Distinct, deterministic float64 values that require grad."""
    n = 1
    for s in shape:
        n *= s
    return (torch.arange(n, dtype=F64) * 0.37 - 1.1).sin().reshape(shape).requires_grad_(True)


def zeroed(t, positions):
    t = t.detach().clone()
    t.view(-1)[positions] = 0
    return t.requires_grad_(True)


def long(data):
    return torch.tensor(data, dtype=I64)


def mask(data):
    return torch.tensor(data, dtype=BOOL)


CASES = [
    ('split_int', [a(4, 6)], lambda x: x.split(4, 1)),
    ('split_sizes', [a(4, 6)], lambda x: x.split([1, 2, 3], 1)),
    ('split_empty_piece', [a(4, 6)], lambda x: torch.split(x, [0, 6], 1)),
    ('chunk', [a(4, 6)], lambda x: torch.chunk(x, 4, 1)),
    ('chunk_uneven', [a(5, 3)], lambda x: x.chunk(2, 0)),
    ('unbind', [a(2, 3, 2)], lambda x: x.unbind(1)),
    ('tensor_split_sections', [a(4, 6)], lambda x: torch.tensor_split(x, 4, 1)),
    ('tensor_split_indices', [a(4, 6)], lambda x: torch.tensor_split(x, [1, 4, 10], 1)),
    ('tensor_split_tensor', [a(4, 6)], lambda x: torch.tensor_split(x, long([2, -1]), 0)),
    ('tensor_split_tensor_sections', [a(7)], lambda x: x.tensor_split(long(3))),
    ('repeat', [a(2, 3)], lambda x: x.repeat(2, 1, 2)),
    ('tile', [a(2, 3)], lambda x: x.tile((2,))),
    ('tile_more', [a(3)], lambda x: torch.tile(x, (2, 2))),
    ('repeat_interleave_int', [a(3, 2)], lambda x: x.repeat_interleave(2, dim=0)),
    ('repeat_interleave_tensor', [a(4, 2)], lambda x: torch.repeat_interleave(x, long([1, 0, 2, 1]), dim=0)),
    ('repeat_interleave_flat', [a(2, 3)], lambda x: x.repeat_interleave(2)),
    ('repeat_interleave_dim1', [a(2, 3)], lambda x: x.repeat_interleave(long([2]), dim=1, output_size=6)),
    ('flip', [a(2, 3, 4)], lambda x: x.flip([0, 2])),
    ('fliplr', [a(3, 4)], lambda x: torch.fliplr(x)),
    ('flipud', [a(3, 4)], lambda x: x.flipud()),
    ('roll_flat', [a(3, 4)], lambda x: x.roll(5)),
    ('roll_dims', [a(3, 4)], lambda x: torch.roll(x, [1, -2], [0, 1])),
    ('roll_big', [a(3, 4)], lambda x: x.roll(9, 1)),
    ('rot90_1', [a(2, 3, 4)], lambda x: x.rot90(1, [1, 2])),
    ('rot90_2', [a(3, 4)], lambda x: torch.rot90(x, 2)),
    ('rot90_3', [a(3, 4)], lambda x: torch.rot90(x, 3)),
    ('rot90_neg', [a(3, 4)], lambda x: torch.rot90(x, -1, [1, 0])),
    ('movedim', [a(2, 3, 4)], lambda x: x.movedim([0, 1], [2, 0])),
    ('moveaxis', [a(2, 3, 4)], lambda x: torch.moveaxis(x, 0, -1)),
    ('swapaxes', [a(2, 3, 4)], lambda x: x.swapaxes(0, 2)),
    ('swapdims', [a(2, 3, 4)], lambda x: torch.swapdims(x, 1, -1)),
    ('unfold', [a(4, 6)], lambda x: x.unfold(1, 3, 2)),
    ('unfold_overlap', [a(4, 6)], lambda x: x.unfold(1, 3, 1)),
    ('unfold_gap', [a(5, 2)], lambda x: x.unfold(0, 2, 3)),
    ('hstack', [a(2, 3), a(2, 1)], lambda x, y: torch.hstack([x, y])),
    ('hstack_1d', [a(3), a(2)], lambda x, y: torch.hstack([x, y])),
    ('vstack', [a(3), a(2, 3)], lambda x, y: torch.vstack([x, y])),
    ('dstack', [a(3), a(1, 3)], lambda x, y: torch.dstack([x, y])),
    ('column_stack', [a(3), a(3, 2)], lambda x, y: torch.column_stack([x, y])),
    ('take', [a(3, 4)], lambda x: x.take(long([[0, 5], [-1, 0]]))),
    ('take_along_dim', [a(3, 4)], lambda x: torch.take_along_dim(x, long([[0], [3], [1]]), 1)),
    ('take_along_dim_broadcast', [a(3, 4)], lambda x: torch.take_along_dim(x, long([[2], [0]]), 0)),
    ('take_along_dim_flat', [a(3, 4)], lambda x: x.take_along_dim(long([11, 0, 4]))),
    ('masked_fill', [a(3, 4)], lambda x: x.masked_fill(mask([[True, False, False, True]]), 0.5)),
    ('masked_fill_tensor', [a(3, 4), a(1).sum().detach().requires_grad_(True)],
     lambda x, v: torch.masked_fill(x, mask([[True], [False], [True]]), v)),
    ('masked_fill_', [a(3, 4)], lambda x: x.clone().masked_fill_(mask([False, True, True, False]), -2.0)),
    ('masked_scatter', [a(3, 4), a(10)],
     lambda x, s: x.masked_scatter(mask([[True, False, True, True], [False, False, False, True], [True, True, False, False]]), s)),
    ('masked_scatter_broadcast', [a(2, 3), a(2, 4)], lambda x, s: torch.masked_scatter(x, mask([False, True, True]), s)),
    ('masked_scatter_', [a(2, 3), a(7)], lambda x, s: x.clone().masked_scatter_(mask([[True, False, True], [True, True, False]]), s)),
    ('index_add', [a(4, 3), a(3, 3)], lambda x, s: x.index_add(0, long([2, 0, 2]), s, alpha=1.5)),
    ('index_add_dim1', [a(2, 4), a(2, 2)], lambda x, s: torch.index_add(x, 1, long([3, 1]), s)),
    ('index_add_', [a(4, 3), a(2, 3)], lambda x, s: x.clone().index_add_(0, long([1, 3]), s, alpha=-2)),
    ('index_fill', [a(3, 4)], lambda x: x.index_fill(1, long([0, 2]), -1.0)),
    ('index_fill_tensor', [a(3, 4), a(1).sum().detach().requires_grad_(True)], lambda x, v: x.index_fill(0, long([1]), v)),
    ('index_fill_', [a(3, 4)], lambda x: x.clone().index_fill_(1, long([3]), 7.0)),
    ('index_copy', [a(4, 3), a(2, 3)], lambda x, s: x.index_copy(0, long([3, 0]), s)),
    ('index_copy_', [a(3, 4), a(3, 2)], lambda x, s: x.clone().index_copy_(1, long([1, 2]), s)),
    ('tril', [a(2, 3, 4)], lambda x: x.tril()),
    ('tril_neg', [a(3, 4)], lambda x: torch.tril(x, -1)),
    ('triu', [a(3, 4)], lambda x: x.triu(2)),
    ('tril_', [a(3, 4)], lambda x: x.clone().tril_(1)),
    ('triu_', [a(4, 3)], lambda x: x.clone().triu_(-1)),
    ('diag_1d', [a(3)], lambda x: torch.diag(x, 1)),
    ('diag_1d_neg', [a(2)], lambda x: x.diag(-2)),
    ('diag_2d', [a(3, 4)], lambda x: torch.diag(x, -1)),
    ('diag_2d_pos', [a(3, 4)], lambda x: x.diag(2)),
    ('diag_embed', [a(2, 3)], lambda x: torch.diag_embed(x)),
    ('diag_embed_dims', [a(2, 3)], lambda x: torch.diag_embed(x, 1, 0, 2)),
    ('diagonal', [a(3, 4)], lambda x: x.diagonal()),
    ('diagonal_dims', [a(2, 3, 4)], lambda x: torch.diagonal(x, -1, 1, 2)),
    ('diagonal_pos', [a(2, 3, 4)], lambda x: x.diagonal(2, 2, 0)),
    ('meshgrid_ij', [a(2), a(3), a(1)], lambda x, y, z: torch.meshgrid(x, y, z, indexing='ij')),
    ('meshgrid_xy', [a(2), a(3), a(4)], lambda x, y, z: torch.meshgrid([x, y, z], indexing='xy')),
    ('scatter_reduce_sum', [a(3, 4), a(2, 4)], lambda x, s: x.scatter_reduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'sum')),
    ('scatter_reduce_sum_excl', [a(3, 4), a(2, 4)], lambda x, s: x.scatter_reduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'sum', include_self=False)),
    ('scatter_reduce_prod', [a(3, 4), a(2, 4)], lambda x, s: x.scatter_reduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'prod')),
    ('scatter_reduce_prod_zeros', [zeroed(a(3, 4), [1, 6]), zeroed(a(2, 4), [0, 4])],
     lambda x, s: x.scatter_reduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'prod')),
    ('scatter_reduce_prod_excl', [a(3, 4), a(2, 4)], lambda x, s: torch.scatter_reduce(x, 0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'prod', include_self=False)),
    ('scatter_reduce_mean', [a(3, 4), a(2, 4)], lambda x, s: x.scatter_reduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'mean')),
    ('scatter_reduce_mean_excl', [a(3, 4), a(2, 4)], lambda x, s: x.scatter_reduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'mean', include_self=False)),
    ('scatter_reduce_amax', [a(3, 4), a(2, 4)], lambda x, s: x.scatter_reduce(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'amax')),
    ('scatter_reduce_amax_ties', [torch.ones(2, 3, dtype=F64, requires_grad=True), torch.ones(2, 2, dtype=F64, requires_grad=True)],
     lambda x, s: x.scatter_reduce(1, long([[0, 0], [2, 1]]), s, 'amax')),
    ('scatter_reduce_amin_excl', [a(3, 4), a(2, 4)], lambda x, s: x.scatter_reduce(1, long([[3, 3, 0, 1], [2, 2, 2, 2]]), s, 'amin', include_self=False)),
    ('scatter_reduce_', [a(3, 4), a(2, 4)], lambda x, s: x.clone().scatter_reduce_(0, long([[0, 2, 0, 1], [0, 0, 2, 2]]), s, 'amin')),
    ('index_list', [a(3, 4)], lambda x: x[[0, 2], [1, 3]]),
    ('index_list_bool', [a(3, 4)], lambda x: x[[True, False, True]]),
    ('index_list_nested', [a(3, 4)], lambda x: x[:, [[0, 1], [3, 3]]]),
]


def run_case(name, inputs, fn):
    out = fn(*inputs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    loss = 0
    for i, o in enumerate(outs):
        if o.requires_grad:
            w = (i + 1) * torch.linspace(-1, 2, o.numel(), dtype=o.dtype).reshape(o.shape)
            loss = loss + (o * w).sum()
    if torch.is_tensor(loss):
        loss.backward()
    return {
        'inputs': [ser(x) for x in inputs],
        'outputs': [ser(o) for o in outs],
        'gradFns': [o.grad_fn.name() if o.grad_fn is not None else None for o in outs],
        'grads': [ser(x.grad) if x.grad is not None else None for x in inputs],
    }


def creation():
    x = torch.zeros(2, dtype=F64)
    i = torch.tensor([1, 2])
    return {
        'logspace': ser(torch.logspace(0, 2, 5)),
        'logspace_base2': ser(torch.logspace(-1, 3, 4, base=2, dtype=F64)),
        'logspace_one': ser(torch.logspace(1.5, 9, 1, dtype=F64)),
        'new_full_int': ser(i.new_full((2, 2), 1.5)),
        'new_tensor_int': ser(i.new_tensor([1.5, -2.7])),
        'new_ones_f64': ser(x.new_ones(3)),
        'new_zeros_int': ser(i.new_zeros((2, 1))),
        'scatter_add': ser(torch.zeros(3, 2).scatter(0, long([[0, 1], [0, 2]]), torch.tensor([[1.0, 2.0], [3.0, 4.0]]), reduce='add')),
        'scatter_multiply': ser(torch.full((3, 2), 2.0).scatter(0, long([[0, 1], [0, 2]]), 3.0, reduce='multiply')),
        'scatter_reduce_int_mean': ser(torch.tensor([1, 2, 3]).scatter_reduce(0, long([0, 0, 2, 2]), torch.tensor([4, 5, 6, 8]), 'mean')),
        'scatter_reduce_int_amax_excl': ser(torch.tensor([1, 2, 3]).scatter_reduce(0, long([0, 0]), torch.tensor([-4, -5]), 'amax', include_self=False)),
        'element_size': [torch.zeros(1, dtype=d).element_size() for d in (torch.float32, F64, torch.float16, I64, torch.int32, torch.uint8, BOOL)],
    }


fixture = {'torch': torch.__version__, 'cases': {name: run_case(name, inputs, fn) for name, inputs, fn in CASES}, 'creation': creation()}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'shape.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {path}')
