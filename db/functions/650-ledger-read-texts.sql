-- ledger.get_transaction as PostgreSQL's JSON text, for GraphQL: its JSON scalar goes through
-- JavaScript numbers and would round 12345678901234567890.12 (200-exact-text.sql says why). The
-- numeric columns of Silver and Gold need nothing of the kind: PostGraphile gives them as BigFloat,
-- the numeric's own text.

create or replace function ledger.get_transaction_text(store_id text, txn_id text, tenant_id text default null)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$ select ledger.get_transaction(get_transaction_text.store_id, get_transaction_text.txn_id, get_transaction_text.tenant_id)::text $$;
comment on function ledger.get_transaction_text(text, text, text) is 'ledger.get_transaction as PostgreSQL''s JSON text: every amount as written.';
revoke all on function ledger.get_transaction_text(text, text, text) from public;
grant execute on function ledger.get_transaction_text(text, text, text) to ledger_ingest, ledger_readonly;
