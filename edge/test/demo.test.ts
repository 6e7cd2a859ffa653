import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness('demo'); });
afterAll(() => h.close());

test('npm run demo replays the simulator demo: 201, 200, 202 conflict, 202 unknown type, then the counts', async () => {
  const { stdout } = await promisify(execFile)('node', ['scripts/demo.mjs'], {
    env: { ...process.env, LS_URL: h.url, LS_PRODUCER_KEY: h.producerKey, LS_OPERATOR_KEY: h.operatorKey, LS_TENANT: h.tenant, DEMO_RUN: 'r1' },
  });
  expect(stdout.match(/^ok {3}.*$/gm)).toHaveLength(4);
  expect(stdout).toContain('HTTP 202 quarantined IDEMPOTENCY_CONFLICT');
  expect(stdout).toContain('HTTP 202 quarantined UNKNOWN_EVENT_TYPE');
  const health = JSON.parse(stdout.slice(stdout.indexOf('health: ') + 8));
  expect(health.counts).toMatchObject({ events_raw: 4, exceptions_open: 2, idempotency: { processed: 0, quarantined: 2, ignored: 0 } });
});
