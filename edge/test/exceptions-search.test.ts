// Exceptions found by business fields (CONTRACT v1.2): store_id, txn_id, source_system and
// event_type of the arrival that opened each, on GET /v1/exceptions, /admin/api/exceptions and a
// bulk filter alike, each answered from its column's index.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exceptionListStatements, type ListQuery } from '../src/routes/exceptions.js';
import { startHarness, type Harness } from './harness.js';
import { envelope } from './support.js';

let h: Harness;
const longStore = `store_${'x'.repeat(294)}`;
const opened: Record<string, string> = {};

const quarantine = async (eventId: string, extra: Record<string, unknown>) => {
  const r = await h.http('POST', '/v1/events', { key: h.producerKey, body: envelope(h.tenant, eventId, extra) });
  expect(r.status).toBe(202);
  opened[eventId] = r.json.exception_id;
};
const rest = async (query: string) => {
  const r = await h.http('GET', `/v1/exceptions?tenant_id=${h.tenant}&limit=500&${query}`, { key: h.operatorKey });
  expect(r.status, query).toBe(200);
  return (r.json.items as { idempotency_key: string }[]).map((e) => e.idempotency_key).sort();
};
const consoleList = async (filter: Record<string, unknown>) => {
  const r = await h.http('GET', `/admin/api/exceptions?filter=${encodeURIComponent(JSON.stringify({ tenant_id: h.tenant, ...filter }))}&range=[0,499]`,
    { key: h.operatorKey });
  expect(r.status, JSON.stringify(filter)).toBe(200);
  return (r.json as { idempotency_key: string }[]).map((e) => e.idempotency_key).sort();
};

beforeAll(async () => {
  h = await startHarness('exceptions_search');
  await quarantine('s-a', { event_type: 'Salez', store_id: 'store_042', txn_id: 'txn-10123', source_system: 'till_fw42' });
  await quarantine('s-b', { event_type: 'SALEZ', store_id: 'store_042', txn_id: 'txn-10124', source_system: 'pos_sim' });
  await quarantine('s-c', { event_type: 'LEGACY', store_id: 'store_007', txn_id: 'txn-10123', source_system: 'till_fw42' });
  await quarantine('s-long', { event_type: 'LEGACY', store_id: longStore });
});
afterAll(async () => {
  await h?.close();
});

describe('exceptions by business fields', () => {
  test('GET /v1/exceptions: store_id, txn_id, source_system, event_type (upper-cased), alone and together', async () => {
    expect(await rest('store_id=store_042')).toEqual(['s-a', 's-b']);
    expect(await rest('txn_id=txn-10123')).toEqual(['s-a', 's-c']);
    expect(await rest('source_system=till_fw42')).toEqual(['s-a', 's-c']);
    expect(await rest('event_type=salez')).toEqual(['s-a', 's-b']);
    expect(await rest('store_id=store_042&txn_id=txn-10123')).toEqual(['s-a']);
    expect(await rest('store_id=store_042&event_type=legacy')).toEqual([]);
    expect(await rest('store_id=store_04')).toEqual([]);
    // A store_id longer than a column keeps is found by its whole value all the same.
    expect(await rest(`store_id=${longStore}`)).toEqual(['s-long']);
    const page = await h.http('GET', `/v1/exceptions?tenant_id=${h.tenant}&txn_id=txn-10124`, { key: h.operatorKey });
    expect(page.json).toMatchObject({ total: 1, items: [{ store_id: 'store_042', txn_id: 'txn-10124', source_system: 'pos_sim', event_type: 'SALEZ' }] });
  });

  test('an empty value is 422 naming the parameter', async () => {
    for (const name of ['store_id', 'txn_id', 'source_system', 'event_type']) {
      const r = await h.http('GET', `/v1/exceptions?${name}=`, { key: h.operatorKey });
      expect(r.status, name).toBe(422);
      expect(r.json.errors[0].path, name).toBe(name);
    }
  });

  test('/admin/api/exceptions and a bulk dry run filter by the same four fields', async () => {
    expect(await consoleList({ store_id: 'store_042' })).toEqual(['s-a', 's-b']);
    expect(await consoleList({ txn_id: 'txn-10123' })).toEqual(['s-a', 's-c']);
    expect(await consoleList({ source_system: 'till_fw42' })).toEqual(['s-a', 's-c']);
    expect(await consoleList({ event_type: 'salez' })).toEqual(['s-a', 's-b']);
    expect(await consoleList({ event_type: ['legacy', 'SALEZ'], txn_id: 'txn-10123' })).toEqual(['s-a', 's-c']);
    expect(await consoleList({ store_id: longStore })).toEqual(['s-long']);
    const sorted = await h.http('GET', `/admin/api/exceptions?filter=${encodeURIComponent(JSON.stringify({ tenant_id: h.tenant }))}&sort=["txn_id","DESC"]&range=[0,0]`,
      { key: h.operatorKey });
    expect(sorted.status).toBe(200);
    expect(sorted.json[0].txn_id).toBe('txn-s-long');
    const dry = await h.http('POST', '/v1/exceptions/bulk', { key: h.operatorKey, body: {
      filter: { tenant_id: h.tenant, txn_id: 'txn-10123', source_system: 'till_fw42', event_type: 'salez' },
      action: 'mark_resolved_no_replay', resolution_notes: 'till firmware 4.2', dry_run: true } });
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({ matched: 1, would_succeed: 1, sample: [{ exception_id: opened['s-a'] }] });
  });

  test("each field is answered from its column's index (20,000 exceptions of another tenant, analysed)", async () => {
    // Written directly (an exception's arrival is not what is measured): 1,000 stores of 20
    // exceptions, 200 source systems and 200 types of 100 each, one transaction each.
    await h.owner.query(`insert into ledger.exceptions (tenant_id, idempotency_key, reason_code, raw_id, opened_at, last_arrival_at,
                           store_id, txn_id, source_system, event_type)
                         select 'tenant_plan', 'plan-' || i, 'UNKNOWN_EVENT_TYPE', i, now() - i * interval '1 second', now(),
                                'store_' || i % 1000, 'txn-' || i, 'system_' || i % 200, 'TYPE_' || i % 200
                         from generate_series(1, 20000) i`);
    await h.owner.query('analyze ledger.exceptions');
    const base: ListQuery = { status: 'open', tenant_id: 'tenant_plan', sort: '-opened_at', limit: 50, offset: 0 };
    for (const [field, value, index] of [['store_id', 'store_42', 'exceptions_store_idx'], ['txn_id', 'txn-10123', 'exceptions_txn_idx'],
      ['source_system', 'system_7', 'exceptions_source_system_idx'], ['event_type', 'type_7', 'exceptions_event_type_idx']] as const) {
      const statements = exceptionListStatements({ ...base, [field]: value });
      for (const statement of statements) {
        const { rows } = await h.owner.query(`explain ${statement.sql}`, statement.params);
        expect(rows.map((r) => r['QUERY PLAN']).join('\n'), `${field}: ${statement.sql.slice(0, 30)}`).toContain(index);
      }
      const [page] = await h.owner.query(statements[0].sql, statements[0].params).then((r) => r.rows);
      expect(JSON.parse(page.items).length, field).toBe(field === 'txn_id' ? 1 : field === 'store_id' ? 20 : 50);
    }
  });
});
