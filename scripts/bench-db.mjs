// `npm run bench:db`: what the guardrail costs inside PostgreSQL. On a throwaway embedded
// PostgreSQL 16 with durable settings (fsync, synchronous_commit, full_page_writes on), it
// measures for a fixed time, one autocommit statement per event, at 1 and 8 connections:
//   insert  plain `insert into bench_plain` (an unindexed, unconstrained copy of events_raw)
//   ingest  `select * from ledger.ingest_event($1::jsonb, 'bench')`
// and one statement per batch of BENCH_BATCH_SIZE events, at 4 connections:
//   insert_batch  plain multi-row `insert into bench_plain select … from jsonb_array_elements($1)`
//   ingest_batch  `select … from ledger.ingest_events($1::jsonb)`
// with the same ~700-byte sales and unique keys, and prints events/s, p50/p99 latency and the
// ratios ingest/insert next to their targets, with the CPU time the server's backends spent per
// event (read from /proc; steadier than events/s on a shared machine). A benchmark, not a test: it
// prints numbers only.
//
// BENCH_SECONDS (default 10): measuring time of each run; BENCH_WARMUP_SECONDS (default 2).
// BENCH_CONNECTIONS (default "1,8"), BENCH_BATCH_CONNECTIONS (default 4), BENCH_BATCH_SIZE
// (default 100). TEST_DATABASE_URL: use that server instead (its settings).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { saleText } from './lib/bench-envelope.mjs';
import { startTestServer } from './lib/testdb.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,8').split(',').map(Number).filter((n) => n > 0);
const BATCH_CONNECTIONS = Number(process.env.BENCH_BATCH_CONNECTIONS ?? 4);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 100);
const TARGET_RATIO = 0.5;
const TARGET_CONNECTIONS = 8;
const TARGET_BATCH_RATIO = 0.5;
const TENANT = 'bench';

const run = randomUUID().slice(0, 8);
let sequence = 0;

/** The bench sale (scripts/lib/bench-envelope.mjs) with a key never used before. */
const nextEnvelope = () => saleText(TENANT, `evt-${run}-${++sequence}`);

const nextBatch = () => `[${Array.from({ length: BATCH_SIZE }, nextEnvelope).join(',')}]`;

const STATEMENTS = {
  insert: {
    text: `insert into bench_plain (tenant_id, raw_id, idempotency_key, event_type, payload, fingerprint, attempt, source, result, received_at)
           values ($1, $2, $3, 'SALE', $4::jsonb, sha256(convert_to($4::jsonb::text, 'UTF8')), 1, 'bench', 'processed', now())`,
    body: nextEnvelope,
    values: (body, n) => [TENANT, n, `evt-${run}-${n}`, body],
    events: 1,
  },
  ingest: {
    text: `select * from ledger.ingest_event($1::jsonb, 'bench')`,
    body: nextEnvelope,
    values: (body) => [body],
    events: 1,
  },
  insert_batch: {
    text: `insert into bench_plain (tenant_id, raw_id, idempotency_key, event_type, payload, fingerprint, attempt, source, result, received_at)
           select $1, $2::bigint * 10000 + e.n, e.envelope ->> 'event_id', 'SALE', e.envelope, sha256(convert_to(e.envelope::text, 'UTF8')),
                  1, 'bench', 'processed', now()
           from jsonb_array_elements($3::jsonb) with ordinality as e(envelope, n)`,
    body: nextBatch,
    values: (body, n) => [TENANT, n, body],
    events: BATCH_SIZE,
  },
  ingest_batch: {
    text: `select count(*) filter (where status >= 400) as refused from ledger.ingest_events($1::jsonb)`,
    body: nextBatch,
    values: (body) => [body],
    events: BATCH_SIZE,
  },
};

/** CPU time (user + system, ms) a local backend has used so far, or null when the server is not local. */
function backendCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs one statement kind on `connections` connections for `seconds`; returns rate and latencies. */
async function measure(url, kind, connections, seconds) {
  const statement = STATEMENTS[kind];
  const clients = await Promise.all(Array.from({ length: connections }, async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    client.pid = (await client.query('select pg_backend_pid() as pid')).rows[0].pid;
    return client;
  }));
  const cpuBefore = clients.map((c) => backendCpuMs(c.pid));
  const latencies = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let cpuMs = null;
  try {
    await Promise.all(clients.map(async (client) => {
      while (performance.now() < deadline) {
        const body = statement.body();
        const t0 = performance.now();
        const { rows } = await client.query({ name: kind, text: statement.text, values: statement.values(body, sequence) });
        if (rows[0]?.refused > 0) throw new Error(`${kind}: ${rows[0].refused} events refused`);
        latencies.push(performance.now() - t0);
      }
    }));
    const cpuAfter = clients.map((c) => backendCpuMs(c.pid));
    if (cpuAfter.every((t, i) => t !== null && cpuBefore[i] !== null)) cpuMs = cpuAfter.reduce((sum, t, i) => sum + t - cpuBefore[i], 0);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const events = latencies.length * statement.events;
  return {
    kind, connections, statements: latencies.length, events, rate: events / elapsed,
    p50: percentile(latencies, 50), p99: percentile(latencies, 99),
    cpuUs: cpuMs === null ? NaN : (cpuMs * 1000) / events,
  };
}

async function settings(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`select name, setting from pg_settings
      where name in ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers') order by name`);
    return rows.map((r) => `${r.name}=${r.setting}`).join(' ');
  } finally {
    await client.end();
  }
}

/** Runs every (connections, statement) pair on a fresh database of `server`; returns the results. */
export async function benchDb(server, { connections = CONNECTIONS, batchConnections = BATCH_CONNECTIONS, seconds = SECONDS, warmupSeconds = WARMUP_SECONDS, log = console.log } = {}) {
  const url = await server.createDatabase('ledger_bench');
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`insert into ledger.tenants (tenant_id) values ('${TENANT}')`);
  await setup.query('create table bench_plain (like ledger.events_raw)');
  await setup.end();

  log(await settings(url));
  log(`envelope ${Buffer.byteLength(nextEnvelope())} bytes, ${seconds} s per run (after ${warmupSeconds} s warm-up), one autocommit statement per event`);
  const results = [];
  const pairs = [...connections.map((n) => [n, 'insert', 'ingest']), ...(batchConnections > 0 ? [[batchConnections, 'insert_batch', 'ingest_batch']] : [])];
  for (const [n, ...kinds] of pairs) {
    for (const kind of kinds) {
      if (warmupSeconds > 0) await measure(url, kind, n, warmupSeconds);
      const r = await measure(url, kind, n, seconds);
      results.push(r);
      log(`  measured ${kind.padEnd(12)} at ${n} connection(s): ${r.rate.toFixed(0)} events/s`);
    }
  }
  const rate = (kind, n) => results.find((r) => r.kind === kind && r.connections === n).rate;
  const ratios = connections.map((n) => ({ connections: n, ratio: rate('ingest', n) / rate('insert', n) }));
  const batch = batchConnections > 0
    ? { connections: batchConnections, size: BATCH_SIZE, ratio: rate('ingest_batch', batchConnections) / rate('insert_batch', batchConnections) }
    : null;
  return { results, ratios, batch, target: { ratio: TARGET_RATIO, connections: TARGET_CONNECTIONS, batch_ratio: TARGET_BATCH_RATIO } };
}

const LABELS = {
  insert: 'plain insert into bench_plain',
  ingest: 'ledger.ingest_event',
  insert_batch: `plain insert … select from jsonb_array_elements (${BATCH_SIZE} a statement)`,
  ingest_batch: `ledger.ingest_events (${BATCH_SIZE} a call)`,
};

export function printDb({ results, ratios, batch }, log = console.log) {
  const fmt = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  log('\n| statement | connections | events | events/s | p50 ms (a statement) | p99 ms | backend CPU µs/event |');
  log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    log(`| ${LABELS[r.kind]} | ${r.connections} | ${r.events} | ${fmt(r.rate, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.cpuUs, 0)} |`);
  }
  log('\n| path | connections | ingest/insert | target |');
  log('|---|---:|---:|---|');
  for (const { connections, ratio } of ratios) {
    const target = connections === TARGET_CONNECTIONS ? `>= ${TARGET_RATIO} ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}` : '-';
    log(`| single | ${connections} | ${fmt(ratio)} | ${target} |`);
  }
  if (batch) log(`| batches of ${batch.size} | ${batch.connections} | ${fmt(batch.ratio)} | >= ${TARGET_BATCH_RATIO} ${batch.ratio >= TARGET_BATCH_RATIO ? 'met' : 'NOT met'} |`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startTestServer({ unsafeFast: false });
  try {
    printDb(await benchDb(server));
  } finally {
    await server.stop();
  }
}
