-- migrate:up
-- Judging arrivals became the first part of ledger_private.ingest_set's first statement.
drop function if exists ledger_private.judge_arrivals(jsonb[], text[], text[], uuid[], jsonb[]);

-- migrate:down
