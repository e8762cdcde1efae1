// `npm run bench:distributed`: torch.distributed on gloo, flint against PyTorch 1.13 on this
// machine, 2 ranks each, launched the same way (flint-run; for PyTorch with `--`, since
// Debian's torchrun fails on Python 3.11). The workloads are bench/distributed_torch.py's
// (see its docstring); bench/distributed-rank.ts is flint's side, line for line.
//
//   npm run bench:distributed -- --rounds 3 [--nproc 2]
//
// Rounds alternate flint and PyTorch, never at once, and each workload keeps its best
// round (the VM is noisy). The ratio is flint / PyTorch, with ddp_overlap inverted so
// that above 1 is better everywhere.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import type { BenchLine } from './table.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '1' }, nproc: { type: 'string', default: '2' } } });
const rounds = Number(values.rounds);
const nproc = values.nproc!;

function launch(command: string[]): BenchLine[] {
  const result = spawnSync(process.execPath, [resolve(root, 'bin/flint-run.mjs'), '--standalone', '--no-prefix', '--nproc-per-node', nproc, ...command], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as BenchLine);
}

const lowerIsBetter = (workload: string): boolean => workload === 'ddp_overlap';
const best = new Map<string, BenchLine>();
for (let round = 0; round < rounds; round++) {
  const lines = [
    ...launch([resolve(here, 'distributed-rank.js')]),
    ...launch(['--', '/usr/bin/python3', resolve(root, 'bench/distributed_torch.py')]),
  ];
  for (const line of lines) {
    const key = `${line.impl}|${line.workload}|${line.size}`;
    const kept = best.get(key);
    const better = kept === undefined || (lowerIsBetter(line.workload) ? line.value < kept.value : line.value > kept.value);
    if (better) best.set(key, line);
  }
}

const rows = [...best.values()].filter((l) => l.impl === 'flint');
console.log(`torch.distributed (gloo), ${nproc} ranks on this machine, best of ${rounds} round(s)`);
console.log('| workload | size | unit | flint | PyTorch | ratio |');
console.log('|---|---|---|---:|---:|---:|');
for (const f of rows) {
  const t = best.get(`torch|${f.workload}|${f.size}`);
  const ratio = t === undefined ? NaN : lowerIsBetter(f.workload) ? t.value / f.value : f.value / t.value;
  const fmt = (v: number | undefined): string => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(3));
  console.log(`| ${f.workload} | ${f.size} | ${f.unit} | ${fmt(f.value)} | ${fmt(t?.value)} | ${ratio.toFixed(2)}x |`);
}
