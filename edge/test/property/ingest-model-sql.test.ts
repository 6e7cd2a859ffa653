// Property: random plans of arrivals (some whose processing fails, some refused), resolutions and
// assignments through ledger.ingest_event, ledger.resolve_exception and ledger.assign_exception
// (as ledger_ingest and ledger_operator, as a DBA would call them) agree with the model of
// model.ts after every step: answers, Bronze rows, keys, exceptions, audit rows and counters.
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, test } from 'vitest';
import { createTestDatabase, loadTestHelpers } from '../support.js';
import { sqlDriver } from './drivers.js';
import { freshTenant, outcomeTally, play, plans } from './model.js';
import { runs, testTimeoutMs } from './settings.js';

const RUNS = 100;
let pool: pg.Pool;
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase('prop_model_sql'), max: 2 });
  await loadTestHelpers(pool);
  await pool.query('select tests.inject_processing_failures()');
});
afterAll(() => pool?.end());

test('ingest_event, resolve_exception and assign_exception follow the model, step by step', async () => {
  const tally = outcomeTally('SQL model: outcomes reached');
  await fc.assert(fc.asyncProperty(plans, async (plan) => {
    const tenant = freshTenant('sql');
    await pool.query('insert into ledger.tenants (tenant_id) values ($1)', [tenant]);
    await play(sqlDriver(pool, tenant), plan, tally);
    tally.add('plans');
    tally.add('steps', plan.length);
  }), runs(RUNS));
  tally.report();
}, testTimeoutMs(RUNS));
