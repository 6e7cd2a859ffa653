// Single POST /v1/events arrivals coalesced into shared ingest calls (ingest-coalescer.ts), over
// real HTTP and PostgreSQL: concurrent arrivals of one key keep the contract's outcomes when they
// share calls, producers of different tenants share a call and each gets only its own tenant, and
// any sequence of arrivals gets, in a shared call, the statuses, bodies, rejection rows and state
// it gets with coalescing off.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHarness, type Harness, type HttpAnswer } from './harness.js';
import { APPLICATION, callStats, plugEdge, postText, producer, queueInOrder, type Producer } from './coalescing-support.js';
import { hostileEnvelope } from './property/hostile.js';
import { runs } from './property/settings.js';
import { countersAndCounts, envelope } from './support.js';

const tally = (values: unknown[]) => values.reduce<Record<string, number>>((t, v) => ({ ...t, [String(v)]: (t[String(v)] ?? 0) + 1 }), {});

/** The edge as configured by default (several calls in flight), and one with one call at a time for plugging. */
let natural: Harness;
let single: Harness;
let plug: Producer;
beforeAll(async () => {
  [natural, single] = await Promise.all([
    startHarness('coalesce_natural', { application_name: APPLICATION }),
    startHarness('coalesce_single', { application_name: APPLICATION }, undefined, { coalescing: { calls: 1, queueTimeoutMs: 60_000 } }),
  ]);
  plug = await producer(single, 'coal_plug');
});
afterAll(async () => {
  await natural?.close();
  await single?.close();
});

/**
 * The arrivals queued in this order behind a plugged call, then let go: one call takes them all.
 * `plugged` gets the call statistics once the plug holds (its own calls counted).
 */
async function inOneCall(h: Harness, sends: (() => Promise<HttpAnswer>)[], plugged?: (stats: { calls: number; arrivals: number }) => void) {
  const held = await plugEdge(h, plug);
  let queued: Promise<HttpAnswer>[] = [];
  try {
    plugged?.(await callStats(h));
    queued = await queueInOrder(h, sends);
  } finally {
    await held.unplug();
  }
  return Promise.all(queued);
}

async function expectKeyState(h: Harness, tenant: string) {
  const { rows } = await h.owner.query(
    `select count(*)::int as n from (select idempotency_key, attempt from ledger.events_raw where tenant_id = $1
     group by 1, 2 having count(*) > 1) d`, [tenant]);
  expect(rows[0].n, 'two Bronze rows with one attempt number').toBe(0);
  const c = await countersAndCounts(h.owner, tenant);
  expect(c.health).toEqual(c.counted);
}

describe('one key, 50 concurrent arrivals', () => {
  for (const mode of ['natural', 'in one call'] as const) {
    test(`identical first arrivals (${mode}): 1 processed, 49 duplicate`, async () => {
      const h = mode === 'natural' ? natural : single;
      const p = await producer(h, `same_${mode === 'natural' ? 'n' : 'one'}`);
      const text = JSON.stringify(envelope(p.tenant, 'k1'));
      let before = await callStats(h);
      let answers: HttpAnswer[];
      if (mode === 'natural') {
        answers = await Promise.all(Array.from({ length: 50 }, () => postText(h, p.key, text)));
      } else {
        answers = await inOneCall(h, Array.from({ length: 50 }, () => () => postText(h, p.key, text)), (stats) => { before = stats; });
      }
      expect(tally(answers.map((a) => `${a.status} ${a.json.result}`))).toEqual({ '201 processed': 1, '200 duplicate': 49 });
      expect(answers.map((a) => a.json.attempt).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      const after = await callStats(h);
      expect(after.arrivals - before.arrivals).toBe(mode === 'natural' ? 50 : 51);
      // Shared calls: fewer calls than arrivals (in one call: the plug's and this one).
      if (mode === 'natural') expect(after.calls - before.calls).toBeLessThan(50);
      else expect(after.calls - before.calls).toBe(2);
      const { rows } = await h.owner.query('select status, arrivals from ledger.events_processed where tenant_id = $1', [p.tenant]);
      expect(rows).toEqual([{ status: 'processed', arrivals: 50 }]);
      await expectKeyState(h, p.tenant);
    });

    test(`distinct payloads (${mode}): 1 processed, one exception holding 49`, async () => {
      const h = mode === 'natural' ? natural : single;
      const p = await producer(h, `distinct_${mode === 'natural' ? 'n' : 'one'}`);
      const texts = Array.from({ length: 50 }, (_, i) => JSON.stringify(envelope(p.tenant, 'k1', { total_amount: 100 + i })));
      const answers = mode === 'natural' ? await Promise.all(texts.map((t) => postText(h, p.key, t)))
        : await inOneCall(h, texts.map((t) => () => postText(h, p.key, t)));
      expect(tally(answers.map((a) => `${a.status} ${a.json.result} ${a.json.reason_code}`)))
        .toEqual({ '201 processed null': 1, '202 quarantined IDEMPOTENCY_CONFLICT': 1, '202 quarantined ALREADY_QUARANTINED': 48 });
      const exceptionIds = new Set(answers.filter((a) => a.status === 202).map((a) => a.json.exception_id));
      expect(exceptionIds.size).toBe(1);
      const { rows } = await h.owner.query('select exception_id, status, arrivals from ledger.exceptions where tenant_id = $1', [p.tenant]);
      expect(rows).toEqual([{ exception_id: [...exceptionIds][0], status: 'open', arrivals: 49 }]);
      await expectKeyState(h, p.tenant);
    });
  }
});

test('producers of five tenants in one call: each answered for its own tenant, a foreign envelope 403 recorded as its producer\'s', async () => {
  const h = single;
  const producers = await Promise.all(['coal_t1', 'coal_t2', 'coal_t3', 'coal_t4', 'coal_t5'].map((t) => producer(h, t)));
  const sends: { p: Producer; kind: string; eventId: string; text: string }[] = [];
  producers.forEach((p, i) => {
    const other = producers[(i + 1) % producers.length].tenant;
    const own = JSON.stringify(envelope(p.tenant, `own-${i}`));
    const missing = envelope(p.tenant, `bad-${i}`) as Record<string, unknown>;
    delete missing.txn_id;
    sends.push(
      { p, kind: 'own', eventId: `own-${i}`, text: own },
      { p, kind: 'foreign', eventId: `foreign-${i}`, text: JSON.stringify(envelope(other, `foreign-${i}`)) },
      { p, kind: 'invalid', eventId: `bad-${i}`, text: JSON.stringify(missing) },
      { p, kind: 'again', eventId: `own-${i}`, text: own },
    );
  });
  // Interleaved: every call holds arrivals of all five producers.
  const order = sends.map((_, i) => sends[(i % 5) * 4 + Math.floor(i / 5)]);
  let before = { calls: 0, arrivals: 0 };
  const answers = await inOneCall(h, order.map((s) => () => postText(h, s.p.key, s.text)), (stats) => { before = stats; });
  expect((await callStats(h)).calls - before.calls).toBe(2);

  for (const [i, s] of order.entries()) {
    const a = answers[i];
    const context = `${s.kind} of ${s.p.tenant}: ${a.status} ${a.text}`;
    if (s.kind === 'own') expect([a.status, a.json.result, a.json.tenant_id], context).toEqual([201, 'processed', s.p.tenant]);
    if (s.kind === 'again') expect([a.status, a.json.result, a.json.tenant_id, a.json.attempt], context).toEqual([200, 'duplicate', s.p.tenant, 2]);
    if (s.kind === 'foreign') {
      expect(a.headers.get('content-type'), context).toMatch(/^application\/problem\+json/);
      expect(a.json, context).toMatchObject({
        status: 403, title: 'Forbidden', detail: `this key may only act for tenant ${s.p.tenant}`,
        errors: [{ path: 'tenant_id', message: 'not the tenant of this key' }],
      });
    }
    if (s.kind === 'invalid') {
      expect(a.json, context).toMatchObject({ status: 422, detail: 'envelope invalid', type: 'https://ledger-safe.dev/problems/validation' });
      expect(a.json.errors.map((e: { path: string }) => e.path), context).toContain('txn_id');
    }
  }
  for (const p of producers) {
    const { rows: rejections } = await h.owner.query(
      'select tenant_id, http_status, reason_code, idempotency_key, source, api_key_id from ledger.rejections where api_key_id = $1 order by rejection_id', [p.keyId]);
    const i = producers.indexOf(p);
    expect(rejections).toEqual([
      { tenant_id: p.tenant, http_status: 403, reason_code: 'TENANT_MISMATCH', idempotency_key: `foreign-${i}`, source: 'http', api_key_id: p.keyId },
      { tenant_id: p.tenant, http_status: 422, reason_code: 'INVALID_ENVELOPE', idempotency_key: `bad-${i}`, source: 'http', api_key_id: p.keyId },
    ].sort((x, y) => order.findIndex((s) => s.eventId === x.idempotency_key) - order.findIndex((s) => s.eventId === y.idempotency_key)));
    // Nothing of another producer landed in this tenant.
    const { rows: bronze } = await h.owner.query('select idempotency_key, attempt, source from ledger.events_raw where tenant_id = $1 order by raw_id', [p.tenant]);
    expect(bronze).toEqual([{ idempotency_key: `own-${i}`, attempt: 1, source: 'http' }, { idempotency_key: `own-${i}`, attempt: 2, source: 'http' }]);
    await expectKeyState(h, p.tenant);
  }
});

describe('a shared call answers as one call per arrival does', () => {
  let alone: Harness;
  let sharedProducer: Producer;
  let aloneProducer: Producer;
  const TENANT = 'coal_same';
  beforeAll(async () => {
    alone = await startHarness('coalesce_off', {}, undefined, { coalescing: { enabled: false } });
    [sharedProducer, aloneProducer] = await Promise.all([producer(single, TENANT), producer(alone, TENANT)]);
  });
  afterAll(() => alone?.close());

  /** What must agree: the status, the content type, and the body but for ids, times and the request's own id. */
  const comparable = (a: HttpAnswer) => {
    const { raw_id, received_at, exception_id, request_id, ...rest } = a.json ?? {};
    return { status: a.status, type: a.headers.get('content-type'), body: a.json === undefined ? a.text : rest, held: exception_id != null };
  };
  /**
   * The tenant's state, in an order that does not depend on when each arrival was taken (a refusal
   * of the edge's own, or a text that goes alone, is not queued). A rejection's body_excerpt is left out: ledger_private.ingest_texts keeps
   * PostgreSQL's text of the refused envelope, the single path the text as sent (docs/performance.md).
   */
  const state = async (h: Harness, keyId: string) => {
    const q = async (sql: string) => (await h.owner.query(sql, [TENANT])).rows;
    const [bronze, keys, exceptions, rejections, counters] = await Promise.all([
      q('select idempotency_key, attempt, result, reason_code, payload::text as payload, source, exception_id is not null as held from ledger.events_raw where tenant_id = $1 order by idempotency_key, attempt'),
      q('select idempotency_key, status, arrivals, canonical_fingerprint from ledger.events_processed where tenant_id = $1 order by idempotency_key'),
      q('select idempotency_key, reason_code, status, arrivals from ledger.exceptions where tenant_id = $1 order by idempotency_key, opened_at'),
      q('select http_status, reason_code, idempotency_key, errors, source, api_key_id from ledger.rejections where tenant_id = $1 order by idempotency_key nulls first, http_status, reason_code, errors::text'),
      countersAndCounts(h.owner, TENANT),
    ]);
    return { bronze, keys, exceptions, rejections: rejections.map((r) => ({ ...r, own_key: r.api_key_id === keyId, api_key_id: undefined })), counters };
  };

  let run = 0;
  /** Hostile envelopes and valid ones over a few keys, some sent again: duplicates, conflicts, held keys. */
  const sequence = fc.tuple(
    fc.array(hostileEnvelope(TENANT), { minLength: 1, maxLength: 6 }),
    fc.array(fc.record({ key: fc.integer({ min: 0, max: 2 }), amount: fc.integer({ min: 1, max: 3 }), type: fc.constantFrom('SALE', 'SALE', 'MAGIC') }),
      { maxLength: 8 }),
    fc.array(fc.nat(), { maxLength: 6 }),
  ).map(([hostile, valid, repeats]) => {
    const n = ++run;
    const texts = [
      ...hostile.map((e) => ({ text: e.text, header: e.header })),
      ...valid.map((v) => ({ text: JSON.stringify(envelope(TENANT, `r${n}-k${v.key}`, { total_amount: v.amount, event_type: v.type })), header: undefined })),
    ];
    for (const r of repeats) texts.splice(r % (texts.length + 1), 0, texts[r % texts.length]);
    return texts;
  });

  test('statuses, bodies, Bronze, keys, exceptions, rejections and counters agree', async () => {
    await fc.assert(fc.asyncProperty(sequence, async (texts) => {
      const send = (h: Harness, key: string, t: { text: string; header?: string }) => h.http('POST', '/v1/events', {
        key, raw: t.text, headers: { 'content-type': 'application/json', ...(t.header === undefined ? {} : { 'idempotency-key': t.header }) },
      });
      const expected: HttpAnswer[] = [];
      for (const t of texts) expected.push(await send(alone, aloneProducer.key, t));
      const got = await inOneCall(single, texts.map((t) => () => send(single, sharedProducer.key, t)));
      expect(got.map(comparable)).toEqual(expected.map(comparable));
      expect(await state(single, sharedProducer.keyId)).toEqual(await state(alone, aloneProducer.keyId));
    }), runs(40));
  }, 90_000);
});
