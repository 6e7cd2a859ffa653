// Bearer keys, looked up by their SHA-256 through ledger_private.authenticate_api_key. Answers are
// cached for a few seconds, so a revoked key stops working within AUTH_CACHE_MS (default 5 s).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import { HttpProblem, titleOf } from './errors.js';
import { hashSecret } from './keys.js';
import type { Caller } from './db/database.js';

export interface ApiKey { keyId: string; role: 'producer' | 'operator'; tenantId: string | null; name: string }

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals { requestId: string; apiKey?: ApiKey }
  }
}

const CACHE_LIMIT = 10_000;

export class KeyStore {
  private cache = new Map<string, { key: ApiKey | null; until: number }>();

  constructor(private pool: pg.Pool, private cacheMs = Number(process.env.AUTH_CACHE_MS ?? 5_000)) {}

  async lookup(secret: string): Promise<ApiKey | null> {
    const hash = hashSecret(secret);
    const id = hash.toString('base64');
    const hit = this.cache.get(id);
    if (hit && hit.until > Date.now()) return hit.key;
    const { rows } = await this.pool.query('select * from ledger_private.authenticate_api_key($1)', [hash]);
    const key = rows[0] ? { keyId: rows[0].key_id, role: rows[0].role, tenantId: rows[0].tenant_id, name: rows[0].name } : null;
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(id, { key, until: Date.now() + this.cacheMs });
    return key;
  }
}

const unauthorized = (detail: string) =>
  new HttpProblem(401, titleOf(401), detail, undefined, { 'www-authenticate': 'Bearer realm="ledger-safe"' });

/** Reads the key when one is sent (an unknown or revoked one is 401); leaves anonymous requests be. */
export function authenticate(keys: KeyStore): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (!header) return next();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return next(unauthorized('the Authorization header must be "Bearer <key>"'));
    try {
      const key = await keys.lookup(match[1]);
      if (!key) return next(unauthorized('unknown or revoked key'));
      res.locals.apiKey = key;
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Only keys of these roles pass: no key 401, another role 403. */
export function requireRole(...roles: ApiKey['role'][]): RequestHandler {
  return (_req, res, next) => {
    const key = res.locals.apiKey;
    if (!key) return next(unauthorized('this route needs an API key: Authorization: Bearer <key>'));
    if (!roles.includes(key.role)) return next(new HttpProblem(403, titleOf(403), `this route is for ${roles.join(' or ')} keys`));
    next();
  };
}

/** The database caller a key acts as. */
export function callerOf(key: ApiKey): Caller {
  return key.role === 'producer'
    ? { role: 'ledger_ingest', tenantId: key.tenantId, actor: `producer:${key.name}` }
    : { role: 'ledger_operator', actor: `operator:${key.name}` };
}
