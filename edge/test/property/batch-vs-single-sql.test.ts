// Differential property (CONTRACT v1.1, "a batch is the same arrivals one by one, in order"): a
// random plan of arrivals over a few keys (allowed and unknown types, exact retries, conflicts,
// repeated member names, refused envelopes), cut into batches with resolutions between them, is
// sent to one tenant as ledger.ingest_events calls and to another as ledger.ingest_event calls
// in the same order. Every answer (result, reason_code, attempt, key_status, status) and the
// state after (Bronze rows per key, keys, exceptions, audit rows, counters) must be the same, and
// each batch of two or more must have been decided by the set-based path, not by its one-by-one
// fallback (a batch of one goes the single path by design).
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase } from '../support.js';
import { callAs, snapshotOf, SQL_OPERATOR, SQLSTATE_STATUS } from './drivers.js';
import { DIFF_PATCHES, DIFF_ROWS, diffPlans, expectSameRun, itemText, segments, tallyAnswers, type DiffStep, type PathAnswer } from './differential.js';
import { freshTenant } from './model.js';
import { runs, Tally, testTimeoutMs } from './settings.js';

const RUNS = 100;
let pool: pg.Pool;
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase('prop_batch_sql'), max: 2 });
});
afterAll(() => pool?.end());

const refused = (code: string): PathAnswer => ({ status: SQLSTATE_STATUS[code] ?? `SQLSTATE ${code}` });
const answer = (row: Record<string, any>): PathAnswer => ({ ...row, status: row.status, raw_id: row.raw_id === null ? null : Number(row.raw_id) });

/** Resolves the open exception of the pick-th held key of the tenant, as an operator. */
async function resolveHeld(tenant: string, step: Extract<DiffStep, { kind: 'resolve' }>): Promise<PathAnswer> {
  const { rows } = await pool.query("select exception_id from ledger.exceptions where tenant_id = $1 and status = 'open' order by idempotency_key", [tenant]);
  if (!rows.length) return { status: 'no held key to resolve' };
  const replay = step.action === 'override_and_replay';
  const r = await callAs(pool, 'ledger_operator', '', SQL_OPERATOR, 'select status from ledger.resolve_exception($1::uuid, $2, $3, $4::jsonb)',
    [rows[step.pick % rows.length].exception_id, step.action, 'differential property', replay ? DIFF_PATCHES[step.patch] : '{}']);
  return { status: r.ok ? `resolve: ${step.action}` : `resolve: SQLSTATE ${r.code}` };
}

async function oneByOne(tenant: string, plan: DiffStep[]): Promise<PathAnswer[]> {
  const answers: PathAnswer[] = [];
  for (const segment of segments(plan)) {
    if (segment.kind === 'resolve') { answers.push(await resolveHeld(tenant, segment)); continue; }
    for (const step of segment.steps) {
      const r = await callAs<Record<string, any>>(pool, 'ledger_ingest', tenant, '', 'select * from ledger.ingest_event($1::jsonb)', [itemText(step, tenant)]);
      answers.push(r.ok ? answer(r.rows[0]) : refused(r.code));
    }
  }
  return answers;
}

/**
 * One ledger.ingest_events call as the producer, and whether it fell back to deciding one by one
 * (counted in ledger.ingest_fallbacks for the transaction): the fallback is for an unexpected
 * failure of the set-based path, which would otherwise hide behind answers that are still right.
 * A batch of one goes the single path by design, and is no fallback.
 */
async function batchCall(tenant: string, text: string): Promise<{ rows: Record<string, any>[]; fellBack: boolean; setPostings: number } | { code: string }> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query("select set_config('role', 'ledger_ingest', true), set_config('ledger.tenant_id', $1, true), set_config('ledger.actor', '', true)", [tenant]);
    const { rows } = await client.query('select * from ledger.ingest_events($1::jsonb)', [text]);
    const { rows: [{ fallbacks, set_postings }] } = await client.query(
      `select coalesce(nullif(current_setting('ledger.ingest_fallbacks', true), ''), '0')::int as fallbacks,
              coalesce(nullif(current_setting('ledger.set_postings', true), ''), '0')::int as set_postings`);
    await client.query('commit');
    return { rows, fellBack: fallbacks > 0, setPostings: set_postings };
  } catch (error) {
    await client.query('rollback');
    return { code: (error as { code?: string }).code ?? String(error) };
  } finally {
    client.release();
  }
}

/** Sales of batches posted by ledger_private.post_plain_sales, not one by one: the runs must reach it. */
const SET_POSTED = 'sales posted set-based (ledger.set_postings)';

async function inBatches(tenant: string, plan: DiffStep[], tally: Tally): Promise<PathAnswer[]> {
  const answers: PathAnswer[] = [];
  for (const segment of segments(plan)) {
    if (segment.kind === 'resolve') { answers.push(await resolveHeld(tenant, segment)); continue; }
    const r = await batchCall(tenant, `[${segment.steps.map((step) => itemText(step, tenant)).join(',')}]`);
    if ('code' in r) {
      answers.push(...segment.steps.map(() => ({ status: `the whole batch failed: SQLSTATE ${r.code}` })));
      continue;
    }
    expect(r.fellBack, 'the set-based path failed and the batch was decided one by one').toBe(false);
    tally.add(segment.steps.length === 1 ? 'batches of one (the single path)' : 'batches decided set-based');
    tally.add(SET_POSTED, r.setPostings);
    answers.push(...r.rows.map(answer));
  }
  return answers;
}

test('ledger.ingest_events answers and leaves what ledger.ingest_event one by one does', async () => {
  const tally = new Tally('batch vs single (SQL): what the single path answered', [...DIFF_ROWS, SET_POSTED]);
  await fc.assert(fc.asyncProperty(diffPlans(), async (plan) => {
    const [single, batch] = [freshTenant('one'), freshTenant('batch')];
    await pool.query('insert into ledger.tenants (tenant_id) values ($1), ($2)', [single, batch]);
    const singleAnswers = await oneByOne(single, plan);
    const batchAnswers = await inBatches(batch, plan, tally);
    expectSameRun(
      { label: 'ledger.ingest_event one by one', answers: singleAnswers, snapshot: await snapshotOf(pool, single), tenant: single },
      { label: 'ledger.ingest_events', answers: batchAnswers, snapshot: await snapshotOf(pool, batch), tenant: batch },
      { rejections: false });
    tallyAnswers(tally, singleAnswers);
    tally.add('plans');
  }), runs(RUNS));
  tally.report();
}, testTimeoutMs(RUNS));
