// JSON Schemas of the wire format: the edge validates requests with them (ajv) and /openapi.json is
// built from them, so the documentation cannot drift from what is enforced. The envelope itself is
// validated by the database (ledger.ingest_event), so SQL callers obey the same rules; its schema
// here documents those rules. Sizes and lengths come from limits.ts.
import { LIMITS } from './limits.js';

export const Envelope = {
  type: 'object',
  description: 'A POS event. Any other member is kept as part of the event.',
  required: ['schema_version', 'tenant_id', 'store_id', 'source_system', 'event_id', 'event_type', 'occurred_at', 'txn_id'],
  properties: {
    schema_version: { type: 'string', minLength: 1, examples: ['1.0'] },
    tenant_id: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$', examples: ['tenant_demo'] },
    store_id: { type: 'string', minLength: 1, examples: ['store_001'] },
    source_system: { type: 'string', minLength: 1, examples: ['pos_sim'] },
    event_id: { type: 'string', minLength: 1, maxLength: 255, description: 'The idempotency key, scoped to the tenant.', examples: ['evt-1001'] },
    source_event_id: { type: ['string', 'null'] },
    event_type: { type: 'string', minLength: 1, description: 'Compared upper-cased with the allowlist (SALE, RETURN, CORRECTION, CANCEL, VOID…).', examples: ['SALE'] },
    occurred_at: { type: 'string', format: 'date-time', examples: ['2026-02-25T00:00:00Z'] },
    txn_id: { type: 'string', minLength: 1, examples: ['txn-9001'] },
  },
  additionalProperties: true,
} as const;

export const IngestAnswer = {
  type: 'object',
  required: ['tenant_id', 'idempotency_key', 'raw_id', 'result', 'exception_id', 'reason_code', 'key_status', 'attempt', 'received_at'],
  properties: {
    tenant_id: { type: 'string' },
    idempotency_key: { type: 'string' },
    raw_id: { type: ['integer', 'null'], description: 'The Bronze row of this arrival.' },
    result: { type: 'string', enum: ['processed', 'duplicate', 'quarantined', 'ignored', 'rejected'] },
    exception_id: { type: ['string', 'null'], format: 'uuid' },
    reason_code: { type: ['string', 'null'], enum: ['UNKNOWN_EVENT_TYPE', 'IDEMPOTENCY_CONFLICT', 'ALREADY_QUARANTINED', 'IGNORED_BY_OPERATOR', 'PROCESSING_ERROR', null] },
    key_status: { type: ['string', 'null'], enum: ['processed', 'quarantined', 'ignored', null] },
    attempt: { type: ['integer', 'null'] },
    received_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const BatchRequest = {
  type: 'object',
  description: 'Each item is judged alone by the database, as a single POST of its text would be (an item that is not an envelope is refused alone, 422).',
  required: ['events'],
  properties: { events: { type: 'array', minItems: 1, maxItems: LIMITS.batchItems, items: { $ref: '#/components/schemas/Envelope' } } },
  additionalProperties: false,
} as const;

export const BatchAnswer = {
  type: 'object',
  properties: {
    results: {
      type: 'array',
      items: {
        allOf: [{ $ref: '#/components/schemas/IngestAnswer' }],
        properties: { status: { type: 'integer' }, errors: { $ref: '#/components/schemas/FieldErrors' } },
      },
    },
  },
} as const;

export const FieldErrors = {
  type: 'array',
  items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
} as const;

export const Problem = {
  type: 'object',
  description: 'RFC 9457 problem details.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' },
    instance: { type: 'string' }, request_id: { type: 'string' }, errors: { $ref: '#/components/schemas/FieldErrors' },
    code: { type: 'string', description: 'A reason the contract names, e.g. REPLAY_VALIDATION_FAILED (then `type` names it too).' },
  },
} as const;

export const ResolveRequest = {
  type: 'object',
  required: ['action', 'resolution_notes'],
  properties: {
    action: { type: 'string', enum: ['mark_resolved_no_replay', 'override_and_replay'] },
    resolution_notes: { type: 'string', minLength: 1, maxLength: LIMITS.notesChars },
    actor: { type: ['string', 'null'], maxLength: LIMITS.actorChars, description: 'Kept beside the authenticated operator, never instead of it.' },
    override_patch: { description: 'RFC 7396 JSON merge patch applied to the canonical arrival before replay.' },
    canonical_raw_id: { type: ['integer', 'null'], minimum: 1, description: 'The arrival to replay (default: the one that opened the exception).' },
  },
} as const;

export const AssignRequest = {
  type: 'object',
  required: ['assigned_to'],
  properties: { assigned_to: { type: 'string', minLength: 1, maxLength: LIMITS.assigneeChars } },
} as const;

export const ExceptionListQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['open', 'resolved'], default: 'open' },
    tenant_id: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
    reason_code: { type: 'string', maxLength: 64 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    offset: { type: 'integer', minimum: 0, default: 0 },
  },
  additionalProperties: false,
} as const;

export const Exception = {
  type: 'object',
  properties: {
    exception_id: { type: 'string', format: 'uuid' }, tenant_id: { type: 'string' }, idempotency_key: { type: 'string' },
    reason_code: { type: 'string' }, status: { type: 'string', enum: ['open', 'resolved'] }, raw_id: { type: 'integer' },
    arrivals: { type: 'integer' }, opened_at: { type: 'string', format: 'date-time' }, assigned_to: { type: ['string', 'null'] },
    resolution_action: { type: ['string', 'null'] }, resolution_notes: { type: ['string', 'null'] },
    resolved_by: { type: ['string', 'null'] }, resolved_at: { type: ['string', 'null'] }, replay_count: { type: 'integer' },
  },
} as const;

export const Health = {
  type: 'object',
  required: ['status', 'db'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] }, db: { type: 'string' }, db_time: { type: 'string', format: 'date-time' },
    counts: {
      type: 'object',
      properties: {
        events_raw: { type: 'integer' }, rejections: { type: 'integer' }, exceptions_open: { type: 'integer' },
        idempotency: { type: 'object', properties: { processed: { type: 'integer' }, quarantined: { type: 'integer' }, ignored: { type: 'integer' } } },
      },
    },
  },
} as const;

export const components = { Envelope, IngestAnswer, BatchRequest, BatchAnswer, FieldErrors, Problem, ResolveRequest, AssignRequest, Exception, Health };
