// An exception's `details` in words: what the posting rule that held it (db/functions/600-posting-
// rules.sql, ledger_private.check_posting) expected and what came, one sentence each, as i18n keys
// (ls.details.*) with their arguments. Numbers are written as PostgreSQL wrote them (a
// LosslessNumber keeps its text), never through arithmetic here.
import { isLosslessNumber } from 'lossless-json';
import type { Json } from '../lib/json';

export interface Sentence { key: string; args: Record<string, string> }

type Members = { [key: string]: Json };

const isMembers = (value: Json | undefined): value is Members =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);

/** A detail's value as text: strings as they are, numbers as written. */
export const text = (value: Json | undefined): string => (value === null || value === undefined ? '' : typeof value === 'object' && !isLosslessNumber(value) ? JSON.stringify(value) : String(value));

const membersOf = (value: Json | undefined): Members => (isMembers(value) ? value : {});
const listOf = (value: Json | undefined): Members[] => (Array.isArray(value) ? value.filter(isMembers) : []);
const argsOf = (members: Members, names: string[]): Record<string, string> => Object.fromEntries(names.map((n) => [n, text(members[n])]));

export function describeDetails(reasonCode: string, details: Json | undefined): Sentence[] {
  const d = membersOf(details);
  switch (reasonCode) {
    case 'SCHEMA_VALIDATION_FAILED':
      return listOf(d.errors).map((e) => ({ key: 'ls.details.field_error', args: argsOf(e, ['path', 'message']) }));
    case 'DUPLICATE_TRANSACTION':
      return [{ key: 'ls.details.duplicate_transaction', args: argsOf(d, ['store_id', 'txn_id', 'posted_by']) }];
    case 'DUPLICATE_SOURCE_EVENT_ID':
      return [{ key: 'ls.details.duplicate_source_event_id', args: argsOf(d, ['source_system', 'source_event_id', 'posted_by']) }];
    case 'TOTALS_MISMATCH':
      // A reversal's mismatch names no lines: it must reverse what is left of its original.
      return 'lines' in d
        ? [{ key: 'ls.details.totals_mismatch', args: argsOf(d, ['total_amount', 'expected', 'lines', 'tax_amount', 'discount_amount']) }]
        : [{ key: 'ls.details.totals_mismatch_reversal', args: argsOf(d, ['total_amount', 'expected']) }];
    case 'MISSING_REFERENCE':
      return [{ key: 'ls.details.missing_reference', args: argsOf(d, ['original_store_id', 'original_txn_id']) }];
    case 'CURRENCY_MISMATCH':
      return [{ key: 'ls.details.currency_mismatch', args: argsOf(d, ['currency', 'expected', 'original_txn_id']) }];
    case 'ORIGINAL_REVERSED':
      return [{ key: 'ls.details.original_reversed', args: argsOf(d, ['original_txn_id', 'reversed_by']) }];
    case 'CANNOT_EXCEED_ORIGINAL':
      return cannotExceed(d);
    case 'LATE_EVENT_OUTSIDE_WINDOW':
      return [{ key: 'ls.details.late_event', args: argsOf(d, ['store_id', 'business_date']) }];
    default:
      return [];
  }
}

/** The three shapes of CANNOT_EXCEED_ORIGINAL: a return, a correction, a reversal. */
function cannotExceed(d: Members): Sentence[] {
  const original = text(d.original_txn_id);
  const total = membersOf(d.total);
  if ('remaining' in d) return [{ key: 'ls.details.nothing_to_reverse', args: { original, remaining: text(d.remaining) } }];
  if ('corrected' in total) {
    const lines = listOf(d.lines).map((l) => ({ key: 'ls.details.correction_below_returned', args: { original, ...argsOf(l, ['sku', 'corrected', 'returned']) } }));
    return lines.length > 0 ? lines : [{ key: 'ls.details.correction_total_below_returned', args: { original, ...argsOf(total, ['corrected', 'returned']) } }];
  }
  const lines = listOf(d.lines).map((l) => ({ key: 'ls.details.over_return', args: { original, ...argsOf(l, ['returns', 'sku', 'remaining', 'sold', 'returned_before']) } }));
  return lines.length > 0 ? lines : [{ key: 'ls.details.over_return_total', args: { original, ...argsOf(total, ['returns', 'remaining', 'sold', 'returned_before']) } }];
}
