// pytorch/examples word_language_model, run as tests/ports/python/word_language_model.py runs
// it: an LSTM for two full epochs and a Transformer for `--epochs 2 --dry-run`, on
// examples/data/project-docs. The port is examples/word-language-model.ts; wall-clock
// times are elided from the printed lines on both sides.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as wordLanguageModel } from '../../../examples/word-language-model.js';

function elideTimes(line: string): string {
  return line.replace(/time: *[0-9.]+s/g, 'time: (elided)s').replace(/ms\/batch *[0-9.]+/g, 'ms/batch (elided)');
}

export async function main(print: (...args: unknown[]) => void): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'flint-wlm-'));
  const printElided = (...args: unknown[]): void => print(elideTimes(args.map(String).join(' ')));
  try {
    const common = ['--emsize', '16', '--nhid', '16', '--epochs', '2', '--lr', '5', '--bptt', '12', '--batch_size', '8', '--log-interval', '40', '--save', join(tmp, 'model.pt')];
    await wordLanguageModel([...common, '--model', 'LSTM'], printElided);
    await wordLanguageModel([...common, '--model', 'Transformer', '--nhead', '2', '--dry-run'], printElided);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
