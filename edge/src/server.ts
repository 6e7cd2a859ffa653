// `ledger-safe start`: migrate, then serve. Without DATABASE_URL an embedded PostgreSQL 16 under
// .ledger-safe/ is started (loopback only) and, on its first start, seeded with tenant_demo and a
// producer and an operator key, saved in .ledger-safe/credentials.json (mode 600).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import path from 'node:path';
import pg from 'pg';
import type pino from 'pino';
import { createEdge } from './app.js';
import { migrate } from './db/migrate.js';
import { edgePassword, homeDir, openTarget, type DatabaseTarget } from './db/target.js';
import { createKey } from './keys.js';
import { LIMITS, type Limits } from './limits.js';
import { createLogger, flushLogs } from './logging.js';

interface Credentials { tenant_id: string; producer_key: string; operator_key: string }

/**
 * The HTTP server of an edge: a client that is slow to send its headers is cut after
 * headersTimeoutMs (Node answers 408 and closes). Bodies have their own deadline (body.ts); the
 * request timeout behind it only catches what nothing else reads.
 */
export function createHttpServer(app: RequestListener, limits: Limits = LIMITS): Server {
  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs + 5_000,
    // How often Node looks for connections past those timeouts (its default is every 30 s).
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  }, app);
  server.keepAliveTimeout = 65_000;
  return server;
}

/** The edge logs in as ledger_edge, which has no rights but to `set role` per transaction. */
async function edgeUrl(target: DatabaseTarget): Promise<string> {
  if (!target.embedded) return process.env.EDGE_DATABASE_URL ?? target.ownerUrl;
  const password = edgePassword();
  const owner = new pg.Client({ connectionString: target.ownerUrl });
  await owner.connect();
  try {
    await owner.query(`alter role ledger_edge with login password ${pg.escapeLiteral(password)}`);
  } finally {
    await owner.end();
  }
  const url = new URL(target.ownerUrl);
  url.username = 'ledger_edge';
  url.password = password;
  return url.toString();
}

/** First start of a fresh embedded database: a demo tenant and two keys, shown once, kept mode 600. */
async function seedCredentials(target: DatabaseTarget): Promise<{ credentials: Credentials; fresh: boolean } | null> {
  if (!target.embedded) return null;
  const file = path.join(homeDir(), 'credentials.json');
  if (existsSync(file)) return { credentials: JSON.parse(readFileSync(file, 'utf8')), fresh: false };
  const owner = new pg.Client({ connectionString: target.ownerUrl });
  await owner.connect();
  try {
    const producer = await createKey(owner, 'producer', 'tenant_demo', 'demo producer');
    const operator = await createKey(owner, 'operator', null, 'demo operator');
    const credentials = { tenant_id: 'tenant_demo', producer_key: producer.secret, operator_key: operator.secret };
    writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
    return { credentials, fresh: true };
  } finally {
    await owner.end();
  }
}

function banner(url: string, seeded: { credentials: Credentials; fresh: boolean } | null, target: DatabaseTarget): string {
  const lines = [
    `Ledger-Safe is listening on ${url}`,
    `  API docs   ${url}/docs`,
    `  console    ${url}/admin/`,
    `  GraphiQL   ${url}/graphiql`,
  ];
  if (target.cluster) {
    lines.push(`  psql       psql "postgres://postgres:$(cat ${path.join(homeDir(), 'pg-password')})@127.0.0.1:${target.cluster.port}/ledger"`);
  }
  if (seeded?.fresh) {
    lines.push('', 'First start: tenant tenant_demo and two keys were made (shown once, kept in .ledger-safe/credentials.json):',
      `  producer key (tenant_demo)  ${seeded.credentials.producer_key}`, `  operator key               ${seeded.credentials.operator_key}`);
  } else if (seeded) {
    lines.push('', `Demo keys: ${path.join(homeDir(), 'credentials.json')}`);
  }
  return lines.join('\n');
}

export async function start(): Promise<void> {
  const logger: pino.Logger = createLogger();
  const target = await openTarget((line) => logger.debug({ postgres: line.trim() }));
  await migrate(target.ownerUrl);
  const seeded = await seedCredentials(target);
  const pool = new pg.Pool({
    connectionString: await edgeUrl(target),
    max: Number(process.env.PGPOOL_MAX ?? 20),
    connectionTimeoutMillis: Number(process.env.PGPOOL_CONNECT_TIMEOUT_MS ?? 2_000),
    idleTimeoutMillis: 30_000,
    statement_timeout: Number(process.env.STATEMENT_TIMEOUT_MS ?? 15_000),
    application_name: 'ledger-safe-edge',
    // Every time the API answers is UTC, whatever the database's default zone.
    options: '-c timezone=UTC',
  });
  // An idle connection dropped by the server (restart, failover) must not take the process down.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection lost'));
  const edge = await createEdge({
    pool, logger,
    jobWorker: (process.env.JOB_WORKER ?? 'on') === 'off' ? false : {
      stepItems: Number(process.env.JOB_STEP_ITEMS ?? 25),
      stepMs: Number(process.env.JOB_STEP_MS ?? 200),
      pollMs: Number(process.env.JOB_POLL_MS ?? 1_000),
      pauseMs: Number(process.env.JOB_STEP_PAUSE_MS ?? 0),
    },
  });

  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  const server = createHttpServer(edge.app, edge.limits);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  process.stdout.write(banner(`http://${shownHost}:${port}`, seeded, target) + '\n');
  logger.info({ port, host, embedded: target.embedded }, 'listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = setTimeout(() => server.closeAllConnections(), 10_000);
    await closed;
    clearTimeout(deadline);
    await edge.close().catch(() => {});
    await pool.end().catch(() => {});
    await target.release().catch((e) => logger.warn({ err: e }, 'stopping PostgreSQL failed'));
    logger.info('stopped');
    flushLogs();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
