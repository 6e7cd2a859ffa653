-- Who is calling: the edge sets ledger.tenant_id (a producer's tenant) and ledger.actor (the
-- authenticated operator) with set_config(..., true) in the request's transaction. Those settings
-- are claims anyone can make, so they are honoured only from a trusted login: the edge's own
-- (ledger_edge) or one that may act as it (a member of it, superusers included, who could write
-- anything anyway). Any other login, a DBA's in psql say, is unbound and recorded as itself; an
-- actor it claims is kept beside, never instead.
--
-- Search paths: every function of schema ledger (what callers call) pins search_path to
-- pg_catalog, pg_temp. The helpers of ledger_private run only inside those (no role but the owner
-- may execute them) and name every object fully, so they inherit that path instead of setting it
-- again: a SET clause costs a GUC save/restore per call and stops PostgreSQL from inlining the
-- one-line SQL helpers into their callers' cached plans, which halved ingest throughput.

create or replace function ledger_private.trusted_login()
returns boolean
language sql
stable
as $$
  select pg_has_role(session_user, 'ledger_edge', 'MEMBER')
$$;
comment on function ledger_private.trusted_login() is 'Whether this session logged in as the edge (or as a role that may act as it): only then are ledger.tenant_id and ledger.actor believed.';

create or replace function ledger_private.bound_tenant()
returns text
language sql
stable
as $$
  select case when ledger_private.trusted_login() then nullif(current_setting('ledger.tenant_id', true), '') end
$$;
comment on function ledger_private.bound_tenant() is 'The tenant the caller is bound to (a producer key, set by the edge), or null.';
revoke all on function ledger_private.bound_tenant() from public;
revoke all on function ledger_private.trusted_login() from public;
-- Row-level security calls them as the reading role.
grant execute on function ledger_private.bound_tenant(), ledger_private.trusted_login() to ledger_ingest;

drop policy if exists read_own_tenant on ledger.events_raw;
create policy read_own_tenant on ledger.events_raw for select to ledger_ingest
  using (tenant_id = ledger_private.bound_tenant());
drop policy if exists read_own_tenant on ledger.events_processed;
create policy read_own_tenant on ledger.events_processed for select to ledger_ingest
  using (tenant_id = ledger_private.bound_tenant());
-- The ledger (Silver, Gold, stores, closed days): a producer reads its own tenant's.
do $$
declare
  v_table text;
begin
  foreach v_table in array array['stores', 'ledger_transactions', 'ledger_line_items', 'ledger_references', 'daily_sales', 'business_days'] loop
    execute format('drop policy if exists read_own_tenant on ledger.%I', v_table);
    execute format('create policy read_own_tenant on ledger.%I for select to ledger_ingest using (tenant_id = ledger_private.bound_tenant())', v_table);
  end loop;
end
$$;

create or replace function ledger_private.claimed_actor()
returns text
language sql
stable
as $$
  select nullif(current_setting('ledger.actor', true), '')
$$;
comment on function ledger_private.claimed_actor() is 'The actor ledger.actor names: the authenticated operator when the edge set it, a mere claim otherwise.';

create or replace function ledger_private.current_actor()
returns text
language sql
stable
as $$
  select coalesce(case when ledger_private.trusted_login() then ledger_private.claimed_actor() end, session_user::text)
$$;
comment on function ledger_private.current_actor() is 'The authenticated actor: the operator the edge authenticated, else the database login itself.';

create or replace function ledger_private.untrusted_claim()
returns text
language sql
stable
as $$
  select case when not ledger_private.trusted_login() then ledger_private.claimed_actor() end
$$;
comment on function ledger_private.untrusted_claim() is 'An actor claimed through ledger.actor by a login that is not the edge''s: kept beside the recorded actor, never instead.';

create or replace function ledger_private.assert_tenant_allowed(p_tenant_id text)
returns void
language plpgsql
stable
as $$
declare
  v_bound text := ledger_private.bound_tenant();
begin
  if v_bound is not null and p_tenant_id is distinct from v_bound then
    raise exception using
      errcode = '42501',
      message = format('this key may only act for tenant %s', v_bound),
      detail = jsonb_build_array(jsonb_build_object('path', 'tenant_id', 'message', 'not the tenant of this key'))::text;
  end if;
end
$$;
comment on function ledger_private.assert_tenant_allowed(text) is 'Raises 42501 when the caller is bound to another tenant.';

create or replace function ledger_private.invalid(p_message text, p_errors jsonb)
returns void
language plpgsql
immutable
as $$
begin
  raise exception using errcode = '22023', message = p_message, detail = p_errors::text;
end
$$;
comment on function ledger_private.invalid(text, jsonb) is 'Raises 22023 with the [{path, message}] list in DETAIL, which the edge answers as 422 errors.';
