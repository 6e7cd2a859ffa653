-- Who is calling: the edge sets ledger.tenant_id (a producer's tenant) and ledger.actor (the
-- authenticated operator) with set_config(..., true) in the request's transaction. A DBA in psql
-- sets neither: no tenant binding, and the actor is the session user.
--
-- Search paths: every function of schema ledger (what callers call) pins search_path to
-- pg_catalog, pg_temp. The helpers of ledger_private run only inside those (no role but the owner
-- may execute them) and name every object fully, so they inherit that path instead of setting it
-- again: a SET clause costs a GUC save/restore per call and stops PostgreSQL from inlining the
-- one-line SQL helpers into their callers' cached plans, which halved ingest throughput.

create or replace function ledger_private.bound_tenant()
returns text
language sql
stable
as $$
  select nullif(current_setting('ledger.tenant_id', true), '')
$$;
comment on function ledger_private.bound_tenant() is 'The tenant the caller is bound to (a producer key), or null.';

create or replace function ledger_private.current_actor()
returns text
language sql
stable
as $$
  select coalesce(nullif(current_setting('ledger.actor', true), ''), session_user::text)
$$;
comment on function ledger_private.current_actor() is 'The authenticated actor: the operator the edge authenticated, else the database session user.';

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
