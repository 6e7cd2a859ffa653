// Property: random arrivals and resolutions over HTTP (POST /v1/events as a producer, POST
// /v1/exceptions/{id}/resolve as an operator) agree with the model of model.ts after every step,
// HTTP statuses included, and GET /v1/health counts what count(*) counts.
import fc from 'fast-check';
import { afterAll, beforeAll, test } from 'vitest';
import { startHarness, type Harness } from '../harness.js';
import { freshTenant, play, SNAPSHOT_SQL, steps, type Driver, type Json, type Refusal } from './model.js';
import { runs } from './settings.js';

let h: Harness;
beforeAll(async () => { h = await startHarness('prop_model_http'); });
afterAll(() => h?.close());

function refusal(status: number, json: any): Refusal | string {
  if (status === 422) return 'invalid';
  if (status === 404) return 'not_found';
  // Both are 409: a replay that is not a valid arrival says why, field by field.
  if (status === 409) return json?.errors ? 'replay_invalid' : 'already_resolved';
  return `HTTP ${status}`;
}

function httpDriver(tenant: string, producerKey: string): Driver {
  return {
    tenant,
    async arrive(payload: Json) {
      const r = await h.http('POST', '/v1/events', { key: producerKey, body: payload });
      return r.status >= 200 && r.status < 300 ? { ok: true, value: { ...r.json, status: r.status } } : { ok: false, refusal: `HTTP ${r.status}` };
    },
    async resolve(exceptionId, action, patch, canonicalRawId) {
      const r = await h.http('POST', `/v1/exceptions/${exceptionId}/resolve`, {
        key: h.operatorKey,
        body: { action, resolution_notes: 'checked by the property test', override_patch: patch, canonical_raw_id: canonicalRawId },
      });
      return r.status === 200 ? { ok: true, value: r.json } : { ok: false, refusal: refusal(r.status, r.json) };
    },
    async snapshot() {
      const [{ rows: [state] }, health] = await Promise.all([
        h.owner.query(SNAPSHOT_SQL, [tenant]),
        h.http('GET', '/v1/health', { key: producerKey }),
      ]);
      return { ...state, health: health.status === 200 ? health.json.counts : `HTTP ${health.status}` };
    },
  };
}

test('POST /v1/events and resolve follow the outcome table, step by step, statuses included', async () => {
  await fc.assert(fc.asyncProperty(steps, async (plan) => {
    const tenant = freshTenant('http');
    await play(httpDriver(tenant, await h.producerKeyFor(tenant)), plan);
  }), runs(60));
}, 60_000);
