// Bulk resolution over HTTP (CONTRACT v1.2): POST /v1/exceptions/bulk (dry run, job, Idempotency-Key
// retries), GET /v1/jobs/{id}, POST /v1/jobs/{id}/cancel, RFC 9457 errors; ageing on GET
// /v1/exceptions and /metrics; the known operators of the console. Two edges: one whose worker runs
// jobs, one without a worker, where a job stays where a test leaves it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitFor } from './faults/processes.js';
import { startHarness, type Harness } from './harness.js';
import { envelope } from './support.js';

let h: Harness;
let still: Harness;

const unknownType = async (on: Harness, eventId: string, extra: Record<string, unknown> = {}) => {
  const r = await on.http('POST', '/v1/events', { key: on.producerKey, body: envelope(on.tenant, eventId, { event_type: 'BOGUS', ...extra }) });
  expect(r.status).toBe(202);
  return r.json.exception_id as string;
};
const op = (on: Harness, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  on.http(method, path, { key: on.operatorKey, body, headers });
const bulk = (on: Harness, body: unknown, headers: Record<string, string> = {}) => op(on, 'POST', '/v1/exceptions/bulk', body, headers);
const jobDone = (on: Harness, id: string) => waitFor(`job ${id} to end`, async () => {
  const r = await op(on, 'GET', `/v1/jobs/${id}`);
  return r.json.status !== 'running' && r.json;
}, 20_000);

beforeAll(async () => {
  h = await startHarness('jobs_api', {}, undefined, { jobWorker: { pollMs: 100 } });
  still = await startHarness('jobs_api_still', {}, undefined, { jobWorker: false });
});
afterAll(async () => {
  await h?.close();
  await still?.close();
});

describe('POST /v1/exceptions/bulk', () => {
  test('a dry run answers counts, reasons and a sample, and changes nothing', async () => {
    const ids = [await unknownType(h, 'dry-1'), await unknownType(h, 'dry-2'), await unknownType(h, 'dry-3')];
    const before = await h.owner.query('select count(*)::int as audits, (select count(*)::int from ledger.jobs) as jobs from ledger.audit_log');
    const r = await bulk(h, { filter: { exception_ids: ids, status: 'open' }, action: 'override_and_replay', resolution_notes: 'as sent', dry_run: true });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ dry_run: true, matched: 3, would_succeed: 0, would_fail: { REPLAY_VALIDATION_FAILED: 3 } });
    expect(r.json.sample).toHaveLength(3);
    expect(r.json.sample[0]).toMatchObject({ outcome: 'would_fail', reason: 'REPLAY_VALIDATION_FAILED',
      errors: [{ path: 'override_patch', message: 'event_type BOGUS is not in the allowlist' }] });
    const fixed = await bulk(h, { filter: { exception_ids: ids }, action: 'override_and_replay', resolution_notes: 'x',
      override_patch: { event_type: 'SALE' }, dry_run: true });
    expect(fixed.json).toMatchObject({ matched: 3, would_succeed: 3, would_fail: {} });
    const after = await h.owner.query('select count(*)::int as audits, (select count(*)::int from ledger.jobs) as jobs from ledger.audit_log');
    expect(after.rows).toEqual(before.rows);
    const { rows } = await h.owner.query("select count(*)::int as n from ledger.exceptions where exception_id = any($1) and status = 'open'", [ids]);
    expect(rows[0].n).toBe(3);
  });

  test('a real run is a job: 202 with its Location; each exception resolved once, audited with the job id', async () => {
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => unknownType(h, `real-${i}`)));
    // The body as text: the patch's 42.50 must reach the database as typed.
    const raw = `{"filter": {"exception_ids": ${JSON.stringify(ids)}}, "action": "override_and_replay", "resolution_notes": "retyped",
      "override_patch": {"event_type": "SALE", "total_amount": 42.50}, "dry_run": false}`;
    const r = await h.http('POST', '/v1/exceptions/bulk', { key: h.operatorKey, raw, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ status: 'running', matched: 40, created: true });
    expect(r.headers.get('location')).toBe(`/v1/jobs/${r.json.job_id}`);
    const job = await jobDone(h, r.json.job_id);
    expect(job).toMatchObject({ status: 'succeeded', matched: 40, done: 40, succeeded: 40, failed: 0, skipped: 0, failures: [],
      action: 'override_and_replay', created_by: 'operator:operator-ops' });
    expect(job.finished_at).toBeTruthy();
    const { rows } = await h.owner.query(
      `select count(*)::int as rows, count(distinct exception_id)::int as exceptions, bool_and(job_id = $2) as named, bool_and(actor = 'operator:operator-ops') as actor
       from ledger.audit_log where exception_id = any($1) and action = 'exception.resolved'`, [ids, r.json.job_id]);
    expect(rows[0]).toEqual({ rows: 40, exceptions: 40, named: true, actor: true });
    const key = await h.owner.query("select canonical_payload::text as p from ledger.events_processed where tenant_id = $1 and idempotency_key = 'real-0'", [h.tenant]);
    expect(key.rows[0].p).toContain('"total_amount": 42.50');
  });

  test('the same Idempotency-Key answers the same job; with another request it is 422', async () => {
    const ids = [await unknownType(h, 'key-1'), await unknownType(h, 'key-2')];
    const body = { filter: { exception_ids: ids }, action: 'mark_resolved_no_replay', resolution_notes: 'noise', dry_run: false };
    const key = `retry-${randomUUID()}`;
    const first = await bulk(h, body, { 'idempotency-key': key });
    const again = await bulk(h, body, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.json.job_id).toBe(first.json.job_id);
    expect(again.json.created).toBe(false);
    const other = await bulk(h, { ...body, resolution_notes: 'something else' }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(other.json.errors).toEqual([{ path: 'Idempotency-Key', message: expect.stringContaining(first.json.job_id) }]);
    await jobDone(h, first.json.job_id);
    const { rows } = await h.owner.query("select count(*)::int as n from ledger.audit_log where exception_id = any($1) and action = 'exception.resolved'", [ids]);
    expect(rows[0].n).toBe(2);
    const { rows: jobs } = await h.owner.query('select count(*)::int as n from ledger.jobs where request_key = $1', [key]);
    expect(jobs[0].n).toBe(1);
    expect((await bulk(h, body, { 'idempotency-key': ' ' })).status).toBe(422);
  });

  test('refusals are RFC 9457 problems that name the field', async () => {
    const cases: [unknown, string][] = [
      [{ filter: { colour: 'red' }, action: 'mark_resolved_no_replay', resolution_notes: 'x', dry_run: true }, 'filter.colour'],
      [{ filter: { opened_before: 'yesterday' }, action: 'mark_resolved_no_replay', resolution_notes: 'x', dry_run: true }, 'filter.opened_before'],
      [{ filter: { exception_ids: ['nope'] }, action: 'mark_resolved_no_replay', resolution_notes: 'x', dry_run: true }, 'filter.exception_ids.0'],
      [{ filter: {}, action: 'mark_resolved_no_replay', resolution_notes: 'x' }, 'dry_run'],
      [{ filter: {}, action: 'delete', resolution_notes: 'x', dry_run: true }, 'action'],
      [{ filter: {}, action: 'mark_resolved_no_replay', resolution_notes: ' ', dry_run: true }, 'resolution_notes'],
      [{ filter: {}, action: 'assign', dry_run: true }, 'assigned_to'],
      [{ filter: {}, action: 'mark_resolved_no_replay', resolution_notes: 'x', override_patch: { a: 1 }, dry_run: true }, 'override_patch'],
    ];
    for (const [body, path] of cases) {
      const r = await bulk(h, body);
      expect(r.status, path).toBe(422);
      expect(r.json.errors.map((e: { path: string }) => e.path), path).toContain(path);
      expect(r.text, path).not.toMatch(/postgres|select|plpgsql/i);
    }
    expect((await h.http('POST', '/v1/exceptions/bulk', { key: h.operatorKey, raw: '{', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await h.http('POST', '/v1/exceptions/bulk', { key: h.operatorKey, raw: '{}', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await h.http('POST', '/v1/exceptions/bulk', { key: h.producerKey, body: { filter: {}, action: 'assign', dry_run: true } })).status).toBe(403);
    expect((await h.http('POST', '/v1/exceptions/bulk', { body: { filter: {}, action: 'assign', dry_run: true } })).status).toBe(401);
    expect((await h.http('PUT', '/v1/exceptions/bulk', { key: h.operatorKey })).status).toBe(405);
  });
});

describe('jobs', () => {
  test('GET /v1/jobs/{id}: 404 unknown, 422 malformed', async () => {
    expect((await op(h, 'GET', `/v1/jobs/${randomUUID()}`)).status).toBe(404);
    const bad = await op(h, 'GET', '/v1/jobs/12');
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toEqual([{ path: 'job_id', message: 'must be a UUID' }]);
  });

  test('cancel: what was done stays, nothing more is resolved; a second cancel is 409', async () => {
    const ids = [await unknownType(still, 'stop-1'), await unknownType(still, 'stop-2'), await unknownType(still, 'stop-3')];
    const r = await bulk(still, { filter: { exception_ids: ids }, action: 'mark_resolved_no_replay', resolution_notes: 'stop', dry_run: false });
    expect(r.status).toBe(202);
    await still.owner.query('select ledger.run_job_step($1, 1)', [r.json.job_id]);
    const cancelled = await op(still, 'POST', `/v1/jobs/${r.json.job_id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json).toMatchObject({ status: 'cancelled', done: 1, matched: 3, cancelled_by: 'operator:operator-ops' });
    const step = await still.owner.query('select ledger.run_job_step($1) as s', [r.json.job_id]);
    expect(step.rows[0].s.done).toBe(0);
    const { rows } = await still.owner.query("select count(*)::int as n from ledger.exceptions where exception_id = any($1) and status = 'open'", [ids]);
    expect(rows[0].n).toBe(2);
    expect((await op(still, 'GET', `/v1/jobs/${r.json.job_id}`)).json.status).toBe('cancelled');
    const again = await op(still, 'POST', `/v1/jobs/${r.json.job_id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.json.detail).toMatch(/cancelled already/);
    expect((await op(still, 'POST', `/v1/jobs/${randomUUID()}/cancel`)).status).toBe(404);
    expect((await op(still, 'POST', '/v1/jobs/x/cancel')).status).toBe(422);
    expect((await still.http('POST', `/v1/jobs/${r.json.job_id}/cancel`, { key: still.producerKey })).status).toBe(403);
  });

  test('a failed replay fails its item alone; the job ends failed and lists why', async () => {
    await h.http('POST', '/v1/events', { key: h.producerKey, body: envelope(h.tenant, 'mixed-2') });
    const conflict = await h.http('POST', '/v1/events', { key: h.producerKey, body: envelope(h.tenant, 'mixed-2', { total_amount: 41 }) });
    // A replay as sent: the unknown type fails validation, the conflicting arrival passes.
    const ids = [await unknownType(h, 'mixed-1'), conflict.json.exception_id];
    const failing = await bulk(h, { filter: { exception_ids: ids }, action: 'override_and_replay', resolution_notes: 'as sent', dry_run: false });
    const failed = await jobDone(h, failing.json.job_id);
    expect(failed).toMatchObject({ status: 'failed', failed: 1, succeeded: 1,
      failures: [{ idempotency_key: 'mixed-1', reason: 'REPLAY_VALIDATION_FAILED', errors: [{ path: 'override_patch' }] }] });
  });
});

describe('ageing and known operators', () => {
  test('GET /v1/exceptions: opened_before, opened_after, sort and each open exception\'s age', async () => {
    const old = await unknownType(h, 'age-old');
    const fresh = await unknownType(h, 'age-fresh');
    await h.owner.query("update ledger.exceptions set opened_at = now() - interval '3 hours' where exception_id = $1", [old]);
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    let r = await op(h, 'GET', `/v1/exceptions?tenant_id=${h.tenant}&opened_before=${hourAgo}`);
    expect(r.status).toBe(200);
    expect(r.json.items.map((e: any) => e.exception_id)).toEqual([old]);
    expect(r.json.items[0].age_seconds).toBeGreaterThanOrEqual(3 * 3600);
    r = await op(h, 'GET', `/v1/exceptions?tenant_id=${h.tenant}&opened_after=${hourAgo}&limit=500`);
    expect(r.json.items.map((e: any) => e.exception_id)).toContain(fresh);
    expect(r.json.items.map((e: any) => e.exception_id)).not.toContain(old);
    r = await op(h, 'GET', `/v1/exceptions?tenant_id=${h.tenant}&sort=opened_at&limit=1`);
    expect(r.json.items[0].exception_id).toBe(old);
    r = await op(h, 'GET', `/v1/exceptions?tenant_id=${h.tenant}&sort=-opened_at&limit=500`);
    expect(r.json.items.at(-1).exception_id).toBe(old);
    for (const bad of ['opened_before=yesterday', 'opened_after=2026-02-25', 'sort=age']) {
      const b = await op(h, 'GET', `/v1/exceptions?${bad}`);
      expect(b.status, bad).toBe(422);
      expect(b.json.errors[0].path, bad).toBe(bad.split('=')[0]);
    }
  });

  test('/metrics: the age of the oldest open exception by reason', async () => {
    const old = await unknownType(h, 'metric-old');
    await h.owner.query("update ledger.exceptions set opened_at = now() - interval '5 days' where exception_id = $1", [old]);
    const text = (await op(h, 'GET', '/metrics')).text;
    const age = Number(/^ledger_exception_oldest_open_seconds\{reason_code="UNKNOWN_EVENT_TYPE"\} (\S+)$/m.exec(text)?.[1]);
    expect(age).toBeGreaterThanOrEqual(5 * 86400);
    expect(text).toMatch(/^ledger_exception_oldest_open_seconds\{reason_code="PROCESSING_ERROR"\} 0$/m);
  });

  test('/admin/api/operators: the operator keys\' names and actors, nothing else', async () => {
    const r = await op(h, 'GET', '/admin/api/operators');
    expect(r.status).toBe(200);
    expect(r.json).toContainEqual({ id: 'operator:operator-ops', name: 'operator-ops', actor: 'operator:operator-ops' });
    expect(r.text).not.toMatch(/hash|producer/);
    expect((await h.http('GET', '/admin/api/operators', { key: h.producerKey })).status).toBe(403);
  });

  test('OpenAPI documents the new routes', async () => {
    const doc = (await h.http('GET', '/openapi.json')).json;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/exceptions/bulk', '/v1/jobs/{job_id}', '/v1/jobs/{job_id}/cancel']));
    expect(doc.paths['/v1/exceptions'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['opened_before', 'opened_after', 'sort']));
  });
});
