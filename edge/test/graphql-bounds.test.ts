// GraphQL held to REST's guarantees: bounded work (pages, depth, aliases, cost, answer size), client
// mistakes answered as client errors with no PostgreSQL text, producers confined to their tenant,
// ingest judged and recorded as REST's, writes with REST's length limits, and exact values.
import '../src/polyfills.js';
import type { Server } from 'node:http';
import pino from 'pino';
import { getIntrospectionQuery } from 'postgraphile/graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEdge } from '../src/app.js';
import { startHarness, type Harness } from './harness.js';
import { envelope, saleText } from './support.js';

let h: Harness;
let otherTenant: string;
let otherKey: string;

beforeAll(async () => {
  h = await startHarness('graphql_bounds');
  otherTenant = `${h.tenant}_other`;
  otherKey = await h.producerKeyFor(otherTenant);
  // 60 Bronze rows of the harness tenant, one of another.
  const events = Array.from({ length: 60 }, (_, i) => envelope(h.tenant, `seed-${i}`));
  expect((await h.http('POST', '/v1/events/batch', { key: h.producerKey, body: { events } })).status).toBe(200);
  await h.http('POST', '/v1/events', { key: otherKey, body: envelope(otherTenant, 'other-1') });
});
afterAll(() => h?.close());

const gql = (key: string, query: string, variables?: Record<string, unknown>) => h.http('POST', '/graphql', { key, body: { query, variables } });
const op = (query: string, variables?: Record<string, unknown>) => gql(h.operatorKey, query, variables);
const errorOf = (r: { json: any }) => r.json.errors?.[0];
const leaks = /permission denied|relation |select |insert |invalid input syntax|\n\s+at |ERROR:/i;

describe('pages', () => {
  test('a connection without first or last returns the default page; totalCount counts all', async () => {
    const r = await op(`query ($t: String!) { allEventsRaws(condition: {tenantId: $t}) { totalCount nodes { rawId } } }`, { t: h.tenant });
    expect(r.json.data.allEventsRaws.totalCount).toBe(60);
    expect(r.json.data.allEventsRaws.nodes).toHaveLength(h.edge.limits.pageSizeDefault);
  });

  test('first and last up to the maximum are honoured, also as variables; null is the default', async () => {
    const q = `query ($t: String!, $first: Int, $last: Int) { allEventsRaws(condition: {tenantId: $t}, first: $first, last: $last, orderBy: RAW_ID_ASC) { nodes { rawId } } }`;
    expect((await op(q, { t: h.tenant, first: 500 })).json.data.allEventsRaws.nodes).toHaveLength(60);
    expect((await op(q, { t: h.tenant, first: null })).json.data.allEventsRaws.nodes).toHaveLength(h.edge.limits.pageSizeDefault);
    const last = (await op(q, { t: h.tenant, last: 3 })).json.data.allEventsRaws.nodes;
    const all = (await op(q, { t: h.tenant, first: 500 })).json.data.allEventsRaws.nodes;
    expect(last).toEqual(all.slice(-3));
  });

  test('first or last past the maximum, or negative: a client error, in the document or a variable', async () => {
    const limit = h.edge.limits.pageSizeMax;
    for (const [query, variables] of [
      [`{ allEventsRaws(first: ${limit + 1}) { nodes { rawId } } }`, undefined],
      ['query ($n: Int) { allEventsRaws(first: $n) { nodes { rawId } } }', { n: 1_000_000 }],
      [`{ allEventsRaws(last: ${limit + 1}) { nodes { rawId } } }`, undefined],
      ['{ allEventsRaws(first: -1) { nodes { rawId } } }', undefined],
    ] as const) {
      const r = await op(query, variables);
      expect(r.status).toBeLessThan(500);
      expect(errorOf(r).extensions, query).toMatchObject({ code: 'PAGE_TOO_LARGE', status: 400 });
    }
  });
});

describe('cost, depth, aliases, answer size', () => {
  const aliased = (n: number, first: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: allEventsRaws${first} { nodes { payload } }`).join(' ')} }`;

  test('the 20 aliased allEventsRaws(first: 1000) { nodes { payload } } are refused before they run', async () => {
    for (const query of [aliased(20, '(first: 1000)'), aliased(20, '(first: 500)'), aliased(20, '')]) {
      const r = await op(query);
      expect(r.status).toBe(400);
      expect(r.json.data).toBeUndefined();
      expect(['PAGE_TOO_LARGE', 'QUERY_TOO_COSTLY']).toContain(errorOf(r).extensions.code);
      expect(errorOf(r).extensions.status).toBe(400);
    }
    expect(errorOf(await op(aliased(20, ''))).extensions.code).toBe('QUERY_TOO_COSTLY');
    // Within the cost, the same shape runs.
    const small = await op(aliased(2, '(first: 10)'));
    expect(small.json.errors).toBeUndefined();
    expect(small.json.data.a1.nodes).toHaveLength(10);
  });

  test('nesting deeper than the limit, and too many aliases: refused', async () => {
    const depth = h.edge.limits.queryDepth;
    const deep = await op(`{ ${'query { '.repeat(depth + 1)}__typename${' }'.repeat(depth + 1)} }`);
    expect(errorOf(deep).extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', status: 400 });
    expect((await op(`{ ${'query { '.repeat(depth - 2)}__typename${' }'.repeat(depth - 2)} }`)).json.errors).toBeUndefined();
    const aliases = h.edge.limits.queryAliases;
    const many = await op(`{ ${Array.from({ length: aliases + 1 }, (_, i) => `t${i}: __typename`).join(' ')} }`);
    expect(errorOf(many).extensions).toMatchObject({ code: 'TOO_MANY_ALIASES', status: 400 });
  });

  test('introspection as GraphiQL asks for it passes; a circular one is refused', async () => {
    const full = await op(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
    expect(full.json.errors).toBeUndefined();
    expect(full.json.data.__schema.types.length).toBeGreaterThan(20);
    // GraphQL's own validation refuses introspection nested past three lists.
    const circular = await op('{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }');
    expect(circular.status).toBeLessThan(500);
    expect(circular.json.data).toBeUndefined();
    expect(errorOf(circular).message).toMatch(/introspection depth/i);
    const ofTypes = await op(`{ __schema { types { ${'ofType { '.repeat(h.edge.limits.queryDepth)}name${' }'.repeat(h.edge.limits.queryDepth)} } } }`);
    expect(errorOf(ofTypes).extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', status: 400 });
  });

  test('an answer over the answer-size limit is replaced by an error', async () => {
    const edge = await createEdge({ pool: h.pool, logger: pino({ level: 'silent' }), limits: { answerBytes: 20_000 } });
    const server: Server = await new Promise((resolve) => { const s = edge.app.listen(0, '127.0.0.1', () => resolve(s)); });
    try {
      const ask = (first: number) => fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`, {
        method: 'POST', headers: { authorization: `Bearer ${h.operatorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ allEventsRaws(first: ${first}) { nodes { payload payloadText } } }` }),
      }).then((r) => r.json());
      const large = await ask(60);
      expect(large.data).toBeUndefined();
      expect(large.errors[0].extensions).toEqual({ code: 'ANSWER_TOO_LARGE', status: 400 });
      const fits = await ask(2);
      expect(fits.data.allEventsRaws.nodes).toHaveLength(2);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await edge.close();
    }
  });
});

describe('client mistakes are client errors, without PostgreSQL text', () => {
  test('a cursor that is not one: 400-class, not 500', async () => {
    for (const cursor of ['not-a-cursor', Buffer.from('{"a":1}').toString('base64'), '']) {
      const r = await op('query ($c: Cursor) { allEventsRaws(after: $c) { totalCount } }', { c: cursor });
      expect(r.status).toBeLessThan(500);
      expect(errorOf(r).extensions.status).toBe(400);
      expect(r.text).not.toMatch(leaks);
    }
  });

  test('a variable nested deeper than the request limit: 400 before GraphQL; a deep envelope within it: 422 and recorded', async () => {
    const limit = h.edge.limits.graphqlBodyDepth;
    const nested = (levels: number) => JSON.parse('{"a":'.repeat(levels) + '1' + '}'.repeat(levels));
    const q = 'mutation ($e: JSON!) { ingestEvent(input: {envelope: $e}) { result { status result errors { path message } } } }';
    for (const levels of [limit + 1, 5000, 100_000]) {
      const r = await h.http('POST', '/graphql', { key: h.producerKey, raw: `{"query": ${JSON.stringify(q)}, "variables": {"e": ${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}}`,
        headers: { 'content-type': 'application/json' } });
      expect(r.status, String(levels)).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const r = await gql(h.producerKey, q, { e: { ...envelope(h.tenant, 'g-deep'), n: nested(70) } });
    expect(r.json.data.ingestEvent.result).toMatchObject({ status: 422, result: 'rejected' });
    const { rows } = await h.owner.query("select reason_code, source from ledger.rejections where tenant_id = $1 and idempotency_key = 'g-deep'", [h.tenant]);
    expect(rows).toEqual([{ reason_code: 'INVALID_ENVELOPE', source: 'graphql' }]);
  });

  test('a GraphQL body that is not UTF-8 or not JSON: 400; a document too long: 413', async () => {
    const invalid = Buffer.concat([Buffer.from('{"query": "{ __typename }", "x": "'), Buffer.from([0xff]), Buffer.from('"}')]);
    const bad = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${h.operatorKey}`, 'content-type': 'application/json' }, body: invalid });
    expect(bad.status).toBe(400);
    expect((await h.http('POST', '/graphql', { key: h.operatorKey, raw: '{"query": ', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    const long = await op(`{ ${'__typename '.repeat(h.edge.limits.graphqlDocumentChars / 10)} }`);
    expect(long.status).toBe(413);
  });

  test('PostgreSQL\'s own refusal ("permission denied for table …") reaches no client; its status does', async () => {
    for (const query of ['{ allExceptions { totalCount } }', '{ allRejections { nodes { rejectionId } } }', '{ allAuditLogs { totalCount } }']) {
      const r = await gql(h.producerKey, query);
      expect(errorOf(r).extensions).toMatchObject({ code: '42501', status: 403 });
      expect(errorOf(r).message).toBe('this key may not read or do this');
      expect(r.text).not.toMatch(leaks);
    }
  });
});

describe('producers see their own tenant only', () => {
  test('allTenants, tenantByTenantId, Bronze, keys, health', async () => {
    const tenants = await gql(h.producerKey, '{ allTenants { totalCount nodes { tenantId } } }');
    expect(tenants.json.data.allTenants).toEqual({ totalCount: 1, nodes: [{ tenantId: h.tenant }] });
    const other = await gql(h.producerKey, `{ tenantByTenantId(tenantId: ${JSON.stringify(otherTenant)}) { tenantId } }`);
    expect(other.json.data.tenantByTenantId).toBeNull();
    const theirs = await gql(h.producerKey, `{ allEventsRaws(condition: {tenantId: ${JSON.stringify(otherTenant)}}) { totalCount } allEventsProcesseds(condition: {tenantId: ${JSON.stringify(otherTenant)}}) { totalCount } }`);
    expect(theirs.json.data).toEqual({ allEventsRaws: { totalCount: 0 }, allEventsProcesseds: { totalCount: 0 } });
    const all = await op('{ allTenants { nodes { tenantId } } }');
    expect(all.json.data.allTenants.nodes.map((n: { tenantId: string }) => n.tenantId)).toEqual(expect.arrayContaining([h.tenant, otherTenant]));
  });

  test('health, reconcile and their texts: another tenant is 403; by node id, another tenant\'s row is not there', async () => {
    for (const field of ['health', 'healthText', 'reconcile', 'reconcileText']) {
      const r = await gql(h.producerKey, `{ ${field}(tenantId: ${JSON.stringify(otherTenant)}) }`);
      expect(errorOf(r).extensions, field).toMatchObject({ code: '42501', status: 403 });
    }
    expect(JSON.parse((await gql(h.producerKey, '{ healthText }')).json.data.healthText).events_raw).toBeGreaterThanOrEqual(60);
    const theirs = await op(`{ allEventsRaws(condition: {tenantId: ${JSON.stringify(otherTenant)}}) { nodes { id } } }`);
    const nodeId = theirs.json.data.allEventsRaws.nodes[0].id;
    const r = await gql(h.producerKey, 'query ($id: ID!) { node(id: $id) { id } eventsRaw(id: $id) { rawId } }', { id: nodeId });
    expect(r.json.data).toEqual({ node: null, eventsRaw: null });
  });
});

describe('GraphQL ingest: the batch route\'s rules', () => {
  const INGEST = 'mutation ($e: JSON, $t: String) { ingestEvent(input: {envelope: $e, envelopeText: $t}) { result { idempotencyKey rawId result status errors { path message } } } }';
  const INGEST_MANY = 'mutation ($es: JSON, $ts: [String!]) { ingestEvents(input: {envelopes: $es, envelopesText: $ts}) { result { idempotencyKey status } } }';
  const rejectionsOf = async (key: string) => (await h.owner.query(
    'select reason_code, http_status, source from ledger.rejections where tenant_id = $1 and idempotency_key = $2', [h.tenant, key])).rows;

  test('the source is graphql; a client cannot set it', async () => {
    const r = await gql(h.producerKey, INGEST, { e: envelope(h.tenant, 'g-src') });
    expect(r.json.data.ingestEvent.result).toMatchObject({ result: 'processed', status: 201 });
    const { rows } = await h.owner.query("select source from ledger.events_raw where tenant_id = $1 and idempotency_key = 'g-src'", [h.tenant]);
    expect(rows).toEqual([{ source: 'graphql' }]);
    const claimed = await gql(h.producerKey, 'mutation ($e: JSON) { ingestEvent(input: {envelope: $e, source: "batch"}) { result { status } } }', { e: envelope(h.tenant, 'g-src2') });
    expect(errorOf(claimed).message).toMatch(/source/);
    expect((await h.owner.query("select count(*)::int as n from ledger.events_raw where idempotency_key = 'g-src2'")).rows[0].n).toBe(0);
  });

  test('over 256 KiB, another tenant, invalid: each answered with its status and recorded with source graphql', async () => {
    const r = await gql(h.producerKey, INGEST_MANY, { es: [
      envelope(h.tenant, 'g-big', { blob: 'x'.repeat(300 * 1024) }), envelope(otherTenant, 'g-foreign'), { event_id: 'g-invalid' }, envelope(h.tenant, 'g-ok'),
    ] });
    expect(r.json.data.ingestEvents.result.map((a: { status: number }) => a.status)).toEqual([413, 403, 422, 201]);
    expect(await rejectionsOf('g-big')).toEqual([{ reason_code: 'PAYLOAD_TOO_LARGE', http_status: 413, source: 'graphql' }]);
    expect(await rejectionsOf('g-foreign')).toEqual([{ reason_code: 'TENANT_MISMATCH', http_status: 403, source: 'graphql' }]);
    expect(await rejectionsOf('g-invalid')).toEqual([{ reason_code: 'INVALID_ENVELOPE', http_status: 422, source: 'graphql' }]);
    const { rows } = await h.owner.query("select idempotency_key from ledger.events_raw where tenant_id = $1 and idempotency_key like 'g-%' and idempotency_key in ('g-big', 'g-ok')", [h.tenant]);
    expect(rows).toEqual([{ idempotency_key: 'g-ok' }]);
  });

  test('more envelopes than a batch may hold, none, or both forms: refused whole and recorded', async () => {
    const before = (await h.owner.query("select count(*)::int as n from ledger.rejections where tenant_id = $1 and source = 'graphql'", [h.tenant])).rows[0].n;
    const many = Array.from({ length: h.edge.limits.batchItems + 1 }, (_, i) => envelope(h.tenant, `g-many-${i}`));
    for (const variables of [{ es: many }, { es: [] }, { es: [envelope(h.tenant, 'g-both')], ts: ['{}'] }, {}, { es: { not: 'an array' } }]) {
      const r = await gql(h.producerKey, INGEST_MANY, variables);
      expect(r.json.data.ingestEvents).toBeNull();
      expect(errorOf(r).extensions).toMatchObject({ status: 422 });
    }
    const after = (await h.owner.query("select count(*)::int as n from ledger.rejections where tenant_id = $1 and source = 'graphql'", [h.tenant])).rows[0].n;
    expect(after - before).toBe(5);
    expect((await h.owner.query("select count(*)::int as n from ledger.events_raw where idempotency_key like 'g-many-%'")).rows[0].n).toBe(0);
  });

  test('an envelope as text is stored exactly as written; as JSON it passes through JavaScript numbers', async () => {
    const text = saleText(h.tenant, 'g-exact', '12345678901234567890123.45').replace('"USD"', '"USD","tax":40.0');
    const r = await gql(h.producerKey, INGEST, { t: text });
    expect(r.json.data.ingestEvent.result.status).toBe(201);
    const { rows } = await h.owner.query("select payload::text as p from ledger.events_raw where idempotency_key = 'g-exact' and tenant_id = $1", [h.tenant]);
    expect(rows[0].p).toContain('"total_amount": 12345678901234567890123.45');
    expect(rows[0].p).toContain('"tax": 40.0');
    const texts = await gql(h.producerKey, INGEST_MANY, { ts: [JSON.stringify(envelope(h.tenant, 'g-text-1')), 'not json'] });
    expect(texts.json.data.ingestEvents.result.map((a: { status: number }) => a.status)).toEqual([201, 400]);
  });
});

describe('writes: REST\'s length limits', () => {
  async function openException(eventId: string): Promise<string> {
    await h.http('POST', '/v1/events', { key: h.producerKey, body: envelope(h.tenant, eventId) });
    const r = await h.http('POST', '/v1/events', { key: h.producerKey, body: envelope(h.tenant, eventId, { total_amount: 1 }) });
    return r.json.exception_id;
  }
  const RESOLVE = 'mutation ($id: UUID!, $notes: String!, $actor: String) { resolveException(input: {exceptionId: $id, action: "mark_resolved_no_replay", resolutionNotes: $notes, actor: $actor}) { result { status } } }';
  const ASSIGN = 'mutation ($id: UUID!, $to: String!) { assignException(input: {exceptionId: $id, assignedTo: $to}) { result { assignedTo } } }';
  const stateOf = async (id: string) => (await h.owner.query('select status, assigned_to from ledger.exceptions where exception_id = $1', [id])).rows[0];

  test('an actor over 200 characters, notes over the limit, an assignee over 200: 422, nothing changed', async () => {
    const id = await openException('g-lengths');
    const limits = h.edge.limits;
    for (const variables of [{ id, notes: 'ok', actor: 'a'.repeat(limits.actorChars + 1) }, { id, notes: 'n'.repeat(limits.notesChars + 1) }]) {
      const r = await op(RESOLVE, variables);
      expect(r.json.data.resolveException).toBeNull();
      expect(errorOf(r).extensions).toMatchObject({ status: 422, errors: [{ path: variables.actor ? 'actor' : 'resolutionNotes' }] });
    }
    const assign = await op(ASSIGN, { id, to: 'b'.repeat(limits.assigneeChars + 1) });
    expect(errorOf(assign).extensions).toMatchObject({ status: 422, errors: [{ path: 'assignedTo' }] });
    expect(await stateOf(id)).toEqual({ status: 'open', assigned_to: null });
    // At the limits, and counted in characters (not UTF-16 units), as REST counts.
    expect((await op(ASSIGN, { id, to: '😀'.repeat(limits.assigneeChars) })).json.data.assignException.result.assignedTo).toHaveLength(2 * limits.assigneeChars);
    expect((await op(RESOLVE, { id, notes: 'done', actor: 'a'.repeat(limits.actorChars) })).json.data.resolveException.result).toEqual({ status: 'resolved' });
    // REST answers the same actor the same.
    const rest = await h.http('POST', `/v1/exceptions/${await openException('g-lengths-rest')}/resolve`, { key: h.operatorKey,
      body: { action: 'mark_resolved_no_replay', resolution_notes: 'x', actor: 'a'.repeat(limits.actorChars + 1) } });
    expect(rest.status).toBe(422);
  });
});

describe('exact values: a text field beside every JSON field', () => {
  test('every field of type JSON has a String field named <field>Text beside it', async () => {
    const r = await op('{ __schema { types { name kind fields { name type { name kind ofType { name kind ofType { name kind ofType { name } } } } } } } }');
    // [X!]! is three wrappers deep; a type the query does not reach that deep names nothing.
    const named = (t: any): string | undefined => (t ? t.name ?? named(t.ofType) : undefined);
    const missing: string[] = [];
    let json = 0;
    for (const type of r.json.data.__schema.types.filter((t: any) => t.kind === 'OBJECT' && !t.name.startsWith('__'))) {
      for (const field of type.fields ?? []) {
        if (named(field.type) !== 'JSON') continue;
        json++;
        const text = type.fields.find((f: any) => f.name === `${field.name}Text`);
        if (named(text?.type) !== 'String') missing.push(`${type.name}.${field.name}`);
      }
    }
    expect(json).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });

  test('12345678901234567890123.45 and 40.0 read back as written through the text fields', async () => {
    const text = saleText(h.tenant, 'g-read', '12345678901234567890123.45').replace('"USD"', '"USD","tax":40.0');
    await h.http('POST', '/v1/events', { key: h.producerKey, raw: text, headers: { 'content-type': 'application/json' } });
    const conflict = await h.http('POST', '/v1/events', { key: h.producerKey, raw: text.replace('"tax":40.0', '"tax":41.0'), headers: { 'content-type': 'application/json' } });
    const id = conflict.json.exception_id;
    await h.http('POST', `/v1/exceptions/${id}/resolve`, { key: h.operatorKey, raw: '{"action": "override_and_replay", "resolution_notes": "tax is 40.00", "override_patch": {"tax": 40.00}}',
      headers: { 'content-type': 'application/json' } });
    const r = await op(`query ($t: String!, $id: UUID!) {
      allEventsRaws(condition: {tenantId: $t, idempotencyKey: "g-read"}, orderBy: RAW_ID_ASC) { nodes { payload payloadText } }
      eventsProcessedByTenantIdAndIdempotencyKey(tenantId: $t, idempotencyKey: "g-read") { canonicalPayload canonicalPayloadText }
      allAuditLogs(condition: {exceptionId: $id}, orderBy: AUDIT_ID_ASC) { nodes { action afterText } }
      allExceptions(condition: {exceptionId: $id}) { nodes { overridePatchText } }
      exceptionDetailText(exceptionId: $id)
    }`, { t: h.tenant, id });
    expect(r.json.errors).toBeUndefined();
    const [first] = r.json.data.allEventsRaws.nodes;
    expect(first.payload.total_amount).toBe(1.2345678901234568e22);
    expect(first.payloadText).toContain('"total_amount": 12345678901234567890123.45');
    expect(first.payloadText).toContain('"tax": 40.0');
    expect(r.json.data.eventsProcessedByTenantIdAndIdempotencyKey.canonicalPayloadText).toContain('"tax": 40.00');
    expect(r.json.data.allExceptions.nodes[0].overridePatchText).toBe('{"tax": 40.00}');
    expect(r.json.data.allAuditLogs.nodes.at(-1).afterText).toContain('40.00');
    expect(r.json.data.exceptionDetailText).toContain('12345678901234567890123.45');
    expect(JSON.parse(r.json.data.exceptionDetailText).exception.exception_id).toBe(id);
  });
});
