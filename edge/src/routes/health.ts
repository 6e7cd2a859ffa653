// GET /v1/health: anyone; counts with a key (a producer's tenant, or all for operators);
// ?reconcile=true adds ledger.reconcile(), which counts rows (an audit, not for polling).
import { Router } from 'express';
import type pg from 'pg';
import { callerOf } from '../auth.js';
import type { Database } from '../db/database.js';
import { toProblem, unavailable } from '../errors.js';

export function healthRoutes(db: Database, pool: pg.Pool): Router {
  const router = Router();
  router.get('/v1/health', async (req, res) => {
    const key = res.locals.apiKey;
    try {
      if (!key) {
        const { rows } = await pool.query('select now() as db_time');
        res.json({ status: 'ok', db: 'ok', db_time: rows[0].db_time });
        return;
      }
      const caller = key.role === 'producer' ? callerOf(key) : { ...callerOf(key), role: 'ledger_readonly' as const };
      const reconcile = req.query.reconcile === 'true' || req.query.reconcile === '1';
      const [row] = await db.query(caller,
        `select now() as db_time, ledger.health() as counts${reconcile ? ', ledger.reconcile() as reconciliation' : ''}`);
      res.json({ status: 'ok', db: 'ok', db_time: row.db_time, counts: row.counts, ...(reconcile ? { reconciliation: row.reconciliation } : {}) });
    } catch (error) {
      const problem = toProblem(error);
      throw problem.status >= 500 ? unavailable('the database is unreachable') : problem;
    }
  });
  return router;
}
