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
    opened_before: { type: 'string', format: 'date-time', description: 'Opened strictly before this RFC 3339 time.' },
    opened_after: { type: 'string', format: 'date-time', description: 'Opened at or after this RFC 3339 time.' },
    store_id: { type: 'string', minLength: 1, description: 'The store_id of the arrival that opened it (compared by its first 200 characters).' },
    txn_id: { type: 'string', minLength: 1, description: 'The txn_id of the arrival that opened it (first 200 characters).' },
    source_system: { type: 'string', minLength: 1, description: 'The source_system of the arrival that opened it (first 200 characters).' },
    event_type: { type: 'string', minLength: 1, description: 'The event_type of the arrival that opened it, compared upper-cased (first 200 characters).' },
    sort: { type: 'string', enum: ['opened_at', '-opened_at'], default: '-opened_at', description: 'Oldest first (opened_at) or newest first.' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    offset: { type: 'integer', minimum: 0, default: 0 },
  },
  additionalProperties: false,
} as const;

/** The members of a bulk filter: the console's exception filter (ledger_private.console_spec_exceptions), which the database checks. */
export const BulkFilter = {
  type: 'object',
  description: 'Which exceptions: every member must hold (no member: every exception, whatever its status). The database checks the members and their values (422 with the member\'s path).',
  properties: {
    status: { type: 'string', enum: ['open', 'resolved'] },
    reason_code: { type: 'string' },
    tenant_id: { type: 'string' },
    store_id: { type: 'string' },
    txn_id: { type: 'string' },
    source_system: { type: 'string' },
    event_type: { type: 'string', description: 'Compared upper-cased.' },
    assigned_to: { type: ['string', 'null'], description: 'null: unassigned.' },
    opened_before: { type: 'string', format: 'date-time', description: 'Opened strictly before.' },
    opened_after: { type: 'string', format: 'date-time', description: 'Opened at or after.' },
    exception_ids: { type: 'array', items: { type: 'string', format: 'uuid' }, minItems: 1, maxItems: 1000 },
    idempotency_key: { description: 'A key, or a list of keys.' },
    q: { type: 'string', description: 'Key or exception id contains.' },
  },
  additionalProperties: true,
} as const;

export const BulkRequest = {
  type: 'object',
  required: ['filter', 'action', 'dry_run'],
  properties: {
    filter: { $ref: '#/components/schemas/BulkFilter' },
    action: { type: 'string', enum: ['mark_resolved_no_replay', 'override_and_replay', 'assign'] },
    resolution_notes: { type: ['string', 'null'], description: 'Required to resolve; kept on each resolution (and assignment) in the audit trail.' },
    override_patch: { description: 'RFC 7396 JSON merge patch every replay applies (override_and_replay only).' },
    assigned_to: { type: ['string', 'null'], maxLength: 200, description: 'The owner (assign only).' },
    dry_run: { type: 'boolean', description: 'true: change nothing, say what would happen. false: start a job.' },
  },
  additionalProperties: false,
} as const;

export const DryRun = {
  type: 'object',
  properties: {
    dry_run: { const: true }, matched: { type: 'integer' }, would_succeed: { type: 'integer' },
    would_fail: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Counts by reason code (ledger.reason_codes, kind resolution).' },
    sample: {
      type: 'array', description: 'Up to 20 of the matched exceptions, those that would fail first.',
      items: {
        type: 'object',
        properties: {
          exception_id: { type: 'string', format: 'uuid' }, tenant_id: { type: 'string' }, idempotency_key: { type: 'string' },
          outcome: { type: 'string', enum: ['would_succeed', 'would_fail'] }, reason: { type: 'string' }, message: { type: 'string' },
          errors: { $ref: '#/components/schemas/FieldErrors' },
        },
      },
    },
  },
} as const;

export const JobStarted = {
  type: 'object',
  properties: {
    job_id: { type: 'string', format: 'uuid' }, status: { type: 'string', enum: ['running', 'succeeded', 'failed', 'cancelled'] },
    matched: { type: 'integer' }, created: { type: 'boolean', description: 'false when an earlier request with the same Idempotency-Key made it.' },
  },
} as const;

export const Job = {
  type: 'object',
  properties: {
    job_id: { type: 'string', format: 'uuid' }, status: { type: 'string', enum: ['running', 'succeeded', 'failed', 'cancelled'] },
    action: { type: 'string' }, filter: { type: 'object' }, resolution_notes: { type: ['string', 'null'] }, override_patch: {},
    assigned_to: { type: ['string', 'null'] }, matched: { type: 'integer' },
    done: { type: 'integer', description: 'succeeded + failed + skipped.' }, succeeded: { type: 'integer' }, failed: { type: 'integer' },
    skipped: { type: 'integer', description: 'Resolved meanwhile (or before the job): left as they were.' },
    failures: {
      type: 'array', description: 'The first 100 failed items.',
      items: { type: 'object', properties: { exception_id: { type: 'string', format: 'uuid' }, tenant_id: { type: 'string' },
        idempotency_key: { type: 'string' }, reason: { type: 'string' }, errors: { $ref: '#/components/schemas/FieldErrors' } } },
    },
    failures_truncated: { type: 'boolean' }, created_by: { type: 'string' }, created_at: { type: 'string', format: 'date-time' },
    finished_at: { type: ['string', 'null'], format: 'date-time' }, cancelled_by: { type: ['string', 'null'] },
  },
} as const;

export const Exception = {
  type: 'object',
  properties: {
    exception_id: { type: 'string', format: 'uuid' }, tenant_id: { type: 'string' }, idempotency_key: { type: 'string' },
    reason_code: { type: 'string' }, status: { type: 'string', enum: ['open', 'resolved'] }, raw_id: { type: 'integer' },
    arrivals: { type: 'integer' }, opened_at: { type: 'string', format: 'date-time' }, assigned_to: { type: ['string', 'null'] },
    resolution_action: { type: ['string', 'null'] }, resolution_notes: { type: ['string', 'null'] },
    resolved_by: { type: ['string', 'null'] }, resolved_at: { type: ['string', 'null'] }, replay_count: { type: 'integer' },
    age_seconds: { type: ['integer', 'null'], description: 'How long it has been open (null once resolved).' },
    store_id: { type: ['string', 'null'], description: 'Of the arrival that opened it (first 200 characters).' },
    txn_id: { type: ['string', 'null'], description: 'Of the arrival that opened it (first 200 characters).' },
    source_system: { type: ['string', 'null'], description: 'Of the arrival that opened it (first 200 characters).' },
    event_type: { type: ['string', 'null'], description: 'Of the arrival that opened it, upper-cased (first 200 characters).' },
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

// The ledger's reads and the close of a day. Amounts are JSON numbers written as PostgreSQL's
// numeric text: every digit kept (a client that parses them as doubles may round them).
const TENANT_ID = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' } as const;
/** A calendar date PostgreSQL's date holds (it has no year 0). */
const DATE = { type: 'string', format: 'date', pattern: '^(?!0000)[0-9]{4}-', examples: ['2026-02-25'] } as const;
const MONEY = { type: 'number', description: 'Major units, exact: written as PostgreSQL\'s numeric text.' } as const;

export const TransactionQuery = {
  type: 'object',
  properties: { tenant_id: { ...TENANT_ID, description: 'Required for operator keys; a producer key reads its own tenant (another is 403).' } },
  additionalProperties: false,
} as const;

export const Transaction = {
  type: 'object',
  description: 'A posted transaction as it stands (ledger.get_transaction).',
  properties: {
    tenant_id: { type: 'string' }, store_id: { type: 'string' }, txn_id: { type: 'string' },
    kind: { type: 'string', enum: ['sale', 'return', 'correction', 'reversal'] },
    current: { type: 'boolean', description: 'false when its key\'s last posting was superseded or withdrawn.' },
    status: { type: 'string', enum: ['posted', 'reversed'] }, currency: { type: 'string' },
    business_date: { type: 'string', format: 'date' }, occurred_at: { type: 'string', format: 'date-time' },
    idempotency_key: { type: 'string' }, raw_id: { type: 'integer' }, version: { type: 'integer' },
    posted_total: MONEY, tax_amount: { ...MONEY, type: ['number', 'null'] }, discount_amount: { ...MONEY, type: ['number', 'null'] },
    total: { ...MONEY, description: 'As corrected (exact).' }, returned_total: MONEY, remaining_total: MONEY,
    corrected_by: { type: ['integer', 'null'], description: 'The posting of the correction in force.' },
    reversed_by: { type: ['integer', 'null'], description: 'The posting of the reversal.' },
    original: { type: ['object', 'null'], description: 'A return, correction or reversal: the sale it refers to.',
      properties: { store_id: { type: 'string' }, txn_id: { type: 'string' }, posting_id: { type: 'integer' } } },
    lines: { type: 'array', description: 'The lines as they stand (as corrected), each with the quantity returned.',
      items: { type: 'object', properties: { line_no: { type: 'integer' }, sku: { type: 'string' }, qty: { type: 'number' }, amount: MONEY, returned: { type: 'number' } } } },
    timeline: {
      type: 'array', description: 'Every posting of it or referring to it, in the order posted, superseded ones included.',
      items: {
        type: 'object',
        properties: {
          posting_id: { type: 'integer' }, kind: { type: 'string' }, txn_id: { type: 'string' }, store_id: { type: 'string' },
          idempotency_key: { type: 'string' }, raw_id: { type: 'integer' }, version: { type: 'integer' },
          business_date: { type: 'string', format: 'date' }, occurred_at: { type: 'string', format: 'date-time' },
          total_amount: MONEY, gold_amount: { ...MONEY, description: 'What it moved in Gold, signed (exact).' },
          status: { type: 'string' }, superseded_by: { type: ['integer', 'null'] }, withdrawn: { type: 'boolean' },
          posted_at: { type: 'string', format: 'date-time' },
          lines: { type: ['array', 'null'], items: { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'number' }, amount: MONEY } } },
        },
      },
    },
  },
} as const;

export const DailySalesQuery = {
  type: 'object',
  required: ['from', 'to'],
  properties: {
    tenant_id: { ...TENANT_ID, description: 'A producer key reads its own tenant (another is 403); an operator key, without it, every tenant.' },
    store_id: { type: 'string', minLength: 1 },
    from: { ...DATE, description: 'First business day, included.' },
    to: { ...DATE, description: `Last business day, included: not before from, at most ${LIMITS.salesDailyDays} days on.` },
  },
  additionalProperties: false,
} as const;

export const DailySales = {
  type: 'object',
  description: 'Gold: one store\'s business day in one currency (ledger.get_daily_sales). net_amount = sales - returns + corrections - reversals.',
  properties: {
    tenant_id: { type: 'string' }, store_id: { type: 'string' }, business_date: { type: 'string', format: 'date' }, currency: { type: 'string' },
    sales_count: { type: 'integer' }, sales_amount: MONEY, returns_count: { type: 'integer' }, returns_amount: MONEY,
    corrections_count: { type: 'integer' }, corrections_amount: { ...MONEY, description: 'Signed: what corrections changed (exact).' },
    reversals_count: { type: 'integer' }, reversals_amount: MONEY, net_amount: MONEY,
  },
} as const;

export const CloseBusinessDayRequest = {
  type: 'object',
  required: ['tenant_id', 'business_date', 'notes'],
  properties: {
    tenant_id: TENANT_ID,
    store_id: { type: ['string', 'null'], minLength: 1, description: 'The store; absent or null: every store of the tenant.' },
    business_date: DATE,
    notes: { type: 'string', minLength: 1, maxLength: LIMITS.notesChars, description: 'Why; kept in the audit trail.' },
  },
  additionalProperties: false,
} as const;

export const BusinessDay = {
  type: 'object',
  properties: {
    tenant_id: { type: 'string' }, store_id: { type: ['string', 'null'], description: 'null: every store of the tenant.' },
    business_date: { type: 'string', format: 'date' }, closed_at: { type: 'string', format: 'date-time' },
    closed_by: { type: 'string' }, notes: { type: 'string' },
  },
} as const;

export const components = {
  Envelope, IngestAnswer, BatchRequest, BatchAnswer, FieldErrors, Problem, ResolveRequest, AssignRequest, Exception, Health,
  BulkFilter, BulkRequest, DryRun, JobStarted, Job, Transaction, DailySales, CloseBusinessDayRequest, BusinessDay,
};
