-- The console's transactions: the current postings of Silver as a list (a store's day, a txn_id),
-- and one transaction as ledger.get_transaction tells it (current values, lines with returned
-- quantities, the timeline of every posting). A transaction's console id is
-- <tenant_id>/<store_id>/<txn_id>, its store and txn_id with '%' and '/' escaped as %25 and %2F
-- (tenant ids hold no slash; store and txn ids may).

create or replace function ledger_private.console_id_part(p_text text)
returns text
language sql
immutable
as $$
  select replace(replace(p_text, '%', '%25'), '/', '%2F')
$$;
comment on function ledger_private.console_id_part(text) is 'A store or txn id as it stands in a console id: % and / escaped.';

create or replace function ledger_private.console_transaction_id(p_tenant_id text, p_store_id text, p_txn_id text)
returns text
language sql
immutable
as $$
  select p_tenant_id || '/' || ledger_private.console_id_part(p_store_id) || '/' || ledger_private.console_id_part(p_txn_id)
$$;
comment on function ledger_private.console_transaction_id(text, text, text) is 'The console id of a transaction: <tenant_id>/<store_id>/<txn_id>, each part escaped.';

create or replace function ledger_private.console_spec_transactions()
returns jsonb
language sql
immutable
as $$
  select jsonb_build_object(
    -- The current posting of each key: what a store's day is made of now.
    'from', '(select * from ledger.ledger_transactions x where x.superseded_by is null) t',
    'record', $record$jsonb_build_object('id', ledger_private.console_transaction_id(t.tenant_id, t.store_id, t.txn_id),
        'posting_id', t.posting_id, 'tenant_id', t.tenant_id, 'store_id', t.store_id, 'txn_id', t.txn_id, 'kind', t.kind,
        'status', t.status, 'currency', t.currency, 'total_amount', t.total_amount, 'business_date', t.business_date,
        'occurred_at', t.occurred_at, 'idempotency_key', t.idempotency_key, 'raw_id', t.raw_id, 'version', t.version,
        'posted_at', t.posted_at)$record$,
    'filters', jsonb_build_object(
      'id', jsonb_build_object('column', 'ledger_private.console_transaction_id(t.tenant_id, t.store_id, t.txn_id)', 'type', 'text'),
      'tenant_id', jsonb_build_object('column', 't.tenant_id', 'type', 'text'),
      'store_id', jsonb_build_object('column', 't.store_id', 'type', 'text'),
      'txn_id', jsonb_build_object('column', 't.txn_id', 'type', 'text'),
      'kind', jsonb_build_object('column', 't.kind', 'type', 'text'),
      'currency', jsonb_build_object('column', 't.currency', 'type', 'text'),
      'business_date', jsonb_build_object('terms', $terms$t.business_date = any(ledger_private.console_dates(%L::text[], 'filter.business_date'))$terms$,
                                          'prefix', '', 'type', 'text'),
      'q', jsonb_build_object('search', jsonb_build_array('t.txn_id', 't.idempotency_key'))),
    'sorts', jsonb_build_object(
      'id', jsonb_build_array('t.posting_id'), 'posting_id', jsonb_build_array('t.posting_id'),
      'occurred_at', jsonb_build_array('t.occurred_at'), 'business_date', jsonb_build_array('t.business_date'),
      'store_id', jsonb_build_array('t.store_id'), 'txn_id', jsonb_build_array('t.txn_id'), 'kind', jsonb_build_array('t.kind'),
      'total_amount', jsonb_build_array('t.total_amount')),
    'default_sort', jsonb_build_array('posting_id', true))
$$;
comment on function ledger_private.console_spec_transactions() is 'What the console lists of Silver: the current postings, with their filters and sorts (see db/functions/300-console-reads.sql).';

create or replace function ledger.list_console_transactions(
  filter jsonb default '{}', sort text default null, descending boolean default null,
  range_start bigint default 0, range_end bigint default null)
returns table (total bigint, returned integer, records text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select * from ledger_private.console_list(ledger_private.console_spec_transactions(), filter, sort, descending, range_start, range_end)
$$;
comment on function ledger.list_console_transactions(jsonb, text, boolean, bigint, bigint) is
  E'@behavior -*\nThe current postings for the console (GET /admin/api/transactions) as PostgreSQL''s JSON text: filter by id, tenant_id, store_id, txn_id, kind, currency, business_date (YYYY-MM-DD), q (txn_id or key contains); sort by posting_id (default, newest first), occurred_at, business_date, store_id, txn_id, kind, total_amount.';

create or replace function ledger.get_console_transaction(id text)
returns text
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
declare
  v_parts text[] := string_to_array(get_console_transaction.id, '/');
  v_transaction jsonb;
begin
  if cardinality(v_parts) is distinct from 3 or v_parts[1] = '' or v_parts[2] = '' or v_parts[3] = '' then
    perform ledger_private.refuse_console_argument('id', 'must be <tenant_id>/<store_id>/<txn_id>, with % and / of the store and txn ids as %25 and %2F');
  end if;
  v_transaction := ledger.get_transaction(replace(replace(v_parts[2], '%2F', '/'), '%25', '%'),
                                          replace(replace(v_parts[3], '%2F', '/'), '%25', '%'), v_parts[1]);
  return (jsonb_build_object('id', get_console_transaction.id) || v_transaction)::text;
end
$$;
comment on function ledger.get_console_transaction(text) is
  E'@behavior -*\nOne transaction for the console (GET /admin/api/transactions/:id, <tenant_id>/<store_id>/<txn_id>) as ledger.get_transaction answers it, in PostgreSQL''s JSON text; null when none was posted.';

revoke all on function ledger_private.console_id_part(text), ledger_private.console_transaction_id(text, text, text),
  ledger_private.console_spec_transactions(), ledger.list_console_transactions(jsonb, text, boolean, bigint, bigint),
  ledger.get_console_transaction(text) from public;
grant execute on function ledger_private.console_id_part(text), ledger_private.console_transaction_id(text, text, text),
  ledger_private.console_spec_transactions(), ledger.list_console_transactions(jsonb, text, boolean, bigint, bigint),
  ledger.get_console_transaction(text) to ledger_readonly;
