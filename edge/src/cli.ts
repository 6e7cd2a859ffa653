// The `ledger-safe` command: start, migrate, keys create|list|revoke.
import pg from 'pg';
import { parseArgs } from 'node:util';
import { migrate } from './db/migrate.js';
import { openTarget } from './db/target.js';
import { createKey, listKeys, revokeKey } from './keys.js';

const USAGE = `usage: ledger-safe <command>
  start                                   migrate, then serve on PORT (default 3000)
  migrate                                 apply db/migrations and db/functions
  keys create --role producer|operator [--tenant T] [--name N]
                                          print a new key's secret alone on stdout
  keys list                               list keys (never their secrets)
  keys revoke <key_id>                    revoke a key
Works against DATABASE_URL, or the embedded PostgreSQL under .ledger-safe/ when it is not set.`;

class UsageError extends Error {}

async function withOwner<T>(work: (db: pg.Client) => Promise<T>): Promise<T> {
  const target = await openTarget();
  try {
    await migrate(target.ownerUrl);
    const db = new pg.Client({ connectionString: target.ownerUrl });
    await db.connect();
    try {
      return await work(db);
    } finally {
      await db.end();
    }
  } finally {
    await target.release();
  }
}

async function keys(args: string[]): Promise<void> {
  const [verb, ...rest] = args;
  if (verb === 'create') {
    const { values } = parseArgs({ args: rest, options: { role: { type: 'string' }, tenant: { type: 'string' }, name: { type: 'string' } } });
    if (values.role !== 'producer' && values.role !== 'operator') throw new UsageError('--role must be producer or operator');
    if (values.role === 'producer' && !values.tenant) throw new UsageError('a producer key needs --tenant');
    if (values.role === 'operator' && values.tenant) throw new UsageError('an operator key has no --tenant');
    const key = await withOwner((db) => createKey(db, values.role!, values.tenant ?? null, values.name ?? null));
    process.stderr.write(`created key ${key.keyId}\n`);
    process.stdout.write(key.secret + '\n');
  } else if (verb === 'list') {
    const rows = await withOwner(listKeys);
    for (const k of rows) {
      process.stdout.write([k.key_id, k.role, k.tenant_id ?? '-', k.name, k.created_at.toISOString(),
        k.revoked_at ? `revoked ${k.revoked_at.toISOString()}` : 'active'].join('\t') + '\n');
    }
  } else if (verb === 'revoke') {
    const [keyId] = rest;
    if (!keyId || !/^[0-9a-f-]{36}$/i.test(keyId)) throw new UsageError('keys revoke needs a key id (see keys list)');
    const revoked = await withOwner((db) => revokeKey(db, keyId));
    if (!revoked) throw new Error(`no active key ${keyId}`);
    process.stdout.write(`revoked ${keyId}\n`);
  } else {
    throw new UsageError(`unknown keys command ${verb ?? ''}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case 'start': {
      const { start } = await import('./server.js');
      await start();
      return;
    }
    case 'migrate': {
      const target = await openTarget();
      try {
        const result = await migrate(target.ownerUrl);
        process.stdout.write(`${result.migrations}\napplied ${result.functions} function files\n`);
      } finally {
        await target.release();
      }
      return;
    }
    case 'keys':
      return keys(args);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE + '\n');
      return;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).catch((error) => {
  if (error instanceof UsageError) {
    process.stderr.write(`ledger-safe: ${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`ledger-safe: ${error?.message ?? error}\n`);
  process.exit(1);
});
