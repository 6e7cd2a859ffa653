// kill -9 of the PostgreSQL postmaster, twice, at random moments of mixed traffic (single events,
// batches, exact retries, conflicts, unknown types, resolutions), on a cluster of this test's own:
// the edge answers 503 meanwhile, the cluster recovers, the clients retry; afterwards every 2xx
// answer is in Bronze exactly once as answered, every 200 resolution is recorded,
// ledger.reconcile is balanced and no exception or audit row is half-written. FAULT_SEED repeats a
// run (the seed is printed).
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createKey } from '../../src/keys.js';
import { describeLoad, expectIntegrity } from './integrity.js';
import { faultSeed, MixedLoad, seeded } from './mixed-load.js';
import { ownLedger, startEdge, waitFor, type HostedCluster } from './processes.js';

const TENANT = 'fault_mixed_pg';
let cluster: HostedCluster;
let ownerUrl: string;
let edgeUrl: string;
let remove: (() => Promise<void>) | undefined;
let producerKey: string;
let operatorKey: string;

beforeAll(async () => {
  ({ cluster, ownerUrl, edgeUrl, remove } = await ownLedger('ledger-safe-fault-mixed-', async (owner) => {
    producerKey = (await createKey(owner, 'producer', TENANT, 'mixed')).secret;
    operatorKey = (await createKey(owner, 'operator', null, 'mixed-ops')).secret;
  }));
}, 60_000);
afterAll(() => remove?.());

test('kill -9 of the postmaster twice under mixed traffic: every 2xx in Bronze exactly once, reconciled, nothing half-written', async () => {
  const seed = faultSeed();
  const random = seeded(seed ^ 0xdead);
  const edge = await startEdge({ ownerUrl, edgeUrl });
  const load = new MixedLoad({ url: () => edge.url, producerKey, operatorKey, tenant: TENANT, seed, workers: 12 }).start();
  const owner = new pg.Pool({ connectionString: ownerUrl, max: 2 });
  owner.on('error', () => {});
  const kills: number[] = [];
  try {
    for (let kill = 0; kill < 2; kill += 1) {
      const since = Date.now();
      const answers = 40 + Math.floor(random() * 160);
      await waitFor(`${answers} answers before kill ${kill + 1}`, () => load.ok(since).length >= answers, 30_000);
      kills.push(Date.now());
      process.kill(cluster.postmasterPid(), 'SIGKILL');
      await waitFor('503s while the database is down', () => load.attempts.some((a) => a.status === 503 && a.startedAt >= kills.at(-1)!), 30_000);
      await cluster.restart();
      await waitFor('the edge to be healthy again', async () =>
        (await fetch(`${edge.url}/v1/health`, { signal: AbortSignal.timeout(2_000) })).status === 200, 30_000);
    }
    const recoveredAt = Date.now();
    await waitFor('60 answers after the last recovery', () => load.ok(recoveredAt).length >= 60, 30_000);
    await load.stop();
    console.log(`FAULT_SEED=${seed}; kills after ${kills.map((k) => `${k - load.attempts[0].startedAt} ms`).join(', ')}`, describeLoad(load));
    // First what a lost or half-written answer breaks; then the statuses (a resolve of an exception
    // that a lost answer named is a 404).
    await expectIntegrity(owner, TENANT, load);

    const statuses = new Set(load.attempts.map((a) => a.status));
    expect([...statuses].filter((s) => ![200, 201, 202, 409, 503].includes(s)), 'statuses other than 2xx, 409 (a resolution retried) and 503').toEqual([]);
    expect(load.attempts.filter((a) => a.status === 409 && a.kind !== 'resolve')).toEqual([]);
    for (const kind of ['single', 'batch', 'resolve']) expect(load.ok().some((a) => a.kind === kind), `${kind} answered`).toBe(true);
    expect(edge.alive(), edge.output()).toBe(true);
  } finally {
    await load.stop();
    await owner.end();
  }
}, 120_000);
