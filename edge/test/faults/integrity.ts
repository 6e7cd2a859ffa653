// What must hold after faults under mixed traffic: every 2xx answer (a single POST, each 2xx item
// of a batch) is in Bronze exactly once, as answered and with the body sent; every resolution
// answered 200 is recorded; ledger.reconcile is balanced; no exception or audit row is
// half-written (each exception opened once and audited once, resolved ones audited once more,
// held by its key while open, counting the arrivals that point to it).
import type pg from 'pg';
import { expect } from 'vitest';
import type { MixedLoad } from './mixed-load.js';

export async function expectIntegrity(db: pg.Pool, tenant: string, load: MixedLoad): Promise<void> {
  const answered = load.ok().flatMap((a) => (a.kind === 'single' ? [{ answer: a.json, item: a.items![0] }]
    : a.kind === 'batch' ? a.json.results.map((answer: any, i: number) => ({ answer, item: a.items![i] })) : []))
    .filter(({ answer }: { answer: any }) => answer.status === undefined || (answer.status >= 200 && answer.status < 300));
  const rawIds = answered.map(({ answer }: { answer: any }) => answer.raw_id);
  expect(new Set(rawIds).size, 'two 2xx answers gave the same raw_id').toBe(rawIds.length);

  const { rows: stored } = await db.query(
    `select a.raw_id, count(r.raw_id)::int as copies, min(r.tenant_id) as tenant_id, min(r.idempotency_key) as idempotency_key,
            min(r.result) as result, min(r.reason_code) as reason_code, min(r.exception_id::text) as exception_id, min(r.attempt) as attempt,
            bool_and(r.payload = a.body::jsonb) as same_payload
     from unnest($1::bigint[], $2::text[]) as a(raw_id, body)
     left join ledger.events_raw r on r.raw_id = a.raw_id
     group by a.raw_id`,
    [rawIds, answered.map(({ item }: { item: { body: string } }) => item.body)]);
  const byRawId = new Map(stored.map((r) => [Number(r.raw_id), r]));
  const mismatched = answered.filter(({ answer, item }: { answer: any; item: { eventId: string } }) => {
    const row = byRawId.get(answer.raw_id);
    return !row || row.copies !== 1 || row.tenant_id !== tenant || row.idempotency_key !== item.eventId || row.result !== answer.result
      || row.reason_code !== answer.reason_code || row.exception_id !== answer.exception_id || row.attempt !== answer.attempt || !row.same_payload;
  }).map(({ answer }: { answer: any }) => ({ answer, stored: byRawId.get(answer.raw_id) }));
  expect(mismatched, '2xx answers not in Bronze exactly once, as answered').toEqual([]);

  const resolved = load.ok().filter((a) => a.kind === 'resolve');
  const { rows: resolutions } = await db.query(
    `select r.exception_id, e.status, e.resolution_action
     from unnest($1::uuid[]) as r(exception_id) left join ledger.exceptions e on e.exception_id = r.exception_id`,
    [resolved.map((a) => a.exceptionId)]);
  const actions = new Map(resolved.map((a) => [a.exceptionId, a.action]));
  expect(resolutions.filter((r) => r.status !== 'resolved' || r.resolution_action !== actions.get(r.exception_id)),
    'resolutions answered 200 but not recorded').toEqual([]);

  const { rows: [{ reconcile }] } = await db.query('select ledger.reconcile($1) as reconcile', [tenant]);
  expect(reconcile.drift, 'ledger.reconcile drift').toEqual([]);
  expect(reconcile.balanced).toBe(true);

  const { rows: broken } = await db.query(
    `select format('%s exception audited as opened %s times, as resolved %s times', e.status,
              count(*) filter (where a.action = 'exception.opened'), count(*) filter (where a.action = 'exception.resolved')) as problem, e.exception_id
       from ledger.exceptions e left join ledger.audit_log a on a.tenant_id = e.tenant_id and a.exception_id = e.exception_id
      where e.tenant_id = $1 group by e.exception_id, e.status
     having count(*) filter (where a.action = 'exception.opened') <> 1
         or count(*) filter (where a.action = 'exception.resolved') <> (e.status = 'resolved')::int
     union all
     select 'open exception not holding its key', e.exception_id
       from ledger.exceptions e left join ledger.events_processed k on k.tenant_id = e.tenant_id and k.idempotency_key = e.idempotency_key
      where e.tenant_id = $1 and e.status = 'open' and (k.status is distinct from 'quarantined' or k.open_exception_id is distinct from e.exception_id)
     union all
     select 'quarantined key without its open exception', k.open_exception_id
       from ledger.events_processed k left join ledger.exceptions e on e.tenant_id = k.tenant_id and e.exception_id = k.open_exception_id
      where k.tenant_id = $1 and k.status = 'quarantined' and e.status is distinct from 'open'
     union all
     select 'exception counts ' || e.arrivals || ' arrivals, Bronze ' || count(r.raw_id), e.exception_id
       from ledger.exceptions e left join ledger.events_raw r on r.tenant_id = e.tenant_id and r.exception_id = e.exception_id
      where e.tenant_id = $1 group by e.exception_id, e.arrivals having e.arrivals <> count(r.raw_id)
     union all
     select 'exception opened by an arrival of another key, or not held by it', e.exception_id
       from ledger.exceptions e left join ledger.events_raw r on r.tenant_id = e.tenant_id and r.raw_id = e.raw_id
      where e.tenant_id = $1 and (r.idempotency_key is distinct from e.idempotency_key or r.exception_id is distinct from e.exception_id)
     union all
     select 'Bronze row held by an exception of another key', r.exception_id
       from ledger.events_raw r left join ledger.exceptions e on e.tenant_id = r.tenant_id and e.exception_id = r.exception_id
      where r.tenant_id = $1 and r.exception_id is not null and e.idempotency_key is distinct from r.idempotency_key
     union all
     select 'resolution audited without its exception resolved', a.exception_id
       from ledger.audit_log a join ledger.exceptions e on e.tenant_id = a.tenant_id and e.exception_id = a.exception_id
      where a.tenant_id = $1 and a.action = 'exception.resolved' and (e.status <> 'resolved' or e.resolved_by is null or a.after ->> 'status' <> 'resolved')
     union all
     select 'attempts of ' || r.idempotency_key || ' are not 1..' || count(*), null
       from ledger.events_raw r join ledger.events_processed k on k.tenant_id = r.tenant_id and k.idempotency_key = r.idempotency_key
      where r.tenant_id = $1 group by r.idempotency_key, k.arrivals
     having min(r.attempt) <> 1 or max(r.attempt) <> count(*) or count(distinct r.attempt) <> count(*) or k.arrivals <> count(*)`,
    [tenant]);
  expect(broken, 'half-written exceptions, audit rows or keys').toEqual([]);
}

/** What the mixed load met, so that a run shows it exercised the faults under every kind of traffic. */
export function describeLoad(load: MixedLoad): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (label: string) => { counts[label] = (counts[label] ?? 0) + 1; };
  for (const a of load.attempts) {
    add(`${a.kind} ${a.status === 0 ? 'lost' : a.status}`);
    if (a.kind === 'batch' && a.status === 200) for (const item of a.json.results) add(`batch item ${item.status} ${item.reason_code ?? item.result}`);
    if (a.kind === 'single' && a.status >= 200 && a.status < 300) add(`single ${a.json.reason_code ?? a.json.result}`);
  }
  return Object.fromEntries(Object.entries(counts).sort());
}
