import type { Express } from 'express';
import type pg from 'pg';
import type pino from 'pino';

export async function mountGraphql(_app: Express, _deps: { pool: pg.Pool; logger: pino.Logger }) {
  return { close: async () => {} };
}
