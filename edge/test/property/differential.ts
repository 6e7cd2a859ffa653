// Differential properties: one random plan played through two paths that do the same job, each
// on a fresh tenant of its own, then every answer and the whole state after compared. Ids that
// differ by nature between two tenants (raw ids, exception ids) are compared by what they name:
// a raw id as the rank of its arrival among its key's, an exception as the arrival that
// opened it. Anything else must be equal, JSON compared as jsonb's text (every digit).
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { expect } from 'vitest';
import { fingerprint, isMap, jsonbText, Num, parse, type LJson } from './json.js';
import { arrivalStep, KEYS, planOf, printed, VARIANTS, type Snapshot } from './model.js';
import { Tally } from './settings.js';

/** A hostile item: what a single POST answers for it, which a batch item must answer too. */
export interface HostileItem { name: string; status: number; text(tenant: string, eventId: string): string }

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const withMember = (tenant: string, eventId: string, name: string, text: string) =>
  `${VARIANTS[0].text(tenant, eventId).slice(0, -1)},"${name}":${text}}`;

/** What jsonb cannot hold, nesting past 64 levels, a body past 256 KiB: refused item by item (CONTRACT v1.1). */
export const HOSTILE_ITEMS: HostileItem[] = [
  { name: '\\u0000 in a string', status: 422, text: (t, id) => withMember(t, id, 'note', '"a\\u0000b"') },
  { name: 'a number out of numeric\'s range', status: 422, text: (t, id) => withMember(t, id, 'total_amount_cents', '1e1000000') },
  { name: 'nested 70 levels', status: 422, text: (t, id) => withMember(t, id, 'meta', nested(70)) },
  { name: 'an unpaired surrogate escape', status: 400, text: (t, id) => withMember(t, id, 'note', '"\\ud800"') },
  { name: 'over 256 KiB', status: 413, text: (t, id) => withMember(t, id, 'note', JSON.stringify('x'.repeat(256 * 1024))) },
];

export type DiffStep =
  | { kind: 'arrive'; key: number; variant: number }
  | { kind: 'hostile'; key: number; item: number }
  /** Ends the batch under way: the next arrivals go in a batch of their own. */
  | { kind: 'cut' }
  /** Resolves the open exception of the pick-th held key (both paths alike), between batches. */
  | { kind: 'resolve'; pick: number; action: 'mark_resolved_no_replay' | 'override_and_replay'; patch: number };

/** Patches a resolve step of these plans replays with: valid arrivals, so that keys move on. */
export const DIFF_PATCHES = ['{}', '{"total_amount": 40.0}', '{"event_type": "return", "note": "replayed"}'];

export interface DiffPlanOptions {
  /** The variants that may arrive (GraphQL cannot send those whose digits a double loses). */
  variants?: number[];
  /** Whether hostile items are sent (over HTTP only: SQL takes jsonb, which cannot even hold them). */
  hostile?: boolean;
  /** Whether a plan is cut into several batches and resolves are played between them. */
  between?: boolean;
  maxLength?: number;
}

export function diffPlans({ variants, hostile = false, between = true, maxLength = 60 }: DiffPlanOptions = {}): fc.Arbitrary<DiffStep[]> {
  const arbitraries: fc.WeightedArbitrary<DiffStep>[] = [{ weight: 20, arbitrary: arrivalStep(variants, false).map(({ key, variant }) => ({ kind: 'arrive' as const, key, variant })) }];
  if (hostile) {
    arbitraries.push({ weight: 2, arbitrary: fc.record({ kind: fc.constant('hostile' as const), key: fc.nat(KEYS.length - 1), item: fc.nat(HOSTILE_ITEMS.length - 1) }) });
  }
  if (between) {
    arbitraries.push({ weight: 1, arbitrary: fc.constant({ kind: 'cut' as const }) });
    arbitraries.push({
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('resolve' as const), pick: fc.nat(KEYS.length - 1),
        action: fc.constantFrom('mark_resolved_no_replay' as const, 'override_and_replay' as const, 'override_and_replay' as const),
        patch: fc.nat(DIFF_PATCHES.length - 1),
      }),
    });
  }
  return planOf(fc.oneof(...arbitraries).map((step) => printed(step, describeDiffStep)), maxLength);
}

/** How a step prints in a counterexample: variants and hostile items by name. */
export function describeDiffStep(step: DiffStep): string {
  if (step.kind === 'arrive') return `arrive ${KEYS[step.key]} ${VARIANTS[step.variant].name}`;
  if (step.kind === 'hostile') return `arrive ${KEYS[step.key]} hostile: ${HOSTILE_ITEMS[step.item].name}`;
  if (step.kind === 'cut') return 'cut (a new batch)';
  return `resolve held key #${step.pick} ${step.action}${step.action === 'override_and_replay' ? ` patch=${DIFF_PATCHES[step.patch]}` : ''}`;
}

/** The JSON text of an arrival step for a tenant. */
export function itemText(step: DiffStep, tenant: string): string {
  if (step.kind === 'arrive') return VARIANTS[step.variant].text(tenant, KEYS[step.key]);
  if (step.kind === 'hostile') return HOSTILE_ITEMS[step.item].text(tenant, KEYS[step.key]);
  throw new Error(`${step.kind} is not an arrival`);
}

/** Splits a plan into segments: runs of arrivals (one batch each), and the resolves between them. */
export function segments(plan: DiffStep[]): ({ kind: 'batch'; steps: DiffStep[] } | Extract<DiffStep, { kind: 'resolve' }>)[] {
  const out: ({ kind: 'batch'; steps: DiffStep[] } | Extract<DiffStep, { kind: 'resolve' }>)[] = [];
  let batch: DiffStep[] = [];
  const flush = () => { if (batch.length) out.push({ kind: 'batch', steps: batch }); batch = []; };
  for (const step of plan) {
    if (step.kind === 'cut') flush();
    else if (step.kind === 'resolve') { flush(); out.push(step); } else batch.push(step);
  }
  flush();
  return out;
}

/** An answer as either path gives it: an ingest answer with its status, or just the status of a refusal. */
export interface PathAnswer {
  status: number | string; result?: string; reason_code?: string | null; attempt?: number; key_status?: string;
  raw_id?: number | null; exception_id?: string | null; [more: string]: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Replaces a tenant's raw ids and exception ids by names two tenants share. */
export class Names {
  private raws = new Map<string, string>();
  private exceptions = new Map<string, string>();
  private fingerprints = new Map<string, string>();

  constructor(snapshot: Snapshot) {
    // By key: the order of arrivals within a key is what the outcome table depends on (raw ids
    // across keys within one batch are compared by their own test, db/tests/30-batch-raw-order).
    const perKey = new Map<string, number>();
    for (const r of snapshot.bronze as { raw_id: number; idempotency_key: string; fingerprint: string }[]) {
      const n = (perKey.get(r.idempotency_key) ?? 0) + 1;
      perKey.set(r.idempotency_key, n);
      const name = `${r.idempotency_key} arrival ${n}`;
      this.raws.set(String(r.raw_id), name);
      if (!this.fingerprints.has(r.fingerprint)) this.fingerprints.set(r.fingerprint, `fingerprint of ${name}`);
    }
    for (const k of snapshot.keys as { idempotency_key: string; canonical_fingerprint: string | null }[]) {
      if (k.canonical_fingerprint && !this.fingerprints.has(k.canonical_fingerprint)) {
        this.fingerprints.set(k.canonical_fingerprint, `fingerprint of ${k.idempotency_key}'s canonical payload`);
      }
    }
    for (const e of snapshot.exceptions as { exception_id: string; raw_id: number }[]) {
      this.exceptions.set(e.exception_id, `exception opened by ${this.raw(e.raw_id)}`);
    }
  }

  raw(id: number | string | null | undefined): string | null {
    return id === null || id === undefined ? null : this.raws.get(String(id)) ?? `raw_id ${id} (not in this tenant's Bronze)`;
  }

  exception(id: string | null | undefined): string | null {
    return id === null || id === undefined ? null : this.exceptions.get(id) ?? `exception ${id} (not this tenant's)`;
  }

  fingerprint(hex: string | null | undefined): string | null {
    if (hex === null || hex === undefined) return null;
    // A payload no row holds any more (a key's canonical payload before a later replay) is named
    // by when it is first met: both states are walked in the same order.
    if (!this.fingerprints.has(hex)) this.fingerprints.set(hex, `fingerprint of an earlier canonical payload (#${this.fingerprints.size + 1})`);
    return this.fingerprints.get(hex)!;
  }

  /** A jsonb text with its ids and fingerprints named, the tenant's id shown as TENANT. */
  json(text: string | null, tenant: string): string | null {
    if (text === null) return null;
    const walk = (value: LJson, name?: string): LJson => {
      if ((name === 'raw_id' || name === 'canonical_raw_id') && value instanceof Num) return this.raw(value.text);
      if (name?.endsWith('fingerprint') && typeof value === 'string') return this.fingerprint(value);
      if (typeof value === 'string') return UUID.test(value) ? this.exception(value) : value === tenant ? 'TENANT' : value;
      if (Array.isArray(value)) return value.map((v) => walk(v));
      if (isMap(value)) return new Map([...value].map(([k, v]) => [k, walk(v, k)]));
      return value;
    };
    return jsonbText(walk(parse(text)));
  }
}

/** An answer with its ids named; a refusal is its status alone. */
export function namedAnswer(a: PathAnswer, names: Names) {
  if (typeof a.status !== 'number' || a.status >= 300) return { status: a.status };
  return {
    status: a.status, result: a.result, reason_code: a.reason_code, attempt: a.attempt, key_status: a.key_status,
    raw: names.raw(a.raw_id), exception: names.exception(a.exception_id),
  };
}

export interface CompareOptions {
  /** Whether refusals are recorded on both paths (HTTP), so that rejections compare. */
  rejections: boolean;
}

/** A tenant's state with its ids named, comparable with another tenant's (Bronze's source aside). */
export function namedState(snapshot: Snapshot, tenant: string, { rejections }: CompareOptions) {
  const names = new Names(snapshot);
  const json = (text: unknown) => names.json(text as string | null, tenant);
  const bronzeByKey: Record<string, unknown[]> = {};
  for (const r of snapshot.bronze as Record<string, any>[]) {
    (bronzeByKey[r.idempotency_key] ??= []).push({
      arrival: names.raw(r.raw_id), attempt: r.attempt, result: r.result, reason_code: r.reason_code, exception: names.exception(r.exception_id),
      event_type: r.event_type, payload: json(r.payload), fingerprint_is_the_payloads: fingerprint(parse(r.payload)) === r.fingerprint,
    });
  }
  const health = snapshot.health as Record<string, unknown>;
  const { rejections: _notCompared, ...healthWithoutRejections } = health;
  return {
    names,
    state: {
      bronze: bronzeByKey,
      keys: (snapshot.keys as Record<string, any>[]).map((k) => ({
        ...k, canonical_raw_id: names.raw(k.canonical_raw_id), open_exception_id: names.exception(k.open_exception_id),
        canonical_payload: json(k.canonical_payload), canonical_fingerprint: names.fingerprint(k.canonical_fingerprint),
        fingerprint_is_the_canonical_payloads: k.canonical_payload === null ? k.canonical_fingerprint === null
          : fingerprint(parse(k.canonical_payload)) === k.canonical_fingerprint,
      })),
      exceptions: (snapshot.exceptions as Record<string, any>[]).map((e) => ({
        ...e, exception_id: names.exception(e.exception_id), raw_id: names.raw(e.raw_id), canonical_raw_id: names.raw(e.canonical_raw_id),
        details: json(e.details), override_patch: json(e.override_patch),
      })),
      audit: (snapshot.audit as Record<string, any>[]).map((a) => ({
        ...a, object_id: names.exception(a.object_id), exception_id: names.exception(a.exception_id), before: json(a.before), after: json(a.after),
      })),
      // A single POST over 256 KiB is refused while streaming, before its event_id could be read;
      // a batch item of that size has been read: the key is compared for the other refusals.
      rejections: rejections ? (snapshot.rejections as Record<string, any>[])
        .map(({ source: _source, ...x }) => (x.http_status === 413 ? { ...x, idempotency_key: 'not compared for 413' } : x))
        : 'not recorded on this path',
      counters: rejections ? health : healthWithoutRejections,
      counters_equal_count: isDeepStrictEqual(health, snapshot.counted),
    },
  };
}

/** Compares two runs of one plan: answers in order, then the state after. */
export function expectSameRun(
  left: { label: string; answers: PathAnswer[]; snapshot: Snapshot; tenant: string },
  right: { label: string; answers: PathAnswer[]; snapshot: Snapshot; tenant: string },
  options: CompareOptions,
): void {
  const a = namedState(left.snapshot, left.tenant, options);
  const b = namedState(right.snapshot, right.tenant, options);
  const answersOf = (run: typeof left, names: Names) => run.answers.map((x) => namedAnswer(x, names));
  expect(answersOf(right, b.names), `answers: ${right.label} (received) against ${left.label} (expected)`).toEqual(answersOf(left, a.names));
  expect(b.state, `state after: ${right.label} (received) against ${left.label} (expected)`).toEqual(a.state);
}

export const DIFF_ROWS = [
  'processed', 'duplicate', 'quarantined UNKNOWN_EVENT_TYPE', 'quarantined IDEMPOTENCY_CONFLICT', 'quarantined ALREADY_QUARANTINED',
  'ignored IGNORED_BY_OPERATOR', 'refused 422', 'refused 403',
];

/** What a run over HTTP with hostile items must reach too: every hostile item, each refused as a single POST refuses it. */
export const HOSTILE_ROWS = ['refused 400', 'refused 413', ...HOSTILE_ITEMS.map((item) => `hostile item: ${item.name}`)];

/** Counts the hostile items a plan sent. */
export function tallyHostile(tally: Tally, plan: DiffStep[]): void {
  for (const step of plan) if (step.kind === 'hostile') tally.add(`hostile item: ${HOSTILE_ITEMS[step.item].name}`);
}

/** Counts what the reference path answered, so that a run shows which rows it compared. */
export function tallyAnswers(tally: Tally, answers: PathAnswer[]): void {
  for (const a of answers) {
    if (typeof a.status !== 'number') tally.add(`between batches: ${a.status}`);
    else if (a.status >= 300) tally.add(`refused ${a.status}`);
    else tally.add(a.reason_code ? `${a.result} ${a.reason_code}` : String(a.result));
  }
  tally.add('items', answers.length);
}
