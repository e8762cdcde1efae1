// AdamW, warmup then cosine decay (SequentialLR), gradient accumulation and
// ReduceLROnPlateau, ported line by line from tests/ports/python/warmup_adamw_accumulate.py.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

const { nn } = torch;
const { LinearLR, CosineAnnealingLR, SequentialLR, ReduceLROnPlateau } = torch.optim.lrScheduler;

export function main(print: Print): void {
  torch.manualSeed(0);

  const X = torch.randn(96, 6);
  const y = torch.randint(0, 3, [96]);
  // X[torch.arange(96), y] += 2.0
  X.indexPut_([torch.arange(96), y], X.index(torch.arange(96), y).add(2.0));
  const train = new torch.utils.data.DataLoader(
    new torch.utils.data.TensorDataset(X.index(':64'), y.index(':64')),
    { batchSize: 8, shuffle: true },
  );
  const [valX, valY] = [X.index('64:'), y.index('64:')];

  const model = new nn.Sequential(new nn.Linear(6, 16), new nn.GELU(), new nn.LayerNorm(16), new nn.Linear(16, 3));
  const optimizer = new torch.optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0.05 });
  const warmup = new LinearLR(optimizer, { startFactor: 0.1, totalIters: 4 });
  const decay = new CosineAnnealingLR(optimizer, { TMax: 12 });
  const scheduler = new SequentialLR(optimizer, { schedulers: [warmup, decay], milestones: [4] });
  const criterion = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
  const accumulationSteps = 2;

  for (let epoch = 0; epoch < 4; epoch++) {
    model.train();
    let running = 0;
    optimizer.zeroGrad();
    let i = 0;
    for (const [xb, yb] of train) {
      const loss = criterion(model(xb), yb).div(accumulationSteps);
      loss.backward();
      running += loss.item();
      if ((i + 1) % accumulationSteps === 0) {
        optimizer.step();
        scheduler.step();
        optimizer.zeroGrad();
      }
      i++;
    }
    model.eval();
    const [valLoss, valAcc] = torch.noGrad(() => [
      criterion(model(valX), valY).item(),
      model(valX).argmax(1).eq(valY).float().mean().item(),
    ]);
    print(
      `epoch ${epoch}: train ${((running / train.length) * accumulationSteps).toFixed(6)}, val ${valLoss.toFixed(6)}, ` +
        `acc ${valAcc.toFixed(4)}, lr ${scheduler.getLastLr()[0].toPrecision(6)}`, // Python's {:.6g}
    );
  }

  // ReduceLROnPlateau on a plain SGD fit whose validation loss stalls.
  const net = new nn.Linear(6, 3);
  const opt = new torch.optim.SGD(net.parameters(), { lr: 0.5 });
  const plateau = new ReduceLROnPlateau(opt, { mode: 'min', factor: 0.5, patience: 1, threshold: 0.05 });
  for (let epoch = 0; epoch < 8; epoch++) {
    opt.zeroGrad();
    const l = criterion(net(X.index(':64')), y.index(':64'));
    l.backward();
    opt.step();
    const v = torch.noGrad(() => criterion(net(valX), valY).item());
    plateau.step(v);
    print(`plateau epoch ${epoch}: val ${v.toFixed(6)}, lr ${opt.paramGroups[0].lr.toPrecision(6)}`);
  }
}
