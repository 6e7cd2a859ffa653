// `npm run test:db`: pgTAP only, on a throwaway embedded PostgreSQL 16.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installPgtap } from './lib/pgtap.mjs';
import { runPgtap } from './lib/pgtap-runner.mjs';
import { startTestServer } from './lib/testdb.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const server = await startTestServer({ beforeMigrate: () => process.env.TEST_DATABASE_URL || installPgtap(root) });
try {
  const summary = await runPgtap(await server.createDatabase('ledger_pgtap'), path.join(root, 'db/tests'));
  console.log(`pgTAP: ${summary.passed} passed, ${summary.failed} failed`);
  process.exitCode = summary.failed ? 1 : 0;
} finally {
  await server.stop();
}
