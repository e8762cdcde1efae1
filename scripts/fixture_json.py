"""What the distributions, special-function and tensor-op fixture scripts share: tensors as
{shape, dtype, data} with PyTorch's dtype names, NaN and infinities as the strings 'nan',
'inf' and '-inf' (JSON has no such numbers), and an exception as {type, message}. Import it
after torch."""
import math

import numpy
import torch


def enc(v):
    """A number as JSON can hold it: NaN and infinities as strings, others as they are."""
    if isinstance(v, bool) or isinstance(v, int):
        return v
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return v


def ser(x, shortest_float32=False):
    """{shape, dtype, data}, the data flat and row-major. With shortest_float32, float32 values
    are written as the shortest decimal that reads back as the same float32."""
    x = x.detach().contiguous()
    data = x.reshape(-1).tolist()
    if shortest_float32 and x.dtype == torch.float32:
        data = [float(repr(numpy.float32(v))) for v in data]
    return {'shape': list(x.shape), 'dtype': str(x.dtype).replace('torch.', ''), 'data': [enc(v) for v in data]}


def err(fn):
    """The exception fn raises, as {type, message}; an AssertionError if it raises none."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return {'type': type(e).__name__, 'message': str(e)}
    raise AssertionError('no error')


def cser(x):
    """ser() that also writes complex tensors: their view_as_real pairs, with the complex
    dtype's name and the complex shape."""
    x = x.detach()
    if not x.is_complex():
        return ser(x)
    out = ser(torch.view_as_real(x.resolve_conj().contiguous()))
    out['shape'] = out['shape'][:-1]
    out['dtype'] = str(x.dtype).replace('torch.', '')
    return out
