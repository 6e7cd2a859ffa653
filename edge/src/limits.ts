// Every bound the edge puts on a request, in one place: body sizes, batch size, text lengths, page
// sizes and query costs of GraphQL, timeouts, and the check of an exception id. REST, GraphQL and
// the console's API read them from here; the OpenAPI schemas (schemas.ts) are built from them.
import { HttpProblem, titleOf } from './errors.js';

const fromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

export interface Limits {
  /** Bytes of one envelope (POST /v1/events), and of each item of a batch (the database's rule too). */
  eventBodyBytes: number;
  /** Bytes of a batch body, after decompression (BATCH_BODY_LIMIT). */
  batchBodyBytes: number;
  /** Envelopes in a batch, REST or GraphQL. */
  batchItems: number;
  /** Bytes of a resolution and of an assignment. */
  resolveBodyBytes: number;
  assignBodyBytes: number;
  /** Bytes of a GraphQL request: ingestEvents carries a batch. */
  graphqlBodyBytes: number;
  /** Characters of a GraphQL document (the variables are not counted). */
  graphqlDocumentChars: number;
  /** Nesting of a GraphQL request body (its variables); envelopes are refused past 64 by the database. */
  graphqlBodyDepth: number;
  /** Characters of a claimed actor, an assignee and resolution notes. */
  actorChars: number;
  assigneeChars: number;
  notesChars: number;
  /** Days one GET /v1/sales/daily may span (from to to, both included). */
  salesDailyDays: number;
  /** GraphQL connections: `first`/`last` when neither is given, and their largest value. */
  pageSizeDefault: number;
  pageSizeMax: number;
  /** GraphQL: nesting of selections, aliases, and the cost of an operation (see graphql-limits.ts). */
  queryDepth: number;
  queryAliases: number;
  queryCost: number;
  /** Bytes of a GraphQL answer: a larger one is replaced by an error. */
  answerBytes: number;
  /** From the connection until every request header is in (HEADERS_TIMEOUT_MS). */
  headersTimeoutMs: number;
  /** From the first byte of a body until its last (BODY_TIMEOUT_MS): a dribbled body is cut with 408. */
  bodyTimeoutMs: number;
}

export function defaultLimits(): Limits {
  return {
    eventBodyBytes: 256 * 1024,
    batchBodyBytes: fromEnv('BATCH_BODY_LIMIT', 16 * 1024 * 1024),
    batchItems: 1000,
    resolveBodyBytes: 256 * 1024,
    assignBodyBytes: 16 * 1024,
    graphqlBodyBytes: fromEnv('BATCH_BODY_LIMIT', 16 * 1024 * 1024),
    graphqlDocumentChars: 32 * 1024,
    graphqlBodyDepth: 128,
    actorChars: 200,
    assigneeChars: 200,
    notesChars: 4000,
    salesDailyDays: 366,
    pageSizeDefault: 50,
    pageSizeMax: 500,
    queryDepth: 16,
    queryAliases: 30,
    queryCost: 10_000,
    answerBytes: 16 * 1024 * 1024,
    headersTimeoutMs: fromEnv('HEADERS_TIMEOUT_MS', 10_000),
    bodyTimeoutMs: fromEnv('BODY_TIMEOUT_MS', 30_000),
  };
}

/** The limits of this process (the environment read once, at start). */
export const LIMITS: Limits = defaultLimits();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** An exception id from a path: a UUID (lower-cased), else 422. */
export function exceptionId(value: string): string {
  if (!isUuid(value)) {
    throw new HttpProblem(422, titleOf(422), 'exception ids are UUIDs', [{ path: 'exception_id', message: 'must be a UUID' }]);
  }
  return value.toLowerCase();
}
