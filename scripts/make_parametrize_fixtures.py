"""Writes tests/fixtures/parametrize.json: PyTorch 1.13's nn.utils.weight_norm,
parametrizations.spectral_norm and parametrize.register_parametrization (state-dict keys,
values, gradients, and the generator draws spectral_norm makes)."""
import json
import os

import torch
import torch.nn as nn
from torch.nn.utils import parametrize, parametrizations

out = {}
L = lambda t: t.detach().tolist()

torch.manual_seed(0)
lin = nn.Linear(3, 4)
w0 = lin.weight.detach().clone()
nn.utils.weight_norm(lin)
x = torch.linspace(-1, 1, 6).reshape(2, 3)
y = lin(x)
y.pow(2).sum().backward()
out['weight_norm'] = {'weight': L(w0), 'bias': L(lin.bias), 'keys': list(lin.state_dict().keys()),
                      'g': L(lin.weight_g), 'y': L(y), 'grad_g': L(lin.weight_g.grad), 'grad_v': L(lin.weight_v.grad),
                      'params': [n for n, _ in lin.named_parameters()]}
with torch.no_grad():
    lin.weight_g.mul_(2)
out['weight_norm']['y2'] = L(lin(x))
nn.utils.remove_weight_norm(lin)
out['weight_norm']['removed_keys'] = list(lin.state_dict().keys())
out['weight_norm']['removed_weight'] = L(lin.weight)

torch.manual_seed(1)
conv_like = nn.Linear(5, 3)
w1 = conv_like.weight.detach().clone()
nn.utils.weight_norm(conv_like, dim=None)
out['weight_norm_none'] = {'weight': L(w1), 'g': L(conv_like.weight_g), 'y': L(conv_like(torch.ones(1, 5)))}

torch.manual_seed(2)
sn = nn.Linear(6, 5)
w2 = sn.weight.detach().clone()
torch.manual_seed(3)
parametrizations.spectral_norm(sn)
u0 = L(sn.parametrizations.weight[0]._u)
v0 = L(sn.parametrizations.weight[0]._v)
z = torch.linspace(-1, 2, 12).reshape(2, 6)
out_train = sn(z)
out_train.sum().backward()
sn.eval()
out_eval = sn(z)
out['spectral_norm'] = {'weight': L(w2), 'bias': L(sn.bias), 'keys': list(sn.state_dict().keys()), 'u0': u0, 'v0': v0,
                        'y_train': L(out_train), 'grad_original': L(sn.parametrizations.weight.original.grad),
                        'u1': L(sn.parametrizations.weight[0]._u), 'y_eval': L(out_eval), 'after': L(torch.rand(2))}

class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(0, 1)

torch.manual_seed(4)
m = nn.Linear(3, 3)
w3 = m.weight.detach().clone()
parametrize.register_parametrization(m, 'weight', Symmetric())
y3 = m(torch.ones(2, 3))
y3.sum().backward()
out['symmetric'] = {'weight': L(w3), 'bias': L(m.bias), 'keys': list(m.state_dict().keys()), 'w': L(m.weight),
                    'grad': L(m.parametrizations.weight.original.grad), 'y': L(y3)}
parametrize.remove_parametrizations(m, 'weight')
out['symmetric']['removed_keys'] = list(m.state_dict().keys())
out['symmetric']['removed_weight'] = L(m.weight)

path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'parametrize.json')
with open(path, 'w') as fh:
    json.dump(out, fh)
print('wrote', path)
