"""Writes tests/fixtures/powersgd.json: DistributedDataParallel with PyTorch 1.13's PowerSGD
communication hook, trained for a few SGD steps on 2 gloo ranks in float64. Run it as
    node bin/flint-run.mjs --standalone --nproc-per-node 2 -- /usr/bin/python3 scripts/make_powersgd_fixtures.py
Per case: PowerSGDState's arguments, DDP's bucket cap, and the parameters every rank holds
after the steps (rank 0 writes the file). The data and the initial parameters are in the
file too, so that the test does not depend on either side's random streams; the random
Q matrices of the hook itself are drawn as PyTorch draws them (numpy's RandomState, then
torch.manual_seed and torch.randn), which the test must reproduce."""
import json
import os

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.distributed.algorithms.ddp_comm_hooks import powerSGD_hook as powerSGD

dist.init_process_group('gloo')
rank, size = dist.get_rank(), dist.get_world_size()
assert size == 2
torch.set_default_dtype(torch.float64)
STEPS = 7
B = 6


def make_net(model='a'):
    if model == 'b':  # two same-shaped matrices, for batch_tensors_with_same_shape
        return nn.Sequential(nn.Linear(24, 20), nn.Tanh(), nn.Linear(20, 20), nn.Tanh(), nn.Linear(20, 20), nn.Tanh(),
                             nn.Linear(20, 4))
    return nn.Sequential(nn.Linear(24, 20), nn.Tanh(), nn.Linear(20, 16), nn.Tanh(), nn.Linear(16, 4))


torch.manual_seed(2024)
initial = {m: [p.detach().clone() for p in make_net(m).parameters()] for m in ('a', 'b')}
X = torch.randn(STEPS, size * B, 24)
Y = torch.randn(STEPS, size * B, 4)

CASES = [
    dict(matrixApproximationRank=1, startPowerSGDIter=2, useErrorFeedback=True, warmStart=True,
         orthogonalizationEpsilon=0, randomSeed=0, bucketCapMb=25),
    dict(matrixApproximationRank=3, startPowerSGDIter=3, useErrorFeedback=True, warmStart=True,
         orthogonalizationEpsilon=0, randomSeed=7, bucketCapMb=25),
    dict(matrixApproximationRank=2, startPowerSGDIter=2, useErrorFeedback=False, warmStart=False,
         orthogonalizationEpsilon=1e-8, randomSeed=3, bucketCapMb=25),
    dict(matrixApproximationRank=1, startPowerSGDIter=2, useErrorFeedback=True, warmStart=True,
         orthogonalizationEpsilon=0, randomSeed=11, bucketCapMb=0.004),
    dict(matrixApproximationRank=2, startPowerSGDIter=2, useErrorFeedback=False, warmStart=False,
         orthogonalizationEpsilon=1e-8, randomSeed=13, bucketCapMb=0.004),
    dict(matrixApproximationRank=3, startPowerSGDIter=2, useErrorFeedback=True, warmStart=True,
         orthogonalizationEpsilon=0, randomSeed=5, bucketCapMb=25, batchTensorsWithSameShape=True, model='b'),
    dict(matrixApproximationRank=1, startPowerSGDIter=2, useErrorFeedback=True, warmStart=True,
         orthogonalizationEpsilon=0, randomSeed=5, bucketCapMb=25, batchTensorsWithSameShape=False, model='b'),
]

results = []
for case in CASES:
    case.setdefault('model', 'a')
    case.setdefault('batchTensorsWithSameShape', False)
    net = make_net(case['model'])
    with torch.no_grad():
        for p, v in zip(net.parameters(), initial[case['model']]):
            p.copy_(v)
    ddp = nn.parallel.DistributedDataParallel(net, bucket_cap_mb=case['bucketCapMb'])
    state = powerSGD.PowerSGDState(
        process_group=None,
        matrix_approximation_rank=case['matrixApproximationRank'],
        start_powerSGD_iter=case['startPowerSGDIter'],
        use_error_feedback=case['useErrorFeedback'],
        warm_start=case['warmStart'],
        orthogonalization_epsilon=case['orthogonalizationEpsilon'],
        random_seed=case['randomSeed'],
        batch_tensors_with_same_shape=case['batchTensorsWithSameShape'],
    )
    ddp.register_comm_hook(state, powerSGD.powerSGD_hook)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1)
    for step in range(STEPS):
        opt.zero_grad()
        F.mse_loss(ddp(X[step, rank * B:(rank + 1) * B]), Y[step, rank * B:(rank + 1) * B]).backward()
        opt.step()
    results.append(dict(case, final=[p.detach().flatten().tolist() for p in net.parameters()],
                        stats=list(state.compression_stats()), iter=state.iter))

if rank == 0:
    out = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'powersgd.json')
    with open(out, 'w') as f:
        json.dump({'torch': torch.__version__, 'steps': STEPS, 'batch': B, 'worldSize': size,
                   'initial': {m: [p.flatten().tolist() for p in ps] for m, ps in initial.items()},
                   'shapes': {m: [list(p.shape) for p in ps] for m, ps in initial.items()},
                   'x': X.flatten().tolist(), 'y': Y.flatten().tolist(), 'cases': results}, f)
    print('wrote', out)
dist.destroy_process_group()
