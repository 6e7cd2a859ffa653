// The console in chromium says what the server did, and shows what producers and operators wrote:
// numbers beyond a double and trailing zeros on screen, in a patch sent as typed and in an export;
// a success message only after a 2xx; a key revoked mid-session (Assign, Resolve) returns to the
// login page, which says the key was refused; 403, 409, 500 and 503 said as what they are; labelled
// buttons on a 390 px screen. The edge here trusts a key lookup for 0 ms, so a revocation counts
// from the next request, and it logs in as ledger_edge, as in production.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createKey, revokeKey } from '../../src/keys.js';
import { startHarness, type Harness } from '../harness.js';
import { chromiumMissing, closeDevice, openDevice, requireChromium, SHOTS, type Device } from './chromium.js';

requireChromium();

const BIG = '12345678901234567890123.45';
const BIG_CONFLICT = '12345678901234567890123.46';
const PATCH_BIG = '98765432109876543210.10';

describe.skipIf(chromiumMissing)('the console tells the truth', () => {
  let h: Harness;
  let desktop: Device;
  let page: Page;
  const foreignRequests: string[] = [];
  const problems: string[] = [];
  const exceptions: Record<string, string> = {};
  let exactRawId: string;

  const post = async (eventId: string, total = '42.5', type = 'SALE') => (await h.http('POST', '/v1/events', {
    key: h.producerKey, headers: { 'content-type': 'application/json' },
    raw: `{"schema_version": "1.0", "tenant_id": "${h.tenant}", "store_id": "store_001", "source_system": "pos_sim",
      "event_id": "${eventId}", "event_type": "${type}", "occurred_at": "2026-02-25T00:00:00Z", "txn_id": "txn-${eventId}",
      "currency": "USD", "total_amount": ${total}, "line_items": [{"sku": "SKU-AAA", "qty": 1, "amount": 40.0}]}`,
  })).json;
  const owner = (sql: string, params: unknown[] = []) => h.owner.query(sql, params);
  const operatorKey = async (name: string) => {
    const client = await h.owner.connect();
    try { return await createKey(client, 'operator', null, name); } finally { client.release(); }
  };
  const revoke = async (keyId: string) => {
    const client = await h.owner.connect();
    try { expect(await revokeKey(client, keyId)).toBe(true); } finally { client.release(); }
  };
  const logIn = async (secret: string) => {
    await page.goto(`${h.url}/admin/#/login`);
    await page.getByLabel('Operator key').fill(secret);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Health', level: 1 }).waitFor();
  };
  const openException = async (name: string, on: Page = page) => {
    await on.goto(`${h.url}/admin/#/exceptions/${exceptions[name]}/show`);
    await on.getByRole('heading', { name: `Exception: ${name}`, level: 1 }).waitFor();
  };
  const region = (name: string | RegExp, on: Page = page) => on.getByRole('region', { name });
  /** Every notification shown since the tab opened, kept across reloads. */
  const notices = async (): Promise<string[]> => page.evaluate(() => JSON.parse(sessionStorage.getItem('test.notices') ?? '[]'));
  const refusedLogin = () => page.getByRole('alert').filter({ hasText: 'The server refused your key (401)' }).waitFor();
  const exceptionRow = async (name: string) =>
    (await owner('select status, assigned_to, resolution_action from ledger.exceptions where exception_id = $1', [exceptions[name]])).rows[0];
  const auditActions = async (name: string) =>
    (await owner('select array_agg(action order by audit_id) as actions from ledger.audit_log where exception_id = $1', [exceptions[name]]))
      .rows[0].actions;

  beforeAll(async () => {
    h = await startHarness('console_truth', {}, 0);
    exactRawId = String((await post('exact-1', BIG)).raw_id);
    exceptions['exact-1'] = (await post('exact-1', BIG_CONFLICT)).exception_id;
    for (const name of ['assign-401', 'resolve-401', 'resolve-409', 'assign-refused', 'phone-1']) {
      exceptions[name] = (await post(name, '42.5', 'MAGIC')).exception_id;
    }
    desktop = await openDevice(new URL(h.url).origin, { width: 1280, height: 800 }, foreignRequests, problems);
    page = desktop.page;
    await desktop.context.addInitScript(() => {
      new MutationObserver(() => {
        const seen: string[] = JSON.parse(sessionStorage.getItem('test.notices') ?? '[]');
        for (const message of document.querySelectorAll('.MuiSnackbarContent-message')) {
          const text = message.textContent ?? '';
          if (text && !seen.includes(text)) seen.push(text);
        }
        sessionStorage.setItem('test.notices', JSON.stringify(seen));
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) {
      await page.screenshot({ path: `${SHOTS}/failed-truth-${ctx.task.name.replace(/\W+/g, '-').slice(0, 50)}.png`, fullPage: true });
    }
  });

  afterAll(async () => {
    await closeDevice(desktop);
    await h?.close();
  });

  test('numbers as written: on screen, in a patch sent as typed, in the export', async () => {
    await logIn(h.operatorKey);
    await page.goto(`${h.url}/admin/#/events/${exactRawId}/show`);
    await region('Payload').getByText(`"total_amount": ${BIG}`).waitFor();
    await region('Payload').getByText('"amount": 40.0').waitFor();

    await openException('exact-1');
    const diff = region('Held arrivals against the canonical payload').getByRole('table', { name: /compared with/ });
    await diff.locator('tr[data-change="changed"]', { hasText: BIG_CONFLICT }).filter({ hasText: BIG }).waitFor();

    await page.getByRole('button', { name: 'Resolve…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Resolve the exception on exact-1' });
    await dialog.getByRole('textbox', { name: 'Merge patch' }).fill(`{"total_amount": 40.0, "adjustment": ${PATCH_BIG}}`);
    const preview = dialog.getByRole('region', { name: 'Payload that will be replayed' });
    await preview.getByText('"total_amount": 40.0').waitFor();
    await preview.getByText(`"adjustment": ${PATCH_BIG}`).waitFor();
    await dialog.getByRole('textbox', { name: 'Notes' }).fill('exact amounts');
    await dialog.getByRole('button', { name: 'Replay' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Replayed: the key is processed.').waitFor();

    const { rows: [stored] } = await owner(
      "select canonical_payload::text as payload from ledger.events_processed where tenant_id = $1 and idempotency_key = 'exact-1'", [h.tenant]);
    expect(stored.payload).toContain('"total_amount": 40.0,');
    expect(stored.payload).toContain(`"adjustment": ${PATCH_BIG}`);
    await page.goto(`${h.url}/admin/#/idempotency-keys/${encodeURIComponent(`${h.tenant}/exact-1`)}/show`);
    await region('Canonical payload').getByText('"total_amount": 40.0').waitFor();

    await page.goto(`${h.url}/admin/#/exceptions?filter=${encodeURIComponent(JSON.stringify({ status: 'resolved' }))}`);
    await page.getByRole('link', { name: 'exact-1' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv).toContain('""total_amount"":40.0');
    expect(csv).toContain(`""adjustment"":${PATCH_BIG}`);
    expect(await notices()).toEqual(['Replayed: the key is processed.']);
  }, 90_000);

  test('a key revoked mid-session: Assign to me claims nothing, and the login page says the key was refused', async () => {
    const key = await operatorKey('revoked while assigning');
    await logIn(key.secret);
    await openException('assign-401');
    await revoke(key.keyId);
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await refusedLogin();
    expect(await exceptionRow('assign-401')).toMatchObject({ status: 'open', assigned_to: null });
    expect(await auditActions('assign-401')).toEqual(['exception.opened']);
    expect((await notices()).filter((n) => /Assigned to/.test(n))).toEqual([]);
  }, 60_000);

  test('a key revoked mid-session: Resolve claims nothing, and the login page says the key was refused', async () => {
    const key = await operatorKey('revoked while resolving');
    await logIn(key.secret);
    await openException('resolve-401');
    await page.getByRole('button', { name: 'Resolve…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Resolve the exception on resolve-401' });
    await dialog.getByRole('radio', { name: 'Ignore the key (no replay)' }).check();
    await dialog.getByRole('textbox', { name: 'Notes' }).fill('not a real sale');
    await revoke(key.keyId);
    await dialog.getByRole('button', { name: 'Ignore the key' }).click();
    await refusedLogin();
    expect(await exceptionRow('resolve-401')).toMatchObject({ status: 'open', resolution_action: null });
    expect(await auditActions('resolve-401')).toEqual(['exception.opened']);
    expect((await notices()).filter((n) => /Resolved:/.test(n))).toEqual([]);
  }, 60_000);

  test('409: resolved elsewhere meanwhile, said as a conflict, and the page shows what is', async () => {
    await logIn(h.operatorKey);
    await openException('resolve-409');
    await page.getByRole('button', { name: 'Resolve…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Resolve the exception on resolve-409' });
    await dialog.getByRole('radio', { name: 'Ignore the key (no replay)' }).check();
    await dialog.getByRole('textbox', { name: 'Notes' }).fill('second opinion');
    const elsewhere = await h.http('POST', `/v1/exceptions/${exceptions['resolve-409']}/resolve`, {
      key: h.operatorKey, body: { action: 'mark_resolved_no_replay', resolution_notes: 'first opinion' } });
    expect(elsewhere.status).toBe(200);
    await dialog.getByRole('button', { name: 'Ignore the key' }).click();
    await dialog.getByRole('alert').filter({ hasText: /^Conflict \(409 Conflict\): .*already resolved\. Nothing was changed/ }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await region('Exception').getByText('Resolved', { exact: true }).first().waitFor();
    expect((await owner('select resolution_notes from ledger.exceptions where exception_id = $1', [exceptions['resolve-409']])).rows[0])
      .toEqual({ resolution_notes: 'first opinion' });
    expect((await notices()).filter((n) => /Resolved:/.test(n))).toEqual([]);
  }, 60_000);

  test('403, 503 and 500 on Assign to me: each said as what it is, nothing claimed; then a 2xx is', async () => {
    await openException('assign-refused');
    const assign = page.getByRole('button', { name: 'Assign to me' });
    const said = async (pattern: RegExp) => {
      await page.locator('.MuiSnackbarContent-message').filter({ hasText: pattern }).waitFor();
      await page.keyboard.press('Escape');
      await page.locator('.MuiSnackbarContent-message').waitFor({ state: 'detached' });
    };

    await owner('revoke execute on function ledger.assign_exception(uuid, text) from ledger_operator');
    try {
      await assign.click();
      await said(/^Refused \(403 Forbidden\): .*\. Nothing was changed\.$/);
    } finally {
      await owner('grant execute on function ledger.assign_exception(uuid, text) to ledger_operator');
    }

    // The database failing as it can while assigning: a serialization failure (503: retry), an internal error (500).
    const failures: [string, RegExp][] = [
      ['40001', /^The server failed \(503 Service Unavailable\): .*Whether the change was made is not known/],
      ['XX000', /^The server failed \(500 Internal Server Error\): .*Whether the change was made is not known/],
    ];
    for (const [sqlstate, pattern] of failures) {
      await owner(`create function public.fail_for_test() returns trigger language plpgsql as $$
        begin raise exception 'injected by the test' using errcode = '${sqlstate}'; end $$`);
      await owner('create trigger fail_for_test before update on ledger.exceptions for each row execute function public.fail_for_test()');
      try {
        await assign.click();
        await said(pattern);
      } finally {
        await owner('drop trigger fail_for_test on ledger.exceptions');
        await owner('drop function public.fail_for_test()');
      }
    }
    expect(await exceptionRow('assign-refused')).toMatchObject({ status: 'open', assigned_to: null });
    expect((await notices()).filter((n) => /Assigned to/.test(n))).toEqual([]);

    await assign.click();
    await page.locator('.MuiSnackbarContent-message').filter({ hasText: 'Assigned to operator:operator-ops.' }).waitFor();
    expect(await exceptionRow('assign-refused')).toMatchObject({ assigned_to: 'operator:operator-ops' });
  }, 90_000);

  test('on a 390 px screen every action is a labelled button: the toolbar, the assign and resolve dialogs', async () => {
    const phone = await openDevice(new URL(h.url).origin, { width: 390, height: 844 }, foreignRequests, problems);
    try {
      const p = phone.page;
      await p.goto(`${h.url}/admin/#/login`);
      await p.getByLabel('Operator key').fill(h.operatorKey);
      await p.keyboard.press('Enter');
      await p.getByRole('heading', { name: 'Health', level: 1 }).waitFor();
      await openException('phone-1', p);
      /** Each control's visible text, which must be its accessible name. */
      const labels = async (within: ReturnType<Page['getByRole']>) => {
        const controls = within.locator('button, a');
        await controls.first().waitFor();
        const out: string[] = [];
        for (const control of await controls.all()) {
          const text = (await control.innerText()).trim();
          const box = await control.boundingBox();
          expect(text, await control.evaluate((e) => e.outerHTML.slice(0, 200))).not.toBe('');
          expect(box!.width, text).toBeGreaterThan(box!.height);
          out.push(text);
        }
        return out;
      };
      const toolbar = p.getByRole('toolbar', { name: 'Actions on this exception' });
      expect(await labels(toolbar)).toEqual(['LIST', 'ASSIGN TO ME', 'ASSIGN TO…', 'RESOLVE…']);
      await p.screenshot({ path: `${SHOTS}/09-phone-actions.png`, animations: 'disabled' });

      await toolbar.getByRole('button', { name: 'Assign to…' }).click();
      const assign = p.getByRole('dialog', { name: 'Assign the exception on phone-1' });
      expect(await labels(assign.locator('.MuiDialogActions-root'))).toEqual(['CANCEL', 'ASSIGN']);
      await assign.getByRole('button', { name: 'Cancel' }).click();
      await assign.waitFor({ state: 'hidden' });

      await toolbar.getByRole('button', { name: 'Resolve…' }).click();
      const resolve = p.getByRole('dialog', { name: 'Resolve the exception on phone-1' });
      expect(await labels(resolve.locator('.MuiDialogActions-root'))).toEqual(['CANCEL', 'REPLAY']);
      await p.screenshot({ path: `${SHOTS}/10-phone-resolve.png`, animations: 'disabled' });
    } finally {
      await closeDevice(phone);
    }
  }, 60_000);

  test('no request left the machine, no page error, no missing translation', () => {
    expect(foreignRequests).toEqual([]);
    expect(problems).toEqual([]);
  });
});
