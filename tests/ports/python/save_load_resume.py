# PyTorch tutorial "Saving and Loading Models" (general checkpoint for resuming training):
# save model and optimizer state dicts mid-training, load them into fresh objects, and
# check that the resumed run continues exactly as the uninterrupted one.
import os
import tempfile

import torch
from torch import nn

torch.manual_seed(0)

X = torch.randn(40, 5)
y = X @ torch.randn(5, 2) + 0.1 * torch.randn(40, 2)


def make():
    net = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    return net, opt


def train(net, opt, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(net(X), y)
        loss.backward()
        opt.step()
    return loss.item()


net, opt = make()
print(f'after 5 steps: {train(net, opt, 5):.6f}')
path = os.path.join(tempfile.mkdtemp(), 'checkpoint.pt')
torch.save({
    'epoch': 5,
    'model_state_dict': net.state_dict(),
    'optimizer_state_dict': opt.state_dict(),
}, path)
print(f'uninterrupted, 5 more: {train(net, opt, 5):.6f}')

torch.manual_seed(123)  # a fresh model starts from other weights
model, optimizer = make()
checkpoint = torch.load(path)
model.load_state_dict(checkpoint['model_state_dict'])
optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
epoch = checkpoint['epoch']
print('loaded epoch', epoch, 'keys', list(checkpoint['model_state_dict'].keys()))
print('state steps', [float(s['step']) for s in optimizer.state_dict()['state'].values()])
print(f'resumed, 5 more: {train(model, optimizer, 5):.6f}')
print(model[2].bias)
