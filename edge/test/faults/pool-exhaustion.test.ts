// Every pooled connection busy: other requests get a quick 503 with Retry-After (after
// PGPOOL_CONNECT_TIMEOUT_MS), not a wait until the client gives up; the held requests finish once
// the lock they wait on goes, and the edge serves again.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createKey } from '../../src/keys.js';
import { edgeLoginUrl } from '../harness.js';
import { createTestDatabase, envelope } from '../support.js';
import { send, type Attempt } from './load.js';
import { startEdge, stopAll, waitFor, type EdgeProcess } from './processes.js';

const TENANT = 'fault_pool';
let ownerUrl: string;
let owner: pg.Pool;
let key: string;
let edge: EdgeProcess;

beforeAll(async () => {
  ownerUrl = await createTestDatabase('fault_pool');
  owner = new pg.Pool({ connectionString: ownerUrl, max: 3 });
  const client = await owner.connect();
  try {
    key = (await createKey(client, 'producer', TENANT, 'pool')).secret;
  } finally {
    client.release();
  }
  edge = await startEdge({
    ownerUrl, edgeUrl: edgeLoginUrl(ownerUrl),
    // INGEST_COALESCE_SHARE_AT=1: the second held arrival takes the second connection at once
    // (by default it would wait for the first call, leaving a connection free).
    env: { PGPOOL_MAX: '2', PGPOOL_CONNECT_TIMEOUT_MS: '500', AUTH_CACHE_MS: '60000', INGEST_COALESCE_SHARE_AT: '1' },
  });
});
afterAll(async () => {
  await stopAll();
  await owner?.end();
});

const post = (body: unknown, record: Attempt[]) => send(edge.url, '/v1/events', {
  method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
}, 10_000, record);

test('PGPOOL_MAX=2, both connections waiting on a row lock: 503 with Retry-After in under a second', async () => {
  const record: Attempt[] = [];
  const held = envelope(TENANT, 'held-1');
  // Also puts the key in the edge's key cache: the requests below need no connection to authenticate.
  expect((await post(held, record)).status).toBe(201);

  const locker = await owner.connect();
  let blocked: Promise<Attempt>[] = [];
  try {
    await locker.query('begin');
    await locker.query('select from ledger.events_processed where tenant_id = $1 and idempotency_key = $2 for update', [TENANT, 'held-1']);
    blocked = [post(held, record), post(held, record)];
    const { rows: [{ datname }] } = await locker.query('select current_database() as datname');
    await waitFor('both pooled connections waiting on the lock', async () => {
      const { rows } = await owner.query(
        `select count(*)::int as n from pg_stat_activity
         where datname = $1 and application_name = 'ledger-safe-edge' and wait_event_type = 'Lock'`, [datname]);
      return rows[0].n === 2;
    });

    const probes = await Promise.all([
      post(envelope(TENANT, 'other-1'), record),
      send(edge.url, '/v1/health', {}, 10_000, record),
      send(edge.url, '/v1/health', { headers: { authorization: `Bearer ${key}` } }, 10_000, record),
    ]);
    for (const probe of probes) {
      expect(probe.status, probe.path).toBe(503);
      expect(probe.ms, probe.path).toBeLessThan(1_000);
      expect(probe.contentType).toMatch(/^application\/problem\+json/);
      expect(probe.retryAfter).toBe('1');
      expect(probe.json).toMatchObject({ status: 503, title: 'Service Unavailable' });
    }
  } finally {
    await locker.query('rollback').catch(() => {});
    locker.release();
  }

  const released = await Promise.all(blocked);
  expect(released.map((a) => [a.status, a.json.result])).toEqual([[200, 'duplicate'], [200, 'duplicate']]);
  const after = await post(envelope(TENANT, 'other-1'), record);
  expect([after.status, after.json.result, after.json.attempt]).toEqual([201, 'processed', 1]);
  expect((await send(edge.url, '/v1/health', {}, 10_000, record)).status).toBe(200);
  const { rows } = await owner.query(
    'select idempotency_key, count(*)::int as n from ledger.events_raw where tenant_id = $1 group by 1 order by 1', [TENANT]);
  expect(rows).toEqual([{ idempotency_key: 'held-1', n: 3 }, { idempotency_key: 'other-1', n: 1 }]);
  expect(edge.alive()).toBe(true);
}, 60_000);
