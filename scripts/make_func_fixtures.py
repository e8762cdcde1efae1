"""Writes tests/fixtures/func.json with functorch 1.13 (torch.func's API before it moved
into torch): grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian and their compositions,
functional_call and stack_module_state.
Run: /usr/bin/python3 scripts/make_func_fixtures.py"""
import json
import os
import sys

import torch
import functorch
from torch.nn.utils.stateless import functional_call

sys.path.insert(0, os.path.dirname(__file__))
from fixture_json import ser  # noqa: E402

torch.manual_seed(0)
D = torch.float64
x = torch.randn(3, dtype=D)
y = torch.randn(3, dtype=D)
A = torch.randn(2, 3, dtype=D)
out = {'x': ser(x), 'y': ser(y), 'A': ser(A)}


def f_scalar(a):
    return (a.sin() * a.pow(2)).sum()


def f_vec(a):
    return A @ a.tanh()


def f_two(a, b):
    return (a * b.exp()).sum() + a.pow(2).sum()


out['grad'] = ser(functorch.grad(f_scalar)(x))
g0, g1 = functorch.grad(f_two, argnums=(0, 1))(x, y)
out['grad_argnums'] = [ser(g0), ser(g1)]
out['grad_argnum1'] = ser(functorch.grad(f_two, argnums=1)(x, y))
ga, aux = functorch.grad(lambda a: (f_scalar(a), a.mean()), has_aux=True)(x)
out['grad_aux'] = [ser(ga), ser(aux)]
gv, v = functorch.grad_and_value(f_scalar)(x)
out['grad_and_value'] = [ser(gv), ser(v)]
out['grad_grad'] = ser(functorch.grad(lambda a: functorch.grad(f_scalar)(a).sum())(x))
o, vjp_fn = functorch.vjp(f_vec, x)
c = torch.tensor([0.5, -2.0], dtype=D)
out['vjp'] = [ser(o), ser(vjp_fn(c)[0]), ser(vjp_fn(torch.ones(2, dtype=D))[0])]
o2, vjp2 = functorch.vjp(f_two, x, y)
out['vjp_two'] = [ser(o2), [ser(t) for t in vjp2(torch.tensor(1.5, dtype=D))]]
t = torch.tensor([1.0, -0.5, 2.0], dtype=D)
o3, jv = functorch.jvp(f_vec, (x,), (t,))
out['jvp'] = [ser(o3), ser(jv)]
o4, jv4 = functorch.jvp(f_two, (x, y), (t, torch.ones(3, dtype=D)))
out['jvp_two'] = [ser(o4), ser(jv4)]
out['jacrev'] = ser(functorch.jacrev(f_vec)(x))
out['jacfwd'] = ser(functorch.jacfwd(f_vec)(x))
j0, j1 = functorch.jacrev(f_two, argnums=(0, 1))(x, y)
out['jacrev_argnums'] = [ser(j0), ser(j1)]
jt = functorch.jacrev(lambda a: (a.exp(), a.sum() * A))(x)
out['jacrev_tuple_out'] = [ser(jt[0]), ser(jt[1])]
out['hessian'] = ser(functorch.hessian(f_scalar)(x))
out['jacrev_jacrev'] = ser(functorch.jacrev(functorch.jacrev(f_scalar))(x))
out['hessian_vec'] = ser(functorch.hessian(f_vec)(x))

# A model's parameters as a dict: grad of a loss through functional_call.
net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
params = {k: v.detach() for k, v in net.named_parameters()}
inp = torch.randn(5, 3, dtype=D)
target = torch.randn(5, 2, dtype=D)


def loss(p, xb, yb):
    return torch.nn.functional.mse_loss(functional_call(net, p, (xb,)), yb)


grads = functorch.grad(loss)(params, inp, target)
out['net'] = {'params': {k: ser(v) for k, v in params.items()}, 'input': ser(inp), 'target': ser(target), 'grads': {k: ser(v) for k, v in grads.items()},
              'loss': ser(loss(params, inp, target))}
nets = [torch.nn.Linear(3, 2).double() for _ in range(3)]
out['stack'] = {'models': [{k: ser(v) for k, v in m.named_parameters()} for m in nets]}

# vmap: in_dims/out_dims, nesting, per-sample gradients.
B = torch.randn(4, 3, dtype=D)
C = torch.randn(3, 4, dtype=D)
vm = {}
vm['basic'] = ser(functorch.vmap(lambda a: a.sin().sum())(B))
vm['in_dims'] = ser(functorch.vmap(lambda a, b: a * b.exp(), in_dims=(0, None))(B, x))
vm['in_dim1_out1'] = ser(functorch.vmap(lambda a: torch.outer(a, a).sum(0), in_dims=1, out_dims=1)(C))
vm['nested'] = ser(functorch.vmap(functorch.vmap(torch.dot))(B.reshape(2, 2, 3), B.reshape(2, 2, 3).flip(0)))
vm['tuple_out'] = [ser(t) for t in functorch.vmap(lambda a: (a.sum(), a * 2))(B)]
X = torch.randn(6, 3, dtype=D)
Yt = torch.randn(6, 2, dtype=D)
per = functorch.vmap(functorch.grad(lambda p, xb, yb: loss(p, xb.unsqueeze(0), yb.unsqueeze(0))), in_dims=(None, 0, 0))(params, X, Yt)
vm['per_sample'] = {'input': ser(X), 'target': ser(Yt), 'grads': {k: ser(v) for k, v in per.items()}}
out['vmap'] = vm
out['B'] = ser(B)
out['C'] = ser(C)
with open('tests/fixtures/func.json', 'w') as fh:
    json.dump(out, fh)
print('wrote tests/fixtures/func.json')
