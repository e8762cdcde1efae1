// The linux-arm64 prebuild, cross-compiled on linux-x64 (scripts/prebuild.mjs), runs the core
// of the test suite (creation, elementwise ops, reductions, matmul, views and indexing,
// autograd, nn, convolution and pooling, normalization, recurrent layers and attention,
// optimizers, linear algebra, printing, serialization) under qemu-user, on Debian 11's glibc
// 2.31 and libstdc++ with Node's own arm64 build: the same test files, bundled with a small
// stand-in for vitest by scripts/run-core-tests.mjs, with the same expected values.
import { existsSync } from 'node:fs';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const addon = `${root}prebuilds/linux-arm64/flint-torch.glibc.node`;
const system = `${root}build-sysroot/debian-11-arm64`;
const node = `${system}/node/bin/node`;
const hasQemu = spawnSync('sh', ['-c', 'command -v qemu-aarch64-static']).status === 0;
const missing = process.env.FLINT_SANITIZED === '1'
  ? 'npm run test:asan checks the instrumented x64 addon; this test checks the arm64 prebuild, which it leaves as it is'
  : !existsSync(addon)
  ? 'no prebuilds/linux-arm64 (`npm run prebuild` cross-compiles it where g++-aarch64-linux-gnu is; .ci/run installs it)'
  : !existsSync(node)
    ? 'no build-sysroot/debian-11-arm64 (`npm run prebuild` fetches it)'
    : !hasQemu
      ? 'no qemu-aarch64-static (apt-get install qemu-user-static)'
      : null;
if (missing) console.warn(`prebuild-arm64.test.ts: SKIPPED: ${missing}`);

const CORE = [
  'creation', 'elementwise', 'elementwise-math', 'reductions', 'matmul', 'views', 'indexing', 'shape-ops',
  'autograd', 'autograd-api', 'double-backward', 'nn-module', 'nn-functional', 'conv', 'pooling', 'norm',
  'rnn', 'attention', 'optim', 'optimizers', 'linalg', 'random', 'sorting', 'printing', 'serialization',
  'safetensors', 'zip',
].map((name) => `tests/${name}.test.ts`);

describe.skipIf(missing !== null)('linux-arm64 prebuild under qemu', () => {
  it('passes the core test files on Debian 11’s glibc with Node 20 for arm64', async () => {
    // Asynchronously: the run takes minutes, and vitest's worker must keep answering its RPC.
    const result = await promisify(execFile)(
      process.execPath,
      ['scripts/run-core-tests.mjs', '--addon', addon, '--qemu', system, '--node', node, ...CORE],
      { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    ).then(
      ({ stdout, stderr }) => ({ status: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ status: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
    );
    const summary = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
      passed: number;
      failed: number;
      skipped: number;
      failures: string[];
      files: Record<string, { passed: number }>;
    };
    expect(summary.failures).toEqual([]);
    expect(result.status, result.stderr).toBe(0);
    // every file ran its tests (2,455 of them in all when this was written)
    for (const file of CORE) expect(summary.files[file]?.passed, file).toBeGreaterThan(0);
    expect(summary.passed).toBeGreaterThan(2400);
    // and the run really was arm64 on glibc 2.31
    const probe = spawnSync('qemu-aarch64-static', ['-L', system, node, '-p', 'process.arch + " " + process.report.getReport().header.glibcVersionRuntime'], {
      encoding: 'utf8',
    });
    expect(probe.stdout.trim()).toBe('arm64 2.31');
  }, 900_000);
});
