-- The console's dashboard: the health counters, arrivals per minute by result over the last hour,
-- open exceptions by reason, and the oldest open one.

create or replace function ledger.get_console_stats()
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  with arrivals as (
    select date_trunc('minute', r.received_at) as minute, r.result, count(*) as n
    from ledger.events_raw r
    where r.received_at >= date_trunc('minute', now()) - interval '59 minutes'
    group by 1, 2
  ), minutes as (
    select m.minute,
      coalesce(sum(a.n) filter (where a.result = 'processed'), 0)::bigint as processed,
      coalesce(sum(a.n) filter (where a.result = 'duplicate'), 0)::bigint as duplicate,
      coalesce(sum(a.n) filter (where a.result = 'quarantined'), 0)::bigint as quarantined,
      coalesce(sum(a.n) filter (where a.result = 'ignored'), 0)::bigint as ignored
    from generate_series(date_trunc('minute', now()) - interval '59 minutes', date_trunc('minute', now()), interval '1 minute') m (minute)
    left join arrivals a on a.minute = m.minute
    group by m.minute
  )
  select jsonb_build_object(
    'db_time', now(),
    'counts', ledger.health(),
    'arrivals_per_minute', (select jsonb_agg(to_jsonb(m) order by m.minute) from minutes m),
    'open_by_reason', coalesce((select jsonb_agg(jsonb_build_object('reason_code', g.reason_code, 'count', g.n) order by g.n desc, g.reason_code)
      from (select e.reason_code, count(*) as n from ledger.exceptions e where e.status = 'open' group by 1) g), '[]'::jsonb),
    'oldest_open', (select jsonb_build_object('id', e.exception_id, 'tenant_id', e.tenant_id, 'idempotency_key', e.idempotency_key,
        'reason_code', e.reason_code, 'opened_at', e.opened_at, 'age_seconds', round(extract(epoch from now() - e.opened_at)))
      from ledger.exceptions e where e.status = 'open' order by e.opened_at, e.exception_id limit 1)
  )::text
$$;
comment on function ledger.get_console_stats() is
  E'@behavior -*\nThe console''s dashboard (GET /admin/api/stats) as PostgreSQL''s JSON text: db_time, counts (ledger.health), arrivals_per_minute by result over the last hour, open_by_reason, oldest_open.';

revoke all on function ledger.get_console_stats() from public;
grant execute on function ledger.get_console_stats() to ledger_readonly;
