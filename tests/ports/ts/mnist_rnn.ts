// pytorch/examples mnist_rnn/main.py, run as `--epochs 2 --dry-run`: the port is
// examples/mnist-rnn.ts (runnable on its own).
import { main as mnistRnnMain } from '../../../examples/mnist-rnn.js';

export async function main(print: (...args: unknown[]) => void): Promise<void> {
  await mnistRnnMain(['--epochs', '2', '--dry-run'], print);
}
