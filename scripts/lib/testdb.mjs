// A throwaway PostgreSQL 16 for tests and benchmarks: the embedded server in a temporary folder
// (or TEST_DATABASE_URL's server), with a migrated template database to clone per test file.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openCluster, withDatabase } from '../../edge/dist/db/embedded.js';
import { migrate } from '../../edge/dist/db/migrate.js';

export const TEMPLATE = 'ledger_template';

async function admin(url, sql) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try { return await client.query(sql); } finally { await client.end(); }
}

/** Starts a server (unless TEST_DATABASE_URL names one) and migrates the template database. */
export async function startTestServer({ unsafeFast = true, beforeMigrate } = {}) {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-safe-test-'));
    const cluster = await openCluster(dir, { persistent: false, unsafeFast });
    adminUrl = cluster.adminUrl;
    stop = async () => { await cluster.stop(); rmSync(dir, { recursive: true, force: true }); };
  }
  try {
    await beforeMigrate?.();
    await admin(adminUrl, `drop database if exists ${TEMPLATE}`);
    await admin(adminUrl, `create database ${TEMPLATE}`);
    await migrate(withDatabase(adminUrl, TEMPLATE));
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    adminUrl,
    /** A fresh migrated database cloned from the template. */
    async createDatabase(name) {
      await admin(adminUrl, `drop database if exists ${pg.escapeIdentifier(name)}`);
      await admin(adminUrl, `create database ${pg.escapeIdentifier(name)} template ${TEMPLATE}`);
      return withDatabase(adminUrl, name);
    },
    stop,
  };
}
