#!/usr/bin/env python3
"""Generates tests/fixtures/sync-batchnorm.json: PyTorch 1.13's nn.SyncBatchNorm where it
runs without a GPU.

- modules: repr, state_dict keys, values and _metadata version of SyncBatchNorm built with
  several settings.
- convert: SyncBatchNorm.convert_sync_batchnorm on a small CNN (BatchNorm1d/2d, one in eval
  mode with a qconfig, an InstanceNorm2d that stays), and on a bare BatchNorm1d: repr,
  state_dict, which parameters are the same objects, training flags, qconfig.
- fallback: 1.13's forward where need_sync is false. Its forward refuses CPU input before
  anything else, so the input is a Tensor subclass whose is_cuda says True; everything after
  that check is 1.13's own code on CPU tensors. In training with no process group it raises;
  in eval it uses the running statistics; in a gloo world of one it is plain batch norm over
  three training steps (momentum 0.1 and None): outputs, running statistics, counter, and the
  gradients of (out * G).sum().
- errors: the input checks.

Run: /usr/bin/python3 scripts/make_sync_batchnorm_fixtures.py
"""
import json
import os
import sys

import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import enc, err, ser  # noqa: E402

F64 = torch.float64
nn = torch.nn


class OnGpu(torch.Tensor):
    """Passes 1.13's `input.is_cuda` check, so that the rest of its forward runs on the CPU."""

    @property
    def is_cuda(self):
        return True


def state(m):
    return {k: ser(v) for k, v in m.state_dict().items()}


def described(m):
    sd = m.state_dict()
    return {'repr': str(m), 'keys': list(sd.keys()), 'state': state(m), 'version': sd._metadata[''].get('version')}


modules = []
for kw in [{}, {'eps': 1e-3, 'momentum': None}, {'affine': False}, {'track_running_stats': False},
           {'momentum': 0.3, 'affine': False, 'track_running_stats': False}]:
    torch.manual_seed(0)
    rec = described(nn.SyncBatchNorm(4, **kw))
    rec['kw'] = {k: enc(v) if isinstance(v, float) else v for k, v in kw.items()}
    modules.append(rec)

# convert_sync_batchnorm on a small CNN whose running statistics were set to known values.
torch.manual_seed(0)
net = nn.Sequential(
    nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
    nn.Sequential(nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4, momentum=None, eps=1e-3)),
    nn.InstanceNorm2d(4, affine=True), nn.Flatten(), nn.Linear(4 * 4 * 4, 5), nn.BatchNorm1d(5, affine=False),
)
with torch.no_grad():
    for i, m in enumerate(m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)):
        m.running_mean.copy_(torch.arange(m.num_features, dtype=torch.float32) * 0.25 + i)
        m.running_var.copy_(torch.arange(m.num_features, dtype=torch.float32) * 0.5 + 1 + i)
        m.num_batches_tracked.fill_(3 + i)
net[3][1].eval()
net[3][1].qconfig = 'qconfig-of-bn'
before = {name: p for name, p in net.named_parameters()}
before_buffers = {name: b for name, b in net.named_buffers()}
converted = nn.SyncBatchNorm.convert_sync_batchnorm(net)
after = dict(converted.named_parameters())
convert = {
    **described(converted),
    'sameRoot': converted is net,
    'sameParameters': sorted(k for k, p in after.items() if before[k] is p),
    'sameBuffers': sorted(k for k, b in converted.named_buffers() if before_buffers[k] is b),
    'training': {name or '.': m.training for name, m in converted.named_modules()},
    'classes': {name or '.': type(m).__name__ for name, m in converted.named_modules()},
    'qconfig': converted[3][1].qconfig,
}
bare = nn.BatchNorm1d(3, momentum=0.2)
bare_converted = nn.SyncBatchNorm.convert_sync_batchnorm(bare)
convert_bare = {'repr': str(bare_converted), 'sameWeight': bare_converted.weight is bare.weight,
                'sameMean': bare_converted.running_mean is bare.running_mean}

# The fallback: three training steps, then eval, on a global batch of 9.
g = torch.Generator().manual_seed(7)
X = torch.randn(3, 9, 3, 4, 2, generator=g, dtype=F64) * 2 + 0.5
G = torch.randn(3, 9, 3, 4, 2, generator=g, dtype=F64)
weight0 = torch.rand(3, generator=g, dtype=F64) + 0.5
bias0 = torch.randn(3, generator=g, dtype=F64)


def run_steps(momentum):
    m = nn.SyncBatchNorm(3, momentum=momentum).double()
    with torch.no_grad():
        m.weight.copy_(weight0)
        m.bias.copy_(bias0)
    steps = []
    for k in range(3):
        m.zero_grad()
        x = X[k].clone().requires_grad_()
        out = m(x.as_subclass(OnGpu)).as_subclass(torch.Tensor)
        (out * G[k]).sum().backward()
        steps.append({'out': ser(out), 'runningMean': ser(m.running_mean), 'runningVar': ser(m.running_var),
                      'numBatchesTracked': int(m.num_batches_tracked), 'gradInput': ser(x.grad),
                      'gradWeight': ser(m.weight.grad), 'gradBias': ser(m.bias.grad)})
    m.eval()
    evaluated = m(X[0].as_subclass(OnGpu)).as_subclass(torch.Tensor)
    return {'momentum': momentum, 'steps': steps, 'eval': ser(evaluated)}


no_group = nn.SyncBatchNorm(3).double()
untracked = nn.SyncBatchNorm(3, track_running_stats=False).double().eval()
fallback = {
    'X': ser(X), 'G': ser(G), 'weight': ser(weight0), 'bias': ser(bias0),
    'noGroupTraining': err(lambda: no_group(X[0].as_subclass(OnGpu))),
    'noGroupCounter': int(no_group.num_batches_tracked),
    'noGroupEval': ser(no_group.eval()(X[0].as_subclass(OnGpu)).as_subclass(torch.Tensor)),
    'noGroupUntrackedEval': ser(untracked(X[0].as_subclass(OnGpu)).as_subclass(torch.Tensor)),
}
dist.init_process_group('gloo', rank=0, world_size=1, store=dist.HashStore())
fallback['worldOfOne'] = [run_steps(0.1), run_steps(None)]
dist.destroy_process_group()

one_d = nn.SyncBatchNorm(3)
errors = {
    'oneD': err(lambda: one_d._check_input_dim(torch.randn(3))),
    'zeroChannels': err(lambda: one_d._check_non_zero_input_channels(torch.randn(2, 0, 3))),
    'cpu': err(lambda: one_d(torch.randn(2, 3))),
}

out = {'modules': modules, 'convert': convert, 'convertBare': convert_bare, 'fallback': fallback, 'errors': errors}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'sync-batchnorm.json')
with open(path, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
    f.write('\n')
print('wrote', os.path.normpath(path))
