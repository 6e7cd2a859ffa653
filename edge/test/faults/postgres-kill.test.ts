// kill -9 of the PostgreSQL postmaster under load, on a cluster of this test's own: while it is
// down the edge answers 503 problem+json with Retry-After within 2 s (it neither hangs nor dies nor
// answers 500); once the cluster is started again on the same port the same edge process serves
// again by itself, and after crash recovery every arrival answered 2xx is in Bronze.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createKey } from '../../src/keys.js';
import { expectBronzeHoldsEveryAnswer } from './bronze.js';
import { Load, send, type Attempt } from './load.js';
import { ownLedger, startEdge, waitFor, type EdgeProcess, type HostedCluster } from './processes.js';

const TENANT = 'fault_pg_kill';
let cluster: HostedCluster;
let ownerUrl: string;
let edgeUrl: string;
let remove: (() => Promise<void>) | undefined;
let key: string;

beforeAll(async () => {
  ({ cluster, ownerUrl, edgeUrl, remove } = await ownLedger('ledger-safe-fault-pg-', async (owner) => {
    key = (await createKey(owner, 'producer', TENANT, 'load')).secret;
  }));
}, 60_000);
afterAll(() => remove?.());

test('kill -9 of the postmaster mid-load: quick 503s, recovery without restarting the edge, no 2xx lost', async () => {
  const edge: EdgeProcess = await startEdge({ ownerUrl, edgeUrl });
  const load = new Load({ url: () => edge.url, key, tenant: TENANT, prefix: 'p', workers: 20 }).start();
  const anonymousHealth: Attempt[] = [];
  const keyedHealth: Attempt[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      await send(edge.url, '/v1/health', {}, 10_000, anonymousHealth);
      await send(edge.url, '/v1/health', { headers: { authorization: `Bearer ${key}` } }, 10_000, keyedHealth);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const owner = new pg.Pool({ connectionString: ownerUrl, max: 2 });
  owner.on('error', () => {});
  try {
    await waitFor('100 answers before the kill', () => load.ok().length >= 100, 30_000);
    const killedAt = Date.now();
    process.kill(cluster.postmasterPid(), 'SIGKILL');

    const since = (list: Attempt[], status: number, t: number) => list.filter((a) => a.status === status && a.startedAt >= t);
    await waitFor('503s for /v1/events and /v1/health (anonymous and with a key)', () =>
      since(load.attempts, 503, killedAt).length >= 60
      && since(anonymousHealth, 503, killedAt).length >= 3 && since(keyedHealth, 503, killedAt).length >= 3, 15_000);

    await cluster.restart();
    await waitFor('the same edge to be healthy again', async () =>
      (await fetch(`${edge.url}/v1/health`, { signal: AbortSignal.timeout(2_000) })).status === 200, 30_000);
    const recoveredAt = Date.now();
    await waitFor('100 answers after the recovery', () => load.ok(recoveredAt).length >= 100, 30_000);
    await load.stop();
    probing = false;
    await prober;

    const all = [...load.attempts, ...anonymousHealth, ...keyedHealth];
    expect(all.filter((a) => a.status === 0).map((a) => `${a.path} ${a.error} after ${a.ms} ms`), 'requests left unanswered').toEqual([]);
    expect(new Set(all.map((a) => a.status))).toEqual(new Set([200, 201, 503]));
    const outage = all.filter((a) => a.startedAt >= killedAt && a.startedAt <= recoveredAt);
    expect(outage.filter((a) => a.ms >= 2_000).map((a) => `${a.path} ${a.status} in ${a.ms} ms`), 'slow answers').toEqual([]);
    for (const a of all.filter((x) => x.status === 503)) {
      expect(a.contentType, a.path).toMatch(/^application\/problem\+json/);
      expect(a.retryAfter, a.path).toBe('1');
      expect(a.json).toMatchObject({ status: 503, title: 'Service Unavailable' });
    }
    expect(all.filter((a) => a.status === 503 && a.startedAt + a.ms < killedAt), '503 answered before the kill').toEqual([]);
    expect(edge.alive(), edge.output()).toBe(true);

    await expectBronzeHoldsEveryAnswer(owner, TENANT, load);
  } finally {
    probing = false;
    await load.stop();
    await prober;
    await owner.end();
  }
}, 60_000);
