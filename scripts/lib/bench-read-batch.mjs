// Pieces of `npm run bench`: batch ingestion over HTTP, and /v1/health latency on a large Bronze.
import pg from 'pg';
import { benchEnvelope, drive } from './http-bench.mjs';

/** POST /v1/events/batch with `size`-event batches; events/s (answers 200 whose items are all 2xx). */
export async function benchBatch({ url, key, tenant, size = 100, connections = 8, seconds = 10, prefix }) {
  let batch = 0;
  const r = await drive({
    url, path: '/v1/events/batch', key, tenant, connections, seconds, prefix,
    body: () => {
      const b = batch++;
      return `{"events":[${Array.from({ length: size }, (_, i) => benchEnvelope(tenant, `${prefix}-${b}-${i}`)).join(',')}]}`;
    },
  });
  return { ...r, events_per_s: r.requests_per_s * size, batch_size: size };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function timeIt(n, fn) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50_ms: percentile(times, 50), p99_ms: percentile(times, 99), n };
}

/**
 * Grows Bronze to `rows` arrivals of one tenant, as the owner, set-based (a million single
 * ingests would take many minutes): each row is a processed first arrival with its key and the
 * counters moved to match, so ledger.reconcile stays balanced. Each is a one-line sale whose line
 * amount is its total (a well-formed sale, smaller than the bench sale: a million of them).
 */
export async function growBronze(ownerUrl, tenant, rows, log = () => {}) {
  const db = new pg.Client({ connectionString: ownerUrl });
  await db.connect();
  try {
    await db.query('insert into ledger.tenants (tenant_id) values ($1) on conflict do nothing', [tenant]);
    const chunk = 100_000;
    for (let done = 0; done < rows; done += chunk) {
      const n = Math.min(chunk, rows - done);
      await db.query(`
        with made as (
          select nextval('ledger.events_raw_raw_id_seq') as raw_id, $1::text as tenant_id, 'bulk-' || g as key,
                 jsonb_build_object('schema_version', '1.0', 'tenant_id', $1::text, 'store_id', 'store_' || lpad((g % 500)::text, 3, '0'), 'source_system', 'bulk',
                   'event_id', 'bulk-' || g, 'source_event_id', 'src-bulk-' || g, 'event_type', 'SALE', 'occurred_at', '2026-02-25T00:00:00Z',
                   'txn_id', 't' || g, 'currency', 'USD', 'total_amount', 10.5,
                   'line_items', jsonb_build_array(jsonb_build_object('sku', 'SKU-BULK', 'qty', 1, 'amount', 10.5))) as payload
          from generate_series($2::bigint + 1, $2::bigint + $3) g
        ), raw as (
          insert into ledger.events_raw (tenant_id, raw_id, idempotency_key, event_type, payload, fingerprint, attempt, source, result)
          select tenant_id, raw_id, key, 'SALE', payload, ledger_private.fingerprint(payload), 1, 'bulk', 'processed' from made
          returning tenant_id
        )
        insert into ledger.events_processed (tenant_id, idempotency_key, status, event_type, canonical_raw_id, canonical_fingerprint,
          canonical_payload, arrivals, first_seen_at, last_seen_at, updated_at)
        select tenant_id, key, 'processed', 'SALE', raw_id, ledger_private.fingerprint(payload), payload, 1, now(), now(), now() from made`,
        [tenant, done, n]);
      await db.query('select ledger_private.bump_counters($1, p_events_raw => $2, p_processed => $2)', [tenant, n]);
      log(`  Bronze: ${done + n} rows`);
    }
    await db.query('vacuum analyze ledger.events_raw');
    await db.query('vacuum analyze ledger.events_processed');
  } finally {
    await db.end();
  }
}

/** p50/p99 of GET /v1/health with a key (counts) vs `select count(*)` of Bronze, sequentially. */
export async function benchHealth({ url, key, ownerUrl, n = 200 }) {
  const db = new pg.Client({ connectionString: ownerUrl });
  await db.connect();
  try {
    await fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${key}` } });
    const health = await timeIt(n, async () => {
      const r = await fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${key}` } });
      if (!r.ok) throw new Error(`health answered ${r.status}`);
      await r.json();
    });
    const count = await timeIt(Math.max(5, Math.floor(n / 20)), () => db.query('select count(*) from ledger.events_raw'));
    const rows = Number((await db.query('select count(*)::bigint as n from ledger.events_raw')).rows[0].n);
    return { health, count, rows };
  } finally {
    await db.end();
  }
}

/**
 * Search by business fields on a large Bronze, through the console's list functions (what
 * /admin/api/events and /admin/api/idempotency-keys run): one transaction (txn_id), a store's
 * newest page (store_id, 1 in 500 of the rows), and the plan of the Bronze search, which must use
 * its index.
 */
export async function benchSearch({ ownerUrl, n = 100 }) {
  const db = new pg.Client({ connectionString: ownerUrl });
  await db.connect();
  try {
    const rows = Number((await db.query('select count(*)::bigint as n from ledger.events_raw')).rows[0].n);
    const txn = await timeIt(n, () => db.query(`select total from ledger.list_console_events('{"txn_id": "t${Math.floor(rows / 2)}"}', 'id', true, 0, 99)`));
    const store = await timeIt(n, () => db.query(`select total from ledger.list_console_events('{"store_id": "store_042"}', 'id', true, 0, 99)`));
    const keys = await timeIt(n, () => db.query(`select total from ledger.list_console_idempotency_keys('{"store_id": "store_042"}', 'updated_at', true, 0, 99)`));
    const { rows: [plan] } = await db.query(`explain (format json) select r.raw_id from ledger.events_raw r
      where ledger_private.search_terms(r.payload) && array['s:store_042'] order by r.raw_id desc limit 100`);
    const uses = JSON.stringify(plan['QUERY PLAN']).includes('events_raw_search_idx');
    return { rows, txn, store, keys, plan_uses_index: uses };
  } finally {
    await db.end();
  }
}
