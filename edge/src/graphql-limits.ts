// GraphQL's bounds (limits.ts holds the numbers). Without them one 1 KB query of aliased
// connections asked for hundreds of MB of payloads and took the edge to GBs.
//  - Pages: a connection returns `pageSizeDefault` rows unless `first` or `last` says otherwise,
//    and neither may exceed `pageSizeMax`.
//  - Before an operation runs (its variables known): its nesting, its aliases and its cost, the
//    number of values it can return: each field counts once per row its lists can hold (a
//    connection's page size, the default page size for any other list), JSON and exact-text fields
//    ten times (a payload may be 256 KiB). Introspection is not costed: the schema is small and
//    fixed, and GraphQL's own validation refuses introspection nested past three lists.
//  - After it ran: an answer over `answerBytes` is replaced by an error.
// Every refusal is a GraphQL error with extensions {code, status: 400}, never a 500.
import type { Step } from 'grafast';
import {
  getNamedType, getNullableType, GraphQLError, isListType, isObjectType, Kind, SchemaMetaFieldDef, TypeMetaFieldDef, valueFromAST,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLObjectType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode,
} from 'postgraphile/graphql';
import type { Limits } from './limits.js';

type GrafastLib = typeof import('grafast');
type WrapPlans = typeof import('postgraphile/utils').wrapPlans;

const HEAVY = 10;
/** Fields visited while costing, fragments expanded: past this the operation is refused as too complex. */
const MAX_VISITS = 20_000;

export const refusal = (message: string, code: string) => new GraphQLError(message, { extensions: { code, status: 400 } });

interface PageArgs { first?: Step; last?: Step }

/**
 * Connections' page sizes. PostGraphile applies `first` and `last` as given (no limit when absent);
 * here their arguments only note their steps, and the field's plan sets both from them: a default
 * when neither is given, a refusal past the maximum.
 */
export function pageSizePlugins(grafast: GrafastLib, wrapPlans: WrapPlans, limits: Limits): GraphileConfig.Plugin[] {
  const { lambda, constant, SafeError } = grafast;
  const noted = new WeakMap<Step, PageArgs>();
  const note = (name: keyof PageArgs) => (_: unknown, $connection: Step, arg: { getRaw(): Step }) => {
    noted.set($connection, { ...noted.get($connection), [name]: arg.getRaw() });
  };
  const checked = (name: string) => (value: unknown) => {
    if (value === null || value === undefined) return null;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > limits.pageSizeMax) {
      throw new SafeError(`${name} must be an integer from 0 to ${limits.pageSizeMax}`, { code: 'PAGE_TOO_LARGE', status: 400 });
    }
    return value;
  };
  const checkFirst = checked('first');
  const checkLast = checked('last');
  const firstOf = ([first, last]: readonly unknown[]) => checkFirst(first) ?? (last === null || last === undefined ? limits.pageSizeDefault : null);

  const isPaginated = (scope: { isPgFieldConnection?: boolean; isPgFieldSimpleCollection?: boolean }) =>
    Boolean(scope.isPgFieldConnection || scope.isPgFieldSimpleCollection);

  const noteArgs: GraphileConfig.Plugin = {
    name: 'LedgerSafePageArgsPlugin',
    version: '1.0.0',
    after: ['PgFirstLastBeforeAfterArgsPlugin'],
    schema: {
      hooks: {
        GraphQLObjectType_fields_field_args(args, _build, context) {
          if (!isPaginated(context.scope) || !args.first) return args;
          const described = (name: 'first' | 'last') => ({
            ...args[name],
            description: `Only read the ${name} \`n\` values of the set (at most ${limits.pageSizeMax}; ${limits.pageSizeDefault} when neither first nor last is given).`,
            applyPlan: note(name),
          });
          return { ...args, first: described('first'), ...(args.last ? { last: described('last') } : {}) };
        },
      },
    },
  };

  const setPage = wrapPlans(
    (context) => (isPaginated(context.scope) ? true : null),
    () => (plan) => {
      const $connection = plan() as Step & { setFirst?(step: Step): void; setLast?(step: Step): void };
      const { first = constant(undefined), last } = noted.get($connection) ?? {};
      $connection.setFirst?.(lambda([first, last ?? constant(undefined)], firstOf));
      if (last) $connection.setLast?.(lambda(last, checkLast));
      return $connection;
    },
    { name: 'LedgerSafePageSizePlugin' },
  );
  return [noteArgs, setPage];
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  limits: Limits;
  cost: number;
  aliases: number;
  visits: number;
}

function argument(walk: Walk, field: GraphQLField<unknown, unknown>, node: { arguments?: readonly { name: { value: string }; value: any }[] }, name: string): unknown {
  const given = node.arguments?.find((a) => a.name.value === name);
  const definition = field.args.find((a) => a.name === name);
  if (!given || !definition) return undefined;
  return valueFromAST(given.value, definition.type, walk.variables);
}

/** Rows a list field can hold: a connection's page (nodes, edges), the default page for any other list. */
function pageOf(walk: Walk, field: GraphQLField<unknown, unknown>, node: Parameters<typeof argument>[2]): number {
  const size = (name: string) => {
    const value = argument(walk, field, node, name);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > walk.limits.pageSizeMax) {
      throw refusal(`${name} must be an integer from 0 to ${walk.limits.pageSizeMax}`, 'PAGE_TOO_LARGE');
    }
    return value;
  };
  const first = size('first');
  const last = size('last');
  if (first === undefined && last === undefined) return walk.limits.pageSizeDefault;
  return Math.min(first ?? Infinity, last ?? Infinity);
}

const isHeavy = (type: GraphQLObjectType, field: GraphQLField<unknown, unknown>) => {
  const named = getNamedType(field.type).name;
  if (named === 'JSON') return true;
  return named === 'String' && field.name.endsWith('Text') && getNamedType(type.getFields()[field.name.slice(0, -4)]?.type ?? field.type).name === 'JSON';
};

/**
 * Walks a selection set: its cost into walk.cost, aliases into walk.aliases; throws on the first
 * bound crossed. `rows`: how many times each field here is returned; `page`: the rows a list field
 * directly below holds (a connection's page for its nodes and edges).
 */
function visit(walk: Walk, set: SelectionSetNode, type: GraphQLObjectType, rows: number, page: number, depth: number, introspecting: boolean) {
  if (depth > walk.limits.queryDepth) throw refusal(`the query nests deeper than ${walk.limits.queryDepth} levels`, 'QUERY_TOO_DEEP');
  for (const selection of set.selections) {
    if (++walk.visits > MAX_VISITS) throw refusal('the query is too complex', 'QUERY_TOO_COMPLEX');
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : type;
      visit(walk, selection.selectionSet, isObjectType(on) ? on : type, rows, page, depth, introspecting);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = walk.fragments[selection.name.value];
      const on = fragment && walk.schema.getType(fragment.typeCondition.name.value);
      if (fragment) visit(walk, fragment.selectionSet, isObjectType(on) ? on : type, rows, page, depth, introspecting);
      continue;
    }
    if (selection.alias && selection.alias.value !== selection.name.value && ++walk.aliases > walk.limits.queryAliases) {
      throw refusal(`the query has more than ${walk.limits.queryAliases} aliases`, 'TOO_MANY_ALIASES');
    }
    const name = selection.name.value;
    if (name === '__typename') continue;
    const field = name === '__schema' ? SchemaMetaFieldDef : name === '__type' ? TypeMetaFieldDef : type.getFields()[name];
    if (!field) continue;
    const list = isListType(getNullableType(field.type));
    const inIntrospection = introspecting || name.startsWith('__');
    const fieldRows = list ? rows * page : rows;
    if (!inIntrospection) {
      walk.cost += fieldRows * (isHeavy(type, field) ? HEAVY : 1);
      if (walk.cost > walk.limits.queryCost) {
        throw refusal(`the query could return more than ${walk.limits.queryCost} values; ask for fewer rows (first/last) or fields`, 'QUERY_TOO_COSTLY');
      }
    }
    const named = getNamedType(field.type);
    if (!selection.selectionSet || !isObjectType(named)) continue;
    const below = field.args.some((a) => a.name === 'first') ? pageOf(walk, field, selection) : walk.limits.pageSizeDefault;
    visit(walk, selection.selectionSet, named, fieldRows, below, depth + 1, inIntrospection);
  }
}

/** Refuses an operation past its bounds, before it runs: the refusal, or null. */
export function checkOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined, limits: Limits): GraphQLError | null {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    else if (definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName)) operation ??= definition;
  }
  const root = operation && (operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'query' ? schema.getQueryType() : null);
  if (!operation || !root) return null;
  const walk: Walk = { schema, fragments, variables: variables ?? {}, limits, cost: 0, aliases: 0, visits: 0 };
  try {
    visit(walk, operation.selectionSet, root, 1, limits.pageSizeDefault, 1, false);
    return null;
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
}

/** Bytes a JSON value takes, counted until `limit` is passed (then any number over it). */
export function jsonBytesOver(value: unknown, limit: number): boolean {
  let bytes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') bytes += Buffer.byteLength(item) + 2;
    else if (item === null || typeof item !== 'object') bytes += 8;
    else if (Array.isArray(item)) {
      bytes += 2 + item.length;
      for (const element of item) stack.push(element);
    } else {
      for (const [key, element] of Object.entries(item)) {
        bytes += key.length + 4;
        stack.push(element);
      }
    }
    if (bytes > limit) return true;
  }
  return false;
}

/** The grafast middleware: operations refused before they run, answers over the limit replaced. */
export function boundsPlugin(limits: Limits): GraphileConfig.Plugin {
  return {
    name: 'LedgerSafeBoundsPlugin',
    version: '1.0.0',
    grafast: {
      middleware: {
        async execute(next, event) {
          const { schema, document, operationName, variableValues } = event.args;
          const refused = checkOperation(schema, document, operationName, variableValues as Record<string, unknown>, limits);
          if (refused) return { errors: [refused] };
          const result = await next();
          if (result && typeof result === 'object' && 'data' in result && jsonBytesOver(result.data, limits.answerBytes)) {
            return { errors: [refusal(`the answer would be larger than ${limits.answerBytes} bytes; ask for fewer rows (first/last) or fields`, 'ANSWER_TOO_LARGE')] };
          }
          return result;
        },
      },
    },
  };
}
