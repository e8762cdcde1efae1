// The torch.optim.swa_utils recipe, ported line by line from tests/ports/python/swa_ema.py:
// SGD under cosine annealing, then SWALR with AveragedModel (SWA) beside an EMA, updateBn,
// and the averaged models against the last weights on held-out data.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

const { nn, optim } = torch;
const { AveragedModel, SWALR, updateBn } = optim.swaUtils;
type Tensor = torch.Tensor;

export function main(print: Print): void {
  torch.manualSeed(0);
  const [n, d] = [256, 8];
  const X = torch.randn(n, d);
  const wTrue = torch.randn(d);
  const y = X.matmul(wTrue).add(torch.randn(n).mul(0.5)).gt(0).long();
  const XTest = torch.randn(128, d);
  const yTest = XTest.matmul(wTrue).gt(0).long();
  const loader: [Tensor, Tensor][] = [];
  for (let i = 0; i < n; i += 32) loader.push([X.narrow(0, i, 32), y.narrow(0, i, 32)]);

  const model = new nn.Sequential(new nn.Linear(d, 32), new nn.BatchNorm1d(32), new nn.ReLU(), new nn.Linear(32, 2));
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const scheduler = new optim.lrScheduler.CosineAnnealingLR(optimizer, { TMax: 10 });
  const swaModel = new AveragedModel(model);
  const emaModel = new AveragedModel(model, { avgFn: (avg, cur) => avg.mul(0.9).add(cur.mul(0.1)) });
  const swaStart = 5;
  const swaScheduler = new SWALR(optimizer, { swaLr: 0.05, annealEpochs: 3, annealStrategy: 'linear' });
  const lossFn = new nn.CrossEntropyLoss();

  const evaluate = (m: torch.nn.Module<Tensor>): [number, number] => {
    m.eval();
    return torch.noGrad(() => {
      const out = m(XTest);
      return [lossFn(out, yTest).item(), out.argmax(1).eq(yTest).float().mean().item()];
    });
  };

  const fmt = (v: number, digits: number): string => v.toFixed(digits);
  for (let epoch = 0; epoch < 10; epoch++) {
    model.train();
    let total = 0;
    for (const [xb, yb] of loader) {
      optimizer.zeroGrad();
      const loss = lossFn(model(xb), yb);
      loss.backward();
      optimizer.step();
      total += loss.item();
      emaModel.updateParameters(model);
    }
    if (epoch >= swaStart) {
      swaModel.updateParameters(model);
      swaScheduler.step();
    } else {
      scheduler.step();
    }
    print(`epoch ${epoch} loss ${fmt(total / loader.length, 5)} lr ${fmt(optimizer.paramGroups[0].lr, 5)}`);
  }

  updateBn(loader, swaModel);
  updateBn(loader, emaModel);
  print('n_averaged', swaModel.n_averaged.item(), emaModel.n_averaged.item());
  for (const [name, m] of [['last', model], ['swa', swaModel], ['ema', emaModel]] as const) {
    const [loss, acc] = evaluate(m as torch.nn.Module<Tensor>);
    print(`${name}: test loss ${fmt(loss, 5)} accuracy ${fmt(acc, 4)}`);
  }
  print('running_mean', (swaModel.module.at(1) as unknown as { running_mean: Tensor }).running_mean.narrow(0, 0, 4));
  print(`['${Object.keys(swaModel.stateDict()).slice(0, 3).join("', '")}']`);
}
