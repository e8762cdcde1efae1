/**
 * Checkpoint throughput: save and load a 1 GiB float32 state dict (16 tensors of 64 MiB)
 * with flint, then the same with PyTorch's torch.save / torch.load, and print MB/s side
 * by side. Run: npm run bench:checkpoint (add `-- --mib 256` for a smaller run).
 *
 * Both sides write to the same folder (os.tmpdir() unless FLINT_BENCH_DIR is set). flint's
 * save also fsyncs (it is atomic); PyTorch's does not, so flint's save number includes
 * the flush to disk that PyTorch leaves to the OS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from 'flint-torch';

const args = process.argv.slice(2);
const mib = Number(args[args.indexOf('--mib') + 1] ?? 1024) || 1024;
const rounds = Number(args[args.indexOf('--rounds') + 1] ?? 3) || 3;
const dir = mkdtempSync(join(process.env.FLINT_BENCH_DIR ?? tmpdir(), 'flint-ckpt-'));
const tensors = 16;
const perTensor = Math.floor((mib * 1024 * 1024) / 4 / tensors);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

torch.manualSeed(0);
const stateDict: Record<string, torch.Tensor> = {};
for (let i = 0; i < tensors; i++) stateDict[`layer${i}.weight`] = torch.rand(perTensor);
const file = join(dir, 'flint.pt');
const flintSave: number[] = [];
const flintSaveNoSync: number[] = [];
const flintLoad: number[] = [];
for (let r = 0; r < rounds; r++) {
  let t = performance.now();
  torch.saveSync(stateDict, file);
  flintSave.push((performance.now() - t) / 1000);
  // What torch.save does: bytes to the page cache, no fsync, no rename.
  t = performance.now();
  writeFileSync(join(dir, 'plain.pt'), torch.serialize(stateDict));
  flintSaveNoSync.push((performance.now() - t) / 1000);
  rmSync(join(dir, 'plain.pt'));
  t = performance.now();
  const loaded = torch.loadSync(file);
  flintLoad.push((performance.now() - t) / 1000);
  torch.dispose(loaded);
}
const bytes = statSync(file).size;
torch.dispose(stateDict);
rmSync(file, { force: true });

const python = `
import sys, time, torch, statistics, os
mib, rounds, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
n = mib * 1024 * 1024 // 4 // 16
torch.manual_seed(0)
sd = {f'layer{i}.weight': torch.rand(n) for i in range(16)}
save, load = [], []
for _ in range(rounds):
    t = time.perf_counter(); torch.save(sd, path); save.append(time.perf_counter() - t)
    t = time.perf_counter(); x = torch.load(path); load.append(time.perf_counter() - t); del x
print(statistics.median(save), statistics.median(load), os.path.getsize(path), torch.__version__)
os.remove(path)
`;
let torchLine = '';
try {
  torchLine = execFileSync('/usr/bin/python3', ['-c', python, String(mib), String(rounds), join(dir, 'torch.pt')], { encoding: 'utf8' }).trim();
} catch (error) {
  console.error(`PyTorch side skipped: ${(error as Error).message.split('\n')[0]}`);
}
rmSync(dir, { recursive: true, force: true });

const mb = bytes / 1e6;
const rows: string[] = ['| operation | flint MB/s | PyTorch MB/s | flint/PyTorch |', '|---|---:|---:|---:|'];
const [torchSave, torchLoad, , version] = torchLine ? torchLine.split(' ') : [];
for (const [name, ours, theirs] of [
  ['save (atomic: temp file, fsync, rename)', median(flintSave), Number(torchSave)],
  ['save without fsync (serialize + writeFile)', median(flintSaveNoSync), Number(torchSave)],
  ['load', median(flintLoad), Number(torchLoad)],
] as const) {
  const a = mb / ours;
  const b = theirs ? mb / theirs : NaN;
  rows.push(`| ${name} | ${a.toFixed(0)} | ${Number.isNaN(b) ? '—' : b.toFixed(0)} | ${Number.isNaN(b) ? '—' : `${(a / b).toFixed(2)}×`} |`);
}
console.log(`checkpoint of ${(bytes / 2 ** 20).toFixed(0)} MiB (${tensors} float32 tensors), median of ${rounds}; PyTorch ${version ?? 'n/a'}`);
console.log(rows.join('\n'));
