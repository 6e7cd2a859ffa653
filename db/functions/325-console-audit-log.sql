-- The console's audit log: every decision with its actor and the state before and after.

create or replace function ledger_private.console_spec_audit_log()
returns jsonb
language sql
immutable
as $$
  select jsonb_build_object(
    'from', 'ledger.audit_log a',
    -- The key an exception's row is about: operators know keys, not exception ids.
    'record', $record$jsonb_build_object('id', a.audit_id) || to_jsonb(a)
      || jsonb_build_object('idempotency_key', (select e.idempotency_key from ledger.exceptions e
                                                where e.tenant_id = a.tenant_id and e.exception_id = a.exception_id))$record$,
    'filters', jsonb_build_object(
      'id', jsonb_build_object('column', 'a.audit_id', 'type', 'bigint'),
      'exception_id', jsonb_build_object('column', 'a.exception_id', 'type', 'uuid'),
      'job_id', jsonb_build_object('column', 'a.job_id', 'type', 'uuid'),
      'tenant_id', jsonb_build_object('column', 'a.tenant_id', 'type', 'text'),
      'action', jsonb_build_object('column', 'a.action', 'type', 'text'),
      'actor', jsonb_build_object('column', 'a.actor', 'type', 'text'),
      'object_type', jsonb_build_object('column', 'a.object_type', 'type', 'text'),
      'object_id', jsonb_build_object('column', 'a.object_id', 'type', 'text'),
      'q', jsonb_build_object('search', jsonb_build_array('a.object_id', 'a.notes'))),
    'sorts', jsonb_build_object(
      'id', jsonb_build_array('a.audit_id'), 'at', jsonb_build_array('a.at'), 'actor', jsonb_build_array('a.actor'),
      'action', jsonb_build_array('a.action'), 'tenant_id', jsonb_build_array('a.tenant_id')),
    'default_sort', jsonb_build_array('id', true))
$$;
comment on function ledger_private.console_spec_audit_log() is 'What the console reads of the audit log: record, id, filters, sorts (see db/functions/300-console-reads.sql).';

create or replace function ledger.list_console_audit_log(
  filter jsonb default '{}', sort text default null, descending boolean default null,
  range_start bigint default 0, range_end bigint default null)
returns table (total bigint, returned integer, records text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select * from ledger_private.console_list(ledger_private.console_spec_audit_log(), filter, sort, descending, range_start, range_end)
$$;
comment on function ledger.list_console_audit_log(jsonb, text, boolean, bigint, bigint) is
  E'@behavior -*\nThe console''s audit log (GET /admin/api/audit-log) as PostgreSQL''s JSON text: each with the idempotency_key of its exception: filter by id, exception_id, job_id, tenant_id, action, actor, object_type, object_id, q (object or notes contain); sort by id, at, actor, action, tenant_id; range [start, end] inclusive.';

create or replace function ledger.get_console_audit_row(id text)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select ledger_private.console_record(ledger_private.console_spec_audit_log(), id)
$$;
comment on function ledger.get_console_audit_row(text) is
  E'@behavior -*\nOne audit row for the console (GET /admin/api/audit-log/:id, its audit_id) as PostgreSQL''s JSON text; null when unknown.';

revoke all on function ledger_private.console_spec_audit_log(), ledger.list_console_audit_log(jsonb, text, boolean, bigint, bigint), ledger.get_console_audit_row(text) from public;
grant execute on function ledger_private.console_spec_audit_log(), ledger.list_console_audit_log(jsonb, text, boolean, bigint, bigint), ledger.get_console_audit_row(text) to ledger_readonly;
