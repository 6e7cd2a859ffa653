// Hostile envelopes: a valid envelope's members, then a few mutations (escapes PostgreSQL cannot
// store, lone surrogates, deep nesting, numbers out of numeric's range, long strings, huge arrays,
// wrong types for required fields, extra and repeated members, unicode in ids), written as JSON text
// piece by piece so that the text says exactly what is meant. Each envelope comes with what the
// contract makes of it (`expectedOf`).
import fc from 'fast-check';
import { expect } from 'vitest';
import { envelope } from '../support.js';
import { canonicalText, parse } from './json.js';
import { postingRefusal } from './model.js';

/**
 * Why jsonb cannot hold a JSON text that JSON.parse accepts: an unpaired surrogate escape (22P02),
 * \u0000 (22P05), a number out of numeric's range (22003), nesting deeper than the stack (54001).
 */
export type Unstorable = 'surrogate' | 'nul' | 'number' | 'depth';

/** A JSON text, the value JSON.parse makes of it, and what keeps PostgreSQL's jsonb from holding it. */
export interface Piece { text: string; value: unknown; unstorable: Unstorable[] }

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function unstorableOf(value: unknown): Unstorable[] {
  if (typeof value === 'string') {
    return [...(value.includes('\u0000') ? ['nul' as const] : []), ...(LONE_SURROGATE.test(value) ? ['surrogate' as const] : [])];
  }
  if (Array.isArray(value)) return value.flatMap(unstorableOf);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [...unstorableOf(k), ...unstorableOf(v)]);
  return [];
}

/** Counterexamples print a piece as its text, its middle cut when long (its value may be too deep to print). */
const cut = (text: string) => (text.length > 1_500 ? `${text.slice(0, 750)}… (${text.length} characters) …${text.slice(-750)}` : text);
const printable = (p: Piece): Piece => Object.assign(p, { [fc.toStringMethod]: () => cut(p.text) });

export const piece = (value: unknown): Piece => printable({ text: JSON.stringify(value), value, unstorable: unstorableOf(value) });
export const raw = (text: string, unstorable: Unstorable[] = []): Piece => printable({ text, value: JSON.parse(text), unstorable });

const ESCAPED_STRINGS: [string, Unstorable[]][] = [
  ['"a\\u0000b"', ['nul']], ['"\\u0000"', ['nul']], ['"\\ud800"', ['surrogate']], ['"\\udc00x"', ['surrogate']], ['"x\\ud83d"', ['surrogate']],
  ['"\\ud83d\\ude00"', []], ['"caf\\u00e9 \\u4e2d"', []], ['"\\\\u0000"', []], ['"\\u001f\\u007f"', []], ['"\\/\\b\\f\\n\\r\\t"', []],
];
/** Numbers: numeric keeps any of these but the last three. */
const NUMBERS: [string, Unstorable[]][] = [
  ['1e400', []], ['-1e-400', []], ['123456789012345678901234567890.123456789012345678901234567890', []], ['1E+2', []],
  ['-0', []], ['0.000000000000000000001', []], ['1e131071', []], ['1e1000000', ['number']], ['-1e-20000', ['number']], ['1e-16384', ['number']],
];

/** Nesting: PostgreSQL takes 6000 levels (JSON.stringify does not), not 50000. */
const nested = (depth: number, object: boolean): Piece => {
  const unstorable: Unstorable[] = depth <= 6_000 ? [] : ['depth'];
  return object ? raw('{"a":'.repeat(depth) + '1' + '}'.repeat(depth), unstorable) : raw('['.repeat(depth) + ']'.repeat(depth), unstorable);
};

/** A piece that jsonb cannot hold, each reason as often as the others. */
const UNSTORABLE: fc.Arbitrary<Piece> = fc.oneof(
  ...(['surrogate', 'nul', 'number'] as const).map((why) => fc.constantFrom(...[...ESCAPED_STRINGS, ...NUMBERS].filter(([, w]) => w.includes(why)))
    .map(([text, w]) => raw(text, w))),
  fc.constant(null).map(() => nested(50_000, false)),
);

const stringPiece: fc.Arbitrary<Piece> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }).map(piece),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(piece),
  fc.constantFrom(...ESCAPED_STRINGS).map(([text, unstorable]) => raw(text, unstorable)),
);

export const hostileValue: fc.Arbitrary<Piece> = fc.oneof(
  stringPiece,
  fc.constantFrom(...NUMBERS).map(([text, unstorable]) => raw(text, unstorable)),
  fc.record({ depth: fc.constantFrom(2, 200, 1_000, 6_000, 50_000), object: fc.boolean() }).map(({ depth, object }) => nested(depth, object)),
  fc.constantFrom(1_000, 100_000, 300_000).map((n) => piece('x'.repeat(n))),
  fc.constantFrom(1_000, 20_000).map((n) => raw(`[${Array(n).fill('1.5').join(',')}]`)),
  fc.constantFrom<unknown>(0, -1.5, true, false, null, [], {}, '', [1, 'a'], { a: { b: null } }).map(piece),
  fc.jsonValue({ maxDepth: 3 }).map(piece),
);

const FIELDS = ['schema_version', 'tenant_id', 'store_id', 'source_system', 'event_id', 'event_type', 'occurred_at', 'txn_id',
  'source_event_id', 'currency', 'total_amount', 'line_items'];

let counter = 0;
/** Envelopes generated so far: repeated ids come in groups, so that fresh keys keep coming. */
let generated = 0;
/**
 * Event ids: unique ASCII; a few repeated ones, so that envelopes meet earlier arrivals of their
 * key (duplicates, conflicts, keys already held); unicode (printable), too long, with control
 * characters, empty.
 */
const eventId: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null).map(() => piece(`e-${process.pid}-${++counter}`)) },
  { weight: 2, arbitrary: fc.nat(3).map((n) => piece(`again-${process.pid}-${Math.floor(generated / 24)}-${n}`)) },
  fc.array(fc.constantFrom('é', '中', '😀', 'Ω', 'ß', 'ا', 'ñ', '𝄞', 'a', '-', ' '), { minLength: 1, maxLength: 20 })
    .map((chars) => piece(`${chars.join('')}-${++counter}`)),
  fc.constantFrom(255, 256).map((n) => piece('😀'.repeat(n))),
  fc.constantFrom('a\u0001b', 'tab\there', 'del\u007f', 'line\n', '').map(piece),
);
const tenantId = (bound: string): fc.Arbitrary<Piece> => fc.oneof(
  { weight: 3, arbitrary: fc.constant(piece(bound)) },
  fc.constantFrom('someone_else', 'tenánt', '', `${bound} `, bound.toUpperCase()).map(piece),
);
const OCCURRED_AT: [string, boolean][] = [
  ['2026-02-25T00:00:00Z', true], ['2026-02-25 10:15:00.123+05:30', true], ['2026-02-25t23:59:60z', true],
  ['2026-02-30T00:00:00Z', false], ['2026-02-25T24:00:00Z', false], ['yesterday', false], ['2026-02-25', false],
];

export type Mutation =
  | { op: 'set' | 'again'; field: string; value: Piece }
  | { op: 'remove'; field: string }
  | { op: 'extra'; name: Piece; value: Piece };

const mutation = (bound: string): fc.Arbitrary<Mutation> => fc.oneof(
  fc.record({ op: fc.constant('set' as const), field: fc.constantFrom(...FIELDS), value: hostileValue }),
  fc.record({ op: fc.constant('again' as const), field: fc.constantFrom(...FIELDS), value: hostileValue }),
  fc.record({ op: fc.constant('remove' as const), field: fc.constantFrom(...FIELDS) }),
  fc.record({ op: fc.constant('extra' as const), name: stringPiece, value: hostileValue }),
  fc.record({ op: fc.constant('set' as const), field: fc.constant('event_id'), value: eventId }),
  fc.record({ op: fc.constant('set' as const), field: fc.constant('tenant_id'), value: tenantId(bound) }),
  fc.record({ op: fc.constant('set' as const), field: fc.constant('occurred_at'), value: fc.constantFrom(...OCCURRED_AT).map(([t]) => piece(t)) }),
  // Types the allowlist has, in another case, and types it has not.
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constantFrom('set' as const, 'again' as const), field: fc.constant('event_type'),
      value: fc.constantFrom('sale', 'Return', 'MAGIC', 'Gift_Card', 'void ', 'SALE').map(piece) }),
  },
  // Something jsonb cannot hold, alone in a field: each way of it reached in every run.
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constantFrom('set' as const, 'again' as const), field: fc.constantFrom(...FIELDS), value: UNSTORABLE }),
  },
  // Another amount: a conflict when the key was processed with the usual one.
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('set' as const), field: fc.constant('total_amount'), value: fc.constantFrom('41', '42.50', '42.5').map((t) => raw(t)) }),
  },
);

export interface HostileEnvelope {
  text: string;
  /** Top-level members as JSON.parse (and jsonb) see them: the last of a repeated name wins. */
  members: Map<string, Piece> | null;
  /** Why jsonb cannot hold the text, if it cannot. */
  unstorable: Unstorable[];
  /** Idempotency-Key header to send, if any. */
  header?: string;
}

const TOP_LEVEL_NOT_OBJECTS = ['[1,2]', '"an envelope"', '42', 'null', 'true', '[]'];

/** The last envelopes generated: a producer's retry sends one of them again, byte for byte. */
const recent: HostileEnvelope[] = [];

export function hostileEnvelope(bound: string): fc.Arbitrary<HostileEnvelope> {
  return fc.oneof(
    { weight: 7, arbitrary: freshEnvelope(bound) },
    { weight: 1, arbitrary: fc.nat(7).map((n) => (recent.length ? recent[n % recent.length] : undefined)) },
    // The same key again with one member more: a conflict when the first was processed. Fresh
    // envelopes rarely give one since the ledger: a first arrival a posting rule holds makes the
    // next payload ALREADY_QUARANTINED, and most hostile first arrivals are held.
    { weight: 1, arbitrary: fc.nat(7).map((n) => (recent.length ? changed(recent[n % recent.length]) : undefined)) },
    // A new key whose lines do not make its total, otherwise plain: TOTALS_MISMATCH, which
    // mutations reach only a few times a run.
    { weight: 1, arbitrary: fc.constantFrom(42.51, 42.49, 0, 1e6).map((total) => mismatched(bound, total)) },
  ).chain((e) => (e ? fc.constant(e) : freshEnvelope(bound)));
}

function mismatched(bound: string, total: number): HostileEnvelope {
  const id = `mismatch-${process.pid}-${++counter}`;
  const members = new Map(Object.entries(envelope(bound, id, { total_amount: total,
    line_items: [{ sku: 'SKU-AAA', qty: 1, amount: 30.0 }, { sku: 'SKU-BBB', qty: 1, amount: 12.5 }] })).map(([k, v]) => [k, piece(v)]));
  // Not remembered: retries and changed copies come from the other envelopes, whose first
  // arrivals may be processed (a duplicate, a conflict), where this one's never is.
  return shown({ text: `{${[...members].map(([name, value]) => `${JSON.stringify(name)}:${value.text}`).join(',')}}`, members, unstorable: [] });
}

/** An envelope of `e`'s key with a member `changed` added (null members: not an object, nothing to change). */
function changed(e: HostileEnvelope): HostileEnvelope | undefined {
  if (e.members === null || e.members.size === 0) return undefined;
  const note = piece(`changed-${++counter}`);
  const members = new Map(e.members);
  members.set('changed', note);
  return shown({ text: `${e.text.slice(0, -1)},"changed":${note.text}}`, members, unstorable: e.unstorable, header: undefined });
}

function freshEnvelope(bound: string): fc.Arbitrary<HostileEnvelope> {
  return fc.record({
    topLevel: fc.oneof({ weight: 14, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...TOP_LEVEL_NOT_OBJECTS) }),
    eventId,
    mutations: fc.array(mutation(bound), { minLength: 0, maxLength: 4 }),
    header: fc.constantFrom('none', 'none', 'none', 'same', 'other'),
  }).map(({ topLevel, eventId: id, mutations, header }) => {
    generated += 1;
    if (topLevel !== null) return shown({ text: topLevel, members: null, unstorable: [], header: header === 'other' ? 'other-key' : undefined });
    const members: [Piece, Piece][] = Object.entries(envelope(bound, String(id.value))).map(([k, v]) => [piece(k), piece(v)]);
    members.find(([name]) => name.value === 'event_id')![1] = id;
    for (const m of mutations) {
      const at = m.op === 'extra' ? -1 : members.findIndex(([name]) => name.value === m.field);
      if (m.op === 'remove') { if (at >= 0) members.splice(at, 1); }
      else if (m.op === 'extra') members.push([m.name, m.value]);
      else if (m.op === 'again' || at < 0) members.push([piece(m.field), m.value]);
      else members[at] = [members[at][0], m.value];
    }
    const effective = new Map<string, Piece>();
    for (const [name, value] of members) effective.set(name.value as string, value);
    const event = effective.get('event_id')?.value;
    // Only what a header can carry: visible ASCII, and short (Node answers 431 past 16 KiB of headers).
    const headerValue = header === 'other' ? 'other-key'
      : header === 'same' && typeof event === 'string' && /^[\x21-\x7e]{1,1000}$/.test(event) ? event : undefined;
    return remembered({
      text: `{${members.map(([name, value]) => `${name.text}:${value.text}`).join(',')}}`,
      members: effective,
      unstorable: members.flatMap(([name, value]) => [...name.unstorable, ...value.unstorable]),
      header: headerValue,
    });
  });
}

function remembered(e: HostileEnvelope): HostileEnvelope {
  recent.push(e);
  if (recent.length > 8) recent.shift();
  return shown(e);
}

/** How a counterexample is printed: the text (cut when long) and the header. */
function shown(e: HostileEnvelope): HostileEnvelope {
  return Object.assign(e, { [fc.toStringMethod]: () => `${cut(e.text)}${e.header === undefined ? '' : ` Idempotency-Key: ${e.header}`}` });
}

/** How many levels of arrays and objects hold something below `value` (0 for a scalar or an empty one). */
function levelsBelow(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, level] = stack.pop()!;
    deepest = Math.max(deepest, level);
    if (v !== null && typeof v === 'object') for (const child of Object.values(v)) stack.push([child, level + 1]);
  }
  return deepest;
}

const REQUIRED = ['schema_version', 'tenant_id', 'store_id', 'source_system', 'event_id', 'event_type', 'occurred_at', 'txn_id'];
const RFC3339 = new Map(OCCURRED_AT);

/**
 * What the database makes of an envelope: `unstorable` (the jsonb cast fails), `forbidden` (another
 * tenant than the caller's: 42501), `invalid` (22023), or `valid` (an answer row).
 */
export function verdict(e: HostileEnvelope, bound: string): 'unstorable' | 'forbidden' | 'invalid' | 'valid' {
  if (e.unstorable.length) return 'unstorable';
  if (!e.members) return 'invalid';
  const value = (field: string) => e.members!.get(field)?.value;
  const tenant = value('tenant_id');
  if (typeof tenant === 'string' && tenant !== bound) return 'forbidden';
  for (const field of REQUIRED) {
    const v = value(field);
    if (typeof v !== 'string' || v === '') return 'invalid';
  }
  const source = value('source_event_id');
  if (source !== undefined && source !== null && typeof source !== 'string') return 'invalid';
  const id = value('event_id') as string;
  if ([...id].length > 255 || /[\x00-\x1f\x7f]/.test(id)) return 'invalid';
  const at = value('occurred_at') as string;
  if (RFC3339.get(at) !== true) return 'invalid';
  // Items at level 65 (the envelope is level 0) are refused: no more than 64 levels of nesting.
  if ([...e.members.values()].some((v) => 1 + levelsBelow(v.value) >= 65)) return 'invalid';
  return 'valid';
}

const ALLOWED = new Set(['SALE', 'RETURN', 'CORRECTION', 'CANCEL', 'VOID']);

/** A key's state as the owner read it just before an arrival. */
export interface KeyBefore { status: string; canonical_payload: string | null }

/** Other keys' current postings of an envelope's (store, txn_id) and (source_system, source_event_id), read before it arrives. */
export interface PostedBefore { txn: boolean; source: boolean }

/** PostedBefore as the owner reads it ($1 tenant, $2 envelope text). */
export const POSTED_BEFORE_SQL = `
  select exists (select from ledger.ledger_transactions t where t.tenant_id = $1 and t.superseded_by is null
                   and t.store_id = $2::jsonb ->> 'store_id' and t.txn_id = $2::jsonb ->> 'txn_id'
                   and t.idempotency_key <> $2::jsonb ->> 'event_id') as txn,
         exists (select from ledger.ledger_transactions t where t.tenant_id = $1 and t.superseded_by is null
                   and t.source_system = $2::jsonb ->> 'source_system' and t.source_event_id = $2::jsonb ->> 'source_event_id'
                   and t.idempotency_key <> $2::jsonb ->> 'event_id') as source`;

/** The posting rules' reason codes: a first arrival of an allowed type that breaks one is quarantined with it. */
export const POSTING_REASONS = ['SCHEMA_VALIDATION_FAILED', 'DUPLICATE_TRANSACTION', 'DUPLICATE_SOURCE_EVENT_ID', 'TOTALS_MISMATCH',
  'MISSING_REFERENCE', 'CURRENCY_MISMATCH', 'ORIGINAL_REVERSED', 'CANNOT_EXCEED_ORIGINAL', 'LATE_EVENT_OUTSIDE_WINDOW'];

/**
 * What the outcome table answers for a valid envelope, given its key's state before. A first
 * arrival of an allowed type is posted or held by the posting rules: for a USD sale whose fields the
 * model reads (ingest model's postingRefusal) the answer is known, duplicates of other keys'
 * postings included; for anything else hostile (another currency, a return naming no sale, a
 * hostile amount) any posting rule may hold it, and `rule: true` says so.
 */
export function expectedOutcome(e: HostileEnvelope, before: KeyBefore | undefined, posted: PostedBefore):
  { result: string; reason_code: string | null; rule?: boolean } {
  const type = e.members!.get('event_type')!.value as string;
  if (!before && !ALLOWED.has(type.toUpperCase())) return { result: 'quarantined', reason_code: 'UNKNOWN_EVENT_TYPE' };
  if (!before) {
    const refusal = postingRefusal(parse(e.text));
    if (refusal?.reason === 'SCHEMA_VALIDATION_FAILED') return { result: 'quarantined', reason_code: null, rule: true };
    if (posted.txn) return { result: 'quarantined', reason_code: 'DUPLICATE_TRANSACTION' };
    if (posted.source && typeof e.members!.get('source_event_id')?.value === 'string') return { result: 'quarantined', reason_code: 'DUPLICATE_SOURCE_EVENT_ID' };
    return refusal ? { result: 'quarantined', reason_code: refusal.reason } : { result: 'processed', reason_code: null };
  }
  if (before.status === 'quarantined') return { result: 'quarantined', reason_code: 'ALREADY_QUARANTINED' };
  if (before.status === 'ignored') return { result: 'ignored', reason_code: 'IGNORED_BY_OPERATOR' };
  return before.canonical_payload === canonicalText(e.text)
    ? { result: 'duplicate', reason_code: null } : { result: 'quarantined', reason_code: 'IDEMPOTENCY_CONFLICT' };
}

/** The rows of the outcome table a run of hostile envelopes must reach, and each reason jsonb cannot hold a text, alone. */
export const HOSTILE_OUTCOMES = ['processed', 'duplicate', 'quarantined IDEMPOTENCY_CONFLICT', 'quarantined UNKNOWN_EVENT_TYPE', 'quarantined ALREADY_QUARANTINED',
  'quarantined TOTALS_MISMATCH', 'quarantined by a posting rule',
  'jsonb cannot hold: surrogate', 'jsonb cannot hold: nul', 'jsonb cannot hold: number', 'jsonb cannot hold: depth'];

/** The label of an envelope that jsonb cannot hold for one reason only (none otherwise). */
export const unstorableLabel = (e: HostileEnvelope) => (new Set(e.unstorable).size === 1 ? `jsonb cannot hold: ${e.unstorable[0]}` : null);
export const outcomeLabel = (o: { result: string; reason_code: string | null; rule?: boolean }) =>
  (o.rule ? 'quarantined by a posting rule' : o.reason_code ? `${o.result} ${o.reason_code}` : o.result);

/** The answer against the expected outcome: exact, or (`rule`) processed or held by one of the posting rules. */
export function expectOutcome(answer: { result: string; reason_code: string | null }, outcome: ReturnType<typeof expectedOutcome>, context: string): void {
  if (!outcome.rule) {
    expect({ result: answer.result, reason_code: answer.reason_code }, context).toEqual({ result: outcome.result, reason_code: outcome.reason_code });
  } else if (answer.result !== 'processed') {
    expect(answer.result, context).toBe('quarantined');
    expect(answer.reason_code, context).toBeOneOf(POSTING_REASONS);
  }
}
