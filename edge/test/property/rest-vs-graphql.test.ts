// Differential property: the same random plan of arrivals (with resolutions between them) sent to
// one tenant as POST /v1/events and to another as GraphQL's ingestEvent, in the same order. Every
// answer and the state after (Bronze per key, keys, exceptions, audit rows, rejections, counters)
// must be the same: GraphQL is another way in, not a looser one (CONTRACT v1.1). Payloads whose
// digits a double cannot hold are left out: GraphQL's JSON input is parsed into JavaScript values.
import fc from 'fast-check';
import { afterAll, beforeAll, test } from 'vitest';
import { startHarness, type Harness } from '../harness.js';
import { JSON_HEADERS, snapshotOf } from './drivers.js';
import { DIFF_PATCHES, DIFF_ROWS, diffPlans, expectSameRun, itemText, segments, tallyAnswers, type DiffStep, type PathAnswer } from './differential.js';
import { freshTenant, VARIANTS } from './model.js';
import { runs, Tally, testTimeoutMs } from './settings.js';

const RUNS = 30;
let h: Harness;
beforeAll(async () => { h = await startHarness('prop_rest_graphql'); });
afterAll(() => h?.close());

const INGEST = `mutation ($e: JSON!) { ingestEvent(input: {envelope: $e}) {
  result { tenantId idempotencyKey rawId result exceptionId reasonCode keyStatus attempt status } } }`;

const doubleSafe = VARIANTS.map((v, i) => (v.exactDigits ? -1 : i)).filter((i) => i >= 0);

async function resolveHeld(tenant: string, step: Extract<DiffStep, { kind: 'resolve' }>): Promise<PathAnswer> {
  const { rows } = await h.owner.query("select exception_id from ledger.exceptions where tenant_id = $1 and status = 'open' order by idempotency_key", [tenant]);
  if (!rows.length) return { status: 'no held key to resolve' };
  const replay = step.action === 'override_and_replay';
  const r = await h.http('POST', `/v1/exceptions/${rows[step.pick % rows.length].exception_id}/resolve`, {
    key: h.operatorKey, headers: JSON_HEADERS,
    raw: `{"action":"${step.action}","resolution_notes":"differential property","override_patch":${replay ? DIFF_PATCHES[step.patch] : '{}'}}`,
  });
  return { status: `resolve: HTTP ${r.status}` };
}

async function play(tenant: string, plan: DiffStep[], send: (text: string) => Promise<PathAnswer>): Promise<PathAnswer[]> {
  const answers: PathAnswer[] = [];
  for (const segment of segments(plan)) {
    if (segment.kind === 'resolve') answers.push(await resolveHeld(tenant, segment));
    else for (const step of segment.steps) answers.push(await send(itemText(step, tenant)));
  }
  return answers;
}

test('GraphQL ingestEvent answers and leaves what POST /v1/events does', async () => {
  const tally = new Tally('REST vs GraphQL: what REST answered', DIFF_ROWS);
  await fc.assert(fc.asyncProperty(diffPlans({ variants: doubleSafe }), async (plan) => {
    const [rest, graphql] = [freshTenant('rest'), freshTenant('gql')];
    const [restKey, graphqlKey] = [await h.producerKeyFor(rest), await h.producerKeyFor(graphql)];
    const restAnswers = await play(rest, plan, async (text) => {
      const r = await h.http('POST', '/v1/events', { key: restKey, raw: text, headers: JSON_HEADERS });
      return r.status < 300 ? { ...r.json, status: r.status } : { status: r.status };
    });
    const graphqlAnswers = await play(graphql, plan, async (text) => {
      const r = await h.http('POST', '/graphql', { key: graphqlKey, body: { query: INGEST, variables: { e: JSON.parse(text) } } });
      const result = r.json?.data?.ingestEvent?.result;
      if (result) {
        return { status: result.status, result: result.result, reason_code: result.reasonCode, attempt: result.attempt, key_status: result.keyStatus,
          raw_id: Number(result.rawId), exception_id: result.exceptionId };
      }
      return { status: r.json?.errors?.[0]?.extensions?.status ?? `HTTP ${r.status}` };
    });
    expectSameRun(
      { label: 'POST /v1/events', answers: restAnswers, snapshot: await snapshotOf(h.owner, rest), tenant: rest },
      { label: 'GraphQL ingestEvent', answers: graphqlAnswers, snapshot: await snapshotOf(h.owner, graphql), tenant: graphql },
      { rejections: true });
    tallyAnswers(tally, restAnswers);
    tally.add('plans');
  }), runs(RUNS));
  tally.report();
}, testTimeoutMs(RUNS));
