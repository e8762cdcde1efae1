# The torch.optim.swa_utils recipe (PyTorch docs, "Stochastic Weight Averaging"): train with
# SGD under cosine annealing, switch to SWALR and average the weights with AveragedModel,
# recompute BatchNorm statistics with update_bn, and compare the averaged models (SWA and an
# EMA) with the last weights on held-out data. Synthetic two-class data.
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, SWALR, update_bn

torch.manual_seed(0)
n, d = 256, 8
X = torch.randn(n, d)
w_true = torch.randn(d)
y = (X @ w_true + 0.5 * torch.randn(n) > 0).long()
X_test = torch.randn(128, d)
y_test = (X_test @ w_true > 0).long()
loader = [(X[i:i + 32], y[i:i + 32]) for i in range(0, n, 32)]

model = nn.Sequential(nn.Linear(d, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
swa_model = AveragedModel(model)
ema_model = AveragedModel(model, avg_fn=lambda avg, cur, num: 0.9 * avg + 0.1 * cur)
swa_start = 5
swa_scheduler = SWALR(optimizer, swa_lr=0.05, anneal_epochs=3, anneal_strategy='linear')
loss_fn = nn.CrossEntropyLoss()


def evaluate(m):
    m.eval()
    with torch.no_grad():
        out = m(X_test)
        return loss_fn(out, y_test).item(), (out.argmax(1) == y_test).float().mean().item()


for epoch in range(10):
    model.train()
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item()
        ema_model.update_parameters(model)
    if epoch >= swa_start:
        swa_model.update_parameters(model)
        swa_scheduler.step()
    else:
        scheduler.step()
    print(f'epoch {epoch} loss {total / len(loader):.5f} lr {optimizer.param_groups[0]["lr"]:.5f}')

update_bn(loader, swa_model)
update_bn(loader, ema_model)
print('n_averaged', swa_model.n_averaged.item(), ema_model.n_averaged.item())
for name, m in [('last', model), ('swa', swa_model), ('ema', ema_model)]:
    loss, acc = evaluate(m)
    print(f'{name}: test loss {loss:.5f} accuracy {acc:.4f}')
print('running_mean', swa_model.module[1].running_mean[:4])
print(list(swa_model.state_dict().keys())[:3])
