/**
 * Child process for the memory tests: saves or serializes many large tensors in a loop
 * and prints, as one JSON line, the native memory (torch.memoryStats) and RSS it saw, so
 * that a leak shows as numbers, and runaway growth cannot take the test runner with it.
 *
 *   memory-child.ts <mode> <iterations> <numel> <dir>
 *
 * modes: serialize (serialize({ a }), then a.dispose()); save / saveSync (fresh tensors
 * saved to one file and never disposed, as a training loop that checkpoints each epoch);
 * inflight (stats while an async save of a disposed tensor is pending, then after).
 */
import { join } from 'node:path';
import * as torch from '../../src/index.js';

const [mode, iterations, numel, dir] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5]];
const file = join(dir, 'loop.pt');
let peakAllocated = 0;
let peakRss = 0;
const sample = (): void => {
  peakAllocated = Math.max(peakAllocated, torch.memoryStats().cpu.allocatedBytes);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const stats = () => {
  const s = torch.memoryStats().cpu;
  return { storages: s.storages, allocatedBytes: s.allocatedBytes, externalBytes: s.externalBytes };
};

const report: Record<string, unknown> = { mode };
if (mode === 'serialize') {
  const before = stats();
  let bytes = 0;
  for (let i = 0; i < iterations; i++) {
    const a = torch.rand(numel);
    bytes += torch.serialize({ a }).length;
    a.dispose();
    sample();
  }
  Object.assign(report, { before, after: stats(), bytes });
} else if (mode === 'save' || mode === 'saveSync') {
  for (let i = 0; i < iterations; i++) {
    if (mode === 'save') await torch.save({ w: torch.rand(numel) }, file);
    else torch.saveSync({ w: torch.rand(numel) }, file);
    sample();
  }
  const loaded = torch.loadSync(file) as { w: torch.Tensor };
  Object.assign(report, { savedNumel: loaded.w.numel() });
} else if (mode === 'inflight') {
  const w = torch.rand(numel);
  const pending = torch.save({ w }, file);
  w.dispose();
  const during = stats();
  await pending;
  Object.assign(report, { during, after: stats() });
}
sample();
Object.assign(report, { peakAllocated, peakRss });
process.stdout.write(`${JSON.stringify(report)}\n`);
