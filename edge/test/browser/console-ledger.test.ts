// The ledger in the console, in chromium against the real edge and PostgreSQL: the Sales page (a
// seeded day's exact net in the chart and the table, the store filter and the date range), a
// store-day's transactions and a Transaction page (lines with returned quantities, a timeline
// linked to keys and Bronze rows), close-a-day (closed, audited, refused in words the second time,
// a later sale for the day held LATE_EVENT_OUTSIDE_WINDOW and listed with its reason in words), and
// an over-return's details in words. Screenshots: test-results/screenshots/, and docs/screenshots
// (sales.png, transaction.png) for the README.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { chromiumMissing, closeDevice, openDevice, requireChromium, SHOTS, type Device } from './chromium.js';
import { startHarness, type Harness } from './harness.js';

requireChromium();

const DOCS = path.join(projectRoot, 'docs/screenshots');

describe.skipIf(chromiumMissing)('the ledger in the console', () => {
  let h: Harness;
  let desktop: Device;
  let page: Page;
  const foreignRequests: string[] = [];
  const problems: string[] = [];
  let overReturn: string;

  const shot = async (name: string, docs = false) => {
    const file = path.join(SHOTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
    if (docs) copyFileSync(file, path.join(DOCS, `${name.replace(/^\d+-/, '')}.png`));
  };
  /** A posting as text, so that its amounts keep their zeros (40.10). */
  const post = async (eventId: string, fields: string) => (await h.http('/v1/events', {
    method: 'POST', key: h.producerKey, headers: { 'content-type': 'application/json' },
    body: `{"schema_version": "1.0", "tenant_id": "${h.tenant}", "source_system": "pos_sim", "event_id": "${eventId}",
      "source_event_id": "src-${eventId}", "currency": "USD", ${fields}}`,
  })).body;
  const sale = (eventId: string, store: string, day: string, txn: string, total: string, lines: string) =>
    post(eventId, `"event_type": "SALE", "store_id": "${store}", "occurred_at": "${day}T12:00:00Z", "txn_id": "${txn}",
      "total_amount": ${total}, "line_items": ${lines}`);
  const salesPage = async (filter: Record<string, unknown>) => {
    await page.goto(`${h.url}/admin/#/sales?filter=${encodeURIComponent(JSON.stringify(filter))}`);
    await page.getByRole('heading', { name: 'Daily net sales by store' }).waitFor();
  };
  const salesRows = () => page.locator('tbody tr');
  const rowOf = (day: string, store: string) => salesRows().filter({ hasText: day }).filter({ hasText: store });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    mkdirSync(DOCS, { recursive: true });
    h = await startHarness('console_ledger');
    const seeded = [
      await sale('s0', 'store_001', '2026-02-24', 'S0', '5.25', '[{"sku": "SKU-CCC", "qty": 1, "amount": 5.25}]'),
      await sale('s1', 'store_001', '2026-02-25', 'S1', '40.10', '[{"sku": "SKU-AAA", "qty": 4, "amount": 40.10}]'),
      await sale('s2', 'store_001', '2026-02-25', 'S2', '10.00', '[{"sku": "SKU-BBB", "qty": 1, "amount": 10.00}]'),
      await sale('s3', 'store_002', '2026-02-26', 'S3', '7.50', '[{"sku": "SKU-BBB", "qty": 1, "amount": 7.50}]'),
      await post('r1', `"event_type": "RETURN", "store_id": "store_001", "occurred_at": "2026-02-25T15:00:00Z", "txn_id": "R1",
        "original_txn_id": "S1", "total_amount": 10.03, "line_items": [{"sku": "SKU-AAA", "qty": 1, "amount": 10.03}]`),
    ];
    expect(seeded.map((a) => a.result)).toEqual(Array(5).fill('processed'));
    const over = await post('r2', `"event_type": "RETURN", "store_id": "store_001", "occurred_at": "2026-02-25T16:00:00Z", "txn_id": "R2",
      "original_txn_id": "S1", "total_amount": 40.10, "line_items": [{"sku": "SKU-AAA", "qty": 4, "amount": 40.10}]`);
    expect(over).toMatchObject({ result: 'quarantined', reason_code: 'CANNOT_EXCEED_ORIGINAL' });
    overReturn = over.exception_id;

    desktop = await openDevice(new URL(h.url).origin, { width: 1440, height: 900 }, foreignRequests, problems);
    page = desktop.page;
    await page.goto(`${h.url}/admin/`);
    await page.getByLabel('Operator key').fill(h.operatorKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Health', level: 1 }).waitFor();
  }, 120_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) await shot(`failed-ledger-${ctx.task.name.replace(/\W+/g, '-').slice(0, 50)}`);
  });

  afterAll(async () => {
    await closeDevice(desktop);
    await h?.stop();
  });

  test('the Sales page shows a day\'s net exactly as PostgreSQL wrote it, in the chart and the table', async () => {
    await salesPage({ tenant_id: h.tenant });
    await rowOf('2026-02-25', 'store_001').waitFor();
    const day = rowOf('2026-02-25', 'store_001');
    // 40.10 + 10.00 - 10.03; sales 50.10 (its zero kept); returns 10.03 of 50.10 = 20.02 %.
    await expect.poll(() => day.locator('td').allInnerTexts()).toEqual(expect.arrayContaining(['40.07', '50.10', '10.03', '20.02 %', '0.00 %', 'Open']));
    const chart = page.getByRole('figure', { name: 'Daily net sales by store' });
    await chart.getByRole('img').getByLabel('store_001 on 2026-02-25: 40.07 USD').waitFor();
    expect(await chart.locator('svg text').allTextContents()).toEqual(expect.arrayContaining(['40.07', '5.25', '7.50']));
    await shot('21-sales', true);
  });

  test('the store filter and the date range choose the days', async () => {
    await salesPage({ tenant_id: h.tenant });
    await rowOf('2026-02-26', 'store_002').waitFor();
    await expect.poll(() => salesRows().count()).toBe(3);

    await page.getByRole('combobox', { name: 'Store' }).click();
    await page.getByRole('option', { name: 'store_002' }).click();
    await expect.poll(() => salesRows().allInnerTexts()).toEqual([expect.stringContaining('2026-02-26')]);

    await salesPage({ tenant_id: h.tenant });
    await rowOf('2026-02-24', 'store_001').waitFor();
    await page.getByLabel('From', { exact: true }).fill('2026-02-25');
    await page.getByLabel('To', { exact: true }).fill('2026-02-25');
    await expect.poll(() => salesRows().allInnerTexts()).toEqual([expect.stringContaining('40.07')]);
    expect(await page.getByRole('figure', { name: 'Daily net sales by store' }).locator('rect').count()).toBe(1);
  });

  test('a store-day opens its transactions; a transaction shows its lines, what was returned and its timeline, linked', async () => {
    await salesPage({ tenant_id: h.tenant, store_id: 'store_001' });
    await rowOf('2026-02-25', 'store_001').getByRole('link', { name: 'Its transactions' }).click();
    await page.getByRole('link', { name: 'R1' }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(3);
    await page.getByRole('link', { name: 'S1', exact: true }).click();

    await page.getByRole('heading', { name: 'Transaction S1 (store store_001)', level: 1 }).waitFor();
    const lines = page.getByRole('table', { name: 'Lines of the transaction, as corrected, with the quantity returned of each' });
    expect(await lines.locator('tbody tr').allInnerTexts()).toEqual([expect.stringMatching(/^1\s+SKU-AAA\s+4\s+40\.10\s+1$/)]);
    const facts = page.getByRole('region', { name: 'Transaction', exact: true });
    await facts.getByText('30.07 USD').waitFor();
    const timeline = page.getByRole('table', { name: 'Postings in the order posted, superseded ones included' });
    const postings = timeline.locator('tbody tr');
    expect(await postings.count()).toBe(2);
    expect(await postings.nth(0).innerText()).toMatch(/Sale[\s\S]*S1[\s\S]*40\.10[\s\S]*4 × SKU-AAA[\s\S]*Posted[\s\S]*s1[\s\S]*Bronze #/);
    expect(await postings.nth(1).innerText()).toMatch(/Return[\s\S]*R1[\s\S]*10\.03[\s\S]*1 × SKU-AAA[\s\S]*r1/);
    await shot('22-transaction', true);

    const { rows: [raw] } = await h.pool.query(`select raw_id::text from ledger.events_raw where tenant_id = $1 and idempotency_key = 'r1'`, [h.tenant]);
    await postings.nth(1).getByRole('link', { name: `Bronze #${raw.raw_id}` }).click();
    await page.getByRole('heading', { name: `Bronze event #${raw.raw_id}` }).first().waitFor();
    // And back, from the Bronze row to its transaction.
    await page.getByRole('link', { name: 'store_001 / R1' }).click();
    await page.getByRole('heading', { name: 'Transaction R1 (store store_001)', level: 1 }).waitFor();
    await page.getByRole('region', { name: 'Transaction', exact: true }).getByRole('link', { name: 'S1' }).waitFor();
    await page.getByRole('table', { name: /^Postings/ }).getByRole('link', { name: 'r1' }).click();
    await page.getByRole('heading', { name: 'Key r1' }).first().waitFor();
    await page.getByRole('link', { name: 'store_001 / R1' }).waitFor();
  });

  test('an over-return\'s details in words, with its original sale one click away', async () => {
    await page.goto(`${h.url}/admin/#/exceptions/${overReturn}/show`);
    const why = page.getByRole('region', { name: 'Why it is held' });
    await why.getByText('Returns 4 of SKU-AAA, 3 left to return (sale S1: 4 sold, 1 returned before).').waitFor();
    await why.getByRole('link', { name: 'Open the original sale S1' }).click();
    await page.getByRole('heading', { name: 'Transaction S1 (store store_001)', level: 1 }).waitFor();
  });

  test('close-a-day: closed and audited, refused in words the second time; a later sale for it is held, its reason in words', async () => {
    await salesPage({ tenant_id: h.tenant, store_id: 'store_001' });
    await rowOf('2026-02-25', 'store_001').waitFor();
    const closeDay = async (notes: string) => {
      await page.getByRole('button', { name: 'Close a day…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Close a business day' });
      expect(await dialog.getByLabel('Tenant').inputValue()).toBe(h.tenant);
      expect(await dialog.getByLabel('Store').inputValue()).toBe('store_001');
      await dialog.getByLabel('Business day').fill('2026-02-25');
      await dialog.getByLabel('Notes').fill(notes);
      await dialog.getByRole('button', { name: 'Close the day' }).click();
      return dialog;
    };
    const first = await closeDay('till counted');
    await page.getByText('Closed: 2026-02-25 of store_001.').waitFor();
    await first.waitFor({ state: 'detached' });
    await rowOf('2026-02-25', 'store_001').getByText('Closed').waitFor();
    const { rows: audit } = await h.pool.query(
      `select actor, notes from ledger.audit_log where tenant_id = $1 and action = 'business_day.closed'`, [h.tenant]);
    expect(audit).toEqual([{ actor: `operator:${h.operatorName}`, notes: 'till counted' }]);

    const again = await closeDay('once more');
    await again.getByRole('alert').filter({ hasText: 'Conflict (409 Conflict): business day 2026-02-25 of store_001 is already closed. Nothing was changed.' }).waitFor();
    await again.getByRole('button', { name: 'Cancel' }).click();

    const late = await sale('s9', 'store_001', '2026-02-25', 'S9', '5.00', '[{"sku": "SKU-AAA", "qty": 1, "amount": 5.00}]');
    expect(late).toMatchObject({ result: 'quarantined', reason_code: 'LATE_EVENT_OUTSIDE_WINDOW' });
    await page.goto(`${h.url}/admin/#/exceptions?filter=${encodeURIComponent(JSON.stringify({ status: 'open', tenant_id: h.tenant }))}`);
    const row = page.locator('tbody tr').filter({ hasText: 's9' });
    await row.getByText('Business day closed').waitFor();
    await row.getByText('Business day 2026-02-25 of store store_001 is closed.').waitFor();
    expect(await page.locator('tbody tr').filter({ hasText: 'r2' }).innerText()).toContain('Returns 4 of SKU-AAA, 3 left to return');
  });

  test('nothing left the machine, and every string had its translation', () => {
    expect(foreignRequests).toEqual([]);
    expect(problems).toEqual([]);
  });
});
