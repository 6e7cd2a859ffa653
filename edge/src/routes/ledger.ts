// The ledger: a transaction as it stands (GET /v1/transactions/{store_id}/{txn_id}), Gold's daily
// sales (GET /v1/sales/daily), both for producers (their own tenant: the database refuses another)
// and operators; closing a business day (POST /v1/business-days/close), operators only, audited
// by the database. Answers leave as PostgreSQL's JSON text, so amounts keep every digit.
import { Router } from 'express';
import { callerOf, requireRole } from '../auth.js';
import { jsonText, parseJson, requireJson } from '../body.js';
import type { Database } from '../db/database.js';
import { HttpProblem, titleOf } from '../errors.js';
import type { Limits } from '../limits.js';
import { CloseBusinessDayRequest, DailySalesQuery, TransactionQuery } from '../schemas.js';
import { validate, validateQuery } from '../validate.js';

const DAY_MS = 86_400_000;

const invalid = (detail: string, path: string, message: string) => new HttpProblem(422, titleOf(422), detail, [{ path, message }]);

/** Days from `from` to `to`, both included (ISO dates, already validated). */
const daysSpanned = (from: string, to: string) => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;

export function ledgerRoutes(db: Database, limits: Limits): Router {
  const router = Router();
  router.use(['/v1/transactions', '/v1/sales'], requireRole('producer', 'operator'));
  router.use('/v1/business-days', requireRole('operator'));

  router.get('/v1/transactions/:store_id/:txn_id', async (req, res) => {
    const q = validateQuery<{ tenant_id?: string }>(TransactionQuery, { ...req.query });
    const storeId = String(req.params.store_id);
    const txnId = String(req.params.txn_id);
    const [row] = await db.query(callerOf(res.locals.apiKey!), 'select ledger.get_transaction($1, $2, $3)::text as txn', [storeId, txnId, q.tenant_id ?? null]);
    if (!row?.txn) throw new HttpProblem(404, titleOf(404), `no transaction ${txnId} of store ${storeId} is posted`);
    res.type('application/json').send(row.txn);
  });

  router.get('/v1/sales/daily', async (req, res) => {
    const q = validateQuery<{ tenant_id?: string; store_id?: string; from: string; to: string }>(DailySalesQuery, { ...req.query });
    const days = daysSpanned(q.from, q.to);
    if (days < 1) throw invalid('the query is invalid', 'from', 'must not be after to');
    if (days > limits.salesDailyDays) throw invalid('the query is invalid', 'to', `must be at most ${limits.salesDailyDays} days from from, both included`);
    const [row] = await db.query(callerOf(res.locals.apiKey!),
      `select coalesce(jsonb_agg(to_jsonb(d) order by d.business_date, d.tenant_id, d.store_id, d.currency), '[]')::text as items
       from ledger.get_daily_sales($1, $2, $3::date, $4::date) d`,
      [q.tenant_id ?? null, q.store_id ?? null, q.from, q.to]);
    res.type('application/json').send(`{"items":${row.items}}`);
  });

  router.post('/v1/business-days/close', requireJson, jsonText({ limitBytes: limits.resolveBodyBytes, timeoutMs: limits.bodyTimeoutMs }), async (req, res) => {
    const body = validate<{ tenant_id: string; store_id?: string | null; business_date: string; notes: string }>(
      CloseBusinessDayRequest, parseJson(req.body), 'the request');
    // A day closed already is the database's 55000 (409): the first close stands.
    const [row] = await db.query(callerOf(res.locals.apiKey!),
      `select (to_jsonb(d) || jsonb_build_object('store_id', nullif(d.store_id, '')))::text as day
       from ledger.close_business_day($1, $2::date, $3, $4) d`,
      [body.tenant_id, body.business_date, body.notes, body.store_id ?? null]);
    res.status(201).type('application/json').send(row.day);
  });

  return router;
}
