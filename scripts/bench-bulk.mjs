// `npm run bench:bulk`: a bulk ignore of BULK_EXCEPTIONS (default 10,000) open exceptions, on a
// throwaway embedded PostgreSQL 16 with durable settings (fsync and synchronous_commit on):
//   http  POST /v1/exceptions/bulk (dry run, then the job) on the real edge, its worker at the
//         process's defaults, until GET /v1/jobs/{id} says the job ended: what an operator waits;
//   sql   the same job's steps by hand on one connection (what the worker does), with steps of 1
//         item (one exception per transaction) and of 25 (the worker's default: a savepoint each).
// For each: the time, the rate, and the count query that proves each exception got exactly one
// resolution row in the audit log. A benchmark, not a test: it prints numbers only.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { createEdge } from '../edge/dist/app.js';
import { createKey } from '../edge/dist/keys.js';
import { saleEnvelope } from './lib/bench-envelope.mjs';
import { startTestServer } from './lib/testdb.mjs';

const EXCEPTIONS = Number(process.env.BULK_EXCEPTIONS ?? 10_000);
const ONE_AUDIT_ROW_EACH = `
  select count(*) filter (where n = 1)::int as exactly_one, count(*) filter (where n <> 1)::int as other
  from (select i.exception_id, count(a.audit_id) as n
        from ledger.job_items i
        left join ledger.audit_log a on a.exception_id = i.exception_id and a.action = 'exception.resolved'
        where i.job_id = $1 group by i.exception_id) c`;

async function openExceptions(owner, tenant) {
  await owner.query('insert into ledger.tenants (tenant_id) values ($1) on conflict do nothing', [tenant]);
  for (let from = 0; from < EXCEPTIONS; from += 1000) {
    // Well-formed sales but for an event type nobody allowed: each opens an exception.
    const envelopes = Array.from({ length: Math.min(1000, EXCEPTIONS - from) }, (_, i) => saleEnvelope(tenant, `till-${from + i}`, { event_type: 'SALEZ' }));
    await owner.query('select count(*) from ledger.ingest_events($1::jsonb)', [JSON.stringify(envelopes)]);
  }
}

async function asOperator(client, sql, params) {
  await client.query('begin');
  await client.query("select set_config('role', 'ledger_operator', true), set_config('ledger.actor', 'operator:bench', true)");
  const { rows } = await client.query(sql, params);
  await client.query('commit');
  return rows[0];
}

function report(label, ms, proof) {
  const rate = Math.round(EXCEPTIONS / (ms / 1000));
  console.log(`${label.padEnd(44)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${String(rate).padStart(6)} exceptions/s  `
    + `audit rows: ${proof.exactly_one} with exactly one, ${proof.other} otherwise`);
}

async function viaSql(owner, stepItems) {
  const tenant = `bulk_sql_${stepItems}`;
  await openExceptions(owner, tenant);
  const client = await owner.connect();
  try {
    const started = performance.now();
    const { j } = await asOperator(client, "select ledger.bulk_resolve($1, 'mark_resolved_no_replay', 'bench', dry_run => false) as j",
      [JSON.stringify({ tenant_id: tenant, status: 'open' })]);
    for (;;) {
      const { s } = await asOperator(client, 'select ledger.run_job_step($1, $2, 200) as s', [j.job_id, stepItems]);
      if (!s.more && s.status !== 'running') break;
    }
    const ms = performance.now() - started;
    report(`sql, steps of ${stepItems} (job made and run)`, ms, (await owner.query(ONE_AUDIT_ROW_EACH, [j.job_id])).rows[0]);
  } finally {
    client.release();
  }
}

async function viaHttp(ownerUrl, owner, edgePassword) {
  const tenant = 'bulk_http';
  await openExceptions(owner, tenant);
  const client = await owner.connect();
  const key = (await createKey(client, 'operator', null, 'bench')).secret;
  client.release();
  const edgeUrl = new URL(ownerUrl);
  edgeUrl.username = 'ledger_edge';
  edgeUrl.password = edgePassword;
  const pool = new pg.Pool({ connectionString: edgeUrl.toString(), max: 20 });
  const edge = await createEdge({ pool, logger: pino({ level: 'silent' }) });
  const server = await new Promise((resolve) => { const s = edge.app.listen(0, '127.0.0.1', () => resolve(s)); });
  const url = `http://127.0.0.1:${server.address().port}`;
  const post = (body) => fetch(`${url}/v1/exceptions/bulk`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).then((r) => r.json());
  try {
    const request = { filter: { tenant_id: tenant, status: 'open' }, action: 'mark_resolved_no_replay', resolution_notes: 'till bug', dry_run: true };
    let started = performance.now();
    const dry = await post(request);
    console.log(`${'http, dry run'.padEnd(44)} ${((performance.now() - started) / 1000).toFixed(2).padStart(7)} s  matched ${dry.matched}, would succeed ${dry.would_succeed}`);
    started = performance.now();
    const { job_id: jobId } = await post({ ...request, dry_run: false });
    let job;
    do {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = await fetch(`${url}/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.json());
    } while (job.status === 'running');
    const ms = performance.now() - started;
    report(`http, the edge's worker (POST to ${job.status})`, ms, (await owner.query(ONE_AUDIT_ROW_EACH, [jobId])).rows[0]);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await edge.close();
    await pool.end();
  }
}

const server = await startTestServer({ unsafeFast: false });
try {
  const edgePassword = randomBytes(12).toString('hex');
  const ownerUrl = await server.createDatabase('bench_bulk');
  const owner = new pg.Pool({ connectionString: ownerUrl, max: 4 });
  await owner.query(`alter role ledger_edge with login password '${edgePassword}'`);
  console.log(`bulk ignore of ${EXCEPTIONS} open exceptions (durable settings), PostgreSQL ${(await owner.query('show server_version')).rows[0].server_version}`);
  await viaHttp(ownerUrl, owner, edgePassword);
  await viaSql(owner, 25);
  await viaSql(owner, 1);
  await owner.end();
} finally {
  await server.stop();
}
