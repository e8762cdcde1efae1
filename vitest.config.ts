import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Native addon + worker_threads: forks keep each test file in its own process.
    pool: 'forks',
  },
});
