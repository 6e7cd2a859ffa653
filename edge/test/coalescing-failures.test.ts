// Failures of coalesced ingest calls (ingest-coalescer.ts), provoked in a real PostgreSQL: a call
// that PostgreSQL rolled back for a transient reason is split and retried until every arrival is
// answered 2xx, each stored once; a connection lost mid-call (unknown outcome) is answered 503 and
// never retried; an arrival that waits longer than the pool would is answered 503; concurrent
// calls over shared keys and tenants keep every count.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { coalescingFromEnv, sharedDepth } from '../src/ingest-coalescer.js';
import { startHarness, type Harness, type HttpAnswer } from './harness.js';
import { APPLICATION, callStats, plugEdge, postText, producer, queueInOrder, waitFor, type Producer } from './coalescing-support.js';
import { countersAndCounts, envelope } from './support.js';

let h: Harness;
let p: Producer;
beforeAll(async () => {
  h = await startHarness('coalesce_fail', { application_name: APPLICATION }, undefined, { coalescing: { calls: 1, queueTimeoutMs: 60_000 } });
  p = await producer(h, 'coal_fail');
});
afterAll(() => h?.close());

const post = (eventId: string, extra: Record<string, unknown> = {}) => postText(h, p.key, JSON.stringify(envelope(p.tenant, eventId, extra)));

async function retries(): Promise<Record<string, number>> {
  const { values } = await h.edge.metrics.ingestCallRetries.get();
  return Object.fromEntries(values.map((v) => [`${v.labels.action} ${v.labels.code}`, v.value]));
}

/** The edge's backend waiting on a lock, running a call of `arrivals` arrivals. */
async function waiterOf(arrivals: number): Promise<number | null> {
  const { rows } = await h.owner.query(
    `select pid, query from pg_stat_activity
     where datname = current_database() and application_name = $1 and wait_event_type = 'Lock'`, [APPLICATION]);
  const call = rows.find((r) => r.query.includes(`array[${Array.from({ length: arrivals }, (_, i) => `$${i + 1}`).join(', ')}]`));
  return call ? call.pid : null;
}

async function waitForWaiter(arrivals: number): Promise<number> {
  let pid: number | null = null;
  await waitFor(`a call of ${arrivals} waiting on a lock`, async () => (pid = await waiterOf(arrivals)) !== null);
  return pid!;
}

/** Locks an existing key of the producer's; release() lets the calls waiting on it go. */
async function lockKey(eventId: string) {
  expect((await post(eventId)).status).toBe(201);
  const locker: pg.PoolClient = await h.owner.connect();
  await locker.query('begin');
  await locker.query('select from ledger.events_processed where tenant_id = $1 and idempotency_key = $2 for update', [p.tenant, eventId]);
  return { async release() { await locker.query('rollback'); locker.release(); } };
}

async function bronzeOf(eventIds: string[]) {
  const { rows } = await h.owner.query(
    'select idempotency_key, count(*)::int as n from ledger.events_raw where tenant_id = $1 and idempotency_key = any($2) group by 1 order by 1',
    [p.tenant, eventIds]);
  return Object.fromEntries(rows.map((r) => [r.idempotency_key, r.n]));
}

test('a call PostgreSQL rolled back (57014, cancelled) is split in halves and retried: every arrival 2xx, stored once', async () => {
  const before = await retries();
  const lock = await lockKey('cancel-locked');
  let answers: HttpAnswer[];
  try {
    // One call waits on the locked key; seven new arrivals and one more of the locked key queue behind it.
    const first = post('cancel-locked');
    const firstPid = await waitForWaiter(1);
    const fresh = Array.from({ length: 7 }, (_, i) => `cancel-new-${i}`);
    const queued = await queueInOrder(h, [...fresh.map((id) => () => post(id)), () => post('cancel-locked')]);
    // Cancelled while waiting: the first call (one arrival) is retried after a pause; meanwhile the
    // eight queued go as one call, which waits on the same lock and is cancelled too: split.
    await h.owner.query('select pg_cancel_backend($1)', [firstPid]);
    await h.owner.query('select pg_cancel_backend($1)', [await waitForWaiter(8)]);
    await waitFor('the call split', async () => (await retries())['split 57014'] === (before['split 57014'] ?? 0) + 1);
    await lock.release();
    answers = await Promise.all([first, ...queued]);
    expect(answers.map((a) => [a.status, a.json.result])).toEqual([
      [200, 'duplicate'], ...fresh.map(() => [201, 'processed']), [200, 'duplicate'],
    ]);
    expect(answers.filter((a) => a.json.idempotency_key === 'cancel-locked').map((a) => a.json.attempt).sort()).toEqual([2, 3]);
    expect(await bronzeOf([...fresh, 'cancel-locked'])).toEqual({ ...Object.fromEntries(fresh.map((id) => [id, 1])), 'cancel-locked': 3 });
  } finally {
    await lock.release().catch(() => {});
  }
  const after = await retries();
  expect(after['retried 57014']).toBeGreaterThanOrEqual((before['retried 57014'] ?? 0) + 1);
  const c = await countersAndCounts(h.owner, p.tenant);
  expect(c.health).toEqual(c.counted);
});

test('a connection lost during the call (outcome unknown to the edge): 503, not retried; the next call is served', async () => {
  const before = await retries();
  const lock = await lockKey('lost-locked');
  try {
    const lost = post('lost-locked');
    const queued = await queueInOrder(h, [() => post('lost-behind')]);
    await h.owner.query('select pg_terminate_backend($1)', [await waitForWaiter(1)]);
    const answer = await lost;
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.json).toMatchObject({ status: 503, title: 'Service Unavailable' });
    expect(answer.text).not.toMatch(/terminat|FATAL|ledger_private/i);
    expect((await Promise.all(queued)).map((a) => [a.status, a.json.result])).toEqual([[201, 'processed']]);
  } finally {
    await lock.release();
  }
  expect(await retries()).toEqual(before);
  // The terminated call was rolled back: only the first arrival of the key is in Bronze.
  expect(await bronzeOf(['lost-locked', 'lost-behind'])).toEqual({ 'lost-locked': 1, 'lost-behind': 1 });
});

describe('waiting for a call', () => {
  let short: Harness;
  let q: Producer;
  beforeAll(async () => {
    short = await startHarness('coalesce_wait', { application_name: APPLICATION }, undefined, { coalescing: { calls: 1, queueTimeoutMs: 300 } });
    q = await producer(short, 'coal_wait');
  });
  afterAll(() => short?.close());

  test('an arrival queued longer than the pool\'s wait for a connection: 503 with Retry-After, nothing stored', async () => {
    const text = (id: string) => JSON.stringify(envelope(q.tenant, id));
    expect((await postText(short, q.key, text('wait-locked'))).status).toBe(201);
    const locker = await short.owner.connect();
    try {
      await locker.query('begin');
      await locker.query("select from ledger.events_processed where tenant_id = $1 and idempotency_key = 'wait-locked' for update", [q.tenant]);
      const held = postText(short, q.key, text('wait-locked'));
      await waitFor('the call waiting on its lock', async () => (await short.owner.query(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = $1 and wait_event_type = 'Lock'",
        [APPLICATION])).rows[0].n === 1);
      const waited = await postText(short, q.key, text('wait-queued'));
      expect(waited.status).toBe(503);
      expect(waited.headers.get('retry-after')).toBe('1');
      expect(waited.json).toMatchObject({ status: 503, detail: 'no database connection is free; retry shortly' });
      await locker.query('rollback');
      expect((await held).json.result).toBe('duplicate');
    } finally {
      await locker.query('rollback').catch(() => {});
      locker.release();
    }
    const { rows } = await short.owner.query("select count(*)::int as n from ledger.events_raw where idempotency_key = 'wait-queued'");
    expect(rows[0].n).toBe(0);
  });
});

test('concurrent shared calls over the same keys of four tenants: every arrival 2xx, attempts 1..n per key, counters equal counts', async () => {
  // Two calls at a time (the second as soon as one arrival waits), of 50 arrivals at most: 400
  // arrivals queued behind two plugged calls go as eight calls, two at a time, each over keys of all four tenants that the other call holds too.
  const shared = await startHarness('coalesce_keys', { application_name: APPLICATION }, undefined,
    { coalescing: { calls: 2, shareAt: 1, maxArrivals: 50, queueTimeoutMs: 60_000 } });
  try {
    const producers = await Promise.all(['coal_k1', 'coal_k2', 'coal_k3', 'coal_k4'].map((t) => producer(shared, t)));
    const send = (who: Producer, key: number, amount: number) =>
      postText(shared, who.key, JSON.stringify(envelope(who.tenant, `k${key}`, { total_amount: amount })));
    await Promise.all(producers.flatMap((who) => Array.from({ length: 10 }, (_, k) => send(who, k, 1))));
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // Keys 0-9 exist, 10-19 are new; most arrivals repeat the first payload, some differ.
    const arrivals = Array.from({ length: 400 }, () => ({ who: producers[Math.floor(random() * 4)], key: Math.floor(random() * 20), amount: random() < 0.8 ? 1 : 2 }));
    const plugged = await plugEdge(shared, await producer(shared, 'coal_k_plug'), 2);
    const before = await callStats(shared);
    const splits = async () => (await shared.edge.metrics.ingestCallRetries.get()).values
      .filter((v) => v.labels.action === 'split').reduce((n, v) => n + v.value, 0);
    const splitBefore = await splits();
    let answers: Promise<HttpAnswer>[] = [];
    try {
      answers = arrivals.map((a) => send(a.who, a.key, a.amount));
      await waitFor('400 arrivals queued', () => shared.edge.coalescer!.queued === 400);
    } finally {
      await plugged.unplug();
    }
    const answered = await Promise.all(answers);
    expect(answered.filter((a) => a.status >= 300).map((a) => `${a.status} ${a.text}`)).toEqual([]);
    // The two plugged calls and eight of 50; a call rolled back and split (a deadlock) commits as two.
    expect((await callStats(shared)).calls - before.calls).toBe(2 + 8 + (await splits()) - splitBefore);
    for (const who of producers) {
      const { rows } = await shared.owner.query(
        `select k.idempotency_key, k.arrivals, array_agg(r.attempt order by r.attempt) as attempts
         from ledger.events_processed k join ledger.events_raw r using (tenant_id, idempotency_key)
         where k.tenant_id = $1 group by 1, 2`, [who.tenant]);
      for (const row of rows) expect(row.attempts, row.idempotency_key).toEqual(Array.from({ length: row.arrivals }, (_, i) => i + 1));
      const c = await countersAndCounts(shared.owner, who.tenant);
      expect(c.health).toEqual(c.counted);
    }
  } finally {
    await shared.close();
  }
}, 60_000);

test('while a call is in flight, arrivals wait for it unless shareAt of them wait: then a second call takes them', async () => {
  // One call plugged on a locked key; two arrivals wait for it rather than take the free call (a
  // call of one costs as much as many shared); the third makes three, and a call of three goes.
  const sharing = await startHarness('coalesce_share', { application_name: APPLICATION }, undefined,
    { coalescing: { calls: 2, shareAt: 3, queueTimeoutMs: 60_000 } });
  try {
    const who = await producer(sharing, 'coal_share');
    const plugged = await plugEdge(sharing, await producer(sharing, 'coal_share_plug'), 1);
    const before = await callStats(sharing);
    const send = (n: number) => postText(sharing, who.key, JSON.stringify(envelope(who.tenant, `share-${n}`)));
    let answers: Promise<HttpAnswer>[] = [];
    try {
      answers = [send(1), send(2)];
      await waitFor('two arrivals queued', () => sharing.edge.coalescer!.queued === 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(sharing.edge.coalescer!.queued, 'still waiting for the plugged call').toBe(2);
      expect((await callStats(sharing)).calls - before.calls).toBe(0);
      answers.push(send(3));
      const answered = await Promise.all(answers);
      expect(answered.map((a) => a.status), 'answered while the plugged call still waits').toEqual([201, 201, 201]);
      const after = await callStats(sharing);
      expect([after.calls - before.calls, after.arrivals - before.arrivals]).toEqual([1, 3]);
    } finally {
      await plugged.unplug();
    }
  } finally {
    await sharing.close();
  }
}, 60_000);

describe('what may share a call', () => {
  test('plain envelopes do, with their depth; escapes jsonb refuses, numbers near numeric\'s limits, deep nesting go alone', () => {
    expect(sharedDepth(JSON.stringify(envelope('t', 'e')))).toBe(3);
    expect(sharedDepth('{"a":"caf\\u00e9 \\"\\\\u0000\\" 1e9999","b":[1.5e300,-0.001E-20,true,false,null]}')).toBe(2);
    for (const text of ['{"a":"\\u0000"}', '{"a":"\\ud83d\\ude00"}', '{"a":"\\uDC00"}', '{"a":1e1000}', '{"a":1E+1000}', '{"a":-1e-16384}',
      `{"a":${'9'.repeat(1000)}}`, `{"a":0.${'1'.repeat(1000)}}`, '['.repeat(65) + ']'.repeat(65)]) {
      expect(sharedDepth(text), text.slice(0, 40)).toBeNull();
    }
    expect(sharedDepth('['.repeat(64) + ']'.repeat(64))).toBe(64);
  });

  test('INGEST_COALESCE=off turns it off; calls are at most the pool\'s size', () => {
    const env = { ...process.env };
    try {
      Object.assign(process.env, { INGEST_COALESCE: 'off', INGEST_COALESCE_CALLS: '50', INGEST_COALESCE_MAX_ARRIVALS: '10', INGEST_COALESCE_MAX_BYTES: '1000',
        INGEST_COALESCE_SHARE_AT: '5' });
      expect(coalescingFromEnv({ options: { max: 6, connectionTimeoutMillis: 500 } }))
        .toEqual({ enabled: false, calls: 6, shareAt: 5, maxArrivals: 10, maxBytes: 1000, queueTimeoutMs: 500, attempts: 3 });
      delete process.env.INGEST_COALESCE;
      delete process.env.INGEST_COALESCE_SHARE_AT;
      expect(coalescingFromEnv({ options: { max: 20 } })).toMatchObject({ enabled: true, calls: 20, shareAt: 32 });
    } finally {
      process.env = env;
    }
  });
});
