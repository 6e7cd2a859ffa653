-- migrate:up
-- ledger_private.ingest_texts takes the refusals the edge decides (bytes that are not UTF-8), so
-- that they are recorded in the batch's own transaction.
drop function if exists ledger_private.ingest_texts(text[], integer[], text[], uuid[], text[]);

-- migrate:down
