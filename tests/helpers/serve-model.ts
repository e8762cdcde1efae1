// Model factories that tests/serve.test.ts serves from worker threads.
import * as torch from '../../src/index.js';

/** The test MLP: 16 → 32 → 4 from a fixed seed, so every worker and the test build the same weights. */
export function mlp(seed = 7): torch.nn.Module {
  torch.manualSeed(seed);
  return new torch.nn.Sequential(new torch.nn.Linear(16, 32), new torch.nn.ReLU(), new torch.nn.Dropout(0.5), new torch.nn.Linear(32, 4));
}

/** Loads a state dict saved by the test into the test MLP. */
export async function mlpFromCheckpoint(path: string): Promise<torch.nn.Module> {
  const net = mlp(0);
  net.loadStateDict((await torch.load(path)) as Record<string, torch.Tensor>);
  return net;
}

/** Two inputs, two outputs: [a + b, a * b (row sums)]. */
export function pair(): (a: torch.Tensor, b: torch.Tensor) => torch.Tensor[] {
  return (a, b) => [a.add(b), a.mul(b).sum(1)];
}

/** Throws on a row whose first value is negative, to test error delivery. */
export function picky(): (x: torch.Tensor) => torch.Tensor {
  return (x) => {
    if (x.select(1, 0).lt(0).any().item()) throw new RangeError('picky: negative input');
    return x.mul(2);
  };
}

/** Sums over dim 0: the output has one row whatever the batch, which the pool must refuse. */
export function collapsing(): (x: torch.Tensor) => torch.Tensor {
  return (x) => x.sum(0, true);
}

/** Records the batch sizes it saw in its output's second column. */
export function batchSizes(): (x: torch.Tensor) => torch.Tensor {
  return (x) => torch.stack([x.select(1, 0), torch.full([x.shape[0]], x.shape[0])], 1);
}

/** Fails to load. */
export function broken(): never {
  throw new Error('broken: no weights here');
}

/** Kills its own thread on a request whose first value is 666. */
export function crashing(): (x: torch.Tensor) => torch.Tensor {
  return (x) => {
    if (x.select(1, 0).eq(666).any().item()) process.exit(3);
    return x.clone();
  };
}
