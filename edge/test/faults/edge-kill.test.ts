// kill -9 of the edge under load: whatever was answered 2xx is in Bronze exactly once, and the
// producers' retries after the restart neither lose nor double anything.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createKey } from '../../src/keys.js';
import { edgeLoginUrl } from '../harness.js';
import { createTestDatabase } from '../support.js';
import { expectBronzeHoldsEveryAnswer } from './bronze.js';
import { Load } from './load.js';
import { startEdge, stopAll, waitFor, type EdgeProcess } from './processes.js';

const TENANT = 'fault_edge_kill';
let ownerUrl: string;
let owner: pg.Pool;
let key: string;

beforeAll(async () => {
  ownerUrl = await createTestDatabase('fault_edge_kill');
  owner = new pg.Pool({ connectionString: ownerUrl, max: 2 });
  const client = await owner.connect();
  try {
    key = (await createKey(client, 'producer', TENANT, 'load')).secret;
  } finally {
    client.release();
  }
});
afterAll(async () => {
  await stopAll();
  await owner?.end();
});

test('kill -9 of the edge mid-load, restart on the same port: every 2xx answer is in Bronze exactly once', async () => {
  const edgeUrl = edgeLoginUrl(ownerUrl);
  let edge: EdgeProcess = await startEdge({ ownerUrl, edgeUrl });
  const { port, url } = edge;
  const load = new Load({ url: () => url, key, tenant: TENANT, prefix: 'k', workers: 20 }).start();
  try {
    await waitFor('150 answers before the kill', () => load.ok().length >= 150, 30_000);
    const killedAt = Date.now();
    await edge.kill9();
    edge = await startEdge({ ownerUrl, edgeUrl, port });
    const restartedAt = Date.now();
    await waitFor('150 answers after the restart', () => load.ok(restartedAt).length >= 150, 30_000);
    await load.stop();

    // The kill cut requests under way, and the restart refused connections for a while; once the
    // new edge answered its health check, nothing failed any more.
    const lost = load.attempts.filter((a) => a.status === 0);
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.filter((a) => a.startedAt < killedAt - 10_000 || a.startedAt > restartedAt)).toEqual([]);
    // Every answer, before and after, is a success (retries are duplicates): no 4xx, no 5xx.
    expect(new Set(load.attempts.filter((a) => a.status !== 0).map((a) => a.status))).toEqual(new Set([200, 201]));
    await expectBronzeHoldsEveryAnswer(owner, TENANT, load);
    expect(edge.alive()).toBe(true);
  } finally {
    await load.stop();
  }
}, 60_000);
