// Structured logs (pino): one line per request, every line carrying the request id.
import { randomUUID } from 'node:crypto';
import type { Express, Request, RequestHandler } from 'express';
import pino from 'pino';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request { log: pino.Logger }
  }
}

/**
 * Logs to stdout through a buffered asynchronous writer: a synchronous write per request line took
 * a fifth of the edge's CPU under load. flushLogs() before exiting keeps the last lines.
 */
export function createLogger(): pino.Logger {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'ledger-safe' }, serializers: { err: errorForLog } }, destination);
  flushers.push(() => destination.flushSync());
  return logger;
}

/**
 * An error as a log line holds it: pino's own serialisation (type, message, stack, code…) without
 * the pg client an error of node-postgres carries (`client`: its whole state, connection
 * parameters and prepared statements, several KB a line).
 */
export function errorForLog(error: unknown): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (serialized && typeof serialized === 'object') delete serialized.client;
  return serialized;
}

const flushers: (() => void)[] = [];

export function flushLogs(): void {
  for (const flush of flushers) {
    try { flush(); } catch { /* stdout already closed */ }
  }
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One line per request, with its request id, written by the root logger. A child logger costs the
 * serialisation of its bindings on every request that gets one, so req.log (request id and key id
 * bound) is made only when something logs through it, an error mostly.
 */
export function requestLogging(logger: pino.Logger, app: Express): RequestHandler {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request) {
      const log = logger.child({ request_id: this.res!.locals.requestId, key_id: this.res!.locals.apiKey?.keyId });
      Object.defineProperty(this, 'log', { value: log, configurable: true });
      return log;
    },
  });
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      logger.info({
        request_id: requestId, method: req.method, url: req.originalUrl, status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6, key_id: res.locals.apiKey?.keyId,
      }, 'request');
    });
    next();
  };
}
