// Concurrent arrivals and resolves against a real PostgreSQL 16, each caller on a connection of its
// own. A race starts every caller at the same instant: each opens its transaction, takes its role,
// then queues on a shared advisory lock that the starter holds until pg_locks shows all of them
// waiting. No sleeps: every wait is on a lock or on an observed state.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, envelope, countersAndCounts } from './support.js';

const RACERS = 50;
let pool: pg.Pool;
let nextGate = 1;
let nextTenant = 1;

beforeAll(async () => {
  // Idle connections are kept: a race needs RACERS + 1 of them at once, opened before it starts.
  pool = new pg.Pool({ connectionString: await createTestDatabase('db_concurrency'), max: RACERS + 10, idleTimeoutMillis: 0,
    connectionTimeoutMillis: 20_000 });
  const clients = await Promise.all(Array.from({ length: RACERS + 1 }, () => pool.connect()));
  for (const client of clients) client.release();
});
afterAll(() => pool?.end());

type Caller = { role: 'ledger_ingest'; tenant: string } | { role: 'ledger_operator'; actor: string };
type Racer<T> = { as: Caller; run: (client: pg.PoolClient) => Promise<T> };
type Outcome<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

const producer = (tenant: string): Caller => ({ role: 'ledger_ingest', tenant });
const operator = (actor: string): Caller => ({ role: 'ledger_operator', actor });

/** n connections of the pool, or none and the error when one cannot be had. */
async function connectAll(n: number): Promise<pg.PoolClient[]> {
  const attempts = await Promise.allSettled(Array.from({ length: n }, () => pool.connect()));
  const clients = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  const failure = attempts.find((a): a is PromiseRejectedResult => a.status === 'rejected');
  if (failure) {
    for (const client of clients) client.release();
    throw failure.reason;
  }
  return clients;
}

/** One racer: its transaction, as its caller, queued at the gate, then its work; never rejects. */
async function runRacer<T>(client: pg.PoolClient, { as, run }: Racer<T>, gate: number): Promise<Outcome<T>> {
  try {
    await client.query('begin');
    await client.query("select set_config('ledger.tenant_id', $1, true), set_config('ledger.actor', $2, true)",
      [as.role === 'ledger_ingest' ? as.tenant : '', as.role === 'ledger_operator' ? as.actor : '']);
    await client.query(`set local role ${as.role}`);
    await client.query('select pg_advisory_xact_lock_shared($1)', [gate]);
    const value = await run(client);
    await client.query('commit');
    return { ok: true, value };
  } catch (e) {
    await client.query('rollback').catch(() => {});
    const error = e as { code?: string; message: string };
    return { ok: false, code: error.code ?? 'none', message: error.message };
  }
}

/** What the other backends of this database are doing: shown when a race cannot start. */
async function activity(client: pg.PoolClient) {
  const { rows } = await client.query(
    `select pid, state, wait_event_type, wait_event, left(query, 80) as query from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`);
  return rows;
}

/** Runs every racer in its own transaction on its own connection, all released at once. */
async function race<T>(racers: Racer<T>[]): Promise<Outcome<T>[]> {
  const gate = nextGate++;
  const [starter, ...clients] = await connectAll(racers.length + 1);
  let settled = 0;
  let runs: Promise<Outcome<T>>[] = [];
  let outcomes: Outcome<T>[] = [];
  const startBy = performance.now() + 20_000;
  try {
    await starter.query('select pg_advisory_lock($1)', [gate]);
    runs = racers.map((racer, i) => runRacer(clients[i], racer, gate).finally(() => { settled++; }));
    for (;;) {
      const { rows } = await starter.query(
        `select count(*)::int as waiting from pg_locks
         where locktype = 'advisory' and objid = $1 and not granted and database = (select oid from pg_database where datname = current_database())`,
        [gate]);
      if (rows[0].waiting === racers.length) break;
      if (settled > 0) throw new Error('a racer ended before the start');
      if (performance.now() > startBy) throw new Error(`the racers did not all queue: ${JSON.stringify(await activity(starter))}`);
    }
  } finally {
    // The start, or, if the race could not start, the release of every racer already queued.
    await starter.query('select pg_advisory_unlock_all()').catch(() => {});
    starter.release();
    outcomes = await Promise.all(runs);
    for (const client of clients) client.release();
  }
  return outcomes;
}

interface Answer { result: string; reason_code: string | null; exception_id: string | null; key_status: string; attempt: number; status: number }

async function ingest(client: pg.PoolClient, body: object): Promise<Answer> {
  const { rows } = await client.query('select * from ledger.ingest_event($1::jsonb, $2)', [JSON.stringify(body), 'test']);
  return rows[0];
}

async function resolve(client: pg.PoolClient, exceptionId: string, action: string, patch: object = {}) {
  const { rows } = await client.query('select * from ledger.resolve_exception($1, $2, $3, $4::jsonb)',
    [exceptionId, action, 'resolved in a race', JSON.stringify(patch)]);
  return rows[0] as { exception_id: string; status: string; resolution_action: string };
}

async function newTenant(prefix: string): Promise<string> {
  const tenant = `${prefix}_${nextTenant++}`;
  await pool.query('insert into ledger.tenants (tenant_id) values ($1)', [tenant]);
  return tenant;
}

async function openConflict(tenant: string, key: string): Promise<string> {
  await pool.query('select ledger.ingest_event($1::jsonb)', [JSON.stringify(envelope(tenant, key))]);
  const { rows } = await pool.query('select exception_id from ledger.ingest_event($1::jsonb)',
    [JSON.stringify(envelope(tenant, key, { total_amount: 41 }))]);
  return rows[0].exception_id;
}

const counts = (tenant: string) => countersAndCounts(pool, tenant);

/** Invariants of every key of a tenant, as a list of violations (empty when all hold). */
async function keyViolations(tenant: string): Promise<unknown[]> {
  const { rows } = await pool.query(
    `select k.idempotency_key, 'quarantined iff an open exception holds the key' as rule
       from ledger.events_processed k
      where k.tenant_id = $1
        and (k.status = 'quarantined') is distinct from exists (
              select from ledger.exceptions e where e.tenant_id = k.tenant_id and e.exception_id = k.open_exception_id
                and e.idempotency_key = k.idempotency_key and e.status = 'open')
     union all
     select idempotency_key, 'at most one open exception per key' from ledger.exceptions
      where tenant_id = $1 and status = 'open' group by idempotency_key having count(*) > 1
     union all
     select k.idempotency_key, 'the key counts its Bronze arrivals, numbered 1..n' from ledger.events_processed k
      cross join lateral (select count(*) as n, min(r.attempt) as low, max(r.attempt) as high from ledger.events_raw r
                           where r.tenant_id = k.tenant_id and r.idempotency_key = k.idempotency_key) b
      where k.tenant_id = $1 and (k.arrivals <> b.n or b.low is distinct from 1 or b.high is distinct from k.arrivals)
     union all
     select r.idempotency_key, 'attempts are unique per key' from ledger.events_raw r
      where r.tenant_id = $1 group by r.idempotency_key, r.attempt having count(*) > 1
     union all
     select e.idempotency_key, 'an exception counts the arrivals it holds' from ledger.exceptions e
      where e.tenant_id = $1 and e.arrivals <> (select count(*) from ledger.events_raw r where r.tenant_id = e.tenant_id and r.exception_id = e.exception_id)`,
    [tenant]);
  return rows;
}

const tally = (values: (string | null)[]) =>
  values.reduce<Record<string, number>>((t, v) => ({ ...t, [String(v)]: (t[String(v)] ?? 0) + 1 }), {});

function answers<T>(outcomes: Outcome<T>[]): T[] {
  const failed = outcomes.filter((o): o is Extract<Outcome<T>, { ok: false }> => !o.ok);
  expect(failed.map((f) => `${f.code}: ${f.message}`)).toEqual([]);
  return outcomes.map((o) => (o as { value: T }).value);
}

test('50 identical concurrent first arrivals: exactly one processed, 49 duplicates', async () => {
  const tenant = await newTenant('t_same');
  const body = envelope(tenant, 'k1');
  const all = answers(await race(Array.from({ length: RACERS }, () => ({ as: producer(tenant), run: (c: pg.PoolClient) => ingest(c, body) }))));

  expect(tally(all.map((a) => a.result))).toEqual({ processed: 1, duplicate: 49 });
  expect(tally(all.map((a) => String(a.status)))).toEqual({ 201: 1, 200: 49 });
  expect(all.map((a) => a.attempt).sort((x, y) => x - y)).toEqual(Array.from({ length: RACERS }, (_, i) => i + 1));
  expect(all.find((a) => a.result === 'processed')?.attempt).toBe(1);
  const { rows } = await pool.query('select status, arrivals from ledger.events_processed where tenant_id = $1', [tenant]);
  expect(rows).toEqual([{ status: 'processed', arrivals: RACERS }]);
  expect(await keyViolations(tenant)).toEqual([]);
  const c = await counts(tenant);
  expect(c.health).toEqual(c.counted);
});

test('50 distinct concurrent payloads for one key: one processed, 49 quarantined in one exception', async () => {
  const tenant = await newTenant('t_distinct');
  const all = answers(await race(Array.from({ length: RACERS }, (_, i) => ({
    as: producer(tenant),
    run: (c: pg.PoolClient) => ingest(c, envelope(tenant, 'k1', { total_amount: 100 + i })),
  }))));

  expect(tally(all.map((a) => a.result))).toEqual({ processed: 1, quarantined: 49 });
  expect(tally(all.map((a) => a.reason_code))).toEqual({ null: 1, IDEMPOTENCY_CONFLICT: 1, ALREADY_QUARANTINED: 48 });
  const held = all.filter((a) => a.result === 'quarantined');
  const exceptionIds = new Set(held.map((a) => a.exception_id));
  expect(exceptionIds.size).toBe(1);
  const [exceptionId] = exceptionIds;
  const { rows } = await pool.query('select exception_id, status, arrivals from ledger.exceptions where tenant_id = $1', [tenant]);
  expect(rows).toEqual([{ exception_id: exceptionId, status: 'open', arrivals: 49 }]);
  expect(await keyViolations(tenant)).toEqual([]);
  const c = await counts(tenant);
  expect(c.health).toEqual(c.counted);
});

test('20 concurrent resolves of one exception: exactly one succeeds, the others get 55000', async () => {
  const tenant = await newTenant('t_resolve');
  const exceptionId = await openConflict(tenant, 'k1');
  const outcomes = await race(Array.from({ length: 20 }, (_, i) => ({
    as: operator(`operator:${i}`),
    run: (c: pg.PoolClient) => resolve(c, exceptionId, i % 2 ? 'mark_resolved_no_replay' : 'override_and_replay'),
  })));

  const won = outcomes.filter((o) => o.ok) as { ok: true; value: { resolution_action: string } }[];
  expect(won).toHaveLength(1);
  expect(tally(outcomes.filter((o) => !o.ok).map((o) => (o as { code: string }).code))).toEqual({ '55000': 19 });
  const { rows } = await pool.query(
    `select e.status, e.replay_count, k.status as key_status,
            (select count(*)::int from ledger.audit_log a where a.exception_id = e.exception_id and a.action = 'exception.resolved') as audited
       from ledger.exceptions e join ledger.events_processed k using (tenant_id, idempotency_key)
      where e.exception_id = $1`, [exceptionId]);
  const replayed = won[0].value.resolution_action === 'override_and_replay';
  expect(rows).toEqual([{ status: 'resolved', replay_count: replayed ? 1 : 0, key_status: replayed ? 'processed' : 'ignored', audited: 1 }]);
  const c = await counts(tenant);
  expect(c.health).toEqual(c.counted);
});

test('resolves racing arrivals of the same keys: no deadlock, no unique violation, counts hold', async () => {
  const tenant = await newTenant('t_mixed');
  const keys = ['k1', 'k2', 'k3'];
  for (let round = 0; round < 4; round++) {
    const exceptions = await Promise.all(keys.map((k) => openConflict(tenant, `${k}-r${round}`)));
    const racers: Racer<unknown>[] = [];
    keys.forEach((k, n) => {
      const key = `${k}-r${round}`;
      for (let i = 0; i < 4; i++) {
        racers.push({ as: operator(`operator:${i}`), run: (c) => resolve(c, exceptions[n], i % 2 ? 'mark_resolved_no_replay' : 'override_and_replay') });
      }
      for (let i = 0; i < 12; i++) {
        // The canonical payload, the held one, or one never seen before.
        const extra = [{}, { total_amount: 41 }, { total_amount: 1000 + i }][i % 3];
        racers.push({ as: producer(tenant), run: (c) => ingest(c, envelope(tenant, key, extra)) });
      }
    });
    const outcomes = await race(racers);

    const failures = outcomes.filter((o) => !o.ok) as { code: string; message: string }[];
    expect(failures.filter((f) => f.code !== '55000').map((f) => `${f.code}: ${f.message}`)).toEqual([]);
    // Each key's exception is resolved by exactly one of its four resolves.
    expect(failures).toHaveLength(keys.length * 3);
    const { rows } = await pool.query(
      `select count(*)::int as resolved from ledger.exceptions where exception_id = any($1::uuid[]) and status = 'resolved'`, [exceptions]);
    expect(rows[0].resolved).toBe(keys.length);
  }
  expect(await keyViolations(tenant)).toEqual([]);
  const c = await counts(tenant);
  expect(c.health).toEqual(c.counted);
});
