// A model of the contract's outcome table, of resolution and of assignment, in plain TypeScript,
// and a runner that plays a random plan (arrivals, arrivals whose processing fails, refused
// envelopes, resolutions, assignments over a few keys) against the real thing (the SQL functions
// or the HTTP routes, through a Driver) and compares, after every step, the answer and the whole
// state of the tenant: every Bronze row (result, reason code, attempt, exception, payload text,
// fingerprint), every key, every exception, every audit row (action, actor, before and after),
// the rejections, and the health counters against count(*).
import fc from 'fast-check';
import { expect } from 'vitest';
import { envelope } from '../support.js';
import { fingerprint, isMap, jsonbText, member, mergePatch, Num, parse, stringify, type LJson } from './json.js';
import { Tally } from './settings.js';

export const KEYS = ['k0', 'k1', 'k2'];
export const UNKNOWN_EXCEPTION = '00000000-0000-4000-8000-000000000000';
const ALLOWED = new Set(['SALE', 'RETURN', 'CORRECTION', 'CANCEL', 'VOID']);

/** The members of a valid envelope as JSON texts, in the order a POS sends them. */
function members(tenant: string, eventId: string): [string, string][] {
  return Object.entries(envelope(tenant, eventId)).map(([k, v]) => [JSON.stringify(k), JSON.stringify(v)]);
}
const write = (list: [string, string][], space = '') => `{${list.map(([k, v]) => `${k}:${space}${v}`).join(`,${space}`)}}`;
const replaced = (list: [string, string][], name: string, text: string): [string, string][] =>
  list.map(([k, v]) => [k, k === JSON.stringify(name) ? text : v]);

/** Another total with one line of that amount, so that the sale still adds up (a posting rule checks it). */
const amounts = (list: [string, string][], total: string): [string, string][] =>
  replaced(replaced(list, 'total_amount', total), 'line_items', `[{"sku":"SKU-AAA","qty":1,"amount":${total}}]`);

export interface Variant {
  name: string;
  text(tenant: string, eventId: string): string;
  /** Refused before it is an arrival: invalid (22023 / 422) or another tenant's (42501 / 403). */
  refusal?: 'invalid' | 'forbidden';
  /** Tells apart numbers a double cannot (digits past 17, trailing zeros): what GraphQL's JSON input loses. */
  exactDigits?: boolean;
  /** How much more often than 1 it is drawn. */
  weight?: number;
}

/**
 * Payloads of one key. Equal jsonb values are duplicates whatever their text (member order, white
 * space, escapes, a repeated member name whose last value wins); anything else conflicts.
 */
export const VARIANTS: Variant[] = [
  { name: 'base', weight: 4, text: (t, id) => write(members(t, id)) },
  { name: 'base, members reversed and spaced', text: (t, id) => write(members(t, id).reverse(), ' ') },
  { name: 'base, total_amount repeated (last wins)', text: (t, id) => write([['"total_amount"', '1'], ...members(t, id)]) },
  { name: 'total_amount 42.50', exactDigits: true, text: (t, id) => write(replaced(members(t, id), 'total_amount', '42.50')) },
  { name: 'total_amount 40.0', exactDigits: true, text: (t, id) => write(amounts(members(t, id), '40.0')) },
  { name: 'total_amount …23.45', exactDigits: true, text: (t, id) => write(amounts(members(t, id), '12345678901234567890123.45')) },
  { name: 'total_amount …23.46', exactDigits: true, text: (t, id) => write(amounts(members(t, id), '12345678901234567890123.46')) },
  // The lines (30.0 + 12.5) no longer add up to the total: a posting rule quarantines it.
  { name: 'total_amount 41, lines unchanged', text: (t, id) => write(replaced(members(t, id), 'total_amount', '41')) },
  { name: 'store_id store_002', text: (t, id) => write(replaced(members(t, id), 'store_id', '"store_002"')) },
  { name: 'event_type sale', text: (t, id) => write(replaced(members(t, id), 'event_type', '"sale"')) },
  { name: 'event_type MAGIC', weight: 2, text: (t, id) => write(replaced(members(t, id), 'event_type', '"MAGIC"')) },
  { name: 'event_type Gift_Card', text: (t, id) => write([...replaced(members(t, id), 'event_type', '"Gift_Card"'), ['"total_amount"', '1.25']]) },
  { name: 'event_type MAGIC then SALE (last wins)', text: (t, id) => write([['"event_type"', '"MAGIC"'], ...members(t, id)]) },
  { name: 'event_type SALE then MAGIC (last wins)', text: (t, id) => write([...members(t, id), ['"event_type"', '"MAGIC"']]) },
  { name: 'note escaped', text: (t, id) => write([...members(t, id), ['"note"', '"caf\\u00e9 \\u2615"']]) },
  { name: 'note as UTF-8', text: (t, id) => write([...members(t, id), ['"note"', '"café ☕"']]) },
  { name: 'no txn_id', refusal: 'invalid', text: (t, id) => write(members(t, id).filter(([k]) => k !== '"txn_id"')) },
  { name: 'occurred_at not RFC 3339', refusal: 'invalid', text: (t, id) => write(replaced(members(t, id), 'occurred_at', '"2026-02-30T00:00:00Z"')) },
  { name: 'another tenant', refusal: 'forbidden', text: (_t, id) => write(members('someone_else', id)) },
];

/**
 * Merge patches: some keep the payload a valid arrival of the key, some do not (LSR01), some make
 * it a valid arrival that a posting rule refuses (also LSR01: a return or void naming no sale,
 * lines that do not add up, too many decimals).
 */
export const PATCHES: string[] = [
  '{}',
  '{"total_amount": 40.0, "line_items": [{"sku": "SKU-AAA", "qty": 1, "amount": 40.0}]}',
  '{"total_amount": 12345678901234567890123.40, "line_items": [{"sku": "SKU-AAA", "qty": 1, "amount": 12345678901234567890123.40}]}',
  // Posting rules refuse these replays: lines that do not add up, more decimals than USD has.
  '{"total_amount": 40.0}',
  '{"total_amount": 12345678901234567890123.450, "line_items": [{"sku": "SKU-AAA", "qty": 1, "amount": 12345678901234567890123.450}]}',
  '{"total_amount": null}',
  '{"event_type": "return"}',
  '{"event_type": "VOID", "total_amount": 0}',
  '{"event_type": "sale", "note": null}',
  '{"total_amount": 10.20, "line_items": [{"sku": "SKU-Z", "qty": 2, "amount": 10.20}]}',
  '{"meta": {"reviewed": true, "old": null}}',
  '{"event_type": "MAGIC"}',
  '{"event_type": "SALE", "event_type": "MAGIC"}',
  '{"txn_id": null}',
  '{"event_id": "someone-else"}',
  '{"occurred_at": "yesterday"}',
  '[1]',
];

export const NOTES = ['checked by the property test', '', '   '];
export const ASSIGNEES = ['operator:ann', '  operator:bob  ', '', '   '];
export const CLAIMED_ACTORS = [null, 'operator:claimed'];

type Target = 'held' | 'stale' | 'unknown';

export type Step =
  /** fail: the first write of the key's state while processing this arrival fails (PROCESSING_ERROR). */
  | { kind: 'arrive'; key: number; variant: number; fail: boolean }
  | {
    kind: 'resolve'; target: Target; pick: number; action: 'mark_resolved_no_replay' | 'override_and_replay';
    /** default: the arrival that opened the exception; foreign: an arrival of another key; n: the key's n-th arrival. */
    canonical: 'default' | 'foreign' | number;
    patch: number;
    /** mark_resolved_no_replay sent with a canonical_raw_id, which is refused. */
    misuse: boolean;
    notes: number;
    claimed: number;
  }
  | { kind: 'assign'; target: Target; pick: number; assignee: number };

const weighted = <T>(items: T[], weightOf: (item: T) => number) =>
  fc.oneof(...items.map((_, i) => ({ weight: weightOf(items[i]), arbitrary: fc.constant(i) })));

const target = fc.oneof({ weight: 8, arbitrary: fc.constant('held' as const) }, { weight: 1, arbitrary: fc.constant('stale' as const) },
  { weight: 1, arbitrary: fc.constant('unknown' as const) });

/** true once in `n`; shrinks to false, so that a counterexample keeps only the failures it needs. */
const rarely = (n: number) => fc.oneof({ weight: n - 1, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

/** The variants a step may send; GraphQL cannot send those whose digits a double loses. */
export function arrivalStep(variants: number[] = VARIANTS.map((_, i) => i), fail = true) {
  return fc.record({
    kind: fc.constant('arrive' as const), key: fc.nat(KEYS.length - 1),
    variant: fc.oneof(...variants.map((v) => ({ weight: VARIANTS[v].weight ?? 1, arbitrary: fc.constant(v) }))),
    fail: fail ? rarely(10) : fc.constant(false),
  });
}

const resolveStep = fc.record({
  kind: fc.constant('resolve' as const), target, pick: fc.nat(5),
  // An ignored key stays ignored: replays keep keys moving through the other rows.
  action: fc.oneof({ weight: 1, arbitrary: fc.constant('mark_resolved_no_replay' as const) },
    { weight: 3, arbitrary: fc.constant('override_and_replay' as const) }),
  canonical: fc.oneof({ weight: 4, arbitrary: fc.constant('default' as const) }, { weight: 1, arbitrary: fc.constant('foreign' as const) },
    { weight: 2, arbitrary: fc.nat(6) }),
  patch: weighted(PATCHES, (p) => (p === '{}' ? 6 : 1)),
  misuse: rarely(16),
  notes: fc.oneof({ weight: 14, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, 2) }),
  claimed: fc.nat(CLAIMED_ACTORS.length - 1),
});

const assignStep = fc.record({
  kind: fc.constant('assign' as const), target, pick: fc.nat(5),
  assignee: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0, 1) }, { weight: 1, arbitrary: fc.constantFrom(2, 3) }),
});

/** Plans of 1 to `maxLength` steps, their length spread over the whole range (not fast-check's default size). */
export const planOf = <T>(step: fc.Arbitrary<T>, maxLength = 60) => fc.array(step, { minLength: 1, maxLength, size: 'max' });

/** Arrivals, failing arrivals, refusals, resolutions and assignments over KEYS. */
export const plans = planOf<Step>(fc.oneof(
  { weight: 6, arbitrary: arrivalStep() },
  { weight: 2, arbitrary: resolveStep },
  { weight: 1, arbitrary: assignStep },
).map((step) => printed(step, describeStep)));

export interface Answer {
  tenant_id: string; idempotency_key: string; raw_id: number; result: string; exception_id: string | null;
  reason_code: string | null; key_status: string; attempt: number; status: number;
}

/** What went wrong, in the contract's words: 22023 / 422, 42501 / 403, P0002 / 404, 55000 / 409, LSR01 / 409. */
export type Refusal = 'invalid' | 'forbidden' | 'not_found' | 'already_resolved' | 'replay_invalid';

export type Outcome<T> = { ok: true; value: T } | { ok: false; refusal: Refusal | string };

/** A tenant's rows as the owner reads them; jsonb as PostgreSQL's text. */
export interface Snapshot {
  keys: Record<string, unknown>[];
  exceptions: Record<string, unknown>[];
  bronze: Record<string, unknown>[];
  audit: Record<string, unknown>[];
  rejections: Record<string, unknown>[];
  health: unknown;
  counted: unknown;
}

export interface Driver {
  tenant: string;
  /** The actor the audit trail records for this path's operator. */
  operatorActor: string;
  /** events_raw.source of this path's arrivals. */
  source: string;
  /** Whether a refused envelope is kept in ledger.rejections on this path (and with which source). */
  rejectionSource: string | null;
  arrive(text: string): Promise<Outcome<Answer>>;
  resolve(exceptionId: string, action: string, notes: string, patch: string, canonicalRawId: number | null, claimedActor: string | null):
    Promise<Outcome<Record<string, any>>>;
  assign(exceptionId: string, assignedTo: string): Promise<Outcome<Record<string, any>>>;
  /** Arms tests.fail_next_processing for this key. */
  failNext(eventId: string): Promise<void>;
  snapshot(): Promise<Snapshot>;
}

/** The owner's view of one tenant ($1), for Driver.snapshot; health as the owner reads it. */
export const SNAPSHOT_SQL = `
  select
    (select coalesce(jsonb_agg(jsonb_build_object('idempotency_key', k.idempotency_key, 'status', k.status, 'event_type', k.event_type,
       'canonical_raw_id', k.canonical_raw_id, 'canonical_fingerprint', encode(k.canonical_fingerprint, 'hex'),
       'canonical_payload', k.canonical_payload::text, 'open_exception_id', k.open_exception_id, 'arrivals', k.arrivals)
       order by k.idempotency_key), '[]') from ledger.events_processed k where k.tenant_id = $1) as keys,
    (select coalesce(jsonb_agg(jsonb_build_object('exception_id', e.exception_id, 'idempotency_key', e.idempotency_key,
       'reason_code', e.reason_code, 'status', e.status, 'raw_id', e.raw_id, 'details', e.details::text, 'arrivals', e.arrivals,
       'assigned_to', e.assigned_to, 'resolution_action', e.resolution_action, 'resolution_notes', e.resolution_notes,
       'resolved_by', e.resolved_by, 'resolved_by_claimed', e.resolved_by_claimed, 'canonical_raw_id', e.canonical_raw_id,
       'override_patch', e.override_patch::text, 'replay_count', e.replay_count, 'store_id', e.store_id, 'txn_id', e.txn_id,
       'source_system', e.source_system, 'event_type', e.event_type)
       order by e.opened_at, e.raw_id), '[]') from ledger.exceptions e where e.tenant_id = $1) as exceptions,
    (select coalesce(jsonb_agg(jsonb_build_object('raw_id', r.raw_id, 'idempotency_key', r.idempotency_key, 'event_type', r.event_type,
       'payload', r.payload::text, 'fingerprint', encode(r.fingerprint, 'hex'), 'attempt', r.attempt, 'source', r.source,
       'result', r.result, 'reason_code', r.reason_code, 'exception_id', r.exception_id)
       order by r.raw_id), '[]') from ledger.events_raw r where r.tenant_id = $1) as bronze,
    (select coalesce(jsonb_agg(jsonb_build_object('action', a.action, 'actor', a.actor, 'claimed_actor', a.claimed_actor,
       'object_type', a.object_type, 'object_id', a.object_id, 'exception_id', a.exception_id, 'notes', a.notes,
       'before', a.before::text, 'after', a.after::text)
       -- In the order things happened: a batch may write the audit rows of its arrivals out of order.
       order by a.at, a.audit_id), '[]') from ledger.audit_log a where a.tenant_id = $1) as audit,
    (select coalesce(jsonb_agg(jsonb_build_object('http_status', x.http_status, 'reason_code', x.reason_code,
       'idempotency_key', x.idempotency_key, 'source', x.source)
       order by x.rejection_id), '[]') from ledger.rejections x where x.tenant_id = $1) as rejections,
    ledger.health($1) as health,
    jsonb_build_object(
      'events_raw', (select count(*) from ledger.events_raw where tenant_id = $1),
      'rejections', (select count(*) from ledger.rejections where tenant_id = $1),
      'exceptions_open', (select count(*) from ledger.exceptions where tenant_id = $1 and status = 'open'),
      'idempotency', jsonb_build_object(
        'processed', (select count(*) from ledger.events_processed where tenant_id = $1 and status = 'processed'),
        'quarantined', (select count(*) from ledger.events_processed where tenant_id = $1 and status = 'quarantined'),
        'ignored', (select count(*) from ledger.events_processed where tenant_id = $1 and status = 'ignored')),
      'postings', (select count(*) from ledger.ledger_transactions where tenant_id = $1 and superseded_by is null)) as counted`;

/** The rows of the outcome table, and of resolution and assignment, that a run must reach. */
export const OUTCOME_ROWS = [
  'none + allowed type → processed (201)',
  'none + unknown type → UNKNOWN_EVENT_TYPE (202)',
  'none + allowed type, a posting rule fails → TOTALS_MISMATCH (202)',
  'processed + same fingerprint → duplicate (200)',
  'processed + other fingerprint → IDEMPOTENCY_CONFLICT (202)',
  'quarantined + any → ALREADY_QUARANTINED (202)',
  'ignored + any → IGNORED_BY_OPERATOR (200)',
  'none + processing fails → PROCESSING_ERROR (202)',
  'processed + processing fails → PROCESSING_ERROR (202)',
  'quarantined + processing fails → PROCESSING_ERROR, joins the open exception (202)',
  'ignored + processing fails → PROCESSING_ERROR (202)',
  'refused: invalid envelope (22023 / 422)',
  'refused: another tenant (42501 / 403)',
  'resolve: mark_resolved_no_replay → ignored',
  'resolve: override_and_replay → processed',
  'resolve: replay not a valid arrival (LSR01 / 409)',
  'resolve: already resolved (55000 / 409)',
  'resolve: unknown exception (P0002 / 404)',
  'resolve: bad arguments (22023 / 422)',
  'assign: assigned',
  'assign: already resolved (55000 / 409)',
  'assign: unknown exception (P0002 / 404)',
  'assign: bad arguments (22023 / 422)',
];

export const outcomeTally = (title: string, required: readonly string[] = OUTCOME_ROWS) => new Tally(title, required);

interface KeyRow {
  status: 'processed' | 'quarantined' | 'ignored'; eventType: string; canonicalRawId: number | null; canonicalPayload: LJson | null;
  openExceptionId: string | null; arrivals: number;
}
interface ExceptionRow {
  exceptionId: string; key: string; reasonCode: string; status: 'open' | 'resolved'; rawId: number; details: LJson; arrivals: number;
  assignedTo: string | null; resolutionAction: string | null; resolutionNotes: string | null; resolvedBy: string | null;
  resolvedByClaimed: string | null; canonicalRawId: number | null; overridePatch: LJson | null; replayCount: number;
  /** The business fields of the arrival that opened it, as text (->>), its type upper-cased. */
  storeId: string | null; txnId: string | null; sourceSystem: string | null; eventType: string;
}
interface BronzeRow {
  rawId: number; key: string; eventType: string; payload: LJson; attempt: number; result: string; reasonCode: string | null; exceptionId: string | null;
}
interface AuditRow {
  action: string; actor: string; claimedActor: string | null; exceptionId: string; notes: string | null; before: LJson; after: LJson;
}

/** A JSON object of the model: numbers become numeric text, nested LJson is kept. */
function obj(fields: Record<string, LJson | number | undefined>): Map<string, LJson> {
  return new Map(Object.entries(fields).map(([k, v]) => [k, typeof v === 'number' ? new Num(String(v)) : v ?? null]));
}

/** ledger_private.key_state. */
const keyState = (k: KeyRow) => obj({
  key_status: k.status, canonical_raw_id: k.canonicalRawId ?? null,
  canonical_fingerprint: k.canonicalPayload === null ? null : fingerprint(k.canonicalPayload),
  open_exception_id: k.openExceptionId, arrivals: k.arrivals,
});
/** ledger_private.exception_state. */
const exceptionState = (e: ExceptionRow) => obj({
  status: e.status, assigned_to: e.assignedTo, resolution_action: e.resolutionAction, resolved_by: e.resolvedBy,
  canonical_raw_id: e.canonicalRawId ?? null, override_patch: e.overridePatch, replay_count: e.replayCount,
});
/** `exception_state || key_state`, as a resolution's audit row holds them: the key's canonical_raw_id wins. */
const merged = (a: Map<string, LJson>, b: Map<string, LJson>) => new Map([...a, ...b]);

const upper = (value: LJson | undefined) => (typeof value === 'string' ? value.toUpperCase() : '');
/** A member as jsonb's ->> gives it: a string as itself, anything else as its JSON text, absent as null. */
const memberText = (value: LJson, name: string) => {
  const v = member(value, name);
  return v === undefined || v === null ? null : typeof v === 'string' ? v : jsonbText(v);
};
const REQUIRED = ['schema_version', 'tenant_id', 'store_id', 'source_system', 'event_id', 'event_type', 'occurred_at', 'txn_id'];
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** Whether a replayed payload passes as a new arrival of this key would (the patches above stay within these rules). */
function replayable(payload: LJson, tenant: string, eventId: string): boolean {
  if (!isMap(payload)) return false;
  for (const field of REQUIRED) {
    const value = payload.get(field);
    if (typeof value !== 'string' || value === '') return false;
  }
  if (!RFC3339.test(payload.get('occurred_at') as string)) return false;
  return payload.get('tenant_id') === tenant && payload.get('event_id') === eventId && ALLOWED.has(upper(payload.get('event_type')))
    && postingRefusal(payload) === null;
}

/** A decimal as PostgreSQL's numeric holds it: digits and a scale (digits after the point, as written). */
interface Dec { units: bigint; scale: number }
const dec = (n: Num): Dec => {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(n.text);
  if (!m) throw new Error(`the model reads plain decimals only, not ${n.text}`);
  return { units: BigInt(`${m[1]}${m[2]}${m[3] ?? ''}`), scale: (m[3] ?? '').length };
};
const rescale = (d: Dec, scale: number) => d.units * 10n ** BigInt(scale - d.scale);
/** numeric + and -: the result has the larger scale. */
const add = (a: Dec, b: Dec, sign = 1n): Dec => {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + sign * rescale(b, scale), scale };
};
const cmp = (a: Dec, b: Dec) => { const s = Math.max(a.scale, b.scale); const x = rescale(a, s); const y = rescale(b, s); return x < y ? -1 : x > y ? 1 : 0; };
const decText = (d: Dec): Num => {
  const negative = d.units < 0n;
  const digits = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, '0');
  const text = d.scale ? `${digits.slice(0, -d.scale)}.${digits.slice(-d.scale)}` : digits;
  return new Num(`${negative ? '-' : ''}${text}`);
};
const ZERO: Dec = { units: 0n, scale: 0 };
const PLAIN = /^-?\d+(\.\d+)?$/;
/**
 * An amount of USD as the posting rules accept it: a JSON number >= 0 with at most 2 decimals. A
 * number the model does not read (an exponent, as hostile envelopes send) is null too: what
 * postingRefusal then answers (SCHEMA_VALIDATION_FAILED, no details) means "some posting rule".
 */
const amount = (v: LJson | undefined): Dec | null => {
  if (!(v instanceof Num) || !PLAIN.test(v.text)) return null;
  const d = dec(v);
  return d.units < 0n || d.scale > 2 ? null : d;
};

/**
 * The posting rule a payload of an allowed type breaks, for the payloads the variants and patches
 * make (USD sales without an original: a return, correction or void names no sale, so it cannot
 * post); null when it posts. TOTALS_MISMATCH with the details the rule gives.
 */
export function postingRefusal(payload: LJson): { reason: string; details: LJson } | null {
  const kind = upper(member(payload, 'event_type'));
  if (kind !== 'SALE') return { reason: 'SCHEMA_VALIDATION_FAILED', details: null };
  // Identifiers Silver indexes hold at most 200 characters.
  const long = (v: LJson | undefined) => typeof v === 'string' && [...v].length > 200;
  if (['store_id', 'txn_id', 'source_system', 'source_event_id'].some((f) => long(member(payload, f)))) {
    return { reason: 'SCHEMA_VALIDATION_FAILED', details: null };
  }
  if (member(payload, 'currency') !== 'USD') return { reason: 'SCHEMA_VALIDATION_FAILED', details: null };
  const total = amount(member(payload, 'total_amount'));
  const tax = member(payload, 'tax_amount') ?? null;
  const discount = member(payload, 'discount_amount') ?? null;
  if (total === null || (tax !== null && amount(tax) === null) || (discount !== null && amount(discount) === null)) {
    return { reason: 'SCHEMA_VALIDATION_FAILED', details: null };
  }
  const lines = member(payload, 'line_items') ?? null;
  if (lines === null) return null;
  if (!Array.isArray(lines)) return { reason: 'SCHEMA_VALIDATION_FAILED', details: null };
  let sum: Dec | null = null;
  for (const line of lines) {
    const sku = member(line, 'sku');
    const qty = member(line, 'qty');
    const lineAmount = amount(member(line, 'amount'));
    if (typeof sku !== 'string' || sku === '' || long(sku) || !(qty instanceof Num) || !PLAIN.test(qty.text) || dec(qty).units <= 0n || lineAmount === null) {
      return { reason: 'SCHEMA_VALIDATION_FAILED', details: null };
    }
    sum = sum === null ? lineAmount : add(sum, lineAmount);
  }
  const linesTotal = sum ?? ZERO;
  const taxAmount = tax === null ? ZERO : amount(tax)!;
  const discountAmount = discount === null ? ZERO : amount(discount)!;
  const expected = add(add(linesTotal, taxAmount), discountAmount, -1n);
  if (cmp(expected, total) === 0) return null;
  return {
    reason: 'TOTALS_MISMATCH',
    details: obj({ expected: decText(expected), total_amount: decText(total), lines: decText(linesTotal),
      tax_amount: decText(taxAmount), discount_amount: decText(discountAmount) }),
  };
}

const INJECTED = /^injected processing failure \d+$/;

/** The model of one tenant: what its rows must be after each step. */
export class TenantModel {
  readonly keys = new Map<string, KeyRow>();
  readonly exceptions: ExceptionRow[] = [];
  readonly bronze: BronzeRow[] = [];
  readonly audit: AuditRow[] = [];
  readonly rejections: { http_status: number; reason_code: string; idempotency_key: string | null; source: string }[] = [];

  constructor(readonly tenant: string) {}

  arrivalsOf(key: string): BronzeRow[] {
    return this.bronze.filter((r) => r.key === key);
  }

  openException(key: string): ExceptionRow | undefined {
    const id = this.keys.get(key)?.openExceptionId;
    return id ? this.exceptions.find((e) => e.exceptionId === id) : undefined;
  }

  /** The answer an arrival must get (fields the contract fixes), with the row label it reached. */
  arrive(key: string, text: string, failing: boolean, answer: Answer): { expected: Record<string, unknown>; label: string } {
    const payload = parse(text);
    const type = upper(member(payload, 'event_type'));
    const before = this.keys.get(key);
    const attempt = (before?.arrivals ?? 0) + 1;
    const rawId = answer.raw_id;
    const open = (reason: string, details: LJson, keyBefore: LJson): string => {
      const exceptionId = answer.exception_id ?? '(none)';
      this.exceptions.push({
        exceptionId, key, reasonCode: reason, status: 'open', rawId, details, arrivals: 1, assignedTo: null, resolutionAction: null,
        resolutionNotes: null, resolvedBy: null, resolvedByClaimed: null, canonicalRawId: null, overridePatch: null, replayCount: 0,
        storeId: memberText(payload, 'store_id'), txnId: memberText(payload, 'txn_id'), sourceSystem: memberText(payload, 'source_system'), eventType: type,
      });
      this.audit.push({
        action: 'exception.opened', actor: 'system', claimedActor: null, exceptionId, notes: null, before: keyBefore,
        after: obj({ exception_id: exceptionId, status: 'open', reason_code: reason, idempotency_key: key, raw_id: rawId, key_status: 'quarantined' }),
      });
      return exceptionId;
    };
    let result: string;
    let reason: string | null = null;
    let exceptionId: string | null = null;
    let label: string;
    const state = before?.status ?? 'none';

    if (failing) {
      result = 'quarantined';
      reason = 'PROCESSING_ERROR';
      label = state === 'quarantined' ? 'quarantined + processing fails → PROCESSING_ERROR, joins the open exception (202)'
        : `${state} + processing fails → PROCESSING_ERROR (202)`;
      // The injected error, as quarantine_after_failure keeps it; its text is the trigger's.
      const details = obj({ error: obj({ sqlstate: 'P0001', message: 'injected processing failure' }) });
      if (!before) {
        exceptionId = open(reason, details, null);
        this.keys.set(key, { status: 'quarantined', eventType: type, canonicalRawId: null, canonicalPayload: null, openExceptionId: exceptionId, arrivals: 1 });
      } else if (before.status === 'quarantined') {
        const held = this.openException(key)!;
        held.arrivals += 1;
        exceptionId = held.exceptionId;
        before.arrivals = attempt;
      } else {
        // The key as it was before this arrival (its arrivals not yet counted).
        exceptionId = open(reason, details, keyState(before));
        Object.assign(before, { status: 'quarantined', openExceptionId: exceptionId, arrivals: attempt });
      }
    } else if (!before) {
      const rule = ALLOWED.has(type) ? postingRefusal(payload) : null;
      if (rule) {
        if (rule.details === null) throw new Error(`the model does not know the details of ${rule.reason}: no variant should reach it`);
        result = 'quarantined';
        reason = rule.reason;
        label = `none + allowed type, a posting rule fails → ${rule.reason} (202)`;
        exceptionId = open(reason, rule.details, null);
        this.keys.set(key, { status: 'quarantined', eventType: type, canonicalRawId: null, canonicalPayload: null, openExceptionId: exceptionId, arrivals: 1 });
      } else if (ALLOWED.has(type)) {
        result = 'processed';
        label = 'none + allowed type → processed (201)';
        this.keys.set(key, { status: 'processed', eventType: type, canonicalRawId: rawId, canonicalPayload: payload, openExceptionId: null, arrivals: 1 });
      } else {
        result = 'quarantined';
        reason = 'UNKNOWN_EVENT_TYPE';
        label = 'none + unknown type → UNKNOWN_EVENT_TYPE (202)';
        exceptionId = open(reason, obj({ event_type: type }), null);
        this.keys.set(key, { status: 'quarantined', eventType: type, canonicalRawId: null, canonicalPayload: null, openExceptionId: exceptionId, arrivals: 1 });
      }
    } else if (before.status === 'processed' && jsonbText(before.canonicalPayload!) === jsonbText(payload)) {
      result = 'duplicate';
      label = 'processed + same fingerprint → duplicate (200)';
      before.arrivals = attempt;
    } else if (before.status === 'processed') {
      result = 'quarantined';
      reason = 'IDEMPOTENCY_CONFLICT';
      label = 'processed + other fingerprint → IDEMPOTENCY_CONFLICT (202)';
      before.arrivals = attempt;
      // The key counts this arrival (locking it) before deciding: its audited state has it.
      exceptionId = open(reason, obj({
        canonical_raw_id: before.canonicalRawId!, canonical_fingerprint: fingerprint(before.canonicalPayload!), fingerprint: fingerprint(payload),
      }), keyState(before));
      Object.assign(before, { status: 'quarantined', openExceptionId: exceptionId });
    } else if (before.status === 'quarantined') {
      result = 'quarantined';
      reason = 'ALREADY_QUARANTINED';
      label = 'quarantined + any → ALREADY_QUARANTINED (202)';
      const held = this.openException(key)!;
      held.arrivals += 1;
      exceptionId = held.exceptionId;
      before.arrivals = attempt;
    } else {
      result = 'ignored';
      reason = 'IGNORED_BY_OPERATOR';
      label = 'ignored + any → IGNORED_BY_OPERATOR (200)';
      before.arrivals = attempt;
    }
    this.bronze.push({ rawId, key, eventType: type, payload, attempt, result, reasonCode: reason, exceptionId });
    const status = result === 'processed' ? 201 : result === 'quarantined' ? 202 : 200;
    return {
      label,
      expected: {
        tenant_id: this.tenant, idempotency_key: key, result, reason_code: reason, exception_id: exceptionId,
        key_status: this.keys.get(key)!.status, attempt, status,
      },
    };
  }

  refuse(key: string, refusal: 'invalid' | 'forbidden', source: string | null): void {
    if (source !== null) {
      this.rejections.push(refusal === 'invalid'
        ? { http_status: 422, reason_code: 'INVALID_ENVELOPE', idempotency_key: key, source }
        : { http_status: 403, reason_code: 'TENANT_MISMATCH', idempotency_key: key, source });
    }
  }

  resolve(e: ExceptionRow, action: string, notes: string, patchText: string, canonicalRawId: number | null, actor: string, claimed: string | null): void {
    const key = this.keys.get(e.key)!;
    const exceptionBefore = exceptionState(e);
    const keyBefore = keyState(key);
    if (action === 'mark_resolved_no_replay') {
      Object.assign(key, { status: 'ignored', openExceptionId: null });
      Object.assign(e, { status: 'resolved', resolutionAction: action, resolutionNotes: notes, resolvedBy: actor, resolvedByClaimed: claimed });
    } else {
      const source = this.bronze.find((r) => r.rawId === (canonicalRawId ?? e.rawId))!;
      const payload = mergePatch(source.payload, parse(patchText));
      Object.assign(key, { status: 'processed', eventType: upper(member(payload, 'event_type')), canonicalRawId: source.rawId, canonicalPayload: payload, openExceptionId: null });
      Object.assign(e, {
        status: 'resolved', resolutionAction: action, resolutionNotes: notes, resolvedBy: actor, resolvedByClaimed: claimed,
        canonicalRawId: source.rawId, overridePatch: parse(patchText), replayCount: e.replayCount + 1,
      });
    }
    this.audit.push({
      action: 'exception.resolved', actor, claimedActor: claimed, exceptionId: e.exceptionId, notes,
      before: merged(exceptionBefore, keyBefore), after: merged(exceptionState(e), keyState(key)),
    });
  }

  assign(e: ExceptionRow, assignee: string, actor: string): void {
    const before = exceptionState(e);
    e.assignedTo = assignee.trim();
    this.audit.push({ action: 'exception.assigned', actor, claimedActor: null, exceptionId: e.exceptionId, notes: null, before, after: exceptionState(e) });
  }

  /** The rows the tenant must have, in SNAPSHOT_SQL's shape. */
  expected(source: string) {
    const text = (v: LJson | null) => (v === null ? null : jsonbText(v));
    return {
      keys: [...this.keys].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, k]) => ({
        idempotency_key: key, status: k.status, event_type: k.eventType, canonical_raw_id: k.canonicalRawId,
        canonical_fingerprint: k.canonicalPayload === null ? null : fingerprint(k.canonicalPayload),
        canonical_payload: text(k.canonicalPayload), open_exception_id: k.openExceptionId, arrivals: k.arrivals,
      })),
      exceptions: this.exceptions.map((e) => ({
        exception_id: e.exceptionId, idempotency_key: e.key, reason_code: e.reasonCode, status: e.status, raw_id: e.rawId,
        details: text(e.details), arrivals: e.arrivals, assigned_to: e.assignedTo, resolution_action: e.resolutionAction,
        resolution_notes: e.resolutionNotes, resolved_by: e.resolvedBy, resolved_by_claimed: e.resolvedByClaimed,
        canonical_raw_id: e.canonicalRawId, override_patch: text(e.overridePatch), replay_count: e.replayCount,
        store_id: e.storeId, txn_id: e.txnId, source_system: e.sourceSystem, event_type: e.eventType,
      })),
      bronze: this.bronze.map((r) => ({
        raw_id: r.rawId, idempotency_key: r.key, event_type: r.eventType, payload: jsonbText(r.payload), fingerprint: fingerprint(r.payload),
        attempt: r.attempt, source, result: r.result, reason_code: r.reasonCode, exception_id: r.exceptionId,
      })),
      audit: this.audit.map((a) => ({
        action: a.action, actor: a.actor, claimed_actor: a.claimedActor, object_type: 'exception', object_id: a.exceptionId,
        exception_id: a.exceptionId, notes: a.notes, before: text(a.before), after: text(a.after),
      })),
      rejections: this.rejections,
    };
  }
}

/** A snapshot with the injected failure's number taken out of its message (the model cannot know it). */
function comparable(snapshot: Snapshot) {
  const exceptions = snapshot.exceptions.map((e) => {
    const details = e.details as string;
    const d = parse(details);
    const error = member(d, 'error');
    const message = member(error ?? null, 'message');
    if (typeof message === 'string' && INJECTED.test(message)) {
      (error as Map<string, LJson>).set('message', 'injected processing failure');
      return { ...e, details: jsonbText(d) };
    }
    return e;
  });
  const { keys, bronze, audit, rejections } = snapshot;
  return { keys, exceptions, bronze, audit, rejections };
}

/** Checks the tenant's whole state against the model. */
export async function expectState(driver: Driver, model: TenantModel, where: string): Promise<void> {
  const snapshot = await driver.snapshot();
  const actual = comparable(snapshot);
  const expected = model.expected(driver.source);
  expect(actual.bronze, `${where}: Bronze`).toEqual(expected.bronze);
  expect(actual.keys, `${where}: keys`).toEqual(expected.keys);
  expect(actual.exceptions, `${where}: exceptions`).toEqual(expected.exceptions);
  expect(actual.audit, `${where}: audit trail`).toEqual(expected.audit);
  expect(actual.rejections, `${where}: rejections`).toEqual(expected.rejections);
  expect(snapshot.health, `${where}: health counters against count(*)`).toEqual(snapshot.counted);
}

/** Picks the exception a resolve or assign step is aimed at: a held key's, a resolved one, or none that exists. */
function aim(model: TenantModel, target: Target, pick: number): ExceptionRow | 'unknown' {
  const open = model.exceptions.filter((e) => e.status === 'open');
  const resolved = model.exceptions.filter((e) => e.status === 'resolved');
  const order = target === 'held' ? [open, resolved] : target === 'stale' ? [resolved, open] : [];
  const list = order.find((l) => l.length);
  return list ? list[pick % list.length] : 'unknown';
}

/** Plays `plan` through `driver`, checking answers and state against the model after every step. */
export async function play(driver: Driver, plan: Step[], tally?: Tally): Promise<TenantModel> {
  const model = new TenantModel(driver.tenant);
  let lastRawId = 0;
  for (const [index, step] of plan.entries()) {
    const where = `step ${index} ${JSON.stringify(step)}`;
    if (step.kind === 'arrive') {
      const key = KEYS[step.key];
      const variant = VARIANTS[step.variant];
      const text = variant.text(driver.tenant, key);
      const failing = step.fail && !variant.refusal;
      if (failing) await driver.failNext(key);
      const outcome = await driver.arrive(text);
      if (variant.refusal) {
        expect(outcome, where).toEqual({ ok: false, refusal: variant.refusal });
        model.refuse(key, variant.refusal, driver.rejectionSource);
        tally?.add(variant.refusal === 'invalid' ? 'refused: invalid envelope (22023 / 422)' : 'refused: another tenant (42501 / 403)');
      } else {
        expect(outcome, where).toMatchObject({ ok: true });
        const answer = (outcome as { value: Answer }).value;
        expect(answer.raw_id, `${where}: a new raw_id`).toBeGreaterThan(lastRawId);
        lastRawId = answer.raw_id;
        const { expected, label } = model.arrive(key, text, failing, answer);
        expect(answer, where).toMatchObject(expected);
        tally?.add(label);
      }
    } else {
      const aimed = aim(model, step.target, step.pick);
      const exceptionId = aimed === 'unknown' ? UNKNOWN_EXCEPTION : aimed.exceptionId;
      const stale = aimed !== 'unknown' && aimed.status === 'resolved';
      if (step.kind === 'assign') {
        const assignee = ASSIGNEES[step.assignee];
        const outcome = await driver.assign(exceptionId, assignee);
        const expected: Refusal | 'assigned' = assignee.trim() === '' ? 'invalid' : aimed === 'unknown' ? 'not_found' : stale ? 'already_resolved' : 'assigned';
        if (expected === 'assigned') {
          expect(outcome, where).toMatchObject({ ok: true, value: { exception_id: exceptionId, assigned_to: assignee.trim(), status: 'open' } });
          model.assign(aimed as ExceptionRow, assignee, driver.operatorActor);
          tally?.add('assign: assigned');
        } else {
          expect(outcome, where).toEqual({ ok: false, refusal: expected });
          tally?.add({ invalid: 'assign: bad arguments (22023 / 422)', not_found: 'assign: unknown exception (P0002 / 404)',
            already_resolved: 'assign: already resolved (55000 / 409)' }[expected as string]!);
        }
      } else {
        const replay = step.action === 'override_and_replay';
        const notes = NOTES[step.notes];
        const claimed = CLAIMED_ACTORS[step.claimed];
        const e = aimed === 'unknown' ? undefined : aimed;
        const ownArrivals = e ? model.arrivalsOf(e.key) : [];
        const others = model.bronze.filter((r) => r.key !== e?.key);
        let canonicalRawId: number | null = null;
        if (replay && step.canonical === 'foreign') canonicalRawId = others[0]?.rawId ?? Number.MAX_SAFE_INTEGER;
        else if (replay && typeof step.canonical === 'number' && ownArrivals.length) canonicalRawId = ownArrivals[step.canonical % ownArrivals.length].rawId;
        else if (!replay && step.misuse) canonicalRawId = model.bronze[0]?.rawId ?? 1;
        const patch = replay ? PATCHES[step.patch] : '{}';
        const outcome = await driver.resolve(exceptionId, step.action, notes, patch, canonicalRawId, claimed);

        let expected: Refusal | 'resolved';
        if ((!replay && step.misuse) || notes.trim() === '') expected = 'invalid';
        else if (!e) expected = 'not_found';
        else if (stale) expected = 'already_resolved';
        else if (replay && step.canonical === 'foreign') expected = 'invalid';
        else if (!replay) expected = 'resolved';
        else {
          const source = model.bronze.find((r) => r.rawId === (canonicalRawId ?? e.rawId))!;
          expected = replayable(mergePatch(source.payload, parse(patch)), driver.tenant, e.key) ? 'resolved' : 'replay_invalid';
        }
        if (expected !== 'resolved') {
          expect(outcome, where).toEqual({ ok: false, refusal: expected });
          tally?.add({ invalid: 'resolve: bad arguments (22023 / 422)', not_found: 'resolve: unknown exception (P0002 / 404)',
            already_resolved: 'resolve: already resolved (55000 / 409)', replay_invalid: 'resolve: replay not a valid arrival (LSR01 / 409)' }[expected as string]!);
        } else {
          expect(outcome, where).toMatchObject({ ok: true });
          const answer = (outcome as { value: Record<string, any> }).value;
          const canonical = replay ? canonicalRawId ?? e!.rawId : null;
          expect({
            exception_id: answer.exception_id, status: answer.status, resolution_action: answer.resolution_action, replay_count: answer.replay_count,
            canonical_raw_id: answer.canonical_raw_id === null ? null : Number(answer.canonical_raw_id), resolved_by: answer.resolved_by,
          }, where).toEqual({
            exception_id: exceptionId, status: 'resolved', resolution_action: step.action, replay_count: replay ? e!.replayCount + 1 : 0,
            canonical_raw_id: canonical, resolved_by: driver.operatorActor,
          });
          model.resolve(e!, step.action, notes, patch, canonicalRawId, driver.operatorActor, claimed);
          tally?.add(replay ? 'resolve: override_and_replay → processed' : 'resolve: mark_resolved_no_replay → ignored');
        }
      }
    }
    await expectState(driver, model, where);
  }
  return model;
}

let tenants = 0;
/** A fresh tenant id for each run, so that runs do not see each other. */
export function freshTenant(prefix: string): string {
  tenants += 1;
  return `${prefix}_${tenants}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A value that prints in a counterexample as `describe` says (JSON.stringify does not see it). */
export function printed<T extends object>(value: T, describe: (value: T) => string): T {
  return Object.assign({ ...value }, { [fc.toStringMethod]: () => describe(value) });
}

/** How a plan prints in a counterexample: each step with its variant's or patch's name. */
export function describeStep(step: Step): string {
  if (step.kind === 'arrive') return `arrive ${KEYS[step.key]} ${VARIANTS[step.variant].name}${step.fail ? ' (processing fails)' : ''}`;
  if (step.kind === 'assign') return `assign ${step.target}#${step.pick} to ${JSON.stringify(ASSIGNEES[step.assignee])}`;
  return `resolve ${step.target}#${step.pick} ${step.action} canonical=${step.canonical} patch=${PATCHES[step.patch]}${step.misuse ? ' misuse' : ''}`
    + `${NOTES[step.notes].trim() === '' ? ' blank notes' : ''}${CLAIMED_ACTORS[step.claimed] === null ? '' : ' claimed actor'}`;
}

export { stringify };
