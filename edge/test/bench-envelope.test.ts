// The benchmarks' sale is a well-formed sale for the ledger (contract v2): its figures must hold
// once posting rules run, so a bench envelope whose lines do not add up to its total (as one did:
// lines of 80 and a total of 92.5) would be measuring the quarantine path instead.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error: a plain ESM script of the benchmarks
import { saleEnvelope, saleText } from '../../scripts/lib/bench-envelope.mjs';
import { createTestDatabase } from './support.js';

/** A JSON number's text in minor units (cents), exactly, or null when it has more than two decimals. */
function cents(numberText: string): bigint | null {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(numberText);
  if (!m) return null;
  const value = BigInt(m[2]) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -value : value;
}

/** The amounts as written in the text a producer sends, not as floats. */
function amountsOf(text: string) {
  const field = (name: string) => [...text.matchAll(new RegExp(`"${name}":(-?[0-9.eE+]+)`, 'g'))].map((m) => m[1]);
  return { total: field('total_amount'), tax: field('tax_amount'), discount: field('discount_amount'), lines: field('amount') };
}

describe('the bench sale', () => {
  test.each([undefined, 2, 3, 4, 5])('line amounts + tax − discount = total_amount, to the cent, in a known currency (%s lines)', (lineCount) => {
    const text: string = saleText('bench', 'evt-1', {}, lineCount);
    const { total, tax, discount, lines } = amountsOf(text);
    expect(total).toHaveLength(1);
    expect(lines.length).toBe(lineCount ?? 4);
    const all = [...total, ...tax, ...discount, ...lines].map(cents);
    expect(all.every((c) => c !== null && c >= 0n)).toBe(true);
    const sum = lines.map(cents).reduce((a, b) => a! + b!, 0n)!;
    expect(sum + (cents(tax[0] ?? '0') ?? 0n) - (cents(discount[0] ?? '0') ?? 0n)).toBe(cents(total[0]));
    const sale = JSON.parse(text);
    expect(sale.currency).toBe('USD');
    expect(sale.event_type).toBe('SALE');
    for (const line of sale.line_items) expect(line.qty).toBeGreaterThan(0);
  });

  test('txn_id and source_event_id are as unique as the event id', () => {
    const sales = Array.from({ length: 50 }, (_, i) => saleEnvelope('bench', `evt-${i}`));
    expect(new Set(sales.map((s) => s.txn_id)).size).toBe(50);
    expect(new Set(sales.map((s) => s.source_event_id)).size).toBe(50);
  });

  describe('in PostgreSQL', () => {
    let db: pg.Client;
    beforeAll(async () => {
      db = new pg.Client({ connectionString: await createTestDatabase('bench_envelope') });
      await db.connect();
      await db.query("insert into ledger.tenants (tenant_id) values ('bench')");
    });
    afterAll(async () => {
      await db?.end();
    });

    test('a batch of bench sales (2 to 5 lines) is processed whole, each its own key', async () => {
      const batch = `[${Array.from({ length: 20 }, (_, i) => saleText('bench', `b-${i}`, {}, 2 + (i % 4))).join(',')}]`;
      const { rows } = await db.query('select status, result from ledger.ingest_events($1::jsonb)', [batch]);
      expect(rows).toHaveLength(20);
      expect(rows.every((r) => r.status === 201 && r.result === 'processed')).toBe(true);
    });
  });
});
