// `npm run bench:http`: POST /v1/events on the real edge, with single arrivals coalesced into shared
// ingest calls (the default) and without (INGEST_COALESCE=off), vs a bare Express route doing one
// plain INSERT of the same body, all over the same durable PostgreSQL 16. autocannon drives 50
// connections with unique ~700-byte sales; a plain loop drives one connection (latencies to the
// microsecond). Prints rates, p50/p99, the ratios, the CPU each request cost the edge and
// PostgreSQL, the edge's peak RSS and how many arrivals its calls held. A benchmark, not a test:
// figures depend on the machine; the ratios are what to compare.
//   BENCH_SECONDS (default 10) per measured run, BENCH_ROUNDS (default 2) runs at 50 connections.
//   BENCH_CPU_PROF=<dir>: the three servers run under `node --cpu-prof`, each writing
//   <dir>/<bare|edge|alone>.cpuprofile when it stops (read with scripts/profile-summary.mjs); the
//   profiler costs CPU of its own, so the figures of such a run are not comparable.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createKey } from '../edge/dist/keys.js';
import {
  callSizes, coalescingMetrics, cpuMeter, cpuMs, drive, peakRssMb, percentile, sequential, serverPids, startBareProcess, startEdgeProcess,
} from './lib/http-bench.mjs';
import { startTestServer } from './lib/testdb.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);

const profileDir = process.env.BENCH_CPU_PROF;
/** Node's arguments that make a server write its CPU profile as `name` (BENCH_CPU_PROF), or none. */
const profiled = (name) => (profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`, `--cpu-prof-name=${name}.cpuprofile`] : []);

/** A run with the CPU it cost the target process and PostgreSQL, per request (µs). */
async function measured(run, targetPid, ownerUrl) {
  const pids = await serverPids(ownerUrl);
  const node = cpuMeter([targetPid]);
  const postgres = cpuMeter(pids);
  const loadgen = process.cpuUsage();
  const r = await run();
  const requests = r.ok || 1;
  const { user, system } = process.cpuUsage(loadgen);
  // A pool may open connections during the run (one closed while idle): their backends were born
  // in it, so all their CPU is the run's.
  const born = (await serverPids(ownerUrl)).filter((pid) => !pids.includes(pid));
  const bornMs = born.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);
  return {
    ...r,
    node_cpu_us: Math.round((node() * 1000) / requests),
    postgres_cpu_us: Math.round(((postgres() + bornMs) * 1000) / requests),
    loadgen_cpu_us: Math.round((user + system) / requests),
  };
}

/** Rounds of one connection as one run: their latencies together, their rates and CPU averaged by requests. */
function pooled(list, seconds) {
  const times = list.flatMap((r) => r.times).sort((a, b) => a - b);
  const ok = times.length;
  const perRequest = (field) => Math.round(list.reduce((sum, r) => sum + r[field] * r.ok, 0) / (ok || 1));
  const round = (x) => Math.round(x * 1000) / 1000;
  return {
    requests_per_s: ok / (seconds * list.length), ok, failed: list.reduce((sum, r) => sum + r.failed, 0),
    p50_ms: round(percentile(times, 50)), p99_ms: round(percentile(times, 99)),
    rounds_p50_ms: list.map((r) => r.p50_ms),
    node_cpu_us: perRequest('node_cpu_us'), postgres_cpu_us: perRequest('postgres_cpu_us'), loadgen_cpu_us: perRequest('loadgen_cpu_us'),
  };
}

export async function benchHttp(server, log = console.log) {
  const ownerUrl = await server.createDatabase('ledger_bench_http');
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  await owner.query('create table bench_plain (like ledger.events_raw including defaults including identity)');
  const { secret } = await createKey(owner, 'producer', 'bench', 'bench producer');
  const operator = (await createKey(owner, 'operator', null, 'bench operator')).secret;
  await owner.end();

  const edge = await startEdgeProcess(root, ownerUrl, {}, profiled('edge'));
  const alone = await startEdgeProcess(root, ownerUrl, { INGEST_COALESCE: 'off' }, profiled('alone'));
  const bare = await startBareProcess(root, ownerUrl, profiled('bare'));
  const targets = [
    ['bare', bare, {}],
    ['edge', edge, { key: secret }],
    ['alone', alone, { key: secret }],
  ];
  try {
    log('warming up (3 s each)…');
    for (const [name, target, options] of targets) {
      await drive({ url: target.url, connections, seconds: 3, tenant: 'bench', prefix: `warm-${name}`, ...options });
    }
    // At 1 connection the three take turns, `rounds` times, each round half as long: whatever ran
    // before (autovacuum, a checkpoint) falls on all of them alike, not on whichever came first.
    // Measured on the warmed-up edges before the rounds at 50 connections, and again after them
    // (the coalesced edge has then served two and a half times the requests of the other).
    const oneConnection = async (when) => {
      const singleRuns = { bare: [], edge: [], alone: [] };
      const slice = Math.max(2, seconds / 2);
      for (let round = 1; round <= rounds; round++) {
        for (const [name, target, options] of targets) {
          log(`${when}, round ${round}/${rounds}: ${name} at 1 connection, ${slice} s…`);
          singleRuns[name].push(await measured(() => sequential({ url: target.url, seconds: slice, tenant: 'bench', prefix: `one-${when}-${name}-${round}`, ...options }),
            target.pid, ownerUrl));
        }
      }
      return Object.fromEntries(Object.entries(singleRuns).map(([name, list]) => [name, pooled(list, slice)]));
    };
    const singleBefore = await oneConnection('before');
    const runs = { bare: [], edge: [], alone: [] };
    const before = await coalescingMetrics(edge.url, operator);
    for (let round = 1; round <= rounds; round++) {
      for (const [name, target, options] of targets) {
        log(`round ${round}/${rounds}: ${name} at ${connections} connections, ${seconds} s…`);
        runs[name].push(await measured(() => drive({ url: target.url, connections, seconds, tenant: 'bench', prefix: `${name}-${round}`, ...options }),
          target.pid, ownerUrl));
      }
    }
    const sizes = callSizes(before, await coalescingMetrics(edge.url, operator));
    const single = await oneConnection('after');
    const best = (list) => list.reduce((a, b) => (b.requests_per_s > a.requests_per_s ? b : a));
    return {
      connections,
      bare: best(runs.bare), edge: best(runs.edge), alone: best(runs.alone), runs, single_before: singleBefore, single, call_sizes: sizes,
      edge_peak_rss_mb: peakRssMb(edge.pid), alone_peak_rss_mb: peakRssMb(alone.pid), bare_peak_rss_mb: peakRssMb(bare.pid),
    };
  } finally {
    await Promise.all([edge.stop(), alone.stop(), bare.stop()]);
  }
}

export function printHttp(r, log = console.log) {
  const row = (name, x) => `| ${name} | ${x.requests_per_s.toFixed(0)} | ${x.p50_ms} | ${x.p99_ms} | ${x.non2xx + x.errors + x.timeouts} | ${x.node_cpu_us} | ${x.postgres_cpu_us} |`;
  log(`\n| at ${r.connections} connections (best of ${r.runs.edge.length}) | req/s | p50 ms | p99 ms | failed | Node CPU µs/req | PostgreSQL CPU µs/req |`);
  log('|---|---:|---:|---:|---:|---:|---:|');
  log(row('bare Express + INSERT', r.bare));
  log(row('POST /v1/events, coalesced', r.edge));
  log(row('POST /v1/events, INGEST_COALESCE=off', r.alone));
  const ratio = r.edge.requests_per_s / r.bare.requests_per_s;
  log(`\nratio coalesced/bare ${ratio.toFixed(2)} (target >= 1.00) ${ratio >= 1 ? 'MET' : 'NOT MET'}; off/bare ${(r.alone.requests_per_s / r.bare.requests_per_s).toFixed(2)}`);
  log(`runs (req/s): ${['bare', 'edge', 'alone'].map((k) => `${k} ${r.runs[k].map((x) => x.requests_per_s.toFixed(0)).join(', ')}`).join('; ')}`);

  const s = r.call_sizes;
  log(`\ncoalesced calls at ${r.connections} connections: ${s.calls} calls held ${s.arrivals} arrivals (mean ${s.mean.toFixed(1)} a call); retries ${JSON.stringify(s.retries)}`);
  log('| arrivals in a call | calls |');
  log('|---|---:|');
  for (const range of s.ranges) log(`| ${range.arrivals} | ${range.calls} |`);

  const one = (name, x) => `| ${name} | ${x.requests_per_s.toFixed(0)} | ${x.p50_ms} | ${x.p99_ms} | ${x.node_cpu_us} | ${x.postgres_cpu_us} |`;
  for (const [when, single] of [['before the rounds at 50 connections', r.single_before], ['after them', r.single]]) {
    log(`\n| at 1 connection, ${when} | req/s | p50 ms | p99 ms | Node CPU µs/req | PostgreSQL CPU µs/req |`);
    log('|---|---:|---:|---:|---:|---:|');
    log(one('bare Express + INSERT', single.bare));
    log(one('POST /v1/events, coalesced', single.edge));
    log(one('POST /v1/events, INGEST_COALESCE=off (before)', single.alone));
    log(`p50 of each round (ms, in turn): ${['bare', 'edge', 'alone'].map((k) => `${k} ${single[k].rounds_p50_ms.join(', ')}`).join('; ')}`);
    const slower = single.edge.p50_ms / single.alone.p50_ms - 1;
    log(`p50 at 1 connection ${when}, coalesced vs off: ${(slower * 100).toFixed(1)} % (target <= +10 %) ${slower <= 0.1 ? 'MET' : 'NOT MET'}`);
  }
  log(`edge peak RSS ${r.edge_peak_rss_mb.toFixed(0)} MB (target <= 200 MB) ${r.edge_peak_rss_mb <= 200 ? 'MET' : 'NOT MET'}; off ${r.alone_peak_rss_mb.toFixed(0)} MB; bare ${r.bare_peak_rss_mb.toFixed(0)} MB`);
  return ratio;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startTestServer({ unsafeFast: false });
  try {
    printHttp(await benchHttp(server));
  } finally {
    await server.stop();
  }
}
