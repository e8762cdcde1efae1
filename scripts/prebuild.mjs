#!/usr/bin/env node
// `npm run prebuild`: builds prebuilds/<platform>-<arch>/ with prebuildify, linking
// OpenBLAS statically (FLINT_STATIC_OPENBLAS=1 makes scripts/check-openblas.cjs hand
// binding.gyp the .a), so users of the packed tarball need no compiler and no OpenBLAS.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { flags as glibcSysrootFlags, runtime as oldGlibcRuntime } from './glibc-sysroot.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = {}) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

// On linux-x64 the addon is compiled and linked against glibc 2.27 (Ubuntu 18.04's
// libc6-dev, fetched by scripts/glibc-sysroot.mjs) with libstdc++ linked statically, so that
// it loads on glibc 2.27 and later whatever glibc and g++ built it;
// tests/prebuild-floor.test.ts checks that floor. FLINT_PREBUILD_HOST_GLIBC=1 builds against
// this machine's glibc instead (offline), and that floor test then fails.
const env = { FLINT_STATIC_OPENBLAS: '1', JOBS: 'max' };
if (process.platform === 'linux' && process.arch === 'x64' && process.env.FLINT_PREBUILD_HOST_GLIBC !== '1') {
  const sysroot = await glibcSysrootFlags();
  Object.assign(env, {
    FLINT_GLIBC_SYSROOT: sysroot.sysroot,
    CC: ['gcc', ...sysroot.cflags].join(' '),
    CXX: ['g++', ...sysroot.cxxflags].join(' '),
    LDFLAGS: sysroot.ldflags.join(' '),
  });
  console.log(`prebuild: compiling against the glibc 2.27 sysroot ${sysroot.sysroot}`);
  // and Ubuntu 20.04's glibc and libstdc++, which tests/prebuild-floor.test.ts runs it on
  await oldGlibcRuntime();
}
// --tag-libc names the file flint-torch.glibc.node, so that node-gyp-build on a musl system
// (Alpine) does not try it.
run(process.execPath, [join(root, 'node_modules/prebuildify/bin.js'), '--napi', '--strip', '--tag-libc'], env);
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
