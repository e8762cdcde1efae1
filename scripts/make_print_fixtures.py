#!/usr/bin/env python3
"""Generates tests/fixtures/printing.json: PyTorch's own repr() of many tensors,
plus Python's '{:.Nf}' / '{:.Ne}' output for thousands of doubles, so that
src/tensor/format.ts can be checked byte-for-byte.

Run: /usr/bin/python3 scripts/make_print_fixtures.py
"""
import json
import math
import os
import random
import struct

import torch

torch.set_printoptions(profile="default")
torch.manual_seed(0)
nan, inf = float("nan"), float("inf")
f64, f32 = torch.float64, torch.float32


def encode(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


def suffixes_for(t):
    # Mirrors the dtype / autograd part of torch._tensor_str._str_intern for
    # plain CPU tensors; the size= suffix of empty tensors is left to format.ts.
    s = []
    if t.numel() == 0:
        if t.dtype != torch.get_default_dtype():
            s.append("dtype=" + str(t.dtype))
    elif t.dtype not in (torch.get_default_dtype(), torch.int64, torch.bool):
        s.append("dtype=" + str(t.dtype))
    if t.grad_fn is not None:
        s.append("grad_fn=<{}>".format(type(t.grad_fn).__name__))
    elif t.requires_grad:
        s.append("requires_grad=True")
    return s


def case(name, t):
    d = t.detach().reshape(-1)
    if t.dtype == torch.bool:
        kind, vals = "bool", [int(v) for v in d.tolist()]
    elif t.dtype.is_floating_point:
        # float16/bfloat16 are printed via float; every such value is exact in float64.
        kind, vals = "float", [encode(v) for v in d.double().tolist()]
    else:
        kind, vals = "int", d.tolist()
    return {
        "name": name,
        "shape": list(t.shape),
        "kind": kind,
        "values": vals,
        "suffixes": suffixes_for(t),
        "repr": repr(t),
    }


T = torch.tensor
cases = []


def add(name, t):
    cases.append(case(name, t))


# int mode (all finite values integral)
add("int_mode_basic", T([1.0, 2.0, 3.0]))
add("int_mode_negative", T([-1.0, 2.0, -300.0]))
add("int_mode_zeros", torch.zeros(3))
add("int_mode_sci_large", T([1e9, 1.0]))
add("int_mode_sci_ratio", T([1.0, 5000.0]))
add("int_mode_1e8_boundary", T([1e8, 1e6]))
add("int_mode_nan_inf", T([nan, inf, 1.0]))
add("int_mode_neg_inf_wide", T([-inf, 123.0, nan]))
add("int_mode_neg_zero", T([-0.0, 1.0]))
add("all_nan", T([nan, nan]))
add("all_inf_mixed", T([inf, -inf, 0.0]))
# fixed mode
add("fixed_basic", T([1.5, 2.25, -3.125]))
add("fixed_randn", torch.randn(5))
add("fixed_neg_zero", T([-0.0, 0.5]))
add("fixed_nan_inf", T([nan, -inf, 1.5]))
add("fixed_mixed_2d", torch.randn(4, 4) * 100)
# sci mode
add("sci_small", T([1e-5, 1.0, 2.0]))
add("sci_large", T([1e9, 1.5]))
add("sci_nan_inf", T([nan, inf, 1e-6, 3.0]))
add("sci_negative", T([-1.5e-7, 2.0e-3, -4.0]))
add("sci_tiny_f64", T([1e-300, 2.5e-310, -1.0], dtype=f64))
add("sci_huge_f64", T([1.7976931348623157e308, -1e200, 3.5], dtype=f64))
# round-half-even on the exact binary value
add("rhe_03125", T([0.03125, 0.5, 0.09375], dtype=f64))
add("rhe_00015", T([0.00015, 0.1], dtype=f64))
add("rhe_100005", T([1.00005, 2.00005, 2.5], dtype=f64))
add("rhe_sci_25em5", T([2.5e-5, 1.0], dtype=f64))
add("rhe_sci_pow2", T([2.0 ** -8, 2.0 ** -20, 123445.0, 1.0], dtype=f64))
# 0-d
add("scalar_float", T(3.14159))
add("scalar_float_int", T(2.0))
add("scalar_float_sci", T(1e-8))
add("scalar_nan", T(nan))
add("scalar_neg_zero", T(-0.0))
add("scalar_int", T(42))
add("scalar_int_neg", T(-7))
add("scalar_bool", T(True))
add("scalar_f64", T(0.1, dtype=f64))
add("scalar_requires_grad", T(1.5, requires_grad=True))
# empty
add("empty_1d", torch.empty(0))
add("empty_0x3", torch.empty(0, 3))
add("empty_2x0x4", torch.empty(2, 0, 4))
add("empty_int64", torch.empty(0, dtype=torch.int64))
add("empty_f64_0x3", torch.empty(0, 3, dtype=f64))
add("empty_bool_3x0", torch.empty(3, 0, dtype=torch.bool))
# long rows that wrap
add("row_30_randn", torch.randn(30))
add("row_100_arange_float", torch.arange(100, dtype=f32))
add("row_100_arange_int", torch.arange(100))
add("row_40_sci", torch.randn(40) * 1e-6)
add("rows_2x20_wrap", torch.randn(2, 20))
# n-d
add("nd_2d", torch.randn(3, 4))
add("nd_3d", torch.randn(2, 3, 4))
add("nd_4d", torch.randn(2, 2, 2, 3))
add("nd_5d", torch.arange(32).reshape(2, 2, 2, 2, 2))
add("nd_2d_int", torch.arange(12).reshape(3, 4) - 5)
add("nd_3d_wrap", torch.randn(2, 2, 12))
# summarised
add("not_summarised_1000", torch.arange(1000).reshape(10, 100))
add("sum_2000", torch.randn(2000))
add("sum_40x40", torch.randn(40, 40))
add("sum_3x500x2", torch.randn(3, 500, 2))
add("sum_1001", torch.arange(1001, dtype=f32))
add("sum_int_2000", torch.arange(2000))
add("sum_sci_wrap", torch.randn(2000) * 1e-5)
add("sum_4d", torch.randn(10, 10, 10, 2))
add("sum_only_edges_decide", torch.cat([T([1.0, 2.0, 3.0]), torch.full((1000,), 0.5), T([4.0, 5.0, 6.0])]))
add("sum_2x600", torch.randn(2, 600))
add("sum_bool", torch.rand(1500) > 0.5)
# ints
add("int64_large", T([123456789012, -5, 0]))
add("int64_negative", T([-1, -2, -300]))
add("int64_extreme", T([2 ** 53 - 1, -(2 ** 53) + 1]))
add("int32", T([1, -2, 3], dtype=torch.int32))
add("uint8", T([0, 255, 7], dtype=torch.uint8))
add("int8", T([-128, 127, 0], dtype=torch.int8))
add("int16_2d", T([[1, -1000], [32767, 5]], dtype=torch.int16))
# bool
add("bool_1d", T([True, False, True]))
add("bool_2d", T([[True, False], [False, False]]))
# dtypes
add("float64", torch.randn(3, dtype=f64))
add("float16", T([0.1, 1.5, 65504.0], dtype=torch.float16))
add("float16_fixed", T([0.1, 0.2, -0.3], dtype=torch.float16))
add("bfloat16", T([0.1, 1.5, -3.0], dtype=torch.bfloat16))
# autograd suffixes
a = torch.randn(3, requires_grad=True)
add("requires_grad", a)
add("grad_fn_add", a + 1)
add("grad_fn_mul_2d", torch.randn(2, 3, requires_grad=True) * 2)
add("grad_fn_f64", torch.randn(4, dtype=f64, requires_grad=True) + 1)
# suffixes that wrap onto a new line
add("suffix_wrap_f64", torch.randn(8, dtype=f64) * 10)
add("suffix_wrap_grad", torch.randn(8, dtype=f64, requires_grad=True) * 10)
add("suffix_wrap_int32", torch.arange(20, dtype=torch.int32) * 3)
add("suffix_wrap_multiline", torch.randn(2, 7, dtype=f64, requires_grad=True) * 10)
add("suffix_empty_grad", torch.empty(0, 3, requires_grad=True))
# one-line data, but ', dtype=...' would pass column 80
add("suffix_wrap_one_line", T([-10.5, 11.25, 12.5, 13.75, -14.5, 15.0, 16.25], dtype=f64))
# dtype fits on the data line, grad_fn does not
add("suffix_wrap_second", T([-1.5, 2.25, 3.5, -4.75, 5.0], dtype=f64, requires_grad=True) * 1)
# Exact boundaries of _add_suffixes' length arithmetic: it counts the last line
# as len + 2 (or chars after the newline + 2), so a suffix whose closing ')'
# would land exactly on column 80 still wraps.
add("suffix_edge_79_fits", T([-10.5, 11.25, 12.5, 13.75, -14.5], dtype=f64))
add("suffix_edge_int32_79_fits", T([-2147483648, 1, 2, 2147483647], dtype=torch.int32))
add("suffix_edge_int8_80_wraps", T([1] * 18, dtype=torch.int8))
add("suffix_edge_grad_80_wraps", T([1.0] * 13, requires_grad=True))
add("suffix_edge_2d_80_wraps", T([[1.5] * 6, [-2.5] * 6], dtype=f64))
add("suffix_edge_2d_79_fits", T([[1.5] * 5, [-2.5] * 5], dtype=f64))

assert "\n" in cases[-8]["repr"] and "\n" not in cases[-8]["repr"].split(",\n")[0], cases[-8]["repr"]
assert cases[-7]["repr"].count("\n") == 1 and cases[-7]["repr"].endswith(",\n       grad_fn=<MulBackward0>)"), cases[-7]["repr"]

# Python float formatting for thousands of doubles.
rng = random.Random(1234)
xs = []
for _ in range(2000):  # everyday magnitudes
    xs.append(rng.choice([-1, 1]) * rng.random() * 10.0 ** rng.randint(-12, 20))
for _ in range(400):  # arbitrary bit patterns, full range incl. subnormals
    v = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
    if math.isfinite(v):
        xs.append(v)
for _ in range(300):  # exact ties for .4f: odd multiples of 1/32
    xs.append(rng.choice([-1, 1]) * (rng.randint(0, 10 ** 6) + rng.randrange(1, 32, 2) / 32))
for k in range(-60, 60):  # powers of two: ties for .4e
    xs.append(2.0 ** k)
for _ in range(200):  # 6 significant digits ending in 5: ties for .4e
    xs.append(float(rng.randint(10000, 99999) * 10 + 5) * 10.0 ** rng.randint(-3, 10))
for _ in range(200):  # small integers and halves: ties for .0f
    xs.append(rng.randint(-1000, 1000) / 2)
xs += [0.0, -0.0, 0.03125, 0.00015, 1.00005, 2.00005, 2.5e-5, 9.99995, 9.99995e-5, 0.99995,
       99999.5, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e21, 1e22, 1e23,
       123456789.0, 0.5, 1.5, 2.5, -0.5, 1e-5, 1e-4, 0.1, 0.2, 0.3]
floats = [
    {"x": repr(x), "f4": "{:.4f}".format(x), "e4": "{:.4e}".format(x),
     "f0": "{:.0f}".format(x), "e0": "{:.0e}".format(x), "f2": "{:.2f}".format(x)}
    for x in xs
]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "printing.json")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as fh:
    json.dump({"torch_version": torch.__version__, "cases": cases, "floats": floats}, fh, allow_nan=False)
print("wrote {} tensor cases and {} floats to {}".format(len(cases), len(floats), os.path.normpath(out)))
