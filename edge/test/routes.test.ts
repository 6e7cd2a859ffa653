import { randomUUID } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEdge } from '../src/app.js';
import { hashSecret } from '../src/keys.js';
import { startHarness, type Harness } from './harness.js';
import { startProxy } from './tcp-proxy.js';
import { envelope } from './support.js';

let h: Harness;
beforeAll(async () => { h = await startHarness('routes', {}, 50); });
afterAll(() => h.close());

const post = (body: unknown, key = h.producerKey) => h.http('POST', '/v1/events', { key, body });
const op = (method: string, path: string, body?: unknown) => h.http(method, path, { key: h.operatorKey, body });

async function conflict(eventId: string) {
  const first = await post(envelope(h.tenant, eventId));
  const second = await post(envelope(h.tenant, eventId, { total_amount: 1 }));
  return { first: first.json, second: second.json, exceptionId: second.json.exception_id as string };
}

describe('auth', () => {
  test('no key 401 with WWW-Authenticate, malformed header 401, unknown key 401', async () => {
    const none = await post(envelope(h.tenant, 'a-1'), '');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await h.http('GET', '/v1/exceptions', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    expect((await post(envelope(h.tenant, 'a-1'), 'lsk_nope')).status).toBe(401);
  });

  test('roles: operator cannot post, producer cannot read the queue or metrics', async () => {
    expect((await post(envelope(h.tenant, 'a-2'), h.operatorKey)).status).toBe(403);
    expect((await h.http('GET', '/v1/exceptions', { key: h.producerKey })).status).toBe(403);
    expect((await h.http('GET', '/metrics', { key: h.producerKey })).status).toBe(403);
  });

  test('a revoked key stops working within the cache time', async () => {
    const key = await h.producerKeyFor(h.tenant);
    expect((await post(envelope(h.tenant, 'a-3'), key)).status).toBe(201);
    await h.owner.query('update ledger_private.api_keys set revoked_at = now() where key_hash = $1', [hashSecret(key)]);
    const deadline = Date.now() + 2_000;
    let status = 0;
    while (Date.now() < deadline && status !== 401) status = (await post(envelope(h.tenant, 'a-4'), key)).status;
    expect(status).toBe(401);
    expect((await post(envelope(h.tenant, 'a-5'))).status).toBe(201);
  });
});

describe('health', () => {
  test('anonymous: status only; producer: its tenant; operator: all', async () => {
    const other = await h.producerKeyFor(`${h.tenant}_b`);
    await post(envelope(`${h.tenant}_b`, 'h-1'), other);
    const anon = await h.http('GET', '/v1/health');
    expect(anon.json).toEqual({ status: 'ok', db: 'ok', db_time: expect.any(String) });
    const mine = (await h.http('GET', '/v1/health', { key: other })).json.counts;
    expect(mine).toEqual({ events_raw: 1, rejections: 0, exceptions_open: 0, idempotency: { processed: 1, quarantined: 0, ignored: 0 }, postings: 1 });
    const all = (await op('GET', '/v1/health')).json.counts;
    const { rows } = await h.owner.query('select count(*)::int as n from ledger.events_raw');
    expect(all.events_raw).toBe(rows[0].n);
  });

  test('?reconcile=true adds the reconciliation: balanced, arrivals by result', async () => {
    await conflict('rec-1');
    const r = await op('GET', '/v1/health?reconcile=true');
    expect(r.json.reconciliation).toMatchObject({ balanced: true, drift: [] });
    const { rows } = await h.owner.query('select count(*)::int as n from ledger.events_raw');
    expect(r.json.reconciliation.arrivals.events_raw).toBe(rows[0].n);
    expect((await op('GET', '/v1/health')).json.reconciliation).toBeUndefined();
  });

  test('database unreachable: 503 problem with Retry-After within 2 s, and back by itself', async () => {
    const url = new URL(h.ownerUrl);
    const proxy = await startProxy(Number(url.port));
    url.port = String(proxy.port);
    const pool = new pg.Pool({ connectionString: url.toString(), connectionTimeoutMillis: 1000 });
    pool.on('error', () => {});
    const edge = await createEdge({ pool, logger: pino({ level: 'silent' }) });
    const server = await new Promise<import('node:http').Server>((resolve) => { const s = edge.app.listen(0, '127.0.0.1', () => resolve(s)); });
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      expect((await fetch(`${base}/v1/health`)).status).toBe(200);
      await proxy.cut();
      for (const path of ['/v1/health', '/v1/exceptions']) {
        const started = Date.now();
        const r = await fetch(base + path, { headers: { authorization: `Bearer ${h.operatorKey}` } });
        expect(Date.now() - started).toBeLessThan(2_000);
        expect([503, 401]).toContain(r.status);
        if (path === '/v1/health') {
          expect(r.status).toBe(503);
          expect(r.headers.get('retry-after')).toBe('1');
          expect(r.headers.get('content-type')).toMatch(/problem\+json/);
        }
      }
      await proxy.restore();
      expect((await fetch(`${base}/v1/health`)).status).toBe(200);
    } finally {
      server.close();
      await edge.close();
      await pool.end();
      await proxy.close();
    }
  });
});

describe('exceptions', () => {
  test('list: filters, paging, bad query is 422', async () => {
    const a = await conflict('x-1');
    await post(envelope(h.tenant, 'x-2', { event_type: 'MAGIC' }));
    let r = await op('GET', `/v1/exceptions?tenant_id=${h.tenant}&reason_code=IDEMPOTENCY_CONFLICT`);
    expect(r.status).toBe(200);
    expect(r.json.items.map((e: any) => e.exception_id)).toContain(a.exceptionId);
    expect(r.json.items.every((e: any) => e.reason_code === 'IDEMPOTENCY_CONFLICT' && e.status === 'open')).toBe(true);
    r = await op('GET', `/v1/exceptions?tenant_id=${h.tenant}&limit=1`);
    expect(r.json.items).toHaveLength(1);
    expect(r.json.total).toBeGreaterThanOrEqual(2);
    for (const bad of ['limit=0', 'limit=501', 'status=maybe', 'offset=-1', 'tenant_id=a%20b', 'colour=red']) {
      const b = await op('GET', `/v1/exceptions?${bad}`);
      expect(b.status, bad).toBe(422);
      expect(b.json.errors.length).toBeGreaterThan(0);
    }
  });

  test('detail: the opening arrival, key state, first/last and held arrivals; 404 unknown, 422 malformed', async () => {
    const c = await conflict('x-3');
    await post(envelope(h.tenant, 'x-3', { total_amount: 2 }));
    const d = (await op('GET', `/v1/exceptions/${c.exceptionId}`)).json;
    expect(d.exception).toMatchObject({ exception_id: c.exceptionId, status: 'open', arrivals: 2 });
    expect(d.raw_event.raw_id).toBe(c.second.raw_id);
    expect(d.first_raw_event.raw_id).toBe(c.first.raw_id);
    expect(d.last_raw_event.payload.total_amount).toBe(2);
    expect(d.events_processed.status).toBe('quarantined');
    expect(d.arrivals.map((a: any) => a.payload.total_amount)).toEqual([1, 2]);
    expect((await op('GET', `/v1/exceptions/${randomUUID()}`)).status).toBe(404);
    expect((await op('GET', '/v1/exceptions/123')).status).toBe(422);
  });

  test('payload numbers leave the list and the detail with every digit', async () => {
    const big = '12345678901234567890.123456789';
    const raw = (amount: string) => JSON.stringify(envelope(h.tenant, 'x-big')).replace('42.5', amount);
    await h.http('POST', '/v1/events', { key: h.producerKey, raw: raw('1'), headers: { 'content-type': 'application/json' } });
    const held = await h.http('POST', '/v1/events', { key: h.producerKey, raw: raw(big), headers: { 'content-type': 'application/json' } });
    expect((await op('GET', `/v1/exceptions/${held.json.exception_id}`)).text).toContain(`"total_amount": ${big}`);
    const list = await op('GET', `/v1/exceptions?tenant_id=${h.tenant}&limit=500`);
    expect(list.json.items.some((e: any) => e.exception_id === held.json.exception_id)).toBe(true);
  });

  test('resolve: validation 422 on fields, 404, replay 200, again 409; actor kept beside the operator', async () => {
    const c = await conflict('x-4');
    let r = await op('POST', `/v1/exceptions/${c.exceptionId}/resolve`, { action: 'override_and_replay' });
    expect(r.status).toBe(422);
    expect(r.json.errors).toContainEqual({ path: 'resolution_notes', message: 'is required' });
    r = await op('POST', `/v1/exceptions/${c.exceptionId}/resolve`, { action: 'override_and_replay', resolution_notes: 42 });
    expect(r.status).toBe(422);
    expect(r.json.errors).toContainEqual({ path: 'resolution_notes', message: 'must be string' });
    r = await op('POST', `/v1/exceptions/${c.exceptionId}/resolve`, { action: 'override_and_replay', resolution_notes: '   ' });
    expect(r.status).toBe(422);
    expect(r.json.errors[0].path).toBe('resolution_notes');
    r = await op('POST', `/v1/exceptions/${c.exceptionId}/resolve`, { action: 'override_and_replay', resolution_notes: 'x', canonical_raw_id: 999999999 });
    expect(r.status).toBe(422);
    expect(r.json.errors[0].path).toBe('canonical_raw_id');
    r = await op('POST', `/v1/exceptions/${c.exceptionId}/resolve`, { action: 'override_and_replay', resolution_notes: 'x', override_patch: { event_type: 'MAGIC' } });
    expect(r.status).toBe(409);
    expect(r.json.errors[0].path).toBe('override_patch');
    r = await op('POST', `/v1/exceptions/${c.exceptionId}/resolve`, { action: 'override_and_replay', resolution_notes: 'second is right', actor: 'bill', canonical_raw_id: c.second.raw_id });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'resolved', resolved_by: 'operator:operator-ops', resolved_by_claimed: 'bill', replay_count: 1 });
    expect((await op('POST', `/v1/exceptions/${c.exceptionId}/resolve`, { action: 'mark_resolved_no_replay', resolution_notes: 'again' })).status).toBe(409);
    expect((await post(envelope(h.tenant, 'x-4', { total_amount: 1 }))).json.result).toBe('duplicate');
    expect((await op('POST', `/v1/exceptions/${randomUUID()}/resolve`, { action: 'mark_resolved_no_replay', resolution_notes: 'x' })).status).toBe(404);
    expect((await h.http('POST', `/v1/exceptions/${c.exceptionId}/resolve`, { key: h.operatorKey, raw: '{', headers: { 'content-type': 'application/json' } })).status).toBe(400);
  });

  test('assign: sets the owner, 422 empty, 409 resolved', async () => {
    const c = await conflict('x-5');
    expect((await op('POST', `/v1/exceptions/${c.exceptionId}/assign`, { assigned_to: '' })).status).toBe(422);
    const r = await op('POST', `/v1/exceptions/${c.exceptionId}/assign`, { assigned_to: 'operator:ann' });
    expect(r.json.assigned_to).toBe('operator:ann');
    await op('POST', `/v1/exceptions/${c.exceptionId}/resolve`, { action: 'mark_resolved_no_replay', resolution_notes: 'void' });
    expect((await op('POST', `/v1/exceptions/${c.exceptionId}/assign`, { assigned_to: 'bob' })).status).toBe(409);
  });
});

describe('protocol', () => {
  test('unknown route 404 and wrong method 405 with Allow, as problem+json with a request id', async () => {
    const nf = await h.http('GET', '/v2/nothing');
    expect(nf.status).toBe(404);
    expect(nf.headers.get('content-type')).toMatch(/problem\+json/);
    expect(nf.json.request_id).toBe(nf.headers.get('x-request-id'));
    const na = await h.http('GET', '/v1/events', { key: h.producerKey });
    expect(na.status).toBe(405);
    expect(na.headers.get('allow')).toBe('POST');
    const mine = await h.http('GET', '/v1/health', { headers: { 'x-request-id': 'trace-123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
  });

  test('OpenAPI 3.1 documents every route; /docs is an HTML page served locally', async () => {
    const doc = (await h.http('GET', '/openapi.json')).json;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/events/batch', '/v1/health', '/v1/exceptions',
      '/v1/exceptions/{exception_id}', '/v1/exceptions/{exception_id}/resolve', '/v1/exceptions/{exception_id}/assign', '/metrics']));
    const page = await h.http('GET', '/docs');
    expect(page.text).toContain('/docs/assets/swagger-ui-bundle.js');
    const asset = await fetch(`${h.url}/docs/assets/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
  });

  test('metrics: outcomes, requests and open exceptions in Prometheus text', async () => {
    await conflict('m-1');
    const text = (await op('GET', '/metrics')).text;
    expect(text).toMatch(/ledger_safe_ingest_outcomes_total\{result="quarantined",reason_code="IDEMPOTENCY_CONFLICT"\} \d+/);
    expect(text).toMatch(/ledger_safe_http_request_duration_seconds_count\{route="\/v1\/events",method="POST",status="201"\} \d+/);
    const open = Number(/ledger_safe_exceptions_open (\d+)/.exec(text)?.[1]);
    const { rows } = await h.owner.query("select count(*)::int as n from ledger.exceptions where status = 'open'");
    expect(open).toBe(rows[0].n);
  });
});
