// GraphQL's writes held to REST's rules. ingestEvent and ingestEvents are the edge's own mutations
// (ledger.ingest_event/ingest_events are not exposed): they hand the envelopes' texts to
// ledger_private.ingest_texts, as POST /v1/events/batch does, so each envelope is judged by the
// same function (256 KiB, nesting, what jsonb cannot hold, the envelope, the tenant), refused ones
// are recorded in ledger.rejections, and the source is 'graphql' whatever the client says. At
// most `batchItems` envelopes a call. resolveException and assignException (the ledger functions)
// get REST's length limits on the actor, the notes and the assignee.
import type { ApiKey } from './auth.js';
import { textDepth } from './batch-scanner.js';
import type { Database } from './db/database.js';
import { HttpProblem, titleOf, type FieldError } from './errors.js';
import type { Limits } from './limits.js';
import { recordRefusal } from './routes/events.js';

type GrafastLib = typeof import('grafast');

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Grafast {
    interface Context { apiKey?: ApiKey }
  }
}
type Utils = typeof import('postgraphile/utils');

/** Containers nested in a JSON value (iteratively: the value may be deep). */
export function valueDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

interface Envelope { text: string; depth: number }

/** An envelope given either as a JSON value (numbers pass through JavaScript) or as its exact text. */
function envelopeOf(value: unknown, text: unknown): Envelope | null {
  if ((value === undefined || value === null) === (text === undefined || text === null)) return null;
  if (typeof text === 'string') return { text, depth: textDepth(text) };
  return { text: JSON.stringify(value), depth: valueDepth(value) };
}

const answerOf = (row: Record<string, any>) => ({
  tenantId: row.tenant_id, idempotencyKey: row.idempotency_key, rawId: row.raw_id, result: row.result, exceptionId: row.exception_id,
  reasonCode: row.reason_code, keyStatus: row.key_status, attempt: row.attempt,
  receivedAt: row.received_at instanceof Date ? row.received_at.toISOString() : row.received_at, status: row.status, errors: row.errors ?? null,
});

/** [[input field, its limit in characters]]: the same counts as REST's schemas (code points). */
function checkLengths(input: Record<string, unknown> | null | undefined, rules: [string, number][]) {
  const errors: FieldError[] = rules
    .filter(([name, max]) => typeof input?.[name] === 'string' && [...(input[name] as string)].length > max)
    .map(([name, max]) => ({ path: name, message: `must NOT have more than ${max} characters` }));
  if (errors.length > 0) throw new HttpProblem(422, titleOf(422), 'the input is invalid', errors);
}

export function graphqlWritePlugins(grafast: GrafastLib, { extendSchema, gql, wrapPlans }: Pick<Utils, 'extendSchema' | 'gql' | 'wrapPlans'>,
  db: Database, limits: Limits): GraphileConfig.Plugin[] {
  const { access, context, lambda, object, sideEffect } = grafast;

  async function ingest(key: ApiKey | undefined, envelopes: (Envelope | null)[], path: string): Promise<ReturnType<typeof answerOf>[]> {
    if (key?.role !== 'producer') throw new HttpProblem(403, titleOf(403), 'ingest is for producer keys');
    let refused: HttpProblem | null = null;
    if (envelopes.length === 0 || envelopes.length > limits.batchItems) {
      refused = new HttpProblem(422, titleOf(422), `from 1 to ${limits.batchItems} envelopes at once`,
        [{ path, message: `must hold from 1 to ${limits.batchItems} items` }]);
    } else if (envelopes.some((e) => e === null)) {
      refused = new HttpProblem(422, titleOf(422), 'give the envelopes either as JSON (an array of objects) or as texts',
        [{ path, message: 'give exactly one of the JSON and the text, each envelope not null' }]);
    }
    if (refused) {
      await recordRefusal(db, key, { status: 422, reason: 'INVALID_ENVELOPE', errors: refused.errors!, excerpt: null, source: 'graphql', eventId: null });
      throw refused;
    }
    const rows = await db.ingestTexts({
      texts: envelopes.map((e) => e!.text), depths: envelopes.map((e) => e!.depth), tenantId: key.tenantId!, keyId: key.keyId, source: 'graphql',
    });
    return rows.map(answerOf);
  }

  const $key = () => context().get('apiKey');

  const mutations = extendSchema(() => ({
    typeDefs: gql`
      """One arrival's answer, as REST answers it; \`status\` is the HTTP status REST would give it."""
      type IngestAnswer {
        tenantId: String
        idempotencyKey: String
        rawId: BigInt
        result: String
        exceptionId: UUID
        reasonCode: String
        keyStatus: String
        attempt: Int
        receivedAt: Datetime
        status: Int
        errors: [FieldError!]
      }
      type FieldError {
        path: String!
        message: String!
      }
      input IngestEventInput {
        """The envelope as JSON: its numbers pass through JavaScript (doubles)."""
        envelope: JSON
        """The envelope as its JSON text, stored exactly as written (numbers keep every digit)."""
        envelopeText: String
        clientMutationId: String
      }
      type IngestEventPayload {
        result: IngestAnswer
        clientMutationId: String
      }
      input IngestEventsInput {
        """The envelopes as a JSON array: their numbers pass through JavaScript (doubles)."""
        envelopes: JSON
        """The envelopes as their JSON texts, stored exactly as written."""
        envelopesText: [String!]
        clientMutationId: String
      }
      type IngestEventsPayload {
        result: [IngestAnswer!]
        clientMutationId: String
      }
      extend type Mutation {
        """Ingests one envelope for the key's tenant (producers), exactly as POST /v1/events/batch ingests an item."""
        ingestEvent(input: IngestEventInput!): IngestEventPayload
        """Ingests 1 to ${String(limits.batchItems)} envelopes in order, each judged alone, as POST /v1/events/batch does."""
        ingestEvents(input: IngestEventsInput!): IngestEventsPayload
      }
    `,
    plans: {
      Mutation: {
        ingestEvent(_: unknown, fieldArgs: { getRaw(name: string): any }) {
          const $input = fieldArgs.getRaw('input');
          const $answers = sideEffect([$input, $key()], ([input, key]) => {
            const { envelope, envelopeText } = input as { envelope?: unknown; envelopeText?: unknown };
            return ingest(key, [envelopeOf(envelope, envelopeText)], 'envelope');
          });
          return object({ result: lambda($answers, (answers) => answers[0]), clientMutationId: access($input, 'clientMutationId') });
        },
        ingestEvents(_: unknown, fieldArgs: { getRaw(name: string): any }) {
          const $input = fieldArgs.getRaw('input');
          const $answers = sideEffect([$input, $key()], ([input, key]) => {
            const { envelopes, envelopesText } = input as { envelopes?: unknown; envelopesText?: string[] | null };
            if ((envelopes == null) === (envelopesText == null) || (envelopes != null && !Array.isArray(envelopes))) return ingest(key, [null], 'envelopes');
            const list = envelopesText ? envelopesText.map((text) => envelopeOf(undefined, text)) : (envelopes as unknown[]).map((value) => envelopeOf(value, undefined));
            return ingest(key, list, envelopesText ? 'envelopesText' : 'envelopes');
          });
          return object({ result: $answers, clientMutationId: access($input, 'clientMutationId') });
        },
      },
    },
  }), 'LedgerSafeIngestPlugin');

  const lengths = (rules: [string, number][]) => (plan: () => unknown, _$source: unknown, fieldArgs: { getRaw(name: string): any }) => {
    // A side effect: the database call planned after it depends on it, and is not made when it throws.
    sideEffect(fieldArgs.getRaw('input'), (input) => checkLengths(input as Record<string, unknown> | null, rules));
    return plan();
  };
  const writeLimits = wrapPlans({
    Mutation: {
      resolveException: lengths([['actor', limits.actorChars], ['resolutionNotes', limits.notesChars]]),
      assignException: lengths([['assignedTo', limits.assigneeChars]]),
    },
  }, { name: 'LedgerSafeWriteLimitsPlugin' });

  return [mutations, writeLimits];
}
