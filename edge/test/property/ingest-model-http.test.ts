// Property: random plans over HTTP (POST /v1/events as a producer, POST /v1/exceptions/{id}/resolve
// and /assign as an operator) agree with the model of model.ts after every step, HTTP statuses
// included; refused envelopes are recorded; GET /v1/health counts what count(*) counts.
import fc from 'fast-check';
import { afterAll, beforeAll, test } from 'vitest';
import { startHarness, type Harness } from '../harness.js';
import { loadTestHelpers } from '../support.js';
import { httpDriver } from './drivers.js';
import { freshTenant, outcomeTally, play, plans } from './model.js';
import { runs, testTimeoutMs } from './settings.js';

const RUNS = 50;
let h: Harness;
beforeAll(async () => {
  h = await startHarness('prop_model_http');
  await loadTestHelpers(h.owner);
  await h.owner.query('select tests.inject_processing_failures()');
});
afterAll(() => h?.close());

test('POST /v1/events, resolve and assign follow the model, step by step, statuses included', async () => {
  const tally = outcomeTally('HTTP model: outcomes reached');
  await fc.assert(fc.asyncProperty(plans, async (plan) => {
    const tenant = freshTenant('http');
    await play(httpDriver(h, tenant, await h.producerKeyFor(tenant)), plan, tally);
    tally.add('plans');
    tally.add('steps', plan.length);
  }), runs(RUNS));
  tally.report();
}, testTimeoutMs(RUNS));
