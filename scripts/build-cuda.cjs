#!/usr/bin/env node
// Builds the CUDA backend (build-cuda/flint_cuda.so) with CMake, when nvcc exists.
// `npm install` runs this after the addon's build. Without nvcc it says so and stops:
// the package then runs on the CPU, and torch.cuda.isAvailable() is false. A failing
// CUDA build fails `npm run build:cuda` and CI (FLINT_CUDA_STRICT=1, so a broken .cu
// cannot land) and only warns in a user's install (which must not depend on their CUDA
// toolkit). A package with a prebuilt flint_cuda.so needs no build at all.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const strict = process.argv.includes('--strict') || process.env.FLINT_CUDA_STRICT === '1';

function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

function findNvcc() {
  if (process.env.CUDACXX && fs.existsSync(process.env.CUDACXX)) return process.env.CUDACXX;
  for (const home of [process.env.CUDA_HOME, process.env.CUDA_PATH, '/usr/local/cuda']) {
    if (home && fs.existsSync(path.join(home, 'bin', 'nvcc'))) return path.join(home, 'bin', 'nvcc');
  }
  return which('nvcc');
}

const prebuilt = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'flint_cuda.so');
if (!process.argv.includes('--strict') && fs.existsSync(prebuilt) && !fs.existsSync(path.join(root, '.git'))) {
  console.log(`flint: using the prebuilt CUDA backend ${prebuilt}`);
  process.exit(0);
}
if (process.env.FLINT_SKIP_CUDA === '1') {
  console.log('flint: FLINT_SKIP_CUDA=1, not building the CUDA backend');
  process.exit(0);
}
const nvcc = findNvcc();
if (!nvcc) {
  console.log('flint: no CUDA toolkit (nvcc) found, so the CUDA backend is not built; flint runs on the CPU');
  process.exit(0);
}
const cmake = which('cmake');
if (!cmake) {
  const message = 'flint: nvcc was found but cmake was not; install cmake to build the CUDA backend';
  if (strict) {
    console.error(message);
    process.exit(1);
  }
  console.warn(message);
  process.exit(0);
}

const buildDir = path.join(root, 'build-cuda');
const jobs = String(Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length));
const started = Date.now();
try {
  execFileSync(cmake, ['-S', root, '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', `-DCMAKE_CUDA_COMPILER=${nvcc}`], {
    stdio: 'inherit',
  });
  execFileSync(cmake, ['--build', buildDir, '--parallel', jobs], { stdio: 'inherit' });
  console.log(`flint: built the CUDA backend in ${((Date.now() - started) / 1000).toFixed(0)} s: ${path.join(buildDir, 'flint_cuda.so')}`);
} catch (error) {
  const message = `flint: the CUDA backend failed to build (${error.message})`;
  if (strict) {
    console.error(message);
    process.exit(1);
  }
  console.warn(`${message}; flint runs on the CPU`);
}
