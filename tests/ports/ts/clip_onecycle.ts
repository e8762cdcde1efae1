// Gradient clipping with a OneCycleLR schedule stepped every batch, ported line by line
// from tests/ports/python/clip_onecycle.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

const { nn } = torch;

export function main(print: Print): void {
  torch.manualSeed(0);

  const X = torch.randn(200, 4);
  // (X[:, :1] * 2 - X[:, 1:2] + 0.5 * X[:, 2:3] ** 2).tanh()
  const y = X.index(':', ':1').mul(2).sub(X.index(':', '1:2')).add(X.index(':', '2:3').pow(2).mul(0.5)).tanh();
  const loader = new torch.utils.data.DataLoader(new torch.utils.data.TensorDataset(X, y), { batchSize: 20, shuffle: true });

  const model = new nn.Sequential(new nn.Linear(4, 32), new nn.Tanh(), new nn.Linear(32, 1));
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const epochs = 4;
  const scheduler = new torch.optim.lrScheduler.OneCycleLR(optimizer, { maxLr: 0.5, stepsPerEpoch: loader.length, epochs });
  const lossFn = new nn.MSELoss();

  for (let epoch = 0; epoch < epochs; epoch++) {
    let total = 0;
    const norms: number[] = [];
    for (const [xb, yb] of loader) {
      optimizer.zeroGrad();
      const loss = lossFn(model(xb), yb);
      loss.backward();
      const norm = torch.nn.utils.clipGradNorm_(model.parameters(), { maxNorm: 1.0 });
      norms.push(norm.item());
      optimizer.step();
      scheduler.step();
      total += loss.item();
    }
    print(
      `epoch ${epoch}: loss ${(total / loader.length).toFixed(6)}, max grad norm ${Math.max(...norms).toFixed(6)}, ` +
        `lr ${scheduler.getLastLr()[0].toPrecision(6)}`, // Python's {:.6g}
    );
  }

  torch.nn.utils.clipGradValue_(model.parameters(), { clipValue: 0.01 });
  print((model.at(2) as torch.nn.Linear).weight.grad!.abs().max().item());
  print((model.at(2) as torch.nn.Linear).bias);
}
