// The REST edge's bounds on what a client sends: bytes decoded strictly (never repaired), compressed
// bodies limited by what they inflate to, slow clients cut, and the batch split into items that
// each fail alone. Every hostile input gets its status, and nothing answered 2xx is lost.
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEdge, type Edge } from '../src/app.js';
import { createHttpServer } from '../src/server.js';
import { startHarness, type Harness } from './harness.js';
import { envelope } from './support.js';

let h: Harness;
beforeAll(async () => { h = await startHarness('bounds_http'); });
afterAll(() => h?.close());

const JSON_TYPE = { 'content-type': 'application/json' };
const send = (path: string, body: Buffer | string, headers: Record<string, string> = {}, key = h.producerKey) =>
  fetch(h.url + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...JSON_TYPE, ...headers }, body })
    .then(async (r) => ({ status: r.status, type: r.headers.get('content-type') ?? '', json: await r.json().catch(() => undefined) }));

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

async function lastRejection() {
  const { rows } = await h.owner.query(
    'select reason_code, http_status, source, idempotency_key, errors from ledger.rejections where tenant_id = $1 order by rejection_id desc limit 1', [h.tenant]);
  return rows[0];
}
const bronze = async (key: string) =>
  (await h.owner.query('select raw_id, payload::text as payload from ledger.events_raw where tenant_id = $1 and idempotency_key = $2 order by raw_id', [h.tenant, key])).rows;

/** Every 2xx answer of a batch is an arrival in Bronze with that raw_id. */
async function expectKept(results: { status: number; raw_id: number | null; idempotency_key: string }[]) {
  for (const r of results.filter((x) => x.status < 300)) {
    expect((await bronze(r.idempotency_key)).map((row) => Number(row.raw_id))).toContain(r.raw_id);
  }
}

/** A single envelope's text with `marker` in place of its currency, as bytes. */
const withBytes = (eventId: string, marker: number[]) => {
  // In a field no posting rule reads (a currency of U+FFFD would not post).
  const [before, after] = JSON.stringify(envelope(h.tenant, eventId)).split('"pos_sim"');
  return bytes(before, '"', marker, '"', after);
};

describe('bytes: strict UTF-8', () => {
  test('an envelope with a byte that is not UTF-8: 400 INVALID_ENCODING, recorded, nothing stored; another invalid byte is not a duplicate', async () => {
    for (const marker of [[0xff], [0xfe], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
      const r = await send('/v1/events', withBytes('utf8-1', marker));
      expect(r.status, String(marker)).toBe(400);
      expect(r.type).toMatch(/^application\/problem\+json/);
      expect(r.json.errors[0].message).toMatch(/^byte \d+ is not UTF-8$/);
      expect(await lastRejection()).toMatchObject({ reason_code: 'INVALID_ENCODING', http_status: 400, source: 'http', idempotency_key: 'utf8-1' });
    }
    expect(await bronze('utf8-1')).toEqual([]);
    // What a replacement would have made of them, sent as valid UTF-8, is an arrival of its own.
    const replaced = await send('/v1/events', withBytes('utf8-1', [0xef, 0xbf, 0xbd]));
    expect(replaced.status).toBe(201);
    expect(await bronze('utf8-1')).toHaveLength(1);
  });

  test('a charset other than UTF-8: 415 and recorded', async () => {
    const r = await send('/v1/events', JSON.stringify(envelope(h.tenant, 'latin-1')), { 'content-type': 'application/json; charset=iso-8859-1' });
    expect(r.status).toBe(415);
    expect(await lastRejection()).toMatchObject({ reason_code: 'UNSUPPORTED_MEDIA_TYPE', http_status: 415 });
    expect((await send('/v1/events', JSON.stringify(envelope(h.tenant, 'utf-8')), { 'content-type': 'application/json; charset=UTF-8' })).status).toBe(201);
  });

  test('a batch item that is not UTF-8 fails alone, recorded; the others are stored', async () => {
    const good = (id: string) => Buffer.from(JSON.stringify(envelope(h.tenant, id)));
    const r = await send('/v1/events/batch', Buffer.concat([Buffer.from('{"events": ['), good('b-utf8-ok'), Buffer.from(', '),
      withBytes('b-utf8-bad', [0xff]), Buffer.from(', '), good('b-utf8-ok2'), Buffer.from(']}')]));
    expect(r.status).toBe(200);
    expect(r.json.results.map((x: any) => x.status)).toEqual([201, 400, 201]);
    expect(r.json.results[1]).toMatchObject({ result: 'rejected', idempotency_key: 'b-utf8-bad', errors: [{ path: '', message: expect.stringMatching(/not UTF-8/) }] });
    expect(await lastRejection()).toMatchObject({ reason_code: 'INVALID_ENCODING', http_status: 400, source: 'batch', idempotency_key: 'b-utf8-bad' });
    await expectKept(r.json.results);
    expect(await bronze('b-utf8-bad')).toEqual([]);
  });

  test('bytes that are not UTF-8 outside the items: the whole batch is 400, recorded', async () => {
    const r = await send('/v1/events/batch', bytes('{"ev', [0xff], 'ents": [', JSON.stringify(envelope(h.tenant, 'b-utf8-out')), ']}'));
    expect(r.status).toBe(400);
    expect(await lastRejection()).toMatchObject({ reason_code: 'INVALID_ENCODING', source: 'batch' });
    expect(await bronze('b-utf8-out')).toEqual([]);
  });

  test('a resolution and an assignment that are not UTF-8: 400, nothing changed', async () => {
    const e = envelope(h.tenant, 'utf8-res');
    await send('/v1/events', JSON.stringify(e));
    const conflict = await send('/v1/events', JSON.stringify({ ...e, total_amount: 1 }));
    const id = conflict.json.exception_id;
    const op = (path: string, body: Buffer) => send(`/v1/exceptions/${id}/${path}`, body, {}, h.operatorKey);
    expect((await op('resolve', bytes('{"action": "mark_resolved_no_replay", "resolution_notes": "caf', [0xe9], '"}'))).status).toBe(400);
    expect((await op('assign', bytes('{"assigned_to": "ann', [0xff], '"}'))).status).toBe(400);
    const { rows } = await h.owner.query('select status, assigned_to from ledger.exceptions where exception_id = $1', [id]);
    expect(rows[0]).toEqual({ status: 'open', assigned_to: null });
  });
});

describe('compressed bodies', () => {
  test('gzip, deflate and br bodies are inflated and ingested', async () => {
    for (const [encoding, compress] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
      const r = await send('/v1/events', compress(Buffer.from(JSON.stringify(envelope(h.tenant, `zip-${encoding}`)))), { 'content-encoding': encoding });
      expect(r.status, encoding).toBe(201);
      expect(await bronze(`zip-${encoding}`)).toHaveLength(1);
    }
  });

  test('a small body that inflates past the limit: 413 while inflating, recorded', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"blob": "'), Buffer.alloc(64 * 1024 * 1024, 'a'), Buffer.from('"}')]));
    expect(bomb.length).toBeLessThan(100 * 1024);
    expect((await send('/v1/events', bomb, { 'content-encoding': 'gzip' })).status).toBe(413);
    expect(await lastRejection()).toMatchObject({ reason_code: 'PAYLOAD_TOO_LARGE', http_status: 413 });
    expect((await send('/v1/events/batch', bomb, { 'content-encoding': 'gzip' })).status).toBe(413);
  });

  test('a corrupt gzip body: 400 INVALID_ENCODING; an unknown encoding: 415', async () => {
    const zipped = gzipSync(Buffer.from(JSON.stringify(envelope(h.tenant, 'zip-bad'))));
    zipped[zipped.length - 6] ^= 0xff;
    expect((await send('/v1/events', zipped, { 'content-encoding': 'gzip' })).status).toBe(400);
    expect(await lastRejection()).toMatchObject({ reason_code: 'INVALID_ENCODING', http_status: 400 });
    expect((await send('/v1/events', JSON.stringify(envelope(h.tenant, 'zip-bad')), { 'content-encoding': 'compress' })).status).toBe(415);
    expect(await bronze('zip-bad')).toEqual([]);
  });
});

describe('batch: split into items, each judged alone', () => {
  test('items jsonb cannot hold, too large, too deep, not objects or invalid: each its own status and rejection; the rest stored', async () => {
    const ok = (id: string) => JSON.stringify(envelope(h.tenant, id));
    const items = [
      ok('bi-1'),
      ok('bi-nul').replace('"USD"', '"US\\u0000D"'),
      JSON.stringify(envelope(h.tenant, 'bi-big', { blob: 'x'.repeat(10 * 1024 * 1024) })),
      JSON.stringify(envelope(h.tenant, 'bi-deep', { n: JSON.parse('{"a":'.repeat(70) + '1' + '}'.repeat(70)) })),
      '['.repeat(5000) + ']'.repeat(5000),
      ok('bi-range').replace('42.5', '1e1000000'),
      ok('bi-surrogate').replace('"USD"', '"\\ud800"'),
      '"just a string"',
      JSON.stringify(envelope('someone_else', 'bi-foreign')),
      ok('bi-2'),
    ];
    const r = await send('/v1/events/batch', `{"events": [${items.join(',\n')}]}`);
    expect(r.status).toBe(200);
    expect(r.json.results.map((x: any) => x.status)).toEqual([201, 422, 413, 422, 422, 422, 400, 422, 403, 201]);
    expect(r.json.results.filter((x: any) => x.status >= 400).every((x: any) => x.result === 'rejected' && x.errors.length > 0)).toBe(true);
    const { rows } = await h.owner.query(
      "select reason_code from ledger.rejections where tenant_id = $1 and source = 'batch' order by rejection_id desc limit 8", [h.tenant]);
    expect(rows.map((x) => x.reason_code).sort()).toEqual(['INVALID_ENVELOPE', 'INVALID_ENVELOPE', 'INVALID_ENVELOPE', 'INVALID_ENVELOPE',
      'INVALID_ENVELOPE', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE', 'TENANT_MISMATCH']);
    await expectKept(r.json.results);
    expect(await bronze('bi-big')).toEqual([]);
  });

  test('an item keeps its text exactly: numbers beyond a double, trailing zeros, escapes', async () => {
    const text = `{"schema_version":"1.0","tenant_id":"${h.tenant}","store_id":"s","source_system":"pos","event_id":"bi-exact","event_type":"SALE",`
      + `"occurred_at":"2026-02-25T00:00:00Z","txn_id":"t","currency":"USD","total_amount":12345678901234567890123.45,"tax":40.0,"note":"caf\\u00e9"}`;
    const r = await send('/v1/events/batch', `{"events":[${text}]}`);
    expect(r.json.results[0].status).toBe(201);
    const [row] = await bronze('bi-exact');
    expect(row.payload).toContain('"total_amount": 12345678901234567890123.45');
    expect(row.payload).toContain('"tax": 40.0');
    expect(row.payload).toContain('"note": "café"');
  });

  test('the whole batch: not JSON 400, wrong shape 422, both recorded, nothing stored', async () => {
    const item = JSON.stringify(envelope(h.tenant, 'bs-1'));
    const cases: [string, number][] = [
      [`{"events": [${item},]}`, 400], [`{"events": [${item}]`, 400], [`{"events": [${item}]} trailing`, 400], ['', 400],
      [`[${item}]`, 422], ['{"events": []}', 422], ['{"events": {}}', 422], [`{"events": [${item}], "meta": 1}`, 422],
      [`{"events": [${item}], "events": [${item}]}`, 422], [`{"events": [${Array(1001).fill(item).join(',')}]}`, 422],
    ];
    for (const [body, status] of cases) {
      const r = await send('/v1/events/batch', body);
      expect(r.status, body.slice(0, 60)).toBe(status);
      expect(r.type).toMatch(/^application\/problem\+json/);
      expect(await lastRejection()).toMatchObject({ http_status: status, reason_code: status === 400 ? 'INVALID_JSON' : 'INVALID_ENVELOPE', source: 'batch' });
    }
    expect(await bronze('bs-1')).toEqual([]);
  });

  test('a batch at the size limit with 1000 items is taken', async () => {
    const limit = h.edge.limits.batchBodyBytes;
    const padding = Math.floor(limit / 1000) - 400;
    const events = Array.from({ length: 1000 }, (_, i) => envelope(h.tenant, `full-${i}`, { blob: 'y'.repeat(padding) }));
    const body = JSON.stringify({ events });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(limit);
    expect(Buffer.byteLength(body)).toBeGreaterThan(limit * 0.95);
    const r = await send('/v1/events/batch', body);
    expect(r.status).toBe(200);
    expect(r.json.results.every((x: any) => x.status === 201)).toBe(true);
    const { rows } = await h.owner.query("select count(*)::int as n from ledger.events_raw where tenant_id = $1 and idempotency_key like 'full-%'", [h.tenant]);
    expect(rows[0].n).toBe(1000);
    expect((await send('/v1/events/batch', body + ' '.repeat(limit))).status).toBe(413);
  });
});

describe('slow clients', () => {
  let edge: Edge;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    edge = await createEdge({ pool: h.pool, logger: pino({ level: 'silent' }), limits: { headersTimeoutMs: 400, bodyTimeoutMs: 400 } });
    server = createHttpServer(edge.app, edge.limits);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await edge?.close();
  });

  /** Writes `head`, then a byte of `dribble` every 100 ms; what the server answered, once it closed. */
  function slowClient(head: string, dribble: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      let sent = 0;
      const timer = setInterval(() => {
        if (sent < dribble.length && !socket.destroyed) socket.write(dribble[sent++]);
      }, 100);
      socket.on('data', (chunk) => { answer += chunk.toString(); });
      socket.on('close', () => { clearInterval(timer); resolve(answer); });
      socket.on('error', (e) => { clearInterval(timer); if ((e as NodeJS.ErrnoException).code === 'ECONNRESET') resolve(answer); else reject(e); });
      socket.write(head);
    });
  }

  test('a body dribbled slower than the body timeout: 408 problem, connection closed, nothing stored', async () => {
    const body = JSON.stringify(envelope(h.tenant, 'slow-body'));
    const answer = await slowClient(`POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h.producerKey}\r\n`
      + `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('application/problem+json');
    expect(await bronze('slow-body')).toEqual([]);
  });

  test('headers dribbled slower than the headers timeout: cut with 408', async () => {
    const answer = await slowClient('POST /v1/events HTTP/1.1\r\n', `Host: x\r\nAuthorization: Bearer ${h.producerKey}\r\nX-Slow: ${'z'.repeat(200)}`);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });
});
