// Rules of ../shared/CONTRACT.md that no other test asserted, one test each, over real HTTP
// against the real edge and PostgreSQL (docs/testing.md maps every rule to its tests).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashSecret } from '../src/keys.js';
import { startHarness, type Harness, type HttpAnswer } from './harness.js';
import { countersAndCounts, envelope, loadTestHelpers } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('contract');
  await loadTestHelpers(h.owner);
  await h.owner.query('select tests.inject_processing_failures()');
});
afterAll(() => h?.close());

const JSON_HEADERS = { 'content-type': 'application/json' };
const post = (body: unknown, key = h.producerKey) => h.http('POST', '/v1/events', { key, body });
const op = (method: string, path: string, body?: unknown) => h.http(method, path, { key: h.operatorKey, body });

async function newTenant(name: string): Promise<{ tenant: string; key: string }> {
  const tenant = `${name}_${randomUUID().slice(0, 8)}`;
  return { tenant, key: await h.producerKeyFor(tenant) };
}

async function openException(tenant: string, key: string, eventId: string): Promise<{ exception_id: string; raw_id: number }> {
  const r = await post(envelope(tenant, eventId, { event_type: 'MAGIC' }), key);
  expect(r.status).toBe(202);
  return r.json;
}

function expectProblem(r: HttpAnswer, status: number) {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.json).toMatchObject({ status, title: expect.any(String) });
  // RFC 9457: `type` is a URI reference, "about:blank" when the status says it all.
  expect(r.json.type, `type of a ${status} problem`).toMatch(/^(about:blank|https?:\/\/\S+)$/);
}

describe('outcome table: processing fails unexpectedly (PROCESSING_ERROR)', () => {
  test('over HTTP: 202 quarantined; a held key whose processing fails joins its open exception', async () => {
    const { tenant, key } = await newTenant('perr');
    await h.owner.query('select tests.fail_next_processing($1, $2)', [tenant, 'p-1']);
    const failed = await post(envelope(tenant, 'p-1'), key);
    expect(failed.status).toBe(202);
    expect(failed.json).toMatchObject({ result: 'quarantined', reason_code: 'PROCESSING_ERROR', key_status: 'quarantined', attempt: 1 });
    expect(failed.json.exception_id).toMatch(/^[0-9a-f-]{36}$/);

    await h.owner.query('select tests.fail_next_processing($1, $2)', [tenant, 'p-1']);
    const failedAgain = await post(envelope(tenant, 'p-1', { total_amount: 1 }), key);
    expect(failedAgain.status).toBe(202);
    expect(failedAgain.json).toMatchObject({ result: 'quarantined', reason_code: 'PROCESSING_ERROR', exception_id: failed.json.exception_id, attempt: 2 });
    const joined = await post(envelope(tenant, 'p-1'), key);
    expect(joined.json).toMatchObject({ result: 'quarantined', reason_code: 'ALREADY_QUARANTINED', exception_id: failed.json.exception_id, attempt: 3 });

    const { rows } = await h.owner.query(
      `select e.status, e.reason_code, e.arrivals, (select count(*)::int from ledger.exceptions x where x.tenant_id = $1) as exceptions,
              (select array_agg(r.reason_code order by r.raw_id) from ledger.events_raw r where r.tenant_id = $1 and r.exception_id = e.exception_id) as held
       from ledger.exceptions e where e.exception_id = $2`, [tenant, failed.json.exception_id]);
    expect(rows).toEqual([{ status: 'open', reason_code: 'PROCESSING_ERROR', arrivals: 3, exceptions: 1,
      held: ['PROCESSING_ERROR', 'PROCESSING_ERROR', 'ALREADY_QUARANTINED'] }]);
    const counts = await countersAndCounts(h.owner, tenant);
    expect(counts.health).toEqual(counts.counted);
  });
});

describe('concurrency over HTTP', () => {
  test('50 identical concurrent first arrivals: one 201 processed, 49 200 duplicates', async () => {
    const { tenant, key } = await newTenant('race_same');
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(envelope(tenant, 'race-1'), key)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array(49).fill(200)].sort());
    expect(answers.filter((a) => a.json.result === 'processed')).toHaveLength(1);
    expect(answers.map((a) => a.json.attempt).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const { rows } = await h.owner.query('select count(*)::int as n from ledger.events_raw where tenant_id = $1', [tenant]);
    expect(rows[0].n).toBe(50);
  });

  test('50 distinct concurrent payloads for one key: one 201 processed, one open exception holding the other 49 (202)', async () => {
    const { tenant, key } = await newTenant('race_distinct');
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post(envelope(tenant, 'race-2', { total_amount: i }), key)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    const held = answers.filter((a) => a.status === 202);
    expect(held).toHaveLength(49);
    expect(new Set(held.map((a) => a.json.exception_id)).size).toBe(1);
    expect(held.filter((a) => a.json.reason_code === 'IDEMPOTENCY_CONFLICT')).toHaveLength(1);
    const { rows } = await h.owner.query("select arrivals from ledger.exceptions where tenant_id = $1 and status = 'open'", [tenant]);
    expect(rows).toEqual([{ arrivals: 49 }]);
    const counts = await countersAndCounts(h.owner, tenant);
    expect(counts.health).toEqual(counts.counted);
  });

  test('concurrent batches sharing keys: no 5xx, no deadlock, each key processed once, attempts 1..n, reconciled', async () => {
    const { tenant, key } = await newTenant('race_batches');
    const keys = Array.from({ length: 30 }, (_, i) => `shared-${i}`);
    // Eight batches over overlapping sets of the same keys, each in another order, some with other
    // amounts (conflicts): each batch may win some keys and wait for others.
    const batches = Array.from({ length: 8 }, (_, b) => {
      const order = keys.map((k, i) => ({ k, sort: (i * (b + 7)) % 31 })).sort((x, y) => x.sort - y.sort).map((x) => x.k)
        .filter((k, i) => (i + b) % 3 !== 0);
      return order.map((k, i) => envelope(tenant, k, (i + b) % 5 === 0 ? { total_amount: b } : {}));
    });
    const answers = await Promise.all(batches.map((events) => h.http('POST', '/v1/events/batch', { key, body: { events } })));
    const { rows: [{ deadlocks }] } = await h.owner.query('select deadlocks::int from pg_stat_database where datname = current_database()');
    expect(answers.map((a) => a.status), `deadlocks detected in this database so far: ${deadlocks}`).toEqual(Array(8).fill(200));
    const items = answers.flatMap((a) => a.json.results);
    for (const k of keys) {
      const mine = items.filter((i: any) => i.idempotency_key === k);
      const sent = batches.flat().filter((e) => e.event_id === k).length;
      expect(mine.filter((i: any) => i.result === 'processed'), `${k}: processed once`).toHaveLength(1);
      expect(mine.map((i: any) => i.attempt).sort((x: number, y: number) => x - y), `${k}: attempts`).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    }
    const { rows: [{ reconcile }] } = await h.owner.query('select ledger.reconcile($1) as reconcile', [tenant]);
    expect(reconcile.drift).toEqual([]);
    const { rows } = await h.owner.query(
      "select idempotency_key from ledger.exceptions where tenant_id = $1 and status = 'open' group by 1 having count(*) > 1", [tenant]);
    expect(rows, 'keys with two open exceptions').toEqual([]);
  });
});

describe('resolution', () => {
  test('a replay that is not a valid arrival: 409 REPLAY_VALIDATION_FAILED with its errors, nothing changed', async () => {
    const opened = await openException(h.tenant, h.producerKey, 'rv-1');
    const r = await op('POST', `/v1/exceptions/${opened.exception_id}/resolve`,
      { action: 'override_and_replay', resolution_notes: 'try', override_patch: { event_type: 'GIFT_CARD' } });
    expectProblem(r, 409);
    expect(r.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'override_patch' })]));
    // The reason the contract names, as the problem's code and in its type, not only in prose.
    expect(r.json.code, r.text).toBe('REPLAY_VALIDATION_FAILED');
    expect(r.json.type, r.text).toBe('https://ledger-safe.dev/problems/replay-validation-failed');
    const { rows } = await h.owner.query('select status from ledger.exceptions where exception_id = $1', [opened.exception_id]);
    expect(rows[0].status).toBe('open');
  });

  test('GraphQL resolveException: a replay that is not a valid arrival names REPLAY_VALIDATION_FAILED, status 409, nothing changed', async () => {
    const opened = await openException(h.tenant, h.producerKey, 'rv-gql');
    const r = await h.http('POST', '/graphql', { key: h.operatorKey, body: {
      query: `mutation ($id: UUID!) { resolveException(input: {exceptionId: $id, action: "override_and_replay", resolutionNotes: "try",
        overridePatch: {event_type: "GIFT_CARD"}}) { result { status } } }`,
      variables: { id: opened.exception_id },
    } });
    expect(r.json.data?.resolveException ?? null, r.text).toBeNull();
    expect(r.json.errors?.[0]?.extensions, r.text).toMatchObject({ status: 409, reason: 'REPLAY_VALIDATION_FAILED' });
    const { rows } = await h.owner.query('select status from ledger.exceptions where exception_id = $1', [opened.exception_id]);
    expect(rows[0].status).toBe('open');
  });

  test.each(['resolve', 'assign'])('%s: a malformed exception id is 422, an unknown one 404', async (route) => {
    const body = route === 'resolve' ? { action: 'mark_resolved_no_replay', resolution_notes: 'x' } : { assigned_to: 'operator:ann' };
    for (const malformed of ['123', 'not-a-uuid', '00000000-0000-0000-0000-00000000000g', `${randomUUID()}x`]) {
      const r = await op('POST', `/v1/exceptions/${malformed}/${route}`, body);
      expectProblem(r, 422);
      expect(r.json.errors).toEqual([{ path: 'exception_id', message: expect.any(String) }]);
    }
    expectProblem(await op('POST', `/v1/exceptions/${randomUUID()}/${route}`, body), 404);
  });

  test.each(['resolve', 'assign'])('%s: a producer key is 403, and nothing changes', async (route) => {
    const opened = await openException(h.tenant, h.producerKey, `prod-${route}`);
    const body = route === 'resolve' ? { action: 'mark_resolved_no_replay', resolution_notes: 'x' } : { assigned_to: 'producer' };
    expectProblem(await h.http('POST', `/v1/exceptions/${opened.exception_id}/${route}`, { key: h.producerKey, body }), 403);
    const { rows } = await h.owner.query('select status, assigned_to from ledger.exceptions where exception_id = $1', [opened.exception_id]);
    expect(rows).toEqual([{ status: 'open', assigned_to: null }]);
  });
});

describe('routes', () => {
  test('/metrics without a key: 401 with WWW-Authenticate', async () => {
    const r = await h.http('GET', '/metrics');
    expectProblem(r, 401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  test('GET /v1/exceptions: default limit 50, offsets that page without overlap, an exact total, status=resolved', async () => {
    const { tenant, key } = await newTenant('paging');
    const opened = [];
    for (let i = 0; i < 60; i += 1) opened.push(await openException(tenant, key, `pg-${i}`));
    const resolved = opened.slice(0, 7).map((o) => o.exception_id);
    for (const id of resolved) {
      expect((await op('POST', `/v1/exceptions/${id}/resolve`, { action: 'mark_resolved_no_replay', resolution_notes: 'paging' })).status).toBe(200);
    }
    const first = await op('GET', `/v1/exceptions?tenant_id=${tenant}`);
    expect(first.status).toBe(200);
    expect(first.json.items).toHaveLength(50);
    expect(first.json.total).toBe(53);
    expect(first.json.items.every((e: any) => e.status === 'open' && e.tenant_id === tenant)).toBe(true);
    const second = await op('GET', `/v1/exceptions?tenant_id=${tenant}&offset=50`);
    expect(second.json.items).toHaveLength(3);
    expect(second.json.total).toBe(53);
    const ids = [...first.json.items, ...second.json.items].map((e: any) => e.exception_id);
    expect(new Set(ids).size).toBe(53);
    expect(ids.filter((id) => resolved.includes(id))).toEqual([]);
    const small = await op('GET', `/v1/exceptions?tenant_id=${tenant}&limit=5&offset=10`);
    expect(small.json.items.map((e: any) => e.exception_id)).toEqual(ids.slice(10, 15));
    const done = await op('GET', `/v1/exceptions?tenant_id=${tenant}&status=resolved`);
    expect(done.json.total).toBe(7);
    expect(done.json.items.map((e: any) => e.exception_id).sort()).toEqual([...resolved].sort());
    expect(done.json.items.every((e: any) => e.status === 'resolved' && e.resolution_action === 'mark_resolved_no_replay')).toBe(true);
    const beyond = await op('GET', `/v1/exceptions?tenant_id=${tenant}&offset=500`);
    expect(beyond.json).toMatchObject({ items: [], total: 53 });
  });

  test('OpenAPI documents every API route the edge serves, with its method', async () => {
    const doc = (await h.http('GET', '/openapi.json')).json;
    const documented = new Set(Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`)));
    const walk = (stack: any[]): string[] => stack.flatMap((layer: any) => (layer.route && typeof layer.route.path === 'string'
      ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route.path.replace(/:[A-Za-z_]+/g, '{}')}`)
      : layer.handle?.stack ? walk(layer.handle.stack) : []));
    // The documentation and the console's own pages are what serve the API's description, not API routes.
    const pages = new Set(['GET /openapi.json', 'GET /docs', 'GET /docs/init.js', 'GET /admin']);
    const served = [...walk((h.edge.app as any).router.stack).filter((r) => !pages.has(r)), 'POST /graphql'];
    expect(served.length).toBeGreaterThan(10);
    expect(served.filter((r) => !documented.has(r)), 'routes missing from /openapi.json').toEqual([]);
  });

  test('problems carry type, title, status and detail, whatever the status', async () => {
    const opened = await openException(h.tenant, h.producerKey, 'types-1');
    await op('POST', `/v1/exceptions/${opened.exception_id}/resolve`, { action: 'mark_resolved_no_replay', resolution_notes: 'done' });
    const cases: [number, Promise<HttpAnswer>][] = [
      [400, h.http('POST', '/v1/events', { key: h.producerKey, raw: '{nope', headers: JSON_HEADERS })],
      [401, h.http('GET', '/v1/exceptions')],
      [403, h.http('GET', '/v1/exceptions', { key: h.producerKey })],
      [404, op('GET', `/v1/exceptions/${randomUUID()}`)],
      [404, h.http('GET', '/v1/nothing-here')],
      [405, h.http('DELETE', '/v1/events', { key: h.producerKey })],
      [409, op('POST', `/v1/exceptions/${opened.exception_id}/resolve`, { action: 'mark_resolved_no_replay', resolution_notes: 'again' })],
      [413, h.http('POST', '/v1/events', { key: h.producerKey, raw: 'x'.repeat(300_000), headers: JSON_HEADERS })],
      [415, h.http('POST', '/v1/events', { key: h.producerKey, raw: '{}', headers: { 'content-type': 'text/plain' } })],
      [422, post({ tenant_id: h.tenant })],
    ];
    for (const [status, answer] of cases) {
      const r = await answer;
      expectProblem(r, status);
      expect(typeof r.json.detail, `${status} detail`).toBe('string');
    }
  });
});

describe('limits', () => {
  /** A valid envelope padded with a note to exactly `bytes` bytes of UTF-8. */
  function envelopeOfSize(eventId: string, bytes: number): string {
    const base = JSON.stringify(envelope(h.tenant, eventId, { note: '' }));
    const text = base.replace('"note":""', `"note":"${'x'.repeat(bytes - Buffer.byteLength(base))}"`);
    expect(Buffer.byteLength(text)).toBe(bytes);
    return text;
  }

  test('a body of exactly 256 KiB is accepted; one byte more is 413 and recorded', async () => {
    const limit = 256 * 1024;
    const atLimit = await h.http('POST', '/v1/events', { key: h.producerKey, raw: envelopeOfSize('size-limit', limit), headers: JSON_HEADERS });
    expect(atLimit.status, atLimit.text).toBe(201);
    const before = await h.owner.query('select count(*)::int as n from ledger.rejections where tenant_id = $1 and http_status = 413', [h.tenant]);
    const over = await h.http('POST', '/v1/events', { key: h.producerKey, raw: envelopeOfSize('size-over', limit + 1), headers: JSON_HEADERS });
    expectProblem(over, 413);
    const after = await h.owner.query('select count(*)::int as n from ledger.rejections where tenant_id = $1 and http_status = 413', [h.tenant]);
    expect(after.rows[0].n).toBe(before.rows[0].n + 1);
    const { rows } = await h.owner.query('select count(*)::int as n from ledger.events_raw where tenant_id = $1 and idempotency_key = $2', [h.tenant, 'size-over']);
    expect(rows[0].n).toBe(0);
  });

  test('a tenant id of 64 characters works end to end; 65 is refused', async () => {
    const tenant = `t${'6'.repeat(63)}`;
    expect(tenant).toHaveLength(64);
    const key = await h.producerKeyFor(tenant);
    const r = await post(envelope(tenant, 'long-tenant'), key);
    expect(r.status, r.text).toBe(201);
    expect(r.json.tenant_id).toBe(tenant);
    const { rows } = await h.owner.query('select count(*)::int as n from ledger.events_raw where tenant_id = $1', [tenant]);
    expect(rows[0].n).toBe(1);

    // 65: no key can be made for it, and an unbound caller (a DBA) cannot ingest for it.
    const tooLong = `${tenant}x`;
    await expect(h.producerKeyFor(tooLong)).rejects.toMatchObject({ code: '22023' });
    await expect(h.owner.query('select * from ledger.ingest_event($1::jsonb)', [JSON.stringify(envelope(tooLong, 'x'))]))
      .rejects.toMatchObject({ code: '22023', detail: expect.stringContaining('"tenant_id"') });
  });
});

describe('keys', () => {
  test('keys are stored only as SHA-256 hashes: no column of any key row holds the secret', async () => {
    const secret = await h.producerKeyFor(h.tenant);
    const { rows } = await h.owner.query('select to_jsonb(k)::text as row, key_hash from ledger_private.api_keys k');
    const mine = rows.filter((r) => Buffer.compare(r.key_hash, hashSecret(secret)) === 0);
    expect(mine).toHaveLength(1);
    for (const r of rows) {
      expect(r.row).not.toContain(secret);
      expect(r.row).not.toContain(secret.slice(4));
      expect(r.row).not.toContain(Buffer.from(secret).toString('hex'));
    }
    const { rows: columns } = await h.owner.query(
      "select column_name, data_type from information_schema.columns where table_schema = 'ledger_private' and table_name = 'api_keys' order by ordinal_position");
    expect(columns.filter((c) => /secret|token|plain/.test(c.column_name))).toEqual([]);
    expect(columns.find((c) => c.column_name === 'key_hash')).toEqual({ column_name: 'key_hash', data_type: 'bytea' });
    expect((await h.http('GET', '/v1/health', { key: secret })).json.counts).toBeDefined();
  });
});
