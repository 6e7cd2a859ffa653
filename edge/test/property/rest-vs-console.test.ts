// Differential property: after a random plan (arrivals with numbers a double cannot hold and
// trailing zeros, conflicts, unknown types, resolutions, assignments), every exception reads the
// same through the REST API (GET /v1/exceptions/{id}, GET /v1/exceptions) and through the
// console's API (GET /admin/api/exceptions/{id}, /admin/api/exceptions, /admin/api/events/{id}):
// the same members with the same values, every digit as written (CONTRACT v1.1, exact values on
// every read path). Both answers are read with a lossless JSON parser and compared as jsonb text.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startHarness, type Harness } from '../harness.js';
import { JSON_HEADERS } from './drivers.js';
import { DIFF_PATCHES, diffPlans, itemText, segments } from './differential.js';
import { isMap, jsonbText, parse, type LJson } from './json.js';
import { freshTenant } from './model.js';
import { runs, Tally, testTimeoutMs } from './settings.js';

const RUNS = 30;
let h: Harness;
beforeAll(async () => { h = await startHarness('prop_rest_console'); });
afterAll(() => h?.close());

type Members = Map<string, LJson>;

async function read(path: string): Promise<LJson> {
  const r = await h.http('GET', path, { key: h.operatorKey });
  expect(r.status, `${path}: ${r.text.slice(0, 300)}`).toBe(200);
  return parse(r.text);
}

/** Each member as jsonb text, so that two records compare value by value, digit by digit. */
const texts = (value: LJson | undefined, without: string[] = []): Record<string, string> =>
  (isMap(value) ? Object.fromEntries([...value].filter(([k]) => !without.includes(k)).map(([k, v]) => [k, jsonbText(v)]))
    : { 'not an object': String(value) });

async function playPlan(tenant: string, key: string, plan: ReturnType<typeof diffPlans> extends fc.Arbitrary<infer P> ? P : never) {
  for (const segment of segments(plan)) {
    if (segment.kind === 'batch') {
      for (const step of segment.steps) await h.http('POST', '/v1/events', { key, raw: itemText(step, tenant), headers: JSON_HEADERS });
      continue;
    }
    const { rows } = await h.owner.query("select exception_id from ledger.exceptions where tenant_id = $1 and status = 'open' order by idempotency_key", [tenant]);
    if (!rows.length) continue;
    const id = rows[segment.pick % rows.length].exception_id;
    // Assigned first, so that the records carry an owner too; then resolved.
    await h.http('POST', `/v1/exceptions/${id}/assign`, { key: h.operatorKey, body: { assigned_to: 'operator:ann' } });
    const replay = segment.action === 'override_and_replay';
    await h.http('POST', `/v1/exceptions/${id}/resolve`, {
      key: h.operatorKey, headers: JSON_HEADERS,
      raw: `{"action":"${segment.action}","resolution_notes":"differential property","override_patch":${replay ? DIFF_PATCHES[segment.patch] : '{}'}}`,
    });
  }
}

test('the console API reads every exception and arrival as the REST API does, digit for digit', async () => {
  const tally = new Tally('REST vs console: records compared', ['open exceptions', 'resolved exceptions', 'arrivals']);
  await fc.assert(fc.asyncProperty(diffPlans(), async (plan) => {
    const tenant = freshTenant('console');
    await playPlan(tenant, await h.producerKeyFor(tenant), plan);
    const filter = (status: string) => encodeURIComponent(JSON.stringify({ tenant_id: tenant, status }));
    for (const status of ['open', 'resolved']) {
      const restList = await read(`/v1/exceptions?status=${status}&tenant_id=${tenant}&limit=500`);
      const consoleList = await read(`/admin/api/exceptions?filter=${filter(status)}&range=[0,499]&sort=["id","ASC"]`);
      const restItems = (isMap(restList) ? restList.get('items') : []) as Members[];
      const consoleItems = consoleList as Members[];
      const byId = (items: Members[], member: string) => Object.fromEntries(items.map((i) => [i.get(member) as string, i]));
      const restById = byId(restItems, 'exception_id');
      const consoleById = byId(consoleItems, 'id');
      expect(Object.keys(consoleById).sort(), `${status} exceptions listed`).toEqual(Object.keys(restById).sort());
      for (const [id, item] of Object.entries(restById)) {
        // An age is a time: two reads a second apart rightly differ.
        expect(texts(consoleById[id], ['id', 'age_seconds']), `${status} list: exception ${id}`).toEqual(texts(item, ['age_seconds']));
        const detail = await read(`/v1/exceptions/${id}`);
        const record = await read(`/admin/api/exceptions/${id}`);
        expect(texts(record, ['id', 'detail', 'age_seconds']), `exception ${id}: the record against the REST detail's exception`)
          .toEqual(texts(isMap(detail) ? detail.get('exception') : undefined));
        expect(texts(isMap(record) ? record.get('detail') : undefined), `exception ${id}: the record's detail against the REST detail`)
          .toEqual(texts(detail));
        tally.add(`${status} exceptions`);
        for (const arrival of (isMap(detail) ? detail.get('arrivals') : []) as Members[]) {
          const rawId = jsonbText(arrival.get('raw_id')!);
          const event = await read(`/admin/api/events/${rawId}`);
          const fingerprint = (v: LJson | undefined) => (typeof v === 'string' ? v.replace(/^\\x/, '') : v);
          expect({ ...texts(event, ['id', 'fingerprint']), fingerprint: fingerprint(isMap(event) ? event.get('fingerprint') : undefined) },
            `arrival ${rawId}: the console's event against the REST detail's arrival`)
            .toEqual({ ...texts(arrival, ['fingerprint']), fingerprint: fingerprint(arrival.get('fingerprint')) });
          tally.add('arrivals');
        }
      }
    }
    tally.add('plans');
  }), runs(RUNS));
  tally.report();
}, testTimeoutMs(RUNS));
