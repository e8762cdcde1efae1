#!/usr/bin/env python3
"""Generate tests/fixtures/transformer.json: scaled dot-product attention, MultiheadAttention,
the Transformer layers, stacks and nn.Transformer as PyTorch 1.13 computes them, plus
one_hot, for tests/attention.test.ts, tests/transformer.test.ts and tests/one-hot.test.ts.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_transformer_fixtures.py

PyTorch 1.13 has no F.scaled_dot_product_attention, so its reference is the explicit math
of PyTorch 2.x's documentation, in float64. The modules run in float64 and in eval mode
(deterministic); each case stores the state dict, the inputs, the output, and the
gradients of (out * gradOutput).sum() for the inputs and parameters.
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
from fixture_tensors import F64, q, rn, ser  # noqa: E402

warnings.filterwarnings('ignore')
torch.manual_seed(0)
out = {'gelu': {}, 'sdpa': {}, 'mha': {}, 'layers': {}, 'init': {}, 'reprs': {}, 'errors': {}, 'one_hot': {}}


def leaf(t):
    return t.clone().requires_grad_(True)


def sdpa_ref(q, k, v, attn_mask=None, is_causal=False, scale=None):
    L, S = q.size(-2), k.size(-2)
    scale_factor = 1 / math.sqrt(q.size(-1)) if scale is None else scale
    attn_bias = torch.zeros(L, S, dtype=q.dtype)
    if is_causal:
        attn_bias.masked_fill_(torch.ones(L, S, dtype=torch.bool).tril(0).logical_not(), float('-inf'))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            attn_bias = attn_bias.masked_fill(attn_mask.logical_not(), float('-inf'))
        else:
            attn_bias = attn_mask + attn_bias
    w = q @ k.transpose(-2, -1) * scale_factor + attn_bias
    return torch.softmax(w, dim=-1) @ v


def sdpa_case(qs, ks, vs, mask=None, causal=False, scale=None):
    q, k, v = leaf(rn(*qs, dtype=F64)), leaf(rn(*ks, dtype=F64)), leaf(rn(*vs, dtype=F64))
    m = None if mask is None else (leaf(mask) if mask.is_floating_point() else mask)
    o = sdpa_ref(q, k, v, m, causal, scale)
    g = rn(*o.shape, dtype=F64)
    (o * g).sum().backward()
    return {'q': ser(q), 'k': ser(k), 'v': ser(v), 'mask': None if m is None else ser(m), 'causal': causal, 'scale': scale,
            'out': ser(o), 'gradOutput': ser(g), 'grads': [ser(q.grad), ser(k.grad), ser(v.grad)],
            'maskGrad': None if m is None or m.grad is None else ser(m.grad)}


def bool_mask(*shape):
    m = torch.rand(shape) > 0.3
    m[..., 0] = True  # every query keeps at least one key
    return m


out['sdpa']['plain'] = sdpa_case((2, 2, 5, 4), (2, 2, 6, 4), (2, 2, 6, 3))
out['sdpa']['three_d'] = sdpa_case((3, 5, 4), (3, 6, 4), (3, 6, 4))
out['sdpa']['bool_mask_broadcast'] = sdpa_case((2, 2, 5, 4), (2, 2, 6, 4), (2, 2, 6, 3), mask=bool_mask(5, 6))
out['sdpa']['bool_mask_batch'] = sdpa_case((2, 2, 5, 4), (2, 2, 6, 4), (2, 2, 6, 3), mask=bool_mask(2, 1, 5, 6))
out['sdpa']['float_mask'] = sdpa_case((2, 2, 5, 4), (2, 2, 6, 4), (2, 2, 6, 3), mask=rn(2, 1, 5, 6, dtype=F64))
out['sdpa']['causal_square'] = sdpa_case((2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 3), causal=True)
out['sdpa']['causal_wide'] = sdpa_case((2, 3, 4), (2, 6, 4), (2, 6, 4), causal=True)
out['sdpa']['scale'] = sdpa_case((2, 2, 5, 4), (2, 2, 6, 4), (2, 2, 6, 3), scale=0.3)


def module_case(module, inputs, call, grad_inputs=True, param_grads=True):
    """State dict, inputs, outputs and gradients of one float64 module in eval mode. The
    parameters are rounded to 3 decimals (a compact state dict that float64 holds exactly)."""
    module = module.double().eval()
    with torch.no_grad():
        for prm in module.parameters():
            prm.copy_(q(prm))
    xs = [None if x is None else (leaf(x) if grad_inputs and x.is_floating_point() else x) for x in inputs]
    res = call(module, *xs)
    o, w = (res if isinstance(res, tuple) else (res, None))
    g = rn(*o.shape, dtype=F64)
    loss = (o * g).sum()
    gw = None
    if w is not None:
        gw = rn(*w.shape, dtype=F64)
        loss = loss + (w * gw).sum()
    loss.backward()
    return {
        'state': {k: ser(v) for k, v in module.state_dict().items()},
        'inputs': [None if x is None else ser(x) for x in xs],
        'out': ser(o), 'weights': None if w is None else ser(w), 'gradOutput': ser(g), 'gradWeights': None if gw is None else ser(gw),
        'inputGrads': [None if x is None or x.grad is None else ser(x.grad) for x in xs],
        'paramGrads': {n: ser(p.grad) for n, p in module.named_parameters() if p.grad is not None} if param_grads else {},
    }


def mha(m, q, k, v, kpm=None, mask=None, need=True, avg=True):
    return m(q, k, v, key_padding_mask=kpm, need_weights=need, attn_mask=mask, average_attn_weights=avg)


x = rn(5, 2, 8, dtype=F64)
M = out['mha']
M['self_basic'] = module_case(nn.MultiheadAttention(8, 2), [x, x, x], lambda m, q, k, v: mha(m, q, q, q))
M['self_basic']['selfAttention'] = True
kv = rn(4, 2, 8, dtype=F64)
M['masks_bool'] = module_case(nn.MultiheadAttention(8, 2), [rn(5, 2, 8, dtype=F64), kv, kv, ~bool_mask(2, 4), ~bool_mask(5, 4)],
                              lambda m, q, k, v, kpm, am: mha(m, q, k, k, kpm, am))
M['masks_bool']['keyIsValue'] = True
M['masks_float'] = module_case(nn.MultiheadAttention(8, 2), [rn(5, 2, 8, dtype=F64), rn(4, 2, 8, dtype=F64), rn(4, 2, 8, dtype=F64),
                                                            ~bool_mask(2, 4), rn(4, 5, 4, dtype=F64)],
                               lambda m, q, k, v, kpm, am: mha(m, q, k, v, kpm, am))
M['kdim_vdim'] = module_case(nn.MultiheadAttention(8, 2, kdim=6, vdim=5),
                             [rn(5, 2, 8, dtype=F64), rn(4, 2, 6, dtype=F64), rn(4, 2, 5, dtype=F64)],
                             lambda m, q, k, v: mha(m, q, k, v, avg=False))
M['bias_kv_zero_attn'] = module_case(nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True),
                                     [rn(5, 2, 8, dtype=F64), rn(4, 2, 8, dtype=F64), rn(4, 2, 8, dtype=F64),
                                      ~bool_mask(2, 4), ~bool_mask(5, 4)],
                                     lambda m, q, k, v, kpm, am: mha(m, q, k, v, kpm, am))
M['batch_first_no_weights'] = module_case(nn.MultiheadAttention(8, 2, batch_first=True),
                                          [rn(2, 5, 8, dtype=F64), rn(2, 4, 8, dtype=F64), rn(2, 4, 8, dtype=F64), ~bool_mask(2, 4)],
                                          lambda m, q, k, v, kpm: mha(m, q, k, v, kpm, need=False))
M['batch_first_weights'] = module_case(nn.MultiheadAttention(8, 2, batch_first=True),
                                       [rn(2, 5, 8, dtype=F64), rn(2, 4, 8, dtype=F64), rn(2, 4, 8, dtype=F64)],
                                       lambda m, q, k, v: mha(m, q, k, v, avg=False))
M['unbatched'] = module_case(nn.MultiheadAttention(8, 2), [rn(5, 8, dtype=F64), rn(4, 8, dtype=F64), rn(4, 8, dtype=F64),
                                                          ~bool_mask(4), ~bool_mask(5, 4)],
                             lambda m, q, k, v, kpm, am: mha(m, q, k, v, kpm, am))
M['no_bias'] = module_case(nn.MultiheadAttention(8, 2, bias=False), [rn(5, 2, 8, dtype=F64), rn(4, 2, 8, dtype=F64), rn(4, 2, 8, dtype=F64)],
                           lambda m, q, k, v: mha(m, q, k, v))
causal5 = nn.Transformer.generate_square_subsequent_mask(5).double()
M['causal_float_mask'] = module_case(nn.MultiheadAttention(8, 2), [x, x, x, causal5],
                                     lambda m, q, k, v, am: mha(m, q, q, q, None, am, need=False))
M['causal_float_mask']['selfAttention'] = True

L = out['layers']
src = rn(5, 2, 8, dtype=F64)
tgt = rn(4, 2, 8, dtype=F64)
kpm_src = ~bool_mask(2, 5)
L['enc_post_relu'] = module_case(nn.TransformerEncoderLayer(8, 2, 16), [src, causal5, kpm_src],
                                 lambda m, s, am, kpm: m(s, src_mask=am, src_key_padding_mask=kpm))
L['enc_pre_gelu'] = module_case(nn.TransformerEncoderLayer(8, 2, 16, activation='gelu', norm_first=True, batch_first=True),
                                [rn(2, 5, 8, dtype=F64), kpm_src], lambda m, s, kpm: m(s, src_key_padding_mask=kpm))
L['dec_post_relu'] = module_case(nn.TransformerDecoderLayer(8, 2, 16), [tgt, src, nn.Transformer.generate_square_subsequent_mask(4).double(),
                                                                       ~bool_mask(2, 5)],
                                 lambda m, t, s, tm, mkpm: m(t, s, tgt_mask=tm, memory_key_padding_mask=mkpm))
L['dec_pre_gelu'] = module_case(nn.TransformerDecoderLayer(8, 2, 16, activation='gelu', norm_first=True),
                                [tgt, src, ~bool_mask(2, 4)], lambda m, t, s, tkpm: m(t, s, tgt_key_padding_mask=tkpm))
L['encoder_stack'] = module_case(nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8)),
                                 [src, causal5], lambda m, s, am: m(s, mask=am), param_grads=False)
L['decoder_stack'] = module_case(nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, norm_first=True), 2, norm=nn.LayerNorm(8)),
                                 [tgt, src], lambda m, t, s: m(t, s), param_grads=False)
L['transformer'] = module_case(nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16),
                               [src, tgt, nn.Transformer.generate_square_subsequent_mask(4).double(), kpm_src],
                               lambda m, s, t, tm, skpm: m(s, t, tgt_mask=tm, src_key_padding_mask=skpm, memory_key_padding_mask=skpm), param_grads=False)
L['transformer_batch_first'] = module_case(nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16,
                                                          batch_first=True, activation='gelu'),
                                           [rn(2, 5, 8, dtype=F64), rn(2, 4, 8, dtype=F64)], lambda m, s, t: m(s, t), param_grads=False)

# Default init after manual_seed, float32, as constructed.
I = out['init']
for name, make in [('mha', lambda: nn.MultiheadAttention(8, 2)),
                   ('mha_kdim_bias_kv', lambda: nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=6, vdim=5)),
                   ('encoder_layer', lambda: nn.TransformerEncoderLayer(8, 2, 16)),
                   ('encoder', lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2)),
                   ('transformer', lambda: nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16))]:
    torch.manual_seed(7)
    m = make()
    I[name] = {'keys': list(m.state_dict().keys()), 'state': {k: ser(v) for k, v in m.state_dict().items()}}

R = out['reprs']
R['mha'] = repr(nn.MultiheadAttention(8, 2))
R['mha_kdim'] = repr(nn.MultiheadAttention(8, 2, kdim=6, vdim=5, bias=False))
R['encoder_layer'] = repr(nn.TransformerEncoderLayer(8, 2, 16))
R['decoder_layer'] = repr(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.2, layer_norm_eps=1e-6))
R['transformer'] = repr(nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16))
R['square_mask'] = ser(nn.Transformer.generate_square_subsequent_mask(4))


def err(key, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        out['errors'][key] = str(e)
        return
    raise SystemExit(f'{key}: no error')


m8 = nn.MultiheadAttention(8, 2)
q3 = torch.randn(5, 2, 8)
err('mha_attn_mask_2d', lambda: m8(q3, q3, q3, attn_mask=torch.zeros(4, 5)))
err('mha_attn_mask_3d', lambda: m8(q3, q3, q3, attn_mask=torch.zeros(3, 5, 5)))
err('mha_kpm_shape', lambda: m8(q3, q3, q3, key_padding_mask=torch.zeros(2, 4, dtype=torch.bool)))
err('mha_query_4d', lambda: m8(torch.randn(1, 5, 2, 8), q3, q3))
err('mha_key_2d', lambda: m8(q3, torch.randn(5, 8), q3))
err('mha_embed_dim', lambda: m8(torch.randn(5, 2, 6), torch.randn(5, 2, 6), torch.randn(5, 2, 6)))
err('mha_kv_shape', lambda: m8(q3, torch.randn(4, 2, 8), torch.randn(3, 2, 8)))
err('mha_divisible', lambda: nn.MultiheadAttention(8, 3))
err('mha_kpm_dim', lambda: m8(q3, q3, q3, key_padding_mask=torch.zeros(2, 5, 1, dtype=torch.bool)))
err('activation', lambda: nn.TransformerEncoderLayer(8, 2, 16, activation='tanh'))
tr = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16)
err('transformer_batch', lambda: tr(torch.randn(5, 2, 8), torch.randn(4, 3, 8)))
err('transformer_d_model', lambda: tr(torch.randn(5, 2, 6), torch.randn(4, 2, 6)))
err('one_hot_dtype', lambda: F.one_hot(torch.tensor([1.0, 2.0])))
err('one_hot_negative', lambda: F.one_hot(torch.tensor([1, -1])))
err('one_hot_too_large', lambda: F.one_hot(torch.tensor([1, 3]), 3))
err('one_hot_empty', lambda: F.one_hot(torch.tensor([], dtype=torch.long)))

O = out['one_hot']
for name, t, n in [('vector', torch.tensor([0, 2, 1, 2]), -1), ('matrix_classes', torch.tensor([[0, 1], [3, 2]]), 5),
                   ('scalar', torch.tensor(2), 4), ('empty', torch.zeros(0, 2, dtype=torch.long), 3)]:
    O[name] = {'input': ser(t), 'numClasses': n, 'out': ser(F.one_hot(t, n))}

# GELU's gradient (its native backward in flint), exact and tanh, float64 and float32.
for approximate in ['none', 'tanh']:
    for dtype, name in [(F64, 'float64'), (torch.float32, 'float32')]:
        xg = torch.cat([torch.linspace(-8, 8, 33, dtype=F64), rn(31, dtype=F64) * 2]).to(dtype).requires_grad_(True)
        gg = rn(64, dtype=F64).to(dtype)
        F.gelu(xg, approximate=approximate).backward(gg)
        out['gelu'][f'{approximate}_{name}'] = {'x': ser(xg), 'g': ser(gg), 'grad': ser(xg.grad), 'approximate': approximate}

path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'transformer.json')
with open(path, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
print(f'wrote {path} ({os.path.getsize(path) // 1024} KB)')
