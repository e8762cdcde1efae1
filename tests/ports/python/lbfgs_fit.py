# Curve fitting with LBFGS and a strong-Wolfe line search: y = a * exp(-b * x) + c.
import torch

torch.manual_seed(0)

x = torch.linspace(0, 4, 50)
y = 2.5 * torch.exp(-1.3 * x) + 0.5 + 0.02 * torch.randn(50)

params = torch.tensor([1.0, 1.0, 0.0], requires_grad=True)
optimizer = torch.optim.LBFGS([params], lr=1, max_iter=20, history_size=10, line_search_fn='strong_wolfe')


def closure():
    optimizer.zero_grad()
    a, b, c = params
    loss = ((a * torch.exp(-b * x) + c - y) ** 2).mean()
    loss.backward()
    return loss


for step in range(4):
    loss = optimizer.step(closure)
    print(f'step {step}: loss {loss.item():.8f}')

print(params)
print(f'evaluations {optimizer.state[params]["func_evals"]}, iterations {optimizer.state[params]["n_iter"]}')
