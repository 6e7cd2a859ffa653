// What a log line holds of an error: an idle connection the server drops makes node-postgres's
// pool emit an error carrying its whole client (connection parameters, prepared statements,
// several KB); the line keeps the error, not the client.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { errorForLog } from '../src/logging.js';
import { createTestDatabase } from './support.js';

let url: string;
beforeAll(async () => { url = await createTestDatabase('logging'); });

let pool: pg.Pool | undefined;
afterAll(() => pool?.end());

test('an idle connection lost: logged with its message, code and stack, without the pg client', async () => {
  pool = new pg.Pool({ connectionString: url, max: 1, application_name: 'logging-test' });
  const lost = new Promise<Error>((resolve) => pool!.once('error', resolve));
  const { rows: [{ pid }] } = await pool.query('select pg_backend_pid() as pid');
  const killer = new pg.Client({ connectionString: url });
  await killer.connect();
  try {
    await killer.query('select pg_terminate_backend($1)', [pid]);
  } finally {
    await killer.end();
  }
  const error = await lost;
  expect(error, 'node-postgres attaches its client to the error').toHaveProperty('client');
  const line = errorForLog(error);
  expect(line).not.toHaveProperty('client');
  expect(line).toMatchObject({ code: '57P01', message: expect.stringContaining('terminating connection') });
  expect(line.stack).toEqual(expect.stringContaining('terminating connection'));
  expect(JSON.stringify(line).length).toBeLessThan(4096);
});
