// d2l 4.3 "Concise Implementation of Multilayer Perceptrons" on a synthetic Fashion-MNIST-shaped
// dataset, ported line by line from tests/ports/python/d2l_mlp.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

const { nn } = torch;
const data = torch.utils.data;

export function main(print: Print): void {
  torch.manualSeed(0);

  // One template image per class, so that the model has something to learn.
  const templates = torch.rand(10, 1, 28, 28);

  function syntheticFashionMnist(n: number): [torch.Tensor, torch.Tensor] {
    const y = torch.randint(0, 10, [n]);
    const X = templates.index(y).mul(0.5).add(torch.rand(n, 1, 28, 28).mul(0.5));
    return [X, y];
  }

  const [trainX, trainY] = syntheticFashionMnist(600);
  const [testX, testY] = syntheticFashionMnist(200);
  const batchSize = 64;
  const trainIter = new data.DataLoader(new data.TensorDataset(trainX, trainY), batchSize, { shuffle: true });
  const testIter = new data.DataLoader(new data.TensorDataset(testX, testY), batchSize, { shuffle: false });

  const net = new nn.Sequential(new nn.Flatten(),
                               new nn.Linear(784, 256),
                               new nn.ReLU(),
                               new nn.Linear(256, 10));

  function initWeights(m: torch.nn.Module): void {
    if (m instanceof nn.Linear) nn.init.normal_(m.weight, { std: 0.01 });
  }

  net.apply(initWeights);
  const loss = new nn.CrossEntropyLoss({ reduction: 'none' });
  const trainer = new torch.optim.SGD(net.parameters(), { lr: 0.1 });

  function accuracy(yHat: torch.Tensor, y: torch.Tensor): number {
    if (yHat.shape.length > 1 && yHat.shape[1] > 1) yHat = yHat.argmax(1);
    const cmp = yHat.type(y.dtype).eq(y);
    return cmp.type(y.dtype).sum().item();
  }

  function evaluateAccuracy(net: torch.nn.Module, dataIter: Iterable<torch.Tensor[]>): number {
    net.eval();
    let right = 0;
    let total = 0;
    torch.noGrad(() => {
      for (const [X, y] of dataIter) {
        right += accuracy(net(X), y);
        total += y.numel();
      }
    });
    return right / total;
  }

  const numEpochs = 3;
  for (let epoch = 0; epoch < numEpochs; epoch++) {
    net.train();
    let lossSum = 0;
    let right = 0;
    let total = 0;
    for (const [X, y] of trainIter) {
      const yHat = net(X);
      const l = loss(yHat, y);
      trainer.zeroGrad();
      l.mean().backward();
      trainer.step();
      lossSum += l.sum().item();
      right += accuracy(yHat, y);
      total += y.numel();
    }
    const testAcc = evaluateAccuracy(net, testIter);
    print(
      `epoch ${epoch + 1}, loss ${(lossSum / total).toFixed(5)}, train acc ${(right / total).toFixed(4)}, test acc ${testAcc.toFixed(4)}`,
    );
  }
}
