// Every request is one transaction as one role: the role and the caller's binding are set with
// set_config(..., true) and the work follows in the same simple-protocol message, which PostgreSQL
// runs as one implicit transaction — one round trip per request instead of four
// (BEGIN, SET, call, COMMIT). Parameters are inlined as escaped literals (standard_conforming_strings).
import pg from 'pg';

export type DbRole = 'ledger_ingest' | 'ledger_operator' | 'ledger_readonly';

export interface Caller {
  role: DbRole;
  /** The producer's tenant: functions refuse other tenants (42501) and RLS hides their rows. */
  tenantId?: string | null;
  /** The authenticated actor recorded in the audit trail. */
  actor?: string | null;
}

/**
 * The settings a caller's transaction runs with: its role, its tenant binding and its actor. REST
 * sets them per transaction (Database.transaction), GraphQL hands them to PostGraphile (pgSettings).
 */
export function settingsOf(caller: Caller): Record<string, string> {
  return { role: caller.role, 'ledger.tenant_id': caller.tenantId ?? '', 'ledger.actor': caller.actor ?? '' };
}

/** A refusal the edge decided for an arrival, recorded by the database with the others. */
export interface EdgeRefusal { status: number; reason_code: string; errors: { path: string; message: string }[]; body_excerpt: string | null; event_id: string | null }

/** A producer's arrivals as texts, for ledger_private.ingest_texts. */
export interface TextArrivals {
  /** Each envelope's text as sent; null for one the edge refused itself (see refusals). */
  texts: (string | null)[];
  /** Each text's nesting depth, as measured by the edge (null: not measured). */
  depths: (number | null)[];
  /** What the edge refused, item by item (null: the database judges it); none: all judged there. */
  refusals?: (EdgeRefusal | null)[];
  tenantId: string;
  keyId: string;
  source: 'batch' | 'graphql';
}

/** A single POST's envelope, to be ingested in one call with other producers' (ingest-coalescer.ts). */
export interface Arrival {
  text: string;
  /** Its nesting depth, as the edge measured it. */
  depth: number;
  /** The producer's tenant binding and key. */
  tenantId: string;
  keyId: string;
}

/** The pool gave no connection: nothing was sent, so nothing of the call can have been committed. */
export class NotSent extends Error {
  constructor(readonly reason: unknown) {
    super('no connection for the call');
  }
}

export type Param = string | number | boolean | null | undefined | Buffer | object;

export function literal(value: Param): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    // JSON's 1e400 parses as Infinity, which no PostgreSQL number holds: out of range, as 22003 says.
    if (!Number.isFinite(value)) throw Object.assign(new Error('non-finite number'), { code: '22003' });
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Buffer.isBuffer(value)) return `'\\x${value.toString('hex')}'::bytea`;
  if (typeof value === 'string') {
    // PostgreSQL text cannot hold \u0000, and a NUL would end the query text early: refuse it as
    // PostgreSQL refuses \u0000 in jsonb (22P05), not as a broken connection.
    if (value.includes('\u0000')) throw Object.assign(new Error('text cannot hold \\u0000'), { code: '22P05' });
    return pg.escapeLiteral(value);
  }
  return pg.escapeLiteral(JSON.stringify(value));
}

/** Replaces $1, $2… of our own static SQL by literals. */
export function inline(sql: string, params: Param[] = []): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index >= params.length) throw new RangeError(`missing parameter $${n}`);
    return literal(params[index]);
  });
}

export interface Statement { sql: string; params?: Param[] }

const arrivalsSql = new Map<number, string>();

/** The statement of a call of n arrivals (made once per n). */
function ingestArrivalsSql(n: number): string {
  let sql = arrivalsSql.get(n);
  if (sql === undefined) {
    sql = `select * from ledger_private.ingest_texts(array[${Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ')}]::text[],
             $${n + 1}::integer[], $${n + 2}::text[], $${n + 3}::uuid[], array_fill('http'::text, array[${n}]))`;
    arrivalsSql.set(n, sql);
  }
  return sql;
}

export class Database {
  constructor(readonly pool: pg.Pool) {}

  /** Runs the statements as `caller` in one transaction; returns each statement's rows. */
  async transaction(caller: Caller, statements: Statement[]): Promise<Record<string, any>[][]> {
    const settings = Object.entries(settingsOf(caller));
    const prologue = inline(`select ${settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ')}`, settings.flat());
    const text = [prologue, ...statements.map((s) => inline(s.sql, s.params))].join(';\n');
    const results = (await this.pool.query(text)) as unknown as pg.QueryResult[];
    return results.slice(1).map((r) => r.rows);
  }

  /**
   * The hot path, POST /v1/events, as a statement prepared once per connection: the producer's
   * role, tenant and actor travel as parameters (db/functions/140-edge-ingest.sql) instead of as
   * query text PostgreSQL would parse and plan on every request, and the envelope's text as a
   * parameter, untouched.
   */
  async ingestEvent(caller: Caller, envelopeText: string, source: string): Promise<Record<string, any>> {
    if (caller.role !== 'ledger_ingest') throw new Error('only producers ingest');
    const { rows } = await this.pool.query({
      name: 'ledger-safe.ingest_event_as',
      text: 'select * from ledger_private.ingest_event_as($1, $2, $3::jsonb, $4)',
      values: [caller.tenantId ?? null, caller.actor ?? null, envelopeText, source],
    });
    return rows[0];
  }

  /**
   * Envelopes as texts, each judged alone by ledger_private.ingest_texts (ledger_edge's own): one
   * answer each, in order. Each text travels as a parameter of its own, untouched, never escaped
   * into query text.
   */
  async ingestTexts({ texts, depths, refusals, tenantId, keyId, source }: TextArrivals): Promise<Record<string, any>[]> {
    const n = texts.length;
    if (n === 0) return [];
    const items = texts.map((_, i) => `$${i + 1}`).join(', ');
    const refused = refusals?.some((r) => r !== null) ? refusals.map((r) => (r === null ? null : JSON.stringify(r))) : null;
    const { rows } = await this.pool.query({
      text: `select * from ledger_private.ingest_texts(array[${items}]::text[], $${n + 1}::integer[],
               array_fill($${n + 2}::text, array[${n}]), array_fill($${n + 3}::uuid, array[${n}]), array_fill($${n + 4}::text, array[${n}]),
               $${n + 5}::jsonb[])`,
      values: [...texts, depths, tenantId, keyId, source, refused],
    });
    return rows;
  }

  /**
   * Arrivals of several producers in one ledger_private.ingest_texts call, one answer row each, in
   * order, each judged against its own producer's tenant. Prepared once per connection and number
   * of arrivals; each text travels as a parameter of its own, untouched. A connection the pool
   * could not give is a NotSent; any other failure may have happened after the call was sent.
   */
  async ingestArrivals(arrivals: Arrival[]): Promise<Record<string, any>[]> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new NotSent(error);
    }
    const n = arrivals.length;
    const texts = new Array<string>(n);
    const depths = new Array<number>(n);
    const tenants = new Array<string>(n);
    const keys = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const a = arrivals[i];
      texts[i] = a.text;
      depths[i] = a.depth;
      tenants[i] = a.tenantId;
      keys[i] = a.keyId;
    }
    // A checked-out client has no listener of the pool's: a connection lost meanwhile would be an
    // unhandled 'error' event. The query itself fails with it too.
    const lost = () => {};
    client.on('error', lost);
    try {
      const { rows } = await client.query({ name: `ledger-safe.ingest_texts.${n}`, text: ingestArrivalsSql(n), values: [...texts, depths, tenants, keys] });
      client.off('error', lost);
      client.release();
      return rows;
    } catch (error) {
      client.off('error', lost);
      // A connection that answered an error is sound; any other failure takes it out of the pool.
      client.release((error as { severity?: string }).severity === 'ERROR' ? undefined : (error as Error));
      throw error;
    }
  }

  /** One statement as `caller`: its rows. */
  async query(caller: Caller, sql: string, params: Param[] = []): Promise<Record<string, any>[]> {
    const [rows] = await this.transaction(caller, [{ sql, params }]);
    return rows;
  }
}
