// A model of the contract's outcome table and of resolution, in plain TypeScript, and a runner that
// plays a random sequence of arrivals and resolutions over a few keys against the real thing (the
// SQL functions or the HTTP routes, through a Driver) and compares both after every step: each
// answer, the state of each key, the open exceptions, Bronze, the audit trail and the counters.
import fc from 'fast-check';
import { expect } from 'vitest';
import { envelope } from '../support.js';

export type Json = null | boolean | number | string | Json[] | { [member: string]: Json };
type JsonObject = { [member: string]: Json };

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The same text for the same JSON value whatever the member order: what the fingerprint tells apart. */
export function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

/** RFC 7396. */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [member, value] of Object.entries(patch)) {
    if (value === null) delete result[member];
    else result[member] = mergePatch(result[member], value);
  }
  return result;
}

const ALLOWED = new Set(['SALE', 'RETURN', 'CORRECTION', 'CANCEL', 'VOID']);
const REQUIRED = ['schema_version', 'tenant_id', 'store_id', 'source_system', 'event_id', 'event_type', 'occurred_at', 'txn_id'];
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** Whether a replayed payload passes as a new arrival of this key would (the patches used here stay within these rules). */
function replayable(payload: Json, tenant: string, eventId: string): boolean {
  if (!isObject(payload)) return false;
  for (const field of REQUIRED) {
    const value = payload[field];
    if (typeof value !== 'string' || value === '') return false;
  }
  if (payload.source_event_id !== undefined && payload.source_event_id !== null && typeof payload.source_event_id !== 'string') return false;
  if (!RFC3339.test(payload.occurred_at as string)) return false;
  return payload.tenant_id === tenant && payload.event_id === eventId && ALLOWED.has((payload.event_type as string).toUpperCase());
}

/** Payload variants of a key: equal variants are duplicates, others conflict; some types are not allowed. */
export const VARIANTS: ((tenant: string, eventId: string) => JsonObject)[] = [
  (t, id) => envelope(t, id),
  (t, id) => envelope(t, id, { total_amount: 41 }),
  (t, id) => envelope(t, id, { event_type: 'sale' }),
  (t, id) => envelope(t, id, { event_type: 'MAGIC' }),
  (t, id) => envelope(t, id, { event_type: 'Gift_Card', total_amount: 1.25 }),
  (t, id) => envelope(t, id, { note: 'café ☕', line_items: [] }),
];

/** Small merge patches: some keep the payload a valid arrival, some do not (LSR01). */
export const PATCHES: Json[] = [
  {},
  { total_amount: 40 },
  { total_amount: null },
  { event_type: 'return' },
  { event_type: 'VOID', total_amount: 0 },
  { event_type: 'sale', note: null },
  { event_type: 'MAGIC' },
  { txn_id: null },
  { event_id: 'someone-else' },
  { line_items: [{ sku: 'SKU-Z', qty: 2, amount: 5 }] },
  { meta: { reviewed: true, old: null } },
  { occurred_at: 'yesterday' },
  [1],
];

export const KEYS = ['k0', 'k1', 'k2'];

export type Step =
  | { kind: 'arrive'; key: number; variant: number }
  | {
    /** key: among the held keys when there are some, else among the resolved ones, else among all. */
    kind: 'resolve'; key: number; action: 'mark_resolved_no_replay' | 'override_and_replay';
    /** default: the exception's own arrival; foreign: an arrival of another key; n: the key's n-th arrival. */
    canonical: 'default' | 'foreign' | number;
    patch: number;
    /** mark_resolved_no_replay with a canonical_raw_id, which is refused. */
    misuse: boolean;
  };

export const steps = fc.array(fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('arrive' as const), key: fc.nat(KEYS.length - 1),
      // The first variant more often than the others, for duplicates.
      variant: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.nat(VARIANTS.length - 1) }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('resolve' as const), key: fc.nat(KEYS.length - 1),
      action: fc.constantFrom('mark_resolved_no_replay' as const, 'override_and_replay' as const),
      canonical: fc.oneof({ weight: 3, arbitrary: fc.constant('default' as const) }, { weight: 1, arbitrary: fc.constant('foreign' as const) },
        { weight: 2, arbitrary: fc.nat(4) }),
      patch: fc.nat(PATCHES.length - 1),
      misuse: fc.nat(9).map((n) => n === 0),
    }),
  },
), { minLength: 1, maxLength: 40 });

export interface Answer {
  tenant_id: string; idempotency_key: string; raw_id: number; result: string; exception_id: string | null;
  reason_code: string | null; key_status: string; attempt: number; status: number;
}

/** What went wrong, in the contract's words: 22023 / 422, P0002 / 404, 55000 / 409, LSR01 / 409. */
export type Refusal = 'invalid' | 'not_found' | 'already_resolved' | 'replay_invalid';

export type Outcome<T> = { ok: true; value: T } | { ok: false; refusal: Refusal | string };

export interface Snapshot {
  keys: Record<string, { status: string; arrivals: number; open_exception_id: string | null; canonical_payload: Json; fingerprint_matches: boolean }>;
  open: { exception_id: string; idempotency_key: string; arrivals: number; raw_id: string }[];
  bronze: Record<string, number>;
  audit: number;
  health: Json;
  counted: Json;
}

export interface Driver {
  tenant: string;
  arrive(payload: Json): Promise<Outcome<Answer>>;
  resolve(exceptionId: string, action: string, patch: Json, canonicalRawId: number | null): Promise<Outcome<Record<string, any>>>;
  /** The tenant's state as the owner sees it (and the health counters, as the driver's path gives them). */
  snapshot(): Promise<Snapshot>;
}

type KeyState =
  | { status: 'none' }
  | { status: 'processed'; canonical: string; payload: Json }
  | { status: 'quarantined'; exceptionId: string; exceptionRawId: number; held: number }
  | { status: 'ignored' };

interface KeyModel { state: KeyState; arrivals: { rawId: number; payload: Json }[]; resolved: string[] }

const UNKNOWN_EXCEPTION = '00000000-0000-4000-8000-000000000000';

/** Plays `plan` through `driver`, checking answers and state against the model after every step. */
export async function play(driver: Driver, plan: Step[]): Promise<void> {
  const tenant = driver.tenant;
  const keys = KEYS.map((): KeyModel => ({ state: { status: 'none' }, arrivals: [], resolved: [] }));
  let audit = 0;

  for (const [index, step] of plan.entries()) {
    const where = `step ${index} ${JSON.stringify(step)}`;
    // A resolution goes to a held key if there is one, else to a key resolved before (stale), else
    // to an exception that does not exist.
    const held = keys.filter((k) => k.state.status === 'quarantined');
    const stale = keys.filter((k) => k.resolved.length);
    const targets = held.length ? held : stale.length ? stale : keys;
    const key = step.kind === 'resolve' ? targets[step.key % targets.length] : keys[step.key];
    const eventId = KEYS[keys.indexOf(key)];
    if (step.kind === 'arrive') {
      const payload = VARIANTS[step.variant](tenant, eventId);
      const outcome = await driver.arrive(payload);
      expect(outcome, where).toMatchObject({ ok: true });
      const answer = (outcome as { value: Answer }).value;
      const attempt = key.arrivals.length + 1;
      const state = key.state;
      const common = { tenant_id: tenant, idempotency_key: eventId, attempt };
      if (state.status === 'none' && ALLOWED.has((payload.event_type as string).toUpperCase())) {
        expect(answer, where).toMatchObject({ ...common, result: 'processed', reason_code: null, exception_id: null, key_status: 'processed', status: 201 });
        key.state = { status: 'processed', canonical: canonical(payload), payload };
      } else if (state.status === 'none' || (state.status === 'processed' && state.canonical !== canonical(payload))) {
        const reason = state.status === 'none' ? 'UNKNOWN_EVENT_TYPE' : 'IDEMPOTENCY_CONFLICT';
        expect(answer, where).toMatchObject({ ...common, result: 'quarantined', reason_code: reason, key_status: 'quarantined', status: 202 });
        expect(answer.exception_id, where).toMatch(/^[0-9a-f-]{36}$/);
        expect(keys.some((k) => k.resolved.includes(answer.exception_id!)), `${where}: a new exception`).toBe(false);
        key.state = { status: 'quarantined', exceptionId: answer.exception_id!, exceptionRawId: answer.raw_id, held: 1 };
        audit += 1;
      } else if (state.status === 'processed') {
        expect(answer, where).toMatchObject({ ...common, result: 'duplicate', reason_code: null, exception_id: null, key_status: 'processed', status: 200 });
      } else if (state.status === 'quarantined') {
        expect(answer, where).toMatchObject({ ...common, result: 'quarantined', reason_code: 'ALREADY_QUARANTINED', exception_id: state.exceptionId, key_status: 'quarantined', status: 202 });
        state.held += 1;
      } else {
        expect(answer, where).toMatchObject({ ...common, result: 'ignored', reason_code: 'IGNORED_BY_OPERATOR', exception_id: null, key_status: 'ignored', status: 200 });
      }
      key.arrivals.push({ rawId: answer.raw_id, payload });
    } else {
      const state = key.state;
      const exceptionId = state.status === 'quarantined' ? state.exceptionId : key.resolved.at(-1) ?? UNKNOWN_EXCEPTION;
      const replay = step.action === 'override_and_replay';
      const others = keys.filter((k) => k !== key).flatMap((k) => k.arrivals);
      let canonicalRawId: number | null = null;
      if (replay && step.canonical === 'foreign') canonicalRawId = others[0]?.rawId ?? Number.MAX_SAFE_INTEGER;
      else if (replay && typeof step.canonical === 'number' && key.arrivals.length) canonicalRawId = key.arrivals[step.canonical % key.arrivals.length].rawId;
      else if (!replay && step.misuse) canonicalRawId = key.arrivals[0]?.rawId ?? 1;
      const patch = replay ? PATCHES[step.patch] : {};
      const outcome = await driver.resolve(exceptionId, step.action, patch, canonicalRawId);

      let expected: Refusal | 'resolved';
      let replayed: Json = null;
      if (!replay && step.misuse) expected = 'invalid';
      else if (state.status !== 'quarantined') expected = key.resolved.length ? 'already_resolved' : 'not_found';
      else if (replay && step.canonical === 'foreign') expected = 'invalid';
      else {
        const source = canonicalRawId ?? state.exceptionRawId;
        const arrival = key.arrivals.find((a) => a.rawId === source)!;
        replayed = replay ? mergePatch(arrival.payload, patch) : null;
        expected = !replay || replayable(replayed, tenant, eventId) ? 'resolved' : 'replay_invalid';
      }
      if (expected !== 'resolved') {
        expect(outcome, where).toEqual({ ok: false, refusal: expected });
      } else {
        expect(outcome, where).toMatchObject({ ok: true });
        const exception = (outcome as { value: Record<string, any> }).value;
        expect({
          exception_id: exception.exception_id, status: exception.status, resolution_action: exception.resolution_action,
          replay_count: exception.replay_count, canonical_raw_id: exception.canonical_raw_id === null ? null : Number(exception.canonical_raw_id),
        }, where).toEqual({
          exception_id: exceptionId, status: 'resolved', resolution_action: step.action, replay_count: replay ? 1 : 0,
          canonical_raw_id: replay ? canonicalRawId ?? (state as { exceptionRawId: number }).exceptionRawId : null,
        });
        key.resolved.push(exceptionId);
        key.state = replay ? { status: 'processed', canonical: canonical(replayed), payload: replayed } : { status: 'ignored' };
        audit += 1;
      }
    }
    await expectState(driver, keys, audit, where);
  }
}

async function expectState(driver: Driver, keys: KeyModel[], audit: number, where: string): Promise<void> {
  const snapshot = await driver.snapshot();
  const expectedKeys: Record<string, unknown> = {};
  const expectedOpen: unknown[] = [];
  const expectedBronze: Record<string, number> = {};
  keys.forEach((key, i) => {
    const { state } = key;
    if (state.status === 'none') return;
    expectedBronze[KEYS[i]] = key.arrivals.length;
    expectedKeys[KEYS[i]] = {
      status: state.status, arrivals: key.arrivals.length, fingerprint_matches: true,
      open_exception_id: state.status === 'quarantined' ? state.exceptionId : null,
      ...(state.status === 'processed' ? { canonical: state.canonical } : {}),
    };
    if (state.status === 'quarantined') {
      expectedOpen.push({ exception_id: state.exceptionId, idempotency_key: KEYS[i], arrivals: state.held, raw_id: String(state.exceptionRawId) });
    }
  });
  const actualKeys = Object.fromEntries(Object.entries(snapshot.keys).map(([k, v]) => [k, {
    status: v.status, arrivals: v.arrivals, fingerprint_matches: v.fingerprint_matches, open_exception_id: v.open_exception_id,
    ...(v.status === 'processed' ? { canonical: canonical(v.canonical_payload) } : {}),
  }]));
  expect(actualKeys, `${where}: keys`).toEqual(expectedKeys);
  expect(snapshot.open, `${where}: one open exception per held key`).toEqual(expect.arrayContaining(expectedOpen));
  expect(snapshot.open.length, `${where}: open exceptions`).toBe(expectedOpen.length);
  expect(snapshot.bronze, `${where}: Bronze rows per key`).toEqual(expectedBronze);
  expect(snapshot.audit, `${where}: audit rows`).toBe(audit);
  expect(snapshot.health, `${where}: health counters`).toEqual(snapshot.counted);
}

/** The owner's view of one tenant, for Driver.snapshot (health: as the owner reads it). */
export const SNAPSHOT_SQL = `
  select
    (select coalesce(jsonb_object_agg(k.idempotency_key, jsonb_build_object(
       'status', k.status, 'arrivals', k.arrivals, 'open_exception_id', k.open_exception_id, 'canonical_payload', k.canonical_payload,
       'fingerprint_matches', k.canonical_fingerprint is not distinct from sha256(convert_to(k.canonical_payload::text, 'UTF8'))
     )), '{}') from ledger.events_processed k where k.tenant_id = $1) as keys,
    (select coalesce(jsonb_agg(jsonb_build_object('exception_id', e.exception_id, 'idempotency_key', e.idempotency_key,
       'arrivals', e.arrivals, 'raw_id', e.raw_id::text)), '[]') from ledger.exceptions e where e.tenant_id = $1 and e.status = 'open') as open,
    (select coalesce(jsonb_object_agg(r.idempotency_key, r.n), '{}')
       from (select idempotency_key, count(*)::int as n from ledger.events_raw where tenant_id = $1 group by 1) r) as bronze,
    (select count(*)::int from ledger.audit_log a where a.tenant_id = $1) as audit,
    ledger.health($1) as health,
    jsonb_build_object(
      'events_raw', (select count(*) from ledger.events_raw where tenant_id = $1),
      'rejections', (select count(*) from ledger.rejections where tenant_id = $1),
      'exceptions_open', (select count(*) from ledger.exceptions where tenant_id = $1 and status = 'open'),
      'idempotency', jsonb_build_object(
        'processed', (select count(*) from ledger.events_processed where tenant_id = $1 and status = 'processed'),
        'quarantined', (select count(*) from ledger.events_processed where tenant_id = $1 and status = 'quarantined'),
        'ignored', (select count(*) from ledger.events_processed where tenant_id = $1 and status = 'ignored'))) as counted`;

let tenants = 0;
/** A fresh tenant id for each run, so that runs do not see each other. */
export function freshTenant(prefix: string): string {
  tenants += 1;
  return `${prefix}_${tenants}_${Math.random().toString(36).slice(2, 8)}`;
}
