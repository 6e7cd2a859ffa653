// /graphql and /graphiql: the same keys as REST, the database deciding (grants, row-level security),
// no CRUD on tables, nothing of ledger_private or ledger_meta, and no SQL in an error.
import '../src/polyfills.js';
import type { Server } from 'node:http';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEdge } from '../src/app.js';
import { makeMaskError } from '../src/graphql.js';
import { startHarness, type Harness } from './harness.js';
import { envelope } from './support.js';

let h: Harness;
let otherTenant: string;
let otherKey: string;

beforeAll(async () => {
  h = await startHarness('graphql');
  otherTenant = `${h.tenant}_other`;
  otherKey = await h.producerKeyFor(otherTenant);
});
afterAll(() => h?.close());

async function gql(key: string | null, query: string, variables?: Record<string, unknown>) {
  const r = await h.http('POST', '/graphql', { key, body: { query, variables } });
  return r;
}

const INGEST = `mutation ($e: JSON!) {
  ingestEvent(input: {envelope: $e}) { result { tenantId idempotencyKey rawId result reasonCode exceptionId status attempt errors { path message } } }
}`;
const RESOLVE = `mutation ($id: UUID!, $notes: String!) {
  resolveException(input: {exceptionId: $id, action: "mark_resolved_no_replay", resolutionNotes: $notes}) { result { status resolvedBy } }
}`;

/** An open exception of the harness tenant: a key first processed, then sent with another payload. */
async function openException(eventId: string): Promise<string> {
  await gql(h.producerKey, INGEST, { e: envelope(h.tenant, eventId) });
  const r = await gql(h.producerKey, INGEST, { e: envelope(h.tenant, eventId, { total_amount: 1 }) });
  expect(r.json.data.ingestEvent.result.reasonCode).toBe('IDEMPOTENCY_CONFLICT');
  return r.json.data.ingestEvent.result.exceptionId;
}

async function ownerCount(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await h.owner.query(`select count(*)::int as n from ${sql}`, params);
  return rows[0].n;
}

describe('access', () => {
  test('no key: 401 problem+json before GraphQL', async () => {
    const r = await gql(null, '{ __typename }');
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.json).toMatchObject({ status: 401, title: 'Unauthorized' });
  });

  test('an unknown key: 401', async () => {
    const r = await gql('lsk_not_a_key', '{ __typename }');
    expect(r.status).toBe(401);
  });

  test('the GraphiQL page is served without a key, and holds no schema', async () => {
    const r = await h.http('GET', '/graphiql');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(r.text).toContain('/graphiql/static/');
    expect(r.text).not.toMatch(/allExceptions|resolveException/);
    const asset = await h.http('GET', '/graphiql/static/ruru.js');
    expect(asset.status).toBe(200);
  });

  test('GET /graphql does not answer queries', async () => {
    const r = await h.http('GET', '/graphql?query=%7B__typename%7D', { key: h.operatorKey });
    expect(r.status).toBe(405);
  });
});

describe('schema', () => {
  let types: { name: string; fields: { name: string }[] | null }[];
  let queries: string[];
  let mutations: string[];

  beforeAll(async () => {
    const r = await gql(h.operatorKey, `{ __schema {
      queryType { name fields { name } } mutationType { name fields { name } } types { name fields { name } }
    } }`);
    expect(r.status).toBe(200);
    types = r.json.data.__schema.types;
    queries = r.json.data.__schema.queryType.fields.map((f: { name: string }) => f.name);
    mutations = r.json.data.__schema.mutationType.fields.map((f: { name: string }) => f.name);
  });

  test('operator introspection has a query and a mutation type', async () => {
    const r = await gql(h.operatorKey, '{ __schema { queryType { name } mutationType { name } } }');
    expect(r.json.data.__schema).toEqual({ queryType: { name: 'Query' }, mutationType: { name: 'Mutation' } });
  });

  test('mutations are the ledger functions that write, nothing else', () => {
    expect([...mutations].sort()).toEqual(['assignException', 'closeBusinessDay', 'ingestEvent', 'ingestEvents', 'resolveException', 'setStoreTimeZone']);
    expect(mutations.filter((m) => /^(create|update|delete)/.test(m))).toEqual([]);
  });

  test('the read functions are queries, the tables connections', () => {
    expect(queries).toEqual(expect.arrayContaining([
      'health', 'exceptionDetail', 'allExceptions', 'allEventsRaws', 'allEventsProcesseds', 'allAuditLogs', 'allRejections',
    ]));
  });

  test('no CRUD either when the edge logs in as the owner, who may write every table', async () => {
    const pool = new pg.Pool({ connectionString: h.ownerUrl, max: 2 });
    const edge = await createEdge({ pool, logger: pino({ level: 'silent' }) });
    const server: Server = await new Promise((resolve) => { const s = edge.app.listen(0, '127.0.0.1', () => resolve(s)); });
    try {
      const { port } = server.address() as { port: number };
      const r = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST', headers: { authorization: `Bearer ${h.operatorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __schema { mutationType { fields { name } } } }' }),
      });
      const fields = (await r.json()).data.__schema.mutationType.fields.map((f: { name: string }) => f.name);
      expect([...fields].sort()).toEqual(['assignException', 'closeBusinessDay', 'ingestEvent', 'ingestEvents', 'resolveException', 'setStoreTimeZone']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await edge.close();
      await pool.end();
    }
  });

  test('nothing of ledger_private, ledger_meta or the edge-only function is exposed', () => {
    const names = [...types.flatMap((t) => [t.name, ...(t.fields ?? []).map((f) => f.name)]), ...queries, ...mutations];
    const internal = /api_?key|keyHash|private|schema_?migration|tenantCounter|recordRejection|authenticate|mergePatch|bumpCounters/i;
    // rejections.api_key_id (which key sent a refused arrival) is a column of a ledger table, not a key.
    expect(names.filter((n) => internal.test(n) && n !== 'apiKeyId')).toEqual([]);
  });
});

describe('producers', () => {
  test('ingest for their own tenant', async () => {
    const r = await gql(h.producerKey, INGEST, { e: envelope(h.tenant, 'p-own-1') });
    expect(r.status).toBe(200);
    expect(r.json.errors).toBeUndefined();
    expect(r.json.data.ingestEvent.result).toMatchObject({ tenantId: h.tenant, idempotencyKey: 'p-own-1', result: 'processed', status: 201, attempt: 1 });
    expect(await ownerCount("ledger.events_raw where tenant_id = $1 and idempotency_key = 'p-own-1' and source = 'graphql'", [h.tenant])).toBe(1);
  });

  test('another tenant: forbidden, nothing written', async () => {
    const before = await ownerCount('ledger.events_raw where tenant_id = $1', [otherTenant]);
    const r = await gql(h.producerKey, INGEST, { e: envelope(otherTenant, 'p-cross-1') });
    expect(r.json.data.ingestEvent.result).toMatchObject({ result: 'rejected', status: 403, errors: [{ path: 'tenant_id', message: 'not the tenant of this key' }] });
    expect(await ownerCount('ledger.events_raw where tenant_id = $1', [otherTenant])).toBe(before);
    expect(await ownerCount('ledger.events_processed where idempotency_key = $1', ['p-cross-1'])).toBe(0);
  });

  test('an invalid envelope: 422 with its field errors', async () => {
    const { txn_id: _omitted, ...invalid } = envelope(h.tenant, 'p-bad-1');
    const r = await gql(h.producerKey, INGEST, { e: invalid });
    expect(r.json.data.ingestEvent.result).toMatchObject({ result: 'rejected', status: 422, errors: [{ path: 'txn_id', message: 'is required' }] });
  });

  test('a batch answers each envelope in order', async () => {
    const r = await gql(h.producerKey, 'mutation ($es: JSON!) { ingestEvents(input: {envelopes: $es}) { result { idempotencyKey result status } } }',
      { es: [envelope(h.tenant, 'p-batch-1'), envelope(otherTenant, 'p-batch-2')] });
    expect(r.json.data.ingestEvents.result).toEqual([
      { idempotencyKey: 'p-batch-1', result: 'processed', status: 201 },
      { idempotencyKey: 'p-batch-2', result: 'rejected', status: 403 },
    ]);
  });

  test('see only their own tenant in Bronze (row-level security)', async () => {
    await gql(otherKey, INGEST, { e: envelope(otherTenant, 'p-other-1') });
    const mine = await gql(h.producerKey, '{ allEventsRaws { totalCount nodes { tenantId } } }');
    const theirs = await gql(otherKey, '{ allEventsRaws { totalCount nodes { tenantId } } }');
    const tenantsIn = (r: typeof mine) => [...new Set(r.json.data.allEventsRaws.nodes.map((n: { tenantId: string }) => n.tenantId))];
    expect(tenantsIn(mine)).toEqual([h.tenant]);
    expect(tenantsIn(theirs)).toEqual([otherTenant]);
    expect(mine.json.data.allEventsRaws.totalCount).toBe(await ownerCount('ledger.events_raw where tenant_id = $1', [h.tenant]));
    const other = await gql(h.producerKey, '{ eventsProcessedByTenantIdAndIdempotencyKey(tenantId: $t, idempotencyKey: "p-other-1") { status } }'
      .replace('$t', JSON.stringify(otherTenant)));
    expect(other.json.data.eventsProcessedByTenantIdAndIdempotencyKey).toBeNull();
  });

  test('health is their own tenant only', async () => {
    const own = await gql(h.producerKey, '{ health }');
    expect(own.json.data.health.events_raw).toBe(await ownerCount('ledger.events_raw where tenant_id = $1', [h.tenant]));
    const other = await gql(h.producerKey, `{ health(tenantId: ${JSON.stringify(otherTenant)}) }`);
    expect(other.json.errors[0].extensions).toMatchObject({ code: '42501', status: 403 });
  });

  test('cannot read exceptions, resolve or assign', async () => {
    const id = await openException('p-noresolve-1');
    const read = await gql(h.producerKey, '{ allExceptions { totalCount } }');
    expect(read.json.errors[0].extensions).toMatchObject({ code: '42501', status: 403 });
    const resolve = await gql(h.producerKey, RESOLVE, { id, notes: 'producer tries' });
    expect(resolve.json.data.resolveException).toBeNull();
    expect(resolve.json.errors[0].extensions).toMatchObject({ code: '42501', status: 403 });
    const assign = await gql(h.producerKey, 'mutation ($id: UUID!) { assignException(input: {exceptionId: $id, assignedTo: "me"}) { result { assignedTo } } }', { id });
    expect(assign.json.errors[0].extensions).toMatchObject({ code: '42501', status: 403 });
    expect(await ownerCount("ledger.exceptions where exception_id = $1 and status = 'open' and assigned_to is null", [id])).toBe(1);
  });
});

describe('operators', () => {
  test('query exceptions and Bronze as connections, and the detail of one', async () => {
    const id = await openException('o-read-1');
    const r = await gql(h.operatorKey, `query ($t: String!) {
      allExceptions(condition: {tenantId: $t, status: "open"}) { totalCount nodes { exceptionId idempotencyKey reasonCode } }
      allEventsRaws(condition: {tenantId: $t, idempotencyKey: "o-read-1"}, orderBy: RAW_ID_ASC) { totalCount nodes { attempt result } }
    }`, { t: h.tenant });
    expect(r.json.errors).toBeUndefined();
    expect(r.json.data.allExceptions.nodes).toContainEqual({ exceptionId: id, idempotencyKey: 'o-read-1', reasonCode: 'IDEMPOTENCY_CONFLICT' });
    expect(r.json.data.allEventsRaws.nodes).toEqual([{ attempt: 1, result: 'processed' }, { attempt: 2, result: 'quarantined' }]);
    const detail = await gql(h.operatorKey, 'query ($id: UUID!) { exceptionDetail(exceptionId: $id) }', { id });
    expect(detail.json.data.exceptionDetail.arrivals).toHaveLength(1);
  });

  test('assign then resolve, audited with the authenticated operator', async () => {
    const id = await openException('o-resolve-1');
    const assign = await gql(h.operatorKey, 'mutation ($id: UUID!) { assignException(input: {exceptionId: $id, assignedTo: "alice"}) { result { assignedTo status } } }', { id });
    expect(assign.json.data.assignException.result).toEqual({ assignedTo: 'alice', status: 'open' });
    const resolve = await gql(h.operatorKey, RESOLVE, { id, notes: 'duplicate with a typo' });
    expect(resolve.json.data.resolveException.result).toEqual({ status: 'resolved', resolvedBy: 'operator:operator-ops' });
    const again = await gql(h.operatorKey, RESOLVE, { id, notes: 'twice' });
    expect(again.json.errors[0].extensions).toMatchObject({ code: '55000', status: 409 });
    const audit = await gql(h.operatorKey, 'query ($id: UUID!) { allAuditLogs(condition: {exceptionId: $id}, orderBy: AUDIT_ID_ASC) { nodes { action actor } } }', { id });
    expect(audit.json.data.allAuditLogs.nodes).toEqual([
      { action: 'exception.opened', actor: 'system' },
      { action: 'exception.assigned', actor: 'operator:operator-ops' },
      { action: 'exception.resolved', actor: 'operator:operator-ops' },
    ]);
  });

  test('an unknown exception: 404, a bad action: 422 with its field', async () => {
    const unknown = await gql(h.operatorKey, RESOLVE, { id: '00000000-0000-4000-8000-000000000000', notes: 'x' });
    expect(unknown.json.errors[0].extensions).toMatchObject({ code: 'P0002', status: 404 });
    const id = await openException('o-badaction-1');
    const bad = await gql(h.operatorKey, 'mutation ($id: UUID!) { resolveException(input: {exceptionId: $id, action: "shred", resolutionNotes: "x"}) { result { status } } }', { id });
    expect(bad.json.errors[0].extensions).toMatchObject({ code: '22023', status: 422, errors: [{ path: 'action' }] });
  });

  test('cannot ingest (that is a producer role)', async () => {
    const r = await gql(h.operatorKey, INGEST, { e: envelope(h.tenant, 'o-ingest-1') });
    expect(r.json.errors[0].extensions).toMatchObject({ status: 403 });
  });
});

describe('errors', () => {
  const leaks = /select |insert |update |from |invalid input syntax|\n\s+at |ERROR:/i;

  test('a value PostgreSQL refuses: its own message is not shown, nor any SQL', async () => {
    const r = await gql(h.operatorKey, `{ eventsRawByTenantIdAndRawId(tenantId: ${JSON.stringify(h.tenant)}, rawId: "not-a-number") { rawId } }`);
    expect(r.json.errors[0].extensions).toMatchObject({ code: '22P02', status: 400 });
    expect(r.text).not.toMatch(leaks);
  });

  test('unexpected errors are masked and logged', () => {
    const logged: unknown[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => logged.push(JSON.parse(line)) });
    return import('postgraphile/graphql').then(({ GraphQLError }) => {
      const mask = makeMaskError(GraphQLError, logger);
      const sqlError = Object.assign(new Error('relation "ledger_private.api_keys" does not exist: select key_hash from …'), { code: '42P01' });
      const plain = new Error('TypeError at /work/main/edge/src/x.ts:1');
      for (const original of [sqlError, plain]) {
        const masked = mask(new GraphQLError(original.message, { path: ['health'], originalError: original }));
        expect(masked.message).toBe('an unexpected error occurred; it has been logged');
        expect(masked.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', status: 500 });
        expect(masked.path).toEqual(['health']);
      }
      expect(logged).toHaveLength(2);
    });
  });

  test('errors of the query document itself pass as GraphQL wrote them', async () => {
    const r = await gql(h.operatorKey, '{ apiKeys { keyHash } }');
    expect(r.json.errors[0].message).toMatch(/Cannot query field "apiKeys"/);
  });
});
