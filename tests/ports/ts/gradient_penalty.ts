// A WGAN-GP style gradient penalty through torch.autograd.grad(createGraph), ported line by
// line from tests/ports/python/gradient_penalty.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

const { nn } = torch;

export function main(print: Print): void {
  torch.manualSeed(0);

  const critic = new nn.Sequential(new nn.Linear(2, 16), new nn.Tanh(), new nn.Linear(16, 1));
  const optimizer = new torch.optim.Adam(critic.parameters(), { lr: 1e-3, betas: [0.5, 0.9] });
  const lambdaGp = 10.0;

  for (let step = 0; step < 5; step++) {
    const real = torch.randn(32, 2).mul(0.5).add(1.0);
    const fake = torch.randn(32, 2);
    const alpha = torch.rand(32, 1);
    const interpolates = alpha.mul(real).add(torch.rsub(alpha, 1).mul(fake)).requiresGrad_(true);
    const out = critic(interpolates);
    // outputs, inputs and grad_outputs are flint's positional arguments; the rest are options.
    const [gradients] = torch.autograd.grad(out, interpolates, torch.onesLike(out), {
      createGraph: true,
      retainGraph: true,
    });
    const gradientPenalty = gradients!.norm(2, 1).sub(1).pow(2).mean();
    const loss = critic(fake).mean().sub(critic(real).mean()).add(gradientPenalty.mul(lambdaGp));
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    print(`step ${step}: loss ${loss.item().toFixed(6)}, penalty ${gradientPenalty.item().toFixed(6)}`);
  }

  print((critic.at(2) as torch.nn.Linear).weight);
}
