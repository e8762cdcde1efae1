// d2l 3.3 "Concise Implementation of Linear Regression", ported line by line from
// tests/ports/python/d2l_linreg_concise.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

const { nn } = torch;
const data = torch.utils.data;

export function main(print: Print): void {
  torch.manualSeed(0);

  function syntheticData(w: torch.Tensor, b: number, numExamples: number): [torch.Tensor, torch.Tensor] {
    const X = torch.normal(0, 1, [numExamples, w.size(0)]);
    const y = torch.matmul(X, w).add(b);
    y.add_(torch.normal(0, 0.01, y.shape));
    return [X, y.reshape([-1, 1])];
  }

  const trueW = torch.tensor([2, -3.4]);
  const trueB = 4.2;
  const [features, labels] = syntheticData(trueW, trueB, 1000);

  function loadArray(dataArrays: torch.Tensor[], batchSize: number, isTrain = true) {
    const dataset = new data.TensorDataset(...dataArrays);
    return new data.DataLoader(dataset, batchSize, { shuffle: isTrain });
  }

  const batchSize = 10;
  const dataIter = loadArray([features, labels], batchSize);
  // print(next(iter(data_iter))): Python prints the batch as a list of two tensors.
  const first = dataIter[Symbol.iterator]().next().value as torch.Tensor[];
  print(`[${first.map(String).join(', ')}]`);

  const net = new nn.Sequential(new nn.Linear(2, 1));
  net.at(0).weight.data.normal_(0, 0.01);
  net.at(0).bias!.data.fill_(0);
  const loss = new nn.MSELoss();
  const trainer = new torch.optim.SGD(net.parameters(), { lr: 0.03 });

  const numEpochs = 3;
  for (let epoch = 0; epoch < numEpochs; epoch++) {
    for (const [X, y] of dataIter) {
      const l = loss(net(X), y);
      trainer.zeroGrad();
      l.backward();
      trainer.step();
    }
    const l = loss(net(features), labels);
    print(`epoch ${epoch + 1}, loss ${l.item().toFixed(6)}`);
  }

  const w = net.at(0).weight.data;
  print('error in estimating w:', trueW.sub(w.reshape(trueW.shape)));
  const b = net.at(0).bias!.data;
  print('error in estimating b:', b.rsub(trueB)); // true_b - b is b.__rsub__(true_b)
}
