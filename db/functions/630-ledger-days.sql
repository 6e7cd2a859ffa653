-- Business days and store zones: closing a day (a posting onto it is then quarantined
-- LATE_EVENT_OUTSIDE_WINDOW), and a store's zone, which may change only before its first posting.

create or replace function ledger.close_business_day(tenant_id text, business_date date, notes text, store_id text default null)
returns ledger.business_days
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_day ledger.business_days;
  v_store text := coalesce(nullif(close_business_day.store_id, ''), '');
  v_at timestamptz := clock_timestamp();
begin
  if close_business_day.business_date is null then
    perform ledger_private.invalid('business_date is required', jsonb_build_array(jsonb_build_object('path', 'business_date', 'message', 'is required')));
  end if;
  if coalesce(btrim(close_business_day.notes), '') = '' then
    perform ledger_private.invalid('notes are required', jsonb_build_array(jsonb_build_object('path', 'notes', 'message', 'must not be empty')));
  end if;
  if not exists (select from ledger.tenants t where t.tenant_id = close_business_day.tenant_id) then
    perform ledger_private.invalid('unknown tenant', jsonb_build_array(jsonb_build_object('path', 'tenant_id', 'message', 'unknown tenant')));
  end if;
  -- Closing takes the same locks as nothing else: a posting racing the close lands before it (and
  -- stays) or after it (and is held); either way the audit row says when the day closed.
  insert into ledger.business_days (tenant_id, store_id, business_date, closed_at, closed_by, notes)
  values (close_business_day.tenant_id, v_store, close_business_day.business_date, v_at, ledger_private.current_actor(), close_business_day.notes)
  on conflict do nothing
  returning * into v_day;
  if not found then
    raise exception using errcode = '55000', message = format('business day %s of %s is already closed', close_business_day.business_date,
      coalesce(nullif(v_store, ''), 'every store of ' || close_business_day.tenant_id));
  end if;
  insert into ledger.audit_log (tenant_id, at, actor, claimed_actor, action, object_type, object_id, notes, after)
  values (v_day.tenant_id, v_at, v_day.closed_by, ledger_private.untrusted_claim(), 'business_day.closed', 'business_day',
          concat_ws('/', v_day.tenant_id, nullif(v_day.store_id, ''), v_day.business_date), v_day.notes,
          jsonb_build_object('store_id', nullif(v_day.store_id, ''), 'business_date', v_day.business_date, 'closed_at', v_day.closed_at));
  return v_day;
end
$$;
comment on function ledger.close_business_day(text, date, text, text) is
  E'Closes a business day of one store (or, store_id null, of every store of the tenant), audited: a posting that would land on it is quarantined LATE_EVENT_OUTSIDE_WINDOW. Raises 22023 for missing notes or an unknown tenant, 55000 when already closed.';
revoke all on function ledger.close_business_day(text, date, text, text) from public;
grant execute on function ledger.close_business_day(text, date, text, text) to ledger_operator;

create or replace function ledger.set_store_time_zone(tenant_id text, store_id text, time_zone text)
returns ledger.stores
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_store ledger.stores;
  v_before ledger.stores;
begin
  if not ledger_private.is_time_zone(set_store_time_zone.time_zone) then
    perform ledger_private.invalid('unknown time zone', jsonb_build_array(jsonb_build_object('path', 'time_zone', 'message', 'must be an IANA time zone name')));
  end if;
  if coalesce(set_store_time_zone.store_id, '') = '' or not exists (select from ledger.tenants t where t.tenant_id = set_store_time_zone.tenant_id) then
    perform ledger_private.invalid('unknown tenant or empty store', jsonb_build_array(jsonb_build_object('path', 'store_id', 'message', 'a store of a known tenant')));
  end if;
  select * into v_before from ledger.stores s where s.tenant_id = set_store_time_zone.tenant_id and s.store_id = set_store_time_zone.store_id for update;
  if v_before.first_posting_at is not null then
    raise exception using errcode = '55000', message = format('store %s has postings since %s: its zone is fixed', set_store_time_zone.store_id, v_before.first_posting_at);
  end if;
  insert into ledger.stores as s (tenant_id, store_id, time_zone) values (set_store_time_zone.tenant_id, set_store_time_zone.store_id, set_store_time_zone.time_zone)
  on conflict (tenant_id, store_id) do update set time_zone = excluded.time_zone
  returning * into v_store;
  insert into ledger.audit_log (tenant_id, at, actor, claimed_actor, action, object_type, object_id, before, after)
  values (v_store.tenant_id, clock_timestamp(), ledger_private.current_actor(), ledger_private.untrusted_claim(), 'store.time_zone_set', 'store',
          v_store.tenant_id || '/' || v_store.store_id, case when v_before.store_id is not null then jsonb_build_object('time_zone', v_before.time_zone) end,
          jsonb_build_object('time_zone', v_store.time_zone));
  return v_store;
end
$$;
comment on function ledger.set_store_time_zone(text, text, text) is
  'Sets the zone of a store''s business days (making the store if new), audited; only before its first posting (55000 after). 22023 for an unknown zone or tenant.';
revoke all on function ledger.set_store_time_zone(text, text, text) from public;
grant execute on function ledger.set_store_time_zone(text, text, text) to ledger_operator;
