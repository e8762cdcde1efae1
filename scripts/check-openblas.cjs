#!/usr/bin/env node
// Finds OpenBLAS for the native build, and fails early with the exact install command
// when it is missing. binding.gyp and CMakeLists.txt both call this, so the two builds
// agree on where OpenBLAS lives.
//   --cflags  print the include directory holding cblas.h
//   --libs    print the linker arguments (static when FLINT_STATIC_OPENBLAS=1)
'use strict';
const fs = require('fs');
const path = require('path');

const includeDirs = [
  '/usr/include/x86_64-linux-gnu/openblas-pthread',
  '/usr/include/aarch64-linux-gnu/openblas-pthread',
  '/usr/include/openblas',
  '/usr/include/x86_64-linux-gnu',
  '/usr/include',
  '/usr/local/include',
  '/opt/homebrew/opt/openblas/include',
];
const libDirs = [
  '/usr/lib/x86_64-linux-gnu/openblas-pthread',
  '/usr/lib/aarch64-linux-gnu/openblas-pthread',
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/usr/local/lib',
  '/opt/homebrew/opt/openblas/lib',
];

function fail(what) {
  process.stderr.write(
    `\nflint: OpenBLAS was not found (${what}).\n` +
      'flint needs the OpenBLAS development package to build its native addon.\n' +
      'On Debian/Ubuntu install it with:\n\n    sudo apt-get install -y libopenblas-dev\n\n' +
      'then run `npm install` again.\n\n',
  );
  process.exit(1);
}

const extra = process.env.OPENBLAS_HOME ? [process.env.OPENBLAS_HOME] : [];
// FLINT_OPENBLAS_ONLY_HOME=1 searches OPENBLAS_HOME alone (tests use it to play a machine
// without OpenBLAS).
const onlyHome = process.env.FLINT_OPENBLAS_ONLY_HOME === '1';
const includeDir = [...extra.map((d) => path.join(d, 'include')), ...(onlyHome ? [] : includeDirs)].find((d) =>
  fs.existsSync(path.join(d, 'cblas.h')),
);
if (!includeDir) fail('no cblas.h');
const candidates = [...extra.map((d) => path.join(d, 'lib')), ...(onlyHome ? [] : libDirs)];
const wantStatic = process.env.FLINT_STATIC_OPENBLAS === '1';
const libName = wantStatic ? 'libopenblas.a' : 'libopenblas.so';
const libDir = candidates.find((d) => fs.existsSync(path.join(d, libName)));
if (!libDir) fail(`no ${libName}`);

const arg = process.argv[2];
if (arg === '--cflags') {
  process.stdout.write(includeDir);
} else if (arg === '--libs') {
  if (wantStatic) {
    // Everything OpenBLAS needs at run time from the system is in glibc, except the one
    // Fortran-runtime routine its LAPACK calls, which native/static-openblas provides.
    process.stdout.write(`${path.join(libDir, libName)} -lpthread -lm`);
  } else {
    process.stdout.write(`-L${libDir} -lopenblas`);
  }
} else {
  process.stdout.write(`OpenBLAS: ${includeDir}/cblas.h, ${path.join(libDir, libName)}\n`);
}
