import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, envelope } from './support.js';

let pool: pg.Pool;
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase('smoke') });
  await pool.query("insert into ledger.tenants (tenant_id) values ('t_smoke')");
});
afterAll(() => pool.end());

test('ingest_event answers processed then duplicate', async () => {
  const e = envelope('t_smoke', 'k1');
  const first = await pool.query('select * from ledger.ingest_event($1::jsonb)', [JSON.stringify(e)]);
  const second = await pool.query('select * from ledger.ingest_event($1::jsonb)', [JSON.stringify(e)]);
  expect(first.rows[0].result).toBe('processed');
  expect(second.rows[0].result).toBe('duplicate');
});
