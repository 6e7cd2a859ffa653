// Property: random arrivals and resolutions through ledger.ingest_event and
// ledger.resolve_exception (as ledger_ingest and ledger_operator, as a DBA would call them) agree
// with the model of model.ts after every step.
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, test } from 'vitest';
import { createTestDatabase } from '../support.js';
import { freshTenant, play, SNAPSHOT_SQL, steps, type Answer, type Driver, type Json, type Outcome, type Refusal } from './model.js';
import { runs } from './settings.js';

let pool: pg.Pool;
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase('prop_model_sql'), max: 2 });
});
afterAll(() => pool?.end());

const REFUSALS: Record<string, Refusal> = { '22023': 'invalid', P0002: 'not_found', '55000': 'already_resolved', LSR01: 'replay_invalid' };

/** One call in a transaction of its own as `role`, committed when it succeeds. */
async function callAs<T>(role: string, tenant: string, actor: string, sql: string, params: unknown[]): Promise<Outcome<T>> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query("select set_config('role', $1, true), set_config('ledger.tenant_id', $2, true), set_config('ledger.actor', $3, true)",
      [role, tenant, actor]);
    const { rows } = await client.query(sql, params);
    await client.query('commit');
    return { ok: true, value: rows[0] as T };
  } catch (error) {
    await client.query('rollback');
    const code = (error as { code?: string }).code ?? String(error);
    return { ok: false, refusal: REFUSALS[code] ?? code };
  } finally {
    client.release();
  }
}

function sqlDriver(tenant: string): Driver {
  return {
    tenant,
    async arrive(payload: Json) {
      const outcome = await callAs<Answer>('ledger_ingest', tenant, '', 'select * from ledger.ingest_event($1::jsonb)', [JSON.stringify(payload)]);
      return outcome.ok ? { ok: true, value: { ...outcome.value, raw_id: Number(outcome.value.raw_id) } } : outcome;
    },
    resolve: (exceptionId, action, patch, canonicalRawId) => callAs('ledger_operator', '', 'operator:property',
      'select * from ledger.resolve_exception($1::uuid, $2, $3, $4::jsonb, $5::bigint)',
      [exceptionId, action, 'checked by the property test', JSON.stringify(patch), canonicalRawId]),
    async snapshot() {
      return (await pool.query(SNAPSHOT_SQL, [tenant])).rows[0];
    },
  };
}

test('ingest_event and resolve_exception follow the outcome table, step by step', async () => {
  await fc.assert(fc.asyncProperty(steps, async (plan) => {
    const tenant = freshTenant('sql');
    await pool.query('insert into ledger.tenants (tenant_id) values ($1)', [tenant]);
    await play(sqlDriver(tenant), plan);
  }), runs(100));
}, 60_000);
