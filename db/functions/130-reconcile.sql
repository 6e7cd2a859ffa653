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
  v_postings bigint;
  v_unposted bigint;
  v_gold_drift jsonb;
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

  -- The ledger: one current posting per processed key of a type that posts; Gold equals Silver.
  select count(*) into v_postings from ledger.ledger_transactions t
  where (v_tenant_id is null or t.tenant_id = v_tenant_id) and t.superseded_by is null;
  select count(*) into v_unposted from ledger.events_processed k
  join ledger.event_types et on et.event_type = k.event_type and et.posting <> 'none'
  where (v_tenant_id is null or k.tenant_id = v_tenant_id) and k.status = 'processed'
    and not exists (select from ledger.ledger_transactions t where t.tenant_id = k.tenant_id and t.idempotency_key = k.idempotency_key
                    and t.superseded_by is null);
  with silver as (
    select t.tenant_id, t.store_id, t.business_date, t.currency,
           count(*) filter (where t.kind = 'sale') as sales_count, coalesce(sum(t.gold_amount) filter (where t.kind = 'sale'), 0) as sales_amount,
           count(*) filter (where t.kind = 'return') as returns_count, coalesce(sum(t.gold_amount) filter (where t.kind = 'return'), 0) as returns_amount,
           count(*) filter (where t.kind = 'correction') as corrections_count, coalesce(sum(t.gold_amount) filter (where t.kind = 'correction'), 0) as corrections_amount,
           count(*) filter (where t.kind = 'reversal') as reversals_count, coalesce(sum(t.gold_amount) filter (where t.kind = 'reversal'), 0) as reversals_amount
    from ledger.ledger_transactions t
    where (v_tenant_id is null or t.tenant_id = v_tenant_id) and t.superseded_by is null
    group by 1, 2, 3, 4
  ), gold as (
    select d.tenant_id, d.store_id, d.business_date, d.currency,
           sum(d.sales_count) as sales_count, sum(d.sales_amount) as sales_amount, sum(d.returns_count) as returns_count,
           sum(d.returns_amount) as returns_amount, sum(d.corrections_count) as corrections_count, sum(d.corrections_amount) as corrections_amount,
           sum(d.reversals_count) as reversals_count, sum(d.reversals_amount) as reversals_amount
    from ledger.daily_sales d where v_tenant_id is null or d.tenant_id = v_tenant_id
    group by 1, 2, 3, 4
    having sum(d.sales_count) + sum(d.returns_count) + sum(d.corrections_count) + sum(d.reversals_count) <> 0
        or sum(d.sales_amount) <> 0 or sum(d.returns_amount) <> 0 or sum(d.corrections_amount) <> 0 or sum(d.reversals_amount) <> 0
  )
  select jsonb_agg(jsonb_build_object('tenant_id', coalesce(s.tenant_id, g.tenant_id), 'store_id', coalesce(s.store_id, g.store_id),
           'business_date', coalesce(s.business_date, g.business_date), 'currency', coalesce(s.currency, g.currency),
           'silver', to_jsonb(s) - 'tenant_id' - 'store_id' - 'business_date' - 'currency',
           'gold', to_jsonb(g) - 'tenant_id' - 'store_id' - 'business_date' - 'currency'))
  into v_gold_drift
  from silver s full join gold g using (tenant_id, store_id, business_date, currency)
  where (to_jsonb(s) - 'tenant_id' - 'store_id' - 'business_date' - 'currency') is distinct from (to_jsonb(g) - 'tenant_id' - 'store_id' - 'business_date' - 'currency');

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
    jsonb_build_object('check', 'health ignored keys = count(*)', 'expected', v_keys -> 'ignored', 'actual', v_counters #> '{idempotency,ignored}'),
    jsonb_build_object('check', 'health postings = current postings', 'expected', v_postings, 'actual', v_counters -> 'postings'),
    jsonb_build_object('check', 'every processed key of a type that posts has its current posting (keys without one)', 'expected', 0, 'actual', v_unposted),
    jsonb_build_object('check', 'Gold = Silver per store, day and currency (days that differ)', 'expected', 0,
                       'actual', coalesce(jsonb_array_length(v_gold_drift), 0), 'days', coalesce(v_gold_drift, '[]'::jsonb)));

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
