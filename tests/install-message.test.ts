// Where no prebuild loads and the source build fails, `npm install` ends with one message
// (scripts/install-native.cjs): the prebuilt platforms, what a source build needs on each
// system, the build's telling lines and where its whole log is, not node-gyp's forty lines.
// Played here by a copy of the package with no prebuilds/ and no build/, on a machine made to
// lack OpenBLAS.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe.skipIf(process.platform !== 'linux')('the install step where nothing loads and the build fails', () => {
  it('prints one message with the platforms, the build requirements, the cause and the log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-install-'));
    try {
      for (const file of ['package.json', 'binding.gyp']) cpSync(join(root, file), join(dir, file));
      mkdirSync(join(dir, 'scripts'));
      for (const file of ['install-native.cjs', 'check-openblas.cjs', 'native-sources.cjs', 'generate-bindings.mjs']) {
        cpSync(join(root, 'scripts', file), join(dir, 'scripts', file));
      }
      symlinkSync(join(root, 'native'), join(dir, 'native'));
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
      const result = spawnSync(process.execPath, ['scripts/install-native.cjs'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, OPENBLAS_HOME: join(dir, 'no-openblas'), FLINT_OPENBLAS_ONLY_HOME: '1', FLINT_ADDON_PATH: '' },
        timeout: 120_000,
      });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain('flint-torch: no prebuilt native addon loads on linux-');
      const message = result.stderr.trim().split('\n');
      expect(message[0]).toMatch(/^flint-torch: the native addon could not be built on linux-(x64|arm64), glibc \d+\.\d+\.$/);
      const text = result.stderr;
      expect(text).toContain('Prebuilt (installs with no compiler): linux-x64 with glibc 2.27 or later');
      expect(text).toContain('linux-arm64 with glibc 2.31 or later');
      expect(text).toContain('Debian/Ubuntu:  apt-get install -y build-essential python3 libopenblas-dev');
      expect(text).toContain('macOS:');
      // the cause, from the build's own lines
      expect(text).toMatch(/OpenBLAS was not found/);
      // and not node-gyp's stack, environment and command lines
      expect(text).not.toMatch(/gyp ERR! (stack\s+at |System|command|cwd)/);
      expect(message.length).toBeLessThan(30);
      const log = /The whole build log: (\S+)/.exec(text)?.[1];
      expect(log && existsSync(log)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
