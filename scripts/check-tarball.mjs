#!/usr/bin/env node
// Packs flint (with its prebuild), installs the tarball into an empty folder with a PATH
// that holds only node and npm (no compiler, no make, no python), and runs it there.
// Prints a JSON report; exits non-zero if anything compiled or failed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'flint-pack-'));
const npmCli = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');

const packed = execFileSync(process.execPath, [npmCli, 'pack', '--pack-destination', work, '--silent'], {
  cwd: root,
  encoding: 'utf8',
}).trim().split('\n').pop();
const tarball = join(work, packed);

// A PATH with node, npm and sh only.
const bin = join(work, 'bin');
mkdirSync(bin);
symlinkSync(process.execPath, join(bin, 'node'));
symlinkSync('/bin/sh', join(bin, 'sh')); // npm runs install scripts through sh
writeFileSync(join(bin, 'npm'), `#!/bin/sh\nexec "${process.execPath}" "${npmCli}" "$@"\n`, { mode: 0o755 });
const env = { ...process.env, PATH: bin, npm_config_nodedir: '/nonexistent' };
for (const tool of ['g++', 'gcc', 'cc', 'make', 'python3']) {
  if (spawnSync(tool, ['--version'], { env }).status === 0) throw new Error(`${tool} is still reachable`);
}

const app = join(work, 'app');
mkdirSync(app);
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module' }));
const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app, env, encoding: 'utf8' });
if (install.status !== 0) {
  console.error(install.stdout, install.stderr);
  throw new Error('npm install of the tarball failed');
}
writeFileSync(
  join(app, 'main.js'),
  [
    "import * as torch from 'flint-torch';",
    'torch.manualSeed(42);',
    'const x = torch.rand(2, 3);',
    'const a = x.matmul(x.t());',
    'console.log(String(a));',
    // LAPACK, which the prebuild links statically with OpenBLAS (and its Fortran runtime shim).
    'console.log(String(torch.linalg.svdvals(x)));',
    'console.log(String(torch.linalg.eigh(a).eigenvalues));',
    'console.log(String(torch.linalg.qr(x.t()).R));',
    'console.log(String(torch.linalg.inv(a)));',
    '',
  ].join('\n'),
);
const run = spawnSync('node', ['main.js'], { cwd: app, env, encoding: 'utf8' });
// The other ways in: require() from CommonJS (Node >= 20.19 loads ESM through require),
// the default import, and the package.json export.
writeFileSync(
  join(app, 'main.cjs'),
  "const torch = require('flint-torch'); torch.manualSeed(42); const x = torch.rand(2, 3); console.log(String(x.matmul(x.t())), require('flint-torch/package.json').version);\n",
);
writeFileSync(
  join(app, 'default.js'),
  "import torch from 'flint-torch'; torch.manualSeed(42); const x = torch.rand(2, 3); console.log(String(x.matmul(x.t())));\n",
);
const viaRequire = spawnSync('node', ['main.cjs'], { cwd: app, env, encoding: 'utf8' });
const viaDefault = spawnSync('node', ['default.js'], { cwd: app, env, encoding: 'utf8' });
// The bins, as npm linked them.
const flintRun = spawnSync(join(app, 'node_modules', '.bin', 'flint-run'), ['--help'], { cwd: app, env, encoding: 'utf8' });
// The published types, checked whole (skipLibCheck off): a declaration that stripInternal
// dropped while a public one still names it fails here. @types/node is the peer the app
// would install; this repository's copy stands in for it.
writeFileSync(
  join(app, 'typed.ts'),
  [
    "import * as torch from 'flint-torch';",
    'const net = new torch.nn.Sequential(new torch.nn.Linear(3, 2), new torch.nn.ReLU());',
    'const y: torch.Tensor = net(torch.rand(1, 3));',
    'const w: torch.Tensor = net.at(0).weight;',
    "const writer = new torch.utils.tensorboard.SummaryWriter('runs/typed');",
    "export const pending = torch.serve.Pool.create({ module: 'model.js', exportName: 'load' }, { maxBatch: 8 });",
    'writer.close();',
    'console.log(String(y), w.shape);',
    '',
  ].join('\n'),
);
writeFileSync(
  join(app, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] },
    files: ['typed.ts'],
  }),
);
const typecheck = spawnSync('node', [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: app, env, encoding: 'utf8' });
const installed = join(app, 'node_modules', 'flint-torch');
// Installed sizes: flint-torch alone (what a CPU user gets), then with the optional CUDA
// package, which must make torch.cuda find its library.
const sizeOf = (dir) => Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
const cpuOnlyBytes = sizeOf(installed);
const cudaReason = () =>
  spawnSync('node', ['--input-type=module', '-e', "import torch from 'flint-torch'; console.log(torch.cuda.unavailableReason())"], { cwd: app, env, encoding: 'utf8' }).stdout.trim();
const reasonWithoutCuda = cudaReason();
const cudaPackageDir = join(root, 'packages', `flint-torch-${process.platform}-${process.arch}-cuda`);
let cudaPackage = null;
if (existsSync(join(cudaPackageDir, 'flint_cuda.so'))) {
  const packedCuda = execFileSync(process.execPath, [npmCli, 'pack', '--pack-destination', work, '--silent'], { cwd: cudaPackageDir, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  const add = spawnSync('npm', ['install', '--no-audit', '--no-fund', join(work, packedCuda)], { cwd: app, env, encoding: 'utf8' });
  const cudaInstalled = join(app, 'node_modules', `flint-torch-${process.platform}-${process.arch}-cuda`);
  cudaPackage = {
    tarball: packedCuda,
    status: add.status,
    bytes: add.status === 0 ? sizeOf(cudaInstalled) : null,
    reason: add.status === 0 ? cudaReason() : add.stderr.trim(),
  };
}
const report = {
  tarball: packed,
  output: run.stdout.trim(),
  stderr: run.stderr.trim(),
  status: run.status,
  requireOutput: viaRequire.stdout.trim(),
  requireStatus: viaRequire.status,
  requireStderr: viaRequire.stderr.trim(),
  defaultOutput: viaDefault.stdout.trim(),
  defaultStatus: viaDefault.status,
  flintRunStatus: flintRun.status,
  flintRunOutput: flintRun.stdout.split('\n')[0],
  typecheckStatus: typecheck.status,
  typecheckOutput: (typecheck.stdout + typecheck.stderr).trim(),
  // node-gyp's build/, or the gloo communicator's build-gloo/ (the prebuild ships it too).
  compiled: existsSync(join(installed, 'build')) || existsSync(join(installed, 'build-gloo')),
  prebuilds: readdirSync(join(installed, 'prebuilds')),
  prebuildFiles: readdirSync(join(installed, 'prebuilds', `${process.platform}-${process.arch}`)),
  cpuOnlyBytes,
  reasonWithoutCuda,
  cudaPackage,
};
console.log(JSON.stringify(report));
process.exit(run.status === 0 && viaRequire.status === 0 && viaDefault.status === 0 && flintRun.status === 0 && typecheck.status === 0 && !report.compiled ? 0 : 1);
