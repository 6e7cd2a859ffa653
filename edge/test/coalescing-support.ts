// Helpers for the coalescing tests: a "plug" that holds the edge's ingest calls on a locked key so
// that arrivals queue behind it (and then go as one call, in the order they were queued), and the
// batch-size histogram read from the edge's metrics.
import pg from 'pg';
import { createKey } from '../src/keys.js';
import type { Harness, HttpAnswer } from './harness.js';
import { envelope } from './support.js';

export const APPLICATION = 'coalescing-test';

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface Producer { tenant: string; key: string; keyId: string }

export async function producer(h: Harness, tenant: string): Promise<Producer> {
  const client = await h.owner.connect();
  try {
    const { secret, keyId } = await createKey(client, 'producer', tenant, `coalescing-${tenant}`);
    return { tenant, key: secret, keyId };
  } finally {
    client.release();
  }
}

export const postText = (h: Harness, key: string, text: string) =>
  h.http('POST', '/v1/events', { key, raw: text, headers: { 'content-type': 'application/json' } });

/** Calls the edge made so far and the arrivals they held (ledger_safe_ingest_call_arrivals). */
export async function callStats(h: Harness): Promise<{ calls: number; arrivals: number }> {
  const { values } = await h.edge.metrics.ingestCallArrivals.get();
  const of = (suffix: string) => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0;
  return { calls: of('_count'), arrivals: of('_sum') };
}

/** Edge backends of this harness waiting on a lock. */
export async function lockWaiters(h: Harness): Promise<number> {
  const { rows } = await h.owner.query(
    `select count(*)::int as n from pg_stat_activity
     where datname = current_database() and application_name = $1 and wait_event_type = 'Lock'`, [APPLICATION]);
  return rows[0].n;
}

/**
 * Occupies `calls` ingest calls of the edge with arrivals of `plug` waiting on a key this test
 * locks; arrivals sent meanwhile queue. unplug() lets them go and answers the plug's arrivals.
 */
export async function plugEdge(h: Harness, plug: Producer, calls = 1) {
  const eventId = `plug-${Math.random().toString(36).slice(2)}`;
  const body = envelope(plug.tenant, eventId);
  const first = await h.http('POST', '/v1/events', { key: plug.key, body });
  if (first.status !== 201) throw new Error(`plug: ${first.status} ${first.text}`);
  const locker: pg.PoolClient = await h.owner.connect();
  await locker.query('begin');
  await locker.query('select from ledger.events_processed where tenant_id = $1 and idempotency_key = $2 for update', [plug.tenant, eventId]);
  const held: Promise<HttpAnswer>[] = [];
  for (let i = 0; i < calls; i++) {
    held.push(h.http('POST', '/v1/events', { key: plug.key, body }));
    await waitFor(`plug call ${i + 1} waiting on its lock`, async () => (await lockWaiters(h)) === i + 1);
  }
  return {
    async unplug(): Promise<HttpAnswer[]> {
      await locker.query('rollback');
      locker.release();
      return Promise.all(held);
    },
  };
}

/** Sends each text once the one before it is queued: they are queued, and so ingested, in this order. */
export async function queueInOrder(h: Harness, sends: (() => Promise<HttpAnswer>)[]): Promise<Promise<HttpAnswer>[]> {
  const coalescer = h.edge.coalescer!;
  let queued = coalescer.queued;
  const answers: Promise<HttpAnswer>[] = [];
  try {
    for (const send of sends) {
      const answer = send();
      answers.push(answer);
      // An arrival that does not share calls (a text that goes alone, a refusal of the edge's own) is answered without queueing.
      await waitFor(`arrival ${answers.length} queued or answered`, () => coalescer.queued === queued + 1 || settled(answer));
      queued = coalescer.queued;
    }
  } catch (error) {
    for (const answer of answers) answer.catch(() => {});
    throw error;
  }
  return answers;
}

const done = new WeakSet<Promise<unknown>>();
function settled(p: Promise<unknown>): boolean {
  if (!done.has(p)) p.then(() => done.add(p), () => done.add(p));
  return done.has(p);
}
