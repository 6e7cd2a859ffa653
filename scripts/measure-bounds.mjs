// `node scripts/measure-bounds.mjs`: the two figures of issue 8's bounds, on the built edge (edge/dist)
// as a child process over a throwaway PostgreSQL 16. A measurement, not a test: it prints numbers.
//  1. GraphQL: the 1.5 KB query of 20 aliased `allEventsRaws(first: 1000) { nodes { payload } }` over
//     1,000 Bronze rows of ~16 KB: its answer's status and size, the edge's RSS before, at its peak
//     and after.
//  2. `GET /v1/health` latency (p50, p99, max) while a batch at BATCH_BODY_LIMIT (16 MiB; 1,000 items
//     of ~16.5 KB) is posted, plain and gzip-compressed, beside the same probe with nothing else
//     running; the edge's RSS before and after, and its own event-loop lag (from /metrics): a
//     probe can also wait because PostgreSQL and the edge share the machine's cores.
// To compare with an earlier version, run this file from a checkout of it (scripts/ of that tree):
// it measures the edge and the migrations of the tree it is in.
import { request, Agent } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { createKey } from '../edge/dist/keys.js';
import { startEdgeProcess } from './lib/http-bench.mjs';
import { saleEnvelope } from './lib/bench-envelope.mjs';
import { startTestServer } from './lib/testdb.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIMIT = 16 * 1024 * 1024;
const ITEMS = 1000;
const tenant = 'measure';

const rssMb = (pid, field = 'VmRSS') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

const envelope = (eventId, padding) => saleEnvelope(tenant, eventId, { notes: padding });

/** A batch body of exactly `bytes` bytes holding ITEMS envelopes. */
function batchBody(prefix, bytes) {
  const skeleton = JSON.stringify({ events: Array.from({ length: ITEMS }, (_, i) => envelope(`${prefix}-${String(i).padStart(4, '0')}`, '')) });
  const perItem = Math.floor((bytes - Buffer.byteLength(skeleton)) / ITEMS);
  const events = Array.from({ length: ITEMS }, (_, i) => envelope(`${prefix}-${String(i).padStart(4, '0')}`, 'x'.repeat(perItem)));
  const body = JSON.stringify({ events });
  return body + ' '.repeat(bytes - Buffer.byteLength(body));
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function send(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method, headers, agent }, (res) => {
      let size = 0;
      res.on('data', (chunk) => { size += chunk.length; });
      res.on('end', () => resolve({ status: res.statusCode, bytes: size, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

/**
 * Probes /v1/health every 10 ms (open loop: a probe does not wait for the one before) until `until`
 * settles; each latency counts from when the probe was due, so time the edge spent blocked shows.
 */
async function probeHealth(url, until) {
  const latencies = [];
  const pending = [];
  let done = false;
  const finished = until.finally(() => { done = true; });
  const start = performance.now();
  for (let n = 0; !done; n++) {
    const due = start + n * 10;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(send(`${url}/v1/health`).then(() => latencies.push(performance.now() - due)));
  }
  const outcome = await finished;
  await Promise.all(pending);
  return { outcome, latencies };
}

/** The edge's largest event-loop lag since the last scrape of /metrics (prom-client resets it), in ms. */
async function eventLoopLagMax(url, key) {
  const text = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.text());
  return Number(/^ledger_safe_nodejs_eventloop_lag_max_seconds (\S+)/m.exec(text)?.[1] ?? NaN) * 1000;
}

const summary = (latencies) =>
  `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (${latencies.length} probes)`;

const server = await startTestServer({ unsafeFast: true });
try {
  const ownerUrl = await server.createDatabase('ledger_measure_bounds');
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  const producer = (await createKey(owner, 'producer', tenant, 'measure producer')).secret;
  const operator = (await createKey(owner, 'operator', null, 'measure operator')).secret;
  const padding = 'p'.repeat(16 * 1024);
  for (let start = 0; start < 1000; start += 100) {
    const batch = Array.from({ length: 100 }, (_, i) => envelope(`seed-${start + i}`, padding));
    await owner.query('select count(*) from ledger.ingest_events($1::jsonb)', [JSON.stringify(batch)]);
  }
  await owner.end();

  // One edge process per part, so that the second starts from the RSS of a fresh edge.
  let edge = await startEdgeProcess(root, ownerUrl);
  try {
    console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log('\n# 1. GraphQL: 20 aliases of allEventsRaws(first: 1000) { nodes { payload } } over 1,000 rows of ~16 KB');
    const query = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: allEventsRaws(first: 1000) { nodes { payload } }`).join(' ')} }`;
    const gql = (q) => send(`${edge.url}/graphql`, {
      method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: q }),
    });
    await gql('{ __typename }');
    const before = rssMb(edge.pid);
    const answer = await gql(query);
    const peak = rssMb(edge.pid, 'VmHWM');
    await new Promise((r) => setTimeout(r, 2000));
    console.log(`query ${Buffer.byteLength(query)} bytes -> HTTP ${answer.status}, answer ${(answer.bytes / 1e6).toFixed(2)} MB in ${answer.ms.toFixed(0)} ms`);
    console.log(`edge RSS before ${before.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, 2 s after ${rssMb(edge.pid).toFixed(0)} MB`);
  } finally {
    await edge.stop();
  }

  edge = await startEdgeProcess(root, ownerUrl);
  try {
    console.log(`\n# 2. GET /v1/health, probed every 10 ms, while a ${LIMIT}-byte batch of ${ITEMS} items is posted`);
    const idle = await probeHealth(edge.url, new Promise((r) => setTimeout(r, 3000)));
    console.log(`idle:  ${summary(idle.latencies)}`);
    for (const compressed of [false, true]) {
      const text = batchBody(compressed ? 'gz' : 'plain', LIMIT);
      const body = compressed ? gzipSync(text) : Buffer.from(text);
      const headers = {
        authorization: `Bearer ${producer}`, 'content-type': 'application/json', 'content-length': String(body.length),
        ...(compressed ? { 'content-encoding': 'gzip' } : {}),
      };
      const rssBefore = rssMb(edge.pid);
      await eventLoopLagMax(edge.url, operator);
      const { outcome, latencies } = await probeHealth(edge.url, send(`${edge.url}/v1/events/batch`, { method: 'POST', headers, body }));
      const lag = await eventLoopLagMax(edge.url, operator);
      await new Promise((r) => setTimeout(r, 2000));
      console.log(`${compressed ? `gzip (${(body.length / 1024).toFixed(0)} KiB sent)` : 'plain'}: batch HTTP ${outcome.status} in ${outcome.ms.toFixed(0)} ms; health ${summary(latencies)}`);
      console.log(`       edge event-loop lag max ${lag.toFixed(0)} ms; RSS before ${rssBefore.toFixed(0)} MB, peak so far ${rssMb(edge.pid, 'VmHWM').toFixed(0)} MB, 2 s after ${rssMb(edge.pid).toFixed(0)} MB`);
    }
  } finally {
    await edge.stop();
  }
} finally {
  agent.destroy();
  await server.stop();
}
