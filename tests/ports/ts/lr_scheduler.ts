// torch.optim docs, "How to adjust learning rate": two chained schedulers stepped once per
// epoch after the optimizer, ported line by line from tests/ports/python/lr_scheduler.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

const { nn } = torch;
const { ExponentialLR, MultiStepLR } = torch.optim.lrScheduler;

export function main(print: Print): void {
  torch.manualSeed(0);

  const X = torch.randn(64, 3);
  const y = X.matmul(torch.tensor([[1.5], [-2.0], [0.5]])).add(0.3);
  const dataset = new torch.utils.data.TensorDataset(X, y);
  const loader = new torch.utils.data.DataLoader(dataset, { batchSize: 16, shuffle: true });

  const model = new nn.Linear(3, 1);
  const lossFn = new nn.MSELoss();
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const scheduler1 = new ExponentialLR(optimizer, { gamma: 0.9 });
  const scheduler2 = new MultiStepLR(optimizer, { milestones: [3, 6], gamma: 0.1 });

  for (let epoch = 0; epoch < 8; epoch++) {
    let total = 0;
    for (const [input, target] of loader) {
      optimizer.zeroGrad();
      const output = model(input);
      const loss = lossFn(output, target);
      loss.backward();
      optimizer.step();
      total += loss.item();
    }
    scheduler1.step();
    scheduler2.step();
    // Python's {:.6g}; toPrecision keeps trailing zeros, which the comparison ignores.
    print(`epoch ${epoch}: loss ${(total / loader.length).toFixed(6)}, lr ${scheduler2.getLastLr()[0].toPrecision(6)}`);
  }

  print(model.weight);
  print(model.bias);
}
