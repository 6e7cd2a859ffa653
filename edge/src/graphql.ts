// PostGraphile 5 over schema `ledger` at /graphql, and GraphiQL (Ruru) at /graphiql. Every request to
// /graphql needs a key and runs as the key's role with the settings the REST routes set (db/database.ts),
// so grants and row-level security decide what a caller may see and do, exactly as in psql. The
// GraphiQL page is a static shell served to anyone: it holds no data, and the queries it sends go to
// /graphql with the key pasted in its headers editor. Requests are read by the edge (body.ts: strict
// UTF-8, size, compression, timeout) and bounded (graphql-limits.ts); writes keep REST's rules
// (graphql-ingest.ts).
import './polyfills.js';
import express, { type Express, type RequestHandler } from 'express';
import type pg from 'pg';
import type pino from 'pino';
import type { GraphQLError } from 'postgraphile/graphql';
import { callerOf, requireRole, type ApiKey } from './auth.js';
import { textDepth } from './batch-scanner.js';
import { jsonText, requireJson } from './body.js';
import { settingsOf, type Database } from './db/database.js';
import { HttpProblem, titleOf, toProblem } from './errors.js';
import type { Limits } from './limits.js';

export const GRAPHQL_PATH = '/graphql';
export const GRAPHIQL_PATH = '/graphiql';

/** A key's transaction settings: the same role, tenant binding and actor as the REST routes use. */
export const pgSettingsOf = (key: ApiKey): Record<string, string> => settingsOf(callerOf(key));

/** What a client reads when PostgreSQL's own message is not for clients (see errors.ts). */
const GENERIC: Record<number, string> = {
  400: 'an argument is not a valid value for its type',
  403: 'this key may not read or do this',
  409: 'the request conflicts with the current state',
  422: 'an argument is not acceptable',
};

interface SafeErrorLike { message: string; extensions?: { code?: unknown; status?: unknown } }

type GraphQLErrorClass = typeof GraphQLError;

/**
 * Errors as clients see them. GraphQL's own (syntax, validation, variables: no path, or a GraphQL
 * error underneath) stay as they are. A database error goes through the SQLSTATE table REST uses:
 * our functions' messages and [{path, message}] lists are kept, `extensions.code` is the SQLSTATE
 * (db/ERRORS.md) and `extensions.status` what REST would answer. Anything else is masked and logged.
 */
export function makeMaskError(GraphQLErrorCtor: GraphQLErrorClass, logger: pino.Logger, isSafeError: (e: Error) => boolean = () => false) {
  return (error: GraphQLError): GraphQLError => {
    const original = error.originalError;
    if (!original || original instanceof GraphQLErrorCtor || !error.path) return error;
    // Grafast's own refusals of what a client sent (a bad cursor, a page too large): client errors.
    if (isSafeError(original)) {
      const { code, status } = (original as SafeErrorLike).extensions ?? {};
      const httpStatus = typeof status === 'number' && status >= 400 && status < 500 ? status : 400;
      return new GraphQLErrorCtor(original.message, {
        nodes: error.nodes, source: error.source, positions: error.positions, path: error.path,
        extensions: { code: typeof code === 'string' ? code : titleOf(httpStatus).toUpperCase().replace(/ /g, '_'), status: httpStatus },
      });
    }
    const problem = toProblem(original);
    const sqlstate = (original as { code?: unknown }).code;
    const fromDatabase = typeof sqlstate === 'string' && /^[0-9A-Z]{5}$/.test(sqlstate);
    if (problem.status >= 500) logger.error({ err: original, path: error.path }, 'GraphQL operation failed');
    let message: string;
    if (problem.status >= 500) message = problem.detail ?? titleOf(problem.status);
    else if (problem.detail === original.message) message = problem.detail;
    else message = GENERIC[problem.status] ?? titleOf(problem.status);
    const extensions: Record<string, unknown> = {
      code: fromDatabase && problem.status < 500 ? sqlstate : titleOf(problem.status).toUpperCase().replace(/ /g, '_'),
      status: problem.status,
    };
    if (problem.errors && problem.status !== 500) extensions.errors = problem.errors;
    if (problem.code) extensions.reason = problem.code;
    return new GraphQLErrorCtor(message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions });
  };
}

/**
 * The body of a GraphQL request, read by the edge instead of grafserv: strict UTF-8, the size,
 * compression and time limits of REST, variables nested at most `graphqlBodyDepth` levels (deeper
 * values would overflow the stack of the code that serialises them) and a document of at most
 * `graphqlDocumentChars`. Grafserv then takes the parsed body as it is.
 */
function graphqlBody(limits: Limits): RequestHandler[] {
  const read = jsonText({ limitBytes: limits.graphqlBodyBytes, timeoutMs: limits.bodyTimeoutMs });
  const refuse = (status: number, detail: string) => new HttpProblem(status, titleOf(status), detail);
  return [requireJson, read, (req, _res, next) => {
    const text = req.body as string;
    if (textDepth(text) > limits.graphqlBodyDepth) return next(refuse(400, `the request nests deeper than ${limits.graphqlBodyDepth} levels`));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return next(refuse(400, 'the body is not valid JSON'));
    }
    const query = (body as { query?: unknown } | null)?.query;
    if (typeof query === 'string' && query.length > limits.graphqlDocumentChars) {
      return next(refuse(413, `the GraphQL document is longer than ${limits.graphqlDocumentChars} characters`));
    }
    req.body = body;
    next();
  }];
}

export async function mountGraphql(app: Express, { pool, logger, db, limits }: { pool: pg.Pool; logger: pino.Logger; db: Database; limits: Limits }) {
  // Grafast reads its mode once, when first loaded, and warns on every start unless GRAPHILE_ENV or
  // NODE_ENV names one: a server is in production mode unless told otherwise.
  if (process.env.GRAPHILE_ENV === undefined && process.env.NODE_ENV === undefined) process.env.GRAPHILE_ENV = 'production';
  // Built on the first GraphQL request, not at start: PostGraphile and its schema take some 50 MB
  // that an edge serving only REST (the ingest path) should not carry. A failed build (database
  // away) is answered like any database error and tried again by the next request.
  const build = async () => {
    const [{ postgraphile }, { makePgService }, { GraphQLError }, { grafserv }, { PostGraphileAmberPreset }, utils, grafast, bounds, writes] =
      await Promise.all([
        import('postgraphile'), import('postgraphile/adaptors/pg'), import('postgraphile/graphql'),
        import('postgraphile/grafserv/express/v4'), import('postgraphile/presets/amber'), import('postgraphile/utils'),
        import('postgraphile/grafast'), import('./graphql-limits.js'), import('./graphql-ingest.js'),
      ]);
    const hidden = { tags: { behavior: '-*' } };

    const preset: GraphileConfig.Preset = {
      extends: [PostGraphileAmberPreset],
      plugins: [
        // The edge records what REST refused through record_rejection; GraphQL clients have no use for
        // it. Ingest is the edge's own ingestEvent(s) (graphql-ingest.ts), not these functions.
        utils.jsonPgSmartTags({ version: 1, config: {
          procedure: { 'ledger.record_rejection': hidden, 'ledger.ingest_event': hidden, 'ledger.ingest_events': hidden },
          class: { 'ledger.ingest_answer': hidden },
        } }),
        ...bounds.pageSizePlugins(grafast, utils.wrapPlans, limits),
        bounds.boundsPlugin(limits),
        ...writes.graphqlWritePlugins(grafast, utils, db, limits),
      ],
      pgServices: [
        makePgService({
          pool,
          schemas: ['ledger'],
          pubsub: false,
          pgSettings(requestContext) {
            const key = requestContext.expressv4?.res.locals.apiKey;
            // requireRole refused keyless requests already; nothing may run as the login role itself.
            if (!key) throw new Error('a GraphQL request reached the database without an API key');
            return pgSettingsOf(key);
          },
        }),
      ],
      // Only the functions write (no role has INSERT, UPDATE or DELETE on a table): no CRUD mutations,
      // even when the edge logs in as the owner.
      schema: { defaultBehavior: '-insert -update -delete' },
      // No plan or SQL in responses. The key is in the context for the edge's own mutations.
      grafast: {
        explain: false,
        context: (requestContext) => ({ apiKey: requestContext.expressv4?.res.locals.apiKey }),
      },
      grafserv: {
        graphqlPath: GRAPHQL_PATH,
        graphiqlPath: GRAPHIQL_PATH,
        graphiqlStaticPath: `${GRAPHIQL_PATH}/static/`,
        graphiqlOnGraphQLGET: false,
        graphqlOverGET: false,
        watch: false,
        maxRequestLength: limits.graphqlBodyBytes,
        allowedRequestContentTypes: ['application/json'],
        maskError: makeMaskError(GraphQLError, logger, grafast.isSafeError),
      },
      ruru: { clientConfig: { defaultHeaders: '{"Authorization": "Bearer <your key>"}' } },
    };

    const pgl = postgraphile(preset);
    await pgl.getSchema();
    const handler = express();
    await pgl.createServ(grafserv).addTo(handler, null, false);
    return { handler, release: async () => { await pgl.release(); } };
  };
  let built: ReturnType<typeof build> | undefined;

  app.use(GRAPHQL_PATH, requireRole('operator', 'producer'));
  app.post(GRAPHQL_PATH, graphqlBody(limits));
  app.use((req, res, next) => {
    if (req.path !== GRAPHQL_PATH && req.path !== GRAPHIQL_PATH && !req.path.startsWith(`${GRAPHIQL_PATH}/`)) return next();
    const pending = (built ??= build());
    pending.then(({ handler }) => handler(req, res, next), (error) => {
      built = undefined;
      next(error);
    });
  });

  return {
    // Releases the server and the schema; the pool is not PostGraphile's (server.ts ends it).
    close: async () => {
      if (built) await (await built.catch(() => null))?.release();
    },
  };
}
