// npm run test:reliability — the long reliability suite (docs/RELIABILITY.md). Files are named
// *.rel.ts so the normal suite (test/**/*.test.ts) never picks them up; their short versions
// live in test/reliability-short/ and run in `npm test`. One file at a time: each wants the
// machine's two cores to itself.
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: path.resolve(import.meta.dirname, '../..'),
  test: {
    include: ['test/reliability/**/*.rel.ts', 'test/http/fuzz*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    env: { OPSGATE_FUZZ_RUNS: '10000' },
    testTimeout: 30 * 60_000,
    hookTimeout: 10 * 60_000,
    maxWorkers: 1,
    fileParallelism: false,
    pool: 'forks',
  },
});
