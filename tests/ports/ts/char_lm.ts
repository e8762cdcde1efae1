// examples/char-lm.ts, as tests/ports/python/char_lm.py writes it in PyTorch: 150 steps,
// then the validation loss and a 60-character sample.
import { main as charLM } from '../../../examples/char-lm.js';

export async function main(print: (...args: unknown[]) => void): Promise<void> {
  await charLM(['--steps', '150', '--log-interval', '50', '--sample-length', '60'], print);
}
