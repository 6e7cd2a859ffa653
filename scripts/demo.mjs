#!/usr/bin/env node
// `npm run demo`: the POS simulator's demo, replayed against a running Ledger-Safe, then a day of the
// ledger: a sale, a partial return, an over-return, a return that arrives before its sale and heals
// when the sale posts, a void, a correction and a basket that does not add up; then the
// transaction as it stands and the day's net sales (Gold, ledger.get_daily_sales behind
// GET /v1/sales/daily).
//   LS_URL (default http://127.0.0.1:$PORT or :3000), LS_PRODUCER_KEY, LS_OPERATOR_KEY, LS_TENANT:
//   default to the demo keys in .ledger-safe/credentials.json made by the first `npm start`.
// Each run uses fresh event ids, txn ids and its own store (suffix = a run id) so that it shows the
// same outcomes and the same day every time.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'lossless-json';

const home = path.resolve(process.env.LEDGER_SAFE_HOME ?? '.ledger-safe');
const saved = existsSync(path.join(home, 'credentials.json')) ? JSON.parse(readFileSync(path.join(home, 'credentials.json'), 'utf8')) : {};
const url = process.env.LS_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const producer = process.env.LS_PRODUCER_KEY ?? saved.producer_key;
const operator = process.env.LS_OPERATOR_KEY ?? saved.operator_key;
const tenant = process.env.LS_TENANT ?? saved.tenant_id ?? 'tenant_demo';
if (!producer || !operator) {
  console.error('No producer or operator key: start the service once (npm start) or set LS_PRODUCER_KEY, LS_OPERATOR_KEY and LS_TENANT.');
  process.exit(2);
}
const run = process.env.DEMO_RUN ?? Date.now().toString(36);

const sale = (eventId, extra = {}) => ({
  schema_version: '1.0', tenant_id: tenant, store_id: 'store_001', source_system: 'pos_sim', event_id: eventId,
  source_event_id: `src-${eventId}`, event_type: 'SALE', occurred_at: '2026-02-25T00:00:00Z', txn_id: `txn-9001-${run}`,
  currency: 'USD', total_amount: 42.5, line_items: [{ sku: 'SKU-AAA', qty: 1, amount: 30.0 }, { sku: 'SKU-BBB', qty: 1, amount: 12.5 }], ...extra,
});

// The ledger's day: one store of this run, 25 February 2026.
const store = `store-${run}`;
const day = '2026-02-25';
const posting = (name, eventType, txn, fields) => ({
  schema_version: '1.0', tenant_id: tenant, store_id: store, source_system: 'pos_sim', event_id: `evt-${name}-${run}`,
  source_event_id: `src-${name}-${run}`, event_type: eventType, occurred_at: `${day}T14:00:00Z`, txn_id: `${txn}-${run}`,
  currency: 'USD', ...fields,
});
const ofSale = (original) => ({ original_txn_id: `${original}-${run}` });

const steps = [
  ['first arrival', sale(`evt-1001-${run}`), 201, 'processed', null],
  ['exact retry', sale(`evt-1001-${run}`), 200, 'duplicate', null],
  ['conflicting duplicate', sale(`evt-1001-${run}`, { total_amount: 41.0 }), 202, 'quarantined', 'IDEMPOTENCY_CONFLICT'],
  ['unknown event type', sale(`evt-1002-${run}`, { event_type: 'MAGIC_EVENT' }), 202, 'quarantined', 'UNKNOWN_EVENT_TYPE'],
  ['ledger: sale T1 (2 x SKU-AAA 30.00, 1 x SKU-BBB 12.50)', posting('t1', 'SALE', 'T1',
    { total_amount: 42.5, line_items: [{ sku: 'SKU-AAA', qty: 2, amount: 30.0 }, { sku: 'SKU-BBB', qty: 1, amount: 12.5 }] }), 201, 'processed', null],
  ['ledger: partial return of T1 (1 x SKU-AAA 15.00)', posting('r1', 'RETURN', 'R1',
    { ...ofSale('T1'), total_amount: 15.0, line_items: [{ sku: 'SKU-AAA', qty: 1, amount: 15.0 }] }), 201, 'processed', null],
  ['ledger: over-return of T1 (2 x SKU-AAA, 1 left to return)', posting('r2', 'RETURN', 'R2',
    { ...ofSale('T1'), total_amount: 30.0, line_items: [{ sku: 'SKU-AAA', qty: 2, amount: 30.0 }] }), 202, 'quarantined', 'CANNOT_EXCEED_ORIGINAL'],
  ['ledger: return of T2 before T2 arrives', posting('r3', 'RETURN', 'R3',
    { ...ofSale('T2'), total_amount: 8.0, line_items: [{ sku: 'SKU-CCC', qty: 1, amount: 8.0 }] }), 202, 'quarantined', 'MISSING_REFERENCE'],
  ['ledger: sale T2 arrives (1 x SKU-CCC 8.00, 2 x SKU-DDD 20.00)', posting('t2', 'SALE', 'T2',
    { total_amount: 28.0, line_items: [{ sku: 'SKU-CCC', qty: 1, amount: 8.0 }, { sku: 'SKU-DDD', qty: 2, amount: 20.0 }] }), 201, 'processed', null],
  ['ledger: sale T3 (1 x SKU-EEE 12.00)', posting('t3', 'SALE', 'T3',
    { total_amount: 12.0, line_items: [{ sku: 'SKU-EEE', qty: 1, amount: 12.0 }] }), 201, 'processed', null],
  ['ledger: void of T3', posting('v3', 'VOID', 'V3', ofSale('T3')), 201, 'processed', null],
  ['ledger: correction of T1 (SKU-BBB was 10.00, not 12.50)', posting('c1', 'CORRECTION', 'C1',
    { ...ofSale('T1'), total_amount: 40.0, line_items: [{ sku: 'SKU-AAA', qty: 2, amount: 30.0 }, { sku: 'SKU-BBB', qty: 1, amount: 10.0 }] }), 201, 'processed', null],
  ['ledger: basket whose lines (15.00) do not make its total (16.00)', posting('t4', 'SALE', 'T4',
    { total_amount: 16.0, line_items: [{ sku: 'SKU-AAA', qty: 1, amount: 10.0 }, { sku: 'SKU-FFF', qty: 1, amount: 5.0 }] }), 202, 'quarantined', 'TOTALS_MISMATCH'],
];

/** GET as `key`: the answer parsed with every number kept as written (PostgreSQL's numeric text). */
async function read(pathAndQuery, key) {
  const r = await fetch(`${url}${pathAndQuery}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, body: parse(await r.text()) };
}

let failed = 0;
const check = (ok, line) => {
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
};

console.log(`Ledger-Safe demo against ${url} (tenant ${tenant}, run ${run})\n`);
const answers = {};
for (const [name, body, status, result, reason] of steps) {
  const r = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${producer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await r.json();
  answers[body.event_id] = answer;
  check(r.status === status && answer.result === result && answer.reason_code === reason,
    `${name}: HTTP ${r.status} ${answer.result}${answer.reason_code ? ` ${answer.reason_code}` : ''} (want ${status} ${result}${reason ? ` ${reason}` : ''})`);
  console.log(`     ${JSON.stringify(answer)}`);
  if (answer.exception_id && body.store_id === store) {
    const { body: detail } = await read(`/v1/exceptions/${answer.exception_id}`, operator);
    console.log(`     details: ${JSON.stringify(detail.exception?.details)}`);
  }
}

// The return that came before its sale waited on it: the sale's posting replayed it.
const early = (await read(`/v1/exceptions/${answers[`evt-r3-${run}`].exception_id}`, operator)).body.exception;
check(early?.status === 'resolved' && early?.resolution_action === 'auto_replay',
  `the early return healed when T2 posted: exception ${early?.status}, ${early?.resolution_action} by ${early?.resolved_by} (want resolved, auto_replay)`);

const t1 = (await read(`/v1/transactions/${store}/T1-${run}?tenant_id=${encodeURIComponent(tenant)}`, operator)).body;
console.log(`\ntransaction T1 as it stands: total ${t1.total}, returned ${t1.returned_total}, left ${t1.remaining_total}; ` +
  `lines ${t1.lines.map((l) => `${l.sku} ${l.qty} x ${l.amount} (returned ${l.returned})`).join(', ')}; ${t1.timeline.length} postings in its timeline`);

const sales = (await read(`/v1/sales/daily?tenant_id=${encodeURIComponent(tenant)}&store_id=${store}&from=${day}&to=${day}`, operator)).body.items;
const net = sales[0];
console.log(`\nnet sales of ${store} on ${day}: ${net?.net_amount} ${net?.currency} = sales ${net?.sales_amount} (${net?.sales_count}) - returns ${net?.returns_amount} (${net?.returns_count})` +
  ` + corrections ${net?.corrections_amount} (${net?.corrections_count}) - voids ${net?.reversals_amount} (${net?.reversals_count})`);
check(Number(String(net?.net_amount)) === 45, `the day's net sales are 42.50 + 28.00 + 12.00 - 15.00 - 8.00 - 2.50 - 12.00 = 45.00 (got ${net?.net_amount})`);

const health = await (await fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${operator}` } })).json();
console.log(`\nhealth: ${JSON.stringify(health, null, 2)}`);
process.exit(failed ? 1 : 0);
