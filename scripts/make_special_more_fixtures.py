#!/usr/bin/env python3
"""Generate tests/fixtures/special-more.json: PyTorch 1.13's torch.special functions that
flint/rules/special_more.h implements (ndtri, gammainc/gammaincc, the Bessel, modified Bessel
and Airy functions, spherical_bessel_j0, the orthogonal polynomials, zeta).

    /usr/bin/python3 scripts/make_special_more_fixtures.py [--dump /tmp/special_more.txt]

unary:       per function, float64 inputs (random points over the useful domain, every branch
             boundary, ±0, huge and tiny magnitudes, ±inf, NaN) with PyTorch's output, and the
             same inputs rounded to float32 with the float32 output.
binary:      gammainc, gammaincc (a, x) and zeta (x, q): a column of first arguments against a
             row of second arguments (broadcast to a grid), in float64 and float32, plus random
             pairs along the diagonal a ~ x where igamma switches to its asymptotic series.
polynomials: per polynomial, a column of x against a row of n (float64 n: negative, 0..13,
             non-integers, 50, 200, ±inf, NaN), in float64 and float32; n as an int64 tensor
             (same x, n integral: <dtype>Int64N).
scalarN:     x as a float64 tensor with a Python-number n (0, 1, 3, 9, 2.5, -1), and float32 x
             with n = 3.
dtypes:      what each function gives for int64 (and bool) inputs: the result dtype, or the
             error; the polynomials' mixed cases (float32 x with float64 n, a Python-number x).
grads:       per function, the float64 gradient of the sum where 1.13 has a derivative, or
             the error (with whether the output requires grad).
torchNames:  the torch function behind each key.
The --dump option also writes every float value as hex, one case a line
(`name dtype x n out`), for the standalone C++ check of special_more.h.
"""
import json
import math
import os
import sys

import numpy
import torch

from fixture_json import enc, err, ser

S = torch.special
F64 = torch.float64
F32 = torch.float32
INF = math.inf
NAN = math.nan
rng = numpy.random.default_rng(20240613)


def uniform(lo, hi, n):
    return [float(v) for v in rng.uniform(lo, hi, n)]


def loguniform(lo, hi, n):
    return [float(v) for v in numpy.exp(rng.uniform(math.log(lo), math.log(hi), n))]


def sym(vals):
    return vals + [-v for v in vals]


EDGE = [0.0, -0.0, INF, -INF, NAN, 1e-300, -1e-300, 5e-324, 1e300, -1e300, 1e-20, -1e-20]

# name -> (torch function, float64 inputs)
UNARY = {
    'ndtri': (S.ndtri, uniform(0.0, 1.0, 120) + loguniform(1e-300, 0.2, 60)
              + [1.0 - v for v in loguniform(1e-16, 0.2, 40)]
              + [0.0, -0.0, 1.0, 0.5, 0.13533528323661269189, 1 - 0.13533528323661269189, 1.2664165549e-14,
                 1e-300, 5e-324, 1 - 2**-53, 2**-53, -0.5, 1.5, -1e-300, 1 + 2**-52, INF, -INF, NAN]),
    'besselJ0': (S.bessel_j0, uniform(-60, 60, 150) + sym(loguniform(1e-8, 1e6, 50))
                 + sym([5.0, 4.999999999, 5.000000001, 1e-5, 9.999e-6, 2.404825557695773, 1e15]) + EDGE),
    'besselJ1': (S.bessel_j1, uniform(-60, 60, 150) + sym(loguniform(1e-8, 1e6, 50))
                 + sym([5.0, 4.999999999, 5.000000001, 3.8317059702075125, 1e15]) + EDGE),
    'besselY0': (S.bessel_y0, uniform(0, 60, 150) + loguniform(1e-300, 1e6, 60)
                 + [5.0, 4.999999999, 5.000000001, 0.8935769662791675, -1.0, -5.5, 1e15] + EDGE),
    'besselY1': (S.bessel_y1, uniform(0, 60, 150) + loguniform(1e-300, 1e6, 60)
                 + [5.0, 4.999999999, 5.000000001, 2.197141326031017, -1.0, -5.5, 1e-308, 1e15] + EDGE),
    'modifiedBesselI0': (S.modified_bessel_i0, uniform(-60, 60, 150) + sym(loguniform(1e-10, 720, 40))
                         + sym([8.0, 7.999999, 8.000001, 700.0, 709.0, 711.0, 1e5]) + EDGE),
    'modifiedBesselI1': (S.modified_bessel_i1, uniform(-60, 60, 150) + sym(loguniform(1e-10, 720, 40))
                         + sym([8.0, 7.999999, 8.000001, 700.0, 709.0, 711.0, 1e5]) + EDGE),
    'modifiedBesselK0': (S.modified_bessel_k0, uniform(0, 60, 120) + loguniform(1e-300, 800, 80)
                         + [2.0, 1.9999999, 2.0000001, 700.0, 745.0, -1.0, -2.5] + EDGE),
    'modifiedBesselK1': (S.modified_bessel_k1, uniform(0, 60, 120) + loguniform(1e-300, 800, 80)
                         + [2.0, 1.9999999, 2.0000001, 700.0, 745.0, -1.0, -2.5] + EDGE),
    'scaledModifiedBesselK0': (S.scaled_modified_bessel_k0, uniform(0, 60, 120) + loguniform(1e-300, 1e8, 80)
                               + [2.0, 1.9999999, 2.0000001, 700.0, 745.0, -1.0, -2.5] + EDGE),
    'scaledModifiedBesselK1': (S.scaled_modified_bessel_k1, uniform(0, 60, 120) + loguniform(1e-300, 1e8, 80)
                               + [2.0, 1.9999999, 2.0000001, 700.0, 745.0, -1.0, -2.5] + EDGE),
    'sphericalBesselJ0': (S.spherical_bessel_j0, uniform(-60, 60, 150) + sym(loguniform(1e-10, 1e6, 40))
                          + sym([0.5, 0.49999999, 0.50000001, math.pi, 1e15]) + EDGE),
    'airyAi': (S.airy_ai, uniform(-60, 20, 150) + uniform(-3, 3, 40) + sym(loguniform(1e-10, 1e4, 30))
               + [-2.09, -2.0899999, -2.0900001, 2.09, 2.0899999, 2.0900001, 8.3203353, 8.32, 8.33, 103.892, 103.891,
                  103.893, -1e10, -2.338107410459767] + EDGE),
}

GAMMA_A = ([0.0, -0.0, -1.0, -1e-300, 1e-300, 1e-3, 0.1, 0.5, 1.0, 1.5, 2.0, 5.0, 9.5, 20.0, 20.5, 30.0, 100.0, 199.0,
            200.0, 250.0, 1e3, 1e4, 1e6, INF, NAN] + loguniform(1e-3, 1e4, 15))
GAMMA_X = ([0.0, -0.0, -1.0, 1e-300, 1e-10, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0, 1.1, 1.5, 2.0, 4.5, 10.0, 19.0, 21.0, 30.0,
            100.0, 195.0, 205.0, 255.0, 1e3, 1e4, 1e6, INF, NAN] + loguniform(1e-3, 1e4, 12))
ZETA_X = ([1.0, 0.5, -2.0, 1.0000001, 1.5, 2.0, 2.5, 3.0, 4.0, 7.0, 10.0, 20.0, 50.0, 100.0, INF, NAN]
          + uniform(1, 30, 6))
ZETA_Q = ([0.0, -0.0, -1.0, -2.0, -0.5, -1.5, -3.25, 1e-10, 0.1, 0.5, 1.0, 2.0, 3.5, 9.0, 10.0, 100.0, 1e6, INF, NAN]
          + loguniform(1e-3, 50, 6))
# name -> (torch function, first argument's values (a column), second's (a row), their names)
BINARY = {'gammainc': (S.gammainc, GAMMA_A, GAMMA_X, ('a', 'x')),
          'gammaincc': (S.gammaincc, GAMMA_A, GAMMA_X, ('a', 'x')),
          'zeta': (S.zeta, ZETA_X, ZETA_Q, ('x', 'q'))}

POLY_X = ([-INF, -1e3, -3.0, -1.5, -1.0, -0.999999, -0.9, -0.5, -0.3, -1e-3, -0.0, 0.0, 1e-3, 0.1, 0.25, 0.5, 0.7,
           0.75, 0.9, 0.999999, 1.0, 1.0000001, 1.5, 2.0, 3.0, 10.0, 1e3, INF, NAN] + uniform(-1.2, 1.2, 11))
POLY_N = [-3.0, -1.0, -0.5, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 13.0, 2.5, 2.9, 50.0, 200.0,
          INF, -INF, NAN]
POLY_N_INT = [-3, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 50, 200]
POLY = {
    'chebyshevPolynomialT': S.chebyshev_polynomial_t, 'chebyshevPolynomialU': S.chebyshev_polynomial_u,
    'chebyshevPolynomialV': S.chebyshev_polynomial_v, 'chebyshevPolynomialW': S.chebyshev_polynomial_w,
    'shiftedChebyshevPolynomialT': S.shifted_chebyshev_polynomial_t,
    'shiftedChebyshevPolynomialU': S.shifted_chebyshev_polynomial_u,
    'shiftedChebyshevPolynomialV': S.shifted_chebyshev_polynomial_v,
    'shiftedChebyshevPolynomialW': S.shifted_chebyshev_polynomial_w,
    'hermitePolynomialH': S.hermite_polynomial_h, 'hermitePolynomialHe': S.hermite_polynomial_he,
    'laguerrePolynomialL': S.laguerre_polynomial_l, 'legendrePolynomialP': S.legendre_polynomial_p,
}
TORCH_NAME = {name: 'special.' + f.__name__.replace('special_', '') for name, f in POLY.items()}
TORCH_NAME.update({name: 'special.' + f.__name__.replace('special_', '') for name, (f, _) in UNARY.items()})
TORCH_NAME.update({name: 'special.' + f.__name__.replace('special_', '') for name, (f, *_) in BINARY.items()})


def t(v, dtype=F64):
    return torch.tensor(v, dtype=dtype)


def s32(x):
    return ser(x, shortest_float32=True)


def dtype_name(x):
    return str(x.dtype).replace('torch.', '')


def outcome(fn):
    """The result's dtype and values, or the error."""
    try:
        y = fn()
    except Exception as e:  # noqa: BLE001
        return {'error': {'type': type(e).__name__, 'message': str(e)}}
    return {'dtype': dtype_name(y), 'out': s32(y)}


def grad_record(fn, inputs, which):
    """d(sum fn(*inputs))/d inputs[which] in float64, or the error backward raised."""
    xs = [v.clone().requires_grad_(i == which) for i, v in enumerate(inputs)]
    y = fn(*xs)
    rec = {'requiresGrad': y.requires_grad, 'gradFn': type(y.grad_fn).__name__ if y.grad_fn is not None else None}
    try:
        y.sum().backward()
    except Exception as e:  # noqa: BLE001
        rec['error'] = {'type': type(e).__name__, 'message': str(e)}
        return rec
    rec['grad'] = ser(xs[which].grad)
    return rec


dump = []


def dump_rows(name, dtype, xs, ns, outs):
    for x, n, o in zip(xs, ns, outs):
        dump.append(f'{name} {dtype} {float(x).hex()} {float(n).hex()} {float(o).hex()}')


out = {'torch': torch.__version__, 'unary': {}, 'binary': {}, 'polynomials': {}, 'scalarN': {}, 'dtypes': {},
       'grads': {}, 'torchNames': TORCH_NAME}

# ---------------------------------------------------------------- unary
for name, (f, xs) in UNARY.items():
    x64 = t(xs)
    x32 = x64.to(F32)
    y64, y32 = f(x64), f(x32)
    out['unary'][name] = {'float64': {'x': ser(x64), 'out': ser(y64)}, 'float32': {'x': s32(x32), 'out': s32(y32)}}
    dump_rows(name, 'float64', x64.tolist(), [0.0] * len(xs), y64.tolist())
    dump_rows(name, 'float32', x32.tolist(), [0.0] * len(xs), y32.tolist())
    out['dtypes'][name] = {'int64': outcome(lambda: f(torch.tensor([-2, 0, 1, 3]))),
                           'bool': outcome(lambda: f(torch.tensor([False, True])))}
    gpts = [0.001, 0.05, 0.3, 0.5, 0.9, 0.999] if name == 'ndtri' else [0.05, 0.3, 0.5, 0.9, 1.5, 2.5, 7.0]
    out['grads'][name] = grad_record(f, [t(gpts)], 0)

# ---------------------------------------------------------------- binary
for name, (f, col, row, (first, second)) in BINARY.items():
    rec = {}
    for dtype, key in ((F64, 'float64'), (F32, 'float32')):
        a = t(col, dtype).reshape(-1, 1)
        b = t(row, dtype).reshape(1, -1)
        y = f(a, b)
        rec[key] = {first: s32(a), second: s32(b), 'out': s32(y)}
        aa, bb = torch.broadcast_tensors(a, b)
        dump_rows(name, key, aa.reshape(-1).tolist(), bb.reshape(-1).tolist(), y.reshape(-1).tolist())
    out['binary'][name] = rec
ALONG = loguniform(20, 1e5, 150)
along_a = t(ALONG)
along_x = along_a * t(numpy.exp(rng.normal(0.0, 1.0, len(ALONG))).tolist()) ** (1 / along_a.sqrt() * 6)
for name in ('gammainc', 'gammaincc'):
    f = BINARY[name][0]
    rec = {}
    for dtype, key in ((F64, 'float64'), (F32, 'float32')):
        a, x = along_a.to(dtype), along_x.to(dtype)
        y = f(a, x)
        rec[key] = {'a': s32(a), 'x': s32(x), 'out': s32(y)}
        dump_rows(name, key, a.tolist(), x.tolist(), y.tolist())
    out['binary'][name]['diagonal'] = rec
gx = t([0.3, 1.2, 2.5, 7.0, 25.0])
ga = t([0.5, 2.0, 3.0, 5.5, 22.0])
for name in ('gammainc', 'gammaincc'):
    f = BINARY[name][0]
    out['grads'][name] = {'a': grad_record(f, [ga, gx], 0), 'x': grad_record(f, [ga, gx], 1)}
    out['dtypes'][name] = {'int64': outcome(lambda: f(torch.tensor([1, 2]), torch.tensor([1, 3]))),
                           'float32Int64': outcome(lambda: f(t([1.0, 2.0], F32), torch.tensor([1, 3]))),
                           'float32Float64': outcome(lambda: f(t([1.0, 2.0], F32), t([1.0, 3.0]))),
                           'pythonNumber': outcome(lambda: f(t([1.0, 2.0]), 1.5))}
zx, zq = t([2.0, 3.5, 4.0]), t([0.5, 1.5, 7.0])
out['grads']['zeta'] = {'x': grad_record(S.zeta, [zx, zq], 0), 'q': grad_record(S.zeta, [zx, zq], 1)}
out['dtypes']['zeta'] = {'int64': outcome(lambda: S.zeta(torch.tensor([2, 3, 1, 0]), torch.tensor([1, 2, 0, 3]))),
                         'bool': outcome(lambda: S.zeta(torch.tensor([True]), torch.tensor([True]))),
                         'float32Float64': outcome(lambda: S.zeta(t([2.0, 3.0], F32), t([1.0, 3.0]))),
                         'pythonNumberX': outcome(lambda: S.zeta(2.0, t([1.0, 3.0]))),
                         'pythonNumberQ': outcome(lambda: S.zeta(t([2.0, 3.0]), 1.5))}

# ---------------------------------------------------------------- polynomials
for name, f in POLY.items():
    rec = {}
    for dtype, key in ((F64, 'float64'), (F32, 'float32')):
        x = t(POLY_X, dtype).reshape(-1, 1)
        n = t(POLY_N, dtype).reshape(1, -1)
        y = f(x, n)
        rec[key] = {'x': s32(x), 'n': s32(n), 'out': s32(y)}
        xx, nn = torch.broadcast_tensors(x, n)
        dump_rows(name, key, xx.reshape(-1).tolist(), nn.reshape(-1).tolist(), y.reshape(-1).tolist())
        # n as an int64 tensor: the result has x's dtype; n is converted to it, then truncated
        ni = torch.tensor(POLY_N_INT).reshape(1, -1)
        yi = f(x, ni)
        rec[key + 'Int64N'] = {'x': s32(x), 'n': ser(ni), 'dtype': dtype_name(yi), 'out': s32(yi)}
        xx, nn = torch.broadcast_tensors(x, ni)
        dump_rows(name, key, xx.reshape(-1).tolist(), nn.reshape(-1).tolist(), yi.reshape(-1).tolist())
    out['polynomials'][name] = rec
    xs = t([-1.5, -1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 2.0])
    out['scalarN'][name] = {'x': ser(xs), 'n': {str(k): ser(f(xs, k)) for k in (0, 1, 3, 9, 2.5, -1)},
                            'float32N3': s32(f(xs.to(F32), 3))}
    out['dtypes'][name] = {
        'int64': outcome(lambda: f(torch.tensor([-1, 0, 1, 2]), torch.tensor([3, 3, 2, 3]))),
        'int64PythonN': outcome(lambda: f(torch.tensor([-1, 0, 1, 2]), 3)),
        'bool': outcome(lambda: f(torch.tensor([False, True]), torch.tensor([True, True]))),
        'float32XFloat64N': outcome(lambda: f(t([0.5, 2.0], F32), t([3.0, 4.0]))),
        'float32XInt64N': outcome(lambda: f(t([0.5, 2.0], F32), torch.tensor([3, 4]))),
        'pythonX': outcome(lambda: f(0.5, torch.tensor([3, 4]))),
        'pythonXFloat64N': outcome(lambda: f(0.5, t([3.0, 4.0]))),
    }
    px, pn = t([0.1, 0.4, 0.8, 1.5]), t([2.0, 3.0, 5.0, 4.0])
    out['grads'][name] = {'x': grad_record(f, [px, pn], 0), 'n': grad_record(f, [px, pn], 1)}
out['scalarN']['chebyshevPolynomialT3'] = ser(S.chebyshev_polynomial_t(t([0.5, 2.0]), 3))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures', 'special-more.json')
with open(path, 'w') as fh:
    json.dump(out, fh, separators=(',', ':'))
    fh.write('\n')
print(f'wrote {path}: {os.path.getsize(path)} bytes')
if '--dump' in sys.argv:
    dpath = sys.argv[sys.argv.index('--dump') + 1]
    with open(dpath, 'w') as fh:
        fh.write('\n'.join(dump) + '\n')
    print(f'wrote {dpath}: {len(dump)} rows')
