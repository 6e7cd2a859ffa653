// /admin/api sends PostgreSQL's JSON text on every read path: numbers beyond a double
// (12345678901234567890123.45) and with trailing zeros (40.0, 0.10) come back as the producer and
// the operator wrote them, in lists and single records of every resource and in the stats.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from './harness.js';

const BIG = '12345678901234567890123.45';
const BIG_CONFLICT = '12345678901234567890123.46';
const PATCH_BIG = '98765432109876543210.10';

let h: Harness;
let exceptionId: string;
let firstRawId: string;
const get = (path: string) => h.http('GET', path, { key: h.operatorKey });
const list = (resource: string, filter: unknown) => get(`/admin/api/${resource}?filter=${encodeURIComponent(JSON.stringify(filter))}`);
/** What a number looks like in PostgreSQL's jsonb text, not followed by more digits. */
const member = (name: string, number: string) => new RegExp(`"${name}": ${number.replace('.', '\\.')}(?![0-9])`);

/** total - 40.10, exactly (2 decimals): the third line that makes the sale add up to its total. */
const rest = (total: string) => {
  const cents = BigInt(total.replace('.', '')) - 4010n;
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
};
const envelopeText = (eventId: string, total: string, omit: string[] = []) => {
  const members: [string, string][] = [
    ['schema_version', '"1.0"'], ['tenant_id', JSON.stringify(h.tenant)], ['store_id', '"store_001"'], ['source_system', '"pos_sim"'],
    ['event_id', JSON.stringify(eventId)], ['event_type', '"SALE"'], ['occurred_at', '"2026-02-25T00:00:00Z"'], ['txn_id', '"txn-exact"'],
    ['currency', '"USD"'], ['total_amount', total],
    ['line_items', `[{"sku": "SKU-AAA", "qty": 1, "amount": 40.0}, {"sku": "SKU-BBB", "qty": 1.50, "amount": 0.10}, `
      + `{"sku": "SKU-CCC", "qty": 1, "amount": ${rest(total)}}]`],
  ];
  return `{${members.filter(([name]) => !omit.includes(name)).map(([name, value]) => `"${name}": ${value}`).join(', ')}}`;
};
const post = async (text: string) =>
  (await h.http('POST', '/v1/events', { key: h.producerKey, raw: text, headers: { 'content-type': 'application/json' } })).json;

beforeAll(async () => {
  h = await startHarness('admin_exact');
  firstRawId = String((await post(envelopeText('exact-1', BIG))).raw_id);
  exceptionId = (await post(envelopeText('exact-1', BIG_CONFLICT))).exception_id;
  await post(envelopeText('exact-refused', BIG, ['event_type']));
});
afterAll(() => h?.close());

describe('before the resolution', () => {
  test('an event: its payload as the producer wrote it, byte for byte what the database function says', async () => {
    const r = await get(`/admin/api/events/${firstRawId}`);
    expect(r.status).toBe(200);
    expect(r.text).toMatch(member('total_amount', BIG));
    expect(r.text).toMatch(member('amount', '40.0'));
    expect(r.text).toMatch(member('qty', '1.50'));
    expect(r.text).toMatch(member('amount', '0.10'));
    const { rows: [own] } = await h.owner.query('select ledger.get_console_event($1) as text', [firstRawId]);
    expect(r.text).toBe(own.text);
  });

  test('an exception: the canonical payload and the held arrival, each with its own digits', async () => {
    const r = await get(`/admin/api/exceptions/${exceptionId}`);
    expect(r.status).toBe(200);
    expect(r.text).toMatch(member('total_amount', BIG));
    expect(r.text).toMatch(member('total_amount', BIG_CONFLICT));
    expect(r.text).toMatch(member('amount', '40.0'));
  });

  test('an idempotency key, by its name and by the contract\'s alias', async () => {
    for (const resource of ['idempotency-keys', 'keys']) {
      const r = await get(`/admin/api/${resource}/${encodeURIComponent(`${h.tenant}/exact-1`)}`);
      expect(r.status).toBe(200);
      expect(r.text).toMatch(member('total_amount', BIG));
      expect(r.text).toMatch(member('amount', '0.10'));
    }
  });

  test('a rejection: the refused body as it came, and found by an http_status filter written 422.0', async () => {
    const rejections = await list('rejections', { tenant_id: h.tenant, http_status: 422.0 });
    expect(rejections.json).toHaveLength(1);
    const r = await get(`/admin/api/rejections/${rejections.json[0].id}`);
    expect(r.json.body_excerpt).toContain(`"total_amount": ${BIG}`);
  });

  test('the lists and the stats are PostgreSQL\'s text too (its ": " and ", " separators)', async () => {
    for (const resource of ['exceptions', 'events', 'idempotency-keys', 'keys', 'audit-log', 'rejections']) {
      const r = await list(resource, { tenant_id: h.tenant });
      expect(r.status, resource).toBe(200);
      expect(r.text, resource).toMatch(/^\[\{"\w+": /);
    }
    const stats = await get('/admin/api/stats');
    expect(stats.text).toMatch(/"db_time": "/);
    expect(stats.json.counts).toEqual((await get('/v1/health')).json.counts);
  });
});

describe('after a replay with a patch sent as typed', () => {
  beforeAll(async () => {
    const r = await h.http('POST', `/v1/exceptions/${exceptionId}/resolve`, {
      key: h.operatorKey, headers: { 'content-type': 'application/json' },
      raw: `{"action": "override_and_replay", "resolution_notes": "exact", "override_patch": {"total_amount": 40.0, "line_items": [{"sku": "SKU-AAA", "qty": 1, "amount": 40.0}], "adjustment": ${PATCH_BIG}}}`,
    });
    expect(r.status).toBe(200);
  });

  test('the key\'s canonical payload keeps 40.0 and the patch\'s big number', async () => {
    const r = await get(`/admin/api/idempotency-keys/${encodeURIComponent(`${h.tenant}/exact-1`)}`);
    expect(r.text).toMatch(member('total_amount', '40.0'));
    expect(r.text).toMatch(member('adjustment', PATCH_BIG));
    const { rows: [stored] } = await h.owner.query(
      "select (canonical_payload -> 'total_amount')::text as total from ledger.events_processed where tenant_id = $1 and idempotency_key = 'exact-1'",
      [h.tenant]);
    expect(stored.total).toBe('40.0');
  });

  test('the exception, in the list of resolved ones and alone, carries its patch exactly', async () => {
    const resolved = await list('exceptions', { status: 'resolved', tenant_id: h.tenant });
    expect(resolved.json).toHaveLength(1);
    expect(resolved.text).toMatch(member('total_amount', '40.0'));
    expect(resolved.text).toMatch(member('adjustment', PATCH_BIG));
    const one = await get(`/admin/api/exceptions/${exceptionId}`);
    expect(one.text).toMatch(member('adjustment', PATCH_BIG));
  });

  test('the audit row of the resolution, listed and alone, records the patch exactly', async () => {
    const rows = await list('audit-log', { exception_id: exceptionId, action: 'exception.resolved' });
    expect(rows.json).toHaveLength(1);
    expect(rows.text).toMatch(member('total_amount', '40.0'));
    expect(rows.text).toMatch(member('adjustment', PATCH_BIG));
    const one = await get(`/admin/api/audit-log/${rows.json[0].id}`);
    expect(one.text).toMatch(member('adjustment', PATCH_BIG));
  });
});
