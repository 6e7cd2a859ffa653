// Differential property over HTTP (CONTRACT v1.1): the same random plan, cut into batches with
// resolutions between them, sent to one tenant as POST /v1/events/batch and to another as single
// POST /v1/events in the same order, hostile items included (what jsonb cannot hold, nesting,
// over 256 KiB: each refused alone, as a single POST refuses it). Every answer's status, result,
// reason_code, attempt and key_status, and the state after (Bronze per key, keys, exceptions,
// audit rows, rejections, counters) must be the same.
import fc from 'fast-check';
import { afterAll, beforeAll, test } from 'vitest';
import { startHarness, type Harness } from '../harness.js';
import { JSON_HEADERS, snapshotOf } from './drivers.js';
import {
  DIFF_PATCHES, DIFF_ROWS, diffPlans, expectSameRun, HOSTILE_ROWS, itemText, segments, tallyAnswers, tallyHostile, type DiffStep, type PathAnswer,
} from './differential.js';
import { freshTenant } from './model.js';
import { runs, Tally, testTimeoutMs } from './settings.js';

const RUNS = 40;
let h: Harness;
beforeAll(async () => { h = await startHarness('prop_batch_http'); });
afterAll(() => h?.close());

const answerOf = (status: number, json: any): PathAnswer => (status >= 200 && status < 300 ? { ...json, status } : { status });

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

async function oneByOne(tenant: string, key: string, plan: DiffStep[]): Promise<PathAnswer[]> {
  const answers: PathAnswer[] = [];
  for (const segment of segments(plan)) {
    if (segment.kind === 'resolve') { answers.push(await resolveHeld(tenant, segment)); continue; }
    for (const step of segment.steps) {
      const r = await h.http('POST', '/v1/events', { key, raw: itemText(step, tenant), headers: JSON_HEADERS });
      answers.push(answerOf(r.status, r.json));
    }
  }
  return answers;
}

async function inBatches(tenant: string, key: string, plan: DiffStep[]): Promise<PathAnswer[]> {
  const answers: PathAnswer[] = [];
  for (const segment of segments(plan)) {
    if (segment.kind === 'resolve') { answers.push(await resolveHeld(tenant, segment)); continue; }
    const r = await h.http('POST', '/v1/events/batch', {
      key, raw: `{"events":[${segment.steps.map((step) => itemText(step, tenant)).join(',')}]}`, headers: JSON_HEADERS,
    });
    answers.push(...(r.status === 200 ? r.json.results.map((a: any) => answerOf(a.status, a))
      : segment.steps.map(() => ({ status: `the whole batch was refused: HTTP ${r.status}` }))));
  }
  return answers;
}

test('POST /v1/events/batch answers and leaves what single POST /v1/events do', async () => {
  const tally = new Tally('batch vs single (HTTP): what single POSTs answered', [...DIFF_ROWS, ...HOSTILE_ROWS]);
  await fc.assert(fc.asyncProperty(diffPlans({ hostile: true }), async (plan) => {
    const [single, batch] = [freshTenant('one'), freshTenant('batch')];
    const singleAnswers = await oneByOne(single, await h.producerKeyFor(single), plan);
    const batchAnswers = await inBatches(batch, await h.producerKeyFor(batch), plan);
    expectSameRun(
      { label: 'POST /v1/events one by one', answers: singleAnswers, snapshot: await snapshotOf(h.owner, single), tenant: single },
      { label: 'POST /v1/events/batch', answers: batchAnswers, snapshot: await snapshotOf(h.owner, batch), tenant: batch },
      { rejections: true });
    tallyAnswers(tally, singleAnswers);
    tallyHostile(tally, plan);
    tally.add('plans');
  }), runs(RUNS));
  tally.report();
}, testTimeoutMs(RUNS));
