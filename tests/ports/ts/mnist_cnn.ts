// pytorch/examples mnist/main.py, run as `--epochs 2 --dry-run`: the port is
// examples/mnist-cnn.ts (runnable on its own; `npm run demo` trains its Net fully).
import { main as mnistMain } from '../../../examples/mnist-cnn.js';

export async function main(print: (...args: unknown[]) => void): Promise<void> {
  await mnistMain(['--epochs', '2', '--dry-run'], print);
}
