// /admin/api: the console's read side, in ra-data-simple-rest conventions (query sort, range, filter;
// a JSON array of records with `id`; Content-Range). Operators only, each request one transaction as
// ledger_operator. Every field that can be filtered or sorted on is listed here, so nothing else of
// the query string reaches SQL; the console's writes go through /v1/exceptions/{id}/resolve|assign.
import { Router, type Request } from 'express';
import { callerOf, requireRole } from '../auth.js';
import type { Database, Param, Statement } from '../db/pool.js';
import { HttpProblem, titleOf, type FieldError } from '../errors.js';
import { exceptionId, isUuid } from '../limits.js';

type ValueType = 'text' | 'uuid' | 'bigint' | 'integer';

/** A filter: `column = value` (or `= any(values)`, or `is null`), or a substring search over columns. */
type Filter = { column: string; type: ValueType } | { search: string[] } | { custom: (param: string) => string; type: ValueType };

interface Resource {
  from: string;
  /** The record one row becomes in a list (large payloads left out). */
  listRecord: string;
  /** The record of GET /admin/api/<resource>/:id, with everything. */
  oneRecord: string;
  /** The where clause picking one row by its `id` ($1), and how a path id is checked. */
  byId: string;
  parseId: (id: string) => Param[];
  filters: Record<string, Filter>;
  /** Sortable fields and the columns they sort by; `id` also breaks ties. */
  sorts: Record<string, string[]>;
  defaultSort: [string, 'ASC' | 'DESC'];
  /** A total read from the health counters instead of count(*), for the filters it can answer. */
  countersTotal?: (filter: Record<string, unknown>) => Statement | null;
}

const MAX_PAGE = 1000;
const DEFAULT_RANGE: [number, number] = [0, 99];

const invalid = (errors: FieldError[]) =>
  new HttpProblem(422, titleOf(422), 'the query is invalid', errors);

const integerId = (what: string) => (id: string): Param[] => {
  if (!/^\d{1,18}$/.test(id)) throw invalid([{ path: 'id', message: `${what} ids are positive integers` }]);
  return [id];
};

/** Keys are named `<tenant_id>/<idempotency_key>`: tenant ids cannot hold a slash, event ids can. */
const keyId = (id: string): Param[] => {
  const slash = id.indexOf('/');
  if (slash < 1 || slash === id.length - 1) throw invalid([{ path: 'id', message: 'key ids are <tenant_id>/<idempotency_key>' }]);
  return [id.slice(0, slash), id.slice(slash + 1)];
};

/**
 * Bronze grows without bound: an unfiltered or tenant-only list (and, for keys, one filtered by
 * status) takes its total from ledger.health's counters, which always equal count(*).
 */
function healthTotal(filter: Record<string, unknown>, counters: (status: string | null) => string[] | null): Statement | null {
  const { tenant_id: tenant, status, ...rest } = filter;
  if (Object.keys(rest).length > 0) return null;
  if ((tenant !== undefined && typeof tenant !== 'string') || (status !== undefined && typeof status !== 'string')) return null;
  const paths = counters(status ?? null);
  if (!paths) return null;
  const sum = paths.map((_, i) => `(h #>> $${i + 2})::bigint`).join(' + ');
  return { sql: `select ${sum} as total from ledger.health($1) h`, params: [tenant ?? null, ...paths] };
}

const KEY_STATES = ['processed', 'quarantined', 'ignored'];

const RESOURCES: Record<string, Resource> = {
  exceptions: {
    from: 'ledger.exceptions e',
    listRecord: `jsonb_build_object('id', e.exception_id) || to_jsonb(e)`,
    oneRecord: `jsonb_build_object('id', e.exception_id) || to_jsonb(e)
      || jsonb_build_object('detail', ledger.exception_detail(e.exception_id))`,
    byId: 'e.exception_id = $1::uuid',
    parseId: (id) => [exceptionId(id)],
    filters: {
      id: { column: 'e.exception_id', type: 'uuid' },
      status: { column: 'e.status', type: 'text' },
      reason_code: { column: 'e.reason_code', type: 'text' },
      tenant_id: { column: 'e.tenant_id', type: 'text' },
      idempotency_key: { column: 'e.idempotency_key', type: 'text' },
      assigned_to: { column: 'e.assigned_to', type: 'text' },
      resolution_action: { column: 'e.resolution_action', type: 'text' },
      q: { search: ['e.idempotency_key', 'e.exception_id::text'] },
    },
    sorts: {
      id: ['e.exception_id'], opened_at: ['e.opened_at'], last_arrival_at: ['e.last_arrival_at'], resolved_at: ['e.resolved_at'],
      tenant_id: ['e.tenant_id'], idempotency_key: ['e.idempotency_key'], reason_code: ['e.reason_code'], status: ['e.status'],
      arrivals: ['e.arrivals'], assigned_to: ['e.assigned_to'],
    },
    defaultSort: ['opened_at', 'DESC'],
  },

  events: {
    from: 'ledger.events_raw r',
    listRecord: `jsonb_build_object('id', r.raw_id) || (to_jsonb(r) - 'fingerprint' - 'payload')
      || jsonb_build_object('fingerprint', encode(r.fingerprint, 'hex'))`,
    oneRecord: `jsonb_build_object('id', r.raw_id) || (to_jsonb(r) - 'fingerprint')
      || jsonb_build_object('fingerprint', encode(r.fingerprint, 'hex'))`,
    byId: 'r.raw_id = $1::bigint',
    parseId: integerId('event'),
    filters: {
      id: { column: 'r.raw_id', type: 'bigint' },
      tenant_id: { column: 'r.tenant_id', type: 'text' },
      idempotency_key: { column: 'r.idempotency_key', type: 'text' },
      result: { column: 'r.result', type: 'text' },
      reason_code: { column: 'r.reason_code', type: 'text' },
      event_type: { column: 'r.event_type', type: 'text' },
      source: { column: 'r.source', type: 'text' },
      exception_id: { column: 'r.exception_id', type: 'uuid' },
      q: { search: ['r.idempotency_key'] },
    },
    sorts: {
      id: ['r.raw_id'], received_at: ['r.received_at'], tenant_id: ['r.tenant_id'], idempotency_key: ['r.idempotency_key'],
      event_type: ['r.event_type'], attempt: ['r.attempt'], result: ['r.result'], reason_code: ['r.reason_code'], source: ['r.source'],
    },
    defaultSort: ['id', 'DESC'],
    countersTotal: (filter) => healthTotal(filter, (status) => (status === null ? ['{events_raw}'] : null)),
  },

  keys: {
    from: 'ledger.events_processed k',
    listRecord: `jsonb_build_object('id', k.tenant_id || '/' || k.idempotency_key)
      || (to_jsonb(k) - 'canonical_fingerprint' - 'canonical_payload')
      || jsonb_build_object('canonical_fingerprint', encode(k.canonical_fingerprint, 'hex'))`,
    oneRecord: `jsonb_build_object('id', k.tenant_id || '/' || k.idempotency_key) || (to_jsonb(k) - 'canonical_fingerprint')
      || jsonb_build_object('canonical_fingerprint', encode(k.canonical_fingerprint, 'hex'))`,
    byId: 'k.tenant_id = $1 and k.idempotency_key = $2',
    parseId: keyId,
    filters: {
      id: { custom: (p) => `(k.tenant_id, k.idempotency_key) in (select split_part(x, '/', 1), substr(x, strpos(x, '/') + 1)
        from jsonb_array_elements_text(${p}::jsonb) x)`, type: 'text' },
      tenant_id: { column: 'k.tenant_id', type: 'text' },
      idempotency_key: { column: 'k.idempotency_key', type: 'text' },
      status: { column: 'k.status', type: 'text' },
      event_type: { column: 'k.event_type', type: 'text' },
      open_exception_id: { column: 'k.open_exception_id', type: 'uuid' },
      q: { search: ['k.idempotency_key'] },
    },
    sorts: {
      id: ['k.tenant_id', 'k.idempotency_key'], tenant_id: ['k.tenant_id'], idempotency_key: ['k.idempotency_key'], status: ['k.status'],
      event_type: ['k.event_type'], arrivals: ['k.arrivals'], first_seen_at: ['k.first_seen_at'], last_seen_at: ['k.last_seen_at'],
      updated_at: ['k.updated_at'],
    },
    defaultSort: ['updated_at', 'DESC'],
    countersTotal: (filter) => healthTotal(filter, (status) =>
      status === null ? KEY_STATES.map((s) => `{idempotency,${s}}`) : KEY_STATES.includes(status) ? [`{idempotency,${status}}`] : null),
  },

  'audit-log': {
    from: 'ledger.audit_log a',
    listRecord: `jsonb_build_object('id', a.audit_id) || to_jsonb(a)`,
    oneRecord: `jsonb_build_object('id', a.audit_id) || to_jsonb(a)`,
    byId: 'a.audit_id = $1::bigint',
    parseId: integerId('audit'),
    filters: {
      id: { column: 'a.audit_id', type: 'bigint' },
      exception_id: { column: 'a.exception_id', type: 'uuid' },
      tenant_id: { column: 'a.tenant_id', type: 'text' },
      action: { column: 'a.action', type: 'text' },
      actor: { column: 'a.actor', type: 'text' },
      object_type: { column: 'a.object_type', type: 'text' },
      object_id: { column: 'a.object_id', type: 'text' },
      q: { search: ['a.object_id', 'a.notes'] },
    },
    sorts: { id: ['a.audit_id'], at: ['a.at'], actor: ['a.actor'], action: ['a.action'], tenant_id: ['a.tenant_id'] },
    defaultSort: ['id', 'DESC'],
  },

  rejections: {
    from: 'ledger.rejections x',
    listRecord: `jsonb_build_object('id', x.rejection_id) || (to_jsonb(x) - 'body_excerpt')`,
    oneRecord: `jsonb_build_object('id', x.rejection_id) || to_jsonb(x)`,
    byId: 'x.rejection_id = $1::bigint',
    parseId: integerId('rejection'),
    filters: {
      id: { column: 'x.rejection_id', type: 'bigint' },
      tenant_id: { column: 'x.tenant_id', type: 'text' },
      reason_code: { column: 'x.reason_code', type: 'text' },
      http_status: { column: 'x.http_status', type: 'integer' },
      source: { column: 'x.source', type: 'text' },
      idempotency_key: { column: 'x.idempotency_key', type: 'text' },
      q: { search: ['x.idempotency_key'] },
    },
    sorts: {
      id: ['x.rejection_id'], received_at: ['x.received_at'], tenant_id: ['x.tenant_id'], http_status: ['x.http_status'],
      reason_code: ['x.reason_code'], source: ['x.source'],
    },
    defaultSort: ['id', 'DESC'],
    countersTotal: (filter) => healthTotal(filter, (status) => (status === null ? ['{rejections}'] : null)),
  },
};

function queryJson(req: Request, name: string): unknown {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw invalid([{ path: name, message: 'must be given once' }]);
  try {
    return JSON.parse(raw);
  } catch {
    throw invalid([{ path: name, message: 'must be JSON' }]);
  }
}

function checkValue(type: ValueType, value: unknown, path: string): string {
  const ok =
    type === 'uuid' ? isUuid(value)
    : type === 'text' ? typeof value === 'string' && value.length <= 1000
    : (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) || (typeof value === 'string' && /^\d{1,18}$/.test(value));
  if (!ok) {
    throw invalid([{ path, message: type === 'uuid' ? 'must be a UUID' : type === 'text' ? 'must be a string' : 'must be a non-negative integer' }]);
  }
  return String(value);
}

interface ListQuery { where: string; params: Param[]; orderBy: string; offset: number; limit: number; filter: Record<string, unknown> }

function parseList(resource: Resource, req: Request): ListQuery {
  const filter = queryJson(req, 'filter') ?? {};
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw invalid([{ path: 'filter', message: 'must be a JSON object' }]);
  const entries = Object.entries(filter as Record<string, unknown>);

  const params: Param[] = [];
  const param = (value: Param) => `$${params.push(value)}`;
  const conditions: string[] = [];
  for (const [field, value] of entries) {
    const spec = resource.filters[field];
    const path = `filter.${field}`;
    if (!spec) throw invalid([{ path, message: `is not a filter; use one of ${Object.keys(resource.filters).join(', ')}` }]);
    if ('search' in spec) {
      if (typeof value !== 'string' || value.length > 1000) throw invalid([{ path, message: 'must be a string' }]);
      const pattern = param(`%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      conditions.push(`(${spec.search.map((column) => `${column} ilike ${pattern}`).join(' or ')})`);
    } else if (value === null && 'column' in spec) {
      conditions.push(`${spec.column} is null`);
    } else {
      const values = Array.isArray(value) ? value : [value];
      if (values.length === 0 || values.length > MAX_PAGE) throw invalid([{ path, message: `must hold 1 to ${MAX_PAGE} values` }]);
      const list = param(values.map((v, i) => checkValue(spec.type, v, Array.isArray(value) ? `${path}.${i}` : path)));
      conditions.push('custom' in spec ? spec.custom(list)
        : `${spec.column} = any(array(select jsonb_array_elements_text(${list}::jsonb))::${spec.type}[])`);
    }
  }

  const sort = queryJson(req, 'sort') ?? resource.defaultSort;
  if (!Array.isArray(sort) || sort.length !== 2 || typeof sort[0] !== 'string' || typeof sort[1] !== 'string'
      || !/^(asc|desc)$/i.test(sort[1])) {
    throw invalid([{ path: 'sort', message: 'must be ["field", "ASC" | "DESC"]' }]);
  }
  const sortColumns = resource.sorts[sort[0]];
  if (!sortColumns) throw invalid([{ path: 'sort.0', message: `cannot sort on it; use one of ${Object.keys(resource.sorts).join(', ')}` }]);
  const direction = sort[1].toUpperCase();
  // The id as the last key makes paging stable among equal values.
  const orderBy = [...new Set([...sortColumns, ...resource.sorts.id])].map((c) => `${c} ${direction} nulls last`).join(', ');

  const ids = (filter as Record<string, unknown>).id;
  const range = queryJson(req, 'range') ?? (Array.isArray(ids) ? [0, ids.length - 1] : DEFAULT_RANGE);
  if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isSafeInteger(n) && n >= 0) || range[1] < range[0]) {
    throw invalid([{ path: 'range', message: 'must be [start, end]: integers, 0 <= start <= end' }]);
  }
  const [start, end] = range as [number, number];
  return {
    where: conditions.length ? `where ${conditions.join(' and ')}` : '',
    params, orderBy, offset: start, limit: Math.min(end - start + 1, MAX_PAGE), filter: filter as Record<string, unknown>,
  };
}

function totalStatement(resource: Resource, q: ListQuery): Statement {
  return resource.countersTotal?.(q.filter) ?? { sql: `select count(*)::bigint as total from ${resource.from} ${q.where}`, params: q.params };
}

/** The dashboard: health counts, arrivals per minute by result over the last hour, open exceptions. */
const STATS_SQL = `
  with arrivals as (
    select date_trunc('minute', r.received_at) as minute, r.result, count(*) as n
    from ledger.events_raw r
    where r.received_at >= date_trunc('minute', now()) - interval '59 minutes'
    group by 1, 2
  ), minutes as (
    select m.minute,
      coalesce(sum(a.n) filter (where a.result = 'processed'), 0)::bigint as processed,
      coalesce(sum(a.n) filter (where a.result = 'duplicate'), 0)::bigint as duplicate,
      coalesce(sum(a.n) filter (where a.result = 'quarantined'), 0)::bigint as quarantined,
      coalesce(sum(a.n) filter (where a.result = 'ignored'), 0)::bigint as ignored
    from generate_series(date_trunc('minute', now()) - interval '59 minutes', date_trunc('minute', now()), interval '1 minute') m (minute)
    left join arrivals a on a.minute = m.minute
    group by m.minute
  )
  select jsonb_build_object(
    'db_time', now(),
    'counts', ledger.health(),
    'arrivals_per_minute', (select jsonb_agg(to_jsonb(m) order by m.minute) from minutes m),
    'open_by_reason', coalesce((select jsonb_agg(jsonb_build_object('reason_code', g.reason_code, 'count', g.n) order by g.n desc, g.reason_code)
      from (select e.reason_code, count(*) as n from ledger.exceptions e where e.status = 'open' group by 1) g), '[]'::jsonb),
    'oldest_open', (select jsonb_build_object('id', e.exception_id, 'tenant_id', e.tenant_id, 'idempotency_key', e.idempotency_key,
        'reason_code', e.reason_code, 'opened_at', e.opened_at, 'age_seconds', round(extract(epoch from now() - e.opened_at)))
      from ledger.exceptions e where e.status = 'open' order by e.opened_at, e.exception_id limit 1)
  ) as stats`;

export function adminApiRoutes(db: Database): Router {
  const router = Router();
  router.use('/admin/api', requireRole('operator'));
  // Read-only: the console changes state through /v1/exceptions/{id}/resolve and /assign.
  router.use('/admin/api', (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    next(new HttpProblem(405, titleOf(405), `${req.method} is not allowed here; the console API is read-only`, undefined, { allow: 'GET, HEAD' }));
  });

  router.get('/admin/api/me', (_req, res) => {
    const key = res.locals.apiKey!;
    res.json({ id: key.keyId, name: key.name, role: key.role, actor: callerOf(key).actor });
  });

  router.get('/admin/api/stats', async (_req, res) => {
    const [row] = await db.query(callerOf(res.locals.apiKey!), STATS_SQL);
    res.json(row.stats);
  });

  router.get('/admin/api/:resource', async (req, res) => {
    const name = String(req.params.resource);
    const resource = RESOURCES[name];
    if (!resource) throw new HttpProblem(404, titleOf(404), `no console resource ${name}`);
    const q = parseList(resource, req);
    const [rows, [count]] = await db.transaction(callerOf(res.locals.apiKey!), [
      { sql: `select ${resource.listRecord} as record from ${resource.from} ${q.where} order by ${q.orderBy} limit ${q.limit} offset ${q.offset}`,
        params: q.params },
      totalStatement(resource, q),
    ]);
    const end = q.offset + Math.max(rows.length, 1) - 1;
    res.setHeader('content-range', `${name} ${q.offset}-${end}/${Number(count.total)}`);
    res.setHeader('access-control-expose-headers', 'Content-Range');
    res.json(rows.map((r) => r.record));
  });

  router.get('/admin/api/:resource/:id', async (req, res) => {
    const name = String(req.params.resource);
    const resource = RESOURCES[name];
    if (!resource) throw new HttpProblem(404, titleOf(404), `no console resource ${name}`);
    const id = String(req.params.id);
    const [row] = await db.query(callerOf(res.locals.apiKey!),
      `select ${resource.oneRecord} as record from ${resource.from} where ${resource.byId}`, resource.parseId(id));
    if (!row) throw new HttpProblem(404, titleOf(404), `${name} ${id} not found`);
    res.json(row.record);
  });

  return router;
}
