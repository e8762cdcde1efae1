# torch.optim docs, "How to adjust learning rate": schedulers called after the optimizer's
# step, once per epoch, two of them chained (ExponentialLR then MultiStepLR).
import torch
from torch import nn
from torch.optim.lr_scheduler import ExponentialLR, MultiStepLR

torch.manual_seed(0)

X = torch.randn(64, 3)
y = X @ torch.tensor([[1.5], [-2.0], [0.5]]) + 0.3
dataset = torch.utils.data.TensorDataset(X, y)
loader = torch.utils.data.DataLoader(dataset, batch_size=16, shuffle=True)

model = nn.Linear(3, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler1 = ExponentialLR(optimizer, gamma=0.9)
scheduler2 = MultiStepLR(optimizer, milestones=[3, 6], gamma=0.1)

for epoch in range(8):
    total = 0.0
    for input, target in loader:
        optimizer.zero_grad()
        output = model(input)
        loss = loss_fn(output, target)
        loss.backward()
        optimizer.step()
        total += loss.item()
    scheduler1.step()
    scheduler2.step()
    print(f'epoch {epoch}: loss {total / len(loader):.6f}, lr {scheduler2.get_last_lr()[0]:.6g}')

print(model.weight)
print(model.bias)
