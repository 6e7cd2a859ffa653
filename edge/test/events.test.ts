import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { envelope } from './support.js';

let h: Harness;
beforeAll(async () => { h = await startHarness('events'); });
afterAll(() => h.close());

const post = (body: unknown, headers?: Record<string, string>, key = h.producerKey) => h.http('POST', '/v1/events', { key, body, headers });
const rejections = async (eventId: string) =>
  (await h.owner.query('select reason_code, http_status, errors from ledger.rejections where tenant_id = $1 and idempotency_key = $2', [h.tenant, eventId])).rows;

function expectProblem(r: { status: number; headers: Headers; json: any; text: string }, status: number) {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.json).toMatchObject({ status, title: expect.any(String) });
  expect(r.text).not.toMatch(/\n\s+at |select |insert |ERROR:|ledger_private/i);
}

describe('outcomes', () => {
  test('processed 201, duplicate 200, conflict 202, held 202, all in Bronze', async () => {
    const e = envelope(h.tenant, 'o-1');
    const first = await post(e);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ result: 'processed', key_status: 'processed', attempt: 1, reason_code: null, exception_id: null, idempotency_key: 'o-1', tenant_id: h.tenant });
    expect(Object.keys(first.json).sort()).toEqual(['attempt', 'exception_id', 'idempotency_key', 'key_status', 'raw_id', 'reason_code', 'received_at', 'result', 'tenant_id']);
    const dup = await post(e);
    expect(dup.status).toBe(200);
    expect(dup.json).toMatchObject({ result: 'duplicate', attempt: 2 });
    const conflict = await post({ ...e, total_amount: 1 });
    expect(conflict.status).toBe(202);
    expect(conflict.json).toMatchObject({ result: 'quarantined', reason_code: 'IDEMPOTENCY_CONFLICT', key_status: 'quarantined' });
    const held = await post(e);
    expect(held.json).toMatchObject({ result: 'quarantined', reason_code: 'ALREADY_QUARANTINED', exception_id: conflict.json.exception_id, attempt: 4 });
    const { rows } = await h.owner.query('select raw_id, result from ledger.events_raw where tenant_id = $1 and idempotency_key = $2 order by raw_id', [h.tenant, 'o-1']);
    expect(rows.map((r) => Number(r.raw_id))).toEqual([first, dup, conflict, held].map((r) => r.json.raw_id));
  });

  test('a number with more digits than a double holds is stored as sent, and its retry is a duplicate', async () => {
    const raw = `{"schema_version":"1.0","tenant_id":"${h.tenant}","store_id":"s","source_system":"pos","event_id":"big-1","event_type":"SALE",`
      + `"occurred_at":"2026-02-25T00:00:00Z","txn_id":"t","currency":"USD","total_amount":42.5,"loyalty_points":12345678901234567890.123456789012,"note":"caf\\u00e9 \\ud83d\\ude00"}`;
    const first = await h.http('POST', '/v1/events', { key: h.producerKey, raw, headers: { 'content-type': 'application/json' } });
    expect(first.status).toBe(201);
    const { rows } = await h.owner.query("select payload ->> 'loyalty_points' as amount, payload ->> 'note' as note from ledger.events_raw where raw_id = $1", [first.json.raw_id]);
    expect(rows[0]).toEqual({ amount: '12345678901234567890.123456789012', note: 'café 😀' });
    const retry = await h.http('POST', '/v1/events', { key: h.producerKey, raw, headers: { 'content-type': 'application/json' } });
    expect(retry.json.result).toBe('duplicate');
    const rounded = await h.http('POST', '/v1/events', { key: h.producerKey, raw: raw.replace('123456789012,', '12345678901,'), headers: { 'content-type': 'application/json' } });
    expect(rounded.json.reason_code).toBe('IDEMPOTENCY_CONFLICT');
  });

  test('Idempotency-Key header: equal passes, different is 422 and recorded', async () => {
    expect((await post(envelope(h.tenant, 'hdr-1'), { 'idempotency-key': 'hdr-1' })).status).toBe(201);
    const r = await post(envelope(h.tenant, 'hdr-2'), { 'idempotency-key': 'other' });
    expectProblem(r, 422);
    expect(r.json.errors).toEqual([{ path: 'Idempotency-Key', message: 'must equal event_id' }]);
    expect(await rejections('hdr-2')).toEqual([expect.objectContaining({ reason_code: 'IDEMPOTENCY_KEY_MISMATCH', http_status: 422 })]);
  });
});

describe('refusals: clear problems, recorded, never 5xx', () => {
  test('not JSON 400, wrong content type 415, both recorded', async () => {
    const before = (await h.owner.query('select count(*)::int as n from ledger.rejections where tenant_id = $1', [h.tenant])).rows[0].n;
    expectProblem(await h.http('POST', '/v1/events', { key: h.producerKey, raw: '{"tenant_id": ', headers: { 'content-type': 'application/json' } }), 400);
    expectProblem(await h.http('POST', '/v1/events', { key: h.producerKey, raw: 'hello', headers: { 'content-type': 'text/plain' } }), 415);
    expectProblem(await h.http('POST', '/v1/events', { key: h.producerKey, raw: '', headers: { 'content-type': 'application/json' } }), 400);
    const { rows } = await h.owner.query('select reason_code from ledger.rejections where tenant_id = $1 order by rejection_id offset $2', [h.tenant, before]);
    expect(rows.map((r) => r.reason_code)).toEqual(['INVALID_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'INVALID_JSON']);
  });

  test('invalid envelopes: 422 with errors on the right paths, recorded', async () => {
    const missing = envelope(h.tenant, 'bad-1') as Record<string, unknown>;
    delete missing.txn_id;
    const cases: [unknown, string][] = [
      [missing, 'txn_id'],
      [envelope(h.tenant, 'bad-2', { occurred_at: 'yesterday' }), 'occurred_at'],
      [envelope(h.tenant, 'bad-3', { store_id: '' }), 'store_id'],
      [envelope(h.tenant, 'bad-4', { event_id: 42 }), 'event_id'],
      [envelope(h.tenant, 'x'.repeat(256)), 'event_id'],
      [[envelope(h.tenant, 'bad-5')], ''],
    ];
    for (const [body, path] of cases) {
      const r = await post(body);
      expectProblem(r, 422);
      expect(r.json.errors.map((e: any) => e.path)).toContain(path);
    }
    expect(await rejections('bad-2')).toEqual([expect.objectContaining({ reason_code: 'INVALID_ENVELOPE', http_status: 422 })]);
  });

  test('another tenant: 403, recorded as TENANT_MISMATCH under the key\'s tenant', async () => {
    const r = await post(envelope('someone_else', 'tm-1'));
    expectProblem(r, 403);
    expect(await rejections('tm-1')).toEqual([expect.objectContaining({ reason_code: 'TENANT_MISMATCH', http_status: 403 })]);
  });

  test('JSON PostgreSQL cannot store (\\u0000, lone surrogate) and deep nesting: 422, not 500', async () => {
    const base = JSON.stringify(envelope(h.tenant, 'nul-1'));
    for (const raw of [base.replace('"USD"', '"US\\u0000D"'), base.replace('"USD"', '"\\ud800"'),
      base.replace('"USD"', '['.repeat(100_000) + ']'.repeat(100_000))]) {
      const r = await h.http('POST', '/v1/events', { key: h.producerKey, raw, headers: { 'content-type': 'application/json' } });
      expect([400, 422]).toContain(r.status);
      expectProblem(r, r.status);
    }
    expect((await h.owner.query("select count(*)::int as n from ledger.events_raw where idempotency_key = 'nul-1'")).rows[0].n).toBe(0);
  });

  test('over 256 KiB: 413 while streaming, before the whole body is read', async () => {
    const r = await post(envelope(h.tenant, 'big-2', { blob: 'x'.repeat(300 * 1024) }));
    expectProblem(r, 413);
    // Chunked, with no Content-Length: refused once the limit is crossed, not after 10 MiB. The edge
    // answers 413 and closes; a client still writing may meet the close (EPIPE, ECONNRESET) before
    // it has read the answer (Node's client then drops it; on a loaded machine it does), which
    // proves the refusal as well when it came long before the body's end and was recorded.
    let sent = 0;
    const outcome = await new Promise<{ status: number | 'reset'; sentBefore: number }>((resolve, reject) => {
      const url = new URL(h.url + '/v1/events');
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
        headers: { authorization: `Bearer ${h.producerKey}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, sentBefore: sent });
      });
      req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'EPIPE' || (e as NodeJS.ErrnoException).code === 'ECONNRESET'
        ? resolve({ status: 'reset', sentBefore: sent }) : reject(e)));
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = () => {
        while (sent < 10 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      req.write('{"blob":"');
      pump();
    });
    expect([413, 'reset']).toContain(outcome.status);
    expect(outcome.sentBefore).toBeLessThan(10 * 1024 * 1024);
    const { rows } = await h.owner.query('select reason_code, http_status from ledger.rejections where tenant_id = $1 order by rejection_id desc limit 2', [h.tenant]);
    expect(rows).toEqual([{ reason_code: 'PAYLOAD_TOO_LARGE', http_status: 413 }, { reason_code: 'PAYLOAD_TOO_LARGE', http_status: 413 }]);
  });
});

describe('batch', () => {
  test('answers in order with statuses; a bad item fails alone and is recorded', async () => {
    const bad = envelope(h.tenant, 'b-x') as Record<string, unknown>;
    delete bad.occurred_at;
    const r = await h.http('POST', '/v1/events/batch', { key: h.producerKey, body: { events: [
      envelope(h.tenant, 'b-1'), envelope(h.tenant, 'b-1'), bad, envelope(h.tenant, 'b-2', { event_type: 'MAGIC' }), envelope('other_t', 'b-3'),
    ] } });
    expect(r.status).toBe(200);
    expect(r.json.results.map((x: any) => x.status)).toEqual([201, 200, 422, 202, 403]);
    expect(r.json.results[2]).toMatchObject({ result: 'rejected', errors: [{ path: 'occurred_at', message: 'is required' }] });
    expect(r.json.results[3]).toMatchObject({ result: 'quarantined', reason_code: 'UNKNOWN_EVENT_TYPE' });
    expect(await rejections('b-x')).toEqual([expect.objectContaining({ reason_code: 'INVALID_ENVELOPE' })]);
  });

  test('the batch itself must be {"events": [...]} of at most 1000', async () => {
    expectProblem(await h.http('POST', '/v1/events/batch', { key: h.producerKey, body: [envelope(h.tenant, 'b-9')] }), 422);
    expectProblem(await h.http('POST', '/v1/events/batch', { key: h.producerKey, body: { events: 'no' } }), 422);
    const many = Array.from({ length: 1001 }, (_, i) => envelope(h.tenant, `b-many-${i}`));
    expectProblem(await h.http('POST', '/v1/events/batch', { key: h.producerKey, body: { events: many } }), 422);
    expect((await h.owner.query("select count(*)::int as n from ledger.events_raw where idempotency_key like 'b-many-%'")).rows[0].n).toBe(0);
  });
});
