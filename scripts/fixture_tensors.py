"""Tensors as the JSON fixtures store them, and the deterministic input makers that
scripts/make_fixtures.py and scripts/make_grad_fixtures.py share (tests/helpers/reference.ts
reads what `ser` writes). Import it after torch and NumPy are known to import."""
import math

import numpy as np
import torch

F32, F64, I64, I32, U8, BOOL = torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8, torch.bool
DTYPE_NAMES = {F32: 'float32', F64: 'float64', I64: 'int64', I32: 'int32', U8: 'uint8', BOOL: 'bool'}
NAN, INF = float('nan'), float('inf')


def fmt_float(v, dtype):
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    if dtype == F32:
        # shortest decimal that parses back to the same float32 (e.g. 0.1 not 0.10000000149011612)
        return float(repr(np.float32(v)))
    return float(v)  # json writes repr(): round-trips float64


def ser(t):
    """{shape, dtype, data} with the data flat and row-major."""
    t = t.detach().contiguous()
    if t.dtype not in DTYPE_NAMES:
        raise TypeError(f'unsupported dtype {t.dtype}')
    flat = t.reshape(-1).tolist()
    if t.dtype.is_floating_point:
        data = [fmt_float(v, t.dtype) for v in flat]
    elif t.dtype == BOOL:
        data = [bool(v) for v in flat]
    else:
        data = [int(v) for v in flat]
    return {'shape': list(t.shape), 'dtype': DTYPE_NAMES[t.dtype], 'data': data}


def q(t, dec=3):
    """Round to `dec` decimals (keeps the JSON small and the numbers readable)."""
    return torch.round(t * 10 ** dec) / 10 ** dec


def rn(*shape, dtype=F32):
    return q(torch.randn(shape, dtype=F64)).to(dtype)


def away(*shape, margin=0.1, dtype=F32):
    """Random normal values with |x| >= margin (no kinks of abs/relu/sign near the samples)."""
    x = rn(*shape, dtype=F64)
    x = torch.where(x >= 0, x + margin, x - margin)
    return x.to(dtype)
