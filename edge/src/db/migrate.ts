// `ledger-safe migrate`: dbmate applies db/migrations (tables, roles, grants), then every file of
// db/functions is applied in name order with `create or replace`. Running it twice changes nothing.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { projectRoot } from '../paths.js';

const require = createRequire(import.meta.url);
const MIGRATIONS_TABLE = 'ledger_meta.schema_migrations';
// Serialises concurrent `migrate` runs against one database (two `start`s, a CLI beside a server).
const MIGRATE_LOCK = 7_402_117;

function dbmateBinary(): string {
  return require.resolve('@dbmate/linux-x64/bin/dbmate');
}

function runDbmate(databaseUrl: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(dbmateBinary(), [
      '--url', databaseUrl,
      '--migrations-dir', path.join(projectRoot, 'db/migrations'),
      '--migrations-table', MIGRATIONS_TABLE,
      '--no-dump-schema',
      ...args,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`dbmate ${args.join(' ')} failed: ${output.trim()}`))));
  });
}

function sslDisabled(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('sslmode')) u.searchParams.set('sslmode', 'disable');
  return u.toString();
}

export function functionFiles(): string[] {
  const dir = path.join(projectRoot, 'db/functions');
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => path.join(dir, f));
}

export interface MigrateResult { migrations: string; functions: number }

export async function migrate(databaseUrl: string): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATE_LOCK]);
    await client.query('create schema if not exists ledger_meta');
    const migrations = await runDbmate(sslDisabled(databaseUrl), ['up']);
    await client.query('begin');
    for (const file of functionFiles()) {
      try {
        await client.query(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new Error(`${path.relative(projectRoot, file)}: ${(e as Error).message}`);
      }
    }
    await client.query('commit');
    return { migrations: migrations.trim(), functions: functionFiles().length };
  } catch (e) {
    await client.query('rollback').catch(() => {});
    throw e;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATE_LOCK]).catch(() => {});
    await client.end();
  }
}
