// kill -9 of the edge in the middle of a bulk job: the job is rows, so the restarted edge's worker
// finds it running and finishes it; no exception is resolved twice or left out. The worker is slowed
// (one item a step, a pause between steps) so that the kill lands mid-job.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createKey } from '../../src/keys.js';
import { edgeLoginUrl } from '../harness.js';
import { createTestDatabase, envelope } from '../support.js';
import { startEdge, stopAll, waitFor, type EdgeProcess } from './processes.js';

const TENANT = 'fault_job_restart';
const EXCEPTIONS = 120;
const SLOW = { JOB_STEP_ITEMS: '1', JOB_STEP_PAUSE_MS: '25', JOB_POLL_MS: '100' };
let ownerUrl: string;
let owner: pg.Pool;
let key: string;

beforeAll(async () => {
  ownerUrl = await createTestDatabase('fault_job_restart');
  owner = new pg.Pool({ connectionString: ownerUrl, max: 2 });
  await owner.query('insert into ledger.tenants (tenant_id) values ($1)', [TENANT]);
  const envelopes = Array.from({ length: EXCEPTIONS }, (_, i) => envelope(TENANT, `r-${i}`, { event_type: 'BOGUS' }));
  await owner.query('select * from ledger.ingest_events($1::jsonb)', [JSON.stringify(envelopes)]);
  const client = await owner.connect();
  try {
    key = (await createKey(client, 'operator', null, 'restart')).secret;
  } finally {
    client.release();
  }
});
afterAll(async () => {
  await stopAll();
  await owner?.end();
});

test('a job survives kill -9 of the edge and is finished by the restarted one, each exception exactly once', async () => {
  const edgeUrl = edgeLoginUrl(ownerUrl);
  let edge: EdgeProcess = await startEdge({ ownerUrl, edgeUrl, env: SLOW });
  const job = (url: string, id: string) => fetch(`${url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.json());

  const started = await fetch(`${edge.url}/v1/exceptions/bulk`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': 'restart-1' },
    body: JSON.stringify({ filter: { tenant_id: TENANT, status: 'open' }, action: 'override_and_replay', resolution_notes: 'retyped',
      override_patch: { event_type: 'SALE' }, dry_run: false }),
  });
  expect(started.status).toBe(202);
  const { job_id: jobId } = await started.json();

  await waitFor('a tenth of the job done', async () => (await job(edge.url, jobId)).done >= EXCEPTIONS / 10, 30_000);
  await edge.kill9();
  const atKill = (await owner.query('select ledger.get_job($1) as j', [jobId])).rows[0].j;
  expect(atKill.status).toBe('running');
  expect(atKill.done).toBeLessThan(EXCEPTIONS);

  edge = await startEdge({ ownerUrl, edgeUrl, port: edge.port, env: { JOB_POLL_MS: '100' } });
  // The retried request (the client did not see an answer it trusts) gets the same job.
  const retried = await fetch(`${edge.url}/v1/exceptions/bulk`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': 'restart-1' },
    body: JSON.stringify({ filter: { tenant_id: TENANT, status: 'open' }, action: 'override_and_replay', resolution_notes: 'retyped',
      override_patch: { event_type: 'SALE' }, dry_run: false }),
  });
  expect(retried.status).toBe(202);
  expect((await retried.json()).job_id).toBe(jobId);

  const done = await waitFor('the job to end after the restart', async () => {
    const j = await job(edge.url, jobId);
    return j.status !== 'running' && j;
  }, 30_000);
  expect(done).toMatchObject({ status: 'succeeded', matched: EXCEPTIONS, done: EXCEPTIONS, succeeded: EXCEPTIONS, failed: 0, skipped: 0 });

  const { rows } = await owner.query(
    `select count(*)::int as rows, count(distinct a.exception_id)::int as exceptions,
            (select count(*)::int from ledger.exceptions where tenant_id = $1 and status = 'open') as still_open
     from ledger.audit_log a where a.tenant_id = $1 and a.action = 'exception.resolved' and a.job_id = $2`, [TENANT, jobId]);
  expect(rows[0]).toEqual({ rows: EXCEPTIONS, exceptions: EXCEPTIONS, still_open: 0 });
  expect(edge.alive()).toBe(true);
}, 90_000);
