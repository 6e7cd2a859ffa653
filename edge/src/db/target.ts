// Which database a command works on: DATABASE_URL when set, else the embedded cluster under
// LEDGER_SAFE_HOME (default ./.ledger-safe), started for the command or reused if a server runs,
// on 127.0.0.1 and LEDGER_SAFE_PG_PORT (default: a free port).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openCluster, withDatabase, type Cluster } from './embedded.js';

export const EMBEDDED_DATABASE = 'ledger';

export function homeDir(): string {
  return path.resolve(process.env.LEDGER_SAFE_HOME ?? '.ledger-safe');
}

export interface DatabaseTarget {
  /** Runs migrations and owns every object. */
  ownerUrl: string;
  /** The embedded cluster, when DATABASE_URL is not set. */
  cluster?: Cluster;
  embedded: boolean;
  /** Stops the embedded server if this process started it and nobody else uses it. */
  release(): Promise<void>;
}

export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select from pg_database where datname = $1', [name]);
    if (!rowCount) {
      await client.query(`create database ${pg.escapeIdentifier(name)}`).catch((e) => {
        if (e.code !== '42P04') throw e; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

async function otherClients(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      "select count(*)::int as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()");
    return rows[0].n;
  } finally {
    await client.end();
  }
}

export async function openTarget(log: (line: string) => void = () => {}): Promise<DatabaseTarget> {
  if (process.env.DATABASE_URL) {
    return { ownerUrl: process.env.DATABASE_URL, embedded: false, release: async () => {} };
  }
  const port = process.env.LEDGER_SAFE_PG_PORT ? Number(process.env.LEDGER_SAFE_PG_PORT) : undefined;
  const cluster = await openCluster(homeDir(), { persistent: true, onLog: log, port });
  await ensureDatabase(cluster.adminUrl, EMBEDDED_DATABASE);
  const ownerUrl = withDatabase(cluster.adminUrl, EMBEDDED_DATABASE);
  return {
    ownerUrl,
    cluster,
    embedded: true,
    release: async () => {
      // A short command that started the server stops it, unless a server process came to use it.
      if (cluster.owned && (await otherClients(cluster.adminUrl).catch(() => 0)) === 0) await cluster.stop();
    },
  };
}

/** The password of the edge's login role on the embedded cluster, made once and kept. */
export function edgePassword(): string {
  const file = path.join(homeDir(), 'edge-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}
