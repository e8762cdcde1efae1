# d2l 4.6 "Dropout" (concise implementation), on a synthetic dataset shaped
# like Fashion-MNIST (1x28x28 images in [0, 1], 10 classes) so that it runs offline.
import torch
from torch import nn
from torch.utils import data

torch.manual_seed(0)


# One template image per class, so that the model has something to learn.
templates = torch.rand(10, 1, 28, 28)


def synthetic_fashion_mnist(n):
    y = torch.randint(0, 10, (n,))
    X = (0.5 * templates[y] + 0.5 * torch.rand(n, 1, 28, 28))
    return X, y


train_X, train_y = synthetic_fashion_mnist(600)
test_X, test_y = synthetic_fashion_mnist(200)
batch_size = 64
train_iter = data.DataLoader(data.TensorDataset(train_X, train_y), batch_size, shuffle=True)
test_iter = data.DataLoader(data.TensorDataset(test_X, test_y), batch_size, shuffle=False)

dropout1, dropout2 = 0.2, 0.5
net = nn.Sequential(nn.Flatten(),
                    nn.Linear(784, 256),
                    nn.ReLU(),
                    # Add a dropout layer after the first fully connected layer
                    nn.Dropout(dropout1),
                    nn.Linear(256, 256),
                    nn.ReLU(),
                    # Add a dropout layer after the second fully connected layer
                    nn.Dropout(dropout2),
                    nn.Linear(256, 10))


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


net.apply(init_weights)
loss = nn.CrossEntropyLoss(reduction='none')
trainer = torch.optim.SGD(net.parameters(), lr=0.5)


def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy(net, data_iter):
    net.eval()
    right, total = 0.0, 0
    with torch.no_grad():
        for X, y in data_iter:
            right += accuracy(net(X), y)
            total += y.numel()
    return right / total


num_epochs = 3
for epoch in range(num_epochs):
    net.train()
    loss_sum, right, total = 0.0, 0.0, 0
    for X, y in train_iter:
        y_hat = net(X)
        l = loss(y_hat, y)
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
        loss_sum += float(l.sum())
        right += accuracy(y_hat, y)
        total += y.numel()
    test_acc = evaluate_accuracy(net, test_iter)
    print(f'epoch {epoch + 1}, loss {loss_sum / total:.5f}, train acc {right / total:.4f}, test acc {test_acc:.4f}')
