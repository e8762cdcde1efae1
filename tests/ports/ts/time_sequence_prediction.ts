// pytorch/examples time_sequence_prediction, run as tests/ports/python/time_sequence_prediction.py
// runs it (8 waves of 60 values, 20 predicted, 2 LBFGS steps). The port is
// examples/time-sequence-prediction.ts; its plots go to a temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as timeSequencePrediction } from '../../../examples/time-sequence-prediction.js';

export function main(print: (...args: unknown[]) => void): void {
  const tmp = mkdtempSync(join(tmpdir(), 'flint-tsp-'));
  try {
    timeSequencePrediction(['--steps', '2', '--sequences', '8', '--length', '60', '--future', '20', '--plot-dir', tmp], print);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
