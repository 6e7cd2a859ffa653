// Races against a real PostgreSQL 16, each racer on a connection of its own (the harness of
// edge/test/db-concurrency.test.ts, for the ledger's tests): every racer opens its transaction,
// takes its role, then queues on a shared advisory lock that the starter holds until pg_locks shows
// all of them waiting. No sleeps: every wait is on a lock or on an observed state.
import pg from 'pg';

export type Caller = { role: 'ledger_ingest'; tenant: string } | { role: 'ledger_operator'; actor: string };
export type Racer<T> = { as: Caller; run: (client: pg.PoolClient) => Promise<T> };
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

export const producer = (tenant: string): Caller => ({ role: 'ledger_ingest', tenant });

let nextGate = 1_000_000;

/** n connections of the pool, or none and the error when one cannot be had. */
export async function connectAll(pool: pg.Pool, n: number): Promise<pg.PoolClient[]> {
  const attempts = await Promise.allSettled(Array.from({ length: n }, () => pool.connect()));
  const clients = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  const failure = attempts.find((a): a is PromiseRejectedResult => a.status === 'rejected');
  if (failure) {
    for (const client of clients) client.release();
    throw failure.reason;
  }
  return clients;
}

/** Opens a transaction as the caller: what the edge does before it calls a function. */
export async function begin(client: pg.PoolClient, as: Caller): Promise<void> {
  await client.query('begin');
  await client.query("select set_config('ledger.tenant_id', $1, true), set_config('ledger.actor', $2, true)",
    [as.role === 'ledger_ingest' ? as.tenant : '', as.role === 'ledger_operator' ? as.actor : '']);
  await client.query(`set local role ${as.role}`);
}

/** One racer: its transaction, as its caller, queued at the gate, then its work; never rejects. */
async function runRacer<T>(client: pg.PoolClient, { as, run }: Racer<T>, gate: number): Promise<Outcome<T>> {
  try {
    await begin(client, as);
    await client.query('select pg_advisory_xact_lock_shared($1)', [gate]);
    const value = await run(client);
    await client.query('commit');
    return { ok: true, value };
  } catch (e) {
    await client.query('rollback').catch(() => {});
    const error = e as { code?: string; message: string };
    return { ok: false, code: error.code ?? 'none', message: error.message };
  }
}

/** How many backends of this database wait for the advisory lock key: the racers queued at a gate. */
export async function waitingOn(client: pg.PoolClient, key: number): Promise<number> {
  const { rows } = await client.query(
    `select count(*)::int as waiting from pg_locks
     where locktype = 'advisory' and objid = $1 and not granted and database = (select oid from pg_database where datname = current_database())`,
    [key]);
  return rows[0].waiting;
}

/** Runs every racer in its own transaction on its own connection, all released at once. */
export async function race<T>(pool: pg.Pool, racers: Racer<T>[]): Promise<Outcome<T>[]> {
  const gate = nextGate++;
  const [starter, ...clients] = await connectAll(pool, racers.length + 1);
  let settled = 0;
  let runs: Promise<Outcome<T>>[] = [];
  let outcomes: Outcome<T>[] = [];
  const startBy = performance.now() + 20_000;
  try {
    await starter.query('select pg_advisory_lock($1)', [gate]);
    runs = racers.map((racer, i) => runRacer(clients[i], racer, gate).finally(() => { settled++; }));
    while ((await waitingOn(starter, gate)) !== racers.length) {
      if (settled > 0) throw new Error('a racer ended before the start');
      if (performance.now() > startBy) throw new Error('the racers did not all queue');
    }
  } finally {
    // The start, or, if the race could not start, the release of every racer already queued.
    await starter.query('select pg_advisory_unlock_all()').catch(() => {});
    starter.release();
    outcomes = await Promise.all(runs);
    for (const client of clients) client.release();
  }
  return outcomes;
}

/** The values of a race where no racer may fail; the failures, if any, as the error. */
export function values<T>(outcomes: Outcome<T>[]): T[] {
  const failed = outcomes.filter((o): o is Extract<Outcome<T>, { ok: false }> => !o.ok);
  if (failed.length > 0) throw new Error(`racers failed: ${failed.map((f) => `${f.code}: ${f.message}`).join('; ')}`);
  return outcomes.map((o) => (o as { value: T }).value);
}

export const tally = (values: (string | null)[]) =>
  values.reduce<Record<string, number>>((t, v) => ({ ...t, [String(v)]: (t[String(v)] ?? 0) + 1 }), {});
