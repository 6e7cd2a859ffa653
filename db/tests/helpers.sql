-- Test helpers, loaded only into the test database (never by migrate).
create schema if not exists tests;

create or replace function tests.envelope(p_tenant_id text, p_event_id text, p_patch jsonb default '{}')
returns jsonb
language sql
immutable
security definer
as $$
  select ledger_private.merge_patch(jsonb_build_object(
    'schema_version', '1.0', 'tenant_id', p_tenant_id, 'store_id', 'store_001', 'source_system', 'pos_sim',
    'event_id', p_event_id, 'source_event_id', 'src-' || p_event_id, 'event_type', 'SALE',
    'occurred_at', '2026-02-25T00:00:00Z', 'txn_id', 'txn-' || p_event_id, 'currency', 'USD', 'total_amount', 42.5,
    'line_items', jsonb_build_array(jsonb_build_object('sku', 'SKU-AAA', 'qty', 1, 'amount', 30.0),
                                    jsonb_build_object('sku', 'SKU-BBB', 'qty', 1, 'amount', 12.5))), p_patch)
$$;

create or replace function tests.make_tenant(p_tenant_id text)
returns text
language sql
as $$
  insert into ledger.tenants (tenant_id) values (p_tenant_id) on conflict do nothing;
  select p_tenant_id
$$;

-- Become a caller as the edge does: a role for the rest of the transaction, plus its binding.
create or replace function tests.as_producer(p_tenant_id text)
returns void
language plpgsql
as $$
begin
  perform set_config('ledger.tenant_id', p_tenant_id, true);
  perform set_config('ledger.actor', '', true);
  set local role ledger_ingest;
end
$$;

create or replace function tests.as_operator(p_actor text default 'operator:test')
returns void
language plpgsql
as $$
begin
  perform set_config('ledger.tenant_id', '', true);
  perform set_config('ledger.actor', p_actor, true);
  set local role ledger_operator;
end
$$;

create or replace function tests.as_readonly()
returns void
language plpgsql
as $$
begin
  perform set_config('ledger.tenant_id', '', true);
  set local role ledger_readonly;
end
$$;

create or replace function tests.as_owner()
returns void
language plpgsql
as $$
begin
  perform set_config('ledger.tenant_id', '', true);
  perform set_config('ledger.actor', '', true);
  reset role;
end
$$;

-- The health counters against count(*) of the tables, for one tenant: true when they agree.
create or replace function tests.counts_match(p_tenant_id text)
returns boolean
language sql
security definer
as $$
  select ledger.health(p_tenant_id) = jsonb_build_object(
    'events_raw', (select count(*) from ledger.events_raw where tenant_id = p_tenant_id),
    'rejections', (select count(*) from ledger.rejections where tenant_id = p_tenant_id),
    'exceptions_open', (select count(*) from ledger.exceptions where tenant_id = p_tenant_id and status = 'open'),
    'idempotency', jsonb_build_object(
      'processed', (select count(*) from ledger.events_processed where tenant_id = p_tenant_id and status = 'processed'),
      'quarantined', (select count(*) from ledger.events_processed where tenant_id = p_tenant_id and status = 'quarantined'),
      'ignored', (select count(*) from ledger.events_processed where tenant_id = p_tenant_id and status = 'ignored')))
$$;

grant usage on schema tests to ledger_ingest, ledger_operator, ledger_readonly;
grant execute on all functions in schema tests to ledger_ingest, ledger_operator, ledger_readonly;

-- pgTAP lives in public; the roles under test must reach it.
grant usage on schema public to ledger_ingest, ledger_operator, ledger_readonly;
grant execute on all functions in schema public to ledger_ingest, ledger_operator, ledger_readonly;
