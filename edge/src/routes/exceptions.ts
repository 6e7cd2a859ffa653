// The exception queue: list, detail, resolve, assign. Operators only.
import { Router } from 'express';
import { callerOf, requireRole } from '../auth.js';
import { jsonText, parseJson, requireJson } from '../body.js';
import type { Database, Statement } from '../db/database.js';
import { HttpProblem, titleOf } from '../errors.js';
import { exceptionId, type Limits } from '../limits.js';
import { AssignRequest, ExceptionListQuery, ResolveRequest } from '../schemas.js';
import { validate, validateQuery } from '../validate.js';

const notFound = (id: string) => new HttpProblem(404, titleOf(404), `exception ${id} not found`);

export interface ListQuery {
  status: string; tenant_id?: string; reason_code?: string; opened_before?: string; opened_after?: string;
  store_id?: string; txn_id?: string; source_system?: string; event_type?: string;
  sort: 'opened_at' | '-opened_at'; limit: number; offset: number;
}

/**
 * The page and the count of GET /v1/exceptions. A business field is compared as its column holds
 * it (its first 200 characters, the event type upper-cased), so that the column's index answers.
 */
export function exceptionListStatements(q: ListQuery): Statement[] {
  const where = `where e.status = $1 and ($2::text is null or e.tenant_id = $2) and ($3::text is null or e.reason_code = $3)
                 and ($4::timestamptz is null or e.opened_at < $4) and ($5::timestamptz is null or e.opened_at >= $5)
                 and ($6::text is null or e.store_id = left($6, 200)) and ($7::text is null or e.txn_id = left($7, 200))
                 and ($8::text is null or e.source_system = left($8, 200)) and ($9::text is null or e.event_type = left(upper($9), 200))`;
  const filter = [q.status, q.tenant_id ?? null, q.reason_code ?? null, q.opened_before ?? null, q.opened_after ?? null,
    q.store_id ?? null, q.txn_id ?? null, q.source_system ?? null, q.event_type ?? null];
  const order = q.sort === 'opened_at' ? 'e.opened_at, e.exception_id' : 'e.opened_at desc, e.exception_id';
  return [
    // Payloads leave as PostgreSQL writes them: a number keeps every digit (JS would round it).
    { sql: `select coalesce(jsonb_agg(to_jsonb(e) || jsonb_build_object('age_seconds', ledger_private.exception_age_seconds(e)) order by ${order}), '[]')::text as items
            from (select e.* from ledger.exceptions e ${where} order by ${order} limit $10 offset $11) e`,
      params: [...filter, q.limit, q.offset] },
    { sql: `select count(*)::bigint as total from ledger.exceptions e ${where}`, params: filter },
  ];
}

export function exceptionRoutes(db: Database, limits: Limits): Router {
  const router = Router();
  router.use('/v1/exceptions', requireRole('operator'));

  router.get('/v1/exceptions', async (req, res) => {
    const q = validateQuery<ListQuery>(ExceptionListQuery, { ...req.query });
    const [[page], [count]] = await db.transaction(callerOf(res.locals.apiKey!), exceptionListStatements(q));
    res.type('application/json').send(`{"items":${page.items},"total":${Number(count.total)},"limit":${q.limit},"offset":${q.offset}}`);
  });

  router.get('/v1/exceptions/:id', async (req, res) => {
    const id = exceptionId(String(req.params.id));
    const [row] = await db.query(callerOf(res.locals.apiKey!), 'select ledger.exception_detail($1::uuid)::text as detail', [id]);
    if (!row?.detail) throw notFound(id);
    res.type('application/json').send(row.detail);
  });

  router.post('/v1/exceptions/:id/resolve', requireJson, jsonText({ limitBytes: limits.resolveBodyBytes, timeoutMs: limits.bodyTimeoutMs }), async (req, res) => {
    const id = exceptionId(String(req.params.id));
    const body = validate<{ action: string; resolution_notes: string; actor?: string | null; override_patch?: unknown; canonical_raw_id?: number | null }>(
      ResolveRequest, parseJson(req.body), 'the resolution');
    // The patch goes from the body's own text to PostgreSQL and the answer back as PostgreSQL's
    // text, as events do: numbers keep their digits, and JSON nested deeper than JSON.stringify
    // can go (PostgreSQL takes more) is neither a crash before the call nor after its commit.
    const [row] = await db.query(callerOf(res.locals.apiKey!),
      `select to_jsonb(r)::text as exception from ledger.resolve_exception($1::uuid, $2, $3,
         coalesce(nullif(($4::jsonb) -> 'override_patch', 'null'), '{}'), $5::bigint, $6) r`,
      [id, body.action, body.resolution_notes, req.body as string, body.canonical_raw_id ?? null, body.actor ?? null]);
    res.type('application/json').send(row.exception);
  });

  router.post('/v1/exceptions/:id/assign', requireJson, jsonText({ limitBytes: limits.assignBodyBytes, timeoutMs: limits.bodyTimeoutMs }), async (req, res) => {
    const id = exceptionId(String(req.params.id));
    const body = validate<{ assigned_to: string }>(AssignRequest, parseJson(req.body), 'the assignment');
    const [row] = await db.query(callerOf(res.locals.apiKey!),
      'select to_jsonb(a) as exception from ledger.assign_exception($1::uuid, $2) a', [id, body.assigned_to]);
    res.json(row.exception);
  });

  return router;
}
