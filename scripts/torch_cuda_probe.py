#!/usr/bin/env python3
# Run on a GPU machine (python3 with torch and CUDA): what PyTorch itself does on CUDA where
# flint had to choose (CPU index tensors, ties in kthvalue/median, mode with NaN, argmax ties).
# Its 2026-12-04 H200 output is in bench/logs/2026-12-04-h200.md.
# PyTorch's own behaviour on CUDA, for questions the CPU-only VM cannot answer.
import torch
c = 'cuda'
def show(name, fn):
    try:
        r = fn()
        print(f"{name}: OK {r}")
    except Exception as e:
        print(f"{name}: ERROR {type(e).__name__}: {str(e).splitlines()[0]}")
x = torch.arange(12.).reshape(3, 4).to(c)
i = torch.tensor([0, 2])
show('take cpu index', lambda: x.take(torch.tensor([[0, 5], [-1, 0]])).tolist())
show('take_along_dim cpu index', lambda: torch.take_along_dim(x, torch.tensor([[2], [0]]), 0).tolist())
show('gather cpu index', lambda: x.gather(0, torch.tensor([[2, 0, 1, 1]])).tolist())
show('index_select cpu index', lambda: x.index_select(0, i).tolist())
show('index_add cpu index', lambda: x.index_add(0, i, torch.ones(2, 4, device=c)).tolist())
show('index_fill_ cpu index', lambda: x.clone().index_fill_(1, i, 2).tolist())
show('index_copy cpu index', lambda: x.index_copy(0, i, torch.ones(2, 4, device=c)).tolist())
show('scatter cpu index', lambda: x.scatter(0, torch.tensor([[2, 0, 1, 1]]), torch.ones(1, 4, device=c)).tolist())
show('scatter_add cpu index', lambda: x.scatter_add(0, torch.tensor([[2, 0, 1, 1]]), torch.ones(1, 4, device=c)).tolist())
show('scatter_reduce cpu index', lambda: x.scatter_reduce(0, torch.tensor([[2, 0, 1, 1]]), torch.ones(1, 4, device=c), 'prod').tolist())
show('repeat_interleave cpu repeats', lambda: x[:, 0].repeat_interleave(torch.tensor([1, 0, 3]), 0).tolist())
show('index_put_ cpu indices', lambda: x.clone().index_put_((i,), torch.tensor(1., device=c)).tolist())
show('x[cpu index]', lambda: x[i].tolist())
show('masked_fill cpu mask', lambda: x.masked_fill(torch.ones(3, 4, dtype=torch.bool), 0).tolist())
show('masked_select cpu mask', lambda: x.masked_select(torch.ones(3, 4, dtype=torch.bool)).tolist())
show('where cpu cond', lambda: torch.where(torch.ones(3, 4, dtype=torch.bool), x, 0.).tolist())
show('add cpu 0-d', lambda: (x + torch.tensor(1.)).tolist())
show('embedding cpu index', lambda: torch.nn.functional.embedding(torch.tensor([0, 2]), x).tolist())
# mode with NaN and infinities: does CUDA agree with the CPU?
n, p, m = float('nan'), float('inf'), float('-inf')
for d, vals, shape in [(0, [2, 0, 2, 3, 1, 3, 3, n, p, m, 1, 3], (4, 3)), (0, [2, 0, 2, 3, 1, 3, 3, m, n, p, 1, 3], (4, 3)), (0, [2, 0, 2, 3, 1, 3, 3, p, n, m, 1, 3], (4, 3))]:
    t = torch.tensor(vals).reshape(shape)
    a, b = t.mode(d), t.to(c).mode(d)
    print('mode', vals, d, 'cpu', a.values.tolist(), a.indices.tolist(), 'cuda', b.values.tolist(), b.indices.tolist())
t = torch.tensor([[1.5, 0, -2, 3, 0.5], [0, 2, 0, -1, 4], [1, 1, 2, -0.5, 3]], dtype=torch.float64)
for dev in ['cpu', c]:
    k = t.to(dev).kthvalue(2, 1)
    md = t.to(dev).median(1)
    print('kthvalue(2,1)', dev, k.values.tolist(), k.indices.tolist(), 'median', md.indices.tolist(), 'topk', t.to(dev).topk(2, 0).indices.tolist())
u = torch.tensor([[0, 3, 3, 1, 3]], device=c)
print('argmax ties cuda', u.argmax(1).tolist(), u.float().argmax(1).tolist(), torch.tensor([3.] * 5000, device=c).argmax().item(), u.max(1).indices.tolist())
