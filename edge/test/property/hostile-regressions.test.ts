// The hostile inputs the properties of hostile-http.test.ts found mishandled, one test each.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startHarness, type Harness, type HttpAnswer } from '../harness.js';
import { envelope } from '../support.js';

let h: Harness;
beforeAll(async () => { h = await startHarness('prop_regressions'); });
afterAll(() => h?.close());

const json = { 'content-type': 'application/json' };
const postRaw = (raw: string) => h.http('POST', '/v1/events', { key: h.producerKey, raw, headers: json });
const resolveRaw = (exceptionId: string, raw: string) =>
  h.http('POST', `/v1/exceptions/${exceptionId}/resolve`, { key: h.operatorKey, raw, headers: json });

async function openException(eventId: string): Promise<{ exception_id: string; raw_id: number }> {
  const r = await h.http('POST', '/v1/events', { key: h.producerKey, body: envelope(h.tenant, eventId, { event_type: 'MAGIC' }) });
  expect(r.status).toBe(202);
  return r.json;
}

function expectProblem(r: HttpAnswer, status: number, detail?: RegExp) {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.headers.get('retry-after')).toBeNull();
  if (detail) expect(r.json.detail).toMatch(detail);
}

const exceptionStatus = async (id: string) =>
  (await h.owner.query('select status from ledger.exceptions where exception_id = $1', [id])).rows[0].status;

test('\\u0000 in resolution_notes or actor: 422, not a 503 "retry shortly" (the NUL cut the query text)', async () => {
  const { exception_id } = await openException('reg-nul-notes');
  expectProblem(await resolveRaw(exception_id, '{"action":"mark_resolved_no_replay","resolution_notes":"a\\u0000b"}'), 422);
  expectProblem(await resolveRaw(exception_id, '{"action":"mark_resolved_no_replay","resolution_notes":"ok","actor":"\\u0000"}'), 422);
  expect(await exceptionStatus(exception_id)).toBe('open');
});

test('an event_id holding \\u0000: the 422 is recorded in rejections (it was lost)', async () => {
  const raw = JSON.stringify(envelope(h.tenant, 'reg-nul-id')).replace('"reg-nul-id"', '"reg-nul\\u0000-id"');
  expectProblem(await postRaw(raw), 422);
  const { rows } = await h.owner.query('select http_status, reason_code from ledger.rejections where tenant_id = $1 and idempotency_key = $2',
    [h.tenant, 'reg-nul-id']);
  expect(rows).toEqual([{ http_status: 422, reason_code: 'INVALID_ENVELOPE' }]);
});

test('a number PostgreSQL cannot hold: 422 "out of range", not 400 "conflicts with the current state"', async () => {
  const raw = JSON.stringify(envelope(h.tenant, 'reg-range')).replace('42.5', '1e1000000');
  expectProblem(await postRaw(raw), 422, /out of the range/);
  const { exception_id } = await openException('reg-range-id');
  const r = await resolveRaw(exception_id, '{"action":"override_and_replay","resolution_notes":"x","canonical_raw_id":100000000000000000000}');
  expectProblem(r, 422, /out of the range/);
});

test('canonical_raw_id 1e400 (Infinity once parsed): 422, not 500', async () => {
  const { exception_id } = await openException('reg-infinity');
  expectProblem(await resolveRaw(exception_id, '{"action":"override_and_replay","resolution_notes":"x","canonical_raw_id":1e400}'), 422);
  expect(await exceptionStatus(exception_id)).toBe('open');
});

test('override_patch nested deeper than JSON.stringify goes: refused as a replay (409, nesting limit) or 422 (50000), never 500', async () => {
  const replay = (depth: number) =>
    `{"action":"override_and_replay","resolution_notes":"x","override_patch":{"event_type":"SALE","extra":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
  const deep = await openException('reg-deep-patch');
  const r = await resolveRaw(deep.exception_id, replay(10_000));
  expect(r.status, r.text).toBe(409);
  expect(r.json.errors).toContainEqual({ path: '', message: 'must not nest deeper than 64 levels' });
  expect(await exceptionStatus(deep.exception_id)).toBe('open');
  const tooDeep = await openException('reg-too-deep-patch');
  expectProblem(await resolveRaw(tooDeep.exception_id, replay(50_000)), 422);
  expect(await exceptionStatus(tooDeep.exception_id)).toBe('open');
});

test('a patch\'s number is replayed with every digit, not rounded through a double', async () => {
  const exact = await openException('reg-exact-patch');
  const r = await resolveRaw(exact.exception_id,
    '{"action":"override_and_replay","resolution_notes":"x","override_patch":{"event_type":"SALE","loyalty_points":12345678901234567890.123456789}}');
  expect(r.status, r.text).toBe(200);
  expect(r.text).toContain('12345678901234567890.123456789');
  const { rows } = await h.owner.query(
    "select canonical_payload ->> 'loyalty_points' as amount from ledger.events_processed where tenant_id = $1 and idempotency_key = $2",
    [h.tenant, 'reg-exact-patch']);
  expect(rows).toEqual([{ amount: '12345678901234567890.123456789' }]);
  const retry = await postRaw(JSON.stringify(envelope(h.tenant, 'reg-exact-patch')).replace('"USD"', '"USD","loyalty_points":12345678901234567890.123456789'));
  expect(retry.json.result).toBe('duplicate');
});

test('override_patch null or left out: nothing to patch, as before', async () => {
  for (const member of ['', ',"override_patch":null']) {
    const { exception_id } = await openException(`reg-null-patch${member ? '-null' : ''}`);
    const r = await resolveRaw(exception_id, `{"action":"mark_resolved_no_replay","resolution_notes":"x"${member}}`);
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ status: 'resolved', override_patch: null });
  }
});
