// One SQLSTATE→HTTP table for REST and GraphQL (modelled on PostgREST's), and RFC 9457 problem
// details. A database error's own text never leaves: only our messages and the [{path, message}]
// lists our functions put in DETAIL (db/ERRORS.md).
import type { NextFunction, Request, Response } from 'express';

export interface FieldError { path: string; message: string }

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
    /** A reason the contract names (REPLAY_VALIDATION_FAILED): the problem's `code` and its `type`. */
    readonly code?: string,
  ) {
    super(detail ?? title);
  }
}

/** Reasons the contract names for errors of our SQLSTATEs. */
const REASON_OF_SQLSTATE: Record<string, string> = { LSR01: 'REPLAY_VALIDATION_FAILED' };

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

export const titleOf = (status: number) => TITLES[status] ?? 'Error';

/** SQLSTATE (exact, then class) → HTTP status. */
const BY_CODE: Record<string, number> = {
  '22023': 422, // invalid_parameter_value: our validation
  '22P02': 400, // invalid_text_representation: not JSON
  '22P05': 422, // untranslatable_character: \u0000 in JSON text
  '54001': 422, // statement_too_complex: nesting too deep
  '22003': 422, // numeric_value_out_of_range: a JSON number numeric cannot hold, a bigint argument too large
  '42501': 403, // insufficient_privilege
  P0002: 404, // no_data_found
  '55000': 409, // object_not_in_prerequisite_state: already resolved
  LSR01: 409, // replay validation failed
  LSA01: 409, // append-only violation
  '23505': 409,
  '40001': 503, '40P01': 503, '55P03': 503, '57014': 503,
};
const BY_CLASS: Record<string, number> = { '08': 503, '53': 503, '57': 503, '22': 400, '23': 409 };

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

export function statusForSqlstate(code: string | undefined): number {
  if (!code) return 500;
  return BY_CODE[code] ?? BY_CLASS[code.slice(0, 2)] ?? 500;
}

function parseErrors(detail: unknown): FieldError[] | undefined {
  if (typeof detail !== 'string' || !detail.startsWith('[')) return undefined;
  try {
    const list = JSON.parse(detail);
    return Array.isArray(list) ? list.map((e) => ({ path: String(e.path ?? ''), message: String(e.message ?? '') })) : undefined;
  } catch {
    return undefined;
  }
}

const isOurCode = (code: string) => code === '22023' || code === '42501' || code === 'P0002' || code === '55000' || code.startsWith('LS');

/**
 * Raised by our functions (PL/pgSQL's RAISE) with one of our codes: a message written for clients.
 * PostgreSQL raises some of the same codes itself ("permission denied for table exceptions" is
 * 42501) with text that is not for clients.
 */
const raisedByUs = (e: { code?: string; routine?: string }) => e.routine === 'exec_stmt_raise' && typeof e.code === 'string' && isOurCode(e.code);

/** Any error → the problem the client gets; unknown errors become a bare 500/503. */
export function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const e = error as { code?: string; message?: string; detail?: string; status?: number; type?: string; routine?: string };
  if (e?.type === 'entity.too.large') return new HttpProblem(413, titleOf(413), 'the body is larger than allowed');
  if (e?.type === 'entity.parse.failed') return new HttpProblem(400, titleOf(400), 'the body is not valid JSON');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new HttpProblem(e.status, titleOf(e.status), e.message);
  const code = e?.code;
  if (code && CONNECTION_ERRORS.has(code)) return unavailable('the database is unreachable');
  if (e?.message && /timeout exceeded when trying to connect|Connection terminated|connection timeout/i.test(e.message)) {
    return unavailable('no database connection is free; retry shortly');
  }
  const status = statusForSqlstate(code);
  if (status === 503) return unavailable('the database is busy or restarting; retry shortly');
  if (status === 500) return new HttpProblem(500, titleOf(500), 'an unexpected error occurred; it has been logged');
  const ours = raisedByUs(e);
  const errors = ours ? parseErrors(e.detail) : undefined;
  // Our own functions' messages are written for clients; PostgreSQL's own are not shown.
  const detail = ours ? e.message : defaultDetail(code!);
  return new HttpProblem(status, titleOf(status), detail, errors ?? (status === 422 ? [{ path: '', message: detail ?? 'invalid' }] : undefined),
    {}, code ? REASON_OF_SQLSTATE[code] : undefined);
}

function defaultDetail(code: string): string {
  if (code === '22P02') return 'the body is not valid JSON';
  if (code === '22P05' || code === '54001') return 'the JSON cannot be stored: \\u0000 and unpaired surrogates are refused, and nesting must be shallower';
  if (code === '22003') return 'a number is out of the range that can be stored';
  if (code === '42501') return 'this key may not read or do this';
  if (code === 'P0002') return 'not found';
  return 'the request conflicts with the current state';
}

export function unavailable(detail: string): HttpProblem {
  return new HttpProblem(503, titleOf(503), detail, undefined, { 'retry-after': '1' });
}

export function sendProblem(res: Response, problem: HttpProblem): void {
  const body: Record<string, unknown> = {
    type: problem.code ? `https://ledger-safe.dev/problems/${problem.code.toLowerCase().replace(/_/g, '-')}`
      : problem.status === 422 && problem.errors ? 'https://ledger-safe.dev/problems/validation' : 'about:blank',
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    instance: res.req?.originalUrl,
    request_id: res.locals.requestId,
  };
  if (problem.code) body.code = problem.code;
  if (problem.errors) body.errors = problem.errors;
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(body));
}

/** The last middleware: every error leaves as problem+json, logged with the request id. */
export function errorHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  const problem = toProblem(error);
  if (problem.status >= 500) req.log?.error({ err: error }, 'request failed');
  if (res.headersSent) {
    res.end();
    return;
  }
  sendProblem(res, problem);
}

export function notFound(req: Request): never {
  throw new HttpProblem(404, titleOf(404), `no route ${req.method} ${req.path}`);
}
