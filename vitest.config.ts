import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // A cheaper scrypt cost for the suite's many sign-ins (see the file).
    setupFiles: ['test/helpers/fast-passwords.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file gets its own database; two cores, so two files at a time.
    maxWorkers: 2,
    pool: 'forks',
  },
});
