// The real edge, in-process, on a fresh database of the test file's own: 127.0.0.1, a free port.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pg from 'pg';
import pino from 'pino';
import { createEdge, type Edge } from '../../src/app.js';
import type { JobWorkerOptions } from '../../src/jobs-worker.js';
import { createKey } from '../../src/keys.js';
import { createTestDatabase, envelope } from '../support.js';

export interface Harness {
  url: string;
  pool: pg.Pool;
  operatorKey: string;
  operatorName: string;
  producerKey: string;
  tenant: string;
  /** fetch against the edge, with a key (the operator's by default; null for none). */
  http(path: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<{ status: number; headers: Headers; body: any; text: string }>;
  /** POST /v1/events as the producer. */
  ingest(eventId: string, extra?: Record<string, unknown>): Promise<any>;
  stop(): Promise<void>;
}

export async function startHarness(prefix: string, tenant = `t_${prefix}`, jobWorker?: JobWorkerOptions): Promise<Harness> {
  const pool = new pg.Pool({ connectionString: await createTestDatabase(prefix), max: 8 });
  const operatorName = `${prefix} operator`;
  const client = await pool.connect();
  let operatorKey: string;
  let producerKey: string;
  try {
    await client.query('insert into ledger.tenants (tenant_id) values ($1) on conflict do nothing', [tenant]);
    operatorKey = (await createKey(client, 'operator', null, operatorName)).secret;
    producerKey = (await createKey(client, 'producer', tenant, `${prefix} producer`)).secret;
  } finally {
    client.release();
  }
  const edge: Edge = await createEdge({ pool, logger: pino({ level: 'silent' }), jobWorker });
  const server: Server = await new Promise((resolve) => {
    const s = edge.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const http: Harness['http'] = async (path, init = {}) => {
    const { key = operatorKey, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (key) headers.set('authorization', `Bearer ${key}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    const r = await fetch(url + path, { ...rest, headers, body: json === undefined ? rest.body : JSON.stringify(json) });
    const text = await r.text();
    let body: unknown;
    try { body = JSON.parse(text); } catch { body = undefined; }
    return { status: r.status, headers: r.headers, body, text };
  };

  return {
    url, pool, operatorKey, operatorName, producerKey, tenant, http,
    ingest: async (eventId, extra = {}) => (await http('/v1/events', { method: 'POST', key: producerKey, json: envelope(tenant, eventId, extra) })).body,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await edge.close();
      await pool.end();
    },
  };
}
