-- migrate:up
-- Nothing is granted to PUBLIC; every grant below and in later files is explicit.
revoke all on schema public from public;


create schema ledger;
comment on schema ledger is 'Ledger-Safe: Bronze capture, idempotency state, exceptions and their audit trail. Callers use the functions here.';
create schema ledger_private;
comment on schema ledger_private is 'Helpers, trigger functions and internal tables that no caller should see.';

alter default privileges revoke execute on functions from public;
alter default privileges in schema ledger revoke execute on functions from public;
alter default privileges in schema ledger_private revoke execute on functions from public;

-- Roles are cluster-wide: create them once, keep them across databases of the same cluster.
do $$
begin
  if not exists (select from pg_roles where rolname = 'ledger_ingest') then
    create role ledger_ingest nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'ledger_readonly') then
    create role ledger_readonly nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'ledger_operator') then
    create role ledger_operator nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'ledger_edge') then
    create role ledger_edge nologin noinherit;
  end if;
end
$$;
comment on role ledger_ingest is 'Producers: ingest events (their tenant only when ledger.tenant_id is set), read their health.';
comment on role ledger_readonly is 'Read every ledger table and the health counters.';
comment on role ledger_operator is 'Read everything, resolve and assign exceptions.';
comment on role ledger_edge is 'The HTTP edge''s login: no rights of its own; it `set local role`s to one of the three roles per transaction.';

grant ledger_readonly to ledger_operator;
grant ledger_ingest, ledger_operator, ledger_readonly to ledger_edge;

grant usage on schema ledger to ledger_ingest, ledger_readonly, ledger_operator;

-- migrate:down
drop schema ledger_private cascade;
drop schema ledger cascade;
