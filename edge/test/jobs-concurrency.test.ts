// Jobs against concurrency, each caller on a connection of its own of a real PostgreSQL 16: several
// workers stepping one job while single resolves race them, and a step that meets an exception a
// single resolve holds locked. Whatever the interleaving, each exception gets exactly one
// resolution (one audit row), every item ends once, and the counters equal count(*). No sleeps:
// waits are on observed states (pg_stat_activity, the items).
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { waitFor } from './faults/processes.js';
import { countersAndCounts, createTestDatabase, envelope } from './support.js';

let pool: pg.Pool;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase('jobs_concurrency'), max: 30, connectionTimeoutMillis: 20_000 });
});
afterAll(() => pool?.end());

/** One statement in a transaction of its own, as an operator (the edge's way of calling). */
async function asOperator<T = any>(actor: string, sql: string, params: unknown[] = []): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query("select set_config('ledger.actor', $1, true), set_config('role', 'ledger_operator', true)", [actor]);
    const { rows } = await client.query(sql, params);
    await client.query('commit');
    return rows[0] as T;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function openExceptions(tenant: string, n: number): Promise<string[]> {
  await pool.query('insert into ledger.tenants (tenant_id) values ($1) on conflict do nothing', [tenant]);
  const envelopes = Array.from({ length: n }, (_, i) => envelope(tenant, `k-${String(i).padStart(4, '0')}`, { event_type: 'BOGUS' }));
  const { rows } = await pool.query('select exception_id from ledger.ingest_events($1::jsonb) order by exception_id', [JSON.stringify(envelopes)]);
  return rows.map((r) => r.exception_id);
}

async function resolutionsPerException(ids: string[]): Promise<Map<number, number>> {
  const { rows } = await pool.query(
    `select n, count(*)::int as exceptions from (
       select x.id, count(a.audit_id)::int as n from unnest($1::uuid[]) x (id)
       left join ledger.audit_log a on a.exception_id = x.id and a.action = 'exception.resolved' group by x.id) c group by n`, [ids]);
  return new Map(rows.map((r) => [r.n, r.exceptions]));
}

test('three workers and racing single resolves: each exception resolved exactly once', async () => {
  const tenant = 'jobs_race';
  const ids = await openExceptions(tenant, 300);
  const job = await asOperator('operator:ann', "select ledger.bulk_resolve($1, 'override_and_replay', 'retyped', '{\"event_type\": \"SALE\"}', null, false) as j",
    [JSON.stringify({ tenant_id: tenant })]);
  const jobId = job.j.job_id;
  expect(job.j.matched).toBe(300);

  const worker = async (name: string) => {
    let steps = 0;
    for (;;) {
      const { s } = await asOperator(`operator:${name}`, 'select ledger.run_job_step($1, 7) as s', [jobId]);
      steps += 1;
      if (!s.more && (s.job_id === null || s.status !== 'running')) {
        const { rows } = await pool.query('select status from ledger.jobs where job_id = $1', [jobId]);
        if (rows[0].status !== 'running') return steps;
      }
    }
  };
  const singles = ids.filter((_, i) => i % 5 === 0).map(async (id) => {
    try {
      await asOperator('operator:carol', "select ledger.resolve_exception($1, 'mark_resolved_no_replay', 'by hand')", [id]);
      return 'resolved';
    } catch (error) {
      expect((error as { code: string }).code).toBe('55000');
      return 'already';
    }
  });
  const [steps, outcomes] = await Promise.all([Promise.all(['w1', 'w2', 'w3'].map(worker)), Promise.all(singles)]);
  expect(steps.every((n) => n > 1)).toBe(true);

  const byHand = outcomes.filter((o) => o === 'resolved').length;
  const { rows: [final] } = await pool.query('select ledger.get_job($1) as j', [jobId]);
  expect(final.j).toMatchObject({ status: 'succeeded', matched: 300, done: 300, failed: 0, succeeded: 300 - byHand, skipped: byHand });
  expect(await resolutionsPerException(ids)).toEqual(new Map([[1, 300]]));
  const { rows: items } = await pool.query(
    "select count(*)::int as n, count(*) filter (where status = 'pending')::int as pending from ledger.job_items where job_id = $1", [jobId]);
  expect(items[0]).toEqual({ n: 300, pending: 0 });
  const { rows: byJob } = await pool.query("select count(*)::int as n from ledger.audit_log where job_id = $1 and actor = 'operator:ann'", [jobId]);
  expect(byJob[0].n).toBe(300 - byHand);
  const { health, counted } = await countersAndCounts(pool, tenant);
  expect(health).toEqual(counted);
}, 60_000);

test('a step meeting an exception a single resolve holds waits for it, then skips it', async () => {
  const tenant = 'jobs_lock';
  const ids = await openExceptions(tenant, 3);
  const held = ids[1];
  const job = await asOperator('operator:ann', "select ledger.bulk_resolve($1, 'mark_resolved_no_replay', 'noise', dry_run => false) as j",
    [JSON.stringify({ tenant_id: tenant })]);

  const single = await pool.connect();
  try {
    await single.query('begin');
    await single.query("select set_config('ledger.actor', 'operator:carol', true), set_config('role', 'ledger_operator', true)");
    await single.query("select ledger.resolve_exception($1, 'mark_resolved_no_replay', 'mine')", [held]);
    const { rows: [{ pid }] } = await single.query('select pg_backend_pid() as pid');

    const step = asOperator('operator:worker', 'select ledger.run_job_step($1, 10, 60000) as s', [job.j.job_id]);
    await waitFor('the step to wait on the held key', async () => {
      const { rows } = await pool.query(
        "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and $1 = any(pg_blocking_pids(pid))", [pid]);
      return rows[0].n === 1;
    });
    await single.query('commit');
    const { s } = await step;
    expect(s).toMatchObject({ done: 3, succeeded: 2, skipped: 1, failed: 0 });
  } finally {
    single.release();
  }
  const { rows } = await pool.query("select status, reason_code from ledger.job_items where exception_id = $1", [held]);
  expect(rows).toEqual([{ status: 'skipped', reason_code: 'ALREADY_RESOLVED' }]);
  expect(await resolutionsPerException(ids)).toEqual(new Map([[1, 3]]));
  const { rows: audit } = await pool.query("select actor from ledger.audit_log where exception_id = $1 and action = 'exception.resolved'", [held]);
  expect(audit).toEqual([{ actor: 'operator:carol' }]);
});
