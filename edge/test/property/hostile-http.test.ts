// Property: whatever a producer posts to /v1/events, and whatever an operator posts to
// /v1/exceptions/{id}/resolve, the edge never answers 5xx; each refusal is the status the contract
// gives it, as problem+json, and recorded in ledger.rejections; each 2xx answer is what the outcome
// table says for its key's state before (a few event ids repeat), an arrival that Bronze holds with
// the payload sent.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startHarness, type Harness, type HttpAnswer } from '../harness.js';
import { envelope } from '../support.js';
import {
  expectedOutcome, expectOutcome, HOSTILE_OUTCOMES, POSTED_BEFORE_SQL, hostileEnvelope, hostileValue, outcomeLabel, piece, raw, unstorableLabel, verdict, type HostileEnvelope,
} from './hostile.js';
import { runs, Tally, testTimeoutMs } from './settings.js';

let h: Harness;
beforeAll(async () => { h = await startHarness('prop_hostile_http'); });
afterAll(() => h?.close());

const EVENT_BODY_LIMIT = 256 * 1024;

/** The status the contract gives an envelope, in the order the edge checks. */
function expectedStatuses(e: HostileEnvelope): number[] {
  if (Buffer.byteLength(e.text, 'utf8') > EVENT_BODY_LIMIT) return [413];
  if (e.header !== undefined && e.header !== e.members?.get('event_id')?.value) return [422];
  const v = verdict(e, h.tenant);
  if (v === 'forbidden') return [403];
  // An unpaired surrogate escape fails the jsonb cast as 22P02, answered 400 (db/ERRORS.md).
  if (v === 'unstorable') return e.unstorable.map((why) => (why === 'surrogate' ? 400 : 422));
  if (v === 'invalid') return [422];
  return [200, 201, 202];
}

function expectProblem(r: HttpAnswer, context: string) {
  expect(r.headers.get('content-type'), context).toMatch(/^application\/problem\+json/);
  expect(r.json, context).toMatchObject({ status: r.status, title: expect.any(String) });
  expect(r.text, context).not.toMatch(/\n\s+at |select |insert |ERROR:|ledger_private/i);
}

const rejections = async () => (await h.owner.query(
  'select count(*)::int as n, (array_agg(http_status order by rejection_id desc))[1] as last_status, (array_agg(idempotency_key order by rejection_id desc))[1] as last_key from ledger.rejections where tenant_id = $1',
  [h.tenant])).rows[0];

/** What a rejection keeps of an event id: no \u0000, unpaired surrogates replaced, 255 characters at most. */
const asRecorded = (s: string) => [...s.replace(/\u0000/g, '').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')]
  .slice(0, 255).join('');

// 400, as the SQL property: the rarest outcomes (a conflict, an unknown type) come a few times in 100.
const RUNS = 400;

test('POST /v1/events: never 5xx; refusals as the contract says, recorded; 2xx as the outcome table says, for what Bronze holds', async () => {
  const tally = new Tally('hostile envelopes (HTTP): outcomes', HOSTILE_OUTCOMES);
  await fc.assert(fc.asyncProperty(hostileEnvelope(h.tenant), async (e) => {
    const before = await rejections();
    const statuses = expectedStatuses(e);
    const { rows: [keyBefore] } = statuses.includes(201)
      ? await h.owner.query('select status, canonical_payload::text from ledger.events_processed where tenant_id = $1 and idempotency_key = $2',
        [h.tenant, e.members!.get('event_id')!.value])
      : { rows: [] };
    const { rows: [posted] } = verdict(e, h.tenant) === 'valid' ? await h.owner.query(POSTED_BEFORE_SQL, [h.tenant, e.text]) : { rows: [] };
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (e.header !== undefined) headers['idempotency-key'] = e.header;
    const r = await h.http('POST', '/v1/events', { key: h.producerKey, raw: e.text, headers });
    const context = `${r.status} ${r.text.slice(0, 300)}`;
    expect(r.status, context).toBeOneOf(statuses);
    const after = await rejections();
    if (r.status >= 400) {
      expectProblem(r, context);
      const eventId = r.status === 413 ? undefined : e.members?.get('event_id')?.value;
      expect(after, `${context}: recorded`).toEqual({
        n: before.n + 1, last_status: r.status, last_key: typeof eventId === 'string' ? asRecorded(eventId) : null,
      });
      tally.add(`refused ${r.status}`);
      const label = r.status === 413 ? null : unstorableLabel(e);
      if (label) tally.add(label);
      return;
    }
    expect(after.n).toBe(before.n);
    const outcome = expectedOutcome(e, keyBefore, posted);
    expectOutcome(r.json, outcome, `key state before: ${JSON.stringify(keyBefore)}; posted before: ${JSON.stringify(posted)}`);
    tally.add(outcomeLabel(outcome));
    const eventId = e.members!.get('event_id')!.value;
    expect(r.json).toMatchObject({ tenant_id: h.tenant, idempotency_key: eventId, raw_id: expect.any(Number) });
    const { rows } = await h.owner.query(
      `select tenant_id, idempotency_key, result, attempt, payload::text = $2::jsonb::text as same_payload
       from ledger.events_raw where raw_id = $1`, [r.json.raw_id, e.text]);
    expect(rows).toEqual([{ tenant_id: h.tenant, idempotency_key: eventId, result: r.json.result, attempt: r.json.attempt, same_payload: true }]);
  }), runs(RUNS));
  tally.report();
}, testTimeoutMs(RUNS));

/** Statuses a run of hostile resolutions must reach: resolved, a replay refused, a body refused. */
const RESOLVE_STATUSES = ['200', '409', '422'];
const RESOLVE_RUNS = 150;

/** A resolution body written piece by piece; members left out when null. */
// Mostly a valid action and notes, so that the hostile parts reach the database: resolutions that
// succeed and replays that are refused are reached, not only bodies refused whole.
const resolution = fc.record({
  action: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('mark_resolved_no_replay', 'override_and_replay').map(piece) },
    { weight: 1, arbitrary: hostileValue }),
  notes: fc.oneof({ weight: 4, arbitrary: fc.constant(piece('checked')) }, { weight: 1, arbitrary: hostileValue }),
  actor: fc.option(fc.oneof({ weight: 2, arbitrary: fc.constant(piece('operator:claimed')) }, { weight: 1, arbitrary: hostileValue }), { freq: 2 }),
  // Also inside a patch that would replay (a valid arrival, or one of a type not allowed), so that it reaches the database.
  patch: fc.option(fc.oneof(hostileValue, ...['SALE', 'MAGIC'].map((type) =>
    hostileValue.map((v) => raw(`{"event_type":"${type}","extra":${v.text}}`, v.unstorable)))), { freq: 3 }),
  canonical: fc.option(fc.oneof(
    fc.constantFrom('1e20', '-1', '1.5', '"1"', 'null', '9007199254740993', '1e400', '0').map((text) => ({ text })),
    fc.constant({ text: 'OWN_RAW_ID' }),
  ), { freq: 2 }),
});

test('POST /v1/exceptions/{id}/resolve with hostile bodies: never 5xx, refusals as problem+json', async () => {
  const tally = new Tally('hostile resolutions (HTTP): statuses', RESOLVE_STATUSES);
  let n = 0;
  await fc.assert(fc.asyncProperty(resolution, async (body) => {
    const eventId = `resolve-${process.pid}-${++n}`;
    const opened = await h.http('POST', '/v1/events', { key: h.producerKey, body: envelope(h.tenant, eventId, { event_type: 'MAGIC' }) });
    expect(opened.status).toBe(202);
    const members = [`"action":${body.action.text}`, `"resolution_notes":${body.notes.text}`];
    if (body.actor) members.push(`"actor":${body.actor.text}`);
    if (body.patch) members.push(`"override_patch":${body.patch.text}`);
    if (body.canonical) members.push(`"canonical_raw_id":${body.canonical.text.replace('OWN_RAW_ID', String(opened.json.raw_id))}`);
    const r = await h.http('POST', `/v1/exceptions/${opened.json.exception_id}/resolve`, {
      key: h.operatorKey, raw: `{${members.join(',')}}`, headers: { 'content-type': 'application/json' },
    });
    const context = `${r.status} ${r.text.slice(0, 300)}`;
    expect(r.status, context).toBeOneOf([200, 400, 409, 413, 422]);
    tally.add(String(r.status));
    const { rows: [exception] } = await h.owner.query('select status from ledger.exceptions where exception_id = $1', [opened.json.exception_id]);
    if (r.status === 200) {
      expect(r.json).toMatchObject({ exception_id: opened.json.exception_id, status: 'resolved' });
      expect(exception.status).toBe('resolved');
    } else {
      expectProblem(r, context);
      expect(exception.status).toBe('open');
    }
  }), runs(RESOLVE_RUNS));
  tally.report();
}, testTimeoutMs(RESOLVE_RUNS));
