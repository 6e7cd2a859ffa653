// GET /openapi.json (OpenAPI 3.1 built from the schemas the edge validates with) and GET /docs
// (Swagger UI served from the package itself: works offline).
import express, { Router } from 'express';
import { createRequire } from 'node:module';
import path from 'node:path';
import { components, DailySalesQuery, ExceptionListQuery, TransactionQuery } from './schemas.js';

const require = createRequire(import.meta.url);

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const json = (description: string, schema: object) => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const exceptionIdParam = { name: 'exception_id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const auth = [{ bearer: [] }];
const queryParameters = (schema: { properties: Record<string, object>; required?: readonly string[] }) =>
  Object.entries(schema.properties).map(([name, property]) => ({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: property }));
const common = { 401: problem('No, unknown or revoked key'), 403: problem('Wrong role or tenant') };
const body = { 408: problem('The body took longer than BODY_TIMEOUT_MS'), 415: problem('Not application/json in UTF-8, or an unknown Content-Encoding') };

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Ledger-Safe', version: '1',
      description: 'Every POS event is captured in an append-only Bronze table, then processed idempotently or quarantined for an operator to resolve and replay. Errors are RFC 9457 problem details.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A producer or operator key (`npx ledger-safe keys create`).' } },
      schemas: components,
    },
    paths: {
      '/v1/events': {
        post: {
          summary: 'Ingest one event', tags: ['producers'], security: auth,
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' }, description: 'If sent, must equal event_id.' }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('Envelope') } } },
          responses: {
            201: json('processed', ref('IngestAnswer')), 200: json('duplicate or ignored', ref('IngestAnswer')),
            202: json('quarantined', ref('IngestAnswer')), 400: problem('Not JSON, or not UTF-8'), ...common, ...body, 413: problem('Over 256 KiB (once inflated)'),
            422: problem('Invalid envelope (see errors)'), 503: problem('Database unavailable; retry'),
          },
        },
      },
      '/v1/events/batch': {
        post: {
          summary: 'Ingest 1 to 1000 events, each judged and answered on its own', tags: ['producers'], security: auth,
          requestBody: { required: true, content: { 'application/json': { schema: ref('BatchRequest') } } },
          responses: {
            200: json('One answer per event, in order, each with its status (an event refused alone is answered rejected with its errors)', ref('BatchAnswer')),
            400: problem('The body is not JSON, or not UTF-8 outside the events'), ...common, ...body, 413: problem('Over BATCH_BODY_LIMIT (once inflated)'),
            422: problem('Not {"events": [...]} with 1 to 1000 items'),
          },
        },
      },
      '/v1/health': {
        get: {
          summary: 'Liveness, and counts with a key', tags: ['anyone'],
          parameters: [{ name: 'reconcile', in: 'query', required: false, schema: { type: 'boolean' },
            description: 'With a key: add ledger.reconcile() (raw arrivals = processed + duplicate + quarantined + ignored, counters = count(*)). Counts rows: for audits, not polling.' }],
          responses: { 200: json('Up', ref('Health')), 401: problem('Unknown key'), 503: problem('Database unreachable') },
        },
      },
      '/v1/exceptions': {
        get: {
          summary: 'The exception queue', tags: ['operators'], security: auth,
          parameters: (Object.keys(ExceptionListQuery.properties) as (keyof typeof ExceptionListQuery.properties)[]).map((name) => ({
            name, in: 'query', required: false, schema: ExceptionListQuery.properties[name],
          })),
          responses: { 200: json('A page of exceptions', { type: 'object', properties: { items: { type: 'array', items: ref('Exception') }, total: { type: 'integer' } } }), ...common, 422: problem('Bad query') },
        },
      },
      '/v1/exceptions/{exception_id}': {
        get: {
          summary: 'An exception with its arrivals', tags: ['operators'], security: auth, parameters: [exceptionIdParam],
          responses: { 200: json('exception, raw_event, events_processed, first_raw_event, last_raw_event, arrivals', { type: 'object' }), ...common, 404: problem('Unknown'), 422: problem('Not a UUID') },
        },
      },
      '/v1/exceptions/{exception_id}/resolve': {
        post: {
          summary: 'Resolve an exception (once)', tags: ['operators'], security: auth, parameters: [exceptionIdParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ResolveRequest') } } },
          responses: { 200: json('The resolved exception', ref('Exception')), ...common, 404: problem('Unknown'), 409: problem('Already resolved, or the replay is invalid'), 422: problem('Bad request') },
        },
      },
      '/v1/exceptions/{exception_id}/assign': {
        post: {
          summary: 'Set the owner of an open exception', tags: ['operators'], security: auth, parameters: [exceptionIdParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('AssignRequest') } } },
          responses: { 200: json('The exception', ref('Exception')), ...common, 404: problem('Unknown'), 409: problem('Resolved'), 422: problem('Bad request') },
        },
      },
      '/v1/exceptions/bulk': {
        post: {
          summary: 'Resolve or assign every exception a filter matches: a dry run, or a job', tags: ['operators'], security: auth,
          description: 'dry_run true changes nothing and says how many match, how many would succeed and why the others would fail, each judged by the validation a single resolve runs. dry_run false starts a job that resolves each matched exception in its own savepoint exactly as a single resolve would (audited with the job id), skipping those resolved meanwhile; follow it at the Location.',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 },
            description: 'With dry_run false: the same key from the same operator answers the same job again; the key with another request is 422.' }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('BulkRequest') } } },
          responses: {
            200: json('The dry run', ref('DryRun')), 202: json('The job (made now, or by an earlier request with this Idempotency-Key)', ref('JobStarted')),
            400: problem('Not JSON'), ...common, 415: problem('Not application/json'),
            422: problem('A bad filter member (errors name it: filter.opened_before…), action, notes, patch or owner; more than 100000 matched; an Idempotency-Key reused for another request'),
          },
        },
      },
      '/v1/jobs/{job_id}': {
        get: {
          summary: 'A job\'s progress and failures', tags: ['operators'], security: auth,
          parameters: [{ name: 'job_id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { 200: json('The job', ref('Job')), ...common, 404: problem('Unknown'), 422: problem('Not a UUID') },
        },
      },
      '/v1/jobs/{job_id}/cancel': {
        post: {
          summary: 'Stop a running job', tags: ['operators'], security: auth,
          description: 'Waits for the step under way; nothing of the job is resolved after. What was done stays done.',
          parameters: [{ name: 'job_id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { 200: json('The cancelled job', ref('Job')), ...common, 404: problem('Unknown'), 409: problem('Ended already'), 422: problem('Not a UUID') },
        },
      },
      '/v1/transactions/{store_id}/{txn_id}': {
        get: {
          summary: 'A posted transaction as it stands: current values, lines with quantities returned, its timeline', tags: ['producers', 'operators'], security: auth,
          description: 'Amounts are JSON numbers written exactly as PostgreSQL holds them (parse them losslessly to keep every digit).',
          parameters: [{ name: 'store_id', in: 'path', required: true, schema: { type: 'string' } }, { name: 'txn_id', in: 'path', required: true, schema: { type: 'string' } },
            ...queryParameters(TransactionQuery)],
          responses: { 200: json('The transaction', ref('Transaction')), ...common, 404: problem('Nothing posted under this store and txn_id'), 422: problem('Bad query (an operator key without tenant_id)') },
        },
      },
      '/v1/sales/daily': {
        get: {
          summary: 'Gold: daily sales per store, business day and currency', tags: ['producers', 'operators'], security: auth,
          description: 'Days with postings only, ordered by business day, tenant, store and currency. Amounts exact, as for transactions.',
          parameters: queryParameters(DailySalesQuery),
          responses: {
            200: json('The days', { type: 'object', properties: { items: { type: 'array', items: ref('DailySales') } } }), ...common,
            422: problem('A missing or invalid date, from after to, or a span too long (errors name the field)'),
          },
        },
      },
      '/v1/business-days/close': {
        post: {
          summary: 'Close a business day of a store, or of every store of a tenant (audited)', tags: ['operators'], security: auth,
          description: 'A posting that would land on a closed day is quarantined LATE_EVENT_OUTSIDE_WINDOW. A day closes once.',
          requestBody: { required: true, content: { 'application/json': { schema: ref('CloseBusinessDayRequest') } } },
          responses: {
            201: json('The closed day', ref('BusinessDay')), 400: problem('Not JSON'), ...common, ...body,
            409: problem('The day is closed already'), 422: problem('Bad request, or an unknown tenant (errors name the field)'),
          },
        },
      },
      '/admin/api/me': {
        get: { summary: 'The console: who the key is', tags: ['console'], security: auth, responses: { 200: { description: '{id, name, role, actor}' }, ...common } },
      },
      '/admin/api/operators': {
        get: { summary: 'The console: the operators exceptions can be assigned to (the operator keys\' names, never their hashes)', tags: ['console'], security: auth,
          responses: { 200: { description: '[{id, name, actor}]' }, ...common } },
      },
      '/admin/api/stats': {
        get: { summary: 'The console dashboard: counts, arrivals per minute, open exceptions by reason, the oldest', tags: ['console'], security: auth,
          responses: { 200: { description: 'JSON, numbers exact' }, ...common } },
      },
      '/admin/api/business-days': {
        post: {
          summary: 'The console: close a business day (ledger.close_business_day, audited)', tags: ['console'], security: auth,
          description: 'Body {tenant_id, store_id?, business_date: "YYYY-MM-DD", notes}; without store_id every store of the tenant. A posting onto a closed day is quarantined LATE_EVENT_OUTSIDE_WINDOW.',
          responses: { 201: { description: 'The closed day {id, tenant_id, store_id, business_date, closed_at, closed_by, notes}' }, ...common,
            409: problem('Already closed'), 422: problem('A field that does not fit, or an unknown tenant') },
        },
      },
      '/admin/api/{resource}': {
        get: {
          summary: 'The console: a list (ra-data-simple-rest)', tags: ['console'], security: auth,
          description: 'Resources: exceptions, events, idempotency-keys (alias keys), audit-log, rejections, jobs, job-items, reason-codes, sales (Gold\'s daily sales with return and correction rates; filter tenant_id, store_id, from_date, to_date), stores, transactions (current postings). Query sort=["field","ASC"|"DESC"], range=[start,end] (inclusive), filter={"field":value}; answers a JSON array and Content-Range.',
          parameters: [{ name: 'resource', in: 'path', required: true, schema: { type: 'string' } },
            ...['sort', 'range', 'filter'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' }, description: 'JSON' }))],
          responses: { 200: { description: 'A JSON array of records, each with an id' }, ...common, 404: problem('No such resource'), 422: problem('Bad query') },
        },
      },
      '/admin/api/{resource}/{id}': {
        get: {
          summary: 'The console: one record', tags: ['console'], security: auth,
          parameters: [{ name: 'resource', in: 'path', required: true, schema: { type: 'string' } }, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'The record, numbers exact' }, ...common, 404: problem('Unknown'), 422: problem('Malformed id') },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', tags: ['operators'], security: auth, responses: { 200: { description: 'text/plain exposition format' }, ...common } } },
      '/graphql': { post: { summary: 'PostGraphile over the ledger (GraphiQL at /graphiql)', tags: ['operators', 'producers'], security: auth, responses: { 200: { description: 'GraphQL response' } } } },
    },
  };
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ledger-Safe API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true, tryItOutEnabled: true, persistAuthorization: true });`;

export function docsRoutes(): Router {
  const router = Router();
  const document = openApiDocument();
  const assets = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  router.get('/openapi.json', (_req, res) => res.json(document));
  router.get('/docs', (_req, res) => res.type('html').send(PAGE));
  router.get('/docs/init.js', (_req, res) => res.type('application/javascript').send(INIT));
  router.use('/docs/assets', express.static(assets, { index: false }));
  return router;
}
