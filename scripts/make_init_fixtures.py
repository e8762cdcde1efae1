#!/usr/bin/env python3
"""Generate tests/fixtures/init.json: torch.nn.init reference values from real PyTorch.

Run with the interpreter that has torch (PyTorch 1.13 here):
    /usr/bin/python3 scripts/make_init_fixtures.py

Every case seeds the default CPU generator, makes torch.empty(shape, dtype), applies one
initialiser and records the flat row-major values. tests/nn-init.test.ts keeps the
matching flint call in a table keyed by case name (and checks that the table covers every
case), so a case added here must be added there too. Values are written with json's
repr(), which round-trips float64 and therefore every float32 exactly.

nn.init's formulas and random-draw order are the same in torch 1.13 and 2.11 for all of
these (2.11 only adds the optional generator argument and the zero-element no-op).
"""
import json
import math
import os
import sys

try:
    import torch
    from torch.nn import init
except ImportError as e:
    sys.exit(f'make_init_fixtures.py needs PyTorch ({e}); run it with /usr/bin/python3')

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, '..', 'tests', 'fixtures', 'init.json')
DTYPES = {'float32': torch.float32, 'float64': torch.float64}

# name -> (seed, shape, dtype, function applied to the empty tensor)
CASES = {
    'uniform_default': (1, (5, 4), 'float32', lambda w: init.uniform_(w)),
    'uniform_ab': (2, (5, 4), 'float32', lambda w: init.uniform_(w, -3, 2)),
    'uniform_float64': (3, (4, 6), 'float64', lambda w: init.uniform_(w, -0.5, 0.5)),
    'normal_default': (4, (5, 4), 'float32', lambda w: init.normal_(w)),
    'normal_small_serial': (5, (3, 5), 'float32', lambda w: init.normal_(w, 1, 0.5)),
    'normal_large_tail': (6, (23, 19), 'float32', lambda w: init.normal_(w, 0, 0.01)),
    'normal_float64': (7, (5, 4), 'float64', lambda w: init.normal_(w, -1, 2)),
    'constant': (0, (2, 3), 'float32', lambda w: init.constant_(w, 0.3)),
    'ones': (0, (2, 3), 'float32', lambda w: init.ones_(w)),
    'zeros': (0, (2, 3), 'float32', lambda w: init.zeros_(w)),
    'eye_wide': (0, (3, 5), 'float32', lambda w: init.eye_(w)),
    'eye_tall': (0, (5, 3), 'float64', lambda w: init.eye_(w)),
    'dirac_3d': (0, (4, 2, 3), 'float32', lambda w: init.dirac_(w)),
    'dirac_4d': (0, (3, 4, 3, 3), 'float32', lambda w: init.dirac_(w)),
    'dirac_5d': (0, (2, 2, 3, 2, 3), 'float32', lambda w: init.dirac_(w)),
    'dirac_groups': (0, (6, 2, 3), 'float32', lambda w: init.dirac_(w, 3)),
    'xavier_uniform': (8, (5, 4), 'float32', lambda w: init.xavier_uniform_(w)),
    'xavier_uniform_conv_gain': (9, (8, 4, 3, 3), 'float32', lambda w: init.xavier_uniform_(w, 2.0)),
    'xavier_normal': (10, (5, 4), 'float32', lambda w: init.xavier_normal_(w)),
    'xavier_normal_conv_relu': (11, (6, 3, 5), 'float32',
                                lambda w: init.xavier_normal_(w, init.calculate_gain('relu'))),
    'kaiming_uniform_default': (12, (5, 4), 'float32', lambda w: init.kaiming_uniform_(w)),
    'kaiming_uniform_linear': (13, (16, 8), 'float32', lambda w: init.kaiming_uniform_(w, a=math.sqrt(5))),
    'kaiming_uniform_conv_sqrt5': (14, (16, 8, 3, 3), 'float32', lambda w: init.kaiming_uniform_(w, a=math.sqrt(5))),
    'kaiming_uniform_fan_out_relu': (15, (8, 4, 3), 'float32',
                                     lambda w: init.kaiming_uniform_(w, mode='fan_out', nonlinearity='relu')),
    'kaiming_normal_default': (16, (5, 4), 'float32', lambda w: init.kaiming_normal_(w)),
    'kaiming_normal_fan_out_relu': (17, (16, 8, 3, 3), 'float32',
                                    lambda w: init.kaiming_normal_(w, mode='fan_out', nonlinearity='relu')),
    'kaiming_normal_leaky': (18, (10, 7), 'float64', lambda w: init.kaiming_normal_(w, 0.2, 'fan_in', 'leaky_relu')),
    'trunc_normal_default': (19, (5, 4), 'float32', lambda w: init.trunc_normal_(w)),
    'trunc_normal_bounds': (20, (30, 30), 'float32', lambda w: init.trunc_normal_(w, 0.5, 0.3, 0.0, 1.0)),
    'trunc_normal_std002': (21, (16, 16), 'float32', lambda w: init.trunc_normal_(w, std=0.02)),
    'trunc_normal_float64_wide': (22, (20, 10), 'float64', lambda w: init.trunc_normal_(w, 0, 1, -6, 6)),
    'orthogonal_tall': (23, (5, 4), 'float32', lambda w: init.orthogonal_(w)),
    'orthogonal_wide': (24, (3, 5), 'float32', lambda w: init.orthogonal_(w)),
    'orthogonal_3d': (25, (4, 3, 2), 'float32', lambda w: init.orthogonal_(w)),
    'orthogonal_square_gain': (26, (6, 6), 'float32', lambda w: init.orthogonal_(w, 2.0)),
    'orthogonal_float64_tall': (27, (7, 5), 'float64', lambda w: init.orthogonal_(w)),
    'orthogonal_float64_wide': (28, (3, 8), 'float64', lambda w: init.orthogonal_(w)),
    'sparse': (29, (10, 5), 'float32', lambda w: init.sparse_(w, 0.3)),
    'sparse_std': (30, (6, 3), 'float32', lambda w: init.sparse_(w, 0.5, 0.1)),
    'sparse_one_row': (31, (1, 4), 'float32', lambda w: init.sparse_(w, 0.5)),
    'sparse_large': (32, (40, 12), 'float64', lambda w: init.sparse_(w, 0.25, 1.0)),
    # randperm runs for every column even when nothing is zeroed: the next draw shows it
    'sparse_zero_consumes_draws': (33, (4, 5), 'float32',
                                   lambda w: (init.sparse_(torch.empty(6, 3), 0.0), init.uniform_(w))[1]),
}

GAINS = [
    ['linear'], ['conv1d'], ['conv2d'], ['conv3d'], ['conv_transpose1d'], ['conv_transpose2d'],
    ['conv_transpose3d'], ['sigmoid'], ['tanh'], ['relu'], ['leaky_relu'], ['leaky_relu', 0.2],
    ['leaky_relu', 0], ['leaky_relu', math.sqrt(5)], ['selu'],
]

FAN_SHAPES = [(5, 4), (4, 5), (16, 3, 5, 5), (8, 4, 3), (2, 3, 4, 5, 6), (3, 0, 2)]


def main():
    cases = []
    for name, (seed, shape, dtype, fn) in CASES.items():
        torch.manual_seed(seed)
        w = torch.empty(shape, dtype=DTYPES[dtype])
        out = fn(w)
        assert out is w, name
        cases.append({'name': name, 'seed': seed, 'shape': list(shape), 'dtype': dtype,
                      'data': w.reshape(-1).tolist()})
    gains = [{'args': args, 'gain': float(init.calculate_gain(*args))} for args in GAINS]
    fans = []
    for shape in FAN_SHAPES:
        fan_in, fan_out = init._calculate_fan_in_and_fan_out(torch.empty(shape))
        fans.append({'shape': list(shape), 'fanIn': fan_in, 'fanOut': fan_out})
    doc = {'torch': torch.__version__, 'cases': cases, 'gains': gains, 'fans': fans}
    # One case per line: diffs stay readable without a line per number.
    with open(OUT_PATH, 'w') as f:
        f.write('{\n')
        for i, (key, value) in enumerate(doc.items()):
            sep = ',' if i < len(doc) - 1 else ''
            if isinstance(value, list):
                rows = ',\n  '.join(json.dumps(v) for v in value)
                f.write(f' {json.dumps(key)}: [\n  {rows}\n ]{sep}\n')
            else:
                f.write(f' {json.dumps(key)}: {json.dumps(value)}{sep}\n')
        f.write('}\n')
    print(f'wrote {len(cases)} cases, {len(gains)} gains, {len(fans)} fans to {os.path.normpath(OUT_PATH)}')


if __name__ == '__main__':
    main()
