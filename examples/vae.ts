/**
 * pytorch/examples `vae/main.py`, ported line by line (run: `npx tsx examples/vae.ts`).
 *
 * As in tests/ports/python/vae.py, the data are random 28x28 "images" rather than MNIST
 * (no download), two epochs of a few batches each, and image saving is left out; the
 * printed losses are PyTorch's to 1e-4 (tests/ports.test.ts checks them).
 */
import { pathToFileURL } from 'node:url';
import * as torch from 'flint-torch';

const { nn, optim } = torch;
const F = nn.functional;
type Tensor = torch.Tensor;

/**
 * Trains and tests the VAE, printing what `vae/main.py` prints.
 * @example main(console.log)
 */
export function main(print: (...args: unknown[]) => void = console.log): void {
  const batchSize = 32;
  const epochs = 2;
  const logInterval = 2;
  torch.manualSeed(1);
  const device = torch.device('cpu');

  const trainData = new torch.utils.data.TensorDataset(torch.rand(128, 1, 28, 28), torch.zeros(128, { dtype: torch.long }));
  const testData = new torch.utils.data.TensorDataset(torch.rand(64, 1, 28, 28), torch.zeros(64, { dtype: torch.long }));
  const trainLoader = new torch.utils.data.DataLoader(trainData, { batchSize, shuffle: true });
  const testLoader = new torch.utils.data.DataLoader(testData, { batchSize, shuffle: false });

  class VAE extends nn.Module<[Tensor, Tensor, Tensor]> {
    fc1 = new nn.Linear(784, 400);
    fc21 = new nn.Linear(400, 20);
    fc22 = new nn.Linear(400, 20);
    fc3 = new nn.Linear(20, 400);
    fc4 = new nn.Linear(400, 784);

    encode(x: Tensor): [Tensor, Tensor] {
      const h1 = F.relu(this.fc1(x));
      return [this.fc21(h1), this.fc22(h1)];
    }

    reparameterize(mu: Tensor, logvar: Tensor): Tensor {
      const std = torch.exp(logvar.mul(0.5));
      const eps = torch.randnLike(std);
      return mu.add(eps.mul(std));
    }

    decode(z: Tensor): Tensor {
      const h3 = F.relu(this.fc3(z));
      return torch.sigmoid(this.fc4(h3));
    }

    override forward(x: Tensor): [Tensor, Tensor, Tensor] {
      const [mu, logvar] = this.encode(x.view(-1, 784));
      const z = this.reparameterize(mu, logvar);
      return [this.decode(z), mu, logvar];
    }
  }

  const model = new VAE().to(device);
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });

  // Reconstruction + KL divergence losses summed over all elements and batch
  function lossFunction(reconX: Tensor, x: Tensor, mu: Tensor, logvar: Tensor): Tensor {
    const BCE = F.binaryCrossEntropy(reconX, x.view(-1, 784), { reduction: 'sum' });

    // see Appendix B from VAE paper:
    // Kingma and Welling. Auto-Encoding Variational Bayes. ICLR, 2014
    // https://arxiv.org/abs/1312.6114
    // 0.5 * sum(1 + log(sigma^2) - mu^2 - sigma^2)
    const KLD = torch.sum(logvar.add(1).sub(mu.pow(2)).sub(logvar.exp())).mul(-0.5);

    return BCE.add(KLD);
  }

  function train(epoch: number): void {
    model.train();
    let trainLoss = 0;
    let batchIdx = 0;
    for (const [data] of trainLoader) {
      const x = data.to(device);
      optimizer.zeroGrad();
      const [reconBatch, mu, logvar] = model(x);
      const loss = lossFunction(reconBatch, x, mu, logvar);
      loss.backward();
      trainLoss += loss.item();
      optimizer.step();
      if (batchIdx % logInterval === 0) {
        print(
          `Train Epoch: ${epoch} [${batchIdx * x.size(0)}/${trainData.length} ` +
            `(${((100 * batchIdx) / trainLoader.length).toFixed(0)}%)]\tLoss: ${(loss.item() / x.size(0)).toFixed(6)}`,
        );
      }
      batchIdx++;
    }

    print(`====> Epoch: ${epoch} Average loss: ${(trainLoss / trainData.length).toFixed(4)}`);
  }

  function test(_epoch: number): void {
    model.eval();
    let testLoss = 0;
    torch.noGrad(() => {
      for (const [data] of testLoader) {
        const x = data.to(device);
        const [reconBatch, mu, logvar] = model(x);
        testLoss += lossFunction(reconBatch, x, mu, logvar).item();
      }
    });

    testLoss /= testData.length;
    print(`====> Test set loss: ${testLoss.toFixed(4)}`);
  }

  for (let epoch = 1; epoch < epochs + 1; epoch++) {
    train(epoch);
    test(epoch);
    torch.noGrad(() => {
      let sample = torch.randn(64, 20).to(device);
      sample = model.decode(sample).cpu();
      print(`sample mean: ${sample.mean().item().toFixed(6)}`);
    });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
