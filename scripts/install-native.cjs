#!/usr/bin/env node
// `npm install`'s native step: use the addon that loads here (the prebuild for this
// platform, or an earlier build), else build it from source. A failed build ends with one
// clear message (the prebuilt platforms, what a source build needs on each system, the
// build's last lines and where its whole log is), not node-gyp's forty lines.
'use strict';
const { spawnSync } = require('child_process');
const { mkdtempSync, writeFileSync } = require('fs');
const { tmpdir } = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const target = `${process.platform}-${process.arch}`;

function loads() {
  const probe = spawnSync(process.execPath, ['-e', `require('node-gyp-build')(${JSON.stringify(root)})`], { encoding: 'utf8' });
  return { ok: probe.status === 0, why: (probe.stderr || '').trim().split('\n').find((l) => /Error|error:/.test(l)) || '' };
}

function glibc() {
  const report = process.report && process.report.getReport ? process.report.getReport() : null;
  return report && report.header && report.header.glibcVersionRuntime ? `glibc ${report.header.glibcVersionRuntime}` : 'no glibc (musl?)';
}

const first = loads();
if (first.ok) process.exit(0);

const libc = process.platform === 'linux' ? `, ${glibc()}` : '';
console.log(`flint-torch: no prebuilt native addon loads on ${target}${libc}; building it from source...`);
if (first.why && !/Cannot find module|No native build was found/.test(first.why)) console.log(`  (the prebuild did not load: ${first.why})`);

const nodeGyp = path.join(path.dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');
const build = spawnSync(process.execPath, [nodeGyp, 'rebuild'], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, JOBS: process.env.JOBS || 'max' },
  maxBuffer: 256 * 1024 * 1024,
});
if (build.status === 0 && loads().ok) process.exit(0);

const log = path.join(mkdtempSync(path.join(tmpdir(), 'flint-torch-build-')), 'build.log');
writeFileSync(log, `${build.stdout || ''}\n${build.stderr || ''}`);
// The lines that say what went wrong; node-gyp's stack and environment lines say nothing.
const lines = `${build.stdout || ''}\n${build.stderr || ''}`.split('\n').filter((l) => l.trim() !== '');
// (The stack's first line is its message: "stack Error: ... network connectivity" says why.)
const noise = /^gyp ERR! (stack(?! Error:)|System|command|cwd|node -v|node-gyp -v|not ok)/;
const telling = lines.filter((l) => !noise.test(l) && /error|not found|No such file|cannot|missing/i.test(l));
const tail = (telling.length > 0 ? telling : lines.filter((l) => !noise.test(l))).slice(-8);
console.error(
  [
    '',
    `flint-torch: the native addon could not be built on ${target}${libc}.`,
    '',
    '  Prebuilt (installs with no compiler): linux-x64 with glibc 2.27 or later (RHEL 8+, Amazon Linux 2023, Debian 10+, Ubuntu 20.04+),',
    '  and linux-arm64 with glibc 2.31 or later (Amazon Linux 2023 on Graviton, Debian 11+, Ubuntu 20.04+).',
    '  Elsewhere flint builds from source, which needs a C++17 compiler, make, Python 3 and OpenBLAS:',
    '    Debian/Ubuntu:  apt-get install -y build-essential python3 libopenblas-dev',
    '    Fedora/RHEL:    dnf install -y gcc-c++ make python3 openblas-devel',
    '    Alpine:         apk add build-base python3 openblas-dev',
    '    macOS:          xcode-select --install && brew install openblas   (untested)',
    '    Windows:        not supported yet',
    '',
    '  The build ended with:',
    ...tail.map((l) => `    ${l}`),
    '',
    `  The whole build log: ${log}`,
    '',
  ].join('\n'),
);
process.exit(1);
