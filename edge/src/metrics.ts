// Prometheus metrics: requests by route and status with latency, ingest outcomes, pool use, open
// exceptions (read from the health counters at scrape time) and the age of the oldest open one by
// reason. The alert rules over them are ops/prometheus/ledger-safe.rules.yml.
import type { RequestHandler, Router } from 'express';
import { Router as makeRouter } from 'express';
import type { Database } from './db/database.js';
import client from 'prom-client';
import { requireRole } from './auth.js';

export interface Metrics {
  registry: client.Registry;
  requests: RequestHandler;
  outcome(result: string, reasonCode: string | null): void;
  rejections: client.Counter<'reason_code'>;
  /** Coalesced ingest (ingest-coalescer.ts): arrivals per call, retries and splits, time queued. */
  ingestCallArrivals: client.Histogram;
  ingestCallRetries: client.Counter<'action' | 'code'>;
  ingestQueueWait: client.Histogram;
}

export function createMetrics(db: Database): Metrics {
  const pool = db.pool;
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'ledger_safe_' });
  const duration = new client.Histogram({
    name: 'ledger_safe_http_request_duration_seconds', help: 'HTTP request latency by route, method and status.',
    labelNames: ['route', 'method', 'status'], buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
  });
  const outcomes = new client.Counter({
    name: 'ledger_safe_ingest_outcomes_total', help: 'Arrivals by result and reason code.', labelNames: ['result', 'reason_code'], registers: [registry],
  });
  const rejections = new client.Counter({
    name: 'ledger_safe_rejections_total', help: 'Arrivals refused (4xx) by reason code.', labelNames: ['reason_code'], registers: [registry],
  });
  const ingestCallArrivals = new client.Histogram({
    name: 'ledger_safe_ingest_call_arrivals', help: 'Single POST /v1/events arrivals per committed ingest call (coalescing).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], registers: [registry],
  });
  const ingestCallRetries = new client.Counter({
    name: 'ledger_safe_ingest_call_retries_total',
    help: 'Coalesced ingest calls that failed before committing and were retried whole or split in two, by SQLSTATE or error code.',
    labelNames: ['action', 'code'], registers: [registry],
  });
  const ingestQueueWait = new client.Histogram({
    name: 'ledger_safe_ingest_queue_wait_seconds', help: 'How long a single arrival waited for an ingest call to take it.',
    buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2], registers: [registry],
  });
  new client.Gauge({
    name: 'ledger_safe_db_pool_connections', help: 'Database pool connections by state.', labelNames: ['state'], registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  new client.Gauge({
    name: 'ledger_safe_exceptions_open', help: 'Open exceptions, all tenants.', registers: [registry],
    async collect() {
      const [row] = await db.query({ role: 'ledger_readonly' }, "select (ledger.health() ->> 'exceptions_open')::bigint as n");
      this.set(Number(row.n));
    },
  });

  // The contract's name (v1.2): read at scrape time, one index probe per reason.
  new client.Gauge({
    name: 'ledger_exception_oldest_open_seconds', help: 'Age of the oldest open exception by reason code (0: none open).',
    labelNames: ['reason_code'], registers: [registry],
    async collect() {
      const rows = await db.query({ role: 'ledger_readonly' }, 'select reason_code, age_seconds from ledger.oldest_open_exceptions()');
      this.reset();
      for (const row of rows) this.set({ reason_code: row.reason_code }, Number(row.age_seconds));
    },
  });

  const requests: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : req.baseUrl || 'unmatched';
      end({ route: String(route), method: req.method, status: String(res.statusCode) });
    });
    next();
  };

  return {
    registry,
    requests,
    rejections,
    ingestCallArrivals,
    ingestCallRetries,
    ingestQueueWait,
    outcome: (result, reasonCode) => outcomes.inc({ result, reason_code: reasonCode ?? 'none' }),
  };
}

export function metricsRoutes(metrics: Metrics): Router {
  const router = makeRouter();
  router.get('/metrics', requireRole('operator'), async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
