create or replace function ledger.health(tenant_id text default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_tenant_id text := coalesce(health.tenant_id, ledger_private.bound_tenant());
  v_counts jsonb;
begin
  perform ledger_private.assert_tenant_allowed(v_tenant_id);
  select jsonb_build_object(
    'events_raw', coalesce(sum(c.events_raw), 0)::bigint,
    'rejections', coalesce(sum(c.rejections), 0)::bigint,
    'exceptions_open', coalesce(sum(c.exceptions_open), 0)::bigint,
    'idempotency', jsonb_build_object(
      'processed', coalesce(sum(c.processed), 0)::bigint,
      'quarantined', coalesce(sum(c.quarantined), 0)::bigint,
      'ignored', coalesce(sum(c.ignored), 0)::bigint),
    'postings', coalesce(sum(c.postings), 0)::bigint)
  into v_counts
  from ledger_private.tenant_counters c
  where v_tenant_id is null or c.tenant_id = v_tenant_id;
  return v_counts;
end
$$;
comment on function ledger.health(text) is
  'Counts of one tenant (or all): events_raw, rejections, exceptions_open, keys by state and current ledger postings; always equal to count(*) of the tables, read from sharded counters. A producer sees only its tenant.';
revoke all on function ledger.health(text) from public;
grant execute on function ledger.health(text) to ledger_ingest, ledger_readonly;
