// d2l 3.2 "Linear Regression Implementation from Scratch", ported line by line from
// tests/ports/python/d2l_linreg_scratch.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

export function main(print: Print): void {
  torch.manualSeed(0);

  function syntheticData(w: torch.Tensor, b: number, numExamples: number): [torch.Tensor, torch.Tensor] {
    const X = torch.normal(0, 1, [numExamples, w.size(0)]);
    let y = torch.matmul(X, w).add(b);
    y = y.add_(torch.normal(0, 0.01, y.shape)); // Python's `y += ...` is in place
    return [X, y.reshape([-1, 1])];
  }

  const trueW = torch.tensor([2, -3.4]);
  const trueB = 4.2;
  const [features, labels] = syntheticData(trueW, trueB, 1000);
  print('features:', features.index(0), '\nlabel:', labels.index(0));

  function* dataIter(batchSize: number, features: torch.Tensor, labels: torch.Tensor) {
    const numExamples = features.size(0); // len(features)
    const indices = torch.randperm(numExamples);
    for (let i = 0; i < numExamples; i += batchSize) {
      const batchIndices = indices.index(`${i}:${Math.min(i + batchSize, numExamples)}`);
      yield [features.index(batchIndices), labels.index(batchIndices)] as const;
    }
  }

  const w = torch.normal(0, 0.01, [2, 1], { requiresGrad: true });
  const b = torch.zeros(1, { requiresGrad: true });

  const linreg = (X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) => torch.matmul(X, w).add(b);
  const squaredLoss = (yHat: torch.Tensor, y: torch.Tensor) => yHat.sub(y.reshape(yHat.shape)).pow(2).div(2);

  function sgd(params: torch.Tensor[], lr: number, batchSize: number): void {
    torch.noGrad(() => {
      for (const param of params) {
        param.sub_(param.grad!.mul(lr).div(batchSize)); // param -= lr * param.grad / batch_size
        param.grad!.zero_();
      }
    });
  }

  const lr = 0.03;
  const numEpochs = 3;
  const net = linreg;
  const loss = squaredLoss;
  const batchSize = 10;

  for (let epoch = 0; epoch < numEpochs; epoch++) {
    for (const [X, y] of dataIter(batchSize, features, labels)) {
      const l = loss(net(X, w, b), y);
      l.sum().backward();
      sgd([w, b], lr, batchSize);
    }
    torch.noGrad(() => {
      const trainL = loss(net(features, w, b), labels);
      print(`epoch ${epoch + 1}, loss ${trainL.mean().item().toFixed(6)}`);
    });
  }

  print(`error in estimating w: ${trueW.sub(w.reshape(trueW.shape))}`);
  // Python evaluates `true_b - b` as b.__rsub__(true_b), hence rsub (and RsubBackward1).
  print(`error in estimating b: ${b.rsub(trueB)}`);
}
