// The real edge in-process on 127.0.0.1 and a free port, over a fresh database of its own,
// connected as the ledger_edge login role as in production; keys made as the owner.
import '../src/polyfills.js';
import type { Server } from 'node:http';
import pg from 'pg';
import pino from 'pino';
import { inject } from 'vitest';
import { createEdge, type Edge, type EdgeOptions } from '../src/app.js';
import { createKey } from '../src/keys.js';
import { createTestDatabase } from './support.js';

export interface Harness {
  url: string;
  ownerUrl: string;
  owner: pg.Pool;
  pool: pg.Pool;
  edge: Edge;
  tenant: string;
  producerKey: string;
  operatorKey: string;
  /** A producer key for another tenant. */
  producerKeyFor(tenant: string): Promise<string>;
  http(method: string, path: string, options?: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export interface HttpAnswer { status: number; headers: Headers; text: string; json: any }

/** The URL of a test database as the edge's login role (its password set once by global-setup). */
export function edgeLoginUrl(ownerUrl: string): string {
  const url = new URL(ownerUrl);
  url.username = 'ledger_edge';
  url.password = inject('edgePassword');
  return url.toString();
}

export async function startHarness(prefix: string, poolOptions: pg.PoolConfig = {}, authCacheMs?: number,
  edgeOptions: Pick<EdgeOptions, 'coalescing' | 'limits' | 'jobWorker'> = {}): Promise<Harness> {
  const ownerUrl = await createTestDatabase(prefix);
  const owner = new pg.Pool({ connectionString: ownerUrl, max: 4 });
  const pool = new pg.Pool({ connectionString: edgeLoginUrl(ownerUrl), max: 20, connectionTimeoutMillis: 2000, ...poolOptions });
  pool.on('error', () => {});
  const edge = await createEdge({ pool, logger: pino({ level: 'silent' }), authCacheMs, ...edgeOptions });
  const server: Server = await new Promise((resolve) => {
    const s = edge.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const tenant = `${prefix}_tenant`;
  const keyFor = async (role: string, t: string | null) => {
    const client = await owner.connect();
    try {
      return (await createKey(client, role, t, `${role}-${t ?? 'ops'}`)).secret;
    } finally {
      client.release();
    }
  };
  const producerKey = await keyFor('producer', tenant);
  const operatorKey = await keyFor('operator', null);

  const http: Harness['http'] = async (method, path, { key, body, raw, headers = {} } = {}) => {
    const h: Record<string, string> = { ...headers };
    if (key) h.authorization = `Bearer ${key}`;
    let payload = raw;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const r = await fetch(url + path, { method, headers: h, body: payload });
    const text = await r.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: r.status, headers: r.headers, text, json };
  };

  return {
    url, ownerUrl, owner, pool, edge, tenant, producerKey, operatorKey, http,
    producerKeyFor: (t) => keyFor('producer', t),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await edge.close();
      await pool.end();
      await owner.end();
    },
  };
}
