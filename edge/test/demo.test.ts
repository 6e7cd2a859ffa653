import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness('demo'); });
afterAll(() => h.close());

const runDemo = (run: string) => promisify(execFile)('node', ['scripts/demo.mjs'], {
  env: { ...process.env, LS_URL: h.url, LS_PRODUCER_KEY: h.producerKey, LS_OPERATOR_KEY: h.operatorKey, LS_TENANT: h.tenant, DEMO_RUN: run },
});

test('npm run demo: the simulator demo, then a ledger day whose early return heals, and its net sales from Gold', async () => {
  const { stdout } = await runDemo('r1');
  expect(stdout).not.toContain('FAIL');
  expect(stdout.match(/^ok {3}.*$/gm)).toHaveLength(15);
  for (const reason of ['IDEMPOTENCY_CONFLICT', 'UNKNOWN_EVENT_TYPE', 'CANNOT_EXCEED_ORIGINAL', 'MISSING_REFERENCE', 'TOTALS_MISMATCH']) {
    expect(stdout).toContain(`HTTP 202 quarantined ${reason}`);
  }
  expect(stdout).toMatch(/early return healed when T2 posted: exception resolved, auto_replay by system/);
  expect(stdout).toMatch(/transaction T1 as it stands: total 40(\.0+)?, returned 15(\.0+)?, left 25(\.0+)?; lines SKU-AAA 2 x 30(\.0+)? \(returned 1\)/);

  // The figures printed are Gold's, and Gold is what Silver says.
  const [gold] = (await h.owner.query(`select net_amount::text, sales_count, returns_count, corrections_count, reversals_count
                                        from ledger.get_daily_sales($1, 'store-r1', '2026-02-25', '2026-02-25')`, [h.tenant])).rows;
  expect(gold).toEqual({ net_amount: expect.stringMatching(/^45(\.0+)?$/), sales_count: '3', returns_count: '2', corrections_count: '1', reversals_count: '1' });
  expect(stdout).toContain(`net sales of store-r1 on 2026-02-25: ${gold.net_amount} USD`);
  const [{ reconcile }] = (await h.owner.query('select ledger.reconcile($1) as reconcile', [h.tenant])).rows;
  expect(reconcile).toMatchObject({ balanced: true, drift: [] });

  const health = JSON.parse(stdout.slice(stdout.indexOf('health: ') + 8));
  expect(health.counts).toMatchObject({ events_raw: 13, exceptions_open: 4, idempotency: { processed: 7, quarantined: 4, ignored: 0 } });
});

test('a second run of the demo shows the same outcomes (its ids and store are its own)', async () => {
  const { stdout } = await runDemo('r2');
  expect(stdout).not.toContain('FAIL');
  expect(stdout.match(/^ok {3}.*$/gm)).toHaveLength(15);
});
