/**
 * The demo's MLP trained with DistributedDataParallel, one process per rank:
 *
 *   npx flint-run --nproc-per-node 2 examples/ddp-mnist.ts
 *
 * Each rank draws its share of every epoch with DistributedSampler and trains on it; DDP
 * averages the gradients, so two ranks with batches of 64 take the same steps as one
 * process with batches of 128 over the same shuffled order (`--nproc-per-node 1` prints
 * the same accuracy, up to float32 rounding). Rank 0 evaluates and prints.
 */
import * as torch from 'flint-torch';
import { mnistDigits } from './mnist-data.js';

const { nn } = torch;
const F = nn.functional;
const dist = torch.distributed;
const { DataLoader, TensorDataset } = torch.utils.data;

await dist.initProcessGroup({ backend: 'gloo' });
const rank = dist.getRank();
const worldSize = dist.getWorldSize();
// Every rank builds the same model from one seed; DDP would broadcast rank 0's anyway.
torch.manualSeed(0);

const digits = mnistDigits();
const train = new TensorDataset(digits.trainX, digits.trainY);
const GLOBAL_BATCH = 128;
if (GLOBAL_BATCH % worldSize !== 0) throw new Error(`the global batch of ${GLOBAL_BATCH} must split evenly over ${worldSize} ranks`);
const sampler = new torch.utils.data.distributed.DistributedSampler(train, { shuffle: true, seed: 0 });
const loader = new DataLoader(train, { batchSize: GLOBAL_BATCH / worldSize, sampler });

const net = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
const model = new nn.parallel.DistributedDataParallel(net);
const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });

function accuracy(): number {
  net.eval();
  const correct = torch.noGrad(() => net(digits.testX).argmax(1).eq(digits.testY).sum().item() as number);
  net.train();
  return correct / digits.testY.shape[0];
}

const EPOCHS = 5;
const started = Date.now();
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  sampler.setEpoch(epoch);
  let lossSum = 0;
  let batches = 0;
  for (const [X, y] of loader) {
    optimizer.zeroGrad();
    const loss = F.crossEntropy(model(X), y);
    loss.backward();
    optimizer.step();
    lossSum += loss.item() as number;
    batches++;
  }
  // The epoch's mean loss over every rank's batches.
  const mean = torch.tensor([lossSum / batches]);
  await dist.allReduce(mean, { op: dist.ReduceOp.AVG });
  if (rank === 0) {
    console.log(`epoch ${epoch}: loss ${(mean.item() as number).toFixed(4)}, test accuracy ${(accuracy() * 100).toFixed(2)}%`);
  }
}
if (rank === 0) {
  console.log(`${worldSize} rank(s), ${((Date.now() - started) / 1000).toFixed(1)} s; final test accuracy ${(accuracy() * 100).toFixed(2)}%`);
  // Saved without DDP's `module.` prefix, so the plain model loads it.
  torch.save(net.stateDict(), '/tmp/ddp-mnist.pt');
}
dist.destroyProcessGroup();
