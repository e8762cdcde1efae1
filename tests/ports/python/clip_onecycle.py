# Gradient clipping (clip_grad_norm_) with a OneCycleLR schedule stepped every batch, as in
# the usual fine-tuning loop.
import torch
from torch import nn

torch.manual_seed(0)

X = torch.randn(200, 4)
y = (X[:, :1] * 2 - X[:, 1:2] + 0.5 * X[:, 2:3] ** 2).tanh()
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=20, shuffle=True)

model = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
epochs = 4
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.5, steps_per_epoch=len(loader), epochs=epochs)
loss_fn = nn.MSELoss()

for epoch in range(epochs):
    total = 0.0
    norms = []
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        norms.append(norm.item())
        optimizer.step()
        scheduler.step()
        total += loss.item()
    print(f'epoch {epoch}: loss {total / len(loader):.6f}, max grad norm {max(norms):.6f}, lr {scheduler.get_last_lr()[0]:.6g}')

torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.01)
print(model[2].weight.grad.abs().max().item())
print(model[2].bias)
