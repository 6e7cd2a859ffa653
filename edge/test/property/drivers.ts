// The paths a Driver (model.ts) plays a plan through: the SQL functions as a DBA calls them (one
// transaction each, as ledger_ingest or ledger_operator) and the HTTP routes as producers and
// operators call them. Both read the tenant's state as the owner.
import type pg from 'pg';
import type { Harness } from '../harness.js';
import type { Answer, Driver, Outcome, Refusal, Snapshot } from './model.js';
import { SNAPSHOT_SQL } from './model.js';

/** SQLSTATE → what the contract calls it. */
export const SQL_REFUSALS: Record<string, Refusal> = {
  '22023': 'invalid', '42501': 'forbidden', P0002: 'not_found', '55000': 'already_resolved', LSR01: 'replay_invalid',
};

/** The status the edge answers for a SQLSTATE a ledger function raises (db/ERRORS.md). */
export const SQLSTATE_STATUS: Record<string, number> = { '22023': 422, '42501': 403, P0002: 404, '55000': 409, LSR01: 409 };

export const SQL_OPERATOR = 'operator:property';

/** One call in a transaction of its own as `role`, committed when it succeeds. */
export async function callAs<T>(pool: pg.Pool, role: string, tenant: string, actor: string, sql: string, params: unknown[]):
  Promise<{ ok: true; rows: T[] } | { ok: false; code: string }> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query("select set_config('role', $1, true), set_config('ledger.tenant_id', $2, true), set_config('ledger.actor', $3, true)",
      [role, tenant, actor]);
    const { rows } = await client.query(sql, params);
    await client.query('commit');
    return { ok: true, rows: rows as T[] };
  } catch (error) {
    await client.query('rollback');
    return { ok: false, code: (error as { code?: string }).code ?? String(error) };
  } finally {
    client.release();
  }
}

const asOutcome = <T>(r: { ok: true; rows: T[] } | { ok: false; code: string }): Outcome<T> =>
  (r.ok ? { ok: true, value: r.rows[0] } : { ok: false, refusal: SQL_REFUSALS[r.code] ?? `SQLSTATE ${r.code}` });

export const snapshotOf = async (owner: Pick<pg.Pool, 'query'>, tenant: string): Promise<Snapshot> =>
  (await owner.query(SNAPSHOT_SQL, [tenant])).rows[0];

export function sqlDriver(pool: pg.Pool, tenant: string): Driver {
  return {
    tenant, operatorActor: SQL_OPERATOR, source: 'sql', rejectionSource: null,
    async arrive(text) {
      const outcome = asOutcome(await callAs<Answer>(pool, 'ledger_ingest', tenant, '', 'select * from ledger.ingest_event($1::jsonb)', [text]));
      return outcome.ok ? { ok: true, value: { ...outcome.value, raw_id: Number(outcome.value.raw_id) } } : outcome;
    },
    resolve: async (exceptionId, action, notes, patch, canonicalRawId, claimed) => asOutcome(await callAs(pool, 'ledger_operator', '', SQL_OPERATOR,
      'select * from ledger.resolve_exception($1::uuid, $2, $3, $4::jsonb, $5::bigint, $6)', [exceptionId, action, notes, patch, canonicalRawId, claimed])),
    assign: async (exceptionId, assignedTo) => asOutcome(await callAs(pool, 'ledger_operator', '', SQL_OPERATOR,
      'select * from ledger.assign_exception($1::uuid, $2)', [exceptionId, assignedTo])),
    async failNext(eventId) {
      await pool.query('select tests.fail_next_processing($1, $2)', [tenant, eventId]);
    },
    snapshot: () => snapshotOf(pool, tenant),
  };
}

/** What an HTTP refusal is, in the contract's words. */
export function httpRefusal(status: number, json: any): Refusal | string {
  if (status === 422) return 'invalid';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  // Both are 409: a replay that is not a valid arrival names its reason (CONTRACT v1) and says
  // why, field by field; an exception already resolved names none.
  if (status === 409 && json?.code === 'REPLAY_VALIDATION_FAILED' && Array.isArray(json.errors) && json.errors.length > 0) return 'replay_invalid';
  if (status === 409 && json?.code === undefined && json?.errors === undefined) return 'already_resolved';
  return `HTTP ${status} ${JSON.stringify({ code: json?.code, errors: json?.errors })}`;
}

export const JSON_HEADERS = { 'content-type': 'application/json' };

/** The actor the edge records for the harness's operator key (named operator-ops, see harness.ts). */
export const HTTP_OPERATOR = 'operator:operator-ops';

export function httpDriver(h: Harness, tenant: string, producerKey: string): Driver {
  return {
    tenant, operatorActor: HTTP_OPERATOR, source: 'http', rejectionSource: 'http',
    async arrive(text) {
      const r = await h.http('POST', '/v1/events', { key: producerKey, raw: text, headers: JSON_HEADERS });
      return r.status >= 200 && r.status < 300 ? { ok: true, value: { ...r.json, status: r.status } } : { ok: false, refusal: httpRefusal(r.status, r.json) };
    },
    async resolve(exceptionId, action, notes, patch, canonicalRawId, claimed) {
      const members = [`"action":${JSON.stringify(action)}`, `"resolution_notes":${JSON.stringify(notes)}`, `"override_patch":${patch}`,
        `"canonical_raw_id":${JSON.stringify(canonicalRawId)}`, ...(claimed === null ? [] : [`"actor":${JSON.stringify(claimed)}`])];
      const r = await h.http('POST', `/v1/exceptions/${exceptionId}/resolve`, { key: h.operatorKey, raw: `{${members.join(',')}}`, headers: JSON_HEADERS });
      return r.status === 200 ? { ok: true, value: r.json } : { ok: false, refusal: httpRefusal(r.status, r.json) };
    },
    async assign(exceptionId, assignedTo) {
      const r = await h.http('POST', `/v1/exceptions/${exceptionId}/assign`, { key: h.operatorKey, body: { assigned_to: assignedTo } });
      return r.status === 200 ? { ok: true, value: r.json } : { ok: false, refusal: httpRefusal(r.status, r.json) };
    },
    async failNext(eventId) {
      await h.owner.query('select tests.fail_next_processing($1, $2)', [tenant, eventId]);
    },
    async snapshot() {
      const [state, health] = await Promise.all([snapshotOf(h.owner, tenant), h.http('GET', '/v1/health', { key: producerKey })]);
      return { ...state, health: health.status === 200 ? health.json.counts : `HTTP ${health.status}` };
    },
  };
}
