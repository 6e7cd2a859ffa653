import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { withDatabase } from '../src/db/embedded.js';
import { projectRoot } from '../src/paths.js';

const TEMPLATE = 'ledger_template';

/** A fresh migrated database of this test file's own, cloned from the template. */
export async function createTestDatabase(prefix: string): Promise<string> {
  const adminUrl = inject('adminUrl');
  const name = `${prefix}_${randomUUID().slice(0, 8)}`.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${pg.escapeIdentifier(name)} template ${TEMPLATE}`);
  } finally {
    await admin.end();
  }
  return withDatabase(adminUrl, name);
}

/**
 * A well-formed sale: its lines add up to its total. Another total without lines gets one line of
 * that amount, so that it stays well-formed for the ledger's rules (as the acceptance check does).
 */
export function envelope(tenantId: string, eventId: string, extra: Record<string, unknown> = {}) {
  const lines = typeof extra.total_amount === 'number' && !('line_items' in extra)
    ? { line_items: [{ sku: 'SKU-AAA', qty: 1, amount: extra.total_amount }] } : {};
  return {
    schema_version: '1.0', tenant_id: tenantId, store_id: 'store_001', source_system: 'pos_sim', event_id: eventId,
    source_event_id: `src-${eventId}`, event_type: 'SALE', occurred_at: '2026-02-25T00:00:00Z', txn_id: `txn-${eventId}`,
    currency: 'USD', total_amount: 42.5,
    line_items: [{ sku: 'SKU-AAA', qty: 1, amount: 30.0 }, { sku: 'SKU-BBB', qty: 1, amount: 12.5 }],
    ...extra, ...lines,
  };
}

/**
 * A well-formed sale as JSON text whose total (and its one line) is `total` as written: digits no
 * JavaScript number holds, trailing zeros.
 */
export function saleText(tenantId: string, eventId: string, total: string): string {
  return JSON.stringify(envelope(tenantId, eventId, { total_amount: 1 }))
    .replace('"total_amount":1,', `"total_amount":${total},`).replace('"amount":1}', `"amount":${total}}`);
}

/** A tenant's health counters beside what count(*) of the tables says: equal when all is well. */
export async function countersAndCounts(db: Pick<pg.Pool, 'query'>, tenant: string): Promise<{ health: unknown; counted: unknown }> {
  const { rows } = await db.query(
    `select ledger.health($1) as health, jsonb_build_object(
       'events_raw', (select count(*) from ledger.events_raw where tenant_id = $1),
       'rejections', (select count(*) from ledger.rejections where tenant_id = $1),
       'exceptions_open', (select count(*) from ledger.exceptions where tenant_id = $1 and status = 'open'),
       'idempotency', jsonb_build_object(
         'processed', (select count(*) from ledger.events_processed where tenant_id = $1 and status = 'processed'),
         'quarantined', (select count(*) from ledger.events_processed where tenant_id = $1 and status = 'quarantined'),
         'ignored', (select count(*) from ledger.events_processed where tenant_id = $1 and status = 'ignored')),
      'postings', (select count(*) from ledger.ledger_transactions where tenant_id = $1 and superseded_by is null)) as counted`,
    [tenant]);
  return rows[0];
}

/** db/tests/helpers.sql (the test-only schema `tests`: failure injection, roles) in a test database, as the owner. */
export async function loadTestHelpers(db: Pick<pg.Pool, 'query'>): Promise<void> {
  await db.query(readFileSync(path.join(projectRoot, 'db/tests/helpers.sql'), 'utf8'));
}
