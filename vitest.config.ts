import { execFileSync } from 'node:child_process';
import { defineConfig } from 'vitest/config';

// The tests import src/ directly, which includes the generated side of the native boundary:
// make it current first (a no-op when nothing changed).
execFileSync(process.execPath, ['scripts/generate-bindings.mjs'], { stdio: 'inherit' });

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Native addon + worker_threads: forks keep each test file in its own process.
    pool: 'forks',
  },
});
