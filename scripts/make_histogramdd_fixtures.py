"""Writes tests/fixtures/histogramdd.json with PyTorch 1.13's torch.histogramdd: counts per
dimension, one count for all, edge tensors, ranges, weights, density, a batch of points and
a degenerate range; and its errors. Run: /usr/bin/python3 scripts/make_histogramdd_fixtures.py"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import ser, err  # noqa: E402

torch.manual_seed(0)
F64 = torch.float64
x = torch.randn(50, 3, dtype=F64)
w = torch.rand(50, dtype=F64)
cases = []


def case(label, points, bins, **kw):
    r = torch.histogramdd(points, bins=bins, **kw)
    enc_bins = [ser(b) for b in bins] if isinstance(bins, list) and isinstance(bins[0], torch.Tensor) else bins
    cases.append({'label': label, 'input': ser(points), 'bins': enc_bins, 'range': kw.get('range'),
                  'weight': ser(kw['weight']) if 'weight' in kw else None, 'density': kw.get('density', False),
                  'hist': ser(r.hist), 'binEdges': [ser(e) for e in r.bin_edges]})


case('counts per dimension', x, [3, 4, 2])
case('one count', x, 5)
case('range', x, [2, 3, 4], range=[-1.0, 1.0, -2.0, 0.5, 0.0, 3.0])
case('weights and density', x, [3, 3, 3], weight=w, density=True)
case('edges', x, [torch.tensor([-3.0, -1, 0, 1, 3], dtype=F64), torch.tensor([-1.0, 1], dtype=F64), torch.tensor([-2.0, 0, 2], dtype=F64)])
case('batch of points', torch.randn(4, 5, 2), [3, 2])
case('degenerate', torch.ones(3, 2, dtype=F64), 2)
errors = {
    'range_length': err(lambda: torch.histogramdd(x, bins=2, range=[0.0, 1.0])),
    'one_dim': err(lambda: torch.histogramdd(torch.zeros(3), bins=2)),
    'int_input': err(lambda: torch.histogramdd(torch.zeros(3, 2, dtype=torch.long), bins=2)),
    'weight_shape': err(lambda: torch.histogramdd(x, bins=2, weight=torch.ones(49, dtype=F64))),
    'bins_zero': err(lambda: torch.histogramdd(x, bins=[2, 0, 2])),
}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'histogramdd.json')
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases, 'errors': errors}, f)
print(len(cases), 'cases;', errors)
