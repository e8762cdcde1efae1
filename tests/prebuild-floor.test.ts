// The oldest systems the Linux prebuilds load on. The addon is compiled against an old glibc
// (scripts/glibc-sysroot.mjs) with libstdc++ linked statically, so what it needs from the
// system is that glibc and libgcc_s: for linux-x64 glibc 2.27 (RHEL 8, Debian 10/11, Ubuntu
// 20.04, Amazon Linux 2023 and later), for linux-arm64 glibc 2.31 (Debian 11, Ubuntu 20.04,
// Amazon Linux 2023 on Graviton). Checked three ways: the symbol versions its file needs (objdump -T), that
// nothing it calls is left unversioned (an unversioned glibc symbol would bind to whatever the
// process has, or fail on first call), and a run of Node and the x64 prebuild on Ubuntu
// 20.04's glibc 2.31 and libstdc++ (tests/prebuild-arm64.test.ts runs the arm64 one on Debian
// 11's, under qemu). A change that raises the floor fails here, and must move the
// README's platform table and install-native.cjs's message with it.
//
// flint_gloo.so is different: it links the system's libgloo.so.0 (Debian's libgloo0), so its
// floor is that distribution's, glibc 2.35 and GLIBCXX_3.4.30 for Debian 12.
import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = `${root}prebuilds/linux-x64`;
/** Per architecture: the floor, and the libraries the addon may need. */
const TARGETS = [
  { arch: 'x64', floor: { GLIBC: '2.27', GCC: '4.2.0' }, loader: 'ld-linux-x86-64.so.2' },
  { arch: 'arm64', floor: { GLIBC: '2.31', GCC: '4.2.0' }, loader: 'ld-linux-aarch64.so.1' },
];
const ADDON_FLOOR: Record<string, string> = TARGETS[0].floor;
const GLOO_FLOOR: Record<string, string> = { GLIBC: '2.35', GLIBCXX: '3.4.30', CXXABI: '1.3.13', GCC: '7.0.0' };
const addon = `${dir}/flint-torch.glibc.node`;
const oldSystem = `${root}build-sysroot/ubuntu-20.04`;

const hasPrebuild = existsSync(dir);
const hasObjdump = spawnSync('objdump', ['--version']).status === 0;
if (!hasPrebuild || !hasObjdump) {
  console.warn(`prebuild-floor.test.ts: SKIPPED: ${!hasPrebuild ? 'no prebuilds/linux-x64 here; run `npm run prebuild` first (.ci/run does)' : 'no objdump'}`);
} else if (!existsSync(oldSystem)) {
  console.warn('prebuild-floor.test.ts: the run on Ubuntu 20.04\'s glibc is SKIPPED: no build-sysroot/ubuntu-20.04 (`npm run prebuild` fetches it)');
}

/** -1, 0 or 1 as version a is older, the same or newer than b ('2.34' < '2.35'). */
function compare(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** The dynamic symbols of a file, as objdump -T lists them. */
function dynamicSymbols(file: string): { weak: boolean; undefined: boolean; version: string; name: string }[] {
  const dump = spawnSync('objdump', ['-T', file], { encoding: 'utf8' }).stdout;
  const symbols = [];
  for (const line of dump.split('\n')) {
    // 0000000000000000  w   D  *UND*  0000000000000000 (GLIBC_2.2.5) __cxa_finalize
    const match = /^[0-9a-f]+ (.{7}) (\S+)\s+[0-9a-f]+\s+(\(?[^\s)]*\)?)\s+(\S+)$/.exec(line.trim());
    if (!match) continue;
    const version = match[3].replace(/[()]/g, '');
    symbols.push({ weak: match[1].includes('w'), undefined: match[2] === '*UND*', version, name: match[4] });
  }
  return symbols;
}

/** Versions above the floor that a file needs, as 'GLIBC_2.34'. */
function aboveFloor(file: string, floor: Record<string, string>): string[] {
  const above = new Set<string>();
  for (const { version } of dynamicSymbols(file)) {
    const match = /^(GLIBCXX|CXXABI|GLIBC|GCC)_([0-9.]+)$/.exec(version);
    if (!match) continue;
    const [, lib, number] = match;
    if (floor[lib] === undefined || compare(number, floor[lib]) > 0) above.add(version);
  }
  return [...above].sort();
}

describe.skipIf(!hasObjdump)('the prebuilds’ system floors', () => {
  for (const { arch, floor, loader } of TARGETS) describe(`linux-${arch}`, () => {
    const file = `${root}prebuilds/linux-${arch}/flint-torch.glibc.node`;
    const present = existsSync(dirname(file));
    if (!present && arch === 'arm64') console.warn('prebuild-floor.test.ts: linux-arm64 SKIPPED: no prebuilds/linux-arm64 (`npm run prebuild` builds it where g++-aarch64-linux-gnu is)');

    it.skipIf(!present)(`is tagged glibc, needs nothing above glibc ${floor.GLIBC}, and no libstdc++ at all`, () => {
      expect(readdirSync(dirname(file))).toContain('flint-torch.glibc.node');
      expect(aboveFloor(file, floor)).toEqual([]);
      const needed = spawnSync('objdump', ['-p', file], { encoding: 'utf8' }).stdout;
      const libraries = [...needed.matchAll(/NEEDED\s+(\S+)/g)].map((m) => m[1]).sort();
      expect(libraries).toEqual([loader, 'libc.so.6', 'libdl.so.2', 'libgcc_s.so.1', 'libm.so.6', 'libpthread.so.0']);
    });

    it.skipIf(!present)('takes every symbol from the system versioned, except what Node itself provides', () => {
      const loose = dynamicSymbols(file)
        .filter((s) => s.undefined && !s.weak && !/^(GLIBC|GCC)_/.test(s.version))
        .map((s) => s.name)
        .filter((name) => !/^(napi_|node_api_)/.test(name));
      expect(loose).toEqual([]);
    });
  });
});

describe.skipIf(!hasPrebuild || !hasObjdump)('the prebuild’s system floor', () => {
  it('the gloo library needs no more than Debian 12, whose libgloo0 it links', () => {
    const gloo = `${dir}/flint_gloo.so`;
    if (!existsSync(gloo)) return void console.warn('prebuild-floor.test.ts: no flint_gloo.so in the prebuild (built without libgloo-dev)');
    expect(aboveFloor(gloo, GLOO_FLOOR)).toEqual([]);
  });

  it('the floor check itself sees a version above the floor', () => {
    expect(compare('2.28', ADDON_FLOOR.GLIBC)).toBe(1);
    expect(compare('3.4.30', GLOO_FLOOR.GLIBCXX)).toBe(0);
    expect(compare('2.9', '2.35')).toBe(-1);
    // A file linked against this machine's glibc needs more than 2.27.
    expect(aboveFloor(process.execPath, { GLIBC: '2.17' }).length).toBeGreaterThan(0);
  });

  // Node and the prebuild on Ubuntu 20.04's glibc 2.31, libstdc++ (GLIBCXX_3.4.28) and
  // libgcc_s, through that glibc's own dynamic loader: the system the old prebuild refused.
  // (Not under npm run test:asan, whose preloaded ASan runtime is this machine's.)
  it.skipIf(!existsSync(oldSystem) || process.env.FLINT_SANITIZED === '1')('runs a training step on Ubuntu 20.04’s glibc and libstdc++', () => {
    const libs = `${oldSystem}/lib/x86_64-linux-gnu`;
    const libraryPath = `${libs}:${oldSystem}/usr/lib/x86_64-linux-gnu`; // glibc, then libstdc++
    const script = `
      import torch from ${JSON.stringify(`${root}dist/src/index.js`)};
      const header = process.report.getReport().header;
      torch.manualSeed(42);
      const x = torch.rand([2, 3]);
      const a = x.matmul(x.t());
      console.log(a.toString());
      console.log(torch.linalg.inv(a).toString());
      const layer = new torch.nn.Linear(3, 2);
      layer.forward(x).pow(2).sum().backward();
      console.log(layer.weight.grad.sum().item().toFixed(4));
      console.log(header.glibcVersionRuntime);
      // A library linked against this machine's glibc does not load here.
      try { process.dlopen({ exports: {} }, ${JSON.stringify(`${dir}/flint_gloo.so`)}); console.log('loaded'); }
      catch (error) { console.log(/version .GLIBC_2\.3[2-9]. not found/.test(error.message) ? 'refused' : error.message); }
    `;
    const result = spawnSync(`${libs}/ld-linux-x86-64.so.2`, ['--library-path', libraryPath, process.execPath, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, FLINT_ADDON_PATH: addon },
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    // torch.manual_seed(42); x = torch.rand(2, 3); a = x @ x.t(); print(a, torch.linalg.inv(a)), PyTorch 1.13
    expect(lines.slice(0, 4).join('\n')).toBe(
      'tensor([[1.7622, 1.4337],\n        [1.4337, 1.4338]])\ntensor([[ 3.0429, -3.0427],\n        [-3.0427,  3.7399]])',
    );
    // the same step in PyTorch 1.13: layer.weight.grad.sum() after l(x).pow(2).sum().backward()
    expect(lines[4]).toBe('5.9344');
    expect(lines[5]).toBe('2.31');
    if (existsSync(`${dir}/flint_gloo.so`)) expect(lines[6]).toBe('refused');
  });
});
