#!/usr/bin/env python3
"""Generates tests/fixtures/torch-names.json: PyTorch 1.13's torch-level names that forward to
torch.nn.functional (dropout family, batch/layer/group/instance norm and their native_* forms,
embedding, embedding_bag, the int-reduction losses, convolution, conv_tbc, constant_pad_nd, the
grid samplers, affine_grid_generator, rrelu, frobenius/nuclear norm, norm_except_dim), the
*_copy view ops and the unsafe splits, fill, range, frombuffer, asarray's aliasing rules, the
global switches, and their errors. Each case records its inputs, outputs (with strides), the
grad_fn name and the gradients of sum(out * linspace(-1, 1)) over the outputs that require grad.

Run: /usr/bin/python3 scripts/make_torch_names_fixtures.py
"""
import json
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import enc, err, ser  # noqa: E402

warnings.simplefilter('ignore')
g = torch.Generator().manual_seed(13)
F64 = torch.float64
F32 = torch.float32


def r(*shape, dtype=F64):
    return torch.randn(*shape, generator=g, dtype=dtype)


def u(*shape, dtype=F64):
    return torch.rand(*shape, generator=g, dtype=dtype)


cases = []


def case(name, fn, inputs, grad=(), seed=None):
    """fn(*inputs) with inputs[i] a leaf requiring grad for i in grad; with seed, the global
    generator is seeded just before the call."""
    leaves = [x.clone().requires_grad_(i in grad) if isinstance(x, torch.Tensor) else x for i, x in enumerate(inputs)]
    if seed is not None:
        torch.manual_seed(seed)
    out = fn(*leaves)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    rec = {
        'name': name,
        'inputs': [ser(x) if isinstance(x, torch.Tensor) else x for x in inputs],
        'grad': list(grad),
        'seed': seed,
        'outs': [ser(o) for o in outs],
        'strides': [list(o.stride()) for o in outs],
        'isInput': [any(o is x for x in leaves) for o in outs],
        'gradFn': outs[0].grad_fn.name() if outs[0].grad_fn is not None else None,
    }
    diff = [o for o in outs if o.requires_grad and o.grad_fn is not None and o.dtype.is_floating_point]
    if grad and diff:
        total = sum((o * torch.linspace(-1, 1, o.numel(), dtype=o.dtype).reshape(o.shape)).sum() for o in diff)
        total.backward()
        rec['grads'] = [ser(leaves[i].grad) if leaves[i].grad is not None else None for i in grad]
    cases.append(rec)


# ---- dropout family (seeded: flint draws PyTorch's stream) ----------------------------------
x45 = r(4, 5, dtype=F32)
case('dropout_eval', lambda x: torch.dropout(x, 0.5, False), [x45])
case('dropout_train', lambda x: torch.dropout(x, 0.3, True), [x45], grad=(0,), seed=1)
case('dropout_inplace', lambda x: torch.dropout_(x * 1, 0.3, True), [x45], grad=(0,), seed=2)
case('alpha_dropout_inplace', lambda x: torch.alpha_dropout_(x * 1, 0.2, True), [x45], grad=(0,), seed=3)
x234 = r(2, 3, 4, dtype=F32)
case('feature_dropout', lambda x: torch.feature_dropout(x, 0.5, True), [x234], grad=(0,), seed=4)
case('feature_dropout_inplace', lambda x: torch.feature_dropout_(x * 1, 0.5, True), [x234], grad=(0,), seed=5)
case('feature_dropout_p1', lambda x: torch.feature_dropout(x, 1.0, True), [x234], grad=(0,))
case('feature_alpha_dropout_inplace', lambda x: torch.feature_alpha_dropout_(x * 1, 0.25, True), [x234], grad=(0,), seed=6)
case('native_dropout_train', lambda x: torch.native_dropout(x, 0.3, True), [x45], grad=(0,), seed=7)
case('native_dropout_eval', lambda x: torch.native_dropout(x, 0.3, False), [x45], grad=(0,))
case('native_dropout_none', lambda x: torch.native_dropout(x, 0.4, None), [x45], grad=(0,), seed=8)
case('native_dropout_p1', lambda x: torch.native_dropout(x, 1.0, True), [x45], grad=(0,), seed=9)
case('rrelu_eval', lambda x: torch.rrelu(x, 0.1, 0.3, False), [r(3, 4)], grad=(0,))
case('rrelu_train', lambda x: torch.rrelu(x, 0.1, 0.3, True), [r(3, 4)], grad=(0,), seed=10)
case('rrelu_default', lambda x: torch.rrelu(x), [r(3, 4)], grad=(0,))
case('rrelu_inplace', lambda x: torch.rrelu_(x * 1, 0.2, 0.4, True), [r(3, 4)], grad=(0,), seed=11)

# ---- normalizations ------------------------------------------------------------------------
xb = r(4, 3, 5)
case('batch_norm_train', lambda x, w, b, rm, rv: (torch.batch_norm(x, w, b, rm, rv, True, 0.2, 1e-5, True), rm, rv),
     [xb, r(3), r(3), r(3), u(3) + 0.5], grad=(0, 1, 2))
case('batch_norm_eval', lambda x, w, b, rm, rv: torch.batch_norm(x, w, b, rm, rv, False, 0.1, 1e-3, False),
     [xb, r(3), r(3), r(3), u(3) + 0.5], grad=(0, 1, 2))
case('batch_norm_no_stats', lambda x: torch.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False), [xb], grad=(0,))
case('native_batch_norm_train', lambda x, w, b, rm, rv: (*torch.native_batch_norm(x, w, b, rm, rv, True, 0.1, 1e-5), rm, rv),
     [xb, r(3), r(3), r(3), u(3) + 0.5], grad=(0, 1, 2))
case('native_batch_norm_eval', lambda x, rm, rv: torch.native_batch_norm(x, None, None, rm, rv, False, 0.1, 1e-5),
     [xb, r(3), u(3) + 0.5], grad=(0,))
case('native_batch_norm_f32', lambda x: torch.native_batch_norm(x, None, None, None, None, True, 0.1, 1e-5), [r(4, 3, 5, dtype=F32)], grad=(0,))
xl = r(2, 3, 4)
case('layer_norm_affine', lambda x, w, b: torch.layer_norm(x, [4], w, b, 1e-5, True), [xl, r(4), r(4)], grad=(0, 1, 2))
case('layer_norm_default', lambda x: torch.layer_norm(x, [3, 4]), [xl], grad=(0,))
case('native_layer_norm', lambda x, w, b: torch.native_layer_norm(x, [4], w, b, 1e-5), [xl, r(4), r(4)], grad=(0, 1, 2))
case('native_layer_norm_f32', lambda x: torch.native_layer_norm(x, [3, 4], None, None, 1e-3), [r(2, 3, 4, dtype=F32)], grad=(0,))
xg = r(2, 6, 5)
case('group_norm', lambda x, w, b: torch.group_norm(x, 3, w, b, 1e-5, True), [xg, r(6), r(6)], grad=(0, 1, 2))
case('group_norm_default', lambda x: torch.group_norm(x, 2), [xg], grad=(0,))
case('native_group_norm', lambda x, w, b: torch.native_group_norm(x, w, b, 2, 6, 5, 3, 1e-5), [xg, r(6), r(6)], grad=(0, 1, 2))
case('instance_norm_stats', lambda x, rm, rv: (torch.instance_norm(x, None, None, rm, rv, True, 0.1, 1e-5, False), rm, rv),
     [r(2, 3, 6), r(3), u(3) + 0.5], grad=(0,))
case('instance_norm_eval', lambda x, w, b, rm, rv: torch.instance_norm(x, w, b, rm, rv, False, 0.1, 1e-5, False),
     [r(2, 3, 6), r(3), r(3), r(3), u(3) + 0.5], grad=(0, 1, 2))

# ---- norms -----------------------------------------------------------------------------------
xn = r(2, 3, 4)
case('frobenius_norm', lambda x: torch.frobenius_norm(x), [xn], grad=(0,))
case('frobenius_norm_dim1', lambda x: torch.frobenius_norm(x, [1]), [xn], grad=(0,))
case('frobenius_norm_dim2', lambda x: torch.frobenius_norm(x, [2, 0], True), [xn], grad=(0,))
case('nuclear_norm', lambda x: torch.nuclear_norm(x), [r(3, 4)], grad=(0,))
case('nuclear_norm_keepdim', lambda x: torch.nuclear_norm(x, True), [r(4, 3)], grad=(0,))
case('nuclear_norm_dim', lambda x: torch.nuclear_norm(x, [2, 1]), [xn], grad=(0,))
case('norm_except_dim0', lambda x: torch.norm_except_dim(x, 2, 0), [xn], grad=(0,))
case('norm_except_dim1', lambda x: torch.norm_except_dim(x, 3, 1), [xn], grad=(0,))
case('norm_except_dim_last', lambda x: torch.norm_except_dim(x, 2, 2), [xn], grad=(0,))
case('norm_except_dim_all', lambda x: torch.norm_except_dim(x, 2, -1), [xn], grad=(0,))

# ---- embeddings ------------------------------------------------------------------------------
w53 = r(5, 3)
ids = torch.tensor([[0, 1], [1, 4]])
case('embedding', lambda w, i: torch.embedding(w, i), [w53, ids], grad=(0,))
case('embedding_padding_freq', lambda w, i: torch.embedding(w, i, 1, True), [w53, ids], grad=(0,))
case('embedding_padding_outside', lambda w, i: torch.embedding(w, i, 5), [w53, ids], grad=(0,))
case('embedding_renorm', lambda w, i: torch.embedding_renorm_(w, i, 1.0, 2.0), [r(5, 3) * 2, torch.tensor([0, 2, 2, 4])])
case('embedding_renorm_p1', lambda w, i: torch.embedding_renorm_(w, i, 0.5, 1.0), [r(5, 3) * 2, torch.tensor([1, 3])])
w10 = r(10, 3)
bag_ids = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])
case('embedding_bag_sum', lambda w, i, o: torch.embedding_bag(w, i, o), [w10, bag_ids, torch.tensor([0, 4])], grad=(0,))
case('embedding_bag_mean', lambda w, i, o: torch.embedding_bag(w, i, o, False, 1), [w10, bag_ids, torch.tensor([0, 3, 3])], grad=(0,))
case('embedding_bag_max', lambda w, i, o: torch.embedding_bag(w, i, o, False, 2), [w10, bag_ids, torch.tensor([0, 4, 4])], grad=(0,))
case('embedding_bag_sum_pad', lambda w, i, o: torch.embedding_bag(w, i, o, False, 0, False, None, False, 2), [w10, bag_ids, torch.tensor([0, 4])], grad=(0,))
case('embedding_bag_mean_pad', lambda w, i, o: torch.embedding_bag(w, i, o, False, 1, False, None, False, 4), [w10, bag_ids, torch.tensor([0, 4])], grad=(0,))
case('embedding_bag_max_last', lambda w, i, o: torch.embedding_bag(w, i, o, False, 2, False, None, True), [w10, bag_ids, torch.tensor([0, 4, 8])], grad=(0,))
case('embedding_bag_psw', lambda w, i, o, p: torch.embedding_bag(w, i, o, False, 0, False, p), [w10, bag_ids, torch.tensor([0, 4]), r(8)], grad=(0, 3))
case('embedding_bag_sum_f32', lambda w, i, o: torch.embedding_bag(w, i, o), [r(10, 3, dtype=F32), bag_ids, torch.tensor([0, 4])], grad=(0,))
case('embedding_bag_psw_f32', lambda w, i, o, p: torch.embedding_bag(w, i, o, False, 0, False, p), [r(10, 3, dtype=F32), bag_ids, torch.tensor([0, 4]), r(8, dtype=F32)], grad=(0, 3))
# No scale_grad_by_freq case: PyTorch 1.13's CPU embedding_bag backward divides some rows by
# another index's count there, which flint does not copy (see tests/nn-more.test.ts).

# ---- F's neighbours with F's signature -----------------------------------------------------
case('bilinear', lambda a, b, w, c: torch.bilinear(a, b, w, c), [r(3, 2), r(3, 4), r(5, 2, 4), r(5)], grad=(0, 1, 2, 3))
case('cosine_similarity', lambda a, b: torch.cosine_similarity(a, b, 0, 1e-6), [r(3, 4), r(3, 4)], grad=(0, 1))
case('pairwise_distance', lambda a, b: torch.pairwise_distance(a, b, 1.5, 1e-4, True), [r(3, 4), r(3, 4)], grad=(0, 1))

# ---- losses with the int reduction (left out: 0, as PyTorch's binding reads it) -------------
li, lt = r(3, 4), u(3, 4)
case('kl_div_default', lambda a, b: torch.kl_div(a, b), [li, lt], grad=(0, 1))
case('kl_div_mean', lambda a, b: torch.kl_div(a, b, 1), [li, lt], grad=(0, 1))
case('kl_div_sum_log_target', lambda a, b: torch.kl_div(a, b, 2, log_target=True), [li, r(3, 4)], grad=(0, 1))
case('kl_div_other', lambda a, b: torch.kl_div(a, b, 5), [li, lt], grad=(0,))
tgt = torch.tensor([1.0, -1.0, 1.0], dtype=F64)
case('cosine_embedding_loss', lambda a, b, t: torch.cosine_embedding_loss(a, b, t, 0.2, 1), [r(3, 4), r(3, 4), tgt], grad=(0, 1))
case('cosine_embedding_loss_default', lambda a, b, t: torch.cosine_embedding_loss(a, b, t), [r(3, 4), r(3, 4), tgt], grad=(0, 1))
case('hinge_embedding_loss', lambda a, t: torch.hinge_embedding_loss(a, t, 0.5, 2), [r(3), tgt], grad=(0,))
case('margin_ranking_loss', lambda a, b, t: torch.margin_ranking_loss(a, b, t, 0.1, 1), [r(3), r(3), tgt], grad=(0, 1))
case('margin_ranking_loss_default', lambda a, b, t: torch.margin_ranking_loss(a, b, t), [r(3), r(3), tgt], grad=(0, 1))
case('triplet_margin_loss', lambda a, p, n: torch.triplet_margin_loss(a, p, n, 0.5, 1.0, 1e-6, True, 2), [r(3, 4), r(3, 4), r(3, 4)], grad=(0, 1, 2))
case('triplet_margin_loss_default', lambda a, p, n: torch.triplet_margin_loss(a, p, n), [r(3, 4), r(3, 4), r(3, 4)], grad=(0, 1, 2))
case('poisson_nll_loss', lambda a, t: torch.poisson_nll_loss(a, t, False, True, 1e-8, 1), [u(3, 4) + 0.1, u(3, 4) * 4], grad=(0,))
case('poisson_nll_loss_log', lambda a, t: torch.poisson_nll_loss(a, t, True, False, 1e-8, 0), [r(3, 4), u(3, 4) * 4], grad=(0,))
case('bce_with_logits', lambda a, t, w, pw: torch.binary_cross_entropy_with_logits(a, t, w, pw, 1), [r(3, 4), u(3, 4), u(3, 4), u(4) + 0.5], grad=(0, 1))
case('bce_with_logits_default', lambda a, t: torch.binary_cross_entropy_with_logits(a, t), [r(3, 4), u(3, 4)], grad=(0,))
lp = torch.log_softmax(r(6, 2, 4), 2)
case('ctc_loss_default', lambda l, t: torch.ctc_loss(l, t, [6, 5], [2, 2]), [lp, torch.tensor([[1, 2], [3, 1]])], grad=(0,))
case('ctc_loss_mean', lambda l, t, il, tl: torch.ctc_loss(l, t, il, tl, 0, 1, False), [lp, torch.tensor([[1, 2], [3, 1]]), torch.tensor([6, 5]), torch.tensor([2, 2])], grad=(0,))

# ---- convolution, padding, sampling ---------------------------------------------------------
case('convolution_2d', lambda x, w, b: torch.convolution(x, w, b, [2, 1], [1, 0], [1, 2], False, [0, 0], 1),
     [r(2, 4, 5, 6), r(6, 4, 3, 2), r(6)], grad=(0, 1, 2))
case('convolution_transposed', lambda x, w: torch.convolution(x, w, None, [2, 2], [1, 1], [1, 1], True, [1, 0], 2),
     [r(1, 4, 3, 3), r(4, 3, 3, 3)], grad=(0, 1))
case('convolution_1d_ints', lambda x, w, b: torch.convolution(x, w, b, [1], [2], [1], False, [0], 1), [r(2, 3, 7), r(5, 3, 3), r(5)], grad=(0, 1, 2))
case('conv_tbc', lambda x, w, b: torch.conv_tbc(x, w, b, 1), [r(7, 2, 4), r(3, 4, 5), r(5)], grad=(0, 1, 2))
case('conv_tbc_nopad', lambda x, w, b: torch.conv_tbc(x, w, b), [r(6, 3, 2), r(2, 2, 4), r(4)], grad=(0, 1, 2))
case('constant_pad_nd', lambda x: torch.constant_pad_nd(x, [1, 2, 0, 1], -0.5), [r(2, 3, 4)], grad=(0,))
case('constant_pad_nd_crop', lambda x: torch.constant_pad_nd(x, [-1, 2]), [r(2, 3, 4)], grad=(0,))
case('constant_pad_nd_long', lambda x: torch.constant_pad_nd(x, [1, 1], 2.7), [torch.tensor([1, 2])])
gi = r(2, 3, 4, 5)
grid = (u(2, 3, 2, 2) * 2.4 - 1.2)
case('grid_sampler_bilinear', lambda x, gr: torch.grid_sampler(x, gr, 0, 0, False), [gi, grid], grad=(0, 1))
case('grid_sampler_nearest_border', lambda x, gr: torch.grid_sampler_2d(x, gr, 1, 1, True), [gi, grid], grad=(0,))
case('grid_sampler_bicubic_reflection', lambda x, gr: torch.grid_sampler(x, gr, 2, 2, False), [gi, grid], grad=(0, 1))
case('grid_sampler_3d', lambda x, gr: torch.grid_sampler_3d(x, gr, 0, 1, True), [r(1, 2, 3, 3, 4), u(1, 2, 2, 2, 3) * 2 - 1], grad=(0, 1))
case('affine_grid_generator', lambda t: torch.affine_grid_generator(t, [2, 3, 4, 5], False), [r(2, 2, 3)], grad=(0,))
case('affine_grid_generator_3d', lambda t: torch.affine_grid_generator(t, [1, 1, 2, 3, 2], True), [r(1, 3, 4)], grad=(0,))
case('native_channel_shuffle', lambda x: torch.native_channel_shuffle(x, 3), [r(2, 6, 2)])

# ---- *_copy and the unsafe splits -----------------------------------------------------------
xc = r(2, 3, 4)
case('view_copy', lambda x: torch.view_copy(x, [4, -1]), [xc], grad=(0,))
case('view_copy_reshape', lambda x: torch.view_copy(x.transpose(0, 1), [-1]), [xc], grad=(0,))
case('view_copy_dtype_same', lambda x: torch.view_copy(x, torch.int64), [xc])
case('view_copy_dtype_down', lambda x: torch.view_copy(x, torch.int32), [xc])
case('view_copy_dtype_up', lambda x: torch.view_copy(x, torch.float64), [r(2, 4, dtype=F32)])
case('permute_copy', lambda x: torch.permute_copy(x, [2, 0, 1]), [xc], grad=(0,))
case('permute_copy_strided', lambda x: torch.permute_copy(x[:, :, ::2], [2, 0, 1]), [xc], grad=(0,))
case('expand_copy', lambda x: torch.expand_copy(x[:, :1], [2, 5, 4]), [xc], grad=(0,))
case('transpose_copy', lambda x: torch.transpose_copy(x, 0, 2), [xc], grad=(0,))
case('t_copy', lambda x: torch.t_copy(x[0]), [xc], grad=(0,))
case('t_copy_1d', lambda x: torch.t_copy(x[0, 0]), [xc], grad=(0,))
case('squeeze_copy', lambda x: torch.squeeze_copy(x[:, :1]), [xc], grad=(0,))
case('squeeze_copy_dim', lambda x: torch.squeeze_copy(x[:, :1], 1), [xc], grad=(0,))
case('unsqueeze_copy', lambda x: torch.unsqueeze_copy(x, 1), [xc], grad=(0,))
case('select_copy', lambda x: torch.select_copy(x, 1, -1), [xc], grad=(0,))
case('slice_copy', lambda x: torch.slice_copy(x, 2, 1, 3, 1), [xc], grad=(0,))
case('slice_copy_step', lambda x: torch.slice_copy(x, 2, -3, 100, 2), [xc], grad=(0,))
case('slice_copy_open', lambda x: torch.slice_copy(x, 1, None, None, 2), [xc], grad=(0,))
case('diagonal_copy', lambda x: torch.diagonal_copy(x, 1, 1, 2), [xc], grad=(0,))
case('diagonal_copy_transposed', lambda x: torch.diagonal_copy(x.transpose(0, 2), 0, 0, 1), [xc], grad=(0,))
case('alias_copy', lambda x: torch.alias_copy(x.transpose(0, 2)), [xc], grad=(0,))
case('detach_copy', lambda x: torch.detach_copy(x.transpose(0, 2)), [xc])
case('unbind_copy', lambda x: torch.unbind_copy(x, 1), [xc], grad=(0,))
case('split_copy', lambda x: torch.split_copy(x, 2, 1), [xc], grad=(0,))
case('split_with_sizes_copy', lambda x: torch.split_with_sizes_copy(x, [1, 3], 2), [xc], grad=(0,))
case('unfold_copy', lambda x: torch.unfold_copy(x, 2, 2, 1), [xc], grad=(0,))
case('unsafe_chunk', lambda x: torch.unsafe_chunk(x, 2, 1), [xc], grad=(0,))
case('unsafe_split', lambda x: torch.unsafe_split(x, 3, 2), [xc], grad=(0,))
case('unsafe_split_with_sizes', lambda x: torch.unsafe_split_with_sizes(x, [1, 2], 1), [xc], grad=(0,))
case('split_with_sizes', lambda x: torch.split_with_sizes(x, [3, 1], 2), [xc], grad=(0,))
case('method_unsafe_chunk', lambda x: x.unsafe_chunk(3, -1), [xc], grad=(0,))

# ---- fill, range, in-place and method odds ---------------------------------------------------
case('fill_scalar', lambda x: torch.fill(x, 2.5), [xc], grad=(0,))
case('fill_tensor', lambda x, v: torch.fill(x, v), [xc, torch.tensor(-1.5, dtype=F64)], grad=(0, 1))
case('fill_tensor_other_dtype', lambda x, v: torch.fill(x, v), [r(2, 3, dtype=F32), torch.tensor(0.25, dtype=F64)], grad=(0, 1))
case('fill_long', lambda x: torch.fill(x, 2.7), [torch.tensor([1, 2, 3])])
case('fill_transposed', lambda x: torch.fill(x.t(), 1.0), [r(3, 2)])
case('fill_', lambda x: torch.fill_(x * 1, 3.0), [xc], grad=(0,))
case('zero_', lambda x: torch.zero_(x * 1), [xc], grad=(0,))
case('floor_divide_', lambda x: x.clone().floor_divide_(0.7), [r(3, 4)])
case('floor_divide_long', lambda x, y: x.clone().floor_divide_(y), [torch.tensor([-5, 7, 9]), torch.tensor([2, -3, 4])])
case('where_method', lambda x, y: x.where(x > 0, y), [r(3, 4), r(3, 4)], grad=(0, 1))
case('where_method_0d', lambda x, y: x.where(x > 0, y), [r(3, 4), torch.tensor(0.5, dtype=F64)], grad=(0, 1))
case('clip_', lambda x: torch.Tensor.clip_(x * 1, -0.5, 0.5), [r(3, 4)], grad=(0,))
case('resolve_neg', lambda x: torch.resolve_neg(x), [xc])

# ---- randomized low-rank factorizations (seeded: the Gaussian comes from the global stream) ---
case('svd_lowrank', lambda a: torch.svd_lowrank(a, 3), [r(7, 5)], grad=(0,), seed=3)
case('svd_lowrank_wide', lambda a: torch.svd_lowrank(a, 3, 1), [r(4, 9)], seed=4)
case('svd_lowrank_tall', lambda a: torch.svd_lowrank(a, 4), [r(8, 4)], seed=5)
case('svd_lowrank_M', lambda a, m: torch.svd_lowrank(a, 3, 2, m), [r(6, 5), r(6, 5)], seed=6)
case('pca_lowrank', lambda a: torch.pca_lowrank(a), [r(7, 5)], grad=(0,), seed=7)
case('pca_lowrank_no_center', lambda a: torch.pca_lowrank(a, 2, False, 3), [r(5, 6)], seed=8)
case('pca_lowrank_batched', lambda a: torch.pca_lowrank(a, 2), [r(2, 6, 4)], seed=9)

ranges = []
for args, kw in [((1, 4), {}), ((0, 1, 0.1), {}), ((0, 1, 0.3), {}), ((0.1, 0.7, 0.2), {}), ((0, -1, -0.25), {}),
                 ((0, 1, 0.1), {'dtype': F64}), ((1, 4), {'dtype': torch.int64}), ((0.5, 2.7), {'dtype': torch.int32}),
                 ((0, 5, 2), {'dtype': torch.int32}), ((0, 0), {}), ((0, 2**24 + 2, 2**23), {})]:
    out = torch.range(*args, **kw)
    ranges.append({'args': [enc(a) for a in args], 'dtype': str(kw['dtype']).replace('torch.', '') if 'dtype' in kw else None, 'out': ser(out)})

buf = bytearray(range(16))
frombuffers = []
for kw in [{'dtype': torch.int32}, {'dtype': torch.int32, 'offset': 4}, {'dtype': torch.int32, 'offset': 2, 'count': 3},
           {'dtype': F32, 'offset': 8, 'count': 2}, {'dtype': torch.int64, 'offset': 1, 'count': 1}, {'dtype': torch.bool},
           {'dtype': torch.uint8, 'count': -2}, {'dtype': torch.float16}, {'dtype': torch.int16, 'offset': 6}, {'dtype': F64}]:
    out = torch.frombuffer(buf, **kw)
    frombuffers.append({'kw': {k: (str(v).replace('torch.', '') if k == 'dtype' else v) for k, v in kw.items()}, 'out': ser(out)})

# asarray's aliasing rules, as booleans the test checks flint against.
aliasing = {}
t = torch.tensor([1.0, 2.0])
aliasing['same_is_input'] = torch.asarray(t) is t
aliasing['copy_true_is_input'] = torch.asarray(t, copy=True) is t
leaf = torch.tensor([1.0, 2.0], requires_grad=True)
res = torch.asarray(leaf)
aliasing['leaf_default_is_input'] = res is leaf
aliasing['leaf_default_input_requires_grad'] = leaf.requires_grad
plain = torch.tensor([1.0, 2.0])
res = torch.asarray(plain, requires_grad=True)
aliasing['plain_rg_is_input'] = res is plain
aliasing['plain_rg_input_requires_grad'] = plain.requires_grad
nonleaf = torch.tensor([1.0, 2.0], requires_grad=True) * 2
res = torch.asarray(nonleaf)
aliasing['nonleaf_default_is_input'] = res is nonleaf
aliasing['nonleaf_default_requires_grad'] = res.requires_grad
aliasing['nonleaf_default_shares'] = res.data_ptr() == nonleaf.data_ptr()
res = torch.asarray(nonleaf, requires_grad=True)
aliasing['nonleaf_rg_is_input'] = res is nonleaf
res = torch.asarray(nonleaf, dtype=F64, requires_grad=True)
aliasing['nonleaf_cast_grad_fn'] = res.grad_fn.name()
res = torch.asarray(nonleaf, copy=True, requires_grad=True)
aliasing['nonleaf_copy_grad_fn'] = res.grad_fn.name()
aliasing['as_tensor_same_is_input'] = torch.as_tensor(t) is t
aliasing['as_tensor_cast_grad_fn'] = torch.as_tensor(torch.tensor([1.0], requires_grad=True), dtype=F64).grad_fn.name()

# The switches: what each getter reads after each call.
settings = {}
torch.use_deterministic_algorithms(True, warn_only=True)
settings['warn_only'] = [torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(), torch.get_deterministic_debug_mode()]
torch.use_deterministic_algorithms(True)
settings['on'] = [torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(), torch.get_deterministic_debug_mode()]
torch.set_deterministic_debug_mode('warn')
settings['mode_warn'] = [torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(), torch.get_deterministic_debug_mode()]
torch.set_deterministic_debug_mode(0)
settings['mode_0'] = [torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(), torch.get_deterministic_debug_mode()]
torch.use_deterministic_algorithms(False, warn_only=True)
settings['off_warn_only'] = [torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(), torch.get_deterministic_debug_mode()]
torch.use_deterministic_algorithms(False)
precision = [torch.get_float32_matmul_precision()]
torch.set_float32_matmul_precision('medium')
precision += [torch.get_float32_matmul_precision(), torch.backends.cuda.matmul.allow_tf32]
torch.backends.cuda.matmul.allow_tf32 = True
precision.append(torch.get_float32_matmul_precision())
torch.backends.cuda.matmul.allow_tf32 = False
precision.append(torch.get_float32_matmul_precision())
torch.set_float32_matmul_precision('low')
precision.append(torch.get_float32_matmul_precision())
torch.set_float32_matmul_precision('highest')
settings['precision'] = precision
settings['warn_always'] = [torch.is_warn_always_enabled()]
torch.set_warn_always(True)
settings['warn_always'].append(torch.is_warn_always_enabled())
torch.set_warn_always(False)
settings['real'] = [torch.is_neg(t), torch.is_conj(t), torch.is_distributed(t), t.is_neg(), t.is_conj(), t.is_distributed(),
                    torch.resolve_neg(t) is t, torch.resolve_conj(t) is t, t.resolve_conj() is t]

errors = []


def error(key, fn):
    errors.append({'key': key, **err(fn)})


E = r(2, 3, 4)
error('dropout_p', lambda: torch.dropout(E, 1.5, True))
error('feature_dropout_1d', lambda: torch.feature_dropout(r(3), 0.5, True))
error('layer_norm_shape', lambda: torch.layer_norm(E, [5]))
error('layer_norm_weight', lambda: torch.layer_norm(E, [4], r(3)))
error('layer_norm_bias', lambda: torch.layer_norm(E, [4], None, r(2, 2)))
error('group_norm_divisible', lambda: torch.group_norm(r(1, 2, 3, 4), 3))
error('batch_norm_eval', lambda: torch.batch_norm(E, None, None, None, None, False, 0.1, 1e-5, True))
error('instance_norm_eval', lambda: torch.instance_norm(E, None, None, None, None, False, 0.1, 1e-5, True))
error('frobenius_dims', lambda: torch.frobenius_norm(E, [0, 1, 2]))
error('frobenius_same_dims', lambda: torch.frobenius_norm(E, [1, 1]))
error('nuclear_rank', lambda: torch.nuclear_norm(E))
error('nuclear_dim', lambda: torch.nuclear_norm(E, [1]))
error('constant_pad_odd', lambda: torch.constant_pad_nd(E, [1]))
error('constant_pad_long', lambda: torch.constant_pad_nd(E, [1] * 8))
error('convolution_stride', lambda: torch.convolution(r(2, 3, 5, 5), r(4, 3, 3, 3), None, [1, 1, 1], [0, 0], [1, 1], False, [0, 0], 1))
error('convolution_rank', lambda: torch.convolution(r(3, 5, 5), r(4, 3, 3, 3), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1))
error('conv_tbc_input', lambda: torch.conv_tbc(r(7, 2), r(3, 4, 5), r(5)))
error('conv_tbc_channels', lambda: torch.conv_tbc(r(7, 2, 3), r(3, 4, 5), r(5)))
error('conv_tbc_bias', lambda: torch.conv_tbc(r(7, 2, 4), r(3, 4, 5), r(4)))
error('grid_sampler_batch', lambda: torch.grid_sampler(r(1, 2, 3, 4), r(2, 3, 3, 2), 0, 0, False))
error('grid_sampler_3d_rank', lambda: torch.grid_sampler_3d(r(1, 2, 3, 4), r(1, 3, 3, 2), 0, 0, False))
error('grid_sampler_bicubic_3d', lambda: torch.grid_sampler_3d(r(1, 2, 3, 3, 3), r(1, 2, 2, 2, 3), 2, 0, False))
error('affine_grid_rank', lambda: torch.affine_grid_generator(r(2, 2, 3), [2, 3, 4], False))
error('rrelu_bounds', lambda: torch.rrelu(E, 0.3, 0.1, True))
error('embedding_weight', lambda: torch.embedding(r(5), torch.tensor([1])))
error('embedding_renorm_dim', lambda: torch.embedding_renorm_(r(5), torch.tensor([1]), 1.0, 2.0))
error('embedding_renorm_type', lambda: torch.embedding_renorm_(r(5, 3), torch.tensor([1.0]), 1.0, 2.0))
error('embedding_bag_psw', lambda: torch.embedding_bag(w10, bag_ids, torch.tensor([0, 4]), False, 1, False, r(8)))
error('view_copy_shape', lambda: torch.view_copy(E, [5, -1]))
error('view_copy_dtype_0d', lambda: torch.view_copy(torch.tensor(1.0), torch.float64))
error('view_copy_dtype_stride', lambda: torch.view_copy(r(4, 2, dtype=F32).t(), torch.float64))
error('view_copy_dtype_size', lambda: torch.view_copy(r(3, dtype=F32), torch.float64))
error('slice_copy_0d', lambda: torch.slice_copy(torch.tensor(1.0), 0, 0, 1, 1))
error('slice_copy_step', lambda: torch.slice_copy(E, 0, 0, 1, 0))
error('unsafe_split_with_sizes_sum', lambda: torch.unsafe_split_with_sizes(E, [1, 2], 2))
error('unsafe_chunk_zero', lambda: torch.unsafe_chunk(E, 0, 1))
error('unsafe_split_negative', lambda: torch.unsafe_split(E, -1, 1))
error('fill_dim', lambda: torch.fill(E, torch.tensor([1.0])))
error('range_step', lambda: torch.range(0, 1, 0))
error('range_sign', lambda: torch.range(0, 1, -1))
error('range_inf', lambda: torch.range(0, float('inf')))
error('range_half', lambda: torch.range(1, 4, dtype=torch.float16))
error('range_int_step', lambda: torch.range(-0.5, 0.7, 0.3, dtype=torch.int64))
error('frombuffer_offset', lambda: torch.frombuffer(buf, dtype=torch.int32, offset=16))
error('frombuffer_negative_offset', lambda: torch.frombuffer(buf, dtype=torch.int32, offset=-1))
error('frombuffer_multiple', lambda: torch.frombuffer(buf, dtype=torch.int32, offset=2))
error('frombuffer_count', lambda: torch.frombuffer(buf, dtype=torch.int32, count=5))
error('frombuffer_zero', lambda: torch.frombuffer(buf, dtype=torch.int32, count=0))
error('frombuffer_empty', lambda: torch.frombuffer(bytearray(), dtype=torch.int32))
error('frombuffer_dtype', lambda: torch.frombuffer(buf))
error('asarray_alias_dtype', lambda: torch.asarray(torch.tensor([1.0]), dtype=F64, copy=False))
error('asarray_alias_sequence', lambda: torch.asarray([1, 2], copy=False))
error('debug_mode_name', lambda: torch.set_deterministic_debug_mode('x'))
error('debug_mode_int', lambda: torch.set_deterministic_debug_mode(3))
error('interop_positive', lambda: torch.set_num_interop_threads(0))
error('detach_copy_backward', lambda: torch.detach_copy(r(3).requires_grad_()).sum().backward())
error('channel_shuffle_backward', lambda: torch.native_channel_shuffle(r(2, 4, 2).requires_grad_(), 2).sum().backward())
error('pca_lowrank_q', lambda: torch.pca_lowrank(r(4, 3), 4))
error('pca_lowrank_niter', lambda: torch.pca_lowrank(r(4, 3), 2, True, -1))
error('svd_lowrank_q', lambda: torch.svd_lowrank(r(4, 3), 6))
error('native_dropout_long', lambda: torch.native_dropout(torch.tensor([1, 2, 3]), 0.5, True))
error('feature_dropout_long', lambda: torch.feature_dropout(torch.tensor([[1, 2, 3]]), 0.5, True))
error('floor_divide_cast', lambda: torch.tensor([5, 7]).floor_divide_(2.5))

path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'torch-names.json')
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases, 'ranges': ranges, 'frombuffer': frombuffers, 'aliasing': aliasing,
               'settings': settings, 'errors': errors}, f)
print('wrote', path, len(cases), 'cases,', len(errors), 'errors')
