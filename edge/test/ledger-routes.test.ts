// The ledger's REST routes: GET /v1/transactions/{store_id}/{txn_id}, GET /v1/sales/daily and
// POST /v1/business-days/close: answers, exact amounts, every refusal, and a producer kept to its
// own tenant.
import { isLosslessNumber, parse } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { envelope } from './support.js';

let h: Harness;
let otherTenant: string;
let otherKey: string;

beforeAll(async () => {
  h = await startHarness('lroutes');
  otherTenant = `${h.tenant}_other`;
  otherKey = await h.producerKeyFor(otherTenant);
});
afterAll(() => h?.close());

const BIG = '12345678901234567890.12';

/** Every number of a JSON text as the digits it was written with. */
const exact = (text: string) => parse(text, undefined, (value) => (isLosslessNumber(value) ? value.value : value)) as any;

async function post(key: string, body: object, expected = 201) {
  const r = await h.http('POST', '/v1/events', { key, body });
  expect(r.status, r.text).toBe(expected);
  return r.json;
}

const sale = (tenant: string, id: string, extra: Record<string, unknown> = {}) => envelope(tenant, id, { store_id: 'store_r', ...extra });
const returnOf = (tenant: string, id: string, original: string, sku: string, qty: number, amount: number) =>
  sale(tenant, id, { event_type: 'RETURN', original_txn_id: `txn-${original}`, total_amount: amount, line_items: [{ sku, qty, amount }] });

describe('GET /v1/transactions/{store_id}/{txn_id}', () => {
  beforeAll(async () => {
    await post(h.producerKey, sale(h.tenant, 't-sale', { line_items: [{ sku: 'SKU-AAA', qty: 2, amount: 30.0 }, { sku: 'SKU-BBB', qty: 1, amount: 12.5 }] }));
    await post(h.producerKey, returnOf(h.tenant, 't-ret', 't-sale', 'SKU-AAA', 1, 15));
  });

  test('a sale as it stands: lines with quantities returned, its timeline with the return', async () => {
    const r = await h.http('GET', '/v1/transactions/store_r/txn-t-sale', { key: h.producerKey });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    const txn = exact(r.text);
    expect(txn).toMatchObject({ tenant_id: h.tenant, store_id: 'store_r', txn_id: 'txn-t-sale', kind: 'sale', status: 'posted', currency: 'USD',
      business_date: '2026-02-25', idempotency_key: 't-sale', total: '42.5', returned_total: '15', remaining_total: '27.5' });
    expect(txn.lines.map((l: any) => [l.sku, l.qty, l.amount, l.returned])).toEqual([['SKU-AAA', '2', '30', '1'], ['SKU-BBB', '1', '12.5', '0']]);
    expect(txn.timeline.map((p: any) => [p.kind, p.idempotency_key, p.total_amount])).toEqual([['sale', 't-sale', '42.5'], ['return', 't-ret', '15']]);
    // Booleans, as the OpenAPI schema says: current postings are not withdrawn (was null).
    expect(txn.timeline.map((p: any) => [p.superseded_by, p.withdrawn])).toEqual([[null, false], [null, false]]);
  });

  test('an operator names the tenant; without it 422 naming tenant_id', async () => {
    const r = await h.http('GET', `/v1/transactions/store_r/txn-t-ret?tenant_id=${h.tenant}`, { key: h.operatorKey });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ kind: 'return', original: { store_id: 'store_r', txn_id: 'txn-t-sale' } });
    const missing = await h.http('GET', '/v1/transactions/store_r/txn-t-ret', { key: h.operatorKey });
    expect(missing.status).toBe(422);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(missing.json.errors).toEqual([{ path: 'tenant_id', message: 'is required' }]);
  });

  test('unknown: 404 problem', async () => {
    const r = await h.http('GET', '/v1/transactions/store_r/txn-never', { key: h.producerKey });
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ status: 404, title: 'Not Found' });
    expect(r.headers.get('content-type')).toContain('application/problem+json');
  });

  test('no key 401; a bad query 422 naming the member', async () => {
    const none = await h.http('GET', '/v1/transactions/store_r/txn-t-sale');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const extra = await h.http('GET', '/v1/transactions/store_r/txn-t-sale?limit=3', { key: h.producerKey });
    expect(extra.status).toBe(422);
    expect(extra.json.errors).toEqual([{ path: 'limit', message: 'is not allowed' }]);
    const badTenant = await h.http('GET', '/v1/transactions/store_r/txn-t-sale?tenant_id=no%20spaces', { key: h.operatorKey });
    expect(badTenant.status).toBe(422);
    expect(badTenant.json.errors[0].path).toBe('tenant_id');
  });

  test('a producer reads its own tenant only: another tenant is 403, its transactions invisible', async () => {
    await post(otherKey, sale(otherTenant, 'o-sale', { total_amount: 7 }));
    const named = await h.http('GET', `/v1/transactions/store_r/txn-o-sale?tenant_id=${otherTenant}`, { key: h.producerKey });
    expect(named.status).toBe(403);
    expect(named.text).not.toMatch(/permission denied|ledger_private|select /i);
    const unnamed = await h.http('GET', '/v1/transactions/store_r/txn-o-sale', { key: h.producerKey });
    expect(unnamed.status).toBe(404);
    const own = await h.http('GET', '/v1/transactions/store_r/txn-o-sale', { key: otherKey });
    expect(own.status).toBe(200);
    expect(own.json.tenant_id).toBe(otherTenant);
  });

  test('a path segment with a \\u0000 is refused, never a 500', async () => {
    const r = await h.http('GET', '/v1/transactions/store_r/txn-%00', { key: h.producerKey });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });

  test('other methods: 405 with Allow', async () => {
    const r = await h.http('DELETE', '/v1/transactions/store_r/txn-t-sale', { key: h.operatorKey });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('exact amounts', () => {
  test(`${BIG} USD goes in and comes out with every digit, in the transaction and in Gold`, async () => {
    const raw = JSON.stringify(sale(h.tenant, 'big', { occurred_at: '2026-03-01T12:00:00Z', line_items: [{ sku: 'SKU-AAA', qty: 1, amount: 0 }] }))
      .replace('"total_amount":42.5', `"total_amount":${BIG}`).replace('"amount":0', `"amount":${BIG}`);
    const posted = await h.http('POST', '/v1/events', { key: h.producerKey, raw, headers: { 'content-type': 'application/json' } });
    expect(posted.status, posted.text).toBe(201);
    const txn = await h.http('GET', '/v1/transactions/store_r/txn-big', { key: h.producerKey });
    expect(txn.text).toContain(`"posted_total": ${BIG}`);
    expect(exact(txn.text).lines[0].amount).toBe(BIG);
    const day = await h.http('GET', '/v1/sales/daily?from=2026-03-01&to=2026-03-01&store_id=store_r', { key: h.producerKey });
    expect(day.status, day.text).toBe(200);
    expect(exact(day.text).items).toEqual([expect.objectContaining({ business_date: '2026-03-01', sales_count: '1', sales_amount: BIG, net_amount: BIG })]);
  });
});

describe('GET /v1/sales/daily', () => {
  beforeAll(async () => {
    await post(h.producerKey, sale(h.tenant, 'd-1', { store_id: 'store_d', occurred_at: '2026-04-01T10:00:00Z', total_amount: 10.25 }));
    await post(h.producerKey, sale(h.tenant, 'd-2', { store_id: 'store_d', occurred_at: '2026-04-02T10:00:00Z', total_amount: 5 }));
    await post(h.producerKey, envelope(h.tenant, 'd-2r', { store_id: 'store_d', occurred_at: '2026-04-02T11:00:00Z', event_type: 'RETURN',
      original_txn_id: 'txn-d-2', total_amount: 1.5, line_items: [{ sku: 'SKU-AAA', qty: 1, amount: 1.5 }] }));
    await post(otherKey, sale(otherTenant, 'd-o', { store_id: 'store_d', occurred_at: '2026-04-01T10:00:00Z', total_amount: 99 }));
  });

  test('days in range, net = sales - returns; the producer sees only its tenant', async () => {
    const r = await h.http('GET', '/v1/sales/daily?store_id=store_d&from=2026-04-01&to=2026-04-30', { key: h.producerKey });
    expect(r.status, r.text).toBe(200);
    expect(exact(r.text).items.map((d: any) => [d.tenant_id, d.business_date, d.sales_count, d.sales_amount, d.returns_count, d.returns_amount, d.net_amount]))
      .toEqual([[h.tenant, '2026-04-01', '1', '10.25', '0', '0', '10.25'], [h.tenant, '2026-04-02', '1', '5', '1', '1.5', '3.5']]);
    const one = await h.http('GET', '/v1/sales/daily?store_id=store_d&from=2026-04-02&to=2026-04-02', { key: h.producerKey });
    expect(one.json.items).toHaveLength(1);
  });

  test('an operator reads every tenant, or the one it names', async () => {
    const all = await h.http('GET', '/v1/sales/daily?store_id=store_d&from=2026-04-01&to=2026-04-01', { key: h.operatorKey });
    expect(all.json.items.map((d: any) => d.tenant_id).sort()).toEqual([h.tenant, otherTenant].sort());
    const named = await h.http('GET', `/v1/sales/daily?tenant_id=${otherTenant}&store_id=store_d&from=2026-04-01&to=2026-04-01`, { key: h.operatorKey });
    expect(named.json.items.map((d: any) => [d.tenant_id, d.net_amount])).toEqual([[otherTenant, 99]]);
  });

  test('another tenant named by a producer: 403', async () => {
    const r = await h.http('GET', `/v1/sales/daily?tenant_id=${otherTenant}&from=2026-04-01&to=2026-04-01`, { key: h.producerKey });
    expect(r.status).toBe(403);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
  });

  test.each([
    ['from=2026-04-01', 'to', 'is required'],
    ['to=2026-04-01', 'from', 'is required'],
    ['from=2026-02-30&to=2026-03-01', 'from', null],
    ['from=2026-04-01&to=tomorrow', 'to', null],
    ['from=0000-01-01&to=0000-01-02', 'from', null],
    ['from=2026-04-02&to=2026-04-01', 'from', 'must not be after to'],
    ['from=2026-01-01&to=2027-01-02', 'to', null],
    ['from=2026-04-01&to=2026-04-01&shard=3', 'shard', 'is not allowed'],
    ['from=2026-04-01&from=2026-04-02&to=2026-04-03', 'from', null],
  ])('%s: 422 naming %s', async (query, path, message) => {
    const r = await h.http('GET', `/v1/sales/daily?${query}`, { key: h.producerKey });
    expect(r.status, r.text).toBe(422);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.json.errors.map((e: any) => e.path)).toContain(path);
    if (message) expect(r.json.errors).toContainEqual({ path, message });
  });

  test('a year of days is allowed (leap years included); no key is 401', async () => {
    const r = await h.http('GET', '/v1/sales/daily?from=2028-01-01&to=2028-12-31', { key: h.producerKey });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ items: [] });
    expect((await h.http('GET', '/v1/sales/daily?from=2026-04-01&to=2026-04-01')).status).toBe(401);
  });
});

describe('POST /v1/business-days/close', () => {
  const close = (key: string | null, body: unknown) => h.http('POST', '/v1/business-days/close', { key, body });

  test('closes a store\'s day, audited; a posting onto it is then held LATE_EVENT_OUTSIDE_WINDOW; closing again is 409', async () => {
    const r = await close(h.operatorKey, { tenant_id: h.tenant, store_id: 'store_c', business_date: '2026-05-01', notes: 'counted the tills' });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ tenant_id: h.tenant, store_id: 'store_c', business_date: '2026-05-01', notes: 'counted the tills', closed_by: 'operator:operator-ops' });
    const { rows } = await h.owner.query(
      "select actor, notes, object_id from ledger.audit_log where tenant_id = $1 and action = 'business_day.closed'", [h.tenant]);
    expect(rows).toEqual([{ actor: 'operator:operator-ops', notes: 'counted the tills', object_id: `${h.tenant}/store_c/2026-05-01` }]);

    const late = await post(h.producerKey, sale(h.tenant, 'late-1', { store_id: 'store_c', occurred_at: '2026-05-01T15:00:00Z' }), 202);
    expect(late.reason_code).toBe('LATE_EVENT_OUTSIDE_WINDOW');
    await post(h.producerKey, sale(h.tenant, 'open-1', { store_id: 'store_other', occurred_at: '2026-05-01T15:00:00Z' }), 201);

    const again = await close(h.operatorKey, { tenant_id: h.tenant, store_id: 'store_c', business_date: '2026-05-01', notes: 'twice' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.json.detail).toMatch(/already closed/);
  });

  test('without store_id: every store of the tenant, answered with store_id null', async () => {
    const r = await close(h.operatorKey, { tenant_id: h.tenant, business_date: '2026-05-02', notes: 'holiday' });
    expect(r.status, r.text).toBe(201);
    expect(r.json.store_id).toBeNull();
    const late = await post(h.producerKey, sale(h.tenant, 'late-2', { store_id: 'store_any', occurred_at: '2026-05-02T09:00:00Z' }), 202);
    expect(late.reason_code).toBe('LATE_EVENT_OUTSIDE_WINDOW');
    expect((await close(h.operatorKey, { tenant_id: h.tenant, store_id: null, business_date: '2026-05-02', notes: 'again' })).status).toBe(409);
  });

  test('no key 401, a producer key 403, and nothing closed', async () => {
    const body = { tenant_id: h.tenant, business_date: '2026-05-03', notes: 'n' };
    expect((await close(null, body)).status).toBe(401);
    const producer = await close(h.producerKey, body);
    expect(producer.status).toBe(403);
    const { rows } = await h.owner.query("select count(*)::int as n from ledger.business_days where tenant_id = $1 and business_date = '2026-05-03'", [h.tenant]);
    expect(rows[0].n).toBe(0);
  });

  test.each([
    [{ business_date: '2026-05-04', notes: 'n' }, 'tenant_id'],
    [{ tenant_id: 'lroutes_tenant', notes: 'n' }, 'business_date'],
    [{ tenant_id: 'lroutes_tenant', business_date: '2026-13-01', notes: 'n' }, 'business_date'],
    [{ tenant_id: 'lroutes_tenant', business_date: 20260504, notes: 'n' }, 'business_date'],
    [{ tenant_id: 'lroutes_tenant', business_date: '2026-05-04' }, 'notes'],
    [{ tenant_id: 'lroutes_tenant', business_date: '2026-05-04', notes: '' }, 'notes'],
    [{ tenant_id: 'lroutes_tenant', business_date: '2026-05-04', notes: '   ' }, 'notes'],
    [{ tenant_id: 'lroutes_tenant', business_date: '2026-05-04', notes: 'n', store_id: '' }, 'store_id'],
    [{ tenant_id: 'lroutes_tenant', business_date: '2026-05-04', notes: 'n', closed_by: 'me' }, 'closed_by'],
    [{ tenant_id: 'nobody_here', business_date: '2026-05-04', notes: 'n' }, 'tenant_id'],
  ])('%j: 422 naming %s', async (body, path) => {
    const r = await close(h.operatorKey, body);
    expect(r.status, r.text).toBe(422);
    expect(r.json.errors.map((e: any) => e.path)).toContain(path);
  });

  test('not JSON 400, not application/json 415', async () => {
    const headers = { 'content-type': 'application/json' };
    expect((await h.http('POST', '/v1/business-days/close', { key: h.operatorKey, raw: '{"tenant_id":', headers })).status).toBe(400);
    expect((await h.http('POST', '/v1/business-days/close', { key: h.operatorKey, raw: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
  });
});

test('OpenAPI lists the three routes with their schemas', async () => {
  const doc = (await h.http('GET', '/openapi.json')).json;
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/transactions/{store_id}/{txn_id}', '/v1/sales/daily', '/v1/business-days/close']));
  expect(doc.paths['/v1/transactions/{store_id}/{txn_id}'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Transaction' });
  expect(doc.paths['/v1/sales/daily'].get.parameters.filter((p: any) => p.required).map((p: any) => p.name)).toEqual(['from', 'to']);
  expect(doc.paths['/v1/business-days/close'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CloseBusinessDayRequest' });
  for (const name of ['Transaction', 'DailySales', 'CloseBusinessDayRequest', 'BusinessDay']) expect(doc.components.schemas[name]).toBeTypeOf('object');
  expect(doc.components.schemas.DailySales.properties.net_amount.type).toBe('number');
});
