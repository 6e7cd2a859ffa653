create or replace function ledger.exception_detail(exception_id uuid)
returns jsonb
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  with e as (
    select * from ledger.exceptions x where x.exception_id = exception_detail.exception_id
  ),
  arrivals as (
    select r.* from ledger.events_raw r join e on r.tenant_id = e.tenant_id and r.exception_id = e.exception_id
  ),
  key_rows as (
    select r.raw_id from ledger.events_raw r join e on r.tenant_id = e.tenant_id and r.idempotency_key = e.idempotency_key
  )
  select jsonb_build_object(
    'exception', to_jsonb(e),
    'raw_event', (select to_jsonb(r) from ledger.events_raw r where r.tenant_id = e.tenant_id and r.raw_id = e.raw_id),
    'events_processed', (select to_jsonb(k) - 'canonical_fingerprint' || jsonb_build_object('canonical_fingerprint', encode(k.canonical_fingerprint, 'hex'))
                         from ledger.events_processed k where k.tenant_id = e.tenant_id and k.idempotency_key = e.idempotency_key),
    'first_raw_event', (select to_jsonb(r) from ledger.events_raw r where r.tenant_id = e.tenant_id and r.raw_id = (select min(raw_id) from key_rows)),
    'last_raw_event', (select to_jsonb(r) from ledger.events_raw r where r.tenant_id = e.tenant_id and r.raw_id = (select max(raw_id) from key_rows)),
    'arrivals', coalesce((select jsonb_agg(to_jsonb(a) order by a.raw_id) from arrivals a), '[]'::jsonb))
  from e
$$;
comment on function ledger.exception_detail(uuid) is
  'An exception with what an operator needs to decide: the arrival that opened it, the key''s state, the key''s first and latest arrivals, and every arrival it holds. Null when unknown (or not visible to the caller).';
revoke all on function ledger.exception_detail(uuid) from public;
grant execute on function ledger.exception_detail(uuid) to ledger_readonly;
