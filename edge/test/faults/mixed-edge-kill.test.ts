// kill -9 of the edge, twice, at random moments of mixed traffic (single events, batches, exact
// retries, conflicts, unknown types, resolutions): after each kill the edge starts again on the
// same port and the clients retry; afterwards every 2xx answer is in Bronze exactly once as
// answered, every 200 resolution is recorded, ledger.reconcile is balanced and no exception or
// audit row is half-written. FAULT_SEED repeats a run (the seed is printed).
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createKey } from '../../src/keys.js';
import { edgeLoginUrl } from '../harness.js';
import { createTestDatabase } from '../support.js';
import { describeLoad, expectIntegrity } from './integrity.js';
import { faultSeed, MixedLoad, seeded } from './mixed-load.js';
import { startEdge, stopAll, waitFor, type EdgeProcess } from './processes.js';

const TENANT = 'fault_mixed_edge';
let ownerUrl: string;
let owner: pg.Pool;
let producerKey: string;
let operatorKey: string;

beforeAll(async () => {
  ownerUrl = await createTestDatabase('fault_mixed_edge');
  owner = new pg.Pool({ connectionString: ownerUrl, max: 2 });
  const client = await owner.connect();
  try {
    producerKey = (await createKey(client, 'producer', TENANT, 'mixed')).secret;
    operatorKey = (await createKey(client, 'operator', null, 'mixed-ops')).secret;
  } finally {
    client.release();
  }
});
afterAll(async () => {
  await stopAll();
  await owner?.end();
});

test('kill -9 of the edge twice under mixed traffic: every 2xx in Bronze exactly once, reconciled, nothing half-written', async () => {
  const seed = faultSeed();
  const random = seeded(seed ^ 0x5eed);
  const edgeUrl = edgeLoginUrl(ownerUrl);
  let edge: EdgeProcess = await startEdge({ ownerUrl, edgeUrl });
  const { port, url } = edge;
  const load = new MixedLoad({ url: () => url, producerKey, operatorKey, tenant: TENANT, seed, workers: 12 }).start();
  const kills: number[] = [];
  try {
    for (let kill = 0; kill < 2; kill += 1) {
      const since = Date.now();
      const answers = 40 + Math.floor(random() * 160);
      await waitFor(`${answers} answers before kill ${kill + 1}`, () => load.ok(since).length >= answers, 30_000);
      kills.push(Date.now());
      await edge.kill9();
      edge = await startEdge({ ownerUrl, edgeUrl, port });
    }
    const restartedAt = Date.now();
    await waitFor('60 answers after the last restart', () => load.ok(restartedAt).length >= 60, 30_000);
    await load.stop();
    console.log(`FAULT_SEED=${seed}; kills after ${kills.map((k) => `${k - load.attempts[0].startedAt} ms`).join(', ')}`, describeLoad(load));
    // First what a lost or half-written answer breaks; then the statuses (a resolve of an exception
    // that a lost answer named is a 404).
    await expectIntegrity(owner, TENANT, load);

    const statuses = new Set(load.attempts.map((a) => a.status));
    expect([...statuses].filter((s) => ![0, 200, 201, 202, 409].includes(s)), 'statuses other than 2xx, 409 (a resolution retried) and lost').toEqual([]);
    expect(load.attempts.filter((a) => a.status === 409 && a.kind !== 'resolve')).toEqual([]);
    // Requests are lost only around a kill, not once the edge answers again.
    expect(load.attempts.filter((a) => a.status === 0 && a.startedAt > restartedAt)).toEqual([]);
    expect(load.attempts.some((a) => a.status === 0), 'the kills cut requests under way').toBe(true);
    for (const kind of ['single', 'batch', 'resolve']) expect(load.ok().some((a) => a.kind === kind), `${kind} answered`).toBe(true);
    expect(edge.alive()).toBe(true);
  } finally {
    await load.stop();
  }
}, 90_000);
