#!/usr/bin/env python3
"""Writes tests/fixtures/nn.json from real PyTorch (run with /usr/bin/python3).

- "chapter": for each seed-chapter example, the reprs of the tensors and modules that
  examples/5.*.ts print, in order, computed with the same seed (flint reproduces
  PyTorch's CPU generator, so the values must be equal).
- "functional": values and gradients of nn.functional ops on fixed inputs.
- "reprs": module reprs.
"""
import json
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

out = {"chapter": {}, "functional": [], "reprs": {}}


def chapter_5_1():
    shown = []
    torch.manual_seed(42)
    net = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    X = torch.rand(2, 20)
    shown.append(repr(net(X)))

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(20, 256)
            self.out = nn.Linear(256, 10)

        def forward(self, X):
            return self.out(F.relu(self.hidden(X)))

    net = MLP()
    shown.append(repr(net(X)))

    class MySequential(nn.Module):
        def __init__(self, *args):
            super().__init__()
            for idx, module in enumerate(args):
                self._modules[str(idx)] = module

        def forward(self, X):
            for block in self._modules.values():
                X = block(X)
            return X

    net = MySequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    shown.append(repr(net(X)))

    class FixedHiddenMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.rand_weight = torch.rand((20, 20), requires_grad=False)
            self.linear = nn.Linear(20, 20)

        def forward(self, X):
            X = self.linear(X)
            X = F.relu(torch.mm(X, self.rand_weight) + 1)
            X = self.linear(X)
            while X.abs().sum() > 1:
                X /= 2
            return X.sum()

    net = FixedHiddenMLP()
    shown.append(repr(net(X)))

    class NestMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
            self.linear = nn.Linear(32, 16)

        def forward(self, X):
            return self.linear(self.net(X))

    chimera = nn.Sequential(NestMLP(), nn.Linear(16, 20), FixedHiddenMLP())
    shown.append(repr(chimera(X)))
    shown.append(repr(chimera))
    return shown


def chapter_5_2():
    shown = []
    torch.manual_seed(42)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    X = torch.rand(size=(2, 4))
    shown.append(repr(net(X)))
    sd = net[2].state_dict()
    shown.append(repr(sd['weight']))
    shown.append(repr(sd['bias']))
    shown.append(repr(net[2].bias))
    shown.append(repr(net[2].bias.data))
    shown.append(repr(net.state_dict()['2.bias'].data))

    def block1():
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU())

    def block2():
        net = nn.Sequential()
        for i in range(4):
            net.add_module(f'block {i}', block1())
        return net

    rgnet = nn.Sequential(block2(), nn.Linear(4, 1))
    shown.append(repr(rgnet(X)))
    shown.append(repr(rgnet))
    shown.append(repr(rgnet[0][1][0].bias.data))

    def init_normal(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, mean=0, std=0.01)
            nn.init.zeros_(m.bias)
    net.apply(init_normal)
    shown.append(repr(net[0].weight.data[0]) + ' ' + repr(net[0].bias.data[0]))

    def init_constant(m):
        if type(m) == nn.Linear:
            nn.init.constant_(m.weight, 1)
            nn.init.zeros_(m.bias)
    net.apply(init_constant)
    shown.append(repr(net[0].weight.data[0]) + ' ' + repr(net[0].bias.data[0]))

    def init_xavier(m):
        if type(m) == nn.Linear:
            nn.init.xavier_uniform_(m.weight)

    def init_42(m):
        if type(m) == nn.Linear:
            nn.init.constant_(m.weight, 42)
    net[0].apply(init_xavier)
    net[2].apply(init_42)
    shown.append(repr(net[0].weight.data[0]))
    shown.append(repr(net[2].weight.data))

    def my_init(m):
        if type(m) == nn.Linear:
            nn.init.uniform_(m.weight, -10, 10)
            m.weight.data *= m.weight.data.abs() >= 5
    net.apply(my_init)
    shown.append(repr(net[0].weight[:2]))
    net[0].weight.data[:] += 1
    net[0].weight.data[0, 0] = 42
    shown.append(repr(net[0].weight.data[0]))

    shared = nn.Linear(8, 8)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 1))
    net(X)
    shown.append(repr(net[2].weight.data[0] == net[4].weight.data[0]))
    net[2].weight.data[0, 0] = 100
    shown.append(repr(net[2].weight.data[0] == net[4].weight.data[0]))

    linear = nn.Linear(1, 1, bias=False)
    tied = nn.Sequential(linear, linear)
    nn.init.constant_(linear.weight, 3)
    tied(torch.ones(1, 1)).sum().backward()
    shown.append(repr(linear.weight.grad))
    return shown


def chapter_5_4():
    shown = []
    torch.manual_seed(42)

    class CenteredLayer(nn.Module):
        def forward(self, X):
            return X - X.mean()

    layer = CenteredLayer()
    shown.append(repr(layer(torch.FloatTensor([1, 2, 3, 4, 5]))))
    net = nn.Sequential(nn.Linear(8, 128), CenteredLayer())
    Y = net(torch.rand(4, 8))
    # Y.mean() is float32 rounding noise around 0; its exact digits depend on summation order.
    out["chapter_5_4_mean"] = Y.mean().item()

    class MyLinear(nn.Module):
        def __init__(self, in_units, units):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(in_units, units))
            self.bias = nn.Parameter(torch.randn(units,))

        def forward(self, X):
            linear = torch.matmul(X, self.weight.data) + self.bias.data
            return F.relu(linear)

    linear = MyLinear(5, 3)
    shown.append(repr(linear.weight))
    shown.append(repr(linear(torch.rand(2, 5))))
    net = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1))
    shown.append(repr(net(torch.rand(2, 64))))
    return shown


out["chapter"]["5.1-layers-and-blocks"] = chapter_5_1()
out["chapter"]["5.2-parameters"] = chapter_5_2()
out["chapter"]["5.4-custom-layers"] = chapter_5_4()


def t(x):
    return {"shape": list(x.shape), "dtype": str(x.dtype).replace("torch.", ""),
            "data": [float(v) if x.dtype.is_floating_point else int(v) for v in x.detach().reshape(-1).tolist()]}


def case(name, fn, inputs, grad_inputs=(0,)):
    """inputs: tensors; fn(*inputs) -> tensor. Records output and grads of sum(out * w)."""
    ins = [x.clone().requires_grad_(i in grad_inputs) for i, x in enumerate(inputs)]
    y = fn(*ins)
    g = torch.linspace(-1, 1, y.numel()).reshape(y.shape).to(y.dtype) if y.numel() > 0 else torch.zeros_like(y)
    (y * g).sum().backward()
    out["functional"].append({
        "name": name, "inputs": [t(x) for x in inputs], "output": t(y), "gradOutput": t(g),
        "grads": [t(x.grad) if x.grad is not None else None for x in ins],
        "gradFn": type(y.grad_fn).__name__ if y.grad_fn is not None else None,
    })


torch.manual_seed(7)
x = torch.randn(4, 5)
x3 = torch.randn(2, 3, 4)
y = torch.tensor([1, 0, 4, 2])
yk = torch.tensor([[0, 2, 1, 1], [2, 2, 0, 1]])
w = torch.rand(5) + 0.5
case("softmax dim1", lambda a: F.softmax(a, 1), [x])
case("softmax dim0", lambda a: F.softmax(a, 0), [x])
case("log_softmax dim1", lambda a: F.log_softmax(a, 1), [x])
case("log_softmax 3d dim1", lambda a: F.log_softmax(a, 1), [x3])
case("softmax 3d dim-1", lambda a: F.softmax(a, -1), [x3])
case("cross_entropy", lambda a: F.cross_entropy(a, y), [x])
case("cross_entropy sum", lambda a: F.cross_entropy(a, y, reduction='sum'), [x])
case("cross_entropy none", lambda a: F.cross_entropy(a, y, reduction='none'), [x])
case("cross_entropy weight", lambda a: F.cross_entropy(a, y, weight=w), [x])
case("cross_entropy ignore", lambda a: F.cross_entropy(a, y, ignore_index=4), [x])
case("cross_entropy smoothing", lambda a: F.cross_entropy(a, y, label_smoothing=0.1), [x])
case("cross_entropy smoothing weight ignore", lambda a: F.cross_entropy(a, y, weight=w, label_smoothing=0.2, ignore_index=0), [x])
case("cross_entropy smoothing none", lambda a: F.cross_entropy(a, y, label_smoothing=0.3, reduction='none'), [x])
case("cross_entropy kdim", lambda a: F.cross_entropy(a, yk), [x3])
case("cross_entropy kdim none", lambda a: F.cross_entropy(a, yk, reduction='none'), [x3])
case("cross_entropy unbatched", lambda a: F.cross_entropy(a, torch.tensor(3)), [x[0]])
case("cross_entropy probs", lambda a: F.cross_entropy(a, F.softmax(torch.arange(20.).reshape(4, 5).cos(), 1)), [x])
case("nll_loss", lambda a: F.nll_loss(F.log_softmax(a, 1), y), [x])
case("nll_loss raw weight", lambda a: F.nll_loss(a, y, weight=w), [x])
case("mse_loss", lambda a, b: F.mse_loss(a, b), [x, x.flip(0)], (0, 1))
case("mse_loss sum", lambda a, b: F.mse_loss(a, b, reduction='sum'), [x, x.flip(0)], (0, 1))
case("l1_loss", lambda a, b: F.l1_loss(a, b), [x, x.flip(0) * 0.5], (0, 1))
tgt = (torch.rand(4, 5) > 0.5).float()
case("bce_with_logits", lambda a: F.binary_cross_entropy_with_logits(a, tgt), [x * 3])
case("bce_with_logits pos_weight", lambda a: F.binary_cross_entropy_with_logits(a, tgt, pos_weight=w, weight=tgt + 0.5, reduction='sum'), [x * 3])
case("gelu", lambda a: F.gelu(a), [x * 2])
case("gelu tanh", lambda a: F.gelu(a, approximate='tanh'), [x * 2])
case("silu", lambda a: F.silu(a), [x * 2])
case("leaky_relu", lambda a: F.leaky_relu(a, 0.2), [x])
case("layer_norm", lambda a, wt, b: F.layer_norm(a, [4], wt, b), [x3, torch.rand(4) + 0.5, torch.randn(4)], (0, 1, 2))
case("layer_norm 2d shape", lambda a: F.layer_norm(a, [3, 4]), [x3])
case("linear", lambda a, wt, b: F.linear(a, wt, b), [x, torch.randn(3, 5), torch.randn(3)], (0, 1, 2))
case("linear 3d", lambda a, wt, b: F.linear(a, wt, b), [x3, torch.randn(2, 4), torch.randn(2)], (0, 1, 2))
case("linear nobias 1d", lambda a, wt: F.linear(a, wt), [x[0], torch.randn(3, 5)], (0, 1))
case("embedding", lambda wt: F.embedding(torch.tensor([[1, 2, 1], [0, 3, 3]]), wt, padding_idx=3), [torch.randn(5, 3)])
bn_x = torch.randn(6, 3) * 2 + 1
case("batch_norm train", lambda a, wt, b: F.batch_norm(a, torch.zeros(3), torch.ones(3), wt, b, training=True), [bn_x, torch.rand(3) + 0.5, torch.randn(3)], (0, 1, 2))
case("batch_norm eval", lambda a: F.batch_norm(a, torch.tensor([0.5, -1.0, 2.0]), torch.tensor([1.5, 0.5, 2.0]), training=False), [bn_x])
case("batch_norm 3d train", lambda a: F.batch_norm(a, None, None, training=True), [torch.randn(4, 3, 5)])

# BatchNorm1d running statistics after two training steps, then eval output.
torch.manual_seed(3)
bn = nn.BatchNorm1d(3)
b1, b2 = torch.randn(8, 3), torch.randn(8, 3) * 3
bn(b1)
bn(b2)
bn.eval()
out["batchnorm"] = {"inputs": [t(b1), t(b2)], "running_mean": t(bn.running_mean), "running_var": t(bn.running_var),
                    "num_batches_tracked": int(bn.num_batches_tracked), "eval_output": t(bn(b1))}

# Dropout masks follow the generator: same seed, same mask.
torch.manual_seed(5)
out["dropout"] = {"p": 0.3, "output": t(F.dropout(torch.ones(4, 6), 0.3))}

reprs = {
    "LayerNorm": nn.LayerNorm(10), "LayerNorm2": nn.LayerNorm([3, 4], eps=1e-6, elementwise_affine=False),
    "BatchNorm1d": nn.BatchNorm1d(16), "BatchNorm1d_m": nn.BatchNorm1d(4, momentum=None, affine=False),
    "Dropout": nn.Dropout(), "Dropout2": nn.Dropout(0.25, inplace=True), "GELU": nn.GELU(), "GELU_tanh": nn.GELU(approximate='tanh'),
    "LeakyReLU": nn.LeakyReLU(), "LeakyReLU2": nn.LeakyReLU(0.2, inplace=True), "ReLU": nn.ReLU(), "ReLU_inplace": nn.ReLU(inplace=True),
    "SiLU": nn.SiLU(), "Sigmoid": nn.Sigmoid(), "Tanh": nn.Tanh(), "Softmax": nn.Softmax(dim=1), "LogSoftmax": nn.LogSoftmax(dim=-1),
    "Softmax_none": nn.Softmax(), "Identity": nn.Identity(), "Flatten": nn.Flatten(), "Unflatten": nn.Unflatten(1, (2, 5)),
    "Embedding": nn.Embedding(10, 3), "Embedding_pad": nn.Embedding(10, 3, padding_idx=0), "Linear_nobias": nn.Linear(1, 1, bias=False),
    "MSELoss": nn.MSELoss(), "CrossEntropyLoss": nn.CrossEntropyLoss(), "L1Loss": nn.L1Loss(), "NLLLoss": nn.NLLLoss(),
    "BCEWithLogitsLoss": nn.BCEWithLogitsLoss(),
    "ModuleList": nn.ModuleList([nn.Linear(2, 2), nn.ReLU()]),
    "ModuleDict": nn.ModuleDict({"act": nn.ReLU(), "lin": nn.Linear(3, 1)}),
    "Sequential_named": nn.Sequential(__import__('collections').OrderedDict([("hidden", nn.Linear(4, 8)), ("act", nn.GELU())])),
    "Sequential_empty": nn.Sequential(),
}
out["reprs"] = {k: repr(v) for k, v in reprs.items()}

# loadStateDict's strict error message.
net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
bad = {"0.weight": torch.zeros(3, 5), "0.bias": torch.zeros(3), "2.weight": torch.zeros(1, 3), "extra": torch.zeros(1)}
try:
    net.load_state_dict(bad)
except RuntimeError as e:
    out["load_error"] = str(e)

with open("tests/fixtures/nn.json", "w") as f:
    json.dump(out, f, indent=0)
print("wrote tests/fixtures/nn.json")
