"""PyTorch 1.13's side of bench/quantized.ts: the same models, shapes and timing rule."""
import os
import statistics
import time

import torch
import torch.nn as nn

threads = int(os.environ.get('FLINT_BENCH_THREADS', '2'))
torch.set_num_threads(threads)
torch.manual_seed(0)


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


WORKLOADS = [('mlp 784-1024-1024-10', [784, 1024, 1024, 10], 256), ('mlp 784-256-10 (mlp_infer)', [784, 256, 10], 256),
             ('linear 4096-4096', [4096, 4096], 64)]
for name, sizes, batch in WORKLOADS:
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers).eval()
    qmodel = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    x = torch.randn(batch, sizes[0])
    for kind, m in [('float32', model), ('int8', qmodel)]:
        with torch.no_grad():
            t = timeit(lambda: m(x))
        print(f'{name} B={batch} {kind}: {batch / t:.0f} samples/s ({t * 1e3:.3f} ms) [{torch.backends.quantized.engine}]')

RECURRENT = [('lstm 2x256 T=35 B=20', nn.LSTM, 256, 2, 35, 20), ('gru 1x128 T=20 B=1', nn.GRU, 128, 1, 20, 1)]
for name, layer, size, layers, steps, batch in RECURRENT:
    model = nn.Sequential(layer(size, size, layers)).eval()
    qmodel = torch.ao.quantization.quantize_dynamic(model)
    x = torch.randn(steps, batch, size)
    for kind, m in [('float32', model), ('int8', qmodel)]:
        with torch.no_grad():
            t = timeit(lambda: m(x))
        print(f'{name} {kind}: {batch / t:.0f} sequences/s ({t * 1e3:.3f} ms) [{torch.backends.quantized.engine}]')
