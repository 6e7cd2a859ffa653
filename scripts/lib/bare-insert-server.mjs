// The baseline of `npm run bench:http`: a bare Express 5 route doing one plain INSERT of the body
// into an unindexed table, with the same pool size and idle timeout as the edge. No auth, logging or metrics.
import express from 'express';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.PGPOOL_MAX ?? 20), idleTimeoutMillis: 30_000 });
const app = express();
app.post('/v1/events', express.text({ type: () => true, limit: '256kb' }), async (req, res) => {
  const { rows } = await pool.query(
    "insert into bench_plain (tenant_id, idempotency_key, event_type, payload, fingerprint, attempt, source, result, received_at) "
    + "values ('bench', $1, 'SALE', $2::jsonb, '\\x00', 1, 'http', 'processed', now()) returning raw_id",
    [JSON.parse(req.body).event_id, req.body]);
  res.status(201).json({ raw_id: rows[0].raw_id });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
