// Bulk resolution (POST /v1/exceptions/bulk) and the jobs it makes (GET /v1/jobs/{id}, POST
// /v1/jobs/{id}/cancel). Operators only. The database decides everything (ledger.bulk_resolve,
// get_job, cancel_job); the edge passes the body's own text, so a merge patch keeps its digits,
// and wakes the job worker when a job is made.
import { Router } from 'express';
import { callerOf, requireRole } from '../auth.js';
import { jsonText, parseJson, requireJson } from '../body.js';
import type { Database } from '../db/database.js';
import { HttpProblem, titleOf } from '../errors.js';
import type { JobWorker } from '../jobs-worker.js';
import { isUuid, type Limits } from '../limits.js';
import { BulkRequest } from '../schemas.js';
import { validate } from '../validate.js';

interface BulkBody { action: string; resolution_notes?: string | null; assigned_to?: string | null; dry_run: boolean }

function jobId(value: string): string {
  if (!isUuid(value)) throw new HttpProblem(422, titleOf(422), 'job ids are UUIDs', [{ path: 'job_id', message: 'must be a UUID' }]);
  return value.toLowerCase();
}

const notFound = (id: string) => new HttpProblem(404, titleOf(404), `job ${id} not found`);

export function jobRoutes(db: Database, worker: JobWorker | null, limits: Limits): Router {
  const router = Router();
  router.use(['/v1/exceptions/bulk', '/v1/jobs'], requireRole('operator'));

  router.post('/v1/exceptions/bulk', requireJson, jsonText({ limitBytes: limits.resolveBodyBytes, timeoutMs: limits.bodyTimeoutMs }), async (req, res) => {
    const body = validate<BulkBody>(BulkRequest, parseJson(req.body), 'the bulk request');
    const requestKey = req.get('idempotency-key');
    if (requestKey !== undefined && (requestKey.trim() === '' || requestKey.length > 255)) {
      throw new HttpProblem(422, titleOf(422), 'the Idempotency-Key header is invalid', [{ path: 'Idempotency-Key', message: 'must be 1-255 characters' }]);
    }
    const [row] = await db.query(callerOf(res.locals.apiKey!),
      `select ledger.bulk_resolve(($1::jsonb) -> 'filter', $2, $3, coalesce(nullif(($1::jsonb) -> 'override_patch', 'null'), '{}'), $4, $5, $6)::text as answer`,
      [req.body as string, body.action, body.resolution_notes ?? null, body.assigned_to ?? null, body.dry_run, body.dry_run ? null : requestKey ?? null]);
    if (body.dry_run) {
      res.type('application/json').send(row.answer);
      return;
    }
    const started = JSON.parse(row.answer) as { job_id: string; status: string };
    if (started.status === 'running') worker?.wake();
    res.status(202).location(`/v1/jobs/${started.job_id}`).type('application/json').send(row.answer);
  });

  router.get('/v1/jobs/:id', async (req, res) => {
    const id = jobId(String(req.params.id));
    const [row] = await db.query(callerOf(res.locals.apiKey!), 'select ledger.get_job($1::uuid)::text as job', [id]);
    if (!row?.job) throw notFound(id);
    res.type('application/json').send(row.job);
  });

  router.post('/v1/jobs/:id/cancel', async (req, res) => {
    const id = jobId(String(req.params.id));
    const [row] = await db.query(callerOf(res.locals.apiKey!), 'select ledger.cancel_job($1::uuid)::text as job', [id]);
    res.type('application/json').send(row.job);
  });

  return router;
}
