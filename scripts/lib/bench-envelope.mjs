// The envelopes every benchmark sends: well-formed sales for the ledger (contract v2), so that a
// figure measured today still holds once posting rules run on each processed arrival. Line amounts
// + tax − discount = total_amount, to the cent; a currency of ledger.currencies; txn_id and
// source_event_id as unique as the event id.

/** Line items of the bench sales (the first four unless a count is asked for): amounts in cents, summed exactly. */
const LINES = [
  { sku: 'SKU-AAA-0001', description: 'Espresso beans 1kg', qty: 1, cents: 3000 },
  { sku: 'SKU-BBB-0002', description: 'Oat milk 1l', qty: 2, cents: 2500 },
  { sku: 'SKU-CCC-0003', description: 'Ceramic cup', qty: 1, cents: 2500 },
  { sku: 'SKU-DDD-0004', description: 'Paper filters x100', qty: 1, cents: 1250 },
  { sku: 'SKU-EEE-0005', description: 'Milk jug 350ml', qty: 1, cents: 1899 },
];
const DEFAULT_LINE_COUNT = 4;
const TAX_CENTS = 740;
const DISCOUNT_CENTS = 500;
const totalCents = (lines) => lines.reduce((sum, line) => sum + line.cents, 0) + TAX_CENTS - DISCOUNT_CENTS;

/** Major units as JSON writes them: 9490 cents → 94.9 (an integer over 100 prints as its decimal). */
const major = (cents) => cents / 100;

/** A sale of about 700 bytes; `eventId` makes event_id, source_event_id and txn_id unique. `extra` overrides fields;
 *  `lineCount` (1 to 5) how many line items it has, its total theirs. */
export function saleEnvelope(tenant, eventId, extra = {}, lineCount = DEFAULT_LINE_COUNT) {
  const lines = LINES.slice(0, lineCount);
  return {
    schema_version: '1.0', tenant_id: tenant, store_id: 'store_0042', source_system: 'pos_bench', event_id: eventId,
    source_event_id: `src-${eventId}`, event_type: 'SALE', occurred_at: '2026-02-25T10:15:00Z', txn_id: `txn-${eventId}`,
    currency: 'USD', total_amount: major(totalCents(lines)), tax_amount: major(TAX_CENTS), discount_amount: major(DISCOUNT_CENTS),
    cashier: 'cashier-017', register: 'reg-03',
    line_items: lines.map(({ cents, ...line }) => ({ ...line, amount: major(cents) })),
    payment: { method: 'card', brand: 'visa', last4: '4242' },
    ...extra,
  };
}

/** saleEnvelope as the JSON text a producer sends. */
export const saleText = (tenant, eventId, extra, lineCount) => JSON.stringify(saleEnvelope(tenant, eventId, extra, lineCount));

