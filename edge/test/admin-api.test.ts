// /admin/api: the console's ra-data-simple-rest API, against the real edge and PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from './browser/harness.js';

let h: Harness;
const list = (resource: string, filter?: unknown, range?: unknown, sort?: unknown, key?: string | null) => {
  const query = new URLSearchParams();
  if (filter !== undefined) query.set('filter', JSON.stringify(filter));
  if (range !== undefined) query.set('range', JSON.stringify(range));
  if (sort !== undefined) query.set('sort', JSON.stringify(sort));
  return h.http(`/admin/api/${resource}?${query}`, { key });
};

let conflict: string;
let unknownType: string;
beforeAll(async () => {
  h = await startHarness('admin_api');
  await h.ingest('k-ok');
  await h.ingest('k-ok');
  await h.ingest('k-conflict');
  conflict = (await h.ingest('k-conflict', { total_amount: 99 })).exception_id;
  await h.ingest('k-conflict', { total_amount: 98 });
  unknownType = (await h.ingest('k-magic', { event_type: 'MAGIC' })).exception_id;
  for (let i = 0; i < 7; i++) await h.ingest(`k-open-${i}`, { event_type: 'MAGIC' });
  await h.ingest('k/with%slash_');
  await h.http('/v1/events', { method: 'POST', key: h.producerKey, json: { tenant_id: h.tenant, event_id: 'bad' } });
});
afterAll(() => h?.stop());

describe('access', () => {
  test('operators only: no key 401, producer 403', async () => {
    expect((await list('exceptions', undefined, undefined, undefined, null)).status).toBe(401);
    const r = await list('exceptions', undefined, undefined, undefined, h.producerKey);
    expect(r.status).toBe(403);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
  });

  test('read-only: writes are 405 with Allow', async () => {
    const r = await h.http(`/admin/api/exceptions/${conflict}`, { method: 'PUT', json: { status: 'resolved' } });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, HEAD');
  });

  test('unknown resource 404', async () => {
    expect((await list('tenants')).status).toBe(404);
  });

  test('me: the key behind the console', async () => {
    const r = await h.http('/admin/api/me');
    expect(r.body).toMatchObject({ role: 'operator', name: h.operatorName, actor: `operator:${h.operatorName}` });
  });
});

describe('lists', () => {
  test('exceptions: filter, range and Content-Range', async () => {
    const r = await list('exceptions', { status: 'open', tenant_id: h.tenant }, [0, 4], ['opened_at', 'ASC']);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-range')).toBe('exceptions 0-4/9');
    expect(r.headers.get('access-control-expose-headers')).toBe('Content-Range');
    expect(r.body).toHaveLength(5);
    expect(r.body[0]).toMatchObject({ id: conflict, exception_id: conflict, reason_code: 'IDEMPOTENCY_CONFLICT', arrivals: 2 });
    const page2 = await list('exceptions', { status: 'open', tenant_id: h.tenant }, [5, 9], ['opened_at', 'ASC']);
    expect(page2.headers.get('content-range')).toBe('exceptions 5-8/9');
    expect(new Set([...r.body, ...page2.body].map((e: any) => e.id)).size).toBe(9);
  });

  test('exceptions: reason code, key, key search and unassigned', async () => {
    expect((await list('exceptions', { reason_code: 'IDEMPOTENCY_CONFLICT' })).body.map((e: any) => e.id)).toEqual([conflict]);
    expect((await list('exceptions', { idempotency_key: 'k-magic' })).body.map((e: any) => e.id)).toEqual([unknownType]);
    expect((await list('exceptions', { q: 'OPEN-' })).body).toHaveLength(7);
    expect((await list('exceptions', { q: '%' })).body).toHaveLength(0);
    expect((await list('exceptions', { assigned_to: null })).body).toHaveLength(9);
  });

  test('sorting both ways, the id breaking ties', async () => {
    const asc = (await list('exceptions', {}, [0, 99], ['idempotency_key', 'ASC'])).body.map((e: any) => e.idempotency_key);
    const desc = (await list('exceptions', {}, [0, 99], ['idempotency_key', 'desc'])).body.map((e: any) => e.idempotency_key);
    expect(asc).toEqual([...asc].sort());
    expect(desc).toEqual([...asc].reverse());
  });

  test('events: exactly the arrivals of one key, without payloads', async () => {
    const r = await list('events', { tenant_id: h.tenant, idempotency_key: 'k-conflict' }, [0, 99], ['id', 'ASC']);
    expect(r.body.map((e: any) => [e.attempt, e.result])).toEqual([[1, 'processed'], [2, 'quarantined'], [3, 'quarantined']]);
    expect(r.body[0].payload).toBeUndefined();
    expect(r.body[0].fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(r.headers.get('content-range')).toBe('events 0-2/3');
  });

  test('events: totals from the counters equal count(*)', async () => {
    const { rows: [all] } = await h.pool.query('select count(*)::int as n from ledger.events_raw');
    expect((await list('events', {}, [0, 0])).headers.get('content-range')).toBe(`events 0-0/${all.n}`);
    expect((await list('events', { tenant_id: h.tenant }, [0, 0])).headers.get('content-range')).toBe(`events 0-0/${all.n}`);
    expect((await list('events', { tenant_id: 'nobody' })).headers.get('content-range')).toBe('events 0-0/0');
    expect((await list('events', { result: 'quarantined' }, [0, 0])).headers.get('content-range')).toBe('events 0-0/10');
  });

  test('idempotency keys: ids that survive slashes, getMany by ids', async () => {
    const r = await list('idempotency-keys', { tenant_id: h.tenant }, [0, 99], ['idempotency_key', 'ASC']);
    expect(r.body.length).toBe(11);
    expect(r.headers.get('content-range')).toBe('idempotency-keys 0-10/11');
    const slashed = r.body.find((k: any) => k.idempotency_key === 'k/with%slash_');
    expect(slashed.id).toBe(`${h.tenant}/k/with%slash_`);
    const one = await h.http(`/admin/api/idempotency-keys/${encodeURIComponent(slashed.id)}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: slashed.id, status: 'processed', canonical_payload: { event_id: 'k/with%slash_' } });
    const many = await list('idempotency-keys', { id: [slashed.id, `${h.tenant}/k-ok`] });
    expect(many.body.map((k: any) => k.idempotency_key).sort()).toEqual(['k-ok', 'k/with%slash_']);
    expect((await list('idempotency-keys', { status: 'quarantined' }, [0, 0])).headers.get('content-range')).toBe('idempotency-keys 0-0/9');
    expect((await list('idempotency-keys', {}, [0, 0])).headers.get('content-range')).toBe('idempotency-keys 0-0/11');
    expect((await list('idempotency-keys', { status: 'quarantined', event_type: 'SALE' }, [0, 0])).headers.get('content-range'))
      .toBe('idempotency-keys 0-0/1');
  });

  test('/admin/api/keys, the contract\'s name, answers as idempotency-keys does', async () => {
    const query = [{ tenant_id: h.tenant }, [0, 99], ['idempotency_key', 'ASC']] as const;
    const [alias, named] = [await list('keys', ...query), await list('idempotency-keys', ...query)];
    expect(alias.status).toBe(200);
    expect(alias.text).toBe(named.text);
    expect(alias.headers.get('content-range')).toBe('keys 0-10/11');
    const id = encodeURIComponent(`${h.tenant}/k-ok`);
    expect((await h.http(`/admin/api/keys/${id}`)).text).toBe((await h.http(`/admin/api/idempotency-keys/${id}`)).text);
  });

  test('rejections: the refused envelope, its excerpt only on the record', async () => {
    const r = await list('rejections', { tenant_id: h.tenant });
    expect(r.body).toHaveLength(1);
    expect(r.body[0]).toMatchObject({ tenant_id: h.tenant, idempotency_key: 'bad' });
    expect(r.body[0].body_excerpt).toBeUndefined();
    const one = await h.http(`/admin/api/rejections/${r.body[0].id}`);
    expect(one.body).toMatchObject({ id: r.body[0].id, http_status: r.body[0].http_status, errors: expect.any(Array) });
    expect(one.body.body_excerpt).toContain('"bad"');
    expect((await list('rejections', { http_status: r.body[0].http_status, tenant_id: h.tenant })).body).toHaveLength(1);
  });
});

describe('one record', () => {
  test('exception: its row and ledger.exception_detail', async () => {
    const r = await h.http(`/admin/api/exceptions/${conflict.toUpperCase()}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: conflict, status: 'open', arrivals: 2 });
    expect(r.body.detail.arrivals.map((a: any) => a.payload.total_amount)).toEqual([99, 98]);
    expect(r.body.detail.events_processed.canonical_payload.total_amount).toBe(42.5);
    expect(r.body.detail.first_raw_event.attempt).toBe(1);
  });

  test('event: with its payload', async () => {
    const [first] = (await list('events', { idempotency_key: 'k-ok' }, [0, 0], ['id', 'ASC'])).body;
    const r = await h.http(`/admin/api/events/${first.id}`);
    expect(r.body.payload.event_id).toBe('k-ok');
  });

  test('unknown ids 404, malformed 422', async () => {
    expect((await h.http('/admin/api/exceptions/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await h.http('/admin/api/exceptions/nope')).status).toBe(422);
    expect((await h.http('/admin/api/events/999999')).status).toBe(404);
    expect((await h.http('/admin/api/events/-1')).status).toBe(422);
    expect((await h.http('/admin/api/idempotency-keys/no-slash')).status).toBe(422);
    expect((await h.http(`/admin/api/idempotency-keys/${encodeURIComponent(`${h.tenant}/missing`)}`)).status).toBe(404);
  });
});

describe('the audit trail after a resolution', () => {
  test('opening (system) and resolving (the operator, with notes), filtered by exception', async () => {
    const resolved = await h.http(`/v1/exceptions/${conflict}/resolve`, {
      method: 'POST', json: { action: 'override_and_replay', resolution_notes: 'take the latest, fix amount', override_patch: { total_amount: 100, line_items: [{ sku: 'SKU-AAA', qty: 1, amount: 100 }] } },
    });
    expect(resolved.status).toBe(200);
    await h.http(`/v1/exceptions/${unknownType}/assign`, { method: 'POST', json: { assigned_to: 'operator:ann' } });
    const r = await list('audit-log', { exception_id: conflict }, [0, 99], ['id', 'DESC']);
    expect(r.headers.get('content-range')).toBe('audit-log 0-1/2');
    expect(r.body.map((a: any) => [a.action, a.actor])).toEqual([
      ['exception.resolved', `operator:${h.operatorName}`], ['exception.opened', 'system']]);
    for (const row of r.body) {
      expect(Object.keys(row)).toEqual(expect.arrayContaining(
        ['id', 'at', 'actor', 'action', 'object_type', 'object_id', 'tenant_id', 'exception_id', 'notes', 'before', 'after']));
      expect(row.exception_id).toBe(conflict);
    }
    expect(r.body[0].notes).toBe('take the latest, fix amount');
    expect(r.body[0].after).toMatchObject({ status: 'resolved', key_status: 'processed' });
    expect((await list('audit-log', { action: 'exception.assigned', tenant_id: h.tenant })).body).toHaveLength(1);
    const key = await h.http(`/admin/api/idempotency-keys/${encodeURIComponent(`${h.tenant}/k-conflict`)}`);
    expect(key.body).toMatchObject({ status: 'processed', canonical_payload: { total_amount: 100 } });
  });
});

describe('bad queries are 422 problems, never 500', () => {
  test.each([
    ['filter not JSON', 'exceptions?filter={status'],
    ['filter not an object', 'exceptions?filter=[1]'],
    ['unknown filter', 'exceptions?filter={"nope":1}'],
    ['filter of the wrong type', 'exceptions?filter={"status":1}'],
    ['uuid filter not a uuid', 'audit-log?filter={"exception_id":"x"}'],
    ['integer filter not an integer', 'rejections?filter={"http_status":"4x"}'],
    ['empty list', 'events?filter={"id":[]}'],
    ['sort not JSON', 'events?sort=id'],
    ['sort on an unknown field', 'events?sort=["payload","ASC"]'],
    ['sort direction', 'events?sort=["id","UP"]'],
    ['range reversed', 'events?range=[5,1]'],
    ['range negative', 'events?range=[-1,5]'],
    ['range not integers', 'events?range=[0,"a"]'],
    ['filter given twice', 'events?filter={}&filter={}'],
  ])('%s', async (_name, path) => {
    const r = await h.http(`/admin/api/${path.replace(/[{}"[\] ]/g, encodeURIComponent)}`);
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body.errors[0].path).toMatch(/^(filter|sort|range)/);
  });
});

describe('stats for the dashboard', () => {
  test('health counts, arrivals per minute by result, open exceptions by reason, oldest open', async () => {
    const stats = (await h.http('/admin/api/stats')).body;
    const health = (await h.http('/v1/health')).body;
    expect(stats.counts).toEqual(health.counts);
    expect(stats.arrivals_per_minute).toHaveLength(60);
    const sum = (field: string) => stats.arrivals_per_minute.reduce((n: number, m: any) => n + m[field], 0);
    const { rows } = await h.pool.query(
      "select result, count(*)::int as n from ledger.events_raw where received_at > now() - interval '59 minutes' group by 1");
    for (const { result, n } of rows) expect(sum(result)).toBe(n);
    const { rows: open } = await h.pool.query(
      "select reason_code, count(*)::int as count from ledger.exceptions where status = 'open' group by 1 order by 2 desc, 1");
    expect(stats.open_by_reason).toEqual(open);
    expect(stats.oldest_open).toMatchObject({ id: unknownType, reason_code: 'UNKNOWN_EVENT_TYPE' });
    expect(stats.oldest_open.age_seconds).toBeGreaterThanOrEqual(0);
  });
});

describe('the console\'s read functions', () => {
  test('stay out of GraphQL (their comments say @behavior -*)', async () => {
    const r = await h.http('/graphql', { method: 'POST', json: { query: '{ __schema { queryType { fields { name } } } }' } });
    expect(r.status).toBe(200);
    const names: string[] = r.body.data.__schema.queryType.fields.map((f: { name: string }) => f.name);
    expect(names).toContain('exceptionDetail');
    expect(names.filter((n) => /console/i.test(n))).toEqual([]);
  });
});
