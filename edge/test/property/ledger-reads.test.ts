// Differential property over the ledger's reads: a random small stream of sales and returns (amounts
// past what a double holds, returns within and beyond what is left) sent to a fresh tenant, then
// read back three ways: REST (GET /v1/sales/daily, GET /v1/transactions/...), GraphQL
// (getDailySales, getTransactionText) and SQL (ledger.get_daily_sales, ledger.get_transaction).
// The three must give the same digits, and those must be what a model of the stream says.
import fc from 'fast-check';
import { isLosslessNumber, parse } from 'lossless-json';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startHarness, type Harness } from '../harness.js';
import { envelope } from '../support.js';
import { JSON_HEADERS } from './drivers.js';
import { freshTenant } from './model.js';
import { runs, Tally, testTimeoutMs } from './settings.js';

const RUNS = 10;
const STORE = 'store_p';
const DAYS = ['2026-07-01', '2026-07-02', '2026-07-03'];
const SKUS = ['A', 'B', 'C'];

let h: Harness;
beforeAll(async () => { h = await startHarness('prop_ledger_reads'); });
afterAll(() => h?.close());

interface Line { sku: string; qty: number; unitCents: bigint }
interface Sale { day: number; lines: Line[] }
/** `line` picks one of the sale's lines; null returns Z, which was never sold. */
interface Return { sale: number; line: number | null; qty: number; day: number }

const saleArb: fc.Arbitrary<Sale> = fc.record({
  day: fc.nat({ max: DAYS.length - 1 }),
  lines: fc.uniqueArray(fc.record({ sku: fc.constantFrom(...SKUS), qty: fc.integer({ min: 1, max: 3 }), unitCents: fc.bigInt({ min: 1n, max: 10n ** 20n }) }),
    { minLength: 1, maxLength: 3, selector: (l) => l.sku }),
});
const returnArb: fc.Arbitrary<Return> = fc.record({
  sale: fc.nat(), line: fc.option(fc.nat(), { freq: 6 }), qty: fc.integer({ min: 1, max: 2 }), day: fc.nat({ max: DAYS.length - 1 }),
});

const money = (cents: bigint) => `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;

/** A decimal's text as an exact number of cents (amounts here have at most 2 decimals). */
function cents(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace(/^-/, '').split('.');
  expect(fraction.length, text).toBeLessThanOrEqual(2);
  const magnitude = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  return negative ? -magnitude : magnitude;
}

const exact = (text: string) => parse(text, undefined, (value) => (isLosslessNumber(value) ? value.value : value)) as any;

/** An envelope's text with its amounts as JSON numbers of exactly these digits. */
function envelopeText(fields: Record<string, unknown>, tenant: string, id: string): string {
  return JSON.stringify(envelope(tenant, id, { store_id: STORE, ...fields })).replace(/"#([0-9.]+)"/g, '$1');
}

interface DayModel { sales: number; salesCents: bigint; returns: number; returnsCents: bigint }

const COLUMNS = ['business_date', 'currency', 'sales_count', 'sales_amount', 'returns_count', 'returns_amount', 'corrections_count',
  'corrections_amount', 'reversals_count', 'reversals_amount', 'net_amount'];
const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

test('REST, GraphQL and SQL read the same exact Gold and Silver, and it is what the stream makes', async () => {
  const tally = new Tally('ledger reads: returns', ['posted', 'held CANNOT_EXCEED_ORIGINAL']);
  await fc.assert(fc.asyncProperty(fc.array(saleArb, { minLength: 1, maxLength: 4 }), fc.array(returnArb, { maxLength: 5 }), async (sales, returns) => {
    const tenant = freshTenant('ledger_reads');
    const key = await h.producerKeyFor(tenant);
    const days = DAYS.map((): DayModel => ({ sales: 0, salesCents: 0n, returns: 0, returnsCents: 0n }));
    const returned = sales.map(() => new Map<string, number>());

    for (const [i, sale] of sales.entries()) {
      const total = sale.lines.reduce((sum, l) => sum + BigInt(l.qty) * l.unitCents, 0n);
      const text = envelopeText({ occurred_at: `${DAYS[sale.day]}T12:00:00Z`, total_amount: `#${money(total)}`,
        line_items: sale.lines.map((l) => ({ sku: l.sku, qty: l.qty, amount: `#${money(BigInt(l.qty) * l.unitCents)}` })) }, tenant, `s${i}`);
      const r = await h.http('POST', '/v1/events', { key, raw: text, headers: JSON_HEADERS });
      expect(r.status, r.text).toBe(201);
      days[sale.day].sales += 1;
      days[sale.day].salesCents += total;
    }
    for (const [i, ret] of returns.entries()) {
      const target = ret.sale % sales.length;
      const line = ret.line === null ? undefined : sales[target].lines[ret.line % sales[target].lines.length];
      const sku = line?.sku ?? 'Z';
      const left = line ? line.qty - (returned[target].get(sku) ?? 0) : 0;
      const amount = BigInt(ret.qty) * (line?.unitCents ?? 1n);
      const text = envelopeText({ event_type: 'RETURN', original_txn_id: `txn-s${target}`, occurred_at: `${DAYS[ret.day]}T15:00:00Z`,
        total_amount: `#${money(amount)}`, line_items: [{ sku, qty: ret.qty, amount: `#${money(amount)}` }] }, tenant, `r${i}`);
      const r = await h.http('POST', '/v1/events', { key, raw: text, headers: JSON_HEADERS });
      if (ret.qty <= left) {
        expect(r.status, r.text).toBe(201);
        returned[target].set(sku, (returned[target].get(sku) ?? 0) + ret.qty);
        days[ret.day].returns += 1;
        days[ret.day].returnsCents += amount;
        tally.add('posted');
      } else {
        expect(r.status, r.text).toBe(202);
        expect(r.json.reason_code).toBe('CANNOT_EXCEED_ORIGINAL');
        tally.add('held CANNOT_EXCEED_ORIGINAL');
      }
    }

    // Gold, three ways, as text.
    const rest = await h.http('GET', `/v1/sales/daily?store_id=${STORE}&from=${DAYS[0]}&to=${DAYS[DAYS.length - 1]}`, { key });
    expect(rest.status, rest.text).toBe(200);
    const restRows = exact(rest.text).items.map((d: any) => COLUMNS.map((c) => d[c]));
    const graphql = await h.http('POST', '/graphql', { key, body: {
      query: `query ($s: String, $f: Date, $t: Date) { getDailySales(store: $s, fromDate: $f, toDate: $t) { nodes { ${COLUMNS.map(camel).join(' ')} } } }`,
      variables: { s: STORE, f: DAYS[0], t: DAYS[DAYS.length - 1] } } });
    expect(graphql.status, graphql.text).toBe(200);
    const graphqlRows = graphql.json.data.getDailySales.nodes.map((d: any) => COLUMNS.map((c) => d[camel(c)]));
    const { rows: sqlRows } = await h.owner.query({
      text: `select ${COLUMNS.map((c) => `${c}::text`).join(', ')} from ledger.get_daily_sales($1, $2, $3, $4)`,
      values: [tenant, STORE, DAYS[0], DAYS[DAYS.length - 1]], rowMode: 'array' });
    expect(restRows).toEqual(sqlRows);
    expect(graphqlRows).toEqual(sqlRows);

    const expected = days.flatMap((d, i) => (d.sales + d.returns === 0 ? [] : [[DAYS[i], d.sales, d.salesCents, d.returns, d.returnsCents, d.salesCents - d.returnsCents]]));
    expect(sqlRows.map((r: string[]) => [r[0], Number(r[2]), cents(r[3]), Number(r[4]), cents(r[5]), cents(r[10])])).toEqual(expected);

    // Silver: each sale as it stands, three ways, and its returned quantities as the model has them.
    for (const [i, sale] of sales.entries()) {
      const byRest = await h.http('GET', `/v1/transactions/${STORE}/txn-s${i}`, { key });
      expect(byRest.status, byRest.text).toBe(200);
      const byGraphql = await h.http('POST', '/graphql', { key, body: { query: `{ t: getTransactionText(storeId: "${STORE}", txnId: "txn-s${i}") }` } });
      const { rows } = await h.owner.query('select ledger.get_transaction($1, $2, $3)::text as t', [STORE, `txn-s${i}`, tenant]);
      const transaction = exact(rows[0].t);
      expect(exact(byRest.text)).toEqual(transaction);
      expect(exact(byGraphql.json.data.t)).toEqual(transaction);
      expect(transaction.lines.map((l: any) => [l.sku, Number(l.returned)])).toEqual(sale.lines.map((l) => [l.sku, returned[i].get(l.sku) ?? 0]));
      const returnedCents = sale.lines.reduce((sum, l) => sum + BigInt(returned[i].get(l.sku) ?? 0) * l.unitCents, 0n);
      expect(cents(transaction.returned_total)).toBe(returnedCents);
    }
  }), runs(RUNS));
  tally.report();
}, testTimeoutMs(RUNS));
