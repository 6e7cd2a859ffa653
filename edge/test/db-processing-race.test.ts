// A first arrival whose processing fails, racing a first arrival of the same key that succeeds:
// the failed one must still end held in a PROCESSING_ERROR exception, not lost beside the key.
// The interleaving is forced with locks, not timing: the failing arrival waits on an advisory
// lock inside the trigger that makes it fail, the other arrival takes the key meanwhile and
// commits only once the failing one is seen waiting for it.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, envelope, countersAndCounts } from './support.js';

const GATE = 7_001;
let url: string;
let owner: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase('db_processing_race');
  owner = new pg.Client({ connectionString: url });
  await owner.connect();
  await owner.query("insert into ledger.tenants (tenant_id) values ('t_race')");
  // Only in this test's database: processing fails for a payload marked "fail", after waiting
  // for the gate.
  await owner.query(`
    create function public.fail_marked_arrival() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_xact_lock_shared(${GATE});
      raise exception using errcode = 'P0001', message = 'injected processing failure';
    end
    $$;
    create trigger fail_marked_arrival before insert on ledger.events_processed
      for each row when (new.canonical_payload ->> 'fail' = 'yes') execute function public.fail_marked_arrival();`);
});
afterAll(() => owner?.end());

async function connect(): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query('select pg_backend_pid() as pid');
  return { client, pid: rows[0].pid };
}

/** Waits until backend pid is blocked on a lock of the given type (polling pg_locks, no sleeping). */
async function waitUntilBlocked(pid: number, locktype: string, settled: () => boolean) {
  for (;;) {
    const { rows } = await owner.query('select count(*)::int as n from pg_locks where pid = $1 and locktype = $2 and not granted', [pid, locktype]);
    if (rows[0].n > 0) return;
    if (settled()) throw new Error(`backend ${pid} finished before blocking on ${locktype}`);
  }
}

test('a failed first arrival racing a successful one is still quarantined with PROCESSING_ERROR', async () => {
  const failing = await connect();
  const winner = await connect();
  try {
    await owner.query('select pg_advisory_lock($1)', [GATE]);
    let failingDone = false;
    const failed = failing.client
      .query('select * from ledger.ingest_event($1::jsonb)', [JSON.stringify(envelope('t_race', 'k1', { fail: 'yes' }))])
      .finally(() => { failingDone = true; });
    await waitUntilBlocked(failing.pid, 'advisory', () => failingDone);

    // The other arrival takes the key and holds its transaction open.
    await winner.client.query('begin');
    const { rows: [won] } = await winner.client.query('select * from ledger.ingest_event($1::jsonb)', [JSON.stringify(envelope('t_race', 'k1'))]);
    expect(won.result).toBe('processed');

    // The failing arrival fails now; quarantining it meets the uncommitted key and waits for it.
    await owner.query('select pg_advisory_unlock($1)', [GATE]);
    await waitUntilBlocked(failing.pid, 'transactionid', () => failingDone);
    await winner.client.query('commit');

    const { rows: [answer] } = await failed;
    expect({ result: answer.result, reason_code: answer.reason_code, key_status: answer.key_status, attempt: answer.attempt })
      .toEqual({ result: 'quarantined', reason_code: 'PROCESSING_ERROR', key_status: 'quarantined', attempt: 2 });
    expect(answer.exception_id).not.toBeNull();

    const { rows: [state] } = await owner.query(
      `select k.status, k.open_exception_id, k.arrivals, e.status as exception_status, e.reason_code, e.raw_id,
              (select count(*)::int from ledger.events_raw r where r.tenant_id = k.tenant_id and r.idempotency_key = k.idempotency_key) as bronze
         from ledger.events_processed k left join ledger.exceptions e on e.tenant_id = k.tenant_id and e.exception_id = k.open_exception_id
        where k.tenant_id = 't_race' and k.idempotency_key = 'k1'`);
    expect(state).toEqual({ status: 'quarantined', open_exception_id: answer.exception_id, arrivals: 2, exception_status: 'open',
      reason_code: 'PROCESSING_ERROR', raw_id: answer.raw_id, bronze: 2 });

    const c = await countersAndCounts(owner, 't_race');
    expect(c.health).toEqual(c.counted);
  } finally {
    await owner.query('select pg_advisory_unlock_all()');
    await winner.client.end();
    await failing.client.end();
  }
});
