-- What GraphQL needs of the ledger beside the tables and functions it shows as they are.
-- ledger.get_transaction as PostgreSQL's JSON text: GraphQL's JSON scalar goes through JavaScript
-- numbers and would round 12345678901234567890.12 (200-exact-text.sql says why). The numeric
-- columns of Silver and Gold need nothing of the kind: PostGraphile gives them as BigFloat, the
-- numeric's own text.

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

-- Silver's tables have no foreign keys between them, so PostGraphile
-- draws no relation between a posting and its lines or its reference: these computed columns are
-- them (LedgerTransaction.lineItems, LedgerTransaction.reference). Security invoker: row-level
-- security judges the rows as it judged the posting's.
create or replace function ledger.ledger_transactions_line_items(posting ledger.ledger_transactions)
returns setof ledger.ledger_line_items
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select l.* from ledger.ledger_line_items l
  where l.tenant_id = posting.tenant_id and l.posting_id = posting.posting_id
  order by l.line_no
$$;
comment on function ledger.ledger_transactions_line_items(ledger.ledger_transactions) is 'The lines of this posting, in envelope order.';
revoke all on function ledger.ledger_transactions_line_items(ledger.ledger_transactions) from public;
grant execute on function ledger.ledger_transactions_line_items(ledger.ledger_transactions) to ledger_ingest, ledger_readonly;

create or replace function ledger.ledger_transactions_reference(posting ledger.ledger_transactions)
returns ledger.ledger_references
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select r.* from ledger.ledger_references r
  where r.tenant_id = posting.tenant_id and r.posting_id = posting.posting_id
$$;
comment on function ledger.ledger_transactions_reference(ledger.ledger_transactions) is 'A return, correction or reversal: the sale it refers to (null for a sale).';
revoke all on function ledger.ledger_transactions_reference(ledger.ledger_transactions) from public;
grant execute on function ledger.ledger_transactions_reference(ledger.ledger_transactions) to ledger_ingest, ledger_readonly;
