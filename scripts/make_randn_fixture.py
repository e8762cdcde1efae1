#!/usr/bin/env python3
"""Writes tests/fixtures/randn_bits.json: the float32 bit patterns of PyTorch's
torch.randn(1024) after manual_seed(0), (1) and (42), and of
torch.empty(100).normal_(0.5, 0.01) after manual_seed(3). Run with /usr/bin/python3
(Debian's python3-torch). flint must reproduce them bit for bit."""
import json
import struct
from pathlib import Path

import torch


def bits(t):
    return [struct.unpack('<I', struct.pack('<f', v))[0] for v in t.tolist()]


out = {}
for seed in (0, 1, 42):
    torch.manual_seed(seed)
    out[str(seed)] = bits(torch.randn(1024))
torch.manual_seed(3)
out['normal'] = bits(torch.empty(100).normal_(0.5, 0.01))
path = Path(__file__).resolve().parent.parent / 'tests' / 'fixtures' / 'randn_bits.json'
path.write_text(json.dumps(out))
print(f'wrote {path}')
