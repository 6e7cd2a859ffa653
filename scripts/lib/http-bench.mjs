// HTTP benchmark pieces shared by `npm run bench:http` and `npm run bench`: start the real edge and
// the bare baseline as child processes, drive them with autocannon, sample their peak RSS.
import autocannon from 'autocannon';
import { fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../edge/dist/db/embedded.js';

/** A ~600-byte envelope; the event id makes every one unique. */
export function benchEnvelope(tenant, eventId) {
  return JSON.stringify({
    schema_version: '1.0', tenant_id: tenant, store_id: 'store_0042', source_system: 'pos_bench', event_id: eventId,
    source_event_id: `src-${eventId}`, event_type: 'SALE', occurred_at: '2026-02-25T10:15:00Z', txn_id: `txn-${eventId}`,
    currency: 'USD', total_amount: 128.45, cashier: 'cashier-017', register: 'reg-03',
    line_items: [
      { sku: 'SKU-AAA-0001', qty: 2, amount: 30.0, description: 'Espresso beans 1kg' },
      { sku: 'SKU-BBB-0002', qty: 1, amount: 42.95, description: 'Milk frother' },
      { sku: 'SKU-CCC-0003', qty: 3, amount: 8.5, description: 'Croissant' },
    ],
    payment: { method: 'card', brand: 'visa', last4: '4242' },
  });
}

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

export async function startEdgeProcess(root, ownerUrl, extraEnv = {}) {
  const port = await freePort();
  const password = 'bench-' + Math.random().toString(36).slice(2);
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  await owner.query(`alter role ledger_edge with login password '${password}'`);
  await owner.end();
  const edgeUrl = new URL(ownerUrl);
  edgeUrl.username = 'ledger_edge';
  edgeUrl.password = password;
  const child = spawn('node', [path.join(root, 'bin/ledger-safe.js'), 'start'], {
    env: { ...process.env, DATABASE_URL: ownerUrl, EDGE_DATABASE_URL: edgeUrl.toString(), PORT: String(port), ...extraEnv },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child);
  return { url, pid: child.pid, stop: () => stopChild(child) };
}

export async function startBareProcess(root, ownerUrl) {
  const port = await freePort();
  const child = fork(path.join(root, 'scripts/lib/bare-insert-server.mjs'), [], {
    env: { ...process.env, DATABASE_URL: ownerUrl, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
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
