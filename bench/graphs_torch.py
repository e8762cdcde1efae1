"""PyTorch's side of flint's CUDA-graph workloads (bench/run.ts: seed_mlp_graph and
mlp_train_graph): torch_bench.py's seed_mlp and mlp_train, captured once with
torch.cuda.graph (warm-up on a side stream, as PyTorch's documentation asks) and timed
as replays, with torch_bench.py's timing rule and JSON lines.

  /usr/bin/python3 bench/graphs_torch.py --device cuda [--only seed_mlp_graph,mlp_train_graph]
"""
import argparse
import importlib.util
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.environ.get("FLINT_TORCH_BENCH") or os.path.join(HERE, "..", "..", "shared", "reference", "torch_bench.py")
spec = importlib.util.spec_from_file_location("torch_bench", REFERENCE)
torch_bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(torch_bench)


def warm_up(fn, iters=3):
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(iters):
            fn()
    torch.cuda.current_stream().wait_stream(side)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--only", default="")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    only = set(w for w in args.only.split(",") if w)
    want = lambda w: not only or w in only
    if args.device != "cuda" or not torch.cuda.is_available():
        print("graphs_torch.py: CUDA graphs need a CUDA device; nothing to run")
        return
    device = "cuda"
    torch.manual_seed(0)

    if want("seed_mlp_graph"):
        net = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10)).to(device)
        X = torch.rand(2, 20, device=device)
        warm_up(lambda: net(X))
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            out = net(X)
        t = torch_bench.timeit(g.replay, device)
        torch_bench.emit(device, "seed_mlp_graph", "2x20", t, "forward/s", 1 / t)

    if want("mlp_train_graph"):
        B = 4096
        net = torch_bench.mlp(device)
        x = torch.rand(B, 784, device=device)
        y = torch.randint(0, 10, (B,), device=device)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)

        def step():
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            return loss

        def eager_step():
            opt.zero_grad()
            step()
        warm_up(eager_step)
        opt.zero_grad(set_to_none=True)
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            loss = step()
        t = torch_bench.timeit(g.replay, device)
        torch_bench.emit(device, "mlp_train_graph", B, t, "samples/s", B / t)


if __name__ == "__main__":
    main()
