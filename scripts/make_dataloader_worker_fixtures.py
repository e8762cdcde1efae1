"""Writes tests/fixtures/dataloader_workers.json: what PyTorch 1.13's multi-process DataLoader
does with the random streams. Per case: each batch's samples as [index, worker id,
get_worker_info().seed, torch.initial_seed(), torch.rand(1) drawn for that sample in its worker],
the base seed the iterator drew, and torch.rand(2) in the main process after the epochs (which
shows how much of the global stream the iterators consumed)."""
import json
import os

import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info


class Probe(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        info = get_worker_info()
        return [i, info.id, info.seed, torch.initial_seed(), torch.rand(1).item()]


class ShardedRange(IterableDataset):
    # each worker takes every num_workers-th value from its id, as PyTorch's docs shard
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        return iter(range(info.id, self.n, info.num_workers))


def draw_id_plus_one(worker_id):
    # a worker_init_fn that consumes worker_id + 1 numbers of the worker's stream
    torch.rand(worker_id + 1)


def rows(batch):
    # default_collate turns the list of 5 fields into 5 tensors; back to per-sample rows
    cols = [c.tolist() for c in batch]
    return [[int(cols[0][k]), int(cols[1][k]), str(cols[2][k]), str(cols[3][k]), cols[4][k]]
            for k in range(len(cols[0]))]


def run(seed, epochs, **kwargs):
    torch.manual_seed(seed)
    # the base seed an iterator draws is the first int64 of the stream after manual_seed
    base = torch.empty((), dtype=torch.int64).random_().item()
    torch.manual_seed(seed)
    loader = DataLoader(Probe(), batch_size=3, num_workers=2, **kwargs)
    out_epochs = []
    for _ in range(epochs):
        out_epochs.append([rows(b) for b in loader])
    return {'seed': seed, 'base_seed': str(base), 'epochs': out_epochs, 'after': torch.rand(2).tolist()}


out = {
    'plain': run(0, 1),
    'shuffle': run(1, 2, shuffle=True),
    'persistent': run(2, 2, shuffle=True, persistent_workers=True),
    'init_fn': run(3, 1, worker_init_fn=draw_id_plus_one),
    'prefetch': run(4, 1, prefetch_factor=1),
}

torch.manual_seed(5)
out['iterable'] = {
    'batches': [b.tolist() for b in DataLoader(ShardedRange(10), batch_size=3, num_workers=2)],
    'batches_drop_last': [b.tolist() for b in DataLoader(ShardedRange(10), batch_size=3, num_workers=2, drop_last=True)],
    'unbatched': [int(b) for b in DataLoader(ShardedRange(5), batch_size=None, num_workers=2)],
    'after': torch.rand(2).tolist(),
}

path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'dataloader_workers.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path)
