// The ledger's posting rules under concurrency, against a real PostgreSQL 16, each caller on a
// connection of its own: a sale and its return racing (in both forced orders, and released at once,
// many rounds), returns racing for the last units of a sku, and 50 connections posting to one store
// and day. Every posting of a transaction or referring to it takes that transaction's advisory lock
// (db/functions/600-posting-rules.sql), so each of these must serialise into an order the rules
// judge as they would one by one.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, envelope } from './support.js';
import { begin, connectAll, producer, race, tally, values } from './race.js';

const RACERS = 50;
const ROUNDS = 4;
let pool: pg.Pool;
let nextTenant = 1;

beforeAll(async () => {
  // Idle connections are kept: a race needs RACERS + 1 of them at once, opened before it starts.
  pool = new pg.Pool({ connectionString: await createTestDatabase('ledger_concurrency'), max: RACERS + 10, idleTimeoutMillis: 0,
    connectionTimeoutMillis: 20_000 });
  const clients = await Promise.all(Array.from({ length: RACERS + 1 }, () => pool.connect()));
  for (const client of clients) client.release();
});
afterAll(() => pool?.end());

interface Answer { result: string; reason_code: string | null; exception_id: string | null; key_status: string; status: number }

async function ingest(client: pg.PoolClient | pg.Pool, body: object): Promise<Answer> {
  const { rows } = await client.query('select * from ledger.ingest_event($1::jsonb, $2)', [JSON.stringify(body), 'test']);
  return rows[0];
}

async function newTenant(prefix: string): Promise<string> {
  const tenant = `${prefix}_${nextTenant++}`;
  await pool.query('insert into ledger.tenants (tenant_id) values ($1)', [tenant]);
  return tenant;
}

const sale = (tenant: string, txn: string, qty: number) =>
  envelope(tenant, `sale-${txn}`, { txn_id: txn, total_amount: 10 * qty, line_items: [{ sku: 'A', qty, amount: 10 * qty }] });
const returnOf = (tenant: string, key: string, txn: string, qty: number) =>
  envelope(tenant, key, { event_type: 'RETURN', txn_id: key, original_txn_id: txn, total_amount: 10 * qty, line_items: [{ sku: 'A', qty, amount: 10 * qty }] });

async function reconciled(tenant: string): Promise<{ balanced: boolean; drift: unknown }> {
  const { rows } = await pool.query('select ledger.reconcile($1) as r', [tenant]);
  return { balanced: rows[0].r.balanced, drift: rows[0].r.drift };
}

/**
 * Returns of the tenant posted without their sale: a current return whose reference is not the
 * current posting of a sale of that store and txn_id posted before it. Empty when all is well.
 */
async function returnsWithoutSale(tenant: string): Promise<unknown[]> {
  const { rows } = await pool.query(
    `select t.idempotency_key from ledger.ledger_transactions t
     left join ledger.ledger_references r on r.tenant_id = t.tenant_id and r.posting_id = t.posting_id
     left join ledger.ledger_transactions s on s.tenant_id = r.tenant_id and s.posting_id = r.original_posting_id
       and s.kind = 'sale' and s.superseded_by is null and s.store_id = r.original_store_id and s.txn_id = r.original_txn_id
       and s.posting_id < t.posting_id
     where t.tenant_id = $1 and t.kind = 'return' and t.superseded_by is null and s.posting_id is null`, [tenant]);
  return rows;
}

/** How a return that raced its sale ended: posted after it, or held for it and healed when it posted. */
async function returnEnding(tenant: string, key: string, answer: Answer): Promise<string> {
  const { rows } = await pool.query(
    `select (select count(*)::int from ledger.ledger_transactions t where t.tenant_id = $1 and t.idempotency_key = $2 and t.superseded_by is null and t.kind = 'return') as posted,
            (select e.status || ' ' || coalesce(e.resolution_action, '-') || ' ' || coalesce(e.resolved_by, '-') from ledger.exceptions e
              where e.tenant_id = $1 and e.idempotency_key = $2) as exception,
            (select count(*)::int from ledger.audit_log a join ledger.exceptions e using (tenant_id, exception_id)
              where e.tenant_id = $1 and e.idempotency_key = $2 and a.action = 'exception.resolved' and a.actor = 'system') as audited`,
    [tenant, key]);
  const { posted, exception, audited } = rows[0];
  if (answer.result === 'processed' && posted === 1 && exception === null) return 'posted after the sale';
  if (answer.result === 'quarantined' && answer.reason_code === 'MISSING_REFERENCE' && posted === 1 && exception === 'resolved auto_replay system' && audited === 1) {
    return 'held, then healed';
  }
  return `unexpected: ${JSON.stringify({ answer, posted, exception, audited })}`;
}

/**
 * The first arrival's transaction ingests and stays open (holding the transaction's lock); the
 * second's ingest is then started and observed waiting on a lock; the first commits, then the
 * second finishes. The answers of both, in that order.
 */
async function interleaved(tenant: string, first: object, second: object): Promise<[Answer, Answer]> {
  const [a, b, watcher] = await connectAll(pool, 3);
  try {
    await begin(a, producer(tenant));
    await begin(b, producer(tenant));
    const { rows: [{ pid }] } = await b.query('select pg_backend_pid() as pid');
    const firstAnswer = await ingest(a, first);
    const secondAnswer = ingest(b, second);
    const waitBy = performance.now() + 20_000;
    for (;;) {
      const { rows } = await watcher.query('select exists (select from pg_locks where pid = $1 and not granted) as waits', [pid]);
      if (rows[0].waits) break;
      if (performance.now() > waitBy) throw new Error('the second arrival never waited for the first');
    }
    await a.query('commit');
    const answer = await secondAnswer;
    await b.query('commit');
    return [firstAnswer, answer];
  } catch (e) {
    await a.query('rollback').catch(() => {});
    await b.query('rollback').catch(() => {});
    throw e;
  } finally {
    for (const client of [a, b, watcher]) client.release();
  }
}

test('a return that the sale waits on: held MISSING_REFERENCE, then healed by the sale that waited for its lock', async () => {
  const tenant = await newTenant('t_return_first');
  for (let i = 0; i < 10; i++) {
    const txn = `txn-${i}`;
    const [returned, sold] = await interleaved(tenant, returnOf(tenant, `ret-${i}`, txn, 1), sale(tenant, txn, 2));
    expect([returned.result, returned.reason_code, sold.result]).toEqual(['quarantined', 'MISSING_REFERENCE', 'processed']);
    expect(await returnEnding(tenant, `ret-${i}`, returned)).toBe('held, then healed');
  }
  expect(await returnsWithoutSale(tenant)).toEqual([]);
  expect(await reconciled(tenant)).toEqual({ balanced: true, drift: [] });
}, 120_000);

test('a sale that the return waits on: the return posts after it', async () => {
  const tenant = await newTenant('t_sale_first');
  for (let i = 0; i < 10; i++) {
    const txn = `txn-${i}`;
    const [sold, returned] = await interleaved(tenant, sale(tenant, txn, 2), returnOf(tenant, `ret-${i}`, txn, 1));
    expect([sold.result, returned.result]).toEqual(['processed', 'processed']);
    expect(await returnEnding(tenant, `ret-${i}`, returned)).toBe('posted after the sale');
  }
  expect(await returnsWithoutSale(tenant)).toEqual([]);
  expect(await reconciled(tenant)).toEqual({ balanced: true, drift: [] });
}, 120_000);

test(`sales and their returns released at once (${ROUNDS} rounds of ${RACERS / 2} pairs): posted after the sale or held and healed, never without it`, async () => {
  const tenant = await newTenant('t_pairs');
  const endings: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const pairs = Array.from({ length: RACERS / 2 }, (_, i) => ({ txn: `txn-${round}-${i}`, key: `ret-${round}-${i}` }));
    // Alternate which of the pair is started first, so that neither order is favoured.
    const racers = pairs.flatMap(({ txn, key }, i) => {
      const s = { as: producer(tenant), run: (c: pg.PoolClient) => ingest(c, sale(tenant, txn, 2)) };
      const r = { as: producer(tenant), run: (c: pg.PoolClient) => ingest(c, returnOf(tenant, key, txn, 1)) };
      return i % 2 === 0 ? [s, r] : [r, s];
    });
    const answers = values(await race(pool, racers));
    for (const [i, { key }] of pairs.entries()) {
      const [first, second] = [answers[2 * i], answers[2 * i + 1]];
      const [sold, returned] = i % 2 === 0 ? [first, second] : [second, first];
      expect(sold.result).toBe('processed');
      endings.push(await returnEnding(tenant, key, returned));
    }
  }
  console.log(`sale/return races: ${JSON.stringify(tally(endings))}`);
  expect(endings.filter((e) => e.startsWith('unexpected'))).toEqual([]);
  expect(endings).toHaveLength(ROUNDS * RACERS / 2);
  expect(await returnsWithoutSale(tenant)).toEqual([]);
  const { rows } = await pool.query("select count(*)::int as n from ledger.exceptions where tenant_id = $1 and status = 'open'", [tenant]);
  expect(rows[0].n).toBe(0);
  expect(await reconciled(tenant)).toEqual({ balanced: true, drift: [] });
}, 120_000);

test(`two returns racing for the last unit of a sku (${RACERS / 2} sales at once, ${ROUNDS} rounds): exactly one posts, the other CANNOT_EXCEED_ORIGINAL`, async () => {
  const tenant = await newTenant('t_last_unit');
  for (let round = 0; round < ROUNDS; round++) {
    const txns = Array.from({ length: RACERS / 2 }, (_, i) => `txn-${round}-${i}`);
    const { rows: setup } = await pool.query('select result from ledger.ingest_events($1::jsonb)',
      [JSON.stringify(txns.flatMap((txn) => [sale(tenant, txn, 3), returnOf(tenant, `first-${txn}`, txn, 2)]))]);
    expect(tally(setup.map((r) => r.result))).toEqual({ processed: 2 * txns.length });
    const racers = txns.flatMap((txn) => ['left', 'right'].map((side) => ({
      as: producer(tenant), run: (c: pg.PoolClient) => ingest(c, returnOf(tenant, `${side}-${txn}`, txn, 1)),
    })));
    const answers = values(await race(pool, racers));
    for (const [i, txn] of txns.entries()) {
      expect(tally([answers[2 * i], answers[2 * i + 1]].map((a) => a.reason_code ?? a.result)), txn).toEqual({ processed: 1, CANNOT_EXCEED_ORIGINAL: 1 });
    }
    const { rows: held } = await pool.query('select details -> \'lines\' as lines from ledger.exceptions where tenant_id = $1 and exception_id = any($2::uuid[])',
      [tenant, answers.flatMap((a) => (a.exception_id ? [a.exception_id] : []))]);
    expect(held.map((h) => h.lines)).toEqual(txns.map(() => [{ sku: 'A', sold: 3, returned_before: 3, returns: 1, remaining: 0 }]));
  }
  const { rows } = await pool.query(
    `select count(*)::int as over from ledger.ledger_transactions s
     where s.tenant_id = $1 and s.kind = 'sale' and s.superseded_by is null
       and (select coalesce(sum(l.qty), 0) from ledger.ledger_references r
            join ledger.ledger_transactions t on t.tenant_id = r.tenant_id and t.posting_id = r.posting_id and t.kind = 'return' and t.superseded_by is null
            join ledger.ledger_line_items l on l.tenant_id = t.tenant_id and l.posting_id = t.posting_id
            where r.tenant_id = s.tenant_id and r.original_store_id = s.store_id and r.original_txn_id = s.txn_id) > 3`, [tenant]);
  expect(rows[0].over).toBe(0);
  expect(await reconciled(tenant)).toEqual({ balanced: true, drift: [] });
}, 120_000);

test(`${RACERS} returns of one unit racing for a sale of 10: exactly 10 post`, async () => {
  const tenant = await newTenant('t_ten_units');
  expect((await ingest(pool, sale(tenant, 'big', 10))).result).toBe('processed');
  const answers = values(await race(pool, Array.from({ length: RACERS }, (_, i) => ({
    as: producer(tenant), run: (c: pg.PoolClient) => ingest(c, returnOf(tenant, `ret-${i}`, 'big', 1)),
  }))));
  expect(tally(answers.map((a) => a.reason_code ?? a.result))).toEqual({ processed: 10, CANNOT_EXCEED_ORIGINAL: RACERS - 10 });
  const { rows } = await pool.query(`select ledger_private.original_state($1, 'store_001', 'big') -> 'lines' -> 'A' as a`, [tenant]);
  expect(rows[0].a).toEqual({ sold: 10, returned: 10, remaining: 0 });
  expect(await reconciled(tenant)).toEqual({ balanced: true, drift: [] });
}, 120_000);

test(`${RACERS} connections posting sales, then returns, to one store and day: Gold equals the sum of Silver, one shard per backend`, async () => {
  const tenant = await newTenant('t_one_day');
  const posting = (body: (i: number) => object) => Array.from({ length: RACERS }, (_, i) => ({
    as: producer(tenant),
    run: async (c: pg.PoolClient) => ({ answer: await ingest(c, body(i)), pid: (await c.query('select pg_backend_pid() as pid')).rows[0].pid as number }),
  }));
  const sales = values(await race(pool, posting((i) => sale(tenant, `txn-${i}`, (i % 5) + 1))));
  const returns = values(await race(pool, posting((i) => returnOf(tenant, `ret-${i}`, `txn-${i}`, 1))));
  expect(tally([...sales, ...returns].map((r) => r.answer.result))).toEqual({ processed: 2 * RACERS });

  const { rows: [gold] } = await pool.query(
    `select sales_count::int, sales_amount::text, returns_count::int, returns_amount::text, net_amount::text
     from ledger.get_daily_sales($1, 'store_001', '2026-02-25', '2026-02-25')`, [tenant]);
  const { rows: [silver] } = await pool.query(
    `select count(*) filter (where kind = 'sale')::int as sales_count, sum(total_amount) filter (where kind = 'sale')::text as sales_amount,
            count(*) filter (where kind = 'return')::int as returns_count, sum(total_amount) filter (where kind = 'return')::text as returns_amount,
            (sum(total_amount) filter (where kind = 'sale') - sum(total_amount) filter (where kind = 'return'))::text as net_amount
     from ledger.ledger_transactions where tenant_id = $1 and superseded_by is null`, [tenant]);
  const sold = Array.from({ length: RACERS }, (_, i) => 10 * ((i % 5) + 1)).reduce((a, b) => a + b, 0);
  expect(silver).toEqual({ sales_count: RACERS, sales_amount: String(sold), returns_count: RACERS, returns_amount: String(10 * RACERS),
    net_amount: String(sold - 10 * RACERS) });
  expect(gold).toEqual(silver);

  // Each backend moved its own shard of the day: as many rows as distinct backends (mod 64).
  const { rows: [{ shards }] } = await pool.query('select count(*)::int as shards from ledger.daily_sales where tenant_id = $1', [tenant]);
  expect(shards).toBe(new Set([...sales, ...returns].map((r) => r.pid % 64)).size);
  expect(shards).toBeGreaterThan(1);
  expect(await reconciled(tenant)).toEqual({ balanced: true, drift: [] });
}, 120_000);

test('a sale healing a waiting return while a second return with the same txn_id waits for the sale: no deadlock', async () => {
  // The second return takes its transaction locks in lock order: its own txn_id first when that
  // lock's number is the lower one. Pick a sale whose lock is the higher of the two.
  const tenant = await newTenant('t_heal_order');
  const { rows: [{ txn, saleLock }] } = await pool.query(
    `select t as txn, ledger_private.txn_lock($1, 'store_001', t)::text as "saleLock" from generate_series(1, 100) g, lateral (select 'heal-' || g as t) x
     where ledger_private.txn_lock($1, 'store_001', 'ret-' || t) < ledger_private.txn_lock($1, 'store_001', t) limit 1`, [tenant]);
  const waiting = await ingest(pool, returnOf(tenant, `ret-${txn}`, txn, 1));
  expect(waiting.reason_code).toBe('MISSING_REFERENCE');

  const [a, b, watcher] = await connectAll(pool, 3);
  try {
    await begin(a, producer(tenant));
    await begin(b, producer(tenant));
    const { rows: [{ pid }] } = await b.query('select pg_backend_pid() as pid');
    // The sale's session holds the sale's lock (as its posting is about to), the second return
    // (another key, the waiting return's txn_id) takes its own txn_id's lock and waits for the sale's.
    await a.query('select pg_advisory_xact_lock($1::bigint)', [saleLock]);
    const second = b.query('select result, reason_code from ledger.ingest_event($1::jsonb)',
      [JSON.stringify({ ...returnOf(tenant, `second-${txn}`, txn, 1), txn_id: `ret-${txn}` })]).then((r) => r.rows[0], (e) => ({ code: e.code }));
    const waitBy = performance.now() + 20_000;
    for (;;) {
      const { rows } = await watcher.query('select exists (select from pg_locks where pid = $1 and not granted) as waits', [pid]);
      if (rows[0].waits) break;
      if (performance.now() > waitBy) throw new Error('the second return never waited for the sale');
    }
    const sold = await a.query('select result from ledger.ingest_event($1::jsonb)', [JSON.stringify(sale(tenant, txn, 3))])
      .then((r) => r.rows[0], (e) => ({ code: e.code }));
    await a.query('commit').catch(() => {});
    const secondAnswer = await second;
    await b.query('commit').catch(() => {});
    expect({ sold, secondAnswer }).toEqual({ sold: { result: 'processed' }, secondAnswer: { result: 'quarantined', reason_code: 'DUPLICATE_TRANSACTION' } });
  } finally {
    await a.query('rollback').catch(() => {});
    await b.query('rollback').catch(() => {});
    for (const client of [a, b, watcher]) client.release();
  }
  expect(await returnEnding(tenant, `ret-${txn}`, waiting)).toBe('held, then healed');
}, 120_000);
