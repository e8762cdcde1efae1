#!/usr/bin/env python3
"""Generate tests/fixtures/tensor-ops-extras.json: what PyTorch 1.13 computes for the
construction, statistics, shape and composed elementwise ops that
tests/tensor-ops-extras.test.ts checks.

Run with the interpreter that has torch:
    /usr/bin/python3 scripts/make_tensor_ops_extras_fixtures.py

Every case is one call, written as the test replays it: `fn` (PyTorch's name; the test calls
torch.<camelCased name>, or the Tensor method where `method` is set), positional `args` and
keyword arguments `kw` (flint's camelCased option names; this script calls PyTorch with the
snake_case ones), with `transpose` set where the first argument is a transposed (non-contiguous)
view. `out` is PyTorch's result (a list for the ops that return several tensors). Where `rg`
names inputs (positions, or keyword names) the case is also differentiated: `grads` are
d((out * W).sum()) / d input for W = weights(out.shape, out.dtype), the values 0.5, -1.25, 2.0,
0.75, -0.5, 1.5, -2.0 repeating (the test builds the same W), `gradFn` is PyTorch's grad_fn name where flint
records its own node (sinc, entr, xlog1py, rad2deg, deg2rad), and `gradcheck` says whether
PyTorch's own float64 gradcheck passes on the inputs (the test runs flint's where it does).
PyTorch 1.13's torch.vander has no working backward (it raises 'modified by an inplace
operation'), so its gradients (`gradVia`) are those of cumprod([1, x, x, ...]), the same values.

construct:  tril_indices / triu_indices (offsets, empty sizes, int32), combinations (r = 0, 1,
            2, 3, r > n, with replacement, empty, float and bool inputs), cartesian_prod,
            block_diag (0-, 1-, 2-D and empty blocks, dtype promotion, no arguments), vander
            (N, increasing, int / bool / float inputs, N = 0, empty), diagflat (offsets, 0-d,
            empty); gradients for block_diag, combinations, cartesian_prod and vander.
quantile:   quantile / nanquantile on float64 and float32: q a number, a 0-d or 1-D tensor,
            dim / keepdim (positional and as options), every interpolation mode at ranks with a
            .5 fraction (nearest rounds half to even), 0-d input, NaN rows; gradients for
            each mode.
stats:      cov (correction, fweights, aweights, both, int64 and 1-D inputs, too few
            observations), corrcoef (constant rows give NaN); gradients for cov with weights
            (also for aweights) and corrcoef.
trapezoid:  trapezoid / trapz / cumulative_trapezoid with dx, x (positional and as an option,
            1-D against a 2-D y and broadcast 2-D), int64 inputs, empty and single samples;
            gradients for y and x.
isin:       int / float promotion, numbers on either side, empty tensors, NaN, invert,
            assume_unique.
shape:      atleast_1d/2d/3d (one and several tensors), row_stack, hsplit / vsplit / dsplit
            (sections and indices, methods), ravel (of a transposed view), unflatten (-1,
            size 0), argwhere (NaN counts as non-zero, 0-d, empty).
elementwise: rad2deg, deg2rad (bool / int64 promote to float32), signbit (-0, NaN, int, bool),
            float_power (always float64), ldexp, heaviside (NaN, -0), sinc (at 0), special.entr
            (0, negatives, NaN, inf), special.xlog1py (x == 0, y <= -1, NaN, numbers on either
            side); gradients and grad_fn names.
errors:     PyTorch's messages for bad input (`match` is the part the test compares: the whole
            message, or its distinctive last line).
"""
import json
import math
import os
import re
import warnings

import torch

from fixture_json import enc, ser as ser_any

F64 = torch.float64
F32 = torch.float32
I64 = torch.int64
NAN = float('nan')
INF = float('inf')
warnings.simplefilter('ignore')
OWN_NODES = ('SincBackward0', 'SpecialEntrBackward0', 'SpecialXlog1PyBackward', 'Rad2DegBackward0', 'Deg2RadBackward0')


def ser(x):
    """float32 as the shortest decimal that reads back as the same float32."""
    return ser_any(x, shortest_float32=True)


def t(v, dtype=F64):
    return torch.tensor(v, dtype=dtype)


def weights(shape, dtype=F64):
    """A fixed grad_output: 0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0, ... repeating."""
    base = t([0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0], dtype)
    n = math.prod(shape)
    return base.repeat((n + 6) // 7)[:n].reshape(shape)


def enc_arg(a):
    if isinstance(a, torch.Tensor):
        return ser(a)
    if isinstance(a, torch.dtype):
        return str(a).replace('torch.', '')
    if isinstance(a, (list, tuple)):
        return [enc_arg(v) for v in a]
    if isinstance(a, float):
        return enc(a)
    return a


def snake(name):
    return re.sub(r'([A-Z])', lambda m: '_' + m.group(1).lower(), name)


def run(fn, args, kw, method=False, transpose=False):
    args = list(args)
    if transpose:
        args[0] = args[0].t()
    pykw = {snake(k): v for k, v in kw.items()}
    if method:
        return getattr(args[0], fn)(*args[1:], **pykw)
    f = getattr(torch.special, fn[8:]) if fn.startswith('special.') else getattr(torch, fn)
    return f(*args, **pykw)


def ser_out(o):
    return [ser(v) for v in o] if isinstance(o, (list, tuple)) else ser(o)


GROUPS = {k: [] for k in ('construct', 'quantile', 'stats', 'trapezoid', 'isin', 'shape', 'elementwise')}


def case(group, cid, fn, args, kw=None, method=False, transpose=False, rg=(), ref=None):
    """One case; `ref(*args, **kw)`, where given, stands in for the op when differentiating."""
    kw = kw or {}
    rec = {'id': cid, 'fn': fn, 'args': enc_arg(list(args)), 'out': ser_out(run(fn, args, kw, method, transpose))}
    if kw:
        rec['kw'] = {k: enc_arg(v) for k, v in kw.items()}
    if method:
        rec['method'] = True
    if transpose:
        rec['transpose'] = True
    if rg:
        def substitute(leaves):
            a, k = list(args), dict(kw)
            for key, leaf in zip(rg, leaves):
                if isinstance(key, int):
                    a[key] = leaf
                else:
                    k[key] = leaf
            return a, k
        originals = [args[key] if isinstance(key, int) else kw[key] for key in rg]
        leaves = [v.clone().requires_grad_() for v in originals]
        a, k = substitute(leaves)
        diff = (lambda a, k: run(fn, a, k, method, transpose)) if ref is None else (lambda a, k: ref(*a, **k))
        out = diff(a, k)
        assert ref is None or torch.equal(out.detach(), run(fn, args, kw, method, transpose))
        W = weights(list(out.shape), out.dtype)
        (out * W).sum().backward()
        rec.update({'rg': list(rg), 'grads': [ser(v.grad) for v in leaves]})
        if out.grad_fn.name().startswith(OWN_NODES):
            rec['gradFn'] = out.grad_fn.name()
        if ref is not None:
            rec['gradVia'] = ref.__doc__
        if all(v.dtype == F64 for v in originals):
            fresh = [v.clone().requires_grad_() for v in originals]
            rec['gradcheck'] = torch.autograd.gradcheck(lambda *ls: diff(*substitute(ls)), fresh,
                                                        raise_exception=False)
    GROUPS[group].append(rec)


# ---------------------------------------------------------------- construct
C = 'construct'
case(C, 'tril 3x3', 'tril_indices', [3, 3])
case(C, 'tril 3x4 offset -1', 'tril_indices', [3, 4, -1])
case(C, 'tril 3x4 offset 2', 'tril_indices', [3, 4, 2])
case(C, 'tril 0x3', 'tril_indices', [0, 3])
case(C, 'tril offset below the matrix', 'tril_indices', [3, 3, -5])
case(C, 'tril int32', 'tril_indices', [2, 2, 0], {'dtype': torch.int32})
case(C, 'triu 4x3 offset 1', 'triu_indices', [4, 3, 1])
case(C, 'triu 3x3 offset -1', 'triu_indices', [3, 3, -1])
case(C, 'triu 3x0', 'triu_indices', [3, 0])
case(C, 'triu offset past the matrix', 'triu_indices', [3, 3, 10])
ints4 = t([1, 5, 2, 7], I64)
case(C, 'combinations r=2 int64', 'combinations', [ints4])
case(C, 'combinations r=3', 'combinations', [ints4, 3])
case(C, 'combinations r=2 with replacement', 'combinations', [t([1, 2, 3], I64), 2], {'withReplacement': True})
case(C, 'combinations r=1', 'combinations', [ints4, 1])
case(C, 'combinations r=0', 'combinations', [ints4, 0])
case(C, 'combinations r > n', 'combinations', [ints4, 5])
case(C, 'combinations of an empty tensor', 'combinations', [t([])])
case(C, 'combinations bool', 'combinations', [torch.tensor([True, False, True])])
case(C, 'combinations float64 grad', 'combinations', [t([0.5, -1.0, 2.0, 3.5]), 2], rg=[0])
case(C, 'combinations with replacement r=3 grad', 'combinations', [t([0.5, -1.0, 2.0]), 3], {'withReplacement': True}, rg=[0])
case(C, 'cartesian_prod int64', 'cartesian_prod', [t([1, 2], I64), t([3, 4, 5], I64)])
case(C, 'cartesian_prod three', 'cartesian_prod', [t([1.0, 2.0], F32), t([3.0], F32), t([4.0, 5.0], F32)])
case(C, 'cartesian_prod one tensor', 'cartesian_prod', [t([1, 2, 3], I64)])
case(C, 'cartesian_prod with an empty tensor', 'cartesian_prod', [t([1, 2], I64), t([], I64)])
case(C, 'cartesian_prod grad', 'cartesian_prod', [t([0.5, -1.5]), t([2.0, 3.0, -4.0])], rg=[0, 1])
case(C, 'block_diag 0/1/2-D int64 + float32', 'block_diag', [t(5, I64), t([1, 2], I64), t([[1.0, 2.0], [3.0, 4.0]], F32)])
case(C, 'block_diag int64 + float64', 'block_diag', [t([[1, 2]], I64), t([[0.5], [1.5]])])
case(C, 'block_diag zero-size blocks', 'block_diag', [torch.zeros(2, 0), t([[1.0]], F32), torch.zeros(0, 2)])
case(C, 'block_diag no arguments', 'block_diag', [])
case(C, 'block_diag grad', 'block_diag', [t([[1.0, 2.0], [3.0, 4.0]]), t([5.0, 6.0, 7.0]), t(8.0)], rg=[0, 1, 2])
case(C, 'vander int64', 'vander', [t([1, 2, 3], I64)])
case(C, 'vander N=4 increasing', 'vander', [t([1, -2, 3], I64), 4], {'increasing': True})
case(C, 'vander bool', 'vander', [torch.tensor([True, False])])
case(C, 'vander int32 gives int64', 'vander', [t([2, 3], torch.int32), 3])
case(C, 'vander float32', 'vander', [t([0.5, -1.5, 2.0], F32), 3])
case(C, 'vander N=0', 'vander', [t([1.0, 2.0]), 0])
case(C, 'vander empty', 'vander', [t([], F32)])


def vander_ref(x, N=None, increasing=False):
    """cumprod([1, x, x, ...]), as vander computes it (1.13's vander cannot be differentiated)"""
    n = x.shape[0] if N is None else N
    cols = torch.cat([torch.ones_like(x).unsqueeze(1), x.unsqueeze(1).expand(x.shape[0], n - 1)], 1).cumprod(1)
    return cols if increasing else cols.flip(1)


case(C, 'vander grad', 'vander', [t([0.5, -1.5, 0.0, 2.0]), 4], rg=[0], ref=vander_ref)
case(C, 'vander increasing grad', 'vander', [t([0.5, -1.5, 2.0]), None], {'increasing': True}, rg=[0], ref=vander_ref)
case(C, 'diagflat 2-D offset -1', 'diagflat', [t([[1, 2], [3, 4]], I64), -1])
case(C, 'diagflat 1-D offset 2', 'diagflat', [t([1.5, -2.0]), 2])
case(C, 'diagflat 0-d', 'diagflat', [t(3.0, F32)])
case(C, 'diagflat empty', 'diagflat', [t([])])
case(C, 'diagflat empty offset 2', 'diagflat', [t([]), 2])
case(C, 'x.diagflat(1)', 'diagflat', [t([[1.0, 2.0]], F32), 1], method=True)

# ---------------------------------------------------------------- quantile / nanquantile
Q = 'quantile'
X = t([[0.3, -1.2, 4.5, 2.25, 0.9], [7.0, 3.5, -0.25, 1.75, -2.5]])
QS = t([0.0, 0.125, 0.375, 0.6, 0.9, 1.0])  # ranks 0, .5, 1.5, 2.4, 3.6, 4 along 5
XN = t([[1.5, NAN, -0.5, 3.0, 2.0], [0.25, 1.0, -3.0, 4.0, 2.5], [NAN, NAN, NAN, NAN, NAN], [NAN, 6.0, NAN, NAN, NAN]])
case(Q, 'all elements q=0.4', 'quantile', [X, 0.4])
case(Q, 'all elements keepdim', 'quantile', [X, 0.75], {'keepdim': True})
case(Q, 'q 1-D tensor dim=1 keepdim (positional)', 'quantile', [X, t([0.25, 0.5, 0.8]), 1, True])
case(Q, 'q 1-D tensor dim=0 (options)', 'quantile', [X, t([0.1, 0.9])], {'dim': 0})
case(Q, 'q 0-d tensor dim=-1', 'quantile', [X, t(0.3)], {'dim': -1})
case(Q, 'dim=1 keepdim=False, q number', 'quantile', [X, 0.5, 1])
case(Q, '0-d input', 'quantile', [t(3.0), 0.5])
case(Q, '0-d input dim=0 q 1-D', 'quantile', [t(3.0), t([0.2, 0.5])], {'dim': 0, 'keepdim': True})
case(Q, 'transposed input dim=0', 'quantile', [X, QS], {'dim': 0}, transpose=True)
case(Q, 'float32 q tensor', 'quantile', [X.to(F32), QS.to(F32)], {'dim': 1, 'interpolation': 'linear'})
case(Q, 'x.quantile(q, dim)', 'quantile', [X, t([0.5]), 1], method=True)
case(Q, 'x.nanquantile(q)', 'nanquantile', [XN, 0.5], method=True)
for mode in ('linear', 'lower', 'higher', 'midpoint', 'nearest'):
    case(Q, f'{mode} dim=1 grad', 'quantile', [X, QS], {'dim': 1, 'interpolation': mode}, rg=[0])
    if mode in ('linear', 'nearest'):
        case(Q, f'{mode} NaN rows give NaN', 'quantile', [XN, t([0.0, 0.375, 0.5, 1.0])], {'dim': 1, 'interpolation': mode})
    case(Q, f'{mode} nanquantile skips NaN, grad', 'nanquantile', [XN, t([0.0, 0.375, 0.5, 1.0])],
         {'dim': 1, 'keepdim': True, 'interpolation': mode}, rg=[0])
    case(Q, f'{mode} float32 all elements', 'quantile', [X.to(F32), t([0.125, 0.6], F32)], {'interpolation': mode})
case(Q, 'NaN anywhere: all-elements quantile is NaN', 'quantile', [XN, 0.5])
case(Q, 'nanquantile of all elements', 'nanquantile', [XN, t([0.2, 0.5])])
case(Q, 'nanquantile without NaN equals quantile', 'nanquantile', [X, 0.6, 0])
case(Q, 'quantile 1-D grad, q number', 'quantile', [t([2.0, -1.0, 0.5, 3.0]), 0.4], rg=[0])

# ---------------------------------------------------------------- cov / corrcoef
S = 'stats'
M = t([[1.0, 2.5, -0.5, 4.0], [0.3, -1.0, 2.0, 0.7], [5.0, 4.5, 3.0, 1.0]])
FW = t([1, 3, 2, 1], I64)
AW = t([0.5, 1.0, 2.0, 0.25])
case(S, 'cov float64', 'cov', [M])
case(S, 'cov correction 0', 'cov', [M], {'correction': 0})
case(S, 'cov correction 2', 'cov', [M], {'correction': 2})
case(S, 'cov correction past the observations gives inf', 'cov', [M], {'correction': 5})
case(S, 'cov int64 -> float32', 'cov', [t([[1, 2, 3], [4, 6, 5]], I64)])
case(S, 'cov 1-D', 'cov', [t([1.0, 2.0, 4.0, 7.0])])
case(S, 'cov one observation is NaN', 'cov', [t([[1.0], [4.0]])])
case(S, 'cov float32', 'cov', [M.to(F32)])
case(S, 'cov of a transposed input', 'cov', [M.t().contiguous()], transpose=True)
case(S, 'cov fweights', 'cov', [M], {'fweights': FW})
case(S, 'cov aweights', 'cov', [M], {'aweights': AW})
case(S, 'cov fweights + aweights', 'cov', [M], {'fweights': FW, 'aweights': AW})
case(S, 'cov aweights correction 0', 'cov', [M], {'aweights': AW, 'correction': 0})
case(S, 'cov int64 with weights', 'cov', [t([[1, 2, 3], [4, 6, 5]], I64)], {'fweights': t([1, 2, 1], I64), 'aweights': t([0.5, 1.0, 2.0], F32)})
case(S, 'x.cov({correction: 0})', 'cov', [M], {'correction': 0}, method=True)
case(S, 'cov grad', 'cov', [M], rg=[0])
case(S, 'cov fweights + aweights grad (input and aweights)', 'cov', [M], {'fweights': FW, 'aweights': AW}, rg=[0, 'aweights'])
case(S, 'cov aweights correction 0 grad', 'cov', [M], {'aweights': AW, 'correction': 0}, rg=[0, 'aweights'])
case(S, 'corrcoef float64', 'corrcoef', [M])
case(S, 'corrcoef int64 -> float32', 'corrcoef', [t([[1, 2, 3], [4, 6, 5]], I64)])
case(S, 'corrcoef 1-D', 'corrcoef', [t([1.0, 2.0, 4.0])])
case(S, 'corrcoef constant row gives NaN', 'corrcoef', [t([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0]])])
case(S, 'corrcoef float32', 'corrcoef', [M.to(F32)])
case(S, 'x.corrcoef()', 'corrcoef', [M], method=True)
case(S, 'corrcoef grad', 'corrcoef', [M], rg=[0])

# ---------------------------------------------------------------- trapezoid / cumulative_trapezoid
T = 'trapezoid'
Y = t([[1.0, 2.5, 4.0, 3.0], [0.5, -1.0, 2.0, 6.0]])
XS = t([0.0, 0.5, 1.5, 4.0])
case(T, '1-D dx=1', 'trapezoid', [t([1.0, 2.0, 4.0])])
case(T, 'dx=0.5 dim=0', 'trapezoid', [Y], {'dx': 0.5, 'dim': 0})
case(T, 'x positional', 'trapezoid', [Y, XS])
case(T, 'x as an option, dim=-1', 'trapezoid', [Y], {'x': XS, 'dim': -1})
case(T, '1-D x along dim 0', 'trapezoid', [Y, t([1.0, 3.0])], {'dim': 0})
case(T, '2-D x broadcast', 'trapezoid', [Y, t([[0.0, 1.0, 3.0, 3.5]])])
case(T, 'int64 y -> float32', 'trapezoid', [t([1, 2, 4], I64)])
case(T, 'int64 y and x', 'trapezoid', [t([1, 2, 4], I64), t([1, 2, 5], I64)])
case(T, 'float32', 'trapezoid', [Y.to(F32)], {'dx': 0.25})
case(T, 'empty along dim (float32)', 'trapezoid', [torch.zeros(2, 0)])
case(T, 'empty along dim (int64 stays int64)', 'trapezoid', [torch.zeros(2, 0, dtype=I64)])
case(T, 'one sample is 0', 'trapezoid', [t([3.0])])
case(T, 'trapz with x', 'trapz', [Y, XS])
case(T, 'trapz dx', 'trapz', [Y], {'dx': 2.0})
case(T, 'grad y and x', 'trapezoid', [Y, XS], rg=[0, 1])
case(T, 'grad dx', 'trapezoid', [Y], {'dx': 0.5, 'dim': 0}, rg=[0])
case(T, 'grad 2-D x', 'trapezoid', [Y, t([[0.0, 1.0, 3.0, 3.5], [1.0, 1.5, 2.0, 4.0]])], rg=[0, 1])
case(T, 'cumulative 1-D', 'cumulative_trapezoid', [t([1.0, 2.0, 4.0])])
case(T, 'cumulative dx dim 0', 'cumulative_trapezoid', [Y], {'dx': 0.5, 'dim': 0})
case(T, 'cumulative x', 'cumulative_trapezoid', [Y, XS])
case(T, 'cumulative int64 -> float32', 'cumulative_trapezoid', [t([1, 2, 4], I64)])
case(T, 'cumulative one sample is empty', 'cumulative_trapezoid', [t([3.0])])
case(T, 'cumulative float32 x option', 'cumulative_trapezoid', [Y.to(F32)], {'x': XS.to(F32)})
case(T, 'cumulative grad y and x', 'cumulative_trapezoid', [Y, XS], rg=[0, 1])
case(T, 'cumulative grad dx', 'cumulative_trapezoid', [Y], {'dx': 1.5}, rg=[0])

# ---------------------------------------------------------------- isin
I = 'isin'
case(I, 'int64 in int64', 'isin', [t([[1, 2, 3], [4, 5, 6]], I64), t([6, 2, 9], I64)])
case(I, 'int64 in float64 (promoted)', 'isin', [t([1, 2, 3], I64), t([1.5, 2.0])])
case(I, 'number in tensor', 'isin', [2, t([1, 2], I64)])
case(I, 'tensor in number', 'isin', [t([1.0, 2.0, 2.5]), 2])
case(I, 'empty test elements', 'isin', [t([1, 2, 3], I64), t([], dtype=I64)])
case(I, 'empty elements', 'isin', [t([], dtype=I64), t([1], I64)])
case(I, '0-d elements', 'isin', [t(2, I64), t([2], I64)])
case(I, 'NaN is never found', 'isin', [t([1.0, NAN, 3.0]), t([NAN, 1.0])])
case(I, 'invert', 'isin', [t([1, 2, 3, 4], I64), t([2, 4], I64)], {'invert': True})
case(I, 'assume_unique', 'isin', [t([5, 1, 3], I64), t([3, 7, 5], I64)], {'assumeUnique': True})
case(I, 'float32 in float32, 2-D test', 'isin', [t([0.5, 1.5, -2.0], F32), t([[1.5, 0.0], [-2.0, 3.0]], F32)])

# ---------------------------------------------------------------- shapes and splits
H = 'shape'
A12 = torch.arange(12, dtype=I64)
case(H, 'atleast_1d 0-d', 'atleast_1d', [t(4.0)])
case(H, 'atleast_1d 2-D unchanged', 'atleast_1d', [A12.reshape(3, 4)])
case(H, 'atleast_2d 0-d', 'atleast_2d', [t(4, I64)])
case(H, 'atleast_2d 1-D', 'atleast_2d', [t([1.0, 2.0])])
case(H, 'atleast_3d 0-d', 'atleast_3d', [t(4.0)])
case(H, 'atleast_3d 1-D', 'atleast_3d', [t([1, 2, 3], I64)])
case(H, 'atleast_3d 2-D', 'atleast_3d', [A12.reshape(3, 4)])
case(H, 'atleast_3d 4-D unchanged', 'atleast_3d', [A12.reshape(1, 2, 3, 2)])
case(H, 'atleast_1d several', 'atleast_1d', [t(1.0), t([2.0, 3.0])])
case(H, 'atleast_2d several', 'atleast_2d', [t(1, I64), t([2, 3], I64), A12.reshape(2, 6)])
case(H, 'atleast_3d several', 'atleast_3d', [t(1.0, F32), A12.reshape(3, 4)])
case(H, 'row_stack 1-D and 2-D', 'row_stack', [[t([1, 2], I64), t([[3, 4], [5, 6]], I64)]])
case(H, 'row_stack 0-d', 'row_stack', [[t(1.0), t(2.0)]])
case(H, 'hsplit 2-D in 2', 'hsplit', [A12.reshape(3, 4), 2])
case(H, 'hsplit 2-D at indices', 'hsplit', [A12.reshape(3, 4), [1, 3]])
case(H, 'hsplit 1-D', 'hsplit', [A12, 3])
case(H, 'hsplit 1-D at indices past the end', 'hsplit', [A12[:4], [1, 6]])
case(H, 'hsplit 3-D', 'hsplit', [A12.reshape(2, 2, 3), 2])
case(H, 'vsplit in 3', 'vsplit', [A12.reshape(6, 2), 3])
case(H, 'vsplit at indices', 'vsplit', [A12.reshape(4, 3), [1, 2]])
case(H, 'dsplit in 3', 'dsplit', [A12.reshape(2, 2, 3), 3])
case(H, 'dsplit at indices', 'dsplit', [A12.reshape(1, 2, 6).double(), [2, 5]])
case(H, 'x.hsplit(2)', 'hsplit', [A12.reshape(2, 6), 2], method=True)
case(H, 'x.vsplit([1])', 'vsplit', [A12.reshape(3, 4), [1]], method=True)
case(H, 'x.dsplit(2)', 'dsplit', [A12.reshape(1, 3, 4), 2], method=True)
case(H, 'ravel 2-D', 'ravel', [A12.reshape(3, 4)])
case(H, 'ravel of a transposed view', 'ravel', [A12.reshape(3, 4)], transpose=True)
case(H, 'ravel 0-d', 'ravel', [t(2.5)])
case(H, 'x.ravel()', 'ravel', [t([[1.0, 2.0], [3.0, 4.0]], F32)], method=True)
case(H, 'unflatten dim 1', 'unflatten', [A12.reshape(2, 6), 1, [2, 3]])
case(H, 'unflatten -1 inferred', 'unflatten', [A12.reshape(2, 6), 1, [-1, 3]])
case(H, 'unflatten dim -1', 'unflatten', [A12.reshape(2, 6), -1, [3, -1]])
case(H, 'unflatten dim 0 of 1-D', 'unflatten', [A12, 0, [2, -1, 1]])
case(H, 'unflatten a size-0 dim', 'unflatten', [torch.zeros(2, 0, 3), 1, [0, 5]])
case(H, 'x.unflatten(0, [3, 2])', 'unflatten', [A12.reshape(6, 2).double(), 0, [3, 2]], method=True)
case(H, 'argwhere int64 2-D', 'argwhere', [t([[0, 1, 0], [2, 0, 3]], I64)])
case(H, 'argwhere NaN counts', 'argwhere', [t([0.0, NAN, -0.0, 2.0])])
case(H, 'argwhere 0-d non-zero', 'argwhere', [t(3, I64)])
case(H, 'argwhere 0-d zero', 'argwhere', [t(0.0)])
case(H, 'argwhere empty', 'argwhere', [t([], F32)])
case(H, 'argwhere bool 3-D', 'argwhere', [torch.tensor([[[True, False], [False, True]], [[False, False], [True, True]]])])
case(H, 'x.argwhere()', 'argwhere', [t([[1.0, 0.0], [0.0, 1.0]])], method=True)

# ---------------------------------------------------------------- elementwise
E = 'elementwise'
ANG = t([-3.5, 0.0, 0.25, 1.0, math.pi, NAN, INF])
case(E, 'rad2deg float64', 'rad2deg', [ANG])
case(E, 'rad2deg float32', 'rad2deg', [ANG.to(F32)])
case(E, 'rad2deg int64 -> float32', 'rad2deg', [t([-2, 0, 3], I64)])
case(E, 'rad2deg bool -> float32', 'rad2deg', [torch.tensor([True, False])])
case(E, 'rad2deg grad', 'rad2deg', [t([[0.5, -1.0], [2.0, 3.0]])], rg=[0])
case(E, 'rad2deg float32 grad', 'rad2deg', [t([0.5, -1.0, 2.0], F32)], rg=[0])
case(E, 'x.rad2deg()', 'rad2deg', [t([1.0, 2.0])], method=True)
case(E, 'deg2rad float64', 'deg2rad', [t([-90.0, 0.0, 45.0, 180.0, 720.0, NAN])])
case(E, 'deg2rad int64 -> float32', 'deg2rad', [t([90, -180], I64)])
case(E, 'deg2rad grad', 'deg2rad', [t([30.0, -45.0, 360.0])], rg=[0])
case(E, 'x.deg2rad()', 'deg2rad', [t([90.0], F32)], method=True)
case(E, 'signbit float64', 'signbit', [t([-0.0, 0.0, -1.5, 2.0, NAN, -INF, INF, -1e-300])])
case(E, 'signbit float32', 'signbit', [t([-0.0, 3.0, -2.0], F32)])
case(E, 'signbit int64', 'signbit', [t([-1, 0, 2], I64)])
case(E, 'signbit bool', 'signbit', [torch.tensor([True, False])])
case(E, 'x.signbit()', 'signbit', [t([[-1.0, 1.0]])], method=True)
case(E, 'float_power int64 ** 2', 'float_power', [t([2, 3, -4], I64), 2])
case(E, 'float_power 2 ** int64', 'float_power', [2, t([2, -1, 0], I64)])
case(E, 'float_power float32 ** float32', 'float_power', [t([2.0, 9.0], F32), t([0.5, 0.5], F32)])
case(E, 'float_power negative ** fraction is NaN', 'float_power', [t([-8.0, 8.0]), 1 / 3])
case(E, 'float_power broadcast', 'float_power', [t([[1.5], [2.0]]), t([1.0, -2.0, 0.5])])
case(E, 'x.floatPower(3)', 'float_power', [t([1, 2], torch.int32), 3], method=True)
case(E, 'float_power grad base and exponent', 'float_power', [t([1.5, 2.0, 0.5]), t([2.0, -1.5, 3.0])], rg=[0, 1])
case(E, 'float_power grad base, number exponent', 'float_power', [t([[1.5, 2.0], [0.5, 3.0]]), 2.5], rg=[0])
case(E, 'float_power grad number base', 'float_power', [2.0, t([0.5, -1.0])], rg=[1])
case(E, 'float_power float32 grad', 'float_power', [t([1.5, 2.0], F32), 2], rg=[0])
case(E, 'ldexp float64', 'ldexp', [t([1.0, -2.5, 3.0]), t([3, -2, 0], I64)])
case(E, 'ldexp float32', 'ldexp', [t([1.0, 0.75], F32), t([10, -3], I64)])
case(E, 'ldexp int64 -> float32', 'ldexp', [t([1, 2, 3], I64), t([3, -1, 0], I64)])
case(E, 'x.ldexp(e)', 'ldexp', [t([0.5, 1.5]), t([1, 2], I64)], method=True)
case(E, 'heaviside float64 (NaN, -0)', 'heaviside', [t([-1.0, 0.0, 2.0, NAN, -0.0, -INF]), t([0.5])])
case(E, 'heaviside same-shape values', 'heaviside', [t([[0.0, 1.0], [0.0, -1.0]]), t([[0.25, 9.0], [-3.0, 9.0]])])
case(E, 'heaviside int64', 'heaviside', [t([-1, 0, 2], I64), t([5], I64)])
case(E, 'heaviside float32 0-d values', 'heaviside', [t([0.0, 3.0], F32), t(7.0, F32)])
case(E, 'x.heaviside(v)', 'heaviside', [t([0.0, -2.0]), t([1.0])], method=True)
SINC = t([0.0, 1.0, -2.5, 0.5, 1e-9, 1e-3, -0.75, INF, NAN])
case(E, 'sinc float64', 'sinc', [SINC])
case(E, 'sinc float32', 'sinc', [SINC.to(F32)])
case(E, 'sinc int64 -> float32', 'sinc', [t([0, 1, 2], I64)])
case(E, 'special.sinc', 'special.sinc', [t([0.0, 0.25, -3.5])])
case(E, 'x.sinc()', 'sinc', [t([0.0, 0.5], F32)], method=True)
case(E, 'sinc grad incl. 0', 'sinc', [t([0.0, 0.3, -1.25, 2.0, 1e-4])], rg=[0])
case(E, 'special.sinc float32 grad', 'special.sinc', [t([0.0, 0.3, -1.25], F32)], rg=[0])
case(E, 'entr float64', 'special.entr', [t([-1.0, 0.0, 0.5, 1.0, 2.5, NAN, INF, 1e-300])])
case(E, 'entr float32', 'special.entr', [t([-1.0, 0.0, 0.5, 3.0], F32)])
case(E, 'entr int64 -> float32', 'special.entr', [t([0, 1, 2, -1], I64)])
case(E, 'entr grad', 'special.entr', [t([[0.5, 1.0], [2.5, 0.01]])], rg=[0])
case(E, 'entr grad at 0 and below', 'special.entr', [t([0.0, -1.0, 0.25])], rg=[0])
case(E, 'entr float32 grad', 'special.entr', [t([0.5, 4.0], F32)], rg=[0])
XL_X = t([0.0, 0.0, 0.0, 1.0, 2.0, -1.5, 0.0, 3.0])
XL_Y = t([-1.0, NAN, -2.0, -2.0, 1.0, 0.5, 3.0, -1.0])
case(E, 'xlog1py float64 (x == 0, y <= -1, NaN)', 'special.xlog1py', [XL_X, XL_Y])
case(E, 'xlog1py number x', 'special.xlog1py', [2.0, t([1.0, -0.5])])
case(E, 'xlog1py number y', 'special.xlog1py', [t([2.0, 0.0], F32), 1.5])
case(E, 'xlog1py int64 -> float32', 'special.xlog1py', [t([2, 0], I64), t([3, -1], I64)])
case(E, 'xlog1py float number with int64 y', 'special.xlog1py', [2.5, t([1, 3], I64)])
case(E, 'xlog1py float32 with float64', 'special.xlog1py', [t([1.5], F32), t([0.5, 2.0])])
case(E, 'xlog1py bool -> float32', 'special.xlog1py', [torch.tensor([True, False]), t([1.0, 2.0], F32)])
case(E, 'xlog1py grad', 'special.xlog1py', [t([0.5, -1.0, 2.0, 1.5]), t([0.25, 3.0, -0.5, 1.0])], rg=[0, 1])
case(E, 'xlog1py grad at x == 0 and y <= -1', 'special.xlog1py', [XL_X, XL_Y], rg=[0, 1])
case(E, 'xlog1py grad broadcast', 'special.xlog1py', [t([[0.5], [2.0]]), t([0.25, 3.0, 1.0])], rg=[0, 1])
case(E, 'xlog1py grad, number y', 'special.xlog1py', [t([0.5, 2.0]), 1.5], rg=[0])
case(E, 'xlog1py grad, number x', 'special.xlog1py', [2.0, t([0.5, 2.0])], rg=[1])

# ---------------------------------------------------------------- errors
errors = []


def err(cid, fn, args, kw=None, method=False, match=None, backward=None):
    kw = kw or {}
    try:
        if backward is not None:
            leaf = args[backward].clone().requires_grad_()
            a = list(args)
            a[backward] = leaf
            run(fn, a, kw, method).sum().backward()
        else:
            run(fn, args, kw, method)
    except Exception as e:  # noqa: BLE001
        msg = str(e)
        rec = {'id': cid, 'fn': fn, 'args': enc_arg(list(args)), 'type': type(e).__name__, 'message': msg}
        if match is not None:
            rec['match'] = msg.strip().split('\n')[-1]
            assert rec['match'] in msg and rec['match'] != msg
        if kw:
            rec['kw'] = {k: enc_arg(v) for k, v in kw.items()}
        if method:
            rec['method'] = True
        if backward is not None:
            rec['backward'] = backward
        errors.append(rec)
        return
    raise AssertionError(f'{cid}: no error')


V3 = t([1.0, 2.0, 3.0])
err('quantile empty input', 'quantile', [t([]), 0.5])
err('nanquantile empty input', 'nanquantile', [t([]), 0.5])
err('quantile int64 input', 'quantile', [t([1, 2], I64), 0.5])
err('quantile q > 1', 'quantile', [V3, 1.5])
err('quantile q < 0', 'quantile', [V3, -0.1])
err('quantile q tensor of another dtype', 'quantile', [V3, t([0.5], F32)])
err('quantile q 2-D', 'quantile', [V3, t([[0.5]])])
err('quantile q tensor values out of range', 'quantile', [V3, t([0.5, 2.0])])
err('quantile bad interpolation', 'quantile', [V3, 0.5], {'interpolation': 'bad'})
err('quantile dim out of range', 'quantile', [V3, 0.5, 3])
err('nanquantile q > 1', 'nanquantile', [V3, 1.5])
err('x.quantile q tensor values out of range', 'quantile', [V3, t([-0.5])], method=True)
err('cov 3-D input', 'cov', [torch.zeros(2, 2, 2)])
err('cov bool input', 'cov', [torch.tensor([True, False])])
err('cov float fweights', 'cov', [M], {'fweights': t([1.0, 2.0, 3.0, 4.0])})
err('cov fweights numel', 'cov', [M], {'fweights': t([1, 2], I64)})
err('cov negative fweights', 'cov', [M], {'fweights': t([1, -2, 3, 1], I64)})
err('cov 2-D fweights', 'cov', [M], {'fweights': t([[1, 2, 3, 1]], I64)})
err('cov int aweights', 'cov', [M], {'aweights': t([1, 2, 3, 1], I64)})
err('cov aweights numel', 'cov', [M], {'aweights': t([1.0, 2.0])})
err('cov negative aweights', 'cov', [M], {'aweights': t([1.0, -2.0, 3.0, 1.0])})
err('cov 2-D aweights', 'cov', [M], {'aweights': t([[1.0, 2.0, 3.0, 1.0]])})
err('cov weights sum to zero', 'cov', [M], {'aweights': t([0.0, 0.0, 0.0, 0.0])})
err('corrcoef 3-D input', 'corrcoef', [torch.zeros(2, 2, 2)])
err('hsplit 0-d', 'hsplit', [t(1.0), 2])
err('hsplit 2-D indivisible', 'hsplit', [torch.zeros(3, 5), 2])
err('hsplit 1-D indivisible', 'hsplit', [torch.zeros(5), 2])
err('hsplit 0 sections', 'hsplit', [torch.zeros(4, 4), 0])
err('vsplit 1-D', 'vsplit', [torch.zeros(5), 5])
err('vsplit indivisible', 'vsplit', [torch.zeros(5, 2), 2])
err('dsplit 2-D', 'dsplit', [torch.zeros(5, 2), 2])
err('dsplit indivisible', 'dsplit', [torch.zeros(5, 2, 3), 2])
err('x.vsplit 1-D', 'vsplit', [torch.zeros(4), 2], method=True)
err('unflatten sizes do not multiply up', 'unflatten', [torch.zeros(2, 6), 1, [4, 2]])
err('unflatten -1 with an indivisible rest', 'unflatten', [torch.zeros(2, 6), 1, [-1, 4]])
err('unflatten two -1', 'unflatten', [torch.zeros(2, 6), 1, [-1, -1]], match='last line')
err('unflatten empty sizes', 'unflatten', [torch.zeros(2, 6), 1, []])
err('unflatten dim out of range', 'unflatten', [torch.zeros(2, 6), 3, [2, 3]])
err('heaviside float32 and int64', 'heaviside', [t([1.0, 0.0], F32), t([1], I64)])
err('heaviside float32 and float64', 'heaviside', [t([1.0, 0.0], F32), t([1.0])])
err('heaviside backward', 'heaviside', [t([1.0, 0.0, -1.0]), t([0.5])], backward=0)
err('combinations 2-D input', 'combinations', [torch.zeros(2, 2)])
err('combinations negative r', 'combinations', [t([1, 2], I64), -1])
err('cartesian_prod 2-D input', 'cartesian_prod', [t([1.0]), torch.zeros(2, 2)])
err('block_diag 3-D input', 'block_diag', [torch.zeros(2, 2, 2)])
err('block_diag 3-D second input', 'block_diag', [torch.zeros(2), torch.zeros(1, 2, 2)])
err('tril_indices negative row', 'tril_indices', [-1, 3])
err('triu_indices negative row', 'triu_indices', [-1, 3])
err('tril_indices negative col', 'tril_indices', [3, -2])
err('tril_indices float32 dtype', 'tril_indices', [3, 3, 0], {'dtype': F32})
err('vander 2-D', 'vander', [torch.zeros(2, 2)])
err('vander negative N', 'vander', [torch.zeros(2), -1])
err('trapezoid x length', 'trapezoid', [V3, t([1.0, 2.0])])
err('trapezoid bool y', 'trapezoid', [torch.tensor([True, False])])
err('trapezoid 0-d y', 'trapezoid', [t(3.0)])
err('cumulative_trapezoid x length', 'cumulative_trapezoid', [V3, t([1.0, 2.0])])

fixture = {'torch': torch.__version__, **GROUPS, 'errors': errors}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'tensor-ops-extras.json')
with open(path, 'w') as f:
    json.dump(fixture, f, separators=(',', ':'), allow_nan=False)
    f.write('\n')
counts = ', '.join(f'{len(v)} {k}' for k, v in GROUPS.items())
print(f'wrote {path}: {counts}, {len(errors)} errors, {os.path.getsize(path)} bytes')
