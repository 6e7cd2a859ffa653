// The `ledger-safe` command as users run it: a real embedded PostgreSQL 16 in a home of its own.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, runningPort } from '../src/db/embedded.js';

const run = promisify(execFile);
const bin = path.resolve('bin/ledger-safe.js');
let home: string;
let server: ChildProcess | undefined;
let url: string;
const env = () => ({ ...process.env, LEDGER_SAFE_HOME: home, DATABASE_URL: '', LOG_LEVEL: 'warn' });
const cli = (...args: string[]) => run('node', [bin, ...args], { env: env() });

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(() => { home = mkdtempSync(path.join(os.tmpdir(), 'ledger-safe-cli-')); });
afterAll(async () => {
  if (server?.exitCode === null) server.kill('SIGKILL');
  const port = runningPort(path.join(home, 'pgdata'));
  if (port) process.kill(Number(readFileSync(path.join(home, 'pgdata/postmaster.pid'), 'utf8').split('\n')[0]), 'SIGINT');
  rmSync(home, { recursive: true, force: true });
});

describe('ledger-safe CLI on the embedded PostgreSQL', () => {
  test('migrate works without a running server, twice, and changes nothing the second time', async () => {
    const first = await cli('migrate');
    expect(first.stdout).toMatch(/Applying: 20261126000100_schemas_and_roles.sql/);
    expect(first.stdout).toMatch(/applied \d+ function files/);
    const second = await cli('migrate');
    expect(second.stdout).not.toMatch(/Applying/);
    expect(runningPort(path.join(home, 'pgdata'))).toBeNull();
  }, 120_000);

  test('start: seeds tenant_demo and two keys once (credentials mode 600), serves, prints the URLs', async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn('node', [bin, 'start'], { env: { ...env(), PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    server.stdout!.on('data', (d) => (out += d));
    await waitFor('health', async () => ((await fetch(`${url}/v1/health`)).ok ? true : undefined));
    const file = path.join(home, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(readFileSync(file, 'utf8'));
    expect(out).toContain(credentials.producer_key);
    expect(out).toMatch(/\/docs[\s\S]*\/admin\/[\s\S]*\/graphiql/);
    const r = await fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${credentials.operator_key}` } });
    expect((await r.json()).counts.events_raw).toBe(0);
  }, 120_000);

  test('keys create|list|revoke beside the running server, which keeps serving', async () => {
    const { stdout: secret } = await cli('keys', 'create', '--role', 'producer', '--tenant', 'cli_t', '--name', 'till-1');
    expect(secret.trim()).toMatch(/^lsk_[A-Za-z0-9_-]{20,}$/);
    expect(secret.trim().split('\n')).toHaveLength(1);
    const post = (key: string) => fetch(`${url}/v1/events`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ schema_version: '1', tenant_id: 'cli_t', store_id: 's', source_system: 'x', event_id: `e-${Math.random()}`,
        event_type: 'SALE', occurred_at: '2026-02-25T00:00:00Z', txn_id: `t-${Math.random()}`, currency: 'USD', total_amount: 5 }),
    });
    expect((await post(secret.trim())).status).toBe(201);
    const { stdout: list } = await cli('keys', 'list');
    const line = list.split('\n').find((l) => l.includes('till-1'))!;
    expect(line).toMatch(/producer\tcli_t\ttill-1\t.*\tactive$/);
    expect(list).not.toContain(secret.trim());
    await cli('keys', 'revoke', line.split('\t')[0]);
    await waitFor('revocation', async () => ((await post(secret.trim())).status === 401 ? true : undefined), 15_000);
    expect((await fetch(`${url}/v1/health`)).status).toBe(200);
    await expect(cli('keys', 'create', '--role', 'producer')).rejects.toMatchObject({ code: 2 });
  }, 120_000);

  test('SIGTERM: finishes, closes the pool and stops the embedded server cleanly; data survives a restart', async () => {
    const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
    server!.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(runningPort(path.join(home, 'pgdata'))).toBeNull();
    expect(existsSync(path.join(home, 'pgdata/postmaster.pid'))).toBe(false);
    const { stdout } = await cli('keys', 'list');
    expect(stdout).toContain('till-1');
  }, 60_000);
});
