// JSON helpers of the console: exact parsing and writing (numbers as PostgreSQL and the operator
// wrote them), RFC 7396 merge patch (as ledger_private.merge_patch applies it, for the resolve
// dialog's preview) and a field-level diff of two payloads.
import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';

/** A number that a double would change (12345678901234567890123.45, 40.0, 1E+2) stays a LosslessNumber holding its text. */
export type Json = null | boolean | number | LosslessNumber | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);

/** A number is a JS number only when it reads back as the same text; any other keeps its text. */
const exactNumber = (text: string): number | LosslessNumber => (String(Number(text)) === text ? Number(text) : new LosslessNumber(text));

/**
 * JSON text → values, losing no digit. A repeated member keeps its last value, as PostgreSQL's
 * jsonb does. Throws a SyntaxError on text that is not JSON.
 */
export function parseExact(text: string): Json {
  return parse(text, null, { parseNumber: exactNumber, onDuplicateKey: ({ newValue }) => newValue }) as Json;
}

/** Values → JSON text, each LosslessNumber written as the text it holds. */
export function toJsonText(value: Json | undefined, indent?: number): string {
  return value === undefined ? '' : (stringify(value, null, indent) ?? '');
}

/** RFC 7396: objects merge member by member, null removes, anything else replaces. */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

export type Change = 'same' | 'changed' | 'added' | 'removed';

export interface DiffRow {
  /** Where the value sits, e.g. `line_items[0].amount`. */
  path: string;
  change: Change;
  before?: Json;
  after?: Json;
}

/** Every leaf of a JSON value by path; empty objects and arrays are leaves. */
export function leaves(value: Json | undefined, prefix = ''): Map<string, Json> {
  const out = new Map<string, Json>();
  const walk = (v: Json, path: string) => {
    if (Array.isArray(v) && v.length > 0) v.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (isObject(v) && Object.keys(v).length > 0) {
      for (const [key, item] of Object.entries(v)) walk(item, path ? `${path}.${key}` : key);
    } else out.set(path, v);
  };
  if (value !== undefined) walk(value, prefix);
  return out;
}

const sameJson = (a: Json | undefined, b: Json | undefined) => toJsonText(a) === toJsonText(b);

/** Field-level diff: rows in the order of `before`, then the fields only `after` has. */
export function diff(before: Json | undefined, after: Json | undefined): DiffRow[] {
  const a = leaves(before);
  const b = leaves(after);
  const rows: DiffRow[] = [];
  for (const [path, value] of a) {
    if (!b.has(path)) rows.push({ path, change: 'removed', before: value });
    else rows.push({ path, change: sameJson(value, b.get(path)) ? 'same' : 'changed', before: value, after: b.get(path) });
  }
  for (const [path, value] of b) if (!a.has(path)) rows.push({ path, change: 'added', after: value });
  return rows;
}

export function countChanges(rows: DiffRow[]): Record<Exclude<Change, 'same'>, number> {
  return {
    changed: rows.filter((r) => r.change === 'changed').length,
    added: rows.filter((r) => r.change === 'added').length,
    removed: rows.filter((r) => r.change === 'removed').length,
  };
}

/**
 * A merge patch typed by an operator: the object it is (for the preview) and its text, trimmed, to
 * send as typed; or the reason it is not one. Nothing typed is `{}`.
 */
export function parsePatch(text: string | undefined): { patch: Json; text: string } | { error: string } {
  if (!text || text.trim() === '') return { patch: {}, text: '{}' };
  try {
    const patch = parseExact(text);
    return isObject(patch) ? { patch, text: text.trim() } : { error: 'not_object' };
  } catch {
    return { error: 'not_json' };
  }
}

export const showJson = (value: Json | undefined) => toJsonText(value);

/** The envelope's members in the order the contract lists them, then the others (and nested
 * members) by name: jsonb keeps keys by length, which reads badly. */
const ENVELOPE_ORDER = ['schema_version', 'tenant_id', 'store_id', 'source_system', 'event_id', 'source_event_id', 'event_type',
  'occurred_at', 'txn_id', 'currency', 'total_amount', 'line_items'];

export function envelopeOrder(value: Json | undefined, top = true): Json | undefined {
  if (Array.isArray(value)) return value.map((item) => envelopeOrder(item, false) as Json);
  if (!isObject(value)) return value;
  const rank = (key: string) => {
    const i = top ? ENVELOPE_ORDER.indexOf(key) : -1;
    return i === -1 ? ENVELOPE_ORDER.length : i;
  };
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((key) => [key, envelopeOrder(value[key], false) as Json]));
}
