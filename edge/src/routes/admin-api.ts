// /admin/api: the console's read side, in ra-data-simple-rest conventions (query sort, range, filter;
// a JSON array of records with `id`; Content-Range). Operators only, each request one transaction as
// ledger_operator. Every read is a function of the database (db/functions/300-345, 420-430) answering
// PostgreSQL's JSON text, sent on as it is, so no number of a payload, patch or detail passes
// through a JavaScript double; the filter's own text is its argument, for the same reason. Which
// filters, sorts and ids a resource has is the database's to say: the edge only turns the query
// string into safe arguments. The console's writes go through /v1/exceptions/{id}/resolve|assign,
// except closing a business day (POST /admin/api/business-days), which has no /v1 route.
import { Router, type Request } from 'express';
import { callerOf, requireRole } from '../auth.js';
import { jsonText, parseJson, requireJson } from '../body.js';
import type { Database } from '../db/database.js';
import { HttpProblem, titleOf } from '../errors.js';
import type { Limits } from '../limits.js';

interface ConsoleResource {
  /** (filter jsonb, sort text, descending boolean, range_start bigint, range_end bigint) → (total, returned, records text) */
  list: string;
  /** (id text) → the record's text, or null; none for a resource read only as a list. */
  one?: string;
}

const IDEMPOTENCY_KEYS: ConsoleResource = { list: 'ledger.list_console_idempotency_keys', one: 'ledger.get_console_idempotency_key' };

/** A Map, not an object: a resource named `__proto__` or `constructor` is simply not in it. */
const RESOURCES = new Map<string, ConsoleResource>([
  ['exceptions', { list: 'ledger.list_console_exceptions', one: 'ledger.get_console_exception' }],
  ['events', { list: 'ledger.list_console_events', one: 'ledger.get_console_event' }],
  ['idempotency-keys', IDEMPOTENCY_KEYS],
  // The contract (v1) and its acceptance check name the idempotency state `keys`; the console
  // calls it idempotency-keys, since API keys are keys too.
  ['keys', IDEMPOTENCY_KEYS],
  ['audit-log', { list: 'ledger.list_console_audit_log', one: 'ledger.get_console_audit_row' }],
  ['rejections', { list: 'ledger.list_console_rejections', one: 'ledger.get_console_rejection' }],
  ['jobs', { list: 'ledger.list_console_jobs', one: 'ledger.get_console_job' }],
  ['job-items', { list: 'ledger.list_console_job_items', one: 'ledger.get_console_job_item' }],
  ['reason-codes', { list: 'ledger.list_console_reason_codes', one: 'ledger.get_console_reason_code' }],
  ['sales', { list: 'ledger.list_console_daily_sales' }],
  ['stores', { list: 'ledger.list_console_stores', one: 'ledger.get_console_store' }],
  ['transactions', { list: 'ledger.list_console_transactions', one: 'ledger.get_console_transaction' }],
]);

const invalid = (path: string, message: string) =>
  new HttpProblem(422, titleOf(422), `the query is invalid: ${path} ${message}`, [{ path, message }]);

/** What PostgreSQL says of a filter's text that jsonb cannot hold, as the filter's own error. */
const FILTER_TEXT_REFUSED: Record<string, string> = {
  '22P02': 'must be JSON',
  '22P05': 'cannot hold \\u0000',
  '22003': 'holds a number out of the range PostgreSQL can store',
  '54001': 'is nested too deeply',
};

function resourceOf(req: Request): { name: string; resource: ConsoleResource } {
  const name = String(req.params.resource);
  const resource = RESOURCES.get(name);
  if (!resource) throw new HttpProblem(404, titleOf(404), `no console resource ${name}`);
  return { name, resource };
}

function queryText(req: Request, name: string): string | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw invalid(name, 'must be given once');
  return raw;
}

function queryJson(req: Request, name: string): unknown {
  const text = queryText(req, name);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(name, 'must be JSON');
  }
}

/** PostgreSQL text cannot hold U+0000: a name holding it is no name the database knows. */
const holdsNul = (text: string) => text.includes('\u0000');

interface ListArguments { filter: string; sort: string | null; descending: boolean | null; start: number; end: number | null }

function listArguments(req: Request): ListArguments {
  const filter = queryText(req, 'filter') ?? '{}';
  if (holdsNul(filter)) throw invalid('filter', FILTER_TEXT_REFUSED['22P05']);

  const sort = queryJson(req, 'sort');
  if (sort !== undefined && (!Array.isArray(sort) || sort.length !== 2 || typeof sort[0] !== 'string' || typeof sort[1] !== 'string'
      || !/^(asc|desc)$/i.test(sort[1]))) {
    throw invalid('sort', 'must be ["field", "ASC" | "DESC"]');
  }
  if (sort !== undefined && holdsNul(sort[0])) throw invalid('sort.0', 'cannot sort on it');

  const range = queryJson(req, 'range');
  if (range !== undefined && (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isSafeInteger(n) && n >= 0))) {
    throw invalid('range', 'must be [start, end]: integers, 0 <= start <= end');
  }
  return {
    filter,
    sort: sort === undefined ? null : sort[0],
    descending: sort === undefined ? null : sort[1].toUpperCase() === 'DESC',
    start: range === undefined ? 0 : range[0],
    end: range === undefined ? null : range[1],
  };
}

export function adminApiRoutes(db: Database, limits: Limits): Router {
  const router = Router();
  router.use('/admin/api', requireRole('operator'));

  // The database checks each field (ledger.close_console_business_day) and closes the day through
  // ledger.close_business_day, audited: 422 with the fields, 409 when the day is already closed.
  router.post('/admin/api/business-days', requireJson, jsonText({ limitBytes: limits.resolveBodyBytes, timeoutMs: limits.bodyTimeoutMs }), async (req, res) => {
    parseJson(req.body);
    const [row] = await db.query(callerOf(res.locals.apiKey!), 'select ledger.close_console_business_day($1::jsonb) as day', [req.body as string]);
    res.status(201).type('application/json').send(row.day);
  });

  // Otherwise read-only: the console changes state through /v1/exceptions/{id}/resolve and /assign.
  router.use('/admin/api', (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    next(new HttpProblem(405, titleOf(405), `${req.method} is not allowed here; the console API is read-only`, undefined, { allow: 'GET, HEAD' }));
  });

  router.get('/admin/api/me', (_req, res) => {
    const key = res.locals.apiKey!;
    res.json({ id: key.keyId, name: key.name, role: key.role, actor: callerOf(key).actor });
  });

  // Who exceptions can be assigned to: the operator keys' names (ledger.list_operators), never their hashes.
  router.get('/admin/api/operators', async (_req, res) => {
    const [row] = await db.query(callerOf(res.locals.apiKey!),
      `select coalesce(jsonb_agg(jsonb_build_object('id', o.actor, 'name', o.name, 'actor', o.actor) order by o.name), '[]')::text as operators
       from ledger.list_operators() o`);
    res.type('application/json').send(row.operators);
  });

  router.get('/admin/api/stats', async (_req, res) => {
    const [row] = await db.query(callerOf(res.locals.apiKey!), 'select ledger.get_console_stats() as stats');
    res.type('application/json').send(row.stats);
  });

  router.get('/admin/api/:resource', async (req, res) => {
    const { name, resource } = resourceOf(req);
    const q = listArguments(req);
    let page: Record<string, any>;
    try {
      [page] = await db.query(callerOf(res.locals.apiKey!),
        `select total, returned, records from ${resource.list}($1::jsonb, $2, $3, $4, $5)`, [q.filter, q.sort, q.descending, q.start, q.end]);
    } catch (error) {
      const refused = FILTER_TEXT_REFUSED[(error as { code?: string }).code ?? ''];
      if (refused) throw invalid('filter', refused);
      throw error;
    }
    const end = q.start + Math.max(page.returned, 1) - 1;
    res.setHeader('content-range', `${name} ${q.start}-${end}/${page.total}`);
    res.setHeader('access-control-expose-headers', 'Content-Range');
    res.type('application/json').send(page.records);
  });

  router.get('/admin/api/:resource/:id', async (req, res) => {
    const { name, resource } = resourceOf(req);
    const id = String(req.params.id);
    if (!resource.one) throw new HttpProblem(404, titleOf(404), `${name} are read as a list only`);
    if (holdsNul(id)) throw invalid('id', 'is not an id');
    const [row] = await db.query(callerOf(res.locals.apiKey!), `select ${resource.one}($1) as record`, [id]);
    if (row.record === null) throw new HttpProblem(404, titleOf(404), `${name} ${id} not found`);
    res.type('application/json').send(row.record);
  });

  return router;
}
