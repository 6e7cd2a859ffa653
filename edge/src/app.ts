// The edge: one module per concern, composed here. Each request runs one database function in one
// transaction (db/pool.ts); everything else is auth, errors, docs and metrics.
import express, { type Express, type Request } from 'express';
import type pg from 'pg';
import type pino from 'pino';
import { authenticate, KeyStore } from './auth.js';
import { Database } from './db/pool.js';
import { docsRoutes } from './docs.js';
import { errorHandler, HttpProblem, notFound, titleOf } from './errors.js';
import { requestLogging } from './logging.js';
import { createMetrics, metricsRoutes, type Metrics } from './metrics.js';
import { eventRoutes } from './routes/events.js';
import { exceptionRoutes } from './routes/exceptions.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { JobWorker, type JobWorkerOptions } from './jobs-worker.js';
import { adminApiRoutes } from './routes/admin-api.js';
import { adminConsole } from './admin-console.js';
import { mountGraphql } from './graphql.js';
import { LIMITS, type Limits } from './limits.js';

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
  /** The worker that runs bulk-resolution jobs in this process (false: none here). */
  jobWorker?: JobWorkerOptions | false;
}

export interface Edge {
  app: Express;
  db: Database;
  metrics: Metrics;
  limits: Limits;
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
  [/^\/(openapi\.json|docs|metrics)$/, ['GET', 'HEAD']],
];

function methodNotAllowed(req: Request): void {
  const allowed = ALLOWED.find(([pattern]) => pattern.test(req.path))?.[1];
  if (allowed && !allowed.includes(req.method)) {
    throw new HttpProblem(405, titleOf(405), `${req.method} is not allowed here`, undefined, { allow: allowed.join(', ') });
  }
}

export async function createEdge({ pool, logger, authCacheMs, limits: overrides, jobWorker = {} }: EdgeOptions): Promise<Edge> {
  const limits: Limits = { ...LIMITS, ...overrides };
  const db = new Database(pool);
  const worker = jobWorker === false ? null : new JobWorker(db, logger, jobWorker);
  const metrics = createMetrics(db);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(requestLogging(logger));
  app.use(metrics.requests);
  app.use(authenticate(new KeyStore(pool, authCacheMs)));

  app.use(docsRoutes());
  app.use(healthRoutes(db, pool));
  app.use(eventRoutes(db, metrics, limits));
  app.use(jobRoutes(db, worker, limits));
  app.use(exceptionRoutes(db, limits));
  app.use(metricsRoutes(metrics));
  app.use(adminApiRoutes(db));
  app.use(adminConsole());
  const graphql = await mountGraphql(app, { pool, logger, db, limits });

  app.use((req) => {
    methodNotAllowed(req);
    notFound(req);
  });
  app.use(errorHandler);

  worker?.start();

  return {
    app, db, metrics, limits, worker,
    async close() {
      await worker?.stop();
      await graphql.close();
    },
  };
}
