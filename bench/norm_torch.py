"""PyTorch 1.13's side of bench/norm.ts: the same shapes, the timing rule of bench/timing.ts."""
import os
import statistics
import time

import torch

threads = int(os.environ.get('FLINT_BENCH_THREADS', '2'))
torch.set_num_threads(threads)


def timeit(fn, min_time=0.5, repeats=5, warmup=3):
    for _ in range(warmup):
        fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 > min_time / repeats or n >= 2 ** 20:
            break
        n *= 2
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t0) / n)
    return statistics.median(times)


for shape in [(4, 64, 112, 112), (4, 64, 56, 56), (4, 128, 28, 28), (4, 256, 14, 14), (4, 512, 7, 7)]:
    bn = torch.nn.BatchNorm2d(shape[1]).eval()
    x = torch.randn(shape)
    with torch.no_grad():
        t = timeit(lambda: bn(x), min_time=0.3)
    print(f'eval  {list(shape)}: {t * 1e3:.3f} ms')

bn = torch.nn.BatchNorm2d(32)
x = torch.randn(64, 32, 26, 26, requires_grad=True)
g = torch.randn(64, 32, 26, 26)


def step():
    out = bn(x)
    out.backward(g)
    x.grad = None
    bn.weight.grad = None
    bn.bias.grad = None


print(f'train fwd+bwd [64, 32, 26, 26]: {timeit(step) * 1e3:.3f} ms (threads {threads})')
