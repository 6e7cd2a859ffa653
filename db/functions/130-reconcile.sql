-- Reconciliation: proves from the tables themselves that nothing was lost or double-counted.
-- Unlike ledger.health (a few counter rows), it counts rows: an audit, O(rows of the tenant).

create or replace function ledger.reconcile(tenant_id text default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_tenant_id text := coalesce(reconcile.tenant_id, ledger_private.bound_tenant());
  v_raw jsonb;
  v_keys jsonb;
  v_exceptions jsonb;
  v_counters jsonb;
  v_rejections bigint;
  v_checks jsonb;
begin
  perform ledger_private.assert_tenant_allowed(v_tenant_id);

  select jsonb_build_object(
    'events_raw', count(*),
    'processed', count(*) filter (where r.result = 'processed'),
    'duplicate', count(*) filter (where r.result = 'duplicate'),
    'quarantined', count(*) filter (where r.result = 'quarantined'),
    'ignored', count(*) filter (where r.result = 'ignored'),
    'held', count(*) filter (where r.exception_id is not null))
  into v_raw
  from ledger.events_raw r where v_tenant_id is null or r.tenant_id = v_tenant_id;

  select jsonb_build_object(
    'keys', count(*),
    'processed', count(*) filter (where k.status = 'processed'),
    'quarantined', count(*) filter (where k.status = 'quarantined'),
    'ignored', count(*) filter (where k.status = 'ignored'),
    'arrivals', coalesce(sum(k.arrivals), 0))
  into v_keys
  from ledger.events_processed k where v_tenant_id is null or k.tenant_id = v_tenant_id;

  select jsonb_build_object(
    'open', count(*) filter (where e.status = 'open'),
    'held_arrivals', coalesce(sum(e.arrivals), 0))
  into v_exceptions
  from ledger.exceptions e where v_tenant_id is null or e.tenant_id = v_tenant_id;

  select count(*) into v_rejections from ledger.rejections j where v_tenant_id is null or j.tenant_id = v_tenant_id;
  v_counters := ledger.health(v_tenant_id);

  v_checks := jsonb_build_array(
    jsonb_build_object('check', 'raw arrivals = processed + duplicate + quarantined + ignored arrivals',
      'expected', v_raw -> 'events_raw',
      'actual', (v_raw ->> 'processed')::bigint + (v_raw ->> 'duplicate')::bigint + (v_raw ->> 'quarantined')::bigint + (v_raw ->> 'ignored')::bigint),
    jsonb_build_object('check', 'raw arrivals = arrivals counted on their keys', 'expected', v_raw -> 'events_raw', 'actual', v_keys -> 'arrivals'),
    jsonb_build_object('check', 'arrivals held by exceptions = arrivals their exceptions count', 'expected', v_raw -> 'held', 'actual', v_exceptions -> 'held_arrivals'),
    jsonb_build_object('check', 'quarantined keys = open exceptions', 'expected', v_keys -> 'quarantined', 'actual', v_exceptions -> 'open'),
    jsonb_build_object('check', 'health events_raw = count(*)', 'expected', v_raw -> 'events_raw', 'actual', v_counters -> 'events_raw'),
    jsonb_build_object('check', 'health rejections = count(*)', 'expected', v_rejections, 'actual', v_counters -> 'rejections'),
    jsonb_build_object('check', 'health exceptions_open = count(*)', 'expected', v_exceptions -> 'open', 'actual', v_counters -> 'exceptions_open'),
    jsonb_build_object('check', 'health processed keys = count(*)', 'expected', v_keys -> 'processed', 'actual', v_counters #> '{idempotency,processed}'),
    jsonb_build_object('check', 'health quarantined keys = count(*)', 'expected', v_keys -> 'quarantined', 'actual', v_counters #> '{idempotency,quarantined}'),
    jsonb_build_object('check', 'health ignored keys = count(*)', 'expected', v_keys -> 'ignored', 'actual', v_counters #> '{idempotency,ignored}'));

  select jsonb_agg(c || jsonb_build_object('ok', (c -> 'expected') = (c -> 'actual'))) into v_checks from jsonb_array_elements(v_checks) c;

  return jsonb_build_object(
    'tenant_id', v_tenant_id,
    'balanced', not exists (select from jsonb_array_elements(v_checks) c where not (c ->> 'ok')::boolean),
    'arrivals', v_raw - 'held',
    'keys', v_keys - 'arrivals',
    'exceptions_open', v_exceptions -> 'open',
    'rejections', v_rejections,
    'checks', v_checks,
    'drift', coalesce((select jsonb_agg(c) from jsonb_array_elements(v_checks) c where not (c ->> 'ok')::boolean), '[]'::jsonb),
    'checked_at', clock_timestamp());
end
$$;
comment on function ledger.reconcile(text) is
  'Audits one tenant (or all): raw arrivals = processed + duplicate + quarantined + ignored arrivals, arrivals on keys and in exceptions, and the health counters against count(*) of the tables. balanced is false and drift lists the failing checks when anything disagrees. Counts rows: use it to audit, not to poll.';
revoke all on function ledger.reconcile(text) from public;
grant execute on function ledger.reconcile(text) to ledger_ingest, ledger_readonly;
