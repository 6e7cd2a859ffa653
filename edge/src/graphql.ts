// PostGraphile 5 over schema `ledger` at /graphql, and GraphiQL (Ruru) at /graphiql. Every request to
// /graphql needs a key and runs as the key's role with the settings the REST routes set (db/pool.ts),
// so grants and row-level security decide what a caller may see and do, exactly as in psql. The
// GraphiQL page is a static shell served to anyone: it holds no data, and the queries it sends go to
// /graphql with the key pasted in its headers editor.
import './polyfills.js';
import express, { type Express } from 'express';
import type pg from 'pg';
import type pino from 'pino';
import type { GraphQLError } from 'postgraphile/graphql';
import { callerOf, requireRole, type ApiKey } from './auth.js';
import { titleOf, toProblem } from './errors.js';
import { BATCH_BODY_LIMIT } from './routes/events.js';

export const GRAPHQL_PATH = '/graphql';
export const GRAPHIQL_PATH = '/graphiql';

/** A key's transaction settings: the same role, tenant binding and actor as the REST routes use. */
export function pgSettingsOf(key: ApiKey): Record<string, string> {
  const caller = callerOf(key);
  return { role: caller.role, 'ledger.tenant_id': caller.tenantId ?? '', 'ledger.actor': caller.actor ?? '' };
}

/** What a client reads when PostgreSQL's own message is not for clients (see errors.ts). */
const GENERIC: Record<number, string> = {
  400: 'an argument is not a valid value for its type',
  409: 'the request conflicts with the current state',
  422: 'an argument is not acceptable',
};

type GraphQLErrorClass = typeof GraphQLError;

/**
 * Errors as clients see them. GraphQL's own (syntax, validation, variables: no path, or a GraphQL
 * error underneath) stay as they are. A database error goes through the SQLSTATE table REST uses:
 * our functions' messages and [{path, message}] lists are kept, `extensions.code` is the SQLSTATE
 * (db/ERRORS.md) and `extensions.status` what REST would answer. Anything else is masked and logged.
 */
export function makeMaskError(GraphQLErrorCtor: GraphQLErrorClass, logger: pino.Logger) {
  return (error: GraphQLError): GraphQLError => {
    const original = error.originalError;
    if (!original || original instanceof GraphQLErrorCtor || !error.path) return error;
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
    return new GraphQLErrorCtor(message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions });
  };
}

export async function mountGraphql(app: Express, { pool, logger }: { pool: pg.Pool; logger: pino.Logger }) {
  // Grafast reads its mode once, when first loaded, and warns on every start unless GRAPHILE_ENV or
  // NODE_ENV names one: a server is in production mode unless told otherwise.
  if (process.env.GRAPHILE_ENV === undefined && process.env.NODE_ENV === undefined) process.env.GRAPHILE_ENV = 'production';
  // Built on the first GraphQL request, not at start: PostGraphile and its schema take some 50 MB
  // that an edge serving only REST (the ingest path) should not carry. A failed build (database
  // away) is answered like any database error and tried again by the next request.
  const build = async () => {
    const [{ postgraphile }, { makePgService }, { GraphQLError }, { grafserv }, { PostGraphileAmberPreset }, { jsonPgSmartTags }] =
      await Promise.all([
        import('postgraphile'), import('postgraphile/adaptors/pg'), import('postgraphile/graphql'),
        import('postgraphile/grafserv/express/v4'), import('postgraphile/presets/amber'), import('postgraphile/utils'),
      ]);

    const preset: GraphileConfig.Preset = {
      extends: [PostGraphileAmberPreset],
      plugins: [
        // The edge records what REST refused through this function; GraphQL clients have no use for it.
        jsonPgSmartTags({ version: 1, config: { procedure: { 'ledger.record_rejection': { tags: { behavior: '-*' } } } } }),
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
      // No plan or SQL in responses.
      grafast: { explain: false },
      grafserv: {
        graphqlPath: GRAPHQL_PATH,
        graphiqlPath: GRAPHIQL_PATH,
        graphiqlStaticPath: `${GRAPHIQL_PATH}/static/`,
        graphiqlOnGraphQLGET: false,
        graphqlOverGET: false,
        watch: false,
        maxRequestLength: BATCH_BODY_LIMIT,
        maskError: makeMaskError(GraphQLError, logger),
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
