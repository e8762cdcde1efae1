// An imbalanced binary problem, WeightedRandomSampler and BCELoss, ported line by line from
// tests/ports/python/weighted_sampler_bce.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

const { nn } = torch;
const { DataLoader, TensorDataset, WeightedRandomSampler } = torch.utils.data;

export function main(print: Print): void {
  torch.manualSeed(0);

  const [nPos, nNeg] = [20, 180];
  const X = torch.cat([torch.randn(nPos, 2).add(1.5), torch.randn(nNeg, 2).sub(0.5)]);
  const y = torch.cat([torch.ones(nPos), torch.zeros(nNeg)]);
  const classCount = torch.tensor([nNeg, nPos], { dtype: torch.float });
  const sampleWeights = classCount.reciprocal().index(y.long()); // (1.0 / class_count)[y.long()]
  const sampler = new WeightedRandomSampler(sampleWeights, y.size(0), { replacement: true });
  const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 25, sampler });

  const model = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 1), new nn.Sigmoid());
  const criterion = new nn.BCELoss();
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 0.05 });

  for (let epoch = 0; epoch < 5; epoch++) {
    let [total, positives, seen] = [0, 0, 0];
    for (const [xb, yb] of loader) {
      optimizer.zeroGrad();
      const prob = model(xb).squeeze(1);
      const loss = criterion(prob, yb);
      loss.backward();
      optimizer.step();
      total += loss.item() * yb.size(0);
      positives += Math.trunc(yb.sum().item());
      seen += yb.size(0);
    }
    const [recall, acc] = torch.noGrad(() => {
      const pred = model(X).squeeze(1).gt(0.5).float();
      return [pred.mul(y).sum().div(y.sum()), pred.eq(y).float().mean()];
    });
    print(
      `epoch ${epoch}: loss ${(total / seen).toFixed(6)}, positives drawn ${positives}/${seen}, ` +
        `recall ${recall.item().toFixed(4)}, acc ${acc.item().toFixed(4)}`,
    );
  }
}
