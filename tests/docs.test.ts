// `npm run docs` (typedoc over src/index.ts) keeps working: no errors and no warnings
// (broken {@link}s, unresolvable types), so that the API pages can be generated any time.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('API reference', () => {
  it('typedoc reads the TSDoc of every export with no error or warning', () => {
    const typedoc = spawnSync(process.execPath, [`${root}node_modules/typedoc/bin/typedoc`, '--emit', 'none', '--treatWarningsAsErrors'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    expect(typedoc.stdout + typedoc.stderr).toBe('');
    expect(typedoc.status).toBe(0);
  }, 180_000);
});
