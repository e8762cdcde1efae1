#!/usr/bin/env node
// Prints the addon's native sources, the one list that binding.gyp and CMakeLists.txt
// build from: every .cc file in native/core, native/cpu and native/napi, plus
// native/static-openblas when OpenBLAS is linked statically (FLINT_STATIC_OPENBLAS=1), and
// native/glibc-floor when the prebuild is linked against the old-glibc sysroot. (The
// generated entries.generated.cc is added by each build from its own output folder.)
//   --interface   prints instead what the generator reads (the declaration, the generator
//                 and the headers the ABI hash covers), for build rules that rerun it.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const relative = (folder) =>
  fs
    .readdirSync(path.join(root, folder))
    .sort()
    .map((name) => `${folder}/${name}`);

if (process.argv.includes('--interface')) {
  const headers = [...relative('native/include/flint'), ...relative('native/include/flint/rules')].filter(
    (f) => f.endsWith('.h') && !f.endsWith('.generated.h'),
  );
  process.stdout.write(['native/napi/entries.mjs', 'scripts/generate-bindings.mjs', ...headers].join(' '));
} else {
  const folders = ['native/core', 'native/cpu', 'native/napi'];
  // A statically linked OpenBLAS brings LAPACK without the Fortran runtime it calls.
  if (process.env.FLINT_STATIC_OPENBLAS === '1') folders.push('native/static-openblas');
  // A static libstdc++ linked against the glibc 2.27 sysroot (scripts/prebuild.mjs) calls
  // two glibc symbols that 2.27 lacks.
  if (process.env.FLINT_GLIBC_SYSROOT) folders.push('native/glibc-floor');
  const sources = folders.flatMap(relative).filter((f) => f.endsWith('.cc'));
  process.stdout.write(sources.join(' '));
}
