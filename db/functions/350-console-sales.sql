-- The console's Sales page: Gold's daily sales (ledger.get_daily_sales, the same sums REST, GraphQL
-- and psql read) per store, day and currency, with the day's return and correction rates and
-- whether the day is closed; and the stores, for its store filter. Amounts and rates leave as
-- PostgreSQL's numeric text, so the page shows what PostgreSQL wrote.

create or replace function ledger_private.console_date(p_value jsonb, p_path text)
returns date
language plpgsql
immutable
as $$
begin
  -- A calendar date as the console's date inputs send it; PostgreSQL alone would also take
  -- 'today', 'epoch' or '20260225', which no date input writes.
  if jsonb_typeof(p_value) is distinct from 'string' or p_value #>> '{}' !~ '^\d{4}-\d{2}-\d{2}$'
     or not pg_input_is_valid(p_value #>> '{}', 'date') then
    perform ledger_private.refuse_console_argument(p_path, 'must be a date, e.g. 2026-02-25');
  end if;
  return (p_value #>> '{}')::date;
end
$$;
comment on function ledger_private.console_date(jsonb, text) is 'A console filter''s date (YYYY-MM-DD, a real day); 22023 with the path otherwise.';

create or replace function ledger_private.console_dates(p_texts text[], p_path text)
returns date[]
language sql
immutable
as $$
  select array(select ledger_private.console_date(to_jsonb(t), p_path) from unnest(p_texts) t)
$$;
comment on function ledger_private.console_dates(text[], text) is 'Console filter values as dates (see console_date), for a spec''s terms.';

create or replace function ledger.list_console_daily_sales(
  filter jsonb default '{}', sort text default null, descending boolean default null,
  range_start bigint default 0, range_end bigint default null)
returns table (total bigint, returned integer, records text)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
declare
  v_filter jsonb := coalesce(filter, '{}');
  v_key text;
  v_tenant text;
  v_store text;
  v_from date;
  v_to date;
  v_sort text := coalesce(sort, 'business_date');
  v_descending boolean := coalesce(descending, false);
  v_limit bigint;
begin
  if jsonb_typeof(v_filter) <> 'object' then
    perform ledger_private.refuse_console_argument('filter', 'must be a JSON object');
  end if;
  for v_key in select k from jsonb_object_keys(v_filter) k order by k loop
    if v_key not in ('tenant_id', 'store_id', 'from_date', 'to_date') then
      perform ledger_private.refuse_console_argument('filter.' || v_key, 'is not a filter; use one of from_date, store_id, tenant_id, to_date');
    end if;
  end loop;
  if v_filter ? 'tenant_id' then v_tenant := ledger_private.console_value('text', v_filter -> 'tenant_id', 'filter.tenant_id'); end if;
  if v_filter ? 'store_id' then v_store := ledger_private.console_value('text', v_filter -> 'store_id', 'filter.store_id'); end if;
  if v_filter ? 'from_date' then v_from := ledger_private.console_date(v_filter -> 'from_date', 'filter.from_date'); end if;
  if v_filter ? 'to_date' then v_to := ledger_private.console_date(v_filter -> 'to_date', 'filter.to_date'); end if;
  if v_sort not in ('id', 'business_date', 'store_id', 'tenant_id', 'net_amount', 'sales_amount') then
    perform ledger_private.refuse_console_argument('sort.0', 'cannot sort on it; use one of business_date, id, net_amount, sales_amount, store_id, tenant_id');
  end if;
  if range_start is null or range_start < 0 or (range_end is not null and range_end < range_start) then
    perform ledger_private.refuse_console_argument('range', 'must be [start, end]: integers, 0 <= start <= end');
  end if;
  v_limit := least(1000, coalesce(range_end - range_start + 1, 100));

  return query
    with days as (
      select d.*,
             concat_ws('/', d.tenant_id, d.business_date, d.currency, d.store_id) as id,
             -- The share of the day's sales value returned, and of its sales corrected, in percent.
             case when d.sales_amount > 0 then round(100 * d.returns_amount / d.sales_amount, 2) end as return_rate,
             case when d.sales_count > 0 then round(100 * d.corrections_count::numeric / d.sales_count, 2) end as correction_rate,
             exists (select from ledger.business_days b where b.tenant_id = d.tenant_id and b.store_id in (d.store_id, '')
                     and b.business_date = d.business_date) as closed
      from ledger.get_daily_sales(v_tenant, v_store, v_from, v_to) d
    ), ordered as (
      select days.*, row_number() over (order by
               case when v_descending then null else case v_sort when 'net_amount' then days.net_amount when 'sales_amount' then days.sales_amount end end asc,
               case when v_descending then case v_sort when 'net_amount' then days.net_amount when 'sales_amount' then days.sales_amount end end desc,
               case when v_descending then null else case v_sort when 'business_date' then days.business_date::text when 'store_id' then days.store_id
                                                                 when 'tenant_id' then days.tenant_id when 'id' then days.id end end asc,
               case when v_descending then case v_sort when 'business_date' then days.business_date::text when 'store_id' then days.store_id
                                                       when 'tenant_id' then days.tenant_id when 'id' then days.id end end desc,
               days.id) as n
      from days
    )
    select (select count(*) from days),
           (select count(*)::integer from ordered o where o.n > range_start and o.n <= range_start + v_limit),
           coalesce((select jsonb_agg(to_jsonb(o) - 'n' order by o.n) from ordered o
                     where o.n > range_start and o.n <= range_start + v_limit), '[]')::text;
end
$$;
comment on function ledger.list_console_daily_sales(jsonb, text, boolean, bigint, bigint) is
  E'@behavior -*\nThe console''s daily sales (GET /admin/api/sales) as PostgreSQL''s JSON text: ledger.get_daily_sales per tenant, store, business day and currency, with return_rate (returns_amount / sales_amount, percent) and correction_rate (corrections_count / sales_count, percent), both to 2 decimals, and closed (the day is closed for the store or the tenant). Filter by tenant_id, store_id, from_date, to_date (YYYY-MM-DD, inclusive); sort by business_date (default), store_id, tenant_id, net_amount, sales_amount, id.';

create or replace function ledger_private.console_spec_stores()
returns jsonb
language sql
immutable
as $$
  select jsonb_build_object(
    'from', 'ledger.stores s',
    'record', $record$jsonb_build_object('id', s.tenant_id || '/' || s.store_id) || to_jsonb(s)$record$,
    'filters', jsonb_build_object(
      'id', jsonb_build_object('columns', jsonb_build_array('s.tenant_id', 's.store_id'), 'type', 'key_id'),
      'tenant_id', jsonb_build_object('column', 's.tenant_id', 'type', 'text'),
      'store_id', jsonb_build_object('column', 's.store_id', 'type', 'text')),
    'sorts', jsonb_build_object('id', jsonb_build_array('s.tenant_id', 's.store_id'), 'store_id', jsonb_build_array('s.store_id')),
    'default_sort', jsonb_build_array('store_id', false))
$$;
comment on function ledger_private.console_spec_stores() is 'What the console reads of the stores: record, id (<tenant_id>/<store_id>), filters, sorts (see db/functions/300-console-reads.sql).';

create or replace function ledger.list_console_stores(
  filter jsonb default '{}', sort text default null, descending boolean default null,
  range_start bigint default 0, range_end bigint default null)
returns table (total bigint, returned integer, records text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select * from ledger_private.console_list(ledger_private.console_spec_stores(), filter, sort, descending, range_start, range_end)
$$;
comment on function ledger.list_console_stores(jsonb, text, boolean, bigint, bigint) is
  E'@behavior -*\nThe stores for the console (GET /admin/api/stores) as PostgreSQL''s JSON text: filter by id, tenant_id, store_id; sort by store_id, id.';

create or replace function ledger.get_console_store(id text)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select ledger_private.console_record(ledger_private.console_spec_stores(), id)
$$;
comment on function ledger.get_console_store(text) is
  E'@behavior -*\nOne store for the console (GET /admin/api/stores/:id, <tenant_id>/<store_id>) as PostgreSQL''s JSON text; null when unknown.';

revoke all on function ledger_private.console_date(jsonb, text), ledger_private.console_dates(text[], text),
  ledger.list_console_daily_sales(jsonb, text, boolean, bigint, bigint), ledger_private.console_spec_stores(),
  ledger.list_console_stores(jsonb, text, boolean, bigint, bigint), ledger.get_console_store(text) from public;
grant execute on function ledger_private.console_date(jsonb, text), ledger_private.console_dates(text[], text),
  ledger.list_console_daily_sales(jsonb, text, boolean, bigint, bigint), ledger_private.console_spec_stores(),
  ledger.list_console_stores(jsonb, text, boolean, bigint, bigint), ledger.get_console_store(text) to ledger_readonly;
