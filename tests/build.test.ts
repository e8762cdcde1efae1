// Build plumbing that a user meets before any tensor exists.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('build', () => {
  it('fails early and names the package to install when OpenBLAS is missing', () => {
    const result = spawnSync(process.execPath, ['scripts/check-openblas.cjs', '--libs'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_HOME: '/nonexistent', FLINT_OPENBLAS_ONLY_HOME: '1' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('OpenBLAS was not found');
    expect(result.stderr).toContain('apt-get install -y libopenblas-dev');
  });

  it('finds OpenBLAS here, for both node-gyp and cmake-js', () => {
    const result = spawnSync(process.execPath, ['scripts/check-openblas.cjs', '--cflags'], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/\//);
  });

  it('binding.gyp and CMakeLists.txt both build from native/sources.txt, which lists every source', () => {
    const sources = readFileSync(`${root}native/sources.txt`, 'utf8').split(/\s+/).filter(Boolean);
    const listed = spawnSync(process.execPath, ['scripts/native-sources.cjs'], { cwd: root, encoding: 'utf8' });
    expect(listed.stdout.split(' ')).toEqual(sources);
    expect(readFileSync(`${root}binding.gyp`, 'utf8')).toContain('scripts/native-sources.cjs');
    expect(readFileSync(`${root}CMakeLists.txt`, 'utf8')).toContain('native/sources.txt');
    const onDisk = spawnSync('find', ['native', '-name', '*.cc'], { cwd: root, encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .sort();
    expect([...sources].sort()).toEqual(onDisk);
  });

  it('never compiles with -march=native', () => {
    expect(readFileSync(`${root}binding.gyp`, 'utf8')).not.toContain('march=native');
    expect(readFileSync(`${root}CMakeLists.txt`, 'utf8')).not.toContain('march=native');
  });
});
