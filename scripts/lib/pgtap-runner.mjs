// Runs db/tests/*.test.sql through node-postgres and reads their TAP output: one file is one
// simple-protocol batch (begin; plan; ...; finish; rollback), so no psql or pg_prove is needed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

function tapLines(results) {
  const lines = [];
  for (const result of Array.isArray(results) ? results : [results]) {
    for (const row of result.rows ?? []) {
      const value = Object.values(row)[0];
      if (typeof value === 'string') lines.push(...value.split('\n'));
    }
  }
  return lines;
}

export async function runPgtap(databaseUrl, testsDir, { log = console.log } = {}) {
  const files = readdirSync(testsDir).filter((f) => /^\d+.*\.test\.sql$/.test(f)).sort();
  const summary = { passed: 0, failed: 0, files: [] };
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('create extension if not exists pgtap');
    await client.query(readFileSync(path.join(testsDir, 'helpers.sql'), 'utf8'));
    for (const file of files) {
      let lines;
      let error;
      try {
        lines = tapLines(await client.query(readFileSync(path.join(testsDir, file), 'utf8')));
      } catch (e) {
        error = e;
        lines = [];
        await client.query('rollback').catch(() => {});
      }
      const plan = lines.map((l) => /^1\.\.(\d+)/.exec(l)).find(Boolean);
      const oks = lines.filter((l) => /^ok \d+/.test(l)).length;
      const notOks = lines.filter((l) => /^not ok \d+/.test(l));
      const planned = plan ? Number(plan[1]) : null;
      const failed = notOks.length + (error ? 1 : 0) + (planned !== null && planned !== oks + notOks.length ? 1 : 0) + (planned === null ? 1 : 0);
      summary.passed += oks;
      summary.failed += failed;
      summary.files.push({ file, oks, failed });
      log(`${failed ? 'FAIL' : 'ok  '} db/tests/${file}: ${oks}/${planned ?? '?'} passed`);
      if (failed) {
        for (const l of lines.filter((l) => /^not ok|^#/.test(l))) log(`       ${l}`);
        if (error) log(`       error: ${error.message} (SQLSTATE ${error.code})`);
        if (planned !== null && planned !== oks + notOks.length) log(`       planned ${planned} tests, ran ${oks + notOks.length}`);
      }
    }
  } finally {
    await client.end();
  }
  return summary;
}
