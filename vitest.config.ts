import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The tests import src/ directly, which includes the generated side of the native boundary:
// make it current first (a no-op when nothing changed).
execFileSync(process.execPath, ['scripts/generate-bindings.mjs'], { stdio: 'inherit' });

export default defineConfig({
  // Tests import the package by its name, as users do; it resolves to the sources.
  resolve: { alias: [{ find: /^flint-torch$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }] },
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Native addon + worker_threads: forks keep each test file in its own process.
    pool: 'forks',
  },
});
