// Each posting rule's details (db/functions/600-posting-rules.sql) in words, numbers as written.
import { describe, expect, test } from 'vitest';
import { messages } from '../i18n';
import { parseExact } from '../lib/json';
import { describeDetails } from './details';

const translated = new Set<string>();
const translation = (key: string) => key.split('.').reduce<any>((at, part) => at?.[part], messages);
/** What the rule says, each sentence checked to have its translation (the browser tests fail on a missing one). */
const said = (reason: string, details: string) => {
  const sentences = describeDetails(reason, parseExact(details));
  for (const { key } of sentences) {
    expect(typeof translation(key), key).toBe('string');
    translated.add(key);
  }
  return sentences;
};

describe('describeDetails', () => {
  test('an over-return: per sku, what it returns and what is left', () => {
    expect(said('CANNOT_EXCEED_ORIGINAL', `{"original_txn_id": "S1", "lines": [{"sku": "SKU-AAA", "sold": 4, "returned_before": 3, "returns": 3, "remaining": 1}],
      "total": {"sold": 40.00, "returned_before": 30.00, "returns": 30.00, "remaining": 10.00}}`)).toEqual([{ key: 'ls.details.over_return',
      args: { original: 'S1', returns: '3', sku: 'SKU-AAA', remaining: '1', sold: '4', returned_before: '3' } }]);
  });

  test('an over-return in total only, its amounts as PostgreSQL wrote them', () => {
    expect(said('CANNOT_EXCEED_ORIGINAL', `{"original_txn_id": "S1", "lines": [], "total": {"sold": 40.10, "returned_before": 0, "returns": 12345678901234567890.10, "remaining": 40.10}}`))
      .toEqual([{ key: 'ls.details.over_return_total', args: { original: 'S1', returns: '12345678901234567890.10', remaining: '40.10', sold: '40.10', returned_before: '0' } }]);
  });

  test('a correction below what was returned, and a void of nothing left', () => {
    expect(said('CANNOT_EXCEED_ORIGINAL', `{"original_txn_id": "S1", "message": "m", "lines": [{"sku": "A", "returned": 2, "corrected": 1}], "total": {"returned": 20, "corrected": 30}}`))
      .toEqual([{ key: 'ls.details.correction_below_returned', args: { original: 'S1', sku: 'A', corrected: '1', returned: '2' } }]);
    expect(said('CANNOT_EXCEED_ORIGINAL', `{"original_txn_id": "S1", "message": "m", "lines": [], "total": {"returned": 20.00, "corrected": 10.50}}`))
      .toEqual([{ key: 'ls.details.correction_total_below_returned', args: { original: 'S1', corrected: '10.50', returned: '20.00' } }]);
    expect(said('CANNOT_EXCEED_ORIGINAL', '{"original_txn_id": "S1", "message": "m", "remaining": 0.00}'))
      .toEqual([{ key: 'ls.details.nothing_to_reverse', args: { original: 'S1', remaining: '0.00' } }]);
  });

  test('every other rule of the ledger says its own sentence', () => {
    const keys = (reason: string, details: string) => said(reason, details).map((s) => s.key);
    expect(keys('SCHEMA_VALIDATION_FAILED', '{"errors": [{"path": "currency", "message": "is required"}, {"path": "line_items.0.qty", "message": "must be above zero"}]}'))
      .toEqual(['ls.details.field_error', 'ls.details.field_error']);
    expect(keys('DUPLICATE_TRANSACTION', '{"store_id": "s", "txn_id": "t", "posted_by": "k"}')).toEqual(['ls.details.duplicate_transaction']);
    expect(keys('DUPLICATE_SOURCE_EVENT_ID', '{"source_system": "pos", "source_event_id": "e", "posted_by": "k"}')).toEqual(['ls.details.duplicate_source_event_id']);
    expect(said('TOTALS_MISMATCH', '{"expected": 43.00, "total_amount": 50, "lines": 40.00, "tax_amount": 5, "discount_amount": 2}')[0].args)
      .toEqual({ total_amount: '50', expected: '43.00', lines: '40.00', tax_amount: '5', discount_amount: '2' });
    expect(keys('TOTALS_MISMATCH', '{"expected": 10, "total_amount": 12, "message": "m"}')).toEqual(['ls.details.totals_mismatch_reversal']);
    expect(keys('MISSING_REFERENCE', '{"original_store_id": "s", "original_txn_id": "t", "message": "m"}')).toEqual(['ls.details.missing_reference']);
    expect(keys('CURRENCY_MISMATCH', '{"expected": "USD", "currency": "EUR", "original_txn_id": "t"}')).toEqual(['ls.details.currency_mismatch']);
    expect(keys('ORIGINAL_REVERSED', '{"original_txn_id": "t", "reversed_by": 12}')).toEqual(['ls.details.original_reversed']);
    expect(said('LATE_EVENT_OUTSIDE_WINDOW', '{"store_id": "s", "business_date": "2026-02-25", "message": "m"}'))
      .toEqual([{ key: 'ls.details.late_event', args: { store_id: 's', business_date: '2026-02-25' } }]);
    expect(said('IDEMPOTENCY_CONFLICT', '{"a": 1}')).toEqual([]);
  });

  test('every sentence was translated', () => {
    expect(translated.size).toBe(Object.keys(messages.ls.details).filter((k) => !['title', 'none', 'open_transaction', 'open_original'].includes(k)).length);
  });
});
