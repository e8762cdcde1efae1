#!/usr/bin/env python3
"""Writes tests/fixtures/embedding.json from real PyTorch (run with /usr/bin/python3).

Each case runs nn.functional.embedding with the options PyTorch has beyond padding_idx
(max_norm, norm_type, scale_grad_by_freq) on a fixed weight and fixed indices, and
records what flint must reproduce:

- "weightAfter": the weight after the call (max_norm renormalises the referenced rows
  in place, under no_grad, before the lookup);
- "output": the looked-up rows;
- "grad": the weight's gradient for the loss sum(output * gradOutput).

and "reprs", nn.Embedding's repr with each option set.

The weights are drawn here and stored as values, so flint reads them rather than
re-drawing them. Infinite norm types are written as the strings "inf" / "-inf".
"""
import json
import math
import torch
import torch.nn.functional as F


def number(x):
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def case(name, weight, indices, dtype=torch.float32, **options):
    w = weight.clone().to(dtype).requires_grad_(True)
    weight_before = w.detach().clone()
    idx = torch.tensor(indices, dtype=torch.int64)
    out = F.embedding(idx, w, **options)
    torch.manual_seed(len(name))
    grad_output = torch.randn(out.shape, dtype=dtype)
    (out * grad_output).sum().backward()
    return {
        "name": name,
        "dtype": str(dtype).replace("torch.", ""),
        "weight": weight_before.tolist(),
        "indices": indices,
        "options": {k: number(v) for k, v in options.items()},
        "weightAfter": w.detach().tolist(),
        "output": out.detach().tolist(),
        "gradOutput": grad_output.tolist(),
        "grad": w.grad.tolist(),
    }


torch.manual_seed(0)
base = torch.randn(10, 4) * 1.5
cases = [
    case("maxNorm 1 (2-norm)", base, [[1, 2, 4, 5], [4, 3, 2, 9]], max_norm=1.0),
    case("maxNorm 0.5, normType 1", base, [[0, 7, 7, 3]], max_norm=0.5, norm_type=1.0),
    case("maxNorm 2, normType inf", base, [6, 8, 1, 6], max_norm=2.0, norm_type=float("inf")),
    case("maxNorm 1.5, normType 3", base, [[2, 5], [5, 2]], max_norm=1.5, norm_type=3.0),
    case("maxNorm larger than every norm", base, [0, 1, 2], max_norm=100.0),
    case("scaleGradByFreq", base, [[1, 2, 4, 5], [4, 3, 2, 9], [4, 4, 1, 0]], scale_grad_by_freq=True),
    case("scaleGradByFreq with paddingIdx", base, [[0, 2, 0, 5], [2, 2, 0, 9]], padding_idx=0, scale_grad_by_freq=True),
    case(
        "maxNorm, scaleGradByFreq and paddingIdx",
        base,
        [[3, 3, 1], [7, 1, 3]],
        padding_idx=-3,
        max_norm=1.25,
        scale_grad_by_freq=True,
    ),
    case("float64, maxNorm 1", base, [[9, 0, 9]], dtype=torch.float64, max_norm=1.0),
]

# Module reprs, with float option values as a flint user's numbers print.
reprs = {
    "plain": repr(torch.nn.Embedding(10, 3)),
    "all options": repr(
        torch.nn.Embedding(10, 3, padding_idx=-1, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)
    ),
    "maxNorm only": repr(torch.nn.Embedding(5, 2, max_norm=0.5)),
    "fromPretrained": repr(torch.nn.Embedding.from_pretrained(torch.ones(2, 3), padding_idx=1)),
}

with open("tests/fixtures/embedding.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases, "reprs": reprs}, f, indent=1)
    f.write("\n")
print(f"wrote {len(cases)} cases")
