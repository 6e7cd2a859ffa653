// One PostgreSQL 16 for the whole vitest run: the embedded server (or TEST_DATABASE_URL's), with a
// migrated template that each test file clones into a database of its own (see support.ts).
import type { TestProject } from 'vitest/node';
// @ts-expect-error: a plain ESM script shared with the benchmarks
import { startTestServer } from '../../scripts/lib/testdb.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startTestServer();
  project.provide('adminUrl', server.adminUrl);
  return async () => {
    await server.stop();
  };
}
