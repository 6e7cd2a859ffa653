// POST /v1/events and /v1/events/batch: producers only, one database function per request.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { callerOf, requireRole, type ApiKey } from '../auth.js';
import { BatchScanner, type BatchItem } from '../batch-scanner.js';
import { BodyProblem, jsonText, parseJson, requireJson, streamBody } from '../body.js';
import type { Database } from '../db/database.js';
import { HttpProblem, titleOf, toProblem, type FieldError } from '../errors.js';
import { sharedDepth, type IngestCoalescer } from '../ingest-coalescer.js';
import type { Limits } from '../limits.js';
import type { Metrics } from '../metrics.js';

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

/** A batch's answer for one item: the answer, its status, and its errors when refused. */
export const itemAnswer = (row: Record<string, any>) =>
  ({ ...publicAnswer(row), status: row.status, ...(row.errors ? { errors: row.errors as FieldError[] } : {}) });

const REASONS: Record<number, string> = {
  400: 'INVALID_JSON', 403: 'TENANT_MISMATCH', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 422: 'INVALID_ENVELOPE',
};

/** A refusal the database judged and recorded in the arrival's own transaction (a coalesced call). */
class RecordedRefusal extends HttpProblem {}

/**
 * A coalesced arrival's refusal as the problem ledger.ingest_event's error makes of it alone: the
 * same status, detail (the messages it raises, db/functions/010-context.sql and 070-ingest.sql)
 * and errors.
 */
function refusalOf(row: Record<string, any>, key: ApiKey): RecordedRefusal {
  const errors = (row.errors ?? []) as FieldError[];
  const detail = row.status === 403 ? `this key may only act for tenant ${key.tenantId}`
    : row.status === 422 ? 'envelope invalid' : errors[0]?.message ?? titleOf(row.status);
  return new RecordedRefusal(row.status, titleOf(row.status), detail, errors);
}

/** The reason a refusal is recorded with, or null when there is no arrival to record. */
function reasonOf(problem: HttpProblem): string | null {
  if (problem instanceof BodyProblem) return problem.reason;
  if (problem.errors?.some((e) => e.path === 'Idempotency-Key')) return 'IDEMPOTENCY_KEY_MISMATCH';
  return REASONS[problem.status] ?? null;
}

/** What a rejection row can say of an event id: a plain string member, without \u0000 (text cannot hold it). */
function eventIdOf(text: string | null): string | null {
  try {
    const parsed = text ? JSON.parse(text) : null;
    return typeof parsed?.event_id === 'string' ? parsed.event_id.replace(/\u0000/g, '') : null;
  } catch {
    return null;
  }
}

/** A key read through bytes that were not UTF-8 (U+FFFD in it) is not the key that was sent: none is recorded. */
const seenEventId = (eventId: string | null) => (eventId?.includes('\ufffd') ? null : eventId);

/**
 * Records refusals the edge decided (ledger.record_rejection, as the producer). Items of a batch
 * the database judges are recorded by ledger_private.ingest_texts itself.
 */
export async function recordRefusal(db: Database, key: ApiKey, refusal: { status: number; reason: string; errors: FieldError[]; excerpt: string | null;
  source: 'http' | 'batch' | 'graphql'; eventId: string | null }) {
  await db.query(callerOf(key), 'select ledger.record_rejection($1, $2, $3, $4::jsonb, $5, $6, $7, $8::uuid)', [
    key.tenantId, refusal.status, refusal.reason, JSON.stringify(refusal.errors),
    refusal.excerpt === null ? null : refusal.excerpt.slice(0, 4096).replace(/\u0000/g, ''), refusal.source, refusal.eventId, key.keyId,
  ]);
}

/** The routes; `coalescer` (null: off) lets single arrivals share ingest calls. */
export function eventRoutes(db: Database, metrics: Metrics, limits: Limits, coalescer: IngestCoalescer | null = null): Router {
  const router = Router();

  /** Every refused arrival of a producer is recorded in ledger.rejections, then answered. */
  async function recordRejection(error: unknown, req: Request, res: Response, next: NextFunction) {
    const problem = toProblem(error);
    const key = res.locals.apiKey;
    const reason = reasonOf(problem);
    if (problem instanceof RecordedRefusal) {
      if (reason) metrics.rejections.inc({ reason_code: reason });
    } else if (key?.role === 'producer' && reason && problem.status >= 400 && problem.status < 500 && problem.status !== 401) {
      const excerpt = problem instanceof BodyProblem && problem.excerpt !== undefined ? problem.excerpt : typeof req.body === 'string' ? req.body : null;
      const eventId = eventIdOf(excerpt);
      const lossy = problem instanceof BodyProblem && problem.reason === 'INVALID_ENCODING';
      metrics.rejections.inc({ reason_code: reason });
      await recordRefusal(db, key, {
        status: problem.status, reason, errors: problem.errors ?? [{ path: '', message: problem.detail ?? problem.title }], excerpt,
        source: req.path.endsWith('/batch') ? 'batch' : 'http', eventId: lossy ? seenEventId(eventId) : eventId,
      }).catch((e) => req.log.error({ err: e }, 'could not record a rejection'));
    }
    // The original error goes on, so that a 5xx is logged with its cause.
    next(error);
  }

  const eventBody = { limitBytes: limits.eventBodyBytes, timeoutMs: limits.bodyTimeoutMs };
  router.post('/v1/events', requireRole('producer'), requireJson, jsonText(eventBody), async (req: Request, res: Response) => {
    const text = req.body as string;
    // A text that may share a call has passed a JSON grammar check already: JSON.parse only when
    // the header is to be compared, or the text may not be JSON at all (a 400).
    const depth = coalescer ? sharedDepth(text) : null;
    const header = req.get('idempotency-key');
    if (depth === null || header !== undefined) {
      const envelope = parseJson(text) as Record<string, unknown> | null;
      if (header !== undefined && (envelope === null || typeof envelope !== 'object' || header !== envelope.event_id)) {
        throw new HttpProblem(422, titleOf(422), 'the Idempotency-Key header must equal the envelope\'s event_id',
          [{ path: 'Idempotency-Key', message: 'must equal event_id' }]);
      }
    }
    const key = res.locals.apiKey!;
    const answer = depth === null ? await db.ingestEvent(callerOf(key), text, 'http')
      : await coalescer!.ingest({ text, depth, tenantId: key.tenantId!, keyId: key.keyId });
    if (answer.status >= 400) throw refusalOf(answer, key);
    metrics.outcome(answer.result, answer.reason_code);
    res.status(answer.status).json(publicAnswer(answer));
  }, recordRejection);

  // The body is split into its items while it streams (batch-scanner.ts): no JSON value of the
  // batch is ever built here, each item's text goes to the database as sent, and the work per
  // chunk is small enough for other requests to be served between chunks.
  const batchBody = { limitBytes: limits.batchBodyBytes, timeoutMs: limits.bodyTimeoutMs };
  router.post('/v1/events/batch', requireRole('producer'), requireJson, async (req: Request, res: Response) => {
    const key = res.locals.apiKey!;
    const scanner = new BatchScanner(limits.batchItems);
    const head: Buffer[] = [];
    let headBytes = 0;
    let items: BatchItem[];
    try {
      await streamBody(req, batchBody, (chunk) => {
        if (headBytes < 4096) {
          head.push(chunk.subarray(0, 4096 - headBytes));
          headBytes += head.at(-1)!.length;
        }
        scanner.push(chunk);
      });
      items = scanner.end();
    } catch (error) {
      throw error instanceof BodyProblem && error.excerpt === undefined ? error.withExcerpt(Buffer.concat(head).toString('utf8')) : error;
    }
    // Items that are not UTF-8 cannot be handed over as text: the edge refuses them, and the
    // database records them in the same transaction as the others.
    const rows = await db.ingestTexts({
      texts: items.map((item) => item.text), depths: items.map((item) => item.depth),
      refusals: items.map((item) => (item.text !== null ? null : {
        status: 400, reason_code: 'INVALID_ENCODING', errors: [{ path: '', message: `byte ${item.invalidUtf8At} of this event is not UTF-8` }],
        body_excerpt: item.excerpt?.slice(0, 4096).replace(/\u0000/g, '') ?? null, event_id: seenEventId(eventIdOf(item.excerpt ?? null)),
      })),
      tenantId: key.tenantId!, keyId: key.keyId, source: 'batch',
    });
    const results = rows.map((row, i) => {
      if (items[i].text === null) metrics.rejections.inc({ reason_code: 'INVALID_ENCODING' });
      metrics.outcome(row.result, row.reason_code);
      return itemAnswer(row);
    });
    res.status(200).json({ results });
  }, recordRejection);

  return router;
}
