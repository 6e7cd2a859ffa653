// The edge: one module per concern, composed here. Each request runs one database function in one
// transaction (db/database.ts); everything else is auth, errors, docs and metrics.
import express, { type Express, type Request } from 'express';
import type pg from 'pg';
import type pino from 'pino';
import { authenticate, KeyStore } from './auth.js';
import { Database } from './db/database.js';
import { docsRoutes } from './docs.js';
import { errorHandler, HttpProblem, notFound, titleOf } from './errors.js';
import { requestLogging } from './logging.js';
import { createMetrics, metricsRoutes, type Metrics } from './metrics.js';
import { eventRoutes } from './routes/events.js';
import { exceptionRoutes } from './routes/exceptions.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { ledgerRoutes } from './routes/ledger.js';
import { JobWorker, type JobWorkerOptions } from './jobs-worker.js';
import { adminApiRoutes } from './routes/admin-api.js';
import { adminConsole } from './admin-console.js';
import { mountGraphql } from './graphql.js';
import { LIMITS, type Limits } from './limits.js';
import { coalescingFromEnv, IngestCoalescer, type CoalescingOptions } from './ingest-coalescer.js';

export interface EdgeOptions {
  pool: pg.Pool;
  logger: pino.Logger;
  /** How long a key lookup is trusted: revocation takes effect within this time. */
  authCacheMs?: number;
  /**
   * Bounds other than the process's (limits.ts), e.g. short timeouts in a test. The text lengths of
   * the request schemas (schemas.ts) are the process's.
   */
  limits?: Partial<Limits>;
  /** Coalescing of single arrivals other than the environment's (INGEST_COALESCE…). */
  coalescing?: Partial<CoalescingOptions>;
  /** The worker that runs bulk-resolution jobs in this process (false: none here). */
  jobWorker?: JobWorkerOptions | false;
}

export interface Edge {
  app: Express;
  db: Database;
  metrics: Metrics;
  limits: Limits;
  /** Null when coalescing is off. */
  coalescer: IngestCoalescer | null;
  worker: JobWorker | null;
  close(): Promise<void>;
}

/** Routes that exist, with their methods: anything else on these paths is 405, elsewhere 404. */
const ALLOWED: [RegExp, string[]][] = [
  [/^\/v1\/events$/, ['POST']],
  [/^\/v1\/events\/batch$/, ['POST']],
  [/^\/v1\/health$/, ['GET', 'HEAD']],
  [/^\/v1\/exceptions$/, ['GET', 'HEAD']],
  [/^\/v1\/exceptions\/bulk$/, ['POST']],
  [/^\/v1\/exceptions\/[^/]+$/, ['GET', 'HEAD']],
  [/^\/v1\/exceptions\/[^/]+\/(resolve|assign)$/, ['POST']],
  [/^\/v1\/jobs\/[^/]+$/, ['GET', 'HEAD']],
  [/^\/v1\/jobs\/[^/]+\/cancel$/, ['POST']],
  [/^\/v1\/transactions\/[^/]+\/[^/]+$/, ['GET', 'HEAD']],
  [/^\/v1\/sales\/daily$/, ['GET', 'HEAD']],
  [/^\/v1\/business-days\/close$/, ['POST']],
  [/^\/(openapi\.json|docs|metrics)$/, ['GET', 'HEAD']],
];

function methodNotAllowed(req: Request): void {
  const allowed = ALLOWED.find(([pattern]) => pattern.test(req.path))?.[1];
  if (allowed && !allowed.includes(req.method)) {
    throw new HttpProblem(405, titleOf(405), `${req.method} is not allowed here`, undefined, { allow: allowed.join(', ') });
  }
}

export async function createEdge({ pool, logger, authCacheMs, limits: overrides, coalescing, jobWorker = {} }: EdgeOptions): Promise<Edge> {
  const limits: Limits = { ...LIMITS, ...overrides };
  const db = new Database(pool);
  const worker = jobWorker === false ? null : new JobWorker(db, logger, jobWorker);
  const metrics = createMetrics(db);
  const coalescingOptions = { ...coalescingFromEnv(pool), ...coalescing };
  const coalescer = coalescingOptions.enabled ? new IngestCoalescer(db, metrics, coalescingOptions) : null;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(requestLogging(logger, app));
  app.use(metrics.requests);
  app.use(authenticate(new KeyStore(pool, authCacheMs)));

  // Ingest first: the busiest routes should not walk past the others' routers.
  app.use(eventRoutes(db, metrics, limits, coalescer));
  app.use(docsRoutes());
  app.use(healthRoutes(db, pool));
  app.use(jobRoutes(db, worker, limits));
  app.use(exceptionRoutes(db, limits));
  app.use(ledgerRoutes(db, limits));
  app.use(metricsRoutes(metrics));
  app.use(adminApiRoutes(db, limits));
  app.use(adminConsole());
  const graphql = await mountGraphql(app, { pool, logger, db, limits });

  app.use((req) => {
    methodNotAllowed(req);
    notFound(req);
  });
  app.use(errorHandler);

  worker?.start();

  return {
    app, db, metrics, limits, coalescer, worker,
    async close() {
      await worker?.stop();
      await graphql.close();
    },
  };
}
