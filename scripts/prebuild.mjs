#!/usr/bin/env node
// `npm run prebuild`: builds prebuilds/<platform>-<arch>/ (and prebuilds/linux-arm64/ from
// linux-x64, where a cross compiler is) with prebuildify, linking
// OpenBLAS statically (FLINT_STATIC_OPENBLAS=1 makes scripts/check-openblas.cjs hand
// binding.gyp the .a), so users of the packed tarball need no compiler and no OpenBLAS.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { buildEnv as glibcBuildEnv, runtime as olderSystem } from './glibc-sysroot.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = {}) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

// On Linux the addon is compiled and linked against an old glibc (glibc 2.27 for x64, 2.31
// for arm64: scripts/glibc-sysroot.mjs fetches them) with libstdc++ linked statically, so
// that it loads on those glibcs and later whatever glibc and g++ built it;
// tests/prebuild-floor.test.ts checks the floors, and runs each prebuild on an older system.
// FLINT_PREBUILD_HOST_GLIBC=1 builds for this machine's glibc alone (offline), and the floor
// test then fails.
const hostGlibc = process.env.FLINT_PREBUILD_HOST_GLIBC === '1';
const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/** prebuildify for one architecture; --tag-libc names the file flint-torch.glibc.node, so that
 * node-gyp-build on a musl system (Alpine) does not try it. */
async function prebuild(arch) {
  const env = { FLINT_STATIC_OPENBLAS: '1', JOBS: 'max' };
  const args = ['--napi', '--strip', '--tag-libc', '--arch', arch];
  if (process.platform === 'linux' && !hostGlibc) {
    Object.assign(env, await glibcBuildEnv(arch));
    console.log(`prebuild: linux-${arch} against the glibc sysroot ${env.FLINT_GLIBC_SYSROOT}`);
    await olderSystem(arch); // what tests/prebuild-floor.test.ts runs it on
  }
  run(process.execPath, [join(root, 'node_modules/prebuildify/bin.js'), ...args], env);
}

// linux-arm64 first, cross-compiled where Debian's g++-aarch64-linux-gnu is (.ci/run
// installs it), so that build/ is left holding this machine's build.
if (process.platform === 'linux' && process.arch === 'x64' && !hostGlibc) {
  if (has('aarch64-linux-gnu-g++')) await prebuild('arm64');
  else console.log('prebuild: linux-arm64 SKIPPED: no aarch64-linux-gnu-g++ (apt-get install g++-aarch64-linux-gnu)');
}
await prebuild(process.arch);
const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
// The CUDA backend (22 MB) goes into its own optional package,
// packages/flint-torch-<platform>-<arch>-cuda, so that a CPU-only install stays small. It
// links cudart statically and opens cuBLAS at run time, so it runs wherever a driver is.
const cudaLibrary = join(root, 'build-cuda', 'flint_cuda.so');
const cudaPackage = join(root, 'packages', `flint-torch-${process.platform}-${process.arch}-cuda`);
rmSync(join(dir, 'flint_cuda.so'), { force: true }); // from an older prebuild layout
if (existsSync(cudaLibrary) && existsSync(cudaPackage)) {
  copyFileSync(cudaLibrary, join(cudaPackage, 'flint_cuda.so'));
  for (const file of ['LICENSE', 'THIRD_PARTY_NOTICES.md']) copyFileSync(join(root, file), join(cudaPackage, file));
  console.log(`prebuild: ${cudaPackage}: flint_cuda.so`);
}
// So does torch.distributed's gloo communicator: it needs the machine's libgloo.so.0
// (Debian's libgloo0) only when a gloo process group is made.
const glooLibrary = join(root, 'build-gloo', 'flint_gloo.so');
if (existsSync(glooLibrary)) copyFileSync(glooLibrary, join(dir, 'flint_gloo.so'));
const built = readdirSync(dir);
console.log(`prebuild: ${dir}: ${built.join(', ')}`);
// Prove the result does not need the system OpenBLAS.
if (process.platform === 'linux') {
  const ldd = spawnSync('ldd', [join(dir, built.find((f) => f.endsWith('.node')))], { encoding: 'utf8' });
  if (/openblas/.test(ldd.stdout)) {
    console.error(ldd.stdout);
    console.error('prebuild: the addon still links the shared OpenBLAS');
    process.exit(1);
  }
}
