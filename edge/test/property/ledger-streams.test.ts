// Property (CONTRACT v2): random streams of sales, returns, corrections and voids over a few
// stores, transactions and skus, in any order (returns before their sales), with exact retries,
// conflicting payloads under one key, second keys for one txn_id or source event, over-returns,
// mismatched baskets, other currencies, bad fields and a closed day. Each stream goes to one tenant
// through ledger.ingest_event one by one and to another through ledger.ingest_events in random
// batches. After each: both paths answered alike and left the same Silver, Gold and exceptions;
// reconcile is balanced (Gold = Silver) in both; no sku of any sale is returned beyond what the
// sale, as corrected, sold, nor more money than its total.
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase } from '../support.js';
import { callAs, SQL_OPERATOR, SQLSTATE_STATUS } from './drivers.js';
import { freshTenant } from './model.js';
import { runs, Tally, testTimeoutMs } from './settings.js';

const RUNS = 40;
const STORES = ['store_001', 'store_002'];
const TXNS = ['t0', 't1'];
/** Unit prices in cents: amounts are written from integers, never from floating-point sums. */
const PRICES: Record<string, number> = { A: 1000, B: 250, C: 99 };
const SKUS = Object.keys(PRICES);
/** What each txn_id's sale sells (the same in every store). */
const SOLD: Record<string, [string, number][]> = { t0: [['A', 2], ['B', 1]], t1: [['A', 1], ['C', 3]] };
const OPEN_DAYS = ['2026-02-24', '2026-02-25'];
const CLOSED_DAY = '2026-02-26';
const RULES = ['SCHEMA_VALIDATION_FAILED', 'DUPLICATE_TRANSACTION', 'DUPLICATE_SOURCE_EVENT_ID', 'TOTALS_MISMATCH', 'MISSING_REFERENCE',
  'CURRENCY_MISMATCH', 'ORIGINAL_REVERSED', 'CANNOT_EXCEED_ORIGINAL', 'LATE_EVENT_OUTSIDE_WINDOW'];

let pool: pg.Pool;
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase('prop_ledger_streams'), max: 2 });
});
afterAll(() => pool?.end());

type Line = [sku: string, qty: number];
type Event =
  | { kind: 'sale'; store: string; txn: string; day: number; conflicting: boolean }
  | { kind: 'second key'; store: string; txn: string }
  | { kind: 'same source'; store: string; txn: string }
  | { kind: 'mismatched'; store: string; txn: string }
  | { kind: 'return'; store: string; txn: string; n: number; lines: Line[]; day: number; currency: 'USD' | 'EUR'; fromStore: string | null }
  | { kind: 'correction'; store: string; txn: string; n: number; lines: Line[] }
  | { kind: 'void'; store: string; txn: string; n: number }
  | { kind: 'late'; store: string; n: number }
  | { kind: 'bad field'; n: number };

const store = fc.constantFrom(...STORES);
const txn = fc.constantFrom(...TXNS);
const lines = fc.array(fc.tuple(fc.constantFrom(...SKUS), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 2 });
const n = fc.integer({ min: 0, max: 2 });

const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('sale' as const), store, txn, day: fc.integer({ min: 0, max: 1 }), conflicting: fc.constantFrom(false, false, false, true) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('second key' as const), store, txn }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('same source' as const), store, txn }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('mismatched' as const), store, txn }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('return' as const), store, txn, n, lines, day: fc.integer({ min: 0, max: 1 }),
    currency: fc.constantFrom<'USD' | 'EUR'>('USD', 'USD', 'USD', 'EUR'), fromStore: fc.option(store, { freq: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('correction' as const), store, txn, n: fc.integer({ min: 0, max: 1 }), lines }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('void' as const), store, txn, n: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('late' as const), store, n }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bad field' as const), n }) },
);

/** A stream: events in random order, some of them sent again exactly (retries), cut into batches. */
const streams = fc.array(event, { minLength: 5, maxLength: 40, size: 'max' })
  .chain((events) => fc.tuple(
    fc.constant(events),
    fc.array(fc.nat({ max: events.length - 1 }), { maxLength: 6 }),
    fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 30 }),
  ))
  .chain(([events, retried, sizes]) => fc.shuffledSubarray([...events, ...retried.map((i) => events[i])], { minLength: events.length + retried.length })
    .map((stream) => ({ stream, sizes })));

const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const amountOf = (ls: Line[]) => ls.reduce((sum, [sku, qty]) => sum + PRICES[sku] * qty, 0);

/** An envelope as JSON text, amounts written exactly from cents. */
function envelopeText(tenant: string, fields: Record<string, unknown>, ls: Line[] | null, totalCents: number | null): string {
  const body = {
    schema_version: '1.0', tenant_id: tenant, source_system: 'pos_sim', occurred_at: `${OPEN_DAYS[1]}T12:00:00Z`, currency: 'USD', ...fields,
    total_amount: totalCents === null ? null : `\u0000${money(totalCents)}`,
    line_items: ls === null ? null : ls.map(([sku, qty]) => ({ sku, qty, amount: `\u0000${money(PRICES[sku] * qty)}` })),
  };
  return JSON.stringify(body).replace(/"\\u0000([0-9.]+)"/g, '$1');
}

function textOf(tenant: string, e: Event): string {
  const sold = (t: string) => SOLD[t];
  switch (e.kind) {
    case 'sale': {
      const ls: Line[] = e.conflicting ? [...sold(e.txn), ['C', 1]] : sold(e.txn);
      return envelopeText(tenant, { event_id: `sale-${e.store}-${e.txn}`, source_event_id: `src-${e.store}-${e.txn}`, event_type: 'SALE',
        store_id: e.store, txn_id: e.txn, occurred_at: `${OPEN_DAYS[e.day]}T12:00:00Z` }, ls, amountOf(ls));
    }
    case 'second key':
      return envelopeText(tenant, { event_id: `again-${e.store}-${e.txn}`, source_event_id: `src-again-${e.store}-${e.txn}`, event_type: 'SALE',
        store_id: e.store, txn_id: e.txn }, sold(e.txn), amountOf(sold(e.txn)));
    case 'same source':
      return envelopeText(tenant, { event_id: `resent-${e.store}-${e.txn}`, source_event_id: `src-${e.store}-${e.txn}`, event_type: 'SALE',
        store_id: e.store, txn_id: `resent-${e.txn}` }, sold(e.txn), amountOf(sold(e.txn)));
    case 'mismatched':
      return envelopeText(tenant, { event_id: `mismatched-${e.store}-${e.txn}`, source_event_id: `src-mismatched-${e.store}-${e.txn}`, event_type: 'SALE',
        store_id: e.store, txn_id: `mismatched-${e.txn}` }, sold(e.txn), amountOf(sold(e.txn)) + 1);
    case 'return': {
      // A return may be made in the other store, naming the sale's store.
      const at = e.fromStore ?? e.store;
      const key = `return-${at}-${e.store}-${e.txn}-${e.n}`;
      return envelopeText(tenant, { event_id: key, source_event_id: `src-${key}`, event_type: 'RETURN', store_id: at, txn_id: key,
        original_txn_id: e.txn, ...(e.fromStore ? { original_store_id: e.store } : {}), currency: e.currency,
        occurred_at: `${OPEN_DAYS[e.day]}T15:00:00Z` }, e.lines, amountOf(e.lines));
    }
    case 'correction': {
      const key = `correction-${e.store}-${e.txn}-${e.n}`;
      return envelopeText(tenant, { event_id: key, source_event_id: `src-${key}`, event_type: 'CORRECTION', store_id: e.store, txn_id: key,
        original_txn_id: e.txn }, e.lines, amountOf(e.lines));
    }
    case 'void': {
      const key = `void-${e.store}-${e.txn}-${e.n}`;
      return envelopeText(tenant, { event_id: key, source_event_id: `src-${key}`, event_type: e.n ? 'CANCEL' : 'VOID', store_id: e.store, txn_id: key,
        original_txn_id: e.txn }, null, null);
    }
    case 'late':
      return envelopeText(tenant, { event_id: `late-${e.store}-${e.n}`, source_event_id: `src-late-${e.store}-${e.n}`, event_type: 'SALE', store_id: e.store,
        txn_id: `late-${e.n}`, occurred_at: `${CLOSED_DAY}T12:00:00Z` }, [['A', 1]], PRICES.A);
    case 'bad field':
      return envelopeText(tenant, { event_id: `bad-${e.n}`, source_event_id: `src-bad-${e.n}`, event_type: 'SALE', store_id: STORES[0],
        txn_id: `bad-${e.n}`, currency: e.n === 0 ? 'ZZZ' : 'USD' }, e.n === 0 ? [['A', 1]] : [['A', 0]], e.n === 0 ? PRICES.A : 0);
  }
}

type Answer = { result: string; reason_code: string | null; key_status: string; attempt: number; status: number } | { refused: number | string };
const ANSWER_SQL = 'select result, reason_code, key_status, attempt, status';
const refused = (code: string): Answer => ({ refused: SQLSTATE_STATUS[code] ?? `SQLSTATE ${code}` });

async function oneByOne(tenant: string, texts: string[]): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const text of texts) {
    const r = await callAs<Answer>(pool, 'ledger_ingest', tenant, '', `${ANSWER_SQL} from ledger.ingest_event($1::jsonb)`, [text]);
    answers.push(r.ok ? r.rows[0] : refused(r.code));
  }
  return answers;
}

/**
 * The stream in batches of the given sizes, with how many of its sales the batches posted set-based
 * (ledger_private.post_plain_sales, counted in ledger.set_postings for each call's transaction).
 */
async function inBatches(tenant: string, texts: string[], sizes: number[]): Promise<{ answers: Answer[]; setPosted: number }> {
  const answers: Answer[] = [];
  let setPosted = 0;
  for (let at = 0, i = 0; at < texts.length; i++) {
    const batch = texts.slice(at, at + sizes[i % sizes.length]);
    at += batch.length;
    const r = await callAs<Answer & { set_postings: number }>(pool, 'ledger_ingest', tenant, '',
      `with a as materialized (${ANSWER_SQL} from ledger.ingest_events($1::jsonb))
       select a.*, coalesce(nullif(current_setting('ledger.set_postings', true), ''), '0')::int as set_postings from a`, [`[${batch.join(',')}]`]);
    if (r.ok) {
      setPosted += r.rows[0]?.set_postings ?? 0;
      answers.push(...r.rows.map(({ set_postings: _, ...answer }) => answer as Answer));
    } else {
      answers.push(...batch.map(() => refused(r.code)));
    }
  }
  return { answers, setPosted };
}

/**
 * Silver, Gold, exceptions and keys of a tenant, without what differs between tenants by construction:
 * posting and raw ids, and fingerprints (of payloads that name their tenant).
 */
const LEDGER_SQL = `
  select
    (select coalesce(jsonb_agg(jsonb_build_object('key', t.idempotency_key, 'version', t.version, 'store', t.store_id, 'txn', t.txn_id, 'kind', t.kind,
       'currency', t.currency, 'total', t.total_amount::text, 'gold', t.gold_amount::text, 'day', t.business_date, 'status', t.status,
       'current', t.superseded_by is null, 'withdrawn', t.superseded_by = 0,
       'lines', (select jsonb_agg(jsonb_build_array(l.sku, l.qty::text, l.amount::text) order by l.line_no) from ledger.ledger_line_items l
                 where l.tenant_id = t.tenant_id and l.posting_id = t.posting_id),
       'refers_to', (select jsonb_build_array(r.original_store_id, r.original_txn_id, o.idempotency_key, o.version) from ledger.ledger_references r
                     join ledger.ledger_transactions o on o.tenant_id = r.tenant_id and o.posting_id = r.original_posting_id
                     where r.tenant_id = t.tenant_id and r.posting_id = t.posting_id))
       order by t.idempotency_key, t.version), '[]') from ledger.ledger_transactions t where t.tenant_id = $1) as silver,
    (select coalesce(jsonb_agg(jsonb_build_array(g.store_id, g.business_date, g.currency, g.sales_count, g.sales_amount::text, g.returns_count,
       g.returns_amount::text, g.corrections_count, g.corrections_amount::text, g.reversals_count, g.reversals_amount::text, g.net_amount::text)
       order by g.store_id, g.business_date, g.currency), '[]') from ledger.get_daily_sales($1) g) as gold,
    (select coalesce(jsonb_agg(jsonb_build_object('key', e.idempotency_key, 'status', e.status, 'reason_code', e.reason_code,
       'details', e.details - array['reversed_by', 'canonical_raw_id', 'canonical_fingerprint', 'fingerprint'], 'action', e.resolution_action, 'by', e.resolved_by, 'arrivals', e.arrivals)
       order by e.idempotency_key, e.opened_at), '[]') from ledger.exceptions e where e.tenant_id = $1) as exceptions,
    (select coalesce(jsonb_agg(jsonb_build_array(k.idempotency_key, k.status, k.arrivals) order by k.idempotency_key), '[]')
       from ledger.events_processed k where k.tenant_id = $1) as keys,
    ledger.reconcile($1) -> 'balanced' as balanced`;

/**
 * What is returned beyond what a sale sold, per sku and in money: the sale's lines as its latest
 * current correction left them (else its own), against the current returns that refer to it. A
 * return that refers to no current sale counts against nothing sold. Empty when all is well.
 */
const OVER_RETURNED_SQL = `
  with basis as (
    select s.store_id, s.txn_id,
           coalesce((select c.posting_id from ledger.ledger_transactions c
                     join ledger.ledger_references r on r.tenant_id = c.tenant_id and r.posting_id = c.posting_id
                     where c.tenant_id = s.tenant_id and c.kind = 'correction' and c.superseded_by is null
                       and r.original_store_id = s.store_id and r.original_txn_id = s.txn_id
                     order by c.posting_id desc limit 1), s.posting_id) as posting_id
    from ledger.ledger_transactions s where s.tenant_id = $1 and s.kind = 'sale' and s.superseded_by is null
  ), sold as (
    select b.store_id, b.txn_id, l.sku, sum(l.qty) as qty, sum(sum(l.amount)) over (partition by b.store_id, b.txn_id) as total
    from basis b join ledger.ledger_line_items l on l.tenant_id = $1 and l.posting_id = b.posting_id group by 1, 2, 3
  ), returned as (
    select r.original_store_id as store_id, r.original_txn_id as txn_id, l.sku, sum(l.qty) as qty,
           sum(sum(l.amount)) over (partition by r.original_store_id, r.original_txn_id) as total
    from ledger.ledger_transactions t
    join ledger.ledger_references r on r.tenant_id = t.tenant_id and r.posting_id = t.posting_id
    join ledger.ledger_line_items l on l.tenant_id = t.tenant_id and l.posting_id = t.posting_id
    where t.tenant_id = $1 and t.kind = 'return' and t.superseded_by is null group by 1, 2, 3
  )
  select x.store_id, x.txn_id, x.sku, x.qty::text as returned, coalesce(s.qty, 0)::text as sold,
         x.total::text as returned_total, coalesce((select max(s2.total) from sold s2 where s2.store_id = x.store_id and s2.txn_id = x.txn_id), 0)::text as sold_total
  from returned x left join sold s using (store_id, txn_id, sku)
  where x.qty > coalesce(s.qty, 0)
     or x.total > coalesce((select max(s2.total) from sold s2 where s2.store_id = x.store_id and s2.txn_id = x.txn_id), 0)`;

test('random streams of sales, returns, corrections and voids: one by one and in batches alike, Gold = Silver, never more returned than sold', async () => {
  const tally = new Tally('ledger streams: reached', [...RULES, 'IDEMPOTENCY_CONFLICT', 'duplicate', 'posted', 'healed (system auto_replay)',
    'returns posted', 'corrections posted', 'reversals posted', 'batches of two or more', 'sales posted set-based (ledger.set_postings)']);
  await fc.assert(fc.asyncProperty(streams, async ({ stream, sizes }) => {
    const [single, batched] = [freshTenant('stream_one'), freshTenant('stream_batch')];
    await pool.query('insert into ledger.tenants (tenant_id) values ($1), ($2)', [single, batched]);
    for (const tenant of [single, batched]) {
      const closed = await callAs(pool, 'ledger_operator', '', SQL_OPERATOR, 'select ledger.close_business_day($1, $2, $3)', [tenant, CLOSED_DAY, 'closed by the property']);
      expect(closed.ok).toBe(true);
    }
    const singleAnswers = await oneByOne(single, stream.map((e) => textOf(single, e)));
    const { answers: batchAnswers, setPosted } = await inBatches(batched, stream.map((e) => textOf(batched, e)), sizes);
    tally.add('sales posted set-based (ledger.set_postings)', setPosted);
    expect(batchAnswers, 'ingest_events answers what ingest_event one by one answers').toEqual(singleAnswers);

    const [{ rows: [one] }, { rows: [many] }] = [await pool.query(LEDGER_SQL, [single]), await pool.query(LEDGER_SQL, [batched])];
    expect(many, 'the same Silver, Gold, exceptions and keys').toEqual(one);
    expect([one.balanced, many.balanced], 'reconcile: balanced (Gold = Silver) on both paths').toEqual([true, true]);
    for (const tenant of [single, batched]) expect((await pool.query(OVER_RETURNED_SQL, [tenant])).rows, 'returned beyond what was sold').toEqual([]);

    for (const a of singleAnswers) tally.add('result' in a ? a.reason_code ?? (a.result === 'processed' ? 'posted' : a.result) : `refused ${a.refused}`);
    const silver = one.silver as { kind: string; current: boolean }[];
    for (const kind of ['return', 'correction', 'reversal']) tally.add(`${kind}s posted`, silver.filter((t) => t.current && t.kind === kind).length);
    tally.add('healed (system auto_replay)', (one.exceptions as { action: string; by: string }[]).filter((e) => e.action === 'auto_replay' && e.by === 'system').length);
    let covered = 0;
    for (let i = 0; covered < stream.length; i++) {
      const size = Math.min(sizes[i % sizes.length], stream.length - covered);
      if (size > 1) tally.add('batches of two or more');
      covered += size;
    }
    tally.add('streams');
    tally.add('events', stream.length);
  }), runs(RUNS));
  tally.report();
}, testTimeoutMs(RUNS));
