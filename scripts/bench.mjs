// `npm run bench`: every performance figure of Ledger-Safe in one run on one embedded PostgreSQL 16
// (durable settings), side by side with its baseline and target, printed as it goes and saved as
// JSON (bench-results/), with the load average at each part (other work on the machine moves every
// figure). A benchmark, not a test: it never fails a build; it reports.
//   BENCH_SECONDS (default 10) per measured run; BENCH_BRONZE_ROWS (default 1000000) for health;
//   the variables of scripts/bench-db.mjs, scripts/bench-http.mjs and scripts/bench-ledger.mjs (BENCH_ROUNDS, BENCH_CPU_PROF,
//   BENCH_GOLD_SIZES…).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createKey } from '../edge/dist/keys.js';
import { benchDb, printDb } from './bench-db.mjs';
import { benchLedger, printLedger } from './bench-ledger.mjs';
import { benchHttp, printHttp } from './bench-http.mjs';
import { benchBatch, benchHealth, benchSearch, growBronze } from './lib/bench-read-batch.mjs';
import { startEdgeProcess } from './lib/http-bench.mjs';
import { startTestServer } from './lib/testdb.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const bronzeRows = Number(process.env.BENCH_BRONZE_ROWS ?? 1_000_000);
const log = (line) => console.log(line);
const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const loads = [];
/** Starts a part of the run, with the load average then: other work on the machine moves every figure. */
const step = (name) => {
  loads.push({ part: name.split(' ')[0], load: loadAverage() });
  log(`\n== ${name} (${new Date().toISOString().slice(11, 19)}, load ${loads.at(-1).load})`);
};

async function producerDatabase(server, name) {
  const ownerUrl = await server.createDatabase(name);
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  const { secret } = await createKey(owner, 'producer', 'bench', 'bench producer');
  await owner.end();
  return { ownerUrl, key: secret };
}

const machine = {
  cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
  memory_gib: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  node: process.version,
  load_before: loadAverage(),
  at: new Date().toISOString(),
};

const server = await startTestServer({ unsafeFast: false });
const report = { machine, seconds_per_run: seconds, load: loads };
try {
  step('1/5 database: plain INSERT vs ledger.ingest_event at 1 and 8 connections, multi-row INSERT vs ledger.ingest_events at 4');
  report.db = await benchDb(server, { seconds, log });
  printDb(report.db, log);

  step('2/5 HTTP: bare Express + INSERT vs POST /v1/events (coalesced, and INGEST_COALESCE=off), 50 connections and 1');
  report.http = await benchHttp(server, log);
  printHttp(report.http, log);

  step('3/5 batch: POST /v1/events/batch with 100-event batches, 4 connections');
  {
    const { ownerUrl, key } = await producerDatabase(server, 'ledger_bench_batch');
    const edge = await startEdgeProcess(root, ownerUrl);
    try {
      // A few concurrent batches keep both cores busy without queueing whole batches behind each other.
      await benchBatch({ url: edge.url, key, tenant: 'bench', connections: 4, seconds: 3, prefix: 'warm' });
      report.batch = await benchBatch({ url: edge.url, key, tenant: 'bench', connections: 4, seconds, prefix: 'batch' });
    } finally {
      await edge.stop();
    }
    log(`batch: ${report.batch.events_per_s.toFixed(0)} events/s (${report.batch.requests_per_s.toFixed(1)} batches/s, p50 ${report.batch.p50_ms} ms)`);
  }

  step(`4/5 health: GET /v1/health with ${bronzeRows.toLocaleString('en')} Bronze rows vs count(*)`);
  {
    const { ownerUrl, key } = await producerDatabase(server, 'ledger_bench_health');
    await growBronze(ownerUrl, 'bench', bronzeRows, log);
    const edge = await startEdgeProcess(root, ownerUrl);
    try {
      report.health = await benchHealth({ url: edge.url, key, ownerUrl });
    } finally {
      await edge.stop();
    }
    report.search = await benchSearch({ ownerUrl });
    log(`search at ${report.search.rows.toLocaleString('en')} rows: txn_id p50 ${report.search.txn.p50_ms.toFixed(2)} ms, store_id page p50 ${report.search.store.p50_ms.toFixed(2)} ms, keys by store p50 ${report.search.keys.p50_ms.toFixed(2)} ms; plan uses the search index: ${report.search.plan_uses_index}`);
  }

  step('5/5 ledger: posting vs an event type that posts nothing (single and batch), one store and day vs 50 stores at 50 connections, Gold reads at two sizes of Silver');
  report.ledger = await benchLedger(server, { seconds, log });
  printLedger(report.ledger, log);
} finally {
  await server.stop();
}

const { db, http, batch, health, search, ledger } = report;
const fixed = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const ratioOf = (a, b, unit) => ({ value: a / b, shown: `${fixed(a, 0)} / ${fixed(b, 0)} ${unit} = **${fixed(a / b)}**` });
const single8 = db.results.find((r) => r.kind === 'ingest' && r.connections === 8);
const insert8 = db.results.find((r) => r.kind === 'insert' && r.connections === 8);
const batchDb = db.results.find((r) => r.kind === 'ingest_batch');
const insertBatchDb = db.results.find((r) => r.kind === 'insert_batch');
const latency = (x) => `${fixed(x.p50_ms)} / ${fixed(x.p99_ms)}`;
const one = http.single;
const sizes = http.call_sizes;
const targets = [
  [`ledger.ingest_events (${db.batch.size} a call) / plain multi-row INSERT, ${db.batch.connections} connections`,
    ratioOf(batchDb.rate, insertBatchDb.rate, 'events/s'), '>= 0.50', (v) => v >= 0.5],
  [`POST /v1/events coalesced / bare Express + INSERT, ${http.connections} connections`,
    ratioOf(http.edge.requests_per_s, http.bare.requests_per_s, 'req/s'), '>= 1.00', (v) => v >= 1],
  [`POST /v1/events INGEST_COALESCE=off / bare, ${http.connections} connections`,
    ratioOf(http.alone.requests_per_s, http.bare.requests_per_s, 'req/s'), '-'],
  ['ledger.ingest_event / plain single-row INSERT, 8 connections', ratioOf(single8.rate, insert8.rate, 'events/s'), '>= 0.50', (v) => v >= 0.5],
  ['edge peak RSS (MB), coalesced (INGEST_COALESCE=off; bare)',
    { value: http.edge_peak_rss_mb, shown: `**${fixed(http.edge_peak_rss_mb, 0)}** (${fixed(http.alone_peak_rss_mb, 0)}; ${fixed(http.bare_peak_rss_mb, 0)})` }, '<= 200', (v) => v <= 200],
  [`p50 / p99 ms at ${http.connections} connections: coalesced (INGEST_COALESCE=off; bare)`,
    { shown: `${latency(http.edge)} (${latency(http.alone)}; ${latency(http.bare)})` }, '-'],
  ...[['before the rounds at 50 connections', http.single_before], ['after them', one]].map(([when, x]) => [
    `p50 / p99 ms at 1 connection, ${when}: coalesced (INGEST_COALESCE=off; bare)`,
    { value: x.edge.p50_ms / x.alone.p50_ms, shown: `${latency(x.edge)} (${latency(x.alone)}; ${latency(x.bare)}): p50 ${fixed((x.edge.p50_ms / x.alone.p50_ms - 1) * 100, 1)} %` },
    'p50 <= off + 10 %', (v) => v <= 1.1]),
  [`arrivals per coalesced call at ${http.connections} connections (calls by size, from /metrics)`,
    { shown: `mean ${fixed(sizes.mean, 1)}: ${sizes.ranges.map((r) => `${r.arrivals}: ${r.calls}`).join(', ')}` }, '-'],
  ['POST /v1/events/batch (100 a request, 4 connections) / POST /v1/events INGEST_COALESCE=off',
    ratioOf(batch.events_per_s, http.alone.requests_per_s, 'events/s'), '>= 8', (v) => v >= 8],
  ['POST /v1/events/batch / POST /v1/events coalesced', ratioOf(batch.events_per_s, http.edge.requests_per_s, 'events/s'), '-'],
  [`/v1/health p50 at ${health.rows.toLocaleString('en')} rows (ms)`, { value: health.health.p50_ms, shown: fixed(health.health.p50_ms) }, '<= 10', (v) => v <= 10],
  ['count(*) of Bronze p50, for comparison (ms)', { shown: fixed(health.count.p50_ms) }, '-'],
  [`search by txn_id at ${search.rows.toLocaleString('en')} rows, p50 (ms)`, { value: search.txn.p50_ms, shown: fixed(search.txn.p50_ms) }, '<= 10', (v) => v <= 10],
  ['search by store_id (newest 100 of 1 in 500), p50 (ms)', { shown: fixed(search.store.p50_ms) }, '-'],
  [`ledger.ingest_event with posting / without (an event type posting 'none'), ${ledger.single.connections} connections`,
    ratioOf(ledger.single.posting.rate, ledger.single.none.rate, 'events/s'), '>= 0.75', (v) => v >= 0.75],
  [`ledger.ingest_events (${ledger.batch.size} a call) with posting / without, ${ledger.batch.connections} connections`,
    ratioOf(ledger.batch.posting.rate, ledger.batch.none.rate, 'events/s'), '>= 0.75', (v) => v >= 0.75],
  [`postings to one store and day / to ${ledger.hot.connections} stores, ${ledger.hot.connections} connections`,
    ratioOf(ledger.hot.one_store.rate, ledger.hot.many_stores.rate, 'events/s'), '>= 0.80', (v) => v >= 0.8],
  [`get_daily_sales, one store's month, p50 (ms) at ${ledger.gold.map((g) => g.postings.toLocaleString('en')).join(' and ')} postings`,
    { shown: ledger.gold.map((g) => fixed(g.gold.p50_ms)).join(' and ') }, 'O(days)'],
];
report.targets = targets.map(([name, { value = null, shown }, target, ok]) => ({ name, value, shown, target, met: ok ? ok(value) : null }));
machine.load_after = os.loadavg().map((l) => l.toFixed(2)).join(' ');

log('\n== Summary');
log('| figure | measured | target | |');
log('|---|---:|---:|---|');
for (const t of report.targets) log(`| ${t.name} | ${t.shown} | ${t.target} | ${t.met === null ? '' : t.met ? 'met' : 'NOT met'} |`);
log(`\nmachine: ${machine.cpus}, ${machine.memory_gib} GiB, ${machine.os}, Node ${machine.node}`);
log(`load average (1, 5, 15 min) before: ${machine.load_before}; at each part: ${report.load.map((l) => `${l.part} ${l.load}`).join('; ')}; after: ${machine.load_after}`);

mkdirSync(path.join(root, 'bench-results'), { recursive: true });
const file = path.join(root, 'bench-results', `bench-${machine.at.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
log(`saved ${path.relative(root, file)}`);
