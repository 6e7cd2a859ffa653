// What must hold in the database after a fault, whatever the fault: every arrival answered 2xx is
// in Bronze exactly once, as answered and with the body sent; every key the load sent was processed
// exactly once; the health counters equal count(*).
import type pg from 'pg';
import { expect } from 'vitest';
import type { Load } from './load.js';
import { countersAndCounts } from '../support.js';

export async function expectBronzeHoldsEveryAnswer(db: pg.Pool, tenant: string, load: Load): Promise<void> {
  const answered = load.ok().filter((a) => a.path === '/v1/events');
  const rawIds = answered.map((a) => a.json.raw_id);
  expect(new Set(rawIds).size, 'two 2xx answers gave the same raw_id').toBe(rawIds.length);

  const { rows: stored } = await db.query(
    `select a.raw_id, count(r.raw_id)::int as copies, min(r.tenant_id) as tenant_id, min(r.idempotency_key) as idempotency_key,
            min(r.result) as result, min(r.attempt) as attempt, bool_and(r.payload = a.body::jsonb) as same_payload
     from unnest($1::bigint[], $2::text[]) as a(raw_id, body)
     left join ledger.events_raw r on r.raw_id = a.raw_id
     group by a.raw_id`,
    [rawIds, answered.map((a) => a.body)]);
  const byRawId = new Map(stored.map((r) => [Number(r.raw_id), r]));
  const lost = answered.filter((a) => byRawId.get(a.json.raw_id)?.copies !== 1);
  expect(lost.map((a) => [a.eventId, a.json.raw_id, byRawId.get(a.json.raw_id)?.copies]), '2xx answers not in Bronze exactly once').toEqual([]);
  for (const a of answered) {
    expect(byRawId.get(a.json.raw_id), `raw_id ${a.json.raw_id}`).toEqual({
      raw_id: String(a.json.raw_id), copies: 1, tenant_id: tenant, idempotency_key: a.eventId,
      result: a.json.result, attempt: a.json.attempt, same_payload: true,
    });
  }

  const { rows: keys } = await db.query(
    `select r.idempotency_key, count(*)::int as arrivals, count(*) filter (where r.result = 'processed')::int as processed,
            count(*) filter (where r.result not in ('processed', 'duplicate'))::int as held_or_ignored,
            array_agg(r.attempt order by r.attempt) as attempts, min(k.status) as status, min(k.arrivals) as key_arrivals
     from ledger.events_raw r
     left join ledger.events_processed k on k.tenant_id = r.tenant_id and k.idempotency_key = r.idempotency_key
     where r.tenant_id = $1
     group by r.idempotency_key`, [tenant]);
  const byKey = new Map(keys.map((k) => [k.idempotency_key as string, k]));
  expect([...byKey.keys()].filter((k) => !load.eventIds.includes(k)), 'keys in Bronze that were never sent').toEqual([]);
  const missing = load.eventIds.filter((id) => !byKey.has(id));
  expect(missing, 'keys sent and never delivered').toEqual([]);
  for (const [key, k] of byKey) {
    expect(k, key).toEqual({
      idempotency_key: key, arrivals: k.arrivals, processed: 1, held_or_ignored: 0,
      attempts: Array.from({ length: k.arrivals }, (_, i) => i + 1), status: 'processed', key_arrivals: k.arrivals,
    });
    const attempts = load.attempts.filter((a) => a.eventId === key);
    const answers = attempts.filter((a) => a.status >= 200 && a.status < 300);
    expect(answers.filter((a) => a.json.result === 'processed').length, `${key}: processed answers`).toBeLessThanOrEqual(1);
    // An arrival in Bronze without a 2xx answer is one whose answer was lost with the connection.
    if (attempts.every((a) => a.status >= 200 && a.status < 300)) expect(k.arrivals, `${key}: arrivals`).toBe(answers.length);
    else expect(k.arrivals, `${key}: arrivals`).toBeGreaterThanOrEqual(answers.length);
  }

  const counts = await countersAndCounts(db, tenant);
  expect(counts.health).toEqual(counts.counted);
}
