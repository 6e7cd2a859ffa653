// `npm run bench:http`: POST /v1/events on the real edge vs a bare Express route doing one plain
// INSERT of the same body, both over the same durable PostgreSQL 16, driven by autocannon at 50
// connections with unique ~600-byte envelopes. Prints rates, p50/p99, the ratio and the edge's
// peak RSS. A benchmark, not a test: figures depend on the machine; the ratio is what to compare.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createKey } from '../edge/dist/keys.js';
import { drive, peakRssMb, startBareProcess, startEdgeProcess } from './lib/http-bench.mjs';
import { startTestServer } from './lib/testdb.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);

export async function benchHttp(server, log = console.log) {
  const ownerUrl = await server.createDatabase('ledger_bench_http');
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  await owner.query('create table bench_plain (like ledger.events_raw including defaults including identity)');
  const { secret } = await createKey(owner, 'producer', 'bench', 'bench producer');
  await owner.end();

  const edge = await startEdgeProcess(root, ownerUrl);
  const bare = await startBareProcess(root, ownerUrl);
  try {
    log(`warming up (3 s each)…`);
    await drive({ url: bare.url, connections, seconds: 3, tenant: 'bench', prefix: 'warm-bare' });
    await drive({ url: edge.url, connections, seconds: 3, tenant: 'bench', key: secret, prefix: 'warm-edge' });
    const runs = { bare: [], edge: [] };
    for (let round = 1; round <= rounds; round++) {
      log(`round ${round}/${rounds}: bare INSERT route ${seconds} s…`);
      runs.bare.push(await drive({ url: bare.url, connections, seconds, tenant: 'bench', prefix: `bare-${round}` }));
      log(`round ${round}/${rounds}: POST /v1/events ${seconds} s…`);
      runs.edge.push(await drive({ url: edge.url, connections, seconds, tenant: 'bench', key: secret, prefix: `edge-${round}` }));
    }
    const best = (list) => list.reduce((a, b) => (b.requests_per_s > a.requests_per_s ? b : a));
    return { bare: best(runs.bare), edge: best(runs.edge), runs, edge_peak_rss_mb: peakRssMb(edge.pid), bare_peak_rss_mb: peakRssMb(bare.pid) };
  } finally {
    await edge.stop();
    await bare.stop();
  }
}

export function printHttp(r, log = console.log) {
  const row = (name, x) => `${name.padEnd(34)} ${x.requests_per_s.toFixed(0).padStart(8)} ${String(x.p50_ms).padStart(7)} ${String(x.p99_ms).padStart(7)} ${String(x.non2xx + x.errors + x.timeouts).padStart(7)}`;
  log(`\n${'at ' + connections + ' connections'.padEnd(31)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'failed'.padStart(7)}`);
  log(row('bare Express + INSERT', r.bare));
  log(row('POST /v1/events (ledger-safe)', r.edge));
  const ratio = r.edge.requests_per_s / r.bare.requests_per_s;
  log(`\nratio edge/bare ${ratio.toFixed(2)} (target >= 0.80) ${ratio >= 0.8 ? 'MET' : 'NOT MET'}`);
  log(`edge peak RSS ${r.edge_peak_rss_mb.toFixed(0)} MB (target <= 200 MB) ${r.edge_peak_rss_mb <= 200 ? 'MET' : 'NOT MET'}; bare ${r.bare_peak_rss_mb.toFixed(0)} MB`);
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
