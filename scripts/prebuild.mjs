#!/usr/bin/env node
// `npm run prebuild`: builds prebuilds/<platform>-<arch>/ with prebuildify, linking
// OpenBLAS statically (FLINT_STATIC_OPENBLAS=1 makes scripts/check-openblas.cjs hand
// binding.gyp the .a), so users of the packed tarball need no compiler and no OpenBLAS.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFileSync, existsSync, readdirSync, rmSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = {}) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

// --tag-libc names the file flint-torch.glibc.node, so that node-gyp-build on a musl system
// (Alpine) does not try it. (Linking libstdc++ statically was tried: its random_device
// object needs arc4random, GLIBC_2.36, which would shut out Ubuntu 22.04; see
// tests/prebuild-floor.test.ts for the floor the prebuild keeps.)
run(process.execPath, [join(root, 'node_modules/prebuildify/bin.js'), '--napi', '--strip', '--tag-libc'], {
  FLINT_STATIC_OPENBLAS: '1',
  JOBS: 'max',
});
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
