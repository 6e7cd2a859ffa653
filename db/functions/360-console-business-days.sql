-- Closing a business day from the console (POST /admin/api/business-days): the request's JSON
-- checked field by field, so that each refusal lands on its field, then ledger.close_business_day
-- (audited; 55000 when the day is already closed); and the closed days, for the Sales page.

create or replace function ledger.close_console_business_day(request jsonb)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
declare
  v_errors jsonb := '[]';
  v_key text;
  v_day ledger.business_days;
begin
  if jsonb_typeof(request) is distinct from 'object' then
    perform ledger_private.invalid('the request must be a JSON object', jsonb_build_array(jsonb_build_object('path', '', 'message', 'must be a JSON object')));
  end if;
  for v_key in select k from jsonb_object_keys(request) k order by k loop
    if v_key not in ('tenant_id', 'store_id', 'business_date', 'notes') then
      v_errors := v_errors || jsonb_build_object('path', v_key, 'message', 'is not a field; use tenant_id, store_id, business_date, notes');
    end if;
  end loop;
  if jsonb_typeof(request -> 'tenant_id') is distinct from 'string' or request ->> 'tenant_id' = '' then
    v_errors := v_errors || jsonb_build_object('path', 'tenant_id', 'message', 'is required: a tenant id');
  end if;
  if request ? 'store_id' and request -> 'store_id' <> 'null'::jsonb and jsonb_typeof(request -> 'store_id') <> 'string' then
    v_errors := v_errors || jsonb_build_object('path', 'store_id', 'message', 'must be a store id, or absent to close every store of the tenant');
  end if;
  if jsonb_typeof(request -> 'business_date') is distinct from 'string' or request ->> 'business_date' !~ '^\d{4}-\d{2}-\d{2}$'
     or not pg_input_is_valid(request ->> 'business_date', 'date') then
    v_errors := v_errors || jsonb_build_object('path', 'business_date', 'message', 'is required: a date, e.g. 2026-02-25');
  end if;
  if jsonb_typeof(request -> 'notes') is distinct from 'string' or btrim(request ->> 'notes') = '' then
    v_errors := v_errors || jsonb_build_object('path', 'notes', 'message', 'must not be empty: say why the day is closed');
  end if;
  if jsonb_array_length(v_errors) > 0 then
    perform ledger_private.invalid(format('the request is invalid: %s', (select string_agg(e ->> 'path' || ' ' || (e ->> 'message'), '; ')
                                                                           from jsonb_array_elements(v_errors) e)), v_errors);
  end if;
  v_day := ledger.close_business_day(request ->> 'tenant_id', (request ->> 'business_date')::date, request ->> 'notes',
                                     nullif(request ->> 'store_id', ''));
  return jsonb_build_object('id', concat_ws('/', v_day.tenant_id, v_day.business_date, nullif(v_day.store_id, '')),
                            'tenant_id', v_day.tenant_id, 'store_id', nullif(v_day.store_id, ''), 'business_date', v_day.business_date,
                            'closed_at', v_day.closed_at, 'closed_by', v_day.closed_by, 'notes', v_day.notes)::text;
end
$$;
comment on function ledger.close_console_business_day(jsonb) is
  E'@behavior -*\nCloses a business day from the console (POST /admin/api/business-days {tenant_id, store_id?, business_date, notes}) through ledger.close_business_day, audited; answers the closed day as JSON text. 22023 with [{path, message}] for a field that does not fit or an unknown tenant, 55000 when the day is already closed.';

revoke all on function ledger.close_console_business_day(jsonb) from public;
grant execute on function ledger.close_console_business_day(jsonb) to ledger_operator;
