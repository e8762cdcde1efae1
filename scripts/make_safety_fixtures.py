#!/usr/bin/env python3
"""Writes tests/fixtures/safety/expected.json from real PyTorch (run with /usr/bin/python3).

One entry per reproduction of the safety issue (tests/safety-regressions.test.ts runs
the same code in flint, in a child process): either the value PyTorch computes
("value", as tolist()) or the error it raises ("error": the first line of the message,
"type": the exception class). "match": "type" marks errors whose text is Python's own
argument parser, where flint only matches the kind of error.

It also writes tests/fixtures/safety/huge_stride0.pt: a checkpoint whose
tensor has a stride of 0 and a size that overflows int64 (2**52 x 2**12), which PyTorch
itself cannot build but a file can describe.
"""
import collections
import json
import math
import os
import pickle

import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(__file__), "..")
L = torch.int64


def arange_f(n):
    return torch.arange(float(n))


def overlap_cases():
    def a33():
        return torch.arange(9.0).reshape(3, 3)

    def add_t():
        a = a33()
        return a.add_(a.t())

    def narrow_copy():
        c = arange_f(5)
        return c.narrow(0, 1, 4).copy_(c.narrow(0, 0, 4))

    def narrow_add():
        c = arange_f(5)
        return c.narrow(0, 1, 4).add_(c.narrow(0, 0, 4))

    def row_broadcast():
        a = a33()
        return a.add_(a[0])

    def full_self():
        a = a33()
        return a.mul_(a)

    def disjoint_halves():
        a = arange_f(4)
        a[:2].add_(a[2:])
        return a

    def too_hard_columns():
        a = torch.arange(6.0).reshape(2, 3)
        a[:, :2].add_(a[:, 1:])
        return a

    def too_hard_strided():
        a = arange_f(8)
        a[::2].add_(a[1::2])
        return a

    def too_hard_copy():
        a = torch.arange(6.0).reshape(2, 3)
        a[:, :2].copy_(a[:, 1:])
        return a

    def expanded_fill():
        return torch.ones(3, 1).expand(3, 3).fill_(2)

    return {
        "overlap_add_t": add_t,
        "overlap_mul_expanded": lambda: torch.ones(3, 1).expand(3, 3).mul_(2),
        "overlap_copy_expanded": lambda: torch.ones(3, 1).expand(3, 3).copy_(torch.ones(3, 3)),
        "overlap_uniform_expanded": lambda: torch.ones(3, 1).expand(3, 3).uniform_(),
        "overlap_clamp_expanded": lambda: torch.ones(3, 1).expand(3, 3).clamp_(0, 1),
        "overlap_relu_expanded": lambda: torch.relu_(torch.ones(3, 1).expand(3, 3)),
        "overlap_narrow_copy": narrow_copy,
        "overlap_narrow_add": narrow_add,
        "overlap_row_broadcast": row_broadcast,
        "overlap_full_self": full_self,
        "overlap_disjoint_halves": disjoint_halves,
        "overlap_too_hard_columns": too_hard_columns,
        "overlap_too_hard_strided": too_hard_strided,
        "overlap_too_hard_copy": too_hard_copy,
        "overlap_fill_expanded": expanded_fill,
    }


def index_cases():
    def gather_backward():
        x = torch.ones(1, 3, requires_grad=True)
        x.gather(1, torch.zeros(100000, 3, dtype=L)).sum().backward()
        return x.grad

    def gather_grad_ok():
        x = torch.arange(6.0).reshape(2, 3).requires_grad_()
        x.gather(1, torch.tensor([[2, 2], [0, 1]])).sum().backward()
        return x.grad

    def scatter_add_grad():
        x = torch.zeros(2, 3, requires_grad=True)
        src = torch.arange(4.0).reshape(2, 2).requires_grad_()
        out = x.scatter_add(1, torch.tensor([[0, 0], [2, 1]]), src)
        (out * torch.arange(6.0).reshape(2, 3)).sum().backward()
        return [out.tolist(), x.grad.tolist(), src.grad.tolist()]

    return {
        "scatter_big_index": lambda: torch.zeros(2, 3).scatter_(1, torch.zeros(200000, 3, dtype=L), torch.ones(200000, 3)),
        "gather_backward_big_index": gather_backward,
        "gather_index_taller_than_input": lambda: torch.zeros(1, 4).gather(1, torch.zeros(3, 4, dtype=L)),
        "scatter_src_smaller_than_index": lambda: torch.zeros(2, 3).scatter_(1, torch.zeros(2, 3, dtype=L), torch.ones(1, 3)),
        "scatter_add_src_smaller": lambda: torch.zeros(2, 3).scatter_add(1, torch.zeros(2, 3, dtype=L), torch.ones(2, 2)),
        "scatter_out_of_place_too_big": lambda: torch.zeros(2, 3).scatter(1, torch.zeros(3, 3, dtype=L), torch.ones(3, 3)),
        "gather_smaller_index": lambda: torch.arange(6.0).reshape(2, 3).gather(1, torch.zeros(1, 2, dtype=L)),
        "gather_longer_along_dim": lambda: torch.arange(6.0).reshape(2, 3).gather(1, torch.tensor([[0, 1, 2, 2, 1], [2, 2, 2, 0, 0]])),
        "scatter_index_longer_along_dim": lambda: torch.zeros(2, 3).scatter_(0, torch.tensor([[0, 1, 1], [1, 0, 0], [0, 0, 1]]), torch.arange(9.0).reshape(3, 3)),
        "gather_grad": gather_grad_ok,
        "scatter_add_grad": scatter_add_grad,
        "gather_negative_index": lambda: arange_f(4).gather(0, torch.tensor([-1])),
        "gather_index_too_large": lambda: arange_f(4).gather(0, torch.tensor([4])),
        "scatter_negative_index": lambda: torch.zeros(4).scatter_(0, torch.tensor([-1]), torch.ones(1)),
        "scatter_add_negative_index": lambda: torch.zeros(4).scatter_add(0, torch.tensor([-1]), torch.ones(1)),
        "index_select_negative": lambda: arange_f(4).index_select(0, torch.tensor([-1])),
        "index_select_too_large": lambda: arange_f(4).index_select(0, torch.tensor([4])),
        "index_select_int32": lambda: arange_f(4).index_select(0, torch.tensor([3, 1], dtype=torch.int32)),
        "index_select_matrix_index": lambda: arange_f(4).index_select(0, torch.zeros(2, 2, dtype=L)),
        "embedding_negative": lambda: F.embedding(torch.tensor([-1]), torch.ones(3, 2)),
        "embedding_too_large": lambda: F.embedding(torch.tensor([3]), torch.ones(3, 2)),
        "advanced_index_negative": lambda: arange_f(4)[torch.tensor([-1, -4])],
        "advanced_index_too_negative": lambda: arange_f(4)[torch.tensor([-5])],
        "scatter_dtype_mismatch": lambda: torch.zeros(4).scatter_(0, torch.tensor([1]), torch.ones(1, dtype=torch.float64)),
        "gather_float_index": lambda: torch.zeros(4).gather(0, torch.zeros(2)),
        "gather_dims_mismatch": lambda: torch.zeros(2, 3).gather(1, torch.zeros(2, 3, 2, dtype=L)),
    }


def size_cases():
    return {
        "expand_add_overflow": lambda: torch.ones(1).expand(2**52, 2**12).add(1),
        "expand_sum_overflow": lambda: torch.ones(1).expand(2**32, 2**32, 4).sum(),
        "expand_negative_size": lambda: torch.ones(1, 3).expand(-5, 3),
        "expand_negative_leading": lambda: torch.ones(3).expand(-2, 3),
        "expand_minus_one_leading": lambda: torch.ones(3).expand(-1, 3),
        "expand_minus_one_keeps": lambda: torch.ones(1, 3).expand(-1, 3),
        "zeros_negative": lambda: torch.zeros(-1, 3),
        "zeros_storage_overflow": lambda: torch.zeros(2**62, 4),
        "empty_matmul": lambda: torch.ones(2, 0).matmul(torch.ones(0, 3)),
        "empty_mm_rows": lambda: torch.mm(torch.ones(0, 3), torch.ones(3, 2)),
        "empty_bmm": lambda: torch.bmm(torch.ones(2, 3, 0), torch.ones(2, 0, 4)),
        "cat_zero_dim": lambda: torch.cat([torch.tensor(1.0), torch.tensor(2.0)]),
        "cat_zero_dim_second": lambda: torch.cat([torch.ones(1), torch.tensor(2.0)]),
    }


CAST_VALUES = [float("nan"), 1e20, -1e20, 300.7, float("inf"), -3.7, 200.0, 40000.7, -40000.7,
               2.0**31 + 5, 3e9, -3e9, 70000.0, -0.0, 255.9, -128.5, float("-inf"), 2.0**63, -2.0**63]


def cast_cases():
    cases = {}
    for src in ["float32", "float64"]:
        for dst in ["bool", "uint8", "int8", "int16", "int32", "int64"]:
            def cast(src=src, dst=dst):
                t = torch.tensor(CAST_VALUES * 3, dtype=getattr(torch, src)).to(getattr(torch, dst))
                return [str(v) if isinstance(v, bool) else v for v in t[: len(CAST_VALUES)].tolist()]
            cases[f"cast_{src}_to_{dst}"] = cast
    return cases


def precision_cases():
    big = [[1e6, 1e6 + 1, 1e6 + 2]]
    return {
        "cross_entropy_large_logits": lambda: F.cross_entropy(torch.tensor(big), torch.tensor([0])),
        "cross_entropy_large_logits_f64": lambda: F.cross_entropy(torch.tensor(big, dtype=torch.float64), torch.tensor([0])),
        "log_softmax_large_logits": lambda: F.log_softmax(torch.tensor(big), 1),
        "log_softmax_large_dim0": lambda: F.log_softmax(torch.tensor([[1e7], [1e7 + 3], [1e7 - 2]]), 0),
        "nll_of_log_softmax_large": lambda: F.nll_loss(F.log_softmax(torch.tensor(big), 1), torch.tensor([2])),
    }


def half_cases():
    base = torch.linspace(-3, 5, 257)

    def halves(dtype):
        x = base.to(dtype)
        return {
            "sum": x.sum().float().item(),
            "mean": x.mean().float().item(),
            "sum_dim": x.reshape(1, 257).sum(1).float().tolist(),
            "mean_keepdim": x.reshape(257, 1).mean(0, keepdim=True).float().tolist(),
            "max": x.max().float().item(),
            "min": x.min().float().item(),
            "big_sum": torch.full((70000,), 1.0, dtype=dtype).sum().float().item(),
            "dtype": str(x.sum().dtype),
        }

    return {"float16_reductions": lambda: halves(torch.float16), "bfloat16_reductions": lambda: halves(torch.bfloat16)}


def arg_cases():
    return {
        "select_float_index": lambda: torch.ones(3, 3).select(0, 1.5),
        "narrow_float_start": lambda: torch.ones(3, 3).narrow(0, 0.5, 1),
    }


TYPE_ONLY = {"select_float_index", "narrow_float_start"}


def run(cases):
    out = {}
    for name, fn in cases.items():
        entry = {}
        try:
            value = fn()
            entry["value"] = value.tolist() if isinstance(value, torch.Tensor) else value
        except Exception as e:  # noqa: BLE001 - the message is the fixture
            entry["error"] = str(e).split("\n")[0]
            entry["type"] = type(e).__name__
            if name in TYPE_ONLY:
                entry["match"] = "type"
        out[name] = entry
    return out


def json_safe(value):
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    return value


class _HugeStrideZero:
    """Pickles as torch._utils._rebuild_tensor_v2 over a real one-element storage."""

    def __init__(self):
        self.storage = torch.ones(1).storage()

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2,
                (self.storage, 0, (2**52, 2**12), (0, 0), False, collections.OrderedDict()))


def main():
    cases = {}
    for group in [overlap_cases(), index_cases(), size_cases(), cast_cases(), precision_cases(), half_cases(), arg_cases()]:
        cases.update(group)
    result = {"torch": torch.__version__, "castValues": json_safe(CAST_VALUES), "cases": json_safe(run(cases))}
    with open(os.path.join(ROOT, "tests", "fixtures", "safety", "expected.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    path = os.path.join(ROOT, "tests", "fixtures", "safety", "huge_stride0.pt")
    torch.save({"t": _HugeStrideZero()}, path, pickle_protocol=2)
    print(f"wrote {len(cases)} cases and {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
