# An imbalanced binary problem: WeightedRandomSampler draws the minority class as often as
# the majority, and a sigmoid output trains with BCELoss.
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

torch.manual_seed(0)

n_pos, n_neg = 20, 180
X = torch.cat([torch.randn(n_pos, 2) + 1.5, torch.randn(n_neg, 2) - 0.5])
y = torch.cat([torch.ones(n_pos), torch.zeros(n_neg)])
class_count = torch.tensor([n_neg, n_pos], dtype=torch.float)
sample_weights = (1.0 / class_count)[y.long()]
sampler = WeightedRandomSampler(sample_weights, num_samples=len(y), replacement=True)
loader = DataLoader(TensorDataset(X, y), batch_size=25, sampler=sampler)

model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
criterion = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)

for epoch in range(5):
    total, positives, seen = 0.0, 0, 0
    for xb, yb in loader:
        optimizer.zero_grad()
        prob = model(xb).squeeze(1)
        loss = criterion(prob, yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
        positives += int(yb.sum().item())
        seen += len(yb)
    with torch.no_grad():
        pred = (model(X).squeeze(1) > 0.5).float()
        recall = (pred * y).sum() / y.sum()
        acc = (pred == y).float().mean()
    print(f'epoch {epoch}: loss {total / seen:.6f}, positives drawn {positives}/{seen}, recall {recall.item():.4f}, acc {acc.item():.4f}')
