#!/usr/bin/env python3
"""Generate tests/fixtures/sorting.json: what PyTorch computes for the sorting, scan and
counting ops that tests/sorting.test.ts checks (sort, argsort, msort, topk, kthvalue,
median, nanmedian, mode, cumsum, cumprod, cummax, cummin, logcumsumexp, aminmax, nansum,
nanmean, count_nonzero, unique, unique_consecutive, bincount, histc, searchsorted,
bucketize).

Run with the interpreter that has torch (PyTorch 1.13 here):
    /usr/bin/python3 scripts/make_sorting_fixtures.py

Each case: its inputs, every output of the op (values, then indices, inverse or counts),
and, where the op is differentiable, the gradient of inputs[0] for a grad_output of
linspace(-1, 2) in the first output's shape and that output's grad_fn name. Inputs with
ties and NaNs check PyTorch's CPU orders; gradient inputs have distinct values, so that
the gradient does not depend on how ties are broken.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixture_tensors import NAN, ser  # noqa: E402

F64, I64 = torch.float64, torch.int64
torch.manual_seed(0)

cases = []


def case(name, fn, inputs, grad=False):
    xs = [x.clone().requires_grad_(grad and i == 0) for i, x in enumerate(inputs)]
    out = fn(*xs)
    outs = list(out) if isinstance(out, tuple) else [out]
    entry = {'name': name, 'inputs': [ser(x) for x in inputs], 'outputs': [ser(o) for o in outs],
             'grad': None, 'gradOutput': None, 'gradFn': None}
    if grad:
        g = torch.linspace(-1, 2, outs[0].numel(), dtype=outs[0].dtype).reshape(outs[0].shape)
        outs[0].backward(g)
        entry.update(grad=ser(xs[0].grad), gradOutput=ser(g), gradFn=outs[0].grad_fn.name())
    cases.append(entry)


distinct = torch.randperm(15).to(F64).reshape(3, 5) * 0.5 - 3
ties = torch.tensor([[2., 1., 2., 0., 1., 2.], [5., 5., 3., 3., 5., 1.]], dtype=F64)
nans = torch.tensor([[3., NAN, 1., NAN, 2.], [NAN, 0., 0., 4., -1.]], dtype=F64)
ints = torch.tensor([[4, -2, 7, 4, 0], [1, 1, 1, -5, 9]])
cube = torch.randn(2, 3, 4, dtype=F64)

# sort family
case('sort_last', lambda x: torch.sort(x), [distinct], grad=True)
case('sort_dim0_desc', lambda x: torch.sort(x, 0, True), [distinct], grad=True)
case('sort_cube_dim1', lambda x: torch.sort(x, 1), [cube], grad=True)
case('sort_stable_ties', lambda x: torch.sort(x, stable=True), [ties])
case('sort_stable_ties_desc', lambda x: torch.sort(x, descending=True, stable=True), [ties])
case('sort_nan', lambda x: torch.sort(x, stable=True), [nans])
case('sort_nan_desc', lambda x: torch.sort(x, descending=True, stable=True), [nans])
case('sort_int', lambda x: torch.sort(x, dim=1, stable=True), [ints])
# Ties where PyTorch's CPU algorithms decide the index: std::sort (unstable sort, mode),
# nth_element and partial_sort (topk), quick select (kthvalue), stable order (median).
levels = torch.tensor([3., 1., 2., 1., 3., 2., 1., 3.] * 5, dtype=F64)
ties7 = torch.tensor([[2., 1., 2., 0., 1., 2., 1.], [5., 5., 3., 3., 5., 1., 3.]], dtype=F64)
many = (torch.arange(300) * 7 % 5).to(F64).reshape(2, 150)
case('sort_unstable_ties', lambda x: torch.sort(x), [levels])
case('sort_unstable_ties_desc', lambda x: torch.sort(x, descending=True), [levels])
case('argsort_unstable_ties', lambda x: torch.argsort(x, 1), [many])
case('topk_ties', lambda x: torch.topk(x, 3), [ties7])
case('topk_ties_smallest', lambda x: torch.topk(x, 2, largest=False), [ties7])
case('topk_ties_partial_sort', lambda x: torch.topk(x, 2), [many])
case('topk_ties_unsorted', lambda x: torch.topk(x, 5, sorted=False), [levels])
case('kthvalue_ties', lambda x: torch.kthvalue(x, 2), [ties7])
case('kthvalue_ties_5', lambda x: torch.kthvalue(x, 5), [ties7])
case('kthvalue_ties_long', lambda x: torch.kthvalue(x, 77), [many])
case('median_ties', lambda x: torch.median(x, 1), [ties7])
case('median_ties_long', lambda x: torch.median(x, 1), [many])
case('nanmedian_ties', lambda x: torch.nanmedian(x, 1), [torch.cat([ties7, torch.full((2, 2), NAN, dtype=F64)], 1)])
case('mode_long', lambda x: torch.mode(x, 1), [many])
case('mode_levels', lambda x: torch.mode(x), [levels])
case('argsort_ties_dim0', lambda x: torch.argsort(x, dim=0, stable=True), [ties.t().contiguous()])
case('argsort_desc', lambda x: torch.argsort(x, descending=True), [distinct])
case('msort', lambda x: torch.msort(x), [distinct], grad=True)
case('topk_2', lambda x: torch.topk(x, 2), [distinct], grad=True)
case('topk_smallest_dim0', lambda x: torch.topk(x, 2, 0, False), [distinct], grad=True)
case('topk_nan', lambda x: torch.topk(x, 2), [nans])
case('kthvalue_2', lambda x: torch.kthvalue(x, 2), [distinct], grad=True)
case('kthvalue_dim1_keepdim', lambda x: torch.kthvalue(x, 2, 1, True), [cube], grad=True)
case('median_all', lambda x: torch.median(x), [distinct], grad=True)
case('median_all_ties', lambda x: torch.median(x), [ties], grad=True)
case('median_dim', lambda x: torch.median(x, 1), [distinct], grad=True)
case('median_even_keepdim', lambda x: torch.median(x, 1, True), [cube[:, :, 0].t().contiguous()], grad=True)
case('median_all_even', lambda x: torch.median(x), [distinct[:, :4]], grad=True)
case('median_nan', lambda x: torch.median(x, 1), [nans])
case('median_int', lambda x: torch.median(x, 1), [ints])
case('nanmedian_dim', lambda x: torch.nanmedian(x, 1), [nans])
case('nanmedian_all', lambda x: torch.nanmedian(x), [nans])
case('mode_ties', lambda x: torch.mode(x), [ties])
case('mode_int_dim0', lambda x: torch.mode(x, 0), [torch.tensor([[1, 2, 3], [2, 2, 3], [1, 3, 0], [2, 3, 0]])])
case('mode_grad', lambda x: torch.mode(x, 1), [torch.tensor([[1.5, 2.5, 1.5, 0.5], [3.0, 1.0, 2.0, 1.0]], dtype=F64)], grad=True)

# scans
case('cumsum_dim1', lambda x: torch.cumsum(x, 1), [distinct], grad=True)
case('cumsum_dim0_cube', lambda x: torch.cumsum(x, 0), [cube], grad=True)
case('cumsum_int', lambda x: torch.cumsum(x, 1), [ints])
case('cumsum_bool', lambda x: torch.cumsum(x, 0), [torch.tensor([True, False, True, True])])
case('cumsum_dtype', lambda x: torch.cumsum(x, 1, dtype=F64), [ints])
case('cumprod_dim1', lambda x: torch.cumprod(x, 1), [distinct], grad=True)
case('cumprod_zeros', lambda x: torch.cumprod(x, 1),
     [torch.tensor([[2., 0., 3., 4.], [0., 2., 0., 5.], [1.5, 2., -1., 3.], [3., 2., 1., 0.]], dtype=F64)], grad=True)
case('cumprod_int', lambda x: torch.cumprod(x, 1), [ints])
case('cummax_ties', lambda x: torch.cummax(x, 1), [ties])
case('cummin_ties', lambda x: torch.cummin(x, 1), [ties])
case('cummax_nan', lambda x: torch.cummax(x, 1), [nans])
case('cummin_nan', lambda x: torch.cummin(x, 1), [nans])
case('cummax_int_dim0', lambda x: torch.cummax(x, 0), [ints])
case('cummax_grad', lambda x: torch.cummax(x, 1), [distinct], grad=True)
case('cummin_grad_dim0', lambda x: torch.cummin(x, 0), [cube], grad=True)
case('logcumsumexp', lambda x: torch.logcumsumexp(x, 1), [distinct], grad=True)
case('logcumsumexp_cube', lambda x: torch.logcumsumexp(x, 2), [cube * 30], grad=True)
case('logcumsumexp_inf', lambda x: torch.logcumsumexp(x, 0),
     [torch.tensor([float('-inf'), float('-inf'), 1., float('inf'), 2.], dtype=F64)])

# counting
case('aminmax', lambda x: torch.aminmax(x), [distinct])
case('aminmax_dim', lambda x: torch.aminmax(x, dim=1, keepdim=True), [ties])
case('nansum', lambda x: torch.nansum(x), [nans], grad=True)
case('nansum_dim', lambda x: torch.nansum(x, 1), [nans], grad=True)
case('nansum_int', lambda x: torch.nansum(x, 0), [ints])
case('nanmean', lambda x: torch.nanmean(x), [nans], grad=True)
case('nanmean_dim', lambda x: torch.nanmean(x, 0, True), [nans], grad=True)
case('count_nonzero', lambda x: torch.count_nonzero(x), [ints])
case('count_nonzero_dim', lambda x: torch.count_nonzero(x, 1), [ties - 1])
case('count_nonzero_dims', lambda x: torch.count_nonzero(x, (0, 2)), [(cube > 0).to(F64)])
case('unique', lambda x: torch.unique(x, return_inverse=True, return_counts=True), [ties])
case('unique_int', lambda x: torch.unique(x), [ints])
case('unique_dim0', lambda x: torch.unique(x, dim=0, return_inverse=True, return_counts=True),
     [torch.tensor([[1, 2], [0, 5], [1, 2], [0, 3], [1, 1]])])
case('unique_dim1', lambda x: torch.unique(x, dim=1, return_inverse=True, return_counts=True),
     [torch.tensor([[1, 0, 1, 0], [2, 5, 2, 3]])])
case('unique_consecutive', lambda x: torch.unique_consecutive(x, return_inverse=True, return_counts=True),
     [torch.tensor([[1, 1, 2], [2, 3, 1]])])
case('unique_consecutive_dim0', lambda x: torch.unique_consecutive(x, return_counts=True, dim=0),
     [torch.tensor([[1, 2], [1, 2], [0, 3], [1, 2]])])
case('bincount', lambda x: torch.bincount(x), [torch.tensor([0, 3, 3, 1, 3])])
case('bincount_weights', lambda x, w: torch.bincount(x, w, 6),
     [torch.tensor([0, 3, 3, 1, 3]), torch.tensor([0.5, 1., 2., 4., 8.], dtype=torch.float32)])
case('bincount_int_weights', lambda x, w: torch.bincount(x, w), [torch.tensor([2, 0, 2]), torch.tensor([1, 2, 3])])
case('histc', lambda x: torch.histc(x, 4, 0, 3), [torch.tensor([1., 2., 1., 3., -1., 0., 2.5])])
case('histc_auto', lambda x: torch.histc(x, 5), [distinct])
bounds = torch.tensor([1., 3., 3., 5., 7.], dtype=F64)
vals = torch.tensor([[0., 3., 6.], [7., 8., 1.]], dtype=F64)
case('searchsorted_left', lambda b, v: torch.searchsorted(b, v), [bounds, vals])
case('searchsorted_right', lambda b, v: torch.searchsorted(b, v, right=True), [bounds, vals])
case('searchsorted_side_int32', lambda b, v: torch.searchsorted(b, v, side='right', out_int32=True), [bounds, vals])
case('searchsorted_sorter', lambda b, v, s: torch.searchsorted(b, v, sorter=s),
     [torch.tensor([5., 1., 7., 3.], dtype=F64), torch.tensor([2., 5., 9.], dtype=F64), torch.tensor([1, 3, 0, 2])])
case('searchsorted_2d', lambda b, v: torch.searchsorted(b, v),
     [torch.tensor([[1., 2., 3.], [2., 4., 6.]], dtype=F64), torch.tensor([[2.5, 0.], [4., 7.]], dtype=F64)])
case('searchsorted_nan_values', lambda b, v: torch.searchsorted(b, v), [bounds, torch.tensor([NAN, 3., -1.], dtype=F64)])
case('searchsorted_mixed_dtypes', lambda b, v: torch.searchsorted(b, v), [torch.tensor([1, 3, 5]), torch.tensor([2.5, 3., 5.5])])
case('searchsorted_many', lambda b, v: torch.searchsorted(b, v, right=True),
     [torch.sort(torch.randint(0, 50, (200,))).values, torch.randint(-5, 55, (3, 40))])
case('searchsorted_2d_sorter', lambda b, v, s: torch.searchsorted(b, v, side='right', sorter=s),
     [torch.tensor([[4., 1., 2.], [9., 7., 8.]], dtype=F64), torch.tensor([[2., 4., 0.5], [8., 9., 10.]], dtype=F64),
      torch.tensor([[1, 2, 0], [1, 2, 0]])])
case('bucketize', lambda x, b: torch.bucketize(x, b), [vals, bounds])
case('bucketize_right', lambda x, b: torch.bucketize(x, b, right=True), [vals, bounds])

fixture = {'torch': torch.__version__, 'cases': cases}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'sorting.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {path} ({len(cases)} cases)')
