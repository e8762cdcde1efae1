"""PyTorch's side of bench/distributed.ts, one rank: run with 2 ranks, as

  node bin/flint-run.mjs --standalone --nproc-per-node 2 -- /usr/bin/python3 bench/distributed_torch.py

(flint-run sets what torchrun sets; Debian's torchrun for PyTorch 1.13 fails on Python 3.11.)

Workloads (gloo, CPU, float32), as bench/distributed-rank.ts runs them in flint:
  allreduce      dist.all_reduce of N float32 bytes (1, 16, 64 MiB), SUM;
                 value = bus bandwidth 2*(n-1)/n * bytes / t  (GB/s)
  ddp_mlp_train  the mlp_train step of torch_bench.py (Linear(784,256), ReLU,
                 Linear(256,256), ReLU, Linear(256,10), cross_entropy, SGD lr 0.1)
                 under DistributedDataParallel, B=128 per rank;
                 value = samples per second over all ranks
  ddp_overlap    the forward + backward of that step, under DDP (backward plus its
                 gradient all-reduce) against without DDP (backward alone);
                 value = the ratio (1.0 would be communication fully hidden)
Rank 0 prints one JSON line per result, as torch_bench.py does.
"""
import json
import statistics
import time

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F


def timeit(fn, min_time=0.5, repeats=7):
    # torch_bench.py's rule, with 50 warm-up calls (bench/distributed-rank.ts says why).
    for _ in range(50):
        fn()
    # Each calibration step is agreed between ranks (the slowest decides): every call is
    # collective, so the ranks must make the same number of calls.
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = torch.tensor([time.perf_counter() - t0], dtype=torch.float64)
        dist.all_reduce(dt, op=dist.ReduceOp.MAX)
        if dt.item() > min_time / repeats or n >= 1 << 20:
            break
        n *= 2
    samples = []
    for _ in range(repeats):
        dist.barrier()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t0) / n)
    return statistics.median(samples)


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def main():
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()

    def emit(workload, size, t, unit, value):
        if rank == 0:
            print(json.dumps({"impl": "torch", "version": torch.__version__, "device": "cpu", "workload": workload,
                              "size": str(size), "median_s": t, "unit": unit, "value": value}), flush=True)

    for mib in (1, 16, 64):
        x = torch.ones(mib * 1024 * 1024 // 4)
        t = timeit(lambda: dist.all_reduce(x))
        emit("allreduce", f"{mib}MiB", t, "GB/s", 2 * (world - 1) / world * x.numel() * 4 / t / 1e9)

    torch.manual_seed(0)
    B = 128
    x = torch.rand(B, 784)
    y = torch.randint(0, 10, (B,))
    ddp = nn.parallel.DistributedDataParallel(mlp())
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1)

    def step():
        opt.zero_grad()
        F.cross_entropy(ddp(x), y).backward()
        opt.step()
    t = timeit(step)
    emit("ddp_mlp_train", f"B={B}x{world}", t, "samples/s", B * world / t)

    local = mlp()

    def backward_alone():
        local.zero_grad()
        F.cross_entropy(local(x), y).backward()

    def backward_ddp():
        ddp.zero_grad()
        F.cross_entropy(ddp(x), y).backward()
    alone = timeit(backward_alone)
    with_comm = timeit(backward_ddp)
    emit("ddp_overlap", f"B={B}", with_comm, "x backward", with_comm / alone)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
