// POST /v1/events and /v1/events/batch: producers only, one database function per request.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { callerOf, requireRole } from '../auth.js';
import { jsonText, parseJson, requireJson } from '../body.js';
import type { Database } from '../db/pool.js';
import { HttpProblem, titleOf, toProblem } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { BatchRequest } from '../schemas.js';
import { validate } from '../validate.js';

export const EVENT_BODY_LIMIT = 256 * 1024;
export const BATCH_BODY_LIMIT = Number(process.env.BATCH_BODY_LIMIT ?? 16 * 1024 * 1024);

/** The answer as the contract words it (the HTTP status travels separately). */
export function publicAnswer(row: Record<string, any>) {
  return {
    tenant_id: row.tenant_id,
    idempotency_key: row.idempotency_key,
    raw_id: row.raw_id === null ? null : Number(row.raw_id),
    result: row.result,
    exception_id: row.exception_id,
    reason_code: row.reason_code,
    key_status: row.key_status,
    attempt: row.attempt,
    received_at: row.received_at instanceof Date ? row.received_at.toISOString() : row.received_at,
  };
}

const REASONS: Record<number, string> = {
  400: 'INVALID_JSON', 403: 'TENANT_MISMATCH', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 422: 'INVALID_ENVELOPE',
};

export function eventRoutes(db: Database, metrics: Metrics): Router {
  const router = Router();

  /** Every refused arrival of a producer is recorded in ledger.rejections, then answered. */
  async function recordRejection(error: unknown, req: Request, res: Response, next: NextFunction) {
    const problem = toProblem(error);
    const key = res.locals.apiKey;
    if (key?.role === 'producer' && problem.status >= 400 && problem.status < 500 && problem.status !== 401) {
      const text = typeof req.body === 'string' ? req.body : null;
      const reason = problem.errors?.some((e) => e.path === 'Idempotency-Key') ? 'IDEMPOTENCY_KEY_MISMATCH' : REASONS[problem.status] ?? 'REJECTED';
      let eventId: string | null = null;
      try {
        const parsed = text ? JSON.parse(text) : null;
        // Text columns cannot hold \u0000: kept without it, as the body excerpt is.
        if (typeof parsed?.event_id === 'string') eventId = parsed.event_id.replace(/\u0000/g, '');
      } catch { /* not JSON: no key to record */ }
      metrics.rejections.inc({ reason_code: reason });
      await db.query(callerOf(key), 'select ledger.record_rejection($1, $2, $3, $4::jsonb, $5, $6, $7, $8::uuid)', [
        key.tenantId, problem.status, reason, JSON.stringify(problem.errors ?? [{ path: '', message: problem.detail ?? problem.title }]),
        text === null ? null : text.slice(0, 4096).replace(/\u0000/g, ''), req.path.endsWith('/batch') ? 'batch' : 'http', eventId, key.keyId,
      ]).catch((e) => req.log.error({ err: e }, 'could not record a rejection'));
    }
    // The original error goes on, so that a 5xx is logged with its cause.
    next(error);
  }

  router.post('/v1/events', requireRole('producer'), requireJson, jsonText(EVENT_BODY_LIMIT), async (req: Request, res: Response) => {
    const text = req.body as string;
    const envelope = parseJson(text) as Record<string, unknown> | null;
    const header = req.get('idempotency-key');
    if (header !== undefined && (envelope === null || typeof envelope !== 'object' || header !== envelope.event_id)) {
      throw new HttpProblem(422, titleOf(422), 'the Idempotency-Key header must equal the envelope\'s event_id',
        [{ path: 'Idempotency-Key', message: 'must equal event_id' }]);
    }
    const answer = await db.ingestEvent(callerOf(res.locals.apiKey!), text, 'http');
    metrics.outcome(answer.result, answer.reason_code);
    res.status(answer.status).json(publicAnswer(answer));
  }, recordRejection);

  router.post('/v1/events/batch', requireRole('producer'), requireJson, jsonText(BATCH_BODY_LIMIT), async (req: Request, res: Response) => {
    const text = req.body as string;
    validate(BatchRequest, parseJson(text), 'the batch');
    const rows = await db.query(callerOf(res.locals.apiKey!), "select * from ledger.ingest_events(($1::jsonb) -> 'events')", [text]);
    res.status(200).json({
      results: rows.map((row) => {
        metrics.outcome(row.result, row.reason_code);
        return { ...publicAnswer(row), status: row.status, ...(row.errors ? { errors: row.errors } : {}) };
      }),
    });
  }, recordRejection);

  return router;
}
