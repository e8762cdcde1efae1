// d2l 4.5 "Weight Decay" (concise implementation), ported line by line from
// tests/ports/python/d2l_weight_decay.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

const { nn } = torch;
const data = torch.utils.data;

export function main(print: Print): void {
  torch.manualSeed(0);

  const [nTrain, nTest, numInputs, batchSize] = [20, 100, 200, 5];
  const [trueW, trueB] = [torch.ones([numInputs, 1]).mul(0.01), 0.05];

  function syntheticData(w: torch.Tensor, b: number, numExamples: number): [torch.Tensor, torch.Tensor] {
    const X = torch.normal(0, 1, [numExamples, w.size(0)]);
    const y = torch.matmul(X, w).add(b);
    y.add_(torch.normal(0, 0.01, y.shape));
    return [X, y.reshape([-1, 1])];
  }

  function loadArray(dataArrays: torch.Tensor[], batchSize: number, isTrain = true) {
    const dataset = new data.TensorDataset(...dataArrays);
    return new data.DataLoader(dataset, batchSize, { shuffle: isTrain });
  }

  const trainData = syntheticData(trueW, trueB, nTrain);
  const trainIter = loadArray(trainData, batchSize);
  const testData = syntheticData(trueW, trueB, nTest);
  const testIter = loadArray(testData, batchSize, false);

  function evaluateLoss(net: torch.nn.Module, dataIter: Iterable<torch.Tensor[]>, loss: torch.nn.Module): number {
    let total = 0;
    let count = 0;
    for (const [X, y] of dataIter) {
      const out = net(X);
      const l = loss(out, y.reshape(out.shape));
      total += l.sum().item();
      count += l.numel();
    }
    return total / count;
  }

  function trainConcise(wd: number): void {
    const net = new nn.Sequential(new nn.Linear(numInputs, 1));
    for (const param of net.parameters()) param.data.normal_();
    const loss = new nn.MSELoss({ reduction: 'none' });
    const [numEpochs, lr] = [100, 0.003];
    // The bias parameter has not decayed
    const trainer = new torch.optim.SGD(
      [{ params: net.at(0).weight, weightDecay: wd }, { params: net.at(0).bias! }],
      { lr },
    );
    for (let epoch = 0; epoch < numEpochs; epoch++) {
      for (const [X, y] of trainIter) {
        trainer.zeroGrad();
        const l = loss(net(X), y);
        l.mean().backward();
        trainer.step();
      }
      if ((epoch + 1) % 20 === 0) {
        print(
          `wd ${wd} epoch ${epoch + 1}: train ${evaluateLoss(net, trainIter, loss).toFixed(5)}, ` +
            `test ${evaluateLoss(net, testIter, loss).toFixed(5)}`,
        );
      }
    }
    print('L2 norm of w:', net.at(0).weight.norm().item());
  }

  trainConcise(0);
  trainConcise(3);
}
