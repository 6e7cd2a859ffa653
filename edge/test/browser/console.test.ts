// The ops console in a real browser (playwright-core driving Debian's chromium) against the real
// edge and PostgreSQL: log in, read the dashboard, open a conflict and its diff, replay it with a
// patch, ignore another, assign a third; read-only pages; a phone-sized screen; logout, and a key
// the server refuses (the login page says so). console-truth.test.ts: exact numbers, refusals.
// Screenshots land in test-results/screenshots/.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { chromiumMissing, closeDevice, openDevice, requireChromium, SHOTS, type Device } from './chromium.js';
import { startHarness, type Harness } from './harness.js';

requireChromium();

describe.skipIf(chromiumMissing)('the console in chromium', () => {
  let h: Harness;
  let desktop: Device;
  let page: Page;
  const foreignRequests: string[] = [];
  const problems: string[] = [];
  let conflict: string;
  let unknownType: string;
  let toAssign: string;

  const shot = async (name: string, on: Page = page) => {
    await on.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
  };
  const region = (name: string | RegExp, on: Page = page) => on.getByRole('region', { name });
  const keyOf = (tenant: string, key: string) => encodeURIComponent(`${tenant}/${key}`);
  const logIn = async (on: Page) => {
    await on.getByLabel('Operator key').fill(h.operatorKey);
    await on.keyboard.press('Enter');
    await on.getByRole('heading', { name: 'Health', level: 1 }).waitFor();
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    h = await startHarness('console', 'tenant_console');
    await h.ingest('sale-1');
    await h.ingest('sale-1');
    // A return of one line of sale-1, which posts.
    await h.ingest('sale-2', { event_type: 'RETURN', original_txn_id: 'txn-sale-1', total_amount: 12.5, line_items: [{ sku: 'SKU-BBB', qty: 1, amount: 12.5 }] });
    await h.ingest('conflict-1');
    conflict = (await h.ingest('conflict-1', { total_amount: 45, line_items: [{ sku: 'SKU-AAA', qty: 1, amount: 45 }] })).exception_id;
    unknownType = (await h.ingest('magic-1', { event_type: 'MAGIC' })).exception_id;
    toAssign = (await h.ingest('magic-2', { event_type: 'MAGIC' })).exception_id;
    await h.http('/v1/events', { method: 'POST', key: h.producerKey, json: { tenant_id: h.tenant, event_id: 'broken' } });
    desktop = await openDevice(new URL(h.url).origin, { width: 1280, height: 800 }, foreignRequests, problems);
    page = desktop.page;
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) await shot(`failed-${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}`);
  });

  afterAll(async () => {
    await closeDevice(desktop);
    await h?.stop();
  });

  test('the console is built and served at /admin/', async () => {
    expect(existsSync(path.join(projectRoot, 'admin/dist/index.html')), 'admin/dist/index.html: run npm run build').toBe(true);
    const r = await fetch(`${h.url}/admin/`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<div id="root">');
  });

  test('logging in with the operator key, by keyboard', async () => {
    await page.goto(`${h.url}/admin/`);
    await page.getByRole('heading', { name: 'Ledger-Safe console' }).waitFor();
    await page.getByLabel('Operator key').fill('lsk_not_a_key');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'unknown or revoked' }).waitFor();
    await page.getByRole('textbox', { name: 'Operator key' }).fill(h.producerKey);
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'not an operator key' }).waitFor();
    await shot('01-login');
    await logIn(page);
    expect(await page.evaluate(() => sessionStorage.getItem('ledger-safe.operator-key'))).toBe(h.operatorKey);
  }, 60_000);

  test('the dashboard counts are those of /v1/health, with the charts, and it refreshes itself', async () => {
    const { counts } = (await h.http('/v1/health')).body;
    const expected: [string, number][] = [
      ['Bronze events', counts.events_raw], ['Open exceptions', counts.exceptions_open], ['Rejections', counts.rejections],
      ['Keys processed', counts.idempotency.processed], ['Keys quarantined', counts.idempotency.quarantined],
      ['Keys ignored', counts.idempotency.ignored],
    ];
    expect(counts).toMatchObject({ events_raw: 7, exceptions_open: 3, rejections: 1 });
    for (const [name, value] of expected) {
      await region(name).getByTestId('count').filter({ hasText: new RegExp(`^${value}$`) }).waitFor();
    }
    await page.getByRole('figure', { name: 'Arrivals per minute, last hour' }).getByText('7 arrivals in the last hour: 3 processed, 1 duplicate, 3 quarantined, 0 ignored.').waitFor();
    await page.getByRole('figure', { name: 'Open exceptions by reason' }).getByText('Unknown event type: 2, Idempotency conflict: 1').waitFor();
    await region('Oldest open exception').getByRole('link', { name: 'Open it' }).waitFor();
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    await shot('02-dashboard');
    await page.getByRole('button', { name: /The counts as JSON/ }).click();
    await region(/The counts as JSON/).getByText(`"events_raw": ${counts.events_raw}`).waitFor();

    await h.ingest('sale-3');
    await region('Bronze events').getByTestId('count').filter({ hasText: /^8$/ }).waitFor({ timeout: 25_000 });
  }, 60_000);

  test('a conflict: the held arrival beside the canonical payload, field by field', async () => {
    await page.getByRole('menuitem', { name: 'Exceptions' }).click();
    await page.getByRole('link', { name: 'conflict-1' }).click();
    await page.getByRole('heading', { name: 'Exception: conflict-1', level: 1 }).waitFor();
    const payloads = region('Held arrivals against the canonical payload');
    const diff = payloads.getByRole('table', { name: /Canonical \(#\d+\) compared with Arrival #\d+/ });
    await diff.locator('tr[data-change="changed"]', { hasText: 'total_amount' }).waitFor();
    await expect(diff.locator('tr[data-change="changed"]').count()).resolves.toBe(2);
    await expect(diff.locator('tr[data-change="removed"]').count()).resolves.toBe(3);
    await diff.locator('tr[data-change="removed"]', { hasText: 'line_items[1].sku' }).waitFor();
    await payloads.getByText('2 changed').waitFor();
    await payloads.getByText('3 removed').waitFor();
    await region('State of the key').getByText('Quarantined').waitFor();
    await region('Audit trail').getByText('system').waitFor();
    await shot('03-exception-diff');
  }, 60_000);

  test('replaying with a merge patch: server errors on the field, a live preview, then the new state and its audit row', async () => {
    await page.getByRole('button', { name: 'Resolve…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Resolve the exception on conflict-1' });
    const patch = dialog.getByRole('textbox', { name: 'Merge patch' });
    const notes = dialog.getByRole('textbox', { name: 'Notes' });

    await patch.fill('{"total_amount": ');
    await dialog.getByText('The preview appears once the patch is a JSON object.').waitFor();
    await patch.fill('{"total_amount": 77, "line_items": [{"sku": "SKU-AAA", "qty": 1, "amount": 77}], "note": "fixed by ops"}');
    const preview = dialog.getByRole('region', { name: 'Payload that will be replayed' });
    await preview.getByText('"total_amount": 77').waitFor();
    // Against what downstream systems hold now (the key's canonical payload, two lines), not the
    // chosen arrival (one line): the second line is shown removed.
    const previewDiff = dialog.getByRole('table', { name: 'What the replay changes in the key’s current canonical payload' });
    await previewDiff.locator('tr[data-change="added"]', { hasText: 'note' }).waitFor();
    await previewDiff.locator('tr[data-change="changed"]', { hasText: 'total_amount' }).waitFor();
    await previewDiff.locator('tr[data-change="removed"]', { hasText: 'line_items[1].sku' }).waitFor();
    await notes.fill('Amount corrected with the store: 77.00');
    await page.screenshot({ path: path.join(SHOTS, '04-resolve-dialog.png'), animations: 'disabled' });

    await patch.fill('{"event_type": "NOT_ALLOWED"}');
    await dialog.getByRole('button', { name: 'Replay' }).click();
    await dialog.getByText('event_type NOT_ALLOWED is not in the allowlist').waitFor();
    expect(await patch.getAttribute('aria-invalid')).toBe('true');
    await patch.fill('{"total_amount": 77, "line_items": [{"sku": "SKU-AAA", "qty": 1, "amount": 77}], "note": "fixed by ops"}');
    await dialog.getByRole('button', { name: 'Replay' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await region('Exception').getByText('Resolved', { exact: true }).first().waitFor();
    await region('State of the key').getByText('Processed').waitFor();
    // After the replay: the held arrival says it was resolved, and the new canonical payload is named for what it is.
    const now = region('Canonical payload now');
    await now.getByText(/^Canonical \(#\d+, patched\)$/).waitFor();
    await now.getByText('"note": "fixed by ops"').waitFor();
    await region('Held arrivals against the canonical payload').getByText('Resolved: replayed').first().waitFor();
    await region('Held arrivals against the canonical payload').getByRole('table', { name: /Canonical \(#\d+, patched\) compared with Arrival #\d+/ }).first().waitFor();
    const audit = region('Audit trail');
    await audit.getByRole('row', { name: /Resolved.*Amount corrected with the store: 77\.00/ }).waitFor();
    await audit.getByRole('row', { name: /Opened.*system/ }).waitFor();
    await shot('05-resolved');

    const key = (await h.http(`/admin/api/idempotency-keys/${keyOf(h.tenant, 'conflict-1')}`)).body;
    expect(key).toMatchObject({ status: 'processed', canonical_payload: { total_amount: 77, note: 'fixed by ops' } });
    const rows = (await h.http(`/admin/api/audit-log?filter=${encodeURIComponent(JSON.stringify({ exception_id: conflict }))}`)).body;
    expect(rows.map((r: any) => [r.action, r.actor])).toEqual([
      ['exception.resolved', `operator:${h.operatorName}`], ['exception.opened', 'system']]);
  }, 90_000);

  test('ignoring another exception, with the keyboard', async () => {
    await page.goto(`${h.url}/admin/#/exceptions/${unknownType}/show`);
    await page.getByRole('heading', { name: 'Exception: magic-1', level: 1 }).waitFor();
    await page.getByText('The key has no canonical payload yet', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Resolve…' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Resolve the exception on magic-1' });
    await dialog.getByRole('radio', { name: 'Replay (with an optional patch)' }).focus();
    await page.keyboard.press('ArrowDown');
    expect(await dialog.getByRole('radio', { name: 'Ignore the key (no replay)' }).isChecked()).toBe(true);
    await dialog.getByRole('textbox', { name: 'Merge patch' }).waitFor({ state: 'detached' });
    await dialog.getByRole('textbox', { name: 'Notes' }).fill('Test device, not a real sale');
    await dialog.getByRole('button', { name: 'Ignore the key' }).focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    await region('State of the key').getByText('Ignored').waitFor();
    await region('Audit trail').getByRole('row', { name: /Resolved.*Test device/ }).waitFor();
    expect((await h.http(`/admin/api/idempotency-keys/${keyOf(h.tenant, 'magic-1')}`)).body.status).toBe('ignored');
  }, 60_000);

  test('assigning to me, then to someone, audited', async () => {
    await page.goto(`${h.url}/admin/#/exceptions/${toAssign}/show`);
    await page.getByRole('heading', { name: 'Exception: magic-2', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await region('Exception').getByText(`operator:${h.operatorName}`).waitFor();
    await page.getByRole('button', { name: 'Assign to…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Assign the exception on magic-2' });
    // The known operators are offered; another name can be typed.
    const owner = dialog.getByRole('combobox', { name: 'Assigned to' });
    await owner.fill('');
    await owner.click();
    await page.getByRole('option', { name: `operator:${h.operatorName}` }).waitFor();
    await owner.fill('   ');
    await dialog.getByRole('button', { name: 'Assign' }).click();
    await dialog.getByText('must not be empty').waitFor();
    await owner.fill('operator:ann');
    await dialog.getByRole('button', { name: 'Assign' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await region('Exception').getByText('operator:ann').waitFor();
    await region('Audit trail').getByRole('row', { name: /Assigned/ }).nth(1).waitFor();
  }, 60_000);

  test('the read-only pages: Bronze events, keys, audit log, rejections', async () => {
    await page.goto(`${h.url}/admin/#/events?filter=${encodeURIComponent(JSON.stringify({ idempotency_key: 'conflict-1' }))}`);
    const events = page.locator('tbody tr');
    await page.getByRole('link', { name: /^\d+$/ }).nth(1).waitFor();
    expect(await events.count()).toBe(2);
    await page.getByRole('link', { name: /^\d+$/ }).first().click();
    await region('Payload').getByText('"event_id": "conflict-1"').waitFor();

    await page.goto(`${h.url}/admin/#/idempotency-keys`);
    await page.getByRole('link', { name: 'sale-2' }).click();
    await page.getByRole('heading', { name: 'Key sale-2', level: 2 }).waitFor();
    await region('Canonical payload').getByText('"event_type": "RETURN"').waitFor();
    await region('Arrivals of this key (Bronze)').getByText('Processed').waitFor();

    await page.goto(`${h.url}/admin/#/audit-log`);
    await page.getByText('Amount corrected with the store: 77.00').waitFor();

    await page.goto(`${h.url}/admin/#/rejections`);
    await page.getByRole('link', { name: /^\d+$/ }).first().click();
    await region(/Rejection #\d+/).getByText('tenant_console').waitFor();
    await region('Body (first 4 KiB)').getByText('"event_id": "broken"').waitFor();
  }, 60_000);

  test('readable on a phone, 390 px wide', async () => {
    const phone = await openDevice(new URL(h.url).origin, { width: 390, height: 844 }, foreignRequests, problems);
    try {
      const p = phone.page;
      const overflow = () => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      await p.goto(`${h.url}/admin/`);
      await logIn(p);
      await region('Bronze events', p).getByTestId('count').waitFor();
      await p.locator('.recharts-bar-rectangle').first().waitFor();
      expect(await overflow()).toBeLessThanOrEqual(0);
      await shot('06-phone-dashboard', p);
      await p.getByRole('button', { name: 'Open menu' }).click();
      await p.getByRole('menuitem', { name: 'Exceptions' }).click();
      // The key leads its row's first line (the age follows it there); the second line reads txn-magic-2.
      await p.getByText(/^magic-2/).waitFor();
      expect(await overflow()).toBeLessThanOrEqual(0);
      await shot('07-phone-exceptions', p);
      await p.goto(`${h.url}/admin/#/exceptions/${conflict}/show`);
      await p.getByRole('heading', { name: 'Exception: conflict-1', level: 1 }).waitFor();
      await region('Audit trail', p).getByText(/Amount corrected/).waitFor();
      await shot('08-phone-exception', p);
      expect(await overflow()).toBeLessThanOrEqual(0);
    } finally {
      await closeDevice(phone);
    }
  }, 90_000);

  test('logging out, and a key that stops working returns to the login page', async () => {
    await page.goto(`${h.url}/admin/#/`);
    await page.getByRole('button', { name: 'Profile' }).click();
    await page.getByRole('menuitem', { name: 'Logout' }).click();
    await page.getByLabel('Operator key').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('ledger-safe.operator-key'))).toBeNull();

    await logIn(page);
    await page.evaluate(() => sessionStorage.setItem('ledger-safe.operator-key', 'lsk_revoked_meanwhile'));
    await page.reload();
    await page.getByLabel('Operator key').waitFor();
    await page.getByRole('alert').filter({ hasText: 'The server refused your key (401)' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('ledger-safe.operator-key'))).toBeNull();
    await logIn(page);
    await page.getByRole('button', { name: 'Profile' }).click();
    await page.getByRole('menuitem', { name: 'Logout' }).click();
    await page.getByLabel('Operator key').waitFor();
    expect(await page.getByRole('alert').count(), 'a new login forgets the refusal').toBe(0);
  }, 60_000);

  test('no request left the machine, no page error, no missing translation', () => {
    expect(foreignRequests).toEqual([]);
    expect(problems).toEqual([]);
  });
});

