// `npm test`: the whole suite on one throwaway PostgreSQL 16 (embedded, or TEST_DATABASE_URL):
// pgTAP (db/tests), then vitest (edge/test: integration, concurrency, browser). Prints the counts
// and exits non-zero on any failure.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });

const { installPgtap } = await import('./lib/pgtap.mjs');
const { runPgtap } = await import('./lib/pgtap-runner.mjs');
const { startTestServer } = await import('./lib/testdb.mjs');

const server = await startTestServer({ beforeMigrate: () => process.env.TEST_DATABASE_URL || installPgtap(root) });
let pgtap;
let vitest = { passed: 0, failed: 0, skipped: 0 };
try {
  console.log('# pgTAP (db/tests)');
  pgtap = await runPgtap(await server.createDatabase('ledger_pgtap'), path.join(root, 'db/tests'));

  console.log('\n# vitest (edge/test)');
  mkdirSync(path.join(root, 'test-results'), { recursive: true });
  const report = path.join(root, 'test-results/vitest.json');
  rmSync(report, { force: true });
  // Asynchronously: this process also drains the embedded PostgreSQL's log pipe, and a blocked
  // event loop lets that pipe fill until every PostgreSQL process that logs stalls.
  const status = await new Promise((resolve) => {
    const child = spawn('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], {
      cwd: root, stdio: 'inherit', env: { ...process.env, TEST_DATABASE_URL: server.adminUrl },
    });
    child.on('close', (code) => resolve(code));
  });
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    // A file whose setup failed counts as a failed suite with its tests merely skipped: count it
    // (once; a file or describe block with failing tests is counted by its tests).
    const brokenFiles = json.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')).length;
    const failed = json.numFailedTests + brokenFiles;
    vitest = { passed: json.numPassedTests, failed: failed + (status !== 0 && failed === 0 ? 1 : 0),
      skipped: json.numPendingTests + json.numTodoTests };
  } catch {
    vitest.failed = 1;
    console.log('vitest produced no report');
  }
} finally {
  await server.stop();
}

const passed = pgtap.passed + vitest.passed;
const failed = pgtap.failed + vitest.failed;
console.log(`\npgTAP ${pgtap.passed} passed, ${pgtap.failed} failed; vitest ${vitest.passed} passed, ${vitest.failed} failed, ${vitest.skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
