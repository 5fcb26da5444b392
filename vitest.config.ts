import { defineConfig } from 'vitest/config';

// Integration tests talk to real servers that test/global-setup.ts starts once per run
// (Temporal dev server, FerretDB or mongod); each test file starts what is its own (simulator, API).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
