// The console's ledger API over real HTTP: /admin/api/sales (Gold's days with rates, exact, by store
// and date range), /admin/api/transactions (by escaped id, with lines and timeline) and POST
// /admin/api/business-days (close a day: refused field by field, 409 once closed, operators only,
// audited; a sale onto the closed day is then quarantined LATE_EVENT_OUTSIDE_WINDOW).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
const get = (path: string) => h.http('GET', path, { key: h.operatorKey });
const list = (resource: string, filter: unknown, sort?: [string, string]) =>
  get(`/admin/api/${resource}?filter=${encodeURIComponent(JSON.stringify(filter))}${sort ? `&sort=${encodeURIComponent(JSON.stringify(sort))}` : ''}`);
const close = (body: unknown, key = h.operatorKey) => h.http('POST', '/admin/api/business-days', { key, body });

/** A sale (or, with `of`, a return of that txn) written as text, so its amounts keep their zeros. */
const postingText = (eventId: string, txnId: string, total: string, lines: string, extra = '') =>
  `{"schema_version": "1.0", "tenant_id": ${JSON.stringify(h.tenant)}, "store_id": "store_001", "source_system": "pos_sim",
    "event_id": "${eventId}", "source_event_id": "src-${eventId}", "event_type": "SALE", "occurred_at": "2026-02-25T10:00:00Z",
    "txn_id": ${JSON.stringify(txnId)}, "currency": "USD", "total_amount": ${total}, "line_items": ${lines}${extra}}`;
const post = async (text: string) =>
  (await h.http('POST', '/v1/events', { key: h.producerKey, raw: text, headers: { 'content-type': 'application/json' } })).json;

beforeAll(async () => {
  h = await startHarness('admin_ledger');
  expect((await post(postingText('al-s1', 'T/1%', '40.10', '[{"sku": "SKU-AAA", "qty": 4, "amount": 40.10}]'))).result).toBe('processed');
  expect((await post(postingText('al-s2', 'T2', '10.00', '[{"sku": "SKU-BBB", "qty": 1, "amount": 10.00}]'))).result).toBe('processed');
  expect((await post(postingText('al-s3', 'T3', '7.50', '[{"sku": "SKU-BBB", "qty": 1, "amount": 7.50}]')
    .replace('"store_001"', '"store_002"').replace('2026-02-25T10', '2026-02-26T10'))).result).toBe('processed');
  expect((await post(postingText('al-r1', 'R1', '10.03', '[{"sku": "SKU-AAA", "qty": 1, "amount": 10.03}]', ', "original_txn_id": "T/1%"')
    .replace('"SALE"', '"RETURN"'))).result).toBe('processed');
});
afterAll(() => h?.close());

describe('GET /admin/api/sales', () => {
  test('a store\'s day: counts, amounts and net as PostgreSQL writes them, with its rates', async () => {
    const r = await list('sales', { tenant_id: h.tenant, store_id: 'store_001' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-range')).toBe('sales 0-0/1');
    expect(r.text).toMatch(/"net_amount": 40\.07[,}]/);
    expect(r.text).toMatch(/"sales_amount": 50\.10[,}]/);
    expect(r.text).toMatch(/"return_rate": 20\.02[,}]/);
    expect(r.json[0]).toMatchObject({ store_id: 'store_001', business_date: '2026-02-25', sales_count: 2, returns_count: 1, closed: false });
    const { rows: [own] } = await h.owner.query(`select records from ledger.list_console_daily_sales($1::jsonb)`,
      [JSON.stringify({ tenant_id: h.tenant, store_id: 'store_001' })]);
    expect(r.text).toBe(own.records);
  });

  test('the date range and the store filter choose the days', async () => {
    expect((await list('sales', { tenant_id: h.tenant })).json.map((d: any) => d.store_id)).toEqual(['store_001', 'store_002']);
    expect((await list('sales', { tenant_id: h.tenant, from_date: '2026-02-26', to_date: '2026-02-26' })).json.map((d: any) => d.store_id))
      .toEqual(['store_002']);
    expect((await list('sales', { tenant_id: h.tenant, store_id: 'store_002', to_date: '2026-02-25' })).json).toEqual([]);
    expect((await list('sales', { tenant_id: h.tenant }, ['business_date', 'DESC'])).json[0].store_id).toBe('store_002');
  });

  test('a date that is not one is a 422 on its filter, never a 500', async () => {
    for (const from_date of ['2026-02-30', 'today', 20260225]) {
      const r = await list('sales', { from_date });
      expect(r.status).toBe(422);
      expect(r.json.errors).toEqual([{ path: 'filter.from_date', message: 'must be a date, e.g. 2026-02-25' }]);
    }
    expect((await list('sales', { __proto__: 1, constructor: 1 })).status).toBe(422);
    expect((await get('/admin/api/sales/anything')).status).toBe(404);
  });

  test('the stores, for the store filter', async () => {
    const r = await list('stores', { tenant_id: h.tenant });
    expect(r.json.map((s: any) => s.id)).toEqual([`${h.tenant}/store_001`, `${h.tenant}/store_002`]);
  });
});

describe('GET /admin/api/transactions', () => {
  const id = () => `${h.tenant}/store_001/T%2F1%25`;

  test('a store\'s day lists its current postings, each with the id of its transaction', async () => {
    const r = await list('transactions', { tenant_id: h.tenant, store_id: 'store_001', business_date: '2026-02-25' }, ['posting_id', 'ASC']);
    expect(r.json.map((t: any) => [t.txn_id, t.kind])).toEqual([['T/1%', 'sale'], ['T2', 'sale'], ['R1', 'return']]);
    expect(r.json[0].id).toBe(id());
  });

  test('one transaction: current values, lines with what was returned, its timeline with keys and Bronze rows', async () => {
    const r = await get(`/admin/api/transactions/${encodeURIComponent(id())}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: id(), txn_id: 'T/1%', kind: 'sale', status: 'posted' });
    expect(r.text).toMatch(/"remaining_total": 30\.07[,}]/);
    expect(r.json.lines).toEqual([{ line_no: 1, sku: 'SKU-AAA', qty: 4, amount: 40.1, returned: 1 }]);
    expect(r.json.timeline.map((p: any) => [p.kind, p.idempotency_key])).toEqual([['sale', 'al-s1'], ['return', 'al-r1']]);
    const { rows } = await h.owner.query('select raw_id::text from ledger.events_raw where idempotency_key = any($1) order by raw_id', [['al-s1', 'al-r1']]);
    expect(r.json.timeline.map((p: any) => String(p.raw_id))).toEqual(rows.map((row) => row.raw_id));
  });

  test('an unknown transaction is 404, an id that is not one 422', async () => {
    expect((await get(`/admin/api/transactions/${encodeURIComponent(`${h.tenant}/store_001/nope`)}`)).status).toBe(404);
    const r = await get(`/admin/api/transactions/${encodeURIComponent(`${h.tenant}/store_001`)}`);
    expect(r.status).toBe(422);
    expect(r.json.errors[0].path).toBe('id');
  });
});

describe('POST /admin/api/business-days', () => {
  test('each field that does not fit is named; nothing is closed', async () => {
    const r = await close({ tenant_id: h.tenant, business_date: '2026-02-31', notes: ' ', extra: 1 });
    expect(r.status).toBe(422);
    expect(r.json.errors.map((e: any) => e.path).sort()).toEqual(['business_date', 'extra', 'notes']);
    expect((await close({ tenant_id: 'no_such_tenant', business_date: '2026-02-25', notes: 'x' })).json.errors).toEqual([{ path: 'tenant_id', message: 'unknown tenant' }]);
    expect((await h.http('POST', '/admin/api/business-days', { key: h.operatorKey, raw: '{', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await h.http('POST', '/admin/api/business-days', { key: h.operatorKey, raw: '{}', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await h.owner.query('select count(*)::int as n from ledger.business_days where tenant_id = $1', [h.tenant])).rows[0].n).toBe(0);
  });

  test('a producer key cannot close a day', async () => {
    expect((await close({ tenant_id: h.tenant, business_date: '2026-02-25', notes: 'x' }, h.producerKey)).status).toBe(403);
  });

  test('an operator closes a store\'s day, audited; again is a 409 said in words; a sale onto it is then held', async () => {
    const r = await close({ tenant_id: h.tenant, store_id: 'store_001', business_date: '2026-02-25', notes: 'end of day' });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ tenant_id: h.tenant, store_id: 'store_001', business_date: '2026-02-25', notes: 'end of day' });
    const again = await close({ tenant_id: h.tenant, store_id: 'store_001', business_date: '2026-02-25', notes: 'again' });
    expect(again.status).toBe(409);
    expect(again.json.detail).toBe('business day 2026-02-25 of store_001 is already closed');
    const { rows: [audit] } = await h.owner.query(
      `select actor, notes from ledger.audit_log where tenant_id = $1 and action = 'business_day.closed'`, [h.tenant]);
    expect(audit).toEqual({ actor: expect.stringMatching(/^operator:/), notes: 'end of day' });
    expect((await list('sales', { tenant_id: h.tenant, store_id: 'store_001' })).json[0].closed).toBe(true);

    const late = await post(postingText('al-late', 'T9', '5.00', '[{"sku": "SKU-AAA", "qty": 1, "amount": 5.00}]'));
    expect(late).toMatchObject({ result: 'quarantined', reason_code: 'LATE_EVENT_OUTSIDE_WINDOW' });
  });
});
