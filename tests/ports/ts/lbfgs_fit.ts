// Curve fitting with LBFGS and a strong-Wolfe line search, ported line by line from
// tests/ports/python/lbfgs_fit.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

export function main(print: Print): void {
  torch.manualSeed(0);

  const x = torch.linspace(0, 4, 50);
  const y = torch.exp(x.mul(-1.3)).mul(2.5).add(0.5).add(torch.randn(50).mul(0.02));

  const params = torch.tensor([1.0, 1.0, 0.0], { requiresGrad: true });
  const optimizer = new torch.optim.LBFGS([params], { lr: 1, maxIter: 20, historySize: 10, lineSearchFn: 'strong_wolfe' });

  function closure(): torch.Tensor {
    optimizer.zeroGrad();
    const [a, b, c] = params;
    const loss = a.mul(torch.exp(b.neg().mul(x))).add(c).sub(y).pow(2).mean();
    loss.backward();
    return loss;
  }

  for (let step = 0; step < 4; step++) {
    const loss = optimizer.step(closure) as torch.Tensor;
    print(`step ${step}: loss ${loss.item().toFixed(8)}`);
  }

  print(params);
  const state = optimizer.state.get(params)!;
  print(`evaluations ${state.funcEvals}, iterations ${state.nIter}`);
}
