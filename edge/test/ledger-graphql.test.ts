// Silver and Gold in GraphQL: the tables and ledger.get_daily_sales / get_transaction_text, row-level
// security by tenant, exact amounts (BigFloat is the numeric's own text), within the page bounds.
import { isLosslessNumber, parse } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { envelope } from './support.js';

const PAGE_DEFAULT = 3;
const PAGE_MAX = 5;
const BIG = '12345678901234567890.12';

let h: Harness;
let otherTenant: string;
let otherKey: string;

const exact = (text: string) => parse(text, undefined, (value) => (isLosslessNumber(value) ? value.value : value)) as any;

async function gql(key: string, query: string, variables?: Record<string, unknown>, status = 200) {
  const r = await h.http('POST', '/graphql', { key, body: { query, variables } });
  expect(r.status, r.text).toBe(status);
  return r.json;
}

async function post(key: string, raw: string) {
  const r = await h.http('POST', '/v1/events', { key, raw, headers: { 'content-type': 'application/json' } });
  expect(r.status, r.text).toBe(201);
}

const sale = (tenant: string, id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify(envelope(tenant, id, { store_id: 'store_g', occurred_at: '2026-06-01T10:00:00Z', ...extra }));

beforeAll(async () => {
  h = await startHarness('lgraphql', {}, undefined, { limits: { pageSizeDefault: PAGE_DEFAULT, pageSizeMax: PAGE_MAX } });
  otherTenant = `${h.tenant}_other`;
  otherKey = await h.producerKeyFor(otherTenant);
  for (const n of [1, 2, 3, 4]) await post(h.producerKey, sale(h.tenant, `g-${n}`, { total_amount: n }));
  await post(h.producerKey, JSON.stringify(envelope(h.tenant, 'g-1r', { store_id: 'store_g', occurred_at: '2026-06-01T11:00:00Z', event_type: 'RETURN',
    original_txn_id: 'txn-g-1', total_amount: 1, line_items: [{ sku: 'SKU-AAA', qty: 1, amount: 1 }] })));
  await post(h.producerKey, sale(h.tenant, 'g-big', { occurred_at: '2026-06-02T10:00:00Z', line_items: [{ sku: 'SKU-AAA', qty: 1, amount: 0 }] })
    .replace('"total_amount":42.5', `"total_amount":${BIG}`).replace('"amount":0', `"amount":${BIG}`));
  await post(otherKey, sale(otherTenant, 'g-1', { total_amount: 500 }));
});
afterAll(() => h?.close());

describe('row-level security by tenant', () => {
  test('a producer reads its own tenant\'s Silver and Gold rows only; an operator every tenant\'s', async () => {
    const query = `{ allLedgerTransactions(first: ${PAGE_MAX}) { totalCount nodes { tenantId } }
      allLedgerLineItems(first: ${PAGE_MAX}) { totalCount nodes { tenantId } }
      allLedgerReferences(first: ${PAGE_MAX}) { totalCount nodes { tenantId } }
      allDailySales(first: ${PAGE_MAX}) { nodes { tenantId } }
      allStores(first: ${PAGE_MAX}) { nodes { tenantId } } }`;
    const mine = (await gql(h.producerKey, query)).data;
    const counted = async (table: string, tenant: string) =>
      (await h.owner.query(`select count(*)::int as n from ledger.${table} where tenant_id = $1`, [tenant])).rows[0].n;
    expect(mine.allLedgerTransactions.totalCount).toBe(await counted('ledger_transactions', h.tenant));
    expect(mine.allLedgerLineItems.totalCount).toBe(await counted('ledger_line_items', h.tenant));
    expect(mine.allLedgerReferences.totalCount).toBe(1);
    for (const connection of Object.values(mine) as { nodes: { tenantId: string }[] }[]) {
      expect(connection.nodes.length).toBeGreaterThan(0);
      expect(new Set(connection.nodes.map((n) => n.tenantId))).toEqual(new Set([h.tenant]));
    }
    const theirs = (await gql(otherKey, '{ allLedgerTransactions { totalCount nodes { tenantId txnId } } }')).data;
    expect(theirs.allLedgerTransactions).toEqual({ totalCount: 1, nodes: [{ tenantId: otherTenant, txnId: 'txn-g-1' }] });
    const all = (await gql(h.operatorKey, '{ allLedgerTransactions { totalCount } }')).data;
    expect(all.allLedgerTransactions.totalCount).toBe(await counted('ledger_transactions', h.tenant) + 1);
  });

  test('getDailySales: the producer\'s own tenant by default, another tenant refused as REST refuses it (403)', async () => {
    const own = (await gql(h.producerKey, '{ getDailySales(fromDate: "2026-06-01", toDate: "2026-06-01") { nodes { tenantId netAmount } } }')).data;
    expect(own.getDailySales.nodes).toEqual([{ tenantId: h.tenant, netAmount: '9' }]);
    const refused = await gql(h.producerKey, 'query ($t: String) { getDailySales(tenant: $t) { nodes { tenantId } } }', { t: otherTenant });
    expect(refused.errors[0].extensions).toMatchObject({ code: '42501', status: 403 });
    expect(JSON.stringify(refused)).not.toMatch(/permission denied|ledger_private|select /i);
  });

  test('getTransactionText: another tenant\'s transaction is not there for a producer', async () => {
    const r = await gql(h.producerKey, '{ mine: getTransactionText(storeId: "store_g", txnId: "txn-g-1") }');
    expect(exact(r.data.mine).posted_total).toBe('1');
    const theirs = await gql(otherKey, '{ t: getTransactionText(storeId: "store_g", txnId: "txn-g-2") }');
    expect(theirs.data.t).toBeNull();
    const named = await gql(otherKey, 'query ($t: String) { t: getTransactionText(storeId: "store_g", txnId: "txn-g-2", tenantId: $t) }', { t: h.tenant });
    expect(named.errors[0].extensions).toMatchObject({ status: 403 });
  });
});

describe('exact money', () => {
  test(`${BIG} comes out of Silver, Gold and getTransactionText with every digit, as SQL has it`, async () => {
    const r = (await gql(h.producerKey, `{
      allLedgerTransactions(condition: {idempotencyKey: "g-big"}) { nodes { totalAmount goldAmount lineItems { nodes { amount qty } } } }
      getDailySales(fromDate: "2026-06-02", toDate: "2026-06-02") { nodes { salesAmount netAmount salesCount } }
      getTransactionText(storeId: "store_g", txnId: "txn-g-big") }`)).data;
    expect(r.allLedgerTransactions.nodes).toEqual([{ totalAmount: BIG, goldAmount: BIG, lineItems: { nodes: [{ amount: BIG, qty: '1' }] } }]);
    expect(r.getDailySales.nodes).toEqual([{ salesAmount: BIG, netAmount: BIG, salesCount: '1' }]);
    const { rows } = await h.owner.query("select ledger.get_transaction('store_g', 'txn-g-big', $1)::text as t", [h.tenant]);
    expect(r.getTransactionText).toBe(rows[0].t);
    expect(exact(r.getTransactionText).total).toBe(BIG);
  });

  test('a return\'s reference and lines', async () => {
    const r = (await gql(h.producerKey, `{ allLedgerTransactions(condition: {idempotencyKey: "g-1r"}) {
      nodes { kind totalAmount reference { originalTxnId originalStoreId } lineItems { nodes { sku qty amount } } } } }`)).data;
    expect(r.allLedgerTransactions.nodes).toEqual([{ kind: 'return', totalAmount: '1', reference: { originalTxnId: 'txn-g-1', originalStoreId: 'store_g' },
      lineItems: { nodes: [{ sku: 'SKU-AAA', qty: '1', amount: '1' }] } }]);
  });
});

describe('bounds', () => {
  test('Silver and Gold connections: the default page without first, refused past the largest', async () => {
    const r = (await gql(h.producerKey, '{ allLedgerTransactions { totalCount nodes { postingId } } getDailySales { nodes { businessDate } } }')).data;
    expect(r.allLedgerTransactions.totalCount).toBeGreaterThan(PAGE_DEFAULT);
    expect(r.allLedgerTransactions.nodes).toHaveLength(PAGE_DEFAULT);
    for (const query of [`{ allLedgerTransactions(first: ${PAGE_MAX + 1}) { nodes { postingId } } }`,
      `{ getDailySales(first: ${PAGE_MAX + 1}) { nodes { businessDate } } }`,
      `{ allLedgerTransactions { nodes { lineItems(first: ${PAGE_MAX + 1}) { nodes { sku } } } } }`]) {
      const refused = await gql(h.producerKey, query, undefined, 400);
      expect(refused.errors[0].extensions, query).toMatchObject({ code: 'PAGE_TOO_LARGE', status: 400 });
    }
  });

  test('closeBusinessDay: an operator\'s, audited as REST\'s is; a producer\'s refused (403); twice 409', async () => {
    const CLOSE = 'mutation ($t: String!) { closeBusinessDay(input: {tenantId: $t, businessDate: "2026-06-20", notes: "via GraphQL"}) { result { closedBy notes } } }';
    const refused = await gql(h.producerKey, CLOSE, { t: h.tenant });
    expect(refused.errors[0].extensions).toMatchObject({ status: 403 });
    const closed = await gql(h.operatorKey, CLOSE, { t: h.tenant });
    expect(closed.data.closeBusinessDay.result).toEqual({ closedBy: 'operator:operator-ops', notes: 'via GraphQL' });
    const { rows } = await h.owner.query("select count(*)::int as n from ledger.audit_log where tenant_id = $1 and action = 'business_day.closed'", [h.tenant]);
    expect(rows[0].n).toBe(1);
    const again = await gql(h.operatorKey, CLOSE, { t: h.tenant });
    expect(again.errors[0]).toMatchObject({ message: expect.stringMatching(/already closed/), extensions: { code: '55000', status: 409 } });
  });

  test('Silver is read-only in GraphQL: no mutation writes its tables', async () => {
    const r = (await gql(h.operatorKey, '{ __schema { mutationType { fields { name } } } }')).data;
    const names = r.__schema.mutationType.fields.map((f: { name: string }) => f.name);
    expect(names.filter((n: string) => /ledgerTransaction|ledgerLineItem|ledgerReference|dailySale/i.test(n))).toEqual([]);
  });
});
