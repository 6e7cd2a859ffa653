import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['edge/test/**/*.test.ts', 'admin/src/**/*.test.ts'],
    globalSetup: ['edge/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files share one PostgreSQL server but each works in a database of its own.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
