// HTTP benchmark pieces shared by `npm run bench:http` and `npm run bench`: start the real edge and
// the bare baseline as child processes, drive them with autocannon, sample their peak RSS.
import autocannon from 'autocannon';
import { fork, spawn } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../edge/dist/db/embedded.js';
import { saleText } from './bench-envelope.mjs';

/** The bench sale (scripts/lib/bench-envelope.mjs) as sent; the event id makes every one unique. */
export const benchEnvelope = saleText;

export function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

async function waitHealthy(url, child, deadlineMs = 60_000) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try { if ((await fetch(`${url}/v1/health`)).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become healthy`);
}

/** Edges started for one server share ledger_edge's password: setting a new one would lock out the others' new connections. */
const edgePasswords = new Map();

/** The edge as `ledger-safe start`; `nodeArgs` go to node before the script (--cpu-prof…). */
export async function startEdgeProcess(root, ownerUrl, extraEnv = {}, nodeArgs = []) {
  const port = await freePort();
  const server = new URL(ownerUrl).host;
  let password = edgePasswords.get(server);
  if (!password) {
    password = 'bench-' + Math.random().toString(36).slice(2);
    const owner = new pg.Client({ connectionString: ownerUrl });
    await owner.connect();
    await owner.query(`alter role ledger_edge with login password '${password}'`);
    await owner.end();
    edgePasswords.set(server, password);
  }
  const edgeUrl = new URL(ownerUrl);
  edgeUrl.username = 'ledger_edge';
  edgeUrl.password = password;
  const child = spawn('node', [...nodeArgs, path.join(root, 'bin/ledger-safe.js'), 'start'], {
    env: { ...process.env, DATABASE_URL: ownerUrl, EDGE_DATABASE_URL: edgeUrl.toString(), PORT: String(port), ...extraEnv },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child);
  return { url, pid: child.pid, stop: () => stopChild(child) };
}

export async function startBareProcess(root, ownerUrl, nodeArgs = []) {
  const port = await freePort();
  const child = fork(path.join(root, 'scripts/lib/bare-insert-server.mjs'), [], {
    env: { ...process.env, DATABASE_URL: ownerUrl, PORT: String(port) }, execArgv: nodeArgs, stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise((resolve, reject) => { child.once('message', resolve); child.once('exit', reject); });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => stopChild(child) };
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/** autocannon against POST `path` with unique envelopes; returns rate and latency figures. */
export async function drive({ url, path: route = '/v1/events', key, tenant, connections = 50, seconds = 10, prefix, body }) {
  let n = 0;
  const result = await autocannon({
    url: url + route, connections, duration: seconds, method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    requests: [{ setupRequest: (req) => ({ ...req, body: body ? body(n++) : benchEnvelope(tenant, `${prefix}-${n++}`) }) }],
  });
  const ok = result['2xx'];
  return {
    requests_per_s: ok / seconds, ok, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts,
    p50_ms: result.latency.p50, p99_ms: result.latency.p99,
  };
}

export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/**
 * One connection, one request after the other, for `seconds`: latencies measured to the
 * microsecond (autocannon's histogram keeps whole milliseconds, too coarse at one connection).
 */
export async function sequential({ url, key, tenant, seconds = 10, prefix }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url + '/v1/events');
  const post = (body) => new Promise((resolve, reject) => {
    const req = http.request({
      host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(key ? { authorization: `Bearer ${key}` } : {}) },
    }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
  const times = [];
  let failed = 0;
  const until = performance.now() + seconds * 1000;
  for (let n = 0; performance.now() < until; n++) {
    const body = benchEnvelope(tenant, `${prefix}-${n}`);
    const t0 = performance.now();
    const status = await post(body);
    const ms = performance.now() - t0;
    if (status >= 200 && status < 300) times.push(ms); else failed++;
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  const round = (x) => Math.round(x * 1000) / 1000;
  return { requests_per_s: times.length / seconds, ok: times.length, failed, p50_ms: round(percentile(times, 50)), p99_ms: round(percentile(times, 99)), times };
}

/** CPU time (user + system, ms) a process has used so far. */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** PostgreSQL's processes of the server behind `ownerUrl` (backends and background workers), by pid. */
export async function serverPids(ownerUrl) {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    return (await client.query('select pid from pg_stat_activity')).rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** CPU spent by the processes between start() and the call it returns, in ms, each pid that still exists. */
export function cpuMeter(pids) {
  const before = new Map(pids.map((pid) => [pid, cpuMs(pid)]));
  return () => [...before].reduce((sum, [pid, t0]) => {
    const t1 = cpuMs(pid);
    return t0 === null || t1 === null ? sum : sum + t1 - t0;
  }, 0);
}

/** The edge's ledger_safe_ingest_call_arrivals histogram and its retry counters, from /metrics. */
export async function coalescingMetrics(url, operatorKey) {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${operatorKey}` } })).text();
  const buckets = [...text.matchAll(/^ledger_safe_ingest_call_arrivals_bucket\{le="([^"]+)"\} (\d+)/gm)].map((m) => [m[1], Number(m[2])]);
  const value = (name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0);
  const retries = [...text.matchAll(/^ledger_safe_ingest_call_retries_total\{([^}]*)\} (\d+)/gm)].map((m) => [m[1], Number(m[2])]);
  return { buckets, calls: value('ledger_safe_ingest_call_arrivals_count'), arrivals: value('ledger_safe_ingest_call_arrivals_sum'), retries };
}

/** What `after` adds to `before`: calls by size range, mean arrivals per call, retries. */
export function callSizes(before, after) {
  const cumulative = after.buckets.map(([le, n], i) => [le, n - (before.buckets[i]?.[1] ?? 0)]);
  const ranges = cumulative.map(([le, n], i) => {
    const below = i === 0 ? 0 : cumulative[i - 1][1];
    const from = i === 0 ? 1 : Number(cumulative[i - 1][0]) + 1;
    return { arrivals: le === '+Inf' ? `> ${cumulative[i - 1][0]}` : from === Number(le) ? le : `${from}-${le}`, calls: n - below };
  }).filter((r) => r.calls > 0);
  const calls = after.calls - before.calls;
  const arrivals = after.arrivals - before.arrivals;
  const retried = Object.fromEntries(after.retries.map(([labels, n]) => [labels, n - (before.retries.find(([l]) => l === labels)?.[1] ?? 0)]));
  return { calls, arrivals, mean: calls ? arrivals / calls : 0, ranges, retries: retried };
}
