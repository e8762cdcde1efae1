// An app bundled into one CommonJS file with esbuild (flint inlined, import.meta empty)
// still finds the installed flint-torch for what cannot be bundled: the native addon and
// the DataLoader's worker script. Without an installed flint-torch, the error says how to
// bundle (mark it external) rather than failing on an undefined URL.
import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'flint-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const APP = `
import * as torch from 'flint-torch';
torch.manualSeed(42);
const x = torch.rand(2, 3);
console.log(String(x.matmul(x.t())));
const data = new torch.utils.data.TensorDataset(torch.arange(6).reshape(3, 2));
const loader = new torch.utils.data.DataLoader(data, { batchSize: 2, numWorkers: 1 });
(async () => {
  for await (const [batch] of loader) console.log(JSON.stringify(batch.tolist()));
})();
`;

function bundle(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'app.ts'), APP);
  const out = join(dir, 'bundle.cjs');
  buildSync({
    entryPoints: [join(dir, 'app.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: out,
    alias: { 'flint-torch': join(root, 'src/index.ts') },
    external: ['tsx', 'tsx/*'],
    logLevel: 'silent',
  });
  return out;
}

describe('bundled into one CommonJS file', () => {
  it('loads the addon and starts DataLoader workers from the installed flint-torch', () => {
    const app = join(work, 'app');
    const out = bundle(app);
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(root, join(app, 'node_modules', 'flint-torch'));
    const run = spawnSync(process.execPath, [out], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    // torch.manual_seed(42); x = torch.rand(2, 3); print(x @ x.t()) in PyTorch 1.13
    expect(run.stdout).toBe('tensor([[1.7622, 1.4337],\n        [1.4337, 1.4338]])\n[[0,1],[2,3]]\n[[4,5]]\n');
    expect(run.status).toBe(0);
  }, 90_000);

  it('without an installed flint-torch, says to install it and mark it external', () => {
    const lonely = join(work, 'lonely');
    const out = bundle(lonely);
    const run = spawnSync(process.execPath, [out], { cwd: lonely, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      "flint: cannot find the flint-torch package (its native addon and worker scripts are not JavaScript a bundler can inline). Install flint-torch in node_modules where the app runs, and mark it external in the bundler (esbuild: --external:flint-torch; webpack: externals: { 'flint-torch': 'commonjs flint-torch' }), or set FLINT_ADDON_PATH to its .node file.",
    );
  }, 90_000);
});
