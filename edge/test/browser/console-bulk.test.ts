// The console at the scale of an incident, in chromium against the real edge and PostgreSQL: rows
// selected and "all N matching this filter", the bulk dialog's dry run (counts and failures) before
// the confirm, the job's progress until it ends, its failures; ageing ("open for", "open longer
// than"), times in UTC with their zone and the local-time setting; assignment from the known
// operators and the Mine / Unassigned shortcuts; replay read against the current canonical payload;
// errors that say what was refused; search by store and transaction. The job worker is slowed so that its progress can be watched.
// Screenshots: test-results/screenshots/ (the bulk ones are also the README's, docs/screenshots).
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { waitFor } from '../faults/processes.js';
import { chromiumMissing, closeDevice, openDevice, requireChromium, SHOTS, type Device } from './chromium.js';
import { startHarness, type Harness } from './harness.js';

requireChromium();

const DOCS = path.join(projectRoot, 'docs/screenshots');

describe.skipIf(chromiumMissing)('bulk resolution, ageing and times in the console', () => {
  let h: Harness;
  let desktop: Device;
  let page: Page;
  const foreignRequests: string[] = [];
  const problems: string[] = [];
  const unknown: string[] = [];
  let oldOne: string;

  const shot = async (name: string, on: Page = page, docs = false) => {
    const file = path.join(SHOTS, `${name}.png`);
    await on.screenshot({ path: file, animations: 'disabled' });
    if (docs) copyFileSync(file, path.join(DOCS, `${name.replace(/^\d+-/, '')}.png`));
  };
  const sql = (text: string, params: unknown[] = []) => h.pool.query(text, params);
  const logIn = async (on: Page) => {
    await on.goto(`${h.url}/admin/`);
    await on.getByLabel('Operator key').fill(h.operatorKey);
    await on.keyboard.press('Enter');
    await on.getByRole('heading', { name: 'Health', level: 1 }).waitFor();
  };
  const exceptionsList = async (filter: Record<string, unknown>, on: Page = page) => {
    await on.goto(`${h.url}/admin/#/exceptions?filter=${encodeURIComponent(JSON.stringify(filter))}&perPage=25`);
  };
  const resolvedBy = async (ids: string[]) =>
    (await sql("select count(*)::int as n from ledger.exceptions where exception_id = any($1) and status = 'resolved'", [ids])).rows[0].n;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    mkdirSync(DOCS, { recursive: true });
    h = await startHarness('console_bulk', 'tenant_bulk', { stepItems: 2, pauseMs: 150, pollMs: 200 });
    for (let i = 0; i < 30; i++) unknown.push((await h.ingest(`till-${String(i).padStart(2, '0')}`, { event_type: 'SALEZ' })).exception_id);
    oldOne = (await h.ingest('stale-1', { event_type: 'LEGACY' })).exception_id;
    await sql("update ledger.exceptions set opened_at = now() - interval '5 hours' where exception_id = $1", [oldOne]);
    desktop = await openDevice(new URL(h.url).origin, { width: 1366, height: 900 }, foreignRequests, problems);
    page = desktop.page;
    await logIn(page);
  }, 120_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) await shot(`failed-bulk-${ctx.task.name.replace(/\W+/g, '-').slice(0, 50)}`);
  });

  afterAll(async () => {
    await closeDevice(desktop);
    await h?.stop();
  });

  test('all 30 matching a filter: dry run, confirm, progress to the end; each exception resolved once, by the job', async () => {
    await exceptionsList({ status: 'open', reason_code: 'UNKNOWN_EVENT_TYPE', q: 'till-' });
    await page.getByRole('link', { name: 'till-29' }).waitFor();
    await page.getByRole('checkbox', { name: 'Select all' }).first().check();
    await page.getByText('25 selected').waitFor();
    await page.getByRole('button', { name: 'Select all 30 matching this filter' }).click();
    await page.getByRole('button', { name: /All 30 matching are selected/ }).waitFor();
    await page.getByRole('button', { name: 'Replay…' }).click();

    const dialog = page.getByRole('dialog', { name: 'Replay 30 exceptions' });
    await dialog.getByText('Every exception that matches the list’s filter: 30 now').waitFor();
    // As sent, every one would fail: the dry run says so and why, and nothing can be confirmed.
    await dialog.getByRole('textbox', { name: 'Notes' }).fill('Till firmware 4.2 sent SALEZ for SALE');
    await dialog.getByRole('button', { name: 'Check (dry run)' }).click();
    await dialog.getByRole('status').filter({ hasText: '30 match: 0 would succeed, 30 would fail.' }).waitFor();
    await dialog.getByRole('table', { name: 'Why the others would fail' }).getByText('REPLAY_VALIDATION_FAILED').waitFor();
    await dialog.getByRole('table', { name: 'Some that would fail' }).getByText('event_type SALEZ is not in the allowlist').first().waitFor();
    expect(await dialog.getByRole('button', { name: /^Replay \d+$/ }).count()).toBe(0);
    await shot('19-bulk-dry-run-failures', page, true);

    await dialog.getByRole('textbox', { name: 'Merge patch' }).fill('{"event_type": "SALE", "total_amount": 42.50}');
    await dialog.getByText('The request changed since the check').waitFor();
    await dialog.getByRole('button', { name: 'Check (dry run)' }).click();
    await dialog.getByRole('status').filter({ hasText: '30 match: 30 would succeed, 0 would fail.' }).waitFor();
    expect(await resolvedBy(unknown)).toBe(0);
    await shot('20-bulk-dialog', page, true);

    await dialog.getByRole('button', { name: 'Replay 30' }).click();
    const progress = dialog.getByRole('progressbar', { name: 'Progress of the job' });
    await progress.waitFor();
    // For the picture, a job under way if it can be caught (the worker is slowed); asserted below is its end.
    await dialog.getByTestId('job-counts').filter({ hasText: /^([1-9]|1\d|2[0-8]) of 30 done/ }).waitFor({ timeout: 5_000 }).catch(() => {});
    await shot('21-bulk-progress', page, true);
    await dialog.getByRole('heading', { name: 'Done: every exception was handled.' }).waitFor({ timeout: 30_000 });
    expect(await progress.getAttribute('aria-valuenow')).toBe('100');
    await dialog.getByTestId('job-counts').filter({ hasText: '30 of 30 done: 30 resolved, 0 failed, 0 skipped' }).waitFor();
    await shot('22-bulk-done', page, true);

    const { rows } = await sql(
      `select count(*)::int as rows, count(distinct exception_id)::int as exceptions, count(distinct job_id)::int as jobs
       from ledger.audit_log where exception_id = any($1) and action = 'exception.resolved'`, [unknown]);
    expect(rows[0]).toEqual({ rows: 30, exceptions: 30, jobs: 1 });
    const key = await sql("select canonical_payload::text as p from ledger.events_processed where idempotency_key = 'till-07'");
    expect(key.rows[0].p).toContain('"total_amount": 42.50');

    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByText('No Exceptions found using the current filters.').waitFor();
  }, 120_000);

  test('selected rows with failures: the job ends failed, with a link to the failures and why', async () => {
    const ids: string[] = [];
    for (const n of [1, 2]) {
      await h.ingest(`mix-ok-${n}`);
      ids.push((await h.ingest(`mix-ok-${n}`, { total_amount: 41 })).exception_id);
    }
    ids.push((await h.ingest('mix-bad-1', { event_type: 'NOPE' })).exception_id);
    await exceptionsList({ status: 'open', q: 'mix-' });
    for (const key of ['mix-ok-1', 'mix-ok-2', 'mix-bad-1']) {
      await page.getByRole('row', { name: new RegExp(key) }).getByRole('checkbox').check();
    }
    await page.getByText('3 selected').waitFor();
    await page.getByRole('button', { name: 'Replay…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Replay 3 exceptions' });
    await dialog.getByRole('textbox', { name: 'Notes' }).fill('replay as sent');
    await dialog.getByRole('button', { name: 'Check (dry run)' }).click();
    await dialog.getByRole('status').filter({ hasText: '3 match: 2 would succeed, 1 would fail.' }).waitFor();
    await dialog.getByRole('button', { name: 'Replay 2' }).click();
    await dialog.getByRole('heading', { name: /Done, with failures/ }).waitFor({ timeout: 30_000 });
    await dialog.getByRole('link', { name: 'See its 1 failure' }).click();
    await page.getByRole('row', { name: /mix-bad-1.*REPLAY_VALIDATION_FAILED.*event_type NOPE is not in the allowlist/ }).waitFor();
    expect(await resolvedBy(ids)).toBe(2);
    await page.goto(`${h.url}/admin/#/jobs`);
    await page.getByRole('row', { name: /Replay \(one merge patch for all\).*Failed/ }).waitFor();
    await page.getByRole('row', { name: /Succeeded/ }).getByRole('link', { name: 'Open' }).click();
    await page.getByRole('heading', { name: 'Replay (one merge patch for all): 30 exceptions', level: 1 }).waitFor();
    await page.getByText('No exception failed or was skipped.').waitFor();
  }, 90_000);

  test('bulk assign to a known operator; Mine and Unassigned; the assignment time shown', async () => {
    await exceptionsList({ status: 'open', q: 'stale' });
    await page.getByRole('link', { name: 'stale-1' }).waitFor();
    // The selection of the list before is react-admin's, kept per resource: start from none.
    if (await page.getByRole('button', { name: 'Unselect' }).isVisible()) await page.getByRole('button', { name: 'Unselect' }).click();
    await page.getByRole('row', { name: /stale-1/ }).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Assign…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Assign 1 exception' });
    await dialog.getByRole('combobox', { name: /Assigned to/ }).click();
    await page.getByRole('option', { name: `operator:${h.operatorName}` }).click();
    await dialog.getByRole('button', { name: 'Check (dry run)' }).click();
    await dialog.getByRole('status').filter({ hasText: '1 match: 1 would succeed' }).waitFor();
    await dialog.getByRole('button', { name: 'Assign 1' }).click();
    await dialog.getByRole('heading', { name: 'Done: every exception was handled.' }).waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Close' }).click();

    await exceptionsList({ status: 'open' });
    await page.getByRole('button', { name: 'Mine' }).click();
    await page.getByRole('link', { name: 'stale-1' }).waitFor();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    // The owner's cell: the row's other times (opened, last arrival) have the same form.
    const owner = page.getByRole('row', { name: /stale-1/ }).getByRole('cell', { name: `operator:${h.operatorName}` })
      .getByText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    await owner.waitFor();
    await page.getByRole('button', { name: 'Mine' }).click();
    await page.getByRole('button', { name: 'Unassigned' }).click();
    await page.getByRole('link', { name: 'mix-bad-1' }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'stale-1' }).count()).toBe(0);
  }, 60_000);

  test('ageing: an "Open for" column and an "Open longer than" filter', async () => {
    await exceptionsList({ status: 'open' });
    await page.getByRole('row', { name: /stale-1/ }).getByText(/^5 h \d+ min$/).waitFor();
    await page.getByRole('combobox', { name: 'Open longer than' }).click();
    await page.getByRole('listbox').getByRole('option', { name: '4 hours' }).click();
    await page.getByRole('link', { name: 'stale-1' }).waitFor();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await shot('23-ageing');
  }, 60_000);

  test('times: 24-hour UTC with the zone shown, and local time by a setting that stays', async () => {
    const device = await openDevice(new URL(h.url).origin, { width: 1280, height: 800 }, foreignRequests, problems, 'Asia/Kolkata');
    try {
      const p = device.page;
      await logIn(p);
      const opened = (await sql('select opened_at from ledger.exceptions where exception_id = $1', [oldOne])).rows[0].opened_at as Date;
      const utc = opened.toISOString().replace('T', ' ').slice(0, 19);
      const local = new Date(opened.getTime() + 5.5 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
      await p.goto(`${h.url}/admin/#/exceptions/${oldOne}/show`);
      const facts = p.getByRole('region', { name: 'Exception' });
      await facts.getByText(`${utc} UTC`).waitFor();
      await p.getByRole('button', { name: 'Local' }).click();
      await facts.getByText(`${local} GMT+5:30`).waitFor();
      await p.reload();
      await facts.getByText(`${local} GMT+5:30`).waitFor();
      await shot('24-local-time', p);
      await p.getByRole('button', { name: 'UTC' }).click();
      await facts.getByText(`${utc} UTC`).waitFor();
      // Nowhere a 12-hour clock or a time without its zone.
      await p.goto(`${h.url}/admin/#/audit-log`);
      await p.locator('tbody tr').first().waitFor();
      const cells = await p.locator('time').allInnerTexts();
      expect(cells.length).toBeGreaterThan(0);
      for (const text of cells) expect(text).toMatch(/^\d{4}-\d{2}-\d{2} ([01]\d|2[0-3]):\d{2}(:\d{2})? UTC$/);
      expect(await p.getByText(/\b(AM|PM)\b/).count()).toBe(0);
    } finally {
      await closeDevice(device);
    }
  }, 60_000);

  test('the audit list shows keys and jobs; a key lists every exception it had', async () => {
    await page.goto(`${h.url}/admin/#/audit-log`);
    await page.getByRole('row', { name: /till-\d\d.*Job [0-9a-f]{8}/ }).first().waitFor();
    await page.goto(`${h.url}/admin/#/idempotency-keys/${encodeURIComponent(`${h.tenant}/mix-ok-1`)}/show`);
    const section = page.getByRole('region', { name: 'Exceptions of this key' });
    await section.getByText('Resolved').first().waitFor();
    await section.getByText('Idempotency conflict').waitFor();
  }, 60_000);

  test('errors that help: a refused filter says which member and why; an unknown or malformed id says so', async () => {
    await exceptionsList({ status: 'open', opened_after: '2026-02-30T00:00:00Z' });
    const alert = page.getByRole('alert').filter({ hasText: 'The server refused this filter' });
    await alert.getByText('must be an RFC 3339 timestamp').waitFor();
    await alert.getByText('filter.opened_after').waitFor();
    await alert.getByRole('button', { name: 'Reset the filters' }).click();
    await page.getByRole('link', { name: 'stale-1' }).waitFor();

    await page.goto(`${h.url}/admin/#/exceptions/not-a-uuid/show`);
    await page.getByRole('alert').filter({ hasText: '“not-a-uuid” is not an exception id: exception ids are UUIDs' }).waitFor();
    const unknownId = '00000000-0000-4000-8000-000000000000';
    await page.goto(`${h.url}/admin/#/exceptions/${unknownId}/show`);
    await page.getByRole('alert').filter({ hasText: `There is no exception ${unknownId}` }).waitFor();
    await page.getByRole('heading', { name: 'No such exception' }).waitFor();
  }, 60_000);

  test('search by business fields: store and txn columns; the exceptions and Bronze events of one store or transaction', async () => {
    await h.ingest('store42-a', { event_type: 'SALEZ', store_id: 'store_042', txn_id: 'txn-10123' });
    await h.ingest('store42-b', { event_type: 'SALEZ', store_id: 'store_042', txn_id: 'txn-10124' });
    await h.ingest('store43-a', { event_type: 'SALEZ', store_id: 'store_043', txn_id: 'txn-10123' });
    await exceptionsList({ status: 'open' });
    await page.getByRole('columnheader', { name: 'Store' }).waitFor();
    await page.getByRole('columnheader', { name: 'Transaction' }).waitFor();
    await page.getByRole('row', { name: /store42-a.*store_042.*txn-10123/ }).waitFor();
    await page.getByRole('button', { name: 'Add filter' }).click();
    await page.getByRole('menuitemcheckbox', { name: 'Store' }).click();
    await page.getByRole('textbox', { name: 'Store' }).fill('store_042');
    await page.getByRole('link', { name: 'store42-b' }).waitFor();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    await page.getByRole('link', { name: 'store42-a' }).waitFor();
    await shot('25-search-store');

    await exceptionsList({ status: 'open', txn_id: 'txn-10123' });
    await page.getByRole('link', { name: 'store43-a' }).waitFor();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);

    await page.goto(`${h.url}/admin/#/events?filter=${encodeURIComponent(JSON.stringify({ store_id: 'store_043' }))}`);
    await page.getByRole('textbox', { name: 'Store' }).waitFor();
    await page.getByRole('row', { name: /store43-a/ }).waitFor();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
  }, 60_000);

  test('no request left the machine, no page error, no missing translation', async () => {
    await waitFor('the last requests to settle', () => true);
    expect(foreignRequests).toEqual([]);
    expect(problems).toEqual([]);
  });
});
