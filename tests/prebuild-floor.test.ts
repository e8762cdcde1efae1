// The oldest system the linux-x64 prebuild loads on, checked from the symbol versions its
// files need (objdump -T): glibc 2.35 and libstdc++'s GLIBCXX_3.4.30, i.e. Debian 12 and
// Ubuntu 22.04 or later. A change that raises the floor fails here, and must move the
// README's platform table and install-native.cjs's message with it.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = `${root}prebuilds/linux-x64`;
const FLOOR: Record<string, string> = { GLIBC: '2.35', GLIBCXX: '3.4.30', CXXABI: '1.3.13', GCC: '7.0.0' };

const hasPrebuild = existsSync(dir);
const hasObjdump = spawnSync('objdump', ['--version']).status === 0;
if (!hasPrebuild || !hasObjdump) {
  console.warn(`prebuild-floor.test.ts: SKIPPED: ${!hasPrebuild ? 'no prebuilds/linux-x64 here; run `npm run prebuild` first (.ci/run does)' : 'no objdump'}`);
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

describe.skipIf(!hasPrebuild || !hasObjdump)('the prebuild’s system floor', () => {
  it('the addon and the gloo library need no symbol version above the floor, and the addon is tagged glibc', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.node') || f.endsWith('.so'));
    expect(files).toContain('flint-torch.glibc.node');
    const above: string[] = [];
    for (const file of files) {
      const dump = spawnSync('objdump', ['-T', `${dir}/${file}`], { encoding: 'utf8' }).stdout;
      for (const [, lib, version] of dump.matchAll(/\((GLIBCXX|CXXABI|GLIBC|GCC)_([0-9.]+)\)/g)) {
        if (compare(version, FLOOR[lib]) > 0) above.push(`${file}: ${lib}_${version}`);
      }
    }
    expect([...new Set(above)]).toEqual([]);
  });

  it('the floor check itself sees a version above the floor', () => {
    expect(compare('2.36', FLOOR.GLIBC)).toBe(1);
    expect(compare('3.4.30', FLOOR.GLIBCXX)).toBe(0);
    expect(compare('2.9', '2.35')).toBe(-1);
  });
});
