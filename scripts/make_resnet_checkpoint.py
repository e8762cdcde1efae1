#!/usr/bin/env python3
"""Writes a torchvision ResNet checkpoint for tests/resnet.test.ts (run at test time: the
state dicts are tens of MB, too big to commit).

usage: make_resnet_checkpoint.py ARCH OUT.pt [BATCH SIZE]

The model has torchvision's random init, and its BatchNorm weights, biases and running
statistics are randomized too (nothing can be downloaded, and the default statistics, 0 and
1, would hide a kernel that mixes them up). The file holds {'state_dict', 'x', 'logits', 'repr'}:
the eval-mode logits of real PyTorch on x, and print(model)'s text.
"""
import sys

import torch
import torchvision

arch, out = sys.argv[1], sys.argv[2]
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 2
size = int(sys.argv[4]) if len(sys.argv) > 4 else 64
torch.manual_seed(0)
model = getattr(torchvision.models, arch)(weights=None)
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.num_batches_tracked.fill_(7)
model.eval()
x = torch.rand(batch, 3, size, size)
with torch.no_grad():
    # Random weights give logits in the hundreds; rescale the classifier so that they are
    # about 1 and a tolerance of 1e-4 means the same at every depth.
    scale = 1 / model(x).std()
    model.fc.weight.mul_(scale)
    model.fc.bias.mul_(scale)
    logits = model(x)
torch.save({'state_dict': model.state_dict(), 'x': x, 'logits': logits, 'repr': repr(model)}, out)
