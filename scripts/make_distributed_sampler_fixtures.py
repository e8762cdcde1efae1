"""Writes tests/fixtures/distributed_sampler.json: what PyTorch 1.13's
torch.utils.data.distributed.DistributedSampler yields. Per case: the dataset length, the
sampler's arguments, the epoch set with set_epoch, list(sampler) and len(sampler). Seeds
beyond 2**53 are written as strings (bigints in the test). 'loader' records the batches a
DataLoader draws through such a sampler over several epochs."""
import json
import os

import torch
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


def case(n, num_replicas, rank, shuffle, seed, epoch, drop_last):
    sampler = DistributedSampler(range(n), num_replicas=num_replicas, rank=rank, shuffle=shuffle,
                                 seed=seed, drop_last=drop_last)
    sampler.set_epoch(epoch)
    return {
        'n': n, 'numReplicas': num_replicas, 'rank': rank, 'shuffle': shuffle,
        'seed': seed if abs(seed) <= 2 ** 53 else str(seed), 'epoch': epoch, 'dropLast': drop_last,
        'indices': list(sampler), 'length': len(sampler),
        'numSamples': sampler.num_samples, 'totalSize': sampler.total_size,
    }


cases = []
for n in (0, 3, 10, 11):
    for num_replicas in (2, 3, 4):
        for rank in range(num_replicas):
            for drop_last in (False, True):
                cases.append(case(n, num_replicas, rank, False, 0, 0, drop_last))
                for seed in (0, 7):
                    for epoch in (0, 1, 3):
                        cases.append(case(n, num_replicas, rank, True, seed, epoch, drop_last))

# padding longer than the dataset (the indices repeat more than once), one replica, and
# seeds that wrap (negative) or need all 64 bits
for n, num_replicas in ((1, 4), (2, 7), (5, 1), (100, 8)):
    for rank in range(num_replicas):
        for shuffle in (False, True):
            for drop_last in (False, True):
                cases.append(case(n, num_replicas, rank, shuffle, 3, 2, drop_last))
for seed in (-1, 2 ** 40 + 1, 2 ** 63 + 5, 2 ** 64 - 2):
    for rank in range(3):
        cases.append(case(10, 3, rank, True, seed, 1, False))


def loader_run(rank):
    # a DataLoader over a TensorDataset of 0..10 squared, batch_size 3, through this rank's sampler
    ds = TensorDataset(torch.arange(11), torch.arange(11) ** 2)
    sampler = DistributedSampler(ds, num_replicas=2, rank=rank, seed=5)
    loader = DataLoader(ds, batch_size=3, sampler=sampler)
    epochs = []
    for epoch in range(3):
        sampler.set_epoch(epoch)
        epochs.append([[x.tolist(), y.tolist()] for x, y in loader])
    return {'rank': rank, 'length': len(loader), 'epochs': epochs}


out = {'cases': cases, 'loader': [loader_run(0), loader_run(1)]}
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'distributed_sampler.json')
with open(path, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {path}: {len(cases)} cases')
