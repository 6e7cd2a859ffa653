// `npm run bench:ledger`: what the ledger (contract v2) costs, on a throwaway embedded PostgreSQL 16
// with durable settings. Three parts, each on its own fresh database:
//   posting  ledger.ingest_event (BENCH_CONNECTIONS, default 8) and ledger.ingest_events (100 a
//            call, BENCH_BATCH_CONNECTIONS, default 4) of sales with 2 to 5 line items, against the
//            same envelopes under SALE_UNPOSTED, an event type this bench adds whose posting kind is
//            'none': the same guardrail with no posting rules, Silver or Gold. Target ≥ 0.75.
//   hot row  50 connections posting sales to one store and day against 50 connections posting to
//            50 stores (one each). Target ≥ 0.8: Gold's day row is sharded so that they do not queue.
//   gold     ledger.get_daily_sales for one store's month at two sizes of Silver (BENCH_GOLD_SIZES,
//            default "5000,25000" postings in that month), beside the same figures summed from
//            Silver: Gold's read follows the days, Silver's the postings.
// Each part analyzes its database after the warm-up (as autovacuum would on a live one). The
// compared runs alternate in rounds (BENCH_ROUNDS, default 2) so that other work on the shared
// machine moves both sides alike; the load average is printed at each part. A benchmark, not a test.
// BENCH_SECONDS (default 10) per measured run, BENCH_WARMUP_SECONDS (default 2).
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { saleText } from './lib/bench-envelope.mjs';
import { startTestServer } from './lib/testdb.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const BATCH_CONNECTIONS = Number(process.env.BENCH_BATCH_CONNECTIONS ?? 4);
const BATCH_SIZE = 100;
const HOT_CONNECTIONS = 50;
const GOLD_SIZES = (process.env.BENCH_GOLD_SIZES ?? '5000,25000').split(',').map(Number);
const TARGET_POSTING = 0.75;
const TARGET_HOT = 0.8;
const TENANT = 'bench';
const UNPOSTED = 'SALE_UNPOSTED';

const run = randomUUID().slice(0, 8);
let sequence = 0;
const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** A sale never sent before, with 2 to 5 line items in turn; `extra` overrides fields (event_type, store_id, occurred_at). */
function nextSale(extra) {
  const n = ++sequence;
  return saleText(TENANT, `evt-${run}-${n}`, extra, 2 + (n % 4));
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function connect(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/**
 * Runs `statement(client, index)` on every client for `seconds`; each call returns how many events
 * it carried. Returns events/s and the latency of one call.
 */
async function measure(clients, seconds, statement) {
  const latencies = [];
  let events = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(clients.map(async (client, index) => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      // Awaited first: `events += await …` would read events before the call and lose the
      // other connections' counts made meanwhile.
      const carried = await statement(client, index);
      events += carried;
      latencies.push(performance.now() - t0);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { events, seconds: elapsed, rate: events / elapsed, p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99) };
}

/** Sums rounds of one side: events over time, latencies as the mean of the rounds'. */
function combine(rounds) {
  const events = rounds.reduce((s, r) => s + r.events, 0);
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const mean = (field) => rounds.reduce((s, r) => s + r[field], 0) / rounds.length;
  return { events, rate: events / seconds, p50_ms: mean('p50_ms'), p99_ms: mean('p99_ms'), rounds: rounds.map((r) => Math.round(r.rate)) };
}

/**
 * Measures sides `a` and `b` on the same `connections` connections (so the same backends, their
 * plans compiled in the warm-up) in alternating rounds: a, b, then b, a, ...
 */
async function compare(url, connections, seconds, a, b) {
  const clients = await Promise.all(Array.from({ length: connections }, () => connect(url)));
  try {
    if (WARMUP_SECONDS > 0) {
      await measure(clients, WARMUP_SECONDS, a);
      await measure(clients, WARMUP_SECONDS, b);
    }
    // Statistics, as autovacuum gathers them within a minute on a live database: on a fresh one
    // the cached generic plans of the posting rules find a txn_id by scanning the store's postings.
    await clients[0].query('analyze');
    const results = { a: [], b: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
      for (const side of order) results[side].push(await measure(clients, seconds, side === 'a' ? a : b));
    }
    return { a: combine(results.a), b: combine(results.b), pids: clients.map((c) => c.processID) };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

/** One ledger.ingest_event call; every arrival must be processed (a quarantine would measure another path). */
const single = (extra) => async (client, index) => {
  const { rows } = await client.query({ name: 'single', text: `select result, reason_code from ledger.ingest_event($1::jsonb, 'bench')`, values: [nextSale(extra(index))] });
  if (rows[0].result !== 'processed') throw new Error(`ingest_event: ${rows[0].result} ${rows[0].reason_code ?? ''}`);
  return 1;
};

const batch = (extra) => async (client, index) => {
  const envelopes = `[${Array.from({ length: BATCH_SIZE }, () => nextSale(extra(index))).join(',')}]`;
  const { rows } = await client.query({
    name: 'batch', text: `select count(*) filter (where result <> 'processed')::int as other from ledger.ingest_events($1::jsonb)`, values: [envelopes],
  });
  if (rows[0].other > 0) throw new Error(`ingest_events: ${rows[0].other} of ${BATCH_SIZE} not processed`);
  return BATCH_SIZE;
};

async function freshDatabase(server, name) {
  const url = await server.createDatabase(name);
  const client = await connect(url);
  try {
    await client.query(`insert into ledger.tenants (tenant_id) values ('${TENANT}')`);
    await client.query(`insert into ledger.event_types (event_type, description, posting)
                        values ('${UNPOSTED}', 'bench: a sale that posts nothing', 'none')`);
  } finally {
    await client.end();
  }
  return url;
}

/** How long one call of `text` takes, p50 and p99 over `calls` calls after a few unmeasured ones. */
async function readTime(url, text, values, calls) {
  const client = await connect(url);
  try {
    for (let i = 0; i < 5; i++) await client.query({ name: 'read', text, values });
    const times = [];
    let rows = 0;
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      rows = (await client.query({ name: 'read', text, values })).rowCount;
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { p50_ms: percentile(times, 50), p99_ms: percentile(times, 99), rows };
  } finally {
    await client.end();
  }
}

const GOLD_READ = `select * from ledger.get_daily_sales($1, $2, $3::date, $4::date)`;
// The same figures as Gold's, summed from Silver's current postings: what a read would cost without Gold.
const SILVER_READ = `
  select t.business_date, t.currency, count(*) filter (where t.kind = 'sale') as sales_count,
         sum(t.gold_amount) filter (where t.kind = 'sale') as sales_amount,
         sum(case t.kind when 'sale' then t.gold_amount when 'return' then -t.gold_amount when 'correction' then t.gold_amount
                         else -t.gold_amount end) as net_amount
  from ledger.ledger_transactions t
  where t.tenant_id = $1 and t.store_id = $2 and t.business_date between $3::date and $4::date and t.superseded_by is null
  group by t.business_date, t.currency`;

/** Posts sales to one store spread over February 2026 until Silver holds `size` postings there. */
async function growMonth(url, size, from) {
  const perConnection = Math.ceil((size - from) / BATCH_SIZE / 2);
  await Promise.all([0, 1].map(async () => {
    const client = await connect(url);
    try {
      for (let b = 0; b < perConnection; b++) {
        const envelopes = Array.from({ length: BATCH_SIZE }, () => {
          const day = String(1 + (sequence % 28)).padStart(2, '0');
          return nextSale({ store_id: 'store_month', occurred_at: `2026-02-${day}T12:00:00Z` });
        });
        await client.query(`select count(*) from ledger.ingest_events($1::jsonb)`, [`[${envelopes.join(',')}]`]);
      }
    } finally {
      await client.end();
    }
  }));
  const client = await connect(url);
  try {
    await client.query('analyze ledger.ledger_transactions');
    await client.query('analyze ledger.daily_sales');
    const { rows } = await client.query(`select (select count(*) from ledger.ledger_transactions where store_id = 'store_month')::int as silver,
                                                (select count(*) from ledger.daily_sales where store_id = 'store_month')::int as gold_rows`);
    return rows[0];
  } finally {
    await client.end();
  }
}

async function vacuumGold(url) {
  const client = await connect(url);
  try {
    await client.query('vacuum ledger.daily_sales');
  } finally {
    await client.end();
  }
}

/** Runs the three parts on fresh databases of `server`; returns the figures. */
export async function benchLedger(server, { seconds = SECONDS, log = console.log } = {}) {
  const report = { seconds_per_run: seconds, rounds: ROUNDS, load: {} };
  const unposted = () => ({ event_type: UNPOSTED });
  const posted = () => ({});

  report.load.posting = loadAverage();
  log(`posting vs none (load ${report.load.posting}): ledger.ingest_event at ${CONNECTIONS} connections, ledger.ingest_events (${BATCH_SIZE} a call) at ${BATCH_CONNECTIONS}, ${ROUNDS} rounds of ${seconds} s a side`);
  {
    const url = await freshDatabase(server, 'ledger_bench_posting');
    const s = await compare(url, CONNECTIONS, seconds, single(unposted), single(posted));
    report.single = { connections: CONNECTIONS, none: s.a, posting: s.b, ratio: s.b.rate / s.a.rate };
    log(`  single: none ${s.a.rate.toFixed(0)} events/s, posting ${s.b.rate.toFixed(0)} events/s`);
    const b = await compare(url, BATCH_CONNECTIONS, seconds, batch(unposted), batch(posted));
    report.batch = { connections: BATCH_CONNECTIONS, size: BATCH_SIZE, none: b.a, posting: b.b, ratio: b.b.rate / b.a.rate };
    log(`  batch: none ${b.a.rate.toFixed(0)} events/s, posting ${b.b.rate.toFixed(0)} events/s`);
  }

  report.load.hot = loadAverage();
  log(`hot row (load ${report.load.hot}): ledger.ingest_event at ${HOT_CONNECTIONS} connections, one store and day vs ${HOT_CONNECTIONS} stores`);
  {
    const url = await freshDatabase(server, 'ledger_bench_hot');
    const h = await compare(url, HOT_CONNECTIONS, seconds, single(() => ({ store_id: 'store_hot' })), single((index) => ({ store_id: `store_${index}` })));
    const client = await connect(url);
    try {
      // Each backend moves the shard of its pid: how many distinct shards the hot day's postings used.
      const { rows } = await client.query(`select count(*)::int as shards from ledger.daily_sales where store_id = 'store_hot'`);
      report.hot = { connections: HOT_CONNECTIONS, one_store: h.a, many_stores: h.b, ratio: h.a.rate / h.b.rate, hot_day_shards: rows[0].shards };
    } finally {
      await client.end();
    }
    log(`  one store ${h.a.rate.toFixed(0)} events/s, ${HOT_CONNECTIONS} stores ${h.b.rate.toFixed(0)} events/s; the hot day's Gold rows: ${report.hot.hot_day_shards} shards`);
  }

  report.load.gold = loadAverage();
  log(`gold read (load ${report.load.gold}): one store's February at ${GOLD_SIZES.join(' and ')} postings`);
  {
    const url = await freshDatabase(server, 'ledger_bench_gold');
    report.gold = [];
    let silver = 0;
    const month = [TENANT, 'store_month', '2026-02-01', '2026-02-28'];
    for (const size of GOLD_SIZES) {
      const grown = await growMonth(url, size, silver);
      silver = grown.silver;
      const gold = await readTime(url, GOLD_READ, month, 200);
      const fromSilver = await readTime(url, SILVER_READ, month, 20);
      // Every posting updates its Gold row: until autovacuum comes, the read steps over dead versions.
      await vacuumGold(url);
      const vacuumed = await readTime(url, GOLD_READ, month, 200);
      report.gold.push({ postings: silver, gold_rows: grown.gold_rows, days: gold.rows, gold, gold_vacuumed: vacuumed, silver: fromSilver });
      log(`  ${silver} postings: get_daily_sales p50 ${gold.p50_ms.toFixed(2)} ms (${vacuumed.p50_ms.toFixed(2)} ms after vacuum; ${grown.gold_rows} Gold rows, ${gold.rows} days), summed from Silver p50 ${fromSilver.p50_ms.toFixed(2)} ms`);
    }
  }
  report.load.after = loadAverage();
  return report;
}

export function printLedger(report, log = console.log) {
  const fixed = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const met = (value, target) => `>= ${target} ${value >= target ? 'met' : 'NOT met'}`;
  const { single: s, batch: b, hot: h, gold } = report;
  log(`\n| ledger figure | without | with | ratio | target |`);
  log('|---|---:|---:|---:|---|');
  log(`| ledger.ingest_event, ${s.connections} connections: events/s without posting (SALE_UNPOSTED) / with | ${fixed(s.none.rate, 0)} | ${fixed(s.posting.rate, 0)} | **${fixed(s.ratio)}** | ${met(s.ratio, TARGET_POSTING)} |`);
  log(`| ledger.ingest_events (${b.size} a call), ${b.connections} connections: events/s without / with | ${fixed(b.none.rate, 0)} | ${fixed(b.posting.rate, 0)} | **${fixed(b.ratio)}** | ${met(b.ratio, TARGET_POSTING)} |`);
  log(`| ${h.connections} connections: events/s to ${h.connections} stores / to one store and day | ${fixed(h.many_stores.rate, 0)} | ${fixed(h.one_store.rate, 0)} | **${fixed(h.ratio)}** | ${met(h.ratio, TARGET_HOT)} |`);
  log(`\n| path | side | events/s by round | p50 ms | p99 ms |`);
  log('|---|---|---|---:|---:|');
  for (const [name, part, sides] of [['single', s, [['none', 'no posting'], ['posting', 'posting']]], ['batch', b, [['none', 'no posting'], ['posting', 'posting']]],
    ['hot row', h, [['many_stores', `${h.connections} stores`], ['one_store', 'one store']]]]) {
    for (const [key, label] of sides) log(`| ${name} | ${label} | ${part[key].rounds.join(', ')} | ${fixed(part[key].p50_ms)} | ${fixed(part[key].p99_ms)} |`);
  }
  log(`the hot day's postings moved ${h.hot_day_shards} distinct Gold rows (shards: backend pid % 64)`);
  log(`\n| postings in the store's month (Silver) | Gold rows read | days | get_daily_sales p50 / p99 ms | the same after vacuum | summed from Silver p50 / p99 ms |`);
  log('|---:|---:|---:|---:|---:|---:|');
  for (const g of gold) {
    log(`| ${g.postings} | ${g.gold_rows} | ${g.days} | ${fixed(g.gold.p50_ms)} / ${fixed(g.gold.p99_ms)} | ${fixed(g.gold_vacuumed.p50_ms)} / ${fixed(g.gold_vacuumed.p99_ms)} | ${fixed(g.silver.p50_ms)} / ${fixed(g.silver.p99_ms)} |`);
  }
  log(`\nload average (1, 5, 15 min): posting ${report.load.posting}; hot row ${report.load.hot}; gold ${report.load.gold}; after ${report.load.after}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startTestServer({ unsafeFast: false });
  try {
    printLedger(await benchLedger(server));
  } finally {
    await server.stop();
  }
}
