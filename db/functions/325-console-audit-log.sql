-- The console's audit log: every decision with its actor and the state before and after.

create or replace function ledger.list_console_audit_log(
  filter jsonb default '{}', sort text default null, descending boolean default null,
  range_start bigint default 0, range_end bigint default null)
returns table (total bigint, returned integer, records text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select * from ledger_private.console_list(jsonb_build_object(
    'from', 'ledger.audit_log a',
    'record', $record$jsonb_build_object('id', a.audit_id) || to_jsonb(a)$record$,
    'filters', jsonb_build_object(
      'id', jsonb_build_object('column', 'a.audit_id', 'type', 'bigint'),
      'exception_id', jsonb_build_object('column', 'a.exception_id', 'type', 'uuid'),
      'tenant_id', jsonb_build_object('column', 'a.tenant_id', 'type', 'text'),
      'action', jsonb_build_object('column', 'a.action', 'type', 'text'),
      'actor', jsonb_build_object('column', 'a.actor', 'type', 'text'),
      'object_type', jsonb_build_object('column', 'a.object_type', 'type', 'text'),
      'object_id', jsonb_build_object('column', 'a.object_id', 'type', 'text'),
      'q', jsonb_build_object('search', jsonb_build_array('a.object_id', 'a.notes'))),
    'sorts', jsonb_build_object(
      'id', jsonb_build_array('a.audit_id'), 'at', jsonb_build_array('a.at'), 'actor', jsonb_build_array('a.actor'),
      'action', jsonb_build_array('a.action'), 'tenant_id', jsonb_build_array('a.tenant_id')),
    'default_sort', jsonb_build_array('id', true)),
    list_console_audit_log.filter, list_console_audit_log.sort, list_console_audit_log.descending,
    list_console_audit_log.range_start, list_console_audit_log.range_end)
$$;
comment on function ledger.list_console_audit_log(jsonb, text, boolean, bigint, bigint) is
  E'@behavior -*\nThe console''s audit log (GET /admin/api/audit-log) as PostgreSQL''s JSON text: filter by id, exception_id, tenant_id, action, actor, object_type, object_id, q (object or notes contain); sort by id, at, actor, action, tenant_id; range [start, end] inclusive.';

create or replace function ledger.get_console_audit_row(id text)
returns text
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  if id is null or id !~ '^[0-9]{1,18}$' then
    perform ledger_private.refuse_console_argument('id', 'audit ids are positive integers');
  end if;
  return (select (jsonb_build_object('id', a.audit_id) || to_jsonb(a))::text
          from ledger.audit_log a where a.audit_id = get_console_audit_row.id::bigint);
end
$$;
comment on function ledger.get_console_audit_row(text) is
  E'@behavior -*\nOne audit row for the console (GET /admin/api/audit-log/:id) as PostgreSQL''s JSON text; null when unknown.';

revoke all on function ledger.list_console_audit_log(jsonb, text, boolean, bigint, bigint), ledger.get_console_audit_row(text) from public;
grant execute on function ledger.list_console_audit_log(jsonb, text, boolean, bigint, bigint), ledger.get_console_audit_row(text) to ledger_readonly;
