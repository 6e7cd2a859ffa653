#!/usr/bin/env node
// `npm run demo`: the POS simulator's demo, replayed against a running Ledger-Safe.
//   LS_URL (default http://127.0.0.1:$PORT or :3000), LS_PRODUCER_KEY, LS_OPERATOR_KEY, LS_TENANT:
//   default to the demo keys in .ledger-safe/credentials.json made by the first `npm start`.
// Each run uses fresh event ids (suffix = a run id) so that it shows the same four outcomes every time.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const home = path.resolve(process.env.LEDGER_SAFE_HOME ?? '.ledger-safe');
const saved = existsSync(path.join(home, 'credentials.json')) ? JSON.parse(readFileSync(path.join(home, 'credentials.json'), 'utf8')) : {};
const url = process.env.LS_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const producer = process.env.LS_PRODUCER_KEY ?? saved.producer_key;
const operator = process.env.LS_OPERATOR_KEY ?? saved.operator_key;
const tenant = process.env.LS_TENANT ?? saved.tenant_id ?? 'tenant_demo';
if (!producer) {
  console.error('No producer key: start the service once (npm start) or set LS_PRODUCER_KEY and LS_TENANT.');
  process.exit(2);
}
const run = process.env.DEMO_RUN ?? Date.now().toString(36);

const sale = (eventId, extra = {}) => ({
  schema_version: '1.0', tenant_id: tenant, store_id: 'store_001', source_system: 'pos_sim', event_id: eventId,
  source_event_id: `src-${eventId}`, event_type: 'SALE', occurred_at: '2026-02-25T00:00:00Z', txn_id: 'txn-9001',
  currency: 'USD', total_amount: 42.5, line_items: [{ sku: 'SKU-AAA', qty: 1, amount: 30.0 }, { sku: 'SKU-BBB', qty: 1, amount: 12.5 }], ...extra,
});

const steps = [
  ['first arrival', sale(`evt-1001-${run}`), 201, 'processed', null],
  ['exact retry', sale(`evt-1001-${run}`), 200, 'duplicate', null],
  ['conflicting duplicate', sale(`evt-1001-${run}`, { total_amount: 41.0 }), 202, 'quarantined', 'IDEMPOTENCY_CONFLICT'],
  ['unknown event type', sale(`evt-1002-${run}`, { event_type: 'MAGIC_EVENT' }), 202, 'quarantined', 'UNKNOWN_EVENT_TYPE'],
];

let failed = 0;
console.log(`Ledger-Safe demo against ${url} (tenant ${tenant}, run ${run})\n`);
for (const [name, body, status, result, reason] of steps) {
  const r = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${producer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await r.json();
  const ok = r.status === status && answer.result === result && answer.reason_code === reason;
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: HTTP ${r.status} ${answer.result}${answer.reason_code ? ` ${answer.reason_code}` : ''} (want ${status} ${result}${reason ? ` ${reason}` : ''})`);
  console.log(`     ${JSON.stringify(answer)}`);
}
const health = await (await fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${operator ?? producer}` } })).json();
console.log(`\nhealth: ${JSON.stringify(health, null, 2)}`);
process.exit(failed ? 1 : 0);
