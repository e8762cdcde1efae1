"""Writes tests/fixtures/random.json: PyTorch 1.13's random streams (randperm, random_,
Generator objects and their states, multinomial, bernoulli, normal, exponential_) and the
order in which DataLoader, the samplers and random_split consume the global generator."""
import json
import os

import torch
from torch.utils.data import (BatchSampler, DataLoader, RandomSampler, SequentialSampler,
                              SubsetRandomSampler, TensorDataset, WeightedRandomSampler, random_split)

out = {}

def vals(t):
    return t.tolist()

# randperm
out['randperm'] = []
for seed, n, dtype in [(0, 10, torch.int64), (1, 1, torch.int64), (2, 0, torch.int64), (3, 100, torch.int64),
                       (4, 17, torch.float32), (5, 12, torch.int32), (6, 50, torch.float64), (7, 9, torch.uint8)]:
    torch.manual_seed(seed)
    p = torch.randperm(n, dtype=dtype)
    out['randperm'].append({'seed': seed, 'n': n, 'dtype': str(dtype).replace('torch.', ''), 'values': vals(p),
                            'after': vals(torch.rand(3))})

# random_() over each dtype's full range: int64 values as strings (they need 63 bits)
out['random_full'] = []
for dtype in [torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool,
              torch.float32, torch.float64, torch.float16, torch.bfloat16]:
    torch.manual_seed(11)
    t = torch.empty(6, dtype=dtype).random_()
    out['random_full'].append({'dtype': str(dtype).replace('torch.', ''),
                               'values': [str(v) for v in t.tolist()], 'after': vals(torch.rand(2))})

# Generator objects
g = torch.Generator().manual_seed(42)
torch.manual_seed(0)
a = torch.rand(3, generator=g)
b = torch.rand(2)
c = torch.randn(20, generator=g)
d = torch.randint(0, 100, (5,), generator=g)
e = torch.empty(4).uniform_(-1, 1, generator=g)
f = torch.empty(3).normal_(2, 0.5, generator=g)
h = torch.randperm(7, generator=g)
out['generator'] = {'rand': vals(a), 'global_rand': vals(b), 'randn': vals(c), 'randint': vals(d),
                    'uniform_': vals(e), 'normal_': vals(f), 'randperm': vals(h), 'initial_seed': g.initial_seed()}
# A state taken after an odd number of normal draws (so the cached normal is in it).
torch.manual_seed(3)
torch.randn(3, dtype=torch.float64)
state = torch.get_rng_state()
out['state'] = {'bytes': vals(state), 'next_randn': vals(torch.randn(3, dtype=torch.float64)),
                'next_rand': vals(torch.rand(4))}
torch.manual_seed(123)
out['state_seeded_123_first_words'] = vals(torch.get_rng_state()[:40])

# multinomial
out['multinomial'] = []
for seed, w, n, repl, dtype in [(0, [0.1, 0.2, 0.3, 0.4], 8, True, torch.float32),
                                (1, [0.1, 0.2, 0.3, 0.4], 3, False, torch.float32),
                                (2, [[1, 2, 3, 4, 0], [0, 0, 5, 1, 1]], 4, True, torch.float64),
                                (3, [[1, 2, 3, 4, 0], [0.5, 0, 5, 1, 1]], 3, False, torch.float64),
                                (4, [3.0, 1.0, 2.0], 1, True, torch.float32),
                                (5, [0.25] * 4, 4, False, torch.float32)]:
    torch.manual_seed(seed)
    r = torch.multinomial(torch.tensor(w, dtype=dtype), n, repl)
    out['multinomial'].append({'seed': seed, 'weights': w, 'n': n, 'replacement': repl,
                               'dtype': str(dtype).replace('torch.', ''), 'values': vals(r), 'after': vals(torch.rand(2))})

# bernoulli with per-element probabilities, normal overloads, exponential_
torch.manual_seed(8)
p32 = torch.rand(10)
p64 = torch.rand(10, dtype=torch.float64)
torch.manual_seed(9)
out['bernoulli'] = {'p32': vals(p32), 'p64': vals(p64), 'b32': vals(torch.bernoulli(p32)),
                    'b64': vals(torch.bernoulli(p64)), 'scalar': vals(torch.bernoulli(torch.zeros(6), 0.3)),
                    'after': vals(torch.rand(2))}
torch.manual_seed(10)
mean = torch.arange(4.0)
std = torch.tensor([0.5, 1.0, 2.0, 0.1])
out['normal'] = {'tt': vals(torch.normal(mean, std)), 'tf': vals(torch.normal(mean, 2.0)),
                 'ft': vals(torch.normal(1.0, std)), 'ffs': vals(torch.normal(3.0, 0.5, (2, 3))),
                 'after': vals(torch.rand(2))}
torch.manual_seed(12)
out['exponential'] = {'f64': vals(torch.empty(5, dtype=torch.float64).exponential_()),
                      'f32': vals(torch.empty(5).exponential_(2.5)), 'after': vals(torch.rand(2))}

# poisson: both of PyTorch's samplers (products of uniforms below 10, PTRS from 10)
torch.manual_seed(13)
rates32 = torch.tensor([0.0, 0.5, 3.0, 9.9, 10.0, 25.0, 150.0, 1e4])
rates64 = torch.tensor([[1.0, 12.5], [40.0, 0.1]], dtype=torch.float64)
out['poisson'] = {'rates32': vals(rates32), 'p32': vals(torch.poisson(rates32)), 'rates64': vals(rates64),
                  'p64': vals(torch.poisson(rates64)), 'after': vals(torch.rand(2))}

# DataLoader and samplers: the batches, and the global stream right after
X = torch.arange(20.0).reshape(10, 2)
y = torch.arange(10)
ds = TensorDataset(X, y)
def labels(loader):
    return [b[1].tolist() for b in loader]

torch.manual_seed(0)
plain = labels(DataLoader(ds, batch_size=4))
out['loader_plain'] = {'batches': plain, 'after': vals(torch.rand(2))}
torch.manual_seed(0)
loader = DataLoader(ds, batch_size=4, shuffle=True)
e1 = labels(loader)
e2 = labels(loader)
out['loader_shuffle'] = {'epoch1': e1, 'epoch2': e2, 'after': vals(torch.rand(2))}
torch.manual_seed(0)
loader = DataLoader(ds, batch_size=3, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(5))
out['loader_generator'] = {'epoch1': labels(loader), 'epoch2': labels(loader), 'after': vals(torch.rand(2))}
torch.manual_seed(5)
it = iter(DataLoader(ds, batch_size=10, shuffle=True))
torch.rand(100)
out['loader_lazy'] = {'first': next(it)[1].tolist(), 'after': vals(torch.rand(2))}
torch.manual_seed(1)
out['random_sampler_replacement'] = {'values': list(RandomSampler(range(10), replacement=True, num_samples=40)),
                                     'after': vals(torch.rand(2))}
torch.manual_seed(1)
out['random_sampler_num_samples'] = {'values': list(RandomSampler(range(7), num_samples=16)), 'after': vals(torch.rand(2))}
torch.manual_seed(2)
out['subset_random'] = {'values': list(SubsetRandomSampler([10, 20, 30, 40, 50])), 'after': vals(torch.rand(2))}
torch.manual_seed(3)
out['weighted'] = {'values': list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.6], 12)),
                   'no_replacement': list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.6], 3, replacement=False)),
                   'after': vals(torch.rand(2))}
torch.manual_seed(4)
out['batch_sampler'] = {'values': list(BatchSampler(RandomSampler(range(10)), 4, False)), 'after': vals(torch.rand(2))}
torch.manual_seed(6)
parts = random_split(range(10), [3, 7])
out['random_split'] = {'indices': [p.indices for p in parts], 'after': vals(torch.rand(2))}
parts = random_split(range(10), [0.5, 0.5], generator=torch.Generator().manual_seed(42))
out['random_split_generator'] = [p.indices for p in parts]

# Bit-exact fills: PyTorch's x86 build fuses `n * std + mean` and `x * range + from` into one
# FMA, and its serial kernels walk a permuted tensor in memory order.
exact = []
def fill_case(name, seed, dtype, shape, permute, fn):
    torch.manual_seed(seed)
    t = torch.empty(shape, dtype=dtype)
    if permute:
        t = t.permute(*permute)
    fn(t)
    exact.append({'name': name, 'seed': seed, 'dtype': str(dtype).replace('torch.', ''), 'shape': list(shape),
                  'permute': permute, 'values': [float(v).hex() for v in t.reshape(-1).tolist()]})
for dt in (torch.float64, torch.float32):
    for n in (5, 16, 37):
        fill_case('normal_', 3, dt, (n,), None, lambda t: t.normal_(0.3, 2.5))
    fill_case('normal_', 4, dt, (6, 5), [1, 0], lambda t: t.normal_(0.3, 2.5))
    fill_case('normal_', 5, dt, (2, 3, 4), [2, 0, 1], lambda t: t.normal_(-1.0, 0.7))
    fill_case('uniform_', 6, dt, (6, 5), [1, 0], lambda t: t.uniform_(-2.0, 3.0))
    fill_case('uniform_', 7, dt, (5,), None, lambda t: t.uniform_(-2.0, 3.0))
    fill_case('bernoulli_', 8, dt, (4, 5), [1, 0], lambda t: t.bernoulli_(0.3))
    fill_case('exponential_', 9, dt, (4, 5), [1, 0], lambda t: t.exponential_(1.5))
    fill_case('cauchy_', 10, dt, (4, 5), [1, 0], lambda t: t.cauchy_(0.5, 2.0))
    fill_case('log_normal_', 11, dt, (3, 4), [1, 0], lambda t: t.log_normal_(0.2, 0.6))
out['exact_fills'] = exact

path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'random.json')
with open(path, 'w') as fh:
    json.dump(out, fh)
print('wrote', path)
