// Property: whatever JSON text a producer's ledger.ingest_event gets, it fails only with one of the
// documented SQLSTATEs (the jsonb cast's 22P02, 22P05, 54001, 22003; the function's 22023 and
// 42501), each where the contract says, or answers what the outcome table says for its key's
// state before (a few event ids repeat: duplicates, conflicts, keys already held), in a row that
// Bronze holds with that payload.
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase } from '../support.js';
import { expectedOutcome, expectOutcome, HOSTILE_OUTCOMES, POSTED_BEFORE_SQL, hostileEnvelope, outcomeLabel, unstorableLabel, verdict } from './hostile.js';
import { runs, Tally, testTimeoutMs } from './settings.js';

const TENANT = 'prop_hostile_sql';
let pool: pg.Pool;
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase('prop_hostile_sql'), max: 2 });
  await pool.query('insert into ledger.tenants (tenant_id) values ($1)', [TENANT]);
});
afterAll(() => pool?.end());

/** The SQLSTATE of each reason jsonb has to refuse a JSON text (db/ERRORS.md). */
const CAST_CODES = { surrogate: '22P02', nul: '22P05', number: '22003', depth: '54001' };

const RUNS = 400;

test('ingest_event: a documented SQLSTATE, or the outcome table\'s answer in a row that Bronze holds', async () => {
  const tally = new Tally('hostile envelopes (SQL): outcomes', HOSTILE_OUTCOMES);
  await fc.assert(fc.asyncProperty(hostileEnvelope(TENANT), async (e) => {
    const expected = verdict(e, TENANT);
    const eventId = e.members?.get('event_id')?.value;
    const { rows: [before] } = expected === 'valid'
      ? await pool.query('select status, canonical_payload::text from ledger.events_processed where tenant_id = $1 and idempotency_key = $2', [TENANT, eventId])
      : { rows: [] };
    const { rows: [posted] } = expected === 'valid' ? await pool.query(POSTED_BEFORE_SQL, [TENANT, e.text]) : { rows: [] };
    const client = await pool.connect();
    let answer: Record<string, any> | undefined;
    let code: string | undefined;
    try {
      await client.query('begin');
      await client.query("select set_config('role', 'ledger_ingest', true), set_config('ledger.tenant_id', $1, true)", [TENANT]);
      answer = (await client.query('select * from ledger.ingest_event($1::jsonb)', [e.text])).rows[0];
      await client.query('commit');
    } catch (error) {
      code = (error as { code?: string }).code ?? String(error);
      await client.query('rollback');
    } finally {
      client.release();
    }
    if (expected !== 'valid') {
      const codes = expected === 'unstorable' ? e.unstorable.map((why) => CAST_CODES[why]) : expected === 'forbidden' ? ['42501'] : ['22023'];
      expect(code, `${expected}: ${e.text.slice(0, 300)}`).toBeOneOf(codes);
      tally.add(`refused ${code}`);
      const label = unstorableLabel(e);
      if (label) tally.add(label);
      return;
    }
    expect(code, e.text.slice(0, 300)).toBeUndefined();
    expect([200, 201, 202]).toContain(answer!.status);
    const outcome = expectedOutcome(e, before, posted);
    expectOutcome(answer!, outcome, `key state before: ${JSON.stringify(before)}; posted before: ${JSON.stringify(posted)}`);
    tally.add(outcomeLabel(outcome));
    const { rows } = await pool.query(
      `select tenant_id, idempotency_key, result, payload = $2::jsonb as same_payload, fingerprint = sha256(convert_to($2::jsonb::text, 'UTF8')) as same_fingerprint
       from ledger.events_raw where raw_id = $1`, [answer!.raw_id, e.text]);
    expect(rows).toEqual([{ tenant_id: TENANT, idempotency_key: e.members!.get('event_id')!.value, result: answer!.result,
      same_payload: true, same_fingerprint: true }]);
  }), runs(RUNS));
  tally.report();
}, testTimeoutMs(RUNS));
