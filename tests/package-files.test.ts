// What the published package carries besides code: the licence and the notices that its
// statically linked libraries require in binary copies, the changelog, and source maps
// whose sources travel inside them (the TypeScript sources do not ship).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('package files', () => {
  it('the tarball lists LICENSE, the third-party notices and the changelog, and no TypeScript sources', () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const files = new Set((JSON.parse(result.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
    for (const name of ['LICENSE', 'THIRD_PARTY_NOTICES.md', 'CHANGELOG.md', 'README.md', 'package.json']) expect(files.has(name), name).toBe(true);
    expect([...files].filter((f) => f.startsWith('src/'))).toEqual([]);
    const notices = readFileSync(join(root, 'THIRD_PARTY_NOTICES.md'), 'utf8');
    for (const project of ['OpenBLAS', 'LAPACK', 'libstdc++', 'GCC Runtime Library Exception', 'node-addon-api', 'CUDA runtime']) expect(notices).toContain(project);
  }, 60_000);

  it('every source map in dist/src carries the sources it points at', () => {
    const dir = join(root, 'dist', 'src');
    if (!existsSync(dir)) return; // built by `npm run build` (.ci/run does it before the tests)
    const maps: string[] = [];
    const walk = (d: string) => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(d, entry.name));
        else if (entry.name.endsWith('.js.map')) maps.push(join(d, entry.name));
      }
    };
    walk(dir);
    expect(maps.length).toBeGreaterThan(50);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[]; sourcesContent?: string[] };
      expect(sourcesContent?.length, map).toBe(sources.length);
      expect(sourcesContent!.every((s) => typeof s === 'string' && s.length > 0), map).toBe(true);
    }
  });
});
