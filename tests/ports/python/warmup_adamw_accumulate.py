# A transformer-style training loop: AdamW with decoupled weight decay, linear warmup then
# cosine decay (SequentialLR), gradient accumulation over 2 batches, ReduceLROnPlateau on a
# second model's validation loss.
import torch
from torch import nn
from torch.optim.lr_scheduler import LinearLR, CosineAnnealingLR, SequentialLR, ReduceLROnPlateau

torch.manual_seed(0)

X = torch.randn(96, 6)
y = torch.randint(0, 3, (96,))
X[torch.arange(96), y] += 2.0
train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:64], y[:64]), batch_size=8, shuffle=True)
val_X, val_y = X[64:], y[64:]

model = nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.LayerNorm(16), nn.Linear(16, 3))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.05)
warmup = LinearLR(optimizer, start_factor=0.1, total_iters=4)
decay = CosineAnnealingLR(optimizer, T_max=12)
scheduler = SequentialLR(optimizer, schedulers=[warmup, decay], milestones=[4])
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
accumulation_steps = 2

for epoch in range(4):
    model.train()
    running = 0.0
    optimizer.zero_grad()
    for i, (xb, yb) in enumerate(train):
        loss = criterion(model(xb), yb) / accumulation_steps
        loss.backward()
        running += loss.item()
        if (i + 1) % accumulation_steps == 0:
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
    model.eval()
    with torch.no_grad():
        val_loss = criterion(model(val_X), val_y).item()
        val_acc = (model(val_X).argmax(1) == val_y).float().mean().item()
    print(f'epoch {epoch}: train {running / len(train) * accumulation_steps:.6f}, val {val_loss:.6f}, '
          f'acc {val_acc:.4f}, lr {scheduler.get_last_lr()[0]:.6g}')

# ReduceLROnPlateau on a plain SGD fit whose validation loss stalls.
net = nn.Linear(6, 3)
opt = torch.optim.SGD(net.parameters(), lr=0.5)
plateau = ReduceLROnPlateau(opt, mode='min', factor=0.5, patience=1, threshold=0.05)
for epoch in range(8):
    opt.zero_grad()
    l = criterion(net(X[:64]), y[:64])
    l.backward()
    opt.step()
    with torch.no_grad():
        v = criterion(net(val_X), val_y).item()
    plateau.step(v)
    print(f'plateau epoch {epoch}: val {v:.6f}, lr {opt.param_groups[0]["lr"]:.6g}')
