/**
 * pytorch/examples `regression/main.py`, ported line by line (run:
 * `npx tsx examples/regression.ts`): fit a degree-4 polynomial with one Linear layer and
 * hand-written SGD, stopping when the smooth L1 loss drops below 1e-3.
 */
import { pathToFileURL } from 'node:url';
import * as torch from 'flint-torch';

const F = torch.nn.functional;
type Tensor = torch.Tensor;

/**
 * Fits the polynomial, printing what `regression/main.py` prints.
 * @example main(console.log)
 */
export function main(print: (...args: unknown[]) => void = console.log): void {
  torch.manualSeed(0);
  // Not in the original: float64, because the loop is chaotic (x^4 features, lr 0.1) and the
  // stop test turns a last-bit float32 difference in one batch's loss (a different summation
  // order) into another batch count after a few hundred steps. In float64 flint and PyTorch
  // agree to the printed digit.
  torch.setDefaultDtype(torch.float64);

  const POLY_DEGREE = 4;
  const W_target = torch.randn(POLY_DEGREE, 1).mul(5);
  const b_target = torch.randn(1).mul(5);

  /** Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]. */
  function makeFeatures(x: Tensor): Tensor {
    x = x.unsqueeze(1);
    return torch.cat(Array.from({ length: POLY_DEGREE }, (_, k) => x.pow(k + 1)), 1);
  }

  /** Approximated function. */
  function f(x: Tensor): Tensor {
    return x.mm(W_target).add(b_target.item());
  }

  // Python's '{:+.2f}' format: an explicit sign.
  const signed = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(2);

  /** Creates a string description of a polynomial. */
  function polyDesc(W: Tensor, b: Tensor): string {
    let result = 'y = ';
    (W.tolist() as number[]).forEach((w, i) => {
      result += `${signed(w)} x^${i + 1} `;
    });
    result += signed(b.index(0).item());
    return result;
  }

  /** Builds a batch i.e. (x, f(x)) pair. */
  function getBatch(batchSize = 32): [Tensor, Tensor] {
    const random = torch.randn(batchSize);
    const x = makeFeatures(random);
    const y = f(x);
    return [x, y];
  }

  // Define model
  const fc = new torch.nn.Linear(W_target.size(0), 1);

  let loss = 0;
  let batchIdx = 1;
  for (; ; batchIdx++) {
    // Get data
    const [batchX, batchY] = getBatch();

    // Reset gradients
    fc.zeroGrad();

    // Forward pass
    const output = F.smoothL1Loss(fc(batchX), batchY);
    loss = output.item();

    // Backward pass
    output.backward();

    // Apply gradients
    for (const param of fc.parameters()) param.data.add_(param.grad!.mul(-0.1));

    // Stop criterion
    if (loss < 1e-3) break;
  }
  torch.setDefaultDtype(torch.float32);

  print(`Loss: ${loss.toFixed(6)} after ${batchIdx} batches`);
  print('==> Learned function:\t' + polyDesc(fc.weight.view(-1), fc.bias!));
  print('==> Actual function:\t' + polyDesc(W_target.view(-1), b_target));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
