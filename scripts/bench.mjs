// `npm run bench`: every performance figure of Ledger-Safe in one run on one embedded PostgreSQL 16
// (durable settings), side by side with its baseline and target, printed as it goes and saved as
// JSON (bench-results/). A benchmark, not a test: it never fails a build; it reports.
//   BENCH_SECONDS (default 10) per measured run; BENCH_BRONZE_ROWS (default 1000000) for health.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createKey } from '../edge/dist/keys.js';
import { benchDb, printDb } from './bench-db.mjs';
import { benchHttp, printHttp } from './bench-http.mjs';
import { benchBatch, benchHealth, benchSearch, growBronze } from './lib/bench-read-batch.mjs';
import { startEdgeProcess } from './lib/http-bench.mjs';
import { startTestServer } from './lib/testdb.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const bronzeRows = Number(process.env.BENCH_BRONZE_ROWS ?? 1_000_000);
const log = (line) => console.log(line);
const step = (name) => log(`\n== ${name} (${new Date().toISOString().slice(11, 19)})`);

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
  load_before: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  at: new Date().toISOString(),
};

const server = await startTestServer({ unsafeFast: false });
const report = { machine, seconds_per_run: seconds };
try {
  step('1/4 database: plain INSERT vs ledger.ingest_event, 1 and 8 connections');
  report.db = await benchDb(server, { seconds, log });
  printDb(report.db, log);

  step('2/4 HTTP: bare Express + INSERT vs POST /v1/events (coalesced, and INGEST_COALESCE=off), 50 connections and 1');
  report.http = await benchHttp(server, log);
  printHttp(report.http, log);

  step('3/4 batch: POST /v1/events/batch with 100-event batches, 4 connections');
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

  step(`4/4 health: GET /v1/health with ${bronzeRows.toLocaleString('en')} Bronze rows vs count(*)`);
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
} finally {
  await server.stop();
}

const targets = [
  ['ingest_event / INSERT at 8 connections (events/s)', report.db.ratios.find((r) => r.connections === 8)?.ratio, '>= 0.70', (v) => v >= 0.7],
  ['POST /v1/events / bare Express + INSERT at 50 connections (req/s)', report.http.edge.requests_per_s / report.http.bare.requests_per_s, '>= 1.00', (v) => v >= 1],
  ['POST /v1/events p50 / p99 at 50 connections (ms)', `${report.http.edge.p50_ms} / ${report.http.edge.p99_ms}`, '-', () => true],
  ['POST /v1/events p50 at 1 connection, coalesced / off (ms)', `${report.http.single.edge.p50_ms} / ${report.http.single.alone.p50_ms}`, '<= +10 %',
    () => report.http.single.edge.p50_ms <= 1.1 * report.http.single.alone.p50_ms],
  ['arrivals per coalesced call at 50 connections (mean)', report.http.call_sizes.mean, '-', () => true],
  ['edge peak RSS (MB)', report.http.edge_peak_rss_mb, '<= 200', (v) => v <= 200],
  ['batch / single (events/s)', report.batch.events_per_s / report.http.edge.requests_per_s, '>= 8', (v) => v >= 8],
  [`/v1/health p50 at ${report.health.rows.toLocaleString('en')} rows (ms)`, report.health.health.p50_ms, '<= 10', (v) => v <= 10],
  ['count(*) of Bronze p50, for comparison (ms)', report.health.count.p50_ms, '-', () => true],
  [`search by txn_id at ${report.search.rows.toLocaleString('en')} rows, p50 (ms)`, report.search.txn.p50_ms, '<= 10', (v) => v <= 10],
  [`search by store_id (newest 100 of 1 in 500), p50 (ms)`, report.search.store.p50_ms, '-', () => true],
];
report.targets = targets.map(([name, value, target, ok]) => ({ name, value, target, met: target === '-' ? null : ok(value) }));

log('\n== Summary');
log('| figure | measured | target | |');
log('|---|---:|---:|---|');
const shown = (value) => (typeof value === 'number' ? value.toFixed(2) : value);
for (const t of report.targets) log(`| ${t.name} | ${shown(t.value)} | ${t.target} | ${t.met === null ? '' : t.met ? 'met' : 'NOT met'} |`);
log(`\nmachine: ${machine.cpus}, ${machine.memory_gib} GiB, ${machine.os}, Node ${machine.node}, load before ${machine.load_before}`);

mkdirSync(path.join(root, 'bench-results'), { recursive: true });
const file = path.join(root, 'bench-results', `bench-${machine.at.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
log(`saved ${path.relative(root, file)}`);
