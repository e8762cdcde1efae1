#!/usr/bin/env python3
"""Generate tests/fixtures/fused-attention.json: what PyTorch computes for the attention
that tests/fused-attention.test.ts checks the fused kernel against.

Run with the interpreter that has torch (PyTorch 1.13 here, which has no
F.scaled_dot_product_attention):
    /usr/bin/python3 scripts/make_fused_attention_fixtures.py

The reference is the explicit composition softmax(q @ k^T * scale + mask) @ v in float64
(a bool mask fills -inf where it is False; is_causal is a top-left aligned tril mask, as
PyTorch 2.x's), with the gradients of q, k and v for a random grad_output. Inputs are
rounded to 3 decimals so that float32 and float64 tests read the same numbers. A fully
masked row gives NaN there, and NaN gradients where the composition's backward does.
"""
import json
import math
import os

import torch

from fixture_tensors import ser, rn, F64


def reference(q, k, v, mask, is_causal, scale):
    scores = q @ k.transpose(-2, -1) * scale
    L, S = q.shape[-2], k.shape[-2]
    if is_causal:
        scores = scores.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float('-inf'))
    if mask is not None:
        scores = scores.masked_fill(~mask, float('-inf')) if mask.dtype == torch.bool else scores + mask
    return torch.softmax(scores, -1) @ v


def case(name, q_shape, k_shape, v_shape, mask=None, is_causal=False, scale=None):
    q, k, v = rn(*q_shape, dtype=F64), rn(*k_shape, dtype=F64), rn(*v_shape, dtype=F64)
    scale_used = 1 / math.sqrt(q_shape[-1]) if scale is None else scale
    qg, kg, vg = (t.clone().requires_grad_(True) for t in (q, k, v))
    out = reference(qg, kg, vg, mask, is_causal, scale_used)
    grad_out = rn(*out.shape, dtype=F64)
    out.backward(grad_out)
    return {
        'name': name, 'isCausal': is_causal, 'scale': scale_used,
        'q': ser(q), 'k': ser(k), 'v': ser(v), 'mask': None if mask is None else ser(mask),
        'out': ser(out), 'gradOut': ser(grad_out), 'dq': ser(qg.grad), 'dk': ser(kg.grad), 'dv': ser(vg.grad),
    }


def padding_mask(batch, s, lengths):
    """[B, 1, 1, S]: key j of batch b takes part when j < lengths[b]."""
    return (torch.arange(s)[None, :] < torch.tensor(lengths)[:, None]).reshape(batch, 1, 1, s)


def main():
    torch.manual_seed(0)
    cases = [
        case('plain', [2, 3, 5, 8], [2, 3, 5, 8], [2, 3, 5, 8]),
        case('causal', [2, 2, 7, 4], [2, 2, 7, 4], [2, 2, 7, 4], is_causal=True),
        case('cross_l_ne_s_e_ne_ev', [2, 2, 6, 4], [2, 2, 9, 4], [2, 2, 9, 5], scale=0.3),
        case('causal_l_lt_s', [1, 2, 5, 4], [1, 2, 9, 4], [1, 2, 9, 3], is_causal=True),
        case('causal_l_gt_s', [1, 2, 9, 4], [1, 2, 5, 4], [1, 2, 5, 3], is_causal=True),
        case('key_padding_bool', [3, 2, 6, 4], [3, 2, 8, 4], [3, 2, 8, 4], mask=padding_mask(3, 8, [8, 3, 5])),
        case('ls_float_mask', [2, 2, 5, 4], [2, 2, 7, 4], [2, 2, 7, 6],
             mask=torch.where(torch.rand(5, 7) < 0.2, torch.tensor(float('-inf'), dtype=F64), rn(5, 7, dtype=F64))),
        case('ls_bool_mask', [2, 2, 6, 4], [2, 2, 6, 4], [2, 2, 6, 4], mask=torch.rand(6, 6) > 0.3),
        case('per_head_bool', [2, 3, 4, 4], [2, 3, 6, 4], [2, 3, 6, 4],
             mask=torch.cat([torch.ones(1, 3, 4, 1, dtype=torch.bool), torch.rand(1, 3, 4, 5) > 0.4], -1)),
        case('batch_float_mask', [2, 2, 4, 4], [2, 2, 5, 4], [2, 2, 5, 4], mask=rn(2, 1, 4, 5, dtype=F64)),
        case('query_broadcast_mask', [2, 2, 4, 4], [2, 2, 5, 4], [2, 2, 5, 4], mask=rn(4, 1, dtype=F64)),
        case('three_d', [4, 5, 8], [4, 6, 8], [4, 6, 3], mask=torch.rand(5, 6) > 0.2),
        case('two_d', [5, 4], [7, 4], [7, 2], is_causal=True),
        case('long_causal_ragged', [1, 2, 150, 8], [1, 2, 150, 8], [1, 2, 150, 4], is_causal=True),
        case('long_padding_ragged', [2, 1, 100, 8], [2, 1, 200, 8], [2, 1, 200, 8],
             mask=padding_mask(2, 200, [200, 131])),
    ]
    # Row 2 of the [L, S] mask keeps no key: NaN output there, as the composition gives.
    full = torch.rand(4, 5) > 0.3
    full[:, 0] = True
    full[2, :] = False
    cases.append(case('fully_masked_row', [1, 2, 4, 4], [1, 2, 5, 4], [1, 2, 5, 4], mask=full))
    path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'fused-attention.json')
    with open(path, 'w') as f:
        json.dump({'torch': torch.__version__, 'cases': cases}, f)
        f.write('\n')


if __name__ == '__main__':
    main()
