-- Reading the ledger: a transaction as it stands with its timeline, and Gold's daily sales. The
-- same functions answer REST (GET /v1/transactions/..., GET /v1/sales/daily), GraphQL and psql; a
-- producer reads its own tenant only. Amounts leave as PostgreSQL's numeric text: exact.

create or replace function ledger.get_transaction(store_id text, txn_id text, tenant_id text default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_tenant_id text := coalesce(get_transaction.tenant_id, ledger_private.bound_tenant());
  v_current ledger.ledger_transactions;
  v_state jsonb;
begin
  perform ledger_private.assert_tenant_allowed(v_tenant_id);
  if v_tenant_id is null then
    perform ledger_private.invalid('tenant_id is required', jsonb_build_array(jsonb_build_object('path', 'tenant_id', 'message', 'is required')));
  end if;
  select * into v_current from ledger.ledger_transactions t
  where t.tenant_id = v_tenant_id and t.store_id = get_transaction.store_id and t.txn_id = get_transaction.txn_id and t.superseded_by is null;
  if not found then
    -- Superseded or withdrawn: its timeline is still worth reading.
    select * into v_current from ledger.ledger_transactions t
    where t.tenant_id = v_tenant_id and t.store_id = get_transaction.store_id and t.txn_id = get_transaction.txn_id
    order by t.posting_id desc limit 1;
    if not found then
      return null;
    end if;
  end if;
  if v_current.kind = 'sale' then
    v_state := ledger_private.original_state(v_tenant_id, v_current.store_id, v_current.txn_id);
  end if;

  return jsonb_build_object(
    'tenant_id', v_tenant_id, 'store_id', v_current.store_id, 'txn_id', v_current.txn_id, 'kind', v_current.kind,
    'current', v_current.superseded_by is null,
    'status', v_current.status, 'currency', v_current.currency, 'business_date', v_current.business_date,
    'occurred_at', v_current.occurred_at, 'idempotency_key', v_current.idempotency_key, 'raw_id', v_current.raw_id, 'version', v_current.version,
    'posted_total', v_current.total_amount, 'tax_amount', v_current.tax_amount, 'discount_amount', v_current.discount_amount,
    'total', coalesce((v_state ->> 'total')::numeric, v_current.total_amount),
    'returned_total', coalesce((v_state ->> 'returned_total')::numeric, 0),
    'remaining_total', coalesce((v_state ->> 'remaining_total')::numeric, v_current.total_amount),
    'corrected_by', v_state -> 'corrected_by', 'reversed_by', v_state -> 'reversed_by',
    'original', (select jsonb_build_object('store_id', r.original_store_id, 'txn_id', r.original_txn_id, 'posting_id', r.original_posting_id)
                 from ledger.ledger_references r where r.tenant_id = v_tenant_id and r.posting_id = v_current.posting_id),
    -- The lines as they stand (as corrected), each with what was returned of it.
    'lines', coalesce((select jsonb_agg(jsonb_build_object('line_no', l.line_no, 'sku', l.sku, 'qty', l.qty, 'amount', l.amount,
                         'returned', coalesce((v_state #>> array['lines', l.sku, 'returned'])::numeric, 0)) order by l.line_no)
                       from ledger.ledger_line_items l
                       where l.tenant_id = v_tenant_id
                         and l.posting_id = coalesce((v_state ->> 'corrected_by')::bigint, v_current.posting_id)), '[]'::jsonb),
    -- Every posting of this transaction or referring to it, in the order posted, superseded ones included.
    'timeline', coalesce((select jsonb_agg(jsonb_build_object(
                   'posting_id', t.posting_id, 'kind', t.kind, 'txn_id', t.txn_id, 'store_id', t.store_id, 'idempotency_key', t.idempotency_key,
                   'raw_id', t.raw_id, 'version', t.version, 'business_date', t.business_date, 'occurred_at', t.occurred_at,
                   'total_amount', t.total_amount, 'gold_amount', t.gold_amount, 'status', t.status, 'superseded_by', nullif(t.superseded_by, 0),
                   'withdrawn', t.superseded_by is not distinct from 0, 'posted_at', t.posted_at,
                   'lines', (select jsonb_agg(jsonb_build_object('sku', l.sku, 'qty', l.qty, 'amount', l.amount) order by l.line_no)
                             from ledger.ledger_line_items l where l.tenant_id = t.tenant_id and l.posting_id = t.posting_id))
                   order by t.posting_id)
                 from ledger.ledger_transactions t
                 where t.tenant_id = v_tenant_id
                   and ((t.store_id = v_current.store_id and t.txn_id = v_current.txn_id)
                        or exists (select from ledger.ledger_references r where r.tenant_id = t.tenant_id and r.posting_id = t.posting_id
                                   and r.original_store_id = v_current.store_id and r.original_txn_id = v_current.txn_id))), '[]'::jsonb));
end
$$;
comment on function ledger.get_transaction(text, text, text) is
  E'A posted transaction (store_id, txn_id; tenant_id: the producer''s own by default) as it stands: current values as corrected, lines with the quantities returned, and its timeline (every posting of it or referring to it, with key, raw_id, business day and amounts). Null when none was posted. 42501 for another tenant than a producer''s.';
revoke all on function ledger.get_transaction(text, text, text) from public;
grant execute on function ledger.get_transaction(text, text, text) to ledger_ingest, ledger_readonly;

create or replace function ledger.get_daily_sales(tenant text default null, store text default null, from_date date default null, to_date date default null)
returns table (tenant_id text, store_id text, business_date date, currency text, sales_count bigint, sales_amount numeric,
               returns_count bigint, returns_amount numeric, corrections_count bigint, corrections_amount numeric,
               reversals_count bigint, reversals_amount numeric, net_amount numeric)
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_tenant_id text := coalesce(get_daily_sales.tenant, ledger_private.bound_tenant());
begin
  perform ledger_private.assert_tenant_allowed(v_tenant_id);
  -- Sums a store-day's shards: O(days x stores x shards), however many postings there are.
  return query
    select d.tenant_id, d.store_id, d.business_date, d.currency,
           sum(d.sales_count)::bigint, sum(d.sales_amount), sum(d.returns_count)::bigint, sum(d.returns_amount),
           sum(d.corrections_count)::bigint, sum(d.corrections_amount), sum(d.reversals_count)::bigint, sum(d.reversals_amount),
           sum(d.sales_amount) - sum(d.returns_amount) + sum(d.corrections_amount) - sum(d.reversals_amount)
    from ledger.daily_sales d
    where (v_tenant_id is null or d.tenant_id = v_tenant_id)
      and (get_daily_sales.store is null or d.store_id = get_daily_sales.store)
      and (get_daily_sales.from_date is null or d.business_date >= get_daily_sales.from_date)
      and (get_daily_sales.to_date is null or d.business_date <= get_daily_sales.to_date)
    group by d.tenant_id, d.store_id, d.business_date, d.currency
    having sum(d.sales_count) + sum(d.returns_count) + sum(d.corrections_count) + sum(d.reversals_count) > 0
    order by d.business_date, d.tenant_id, d.store_id, d.currency;
end
$$;
comment on function ledger.get_daily_sales(text, text, date, date) is
  E'Gold: daily sales per tenant, store, business day and currency (sales, returns, corrections, reversals: counts and amounts; net = sales - returns + corrections - reversals), exact, from the sharded daily_sales rows. A producer reads its own tenant.';
revoke all on function ledger.get_daily_sales(text, text, date, date) from public;
grant execute on function ledger.get_daily_sales(text, text, date, date) to ledger_ingest, ledger_readonly;
