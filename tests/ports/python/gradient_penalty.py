# A WGAN-GP style gradient penalty: torch.autograd.grad with create_graph=True on
# interpolated inputs, then backward through the penalty into the critic.
import torch
from torch import nn

torch.manual_seed(0)

critic = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
lambda_gp = 10.0

for step in range(5):
    real = torch.randn(32, 2) * 0.5 + 1.0
    fake = torch.randn(32, 2)
    alpha = torch.rand(32, 1)
    interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    out = critic(interpolates)
    gradients, = torch.autograd.grad(outputs=out, inputs=interpolates,
                                     grad_outputs=torch.ones_like(out),
                                     create_graph=True, retain_graph=True)
    gradient_penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean()
    loss = critic(fake).mean() - critic(real).mean() + lambda_gp * gradient_penalty
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f'step {step}: loss {loss.item():.6f}, penalty {gradient_penalty.item():.6f}')

print(critic[2].weight)
