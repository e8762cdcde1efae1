// The packed tarball with its prebuild installs and runs in an empty folder, with no
// compiler, make or python on PATH, and compiles nothing (scripts/check-tarball.mjs).
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const hasPrebuild = existsSync(`${root}prebuilds/${process.platform}-${process.arch}`);
if (!hasPrebuild) {
  console.warn('package.test.ts: SKIPPED: no prebuilds/ here; run `npm run prebuild` first (.ci/run does).');
}

/**
 * Runs the check in a child without blocking this worker: a synchronous wait of a minute
 * (the check packs, installs and type-checks) stalls vitest's worker RPC, which then
 * fails the whole run with "Timeout calling onTaskUpdate".
 */
function checkTarball(): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/check-tarball.mjs'], { cwd: root });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', () => resolve({ stdout }));
  });
}

describe.skipIf(!hasPrebuild)('packed tarball', () => {
  it('installs from the prebuild without compiling and computes what PyTorch computes', async () => {
    const result = await checkTarball();
    const line = result.stdout.trim().split('\n').pop()!;
    const report = JSON.parse(line);
    expect(report.compiled).toBe(false);
    expect(report.status).toBe(0);
    // torch.manual_seed(42); x = torch.rand(2, 3); a = x @ x.t(); print(a), then
    // torch.linalg.svdvals(x), eigh(a).eigenvalues, qr(x.t()).R and inv(a), from PyTorch 1.13
    expect(report.output).toBe(
      [
        'tensor([[1.7622, 1.4337],\n        [1.4337, 1.4338]])',
        'tensor([1.7439, 0.3936])',
        'tensor([0.1549, 3.0411])',
        'tensor([[-1.3275, -1.0800],\n        [ 0.0000,  0.5171]])',
        'tensor([[ 3.0429, -3.0427],\n        [-3.0427,  3.7399]])',
      ].join('\n'),
    );
    // require('flint-torch') from CommonJS, `import torch from 'flint-torch'`, and flint-torch/package.json
    const first = 'tensor([[1.7622, 1.4337],\n        [1.4337, 1.4338]])';
    expect(report.requireStatus, report.requireStderr).toBe(0);
    expect(report.requireOutput).toBe(`${first} 0.1.0`);
    expect(report.defaultStatus).toBe(0);
    expect(report.defaultOutput).toBe(first);
    // the flint-run bin, and the published .d.ts checked whole by a strict TypeScript app
    expect(report.flintRunStatus).toBe(0);
    expect(report.flintRunOutput).toMatch(/^Usage: flint-run /);
    expect(report.typecheckOutput).toBe('');
    expect(report.typecheckStatus).toBe(0);
    // The CUDA backend is an optional package: a CPU-only install is small, says how to get
    // CUDA, and finds the library once the package is installed beside it.
    expect(report.prebuildFiles).not.toContain('flint_cuda.so');
    // about 53 MB (14 MB packed), of which the x64 prebuild is 29 MB and the arm64 one 16;
    // flint_cuda.so (22 MB) is not among them
    expect(report.cpuOnlyBytes).toBeLessThan(60 * 1024 * 1024);
    expect(report.reasonWithoutCuda).toMatch(/^flint was installed without its CUDA library: install flint-torch-linux-x64-cuda beside flint-torch/);
    if (report.cudaPackage === null) {
      console.warn('package.test.ts: the CUDA package was not built here (no nvcc), so its install is not checked');
    } else {
      expect(report.cudaPackage.status).toBe(0);
      expect(report.cudaPackage.bytes).toBeGreaterThan(1024 * 1024);
      expect(report.cudaPackage.reason).not.toMatch(/installed without its CUDA library/);
    }
  }, 300_000);
});
