#!/usr/bin/env node
// Builds torch.distributed's gloo communicator (build-gloo/flint_gloo.so) with CMake, when
// gloo's headers and CMake package are here (Debian: libgloo-dev). `npm install` runs this
// after the addon's build. Without gloo it says so and stops: everything but a gloo
// process group works, and initProcessGroup({ backend: 'gloo' }) then says what to
// install. FLINT_GLOO_STRICT=1 (CI) makes a missing or failing build an error, so that
// the distributed tests cannot skip unnoticed.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const strict = process.argv.includes('--strict') || process.env.FLINT_GLOO_STRICT === '1';

function give(message) {
  if (strict) {
    console.error(message);
    process.exit(1);
  }
  console.log(message);
  process.exit(0);
}

const prebuilt = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'flint_gloo.so');
if (!strict && fs.existsSync(prebuilt) && !fs.existsSync(path.join(root, '.git'))) {
  console.log(`flint: using the prebuilt gloo communicator ${prebuilt}`);
  process.exit(0);
}
if (process.env.FLINT_SKIP_GLOO === '1') give('flint: FLINT_SKIP_GLOO=1, not building the gloo communicator');
const prefixes = ['/usr', '/usr/local', process.env.GLOO_HOME].filter(Boolean);
const glooConfig = prefixes.find((prefix) => fs.existsSync(path.join(prefix, 'share/cmake/Gloo/GlooConfig.cmake')) ||
  fs.existsSync(path.join(prefix, 'lib/cmake/Gloo/GlooConfig.cmake')));
if (!glooConfig) {
  give('flint: gloo not found (apt-get install libgloo-dev), so torch.distributed\'s gloo backend is not built');
}
const cmake = spawnSync('sh', ['-c', 'command -v cmake'], { encoding: 'utf8' });
if (cmake.status !== 0) give('flint: gloo was found but cmake was not; install cmake to build the gloo communicator');

const buildDir = path.join(root, 'build-gloo');
const jobs = String(Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length));
try {
  execFileSync('cmake', ['-S', root, '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', '-DFLINT_GLOO=ON',
    `-DCMAKE_PREFIX_PATH=${glooConfig}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('cmake', ['--build', buildDir, '--parallel', jobs], { stdio: 'inherit' });
  console.log(`flint: built the gloo communicator: ${path.join(buildDir, 'flint_gloo.so')}`);
} catch (error) {
  const message = `flint: the gloo communicator failed to build (${error.message})`;
  if (strict) {
    console.error(message);
    process.exit(1);
  }
  console.warn(`${message}; torch.distributed's gloo backend is unavailable`);
}
