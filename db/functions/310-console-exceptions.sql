-- The console's exceptions: the queue as a list, and one exception with everything an operator
-- needs to decide (ledger.exception_detail as `detail`).

create or replace function ledger_private.exception_age_seconds(p_exception ledger.exceptions)
returns bigint
language sql
stable
as $$
  select case when p_exception.status = 'open' then floor(extract(epoch from now() - p_exception.opened_at))::bigint end
$$;
comment on function ledger_private.exception_age_seconds(ledger.exceptions) is 'How long an open exception has been open, in whole seconds (null once resolved).';

create or replace function ledger_private.console_spec_exceptions()
returns jsonb
language sql
immutable
as $$
  select jsonb_build_object(
    'from', 'ledger.exceptions e',
    'record', $record$jsonb_build_object('id', e.exception_id) || to_jsonb(e)
      || jsonb_build_object('age_seconds', ledger_private.exception_age_seconds(e))$record$,
    'whole', $whole$jsonb_build_object('detail', ledger.exception_detail(e.exception_id))$whole$,
    'filters', jsonb_build_object(
      'id', jsonb_build_object('column', 'e.exception_id', 'type', 'uuid'),
      'exception_ids', jsonb_build_object('column', 'e.exception_id', 'type', 'uuid'),
      -- As the columns hold them: each value's first 200 characters, the event type upper-cased.
      'store_id', jsonb_build_object('column', 'e.store_id', 'type', 'text', 'max_length', 200),
      'txn_id', jsonb_build_object('column', 'e.txn_id', 'type', 'text', 'max_length', 200),
      'source_system', jsonb_build_object('column', 'e.source_system', 'type', 'text', 'max_length', 200),
      'event_type', jsonb_build_object('column', 'e.event_type', 'type', 'text', 'max_length', 200, 'upper', true),
      'opened_before', jsonb_build_object('column', 'e.opened_at', 'type', 'timestamptz', 'compare', '<'),
      'opened_after', jsonb_build_object('column', 'e.opened_at', 'type', 'timestamptz', 'compare', '>='),
      'status', jsonb_build_object('column', 'e.status', 'type', 'text'),
      'reason_code', jsonb_build_object('column', 'e.reason_code', 'type', 'text'),
      'tenant_id', jsonb_build_object('column', 'e.tenant_id', 'type', 'text'),
      'idempotency_key', jsonb_build_object('column', 'e.idempotency_key', 'type', 'text'),
      'assigned_to', jsonb_build_object('column', 'e.assigned_to', 'type', 'text'),
      'resolution_action', jsonb_build_object('column', 'e.resolution_action', 'type', 'text'),
      'q', jsonb_build_object('search', jsonb_build_array('e.idempotency_key', 'e.exception_id::text'))),
    'sorts', jsonb_build_object(
      'id', jsonb_build_array('e.exception_id'), 'opened_at', jsonb_build_array('e.opened_at'),
      'last_arrival_at', jsonb_build_array('e.last_arrival_at'), 'resolved_at', jsonb_build_array('e.resolved_at'),
      'tenant_id', jsonb_build_array('e.tenant_id'), 'idempotency_key', jsonb_build_array('e.idempotency_key'),
      'reason_code', jsonb_build_array('e.reason_code'), 'status', jsonb_build_array('e.status'),
      'arrivals', jsonb_build_array('e.arrivals'), 'assigned_to', jsonb_build_array('e.assigned_to'),
      'store_id', jsonb_build_array('e.store_id'), 'txn_id', jsonb_build_array('e.txn_id')),
    'default_sort', jsonb_build_array('opened_at', true))
$$;
comment on function ledger_private.console_spec_exceptions() is 'What the console reads of the exceptions: record, id, filters, sorts (see db/functions/300-console-reads.sql).';

create or replace function ledger.list_console_exceptions(
  filter jsonb default '{}', sort text default null, descending boolean default null,
  range_start bigint default 0, range_end bigint default null)
returns table (total bigint, returned integer, records text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select * from ledger_private.console_list(ledger_private.console_spec_exceptions(), filter, sort, descending, range_start, range_end)
$$;
comment on function ledger.list_console_exceptions(jsonb, text, boolean, bigint, bigint) is
  E'@behavior -*\nThe console''s exception list (GET /admin/api/exceptions) as PostgreSQL''s JSON text: filter by id (or exception_ids), status, reason_code, tenant_id, store_id, txn_id, source_system, event_type (the opening arrival''s, from their indexes), idempotency_key, assigned_to (null: unassigned), resolution_action, opened_before (opened strictly before), opened_after (opened at or after; both RFC 3339), q (key or id contains); sort by id, opened_at, last_arrival_at, resolved_at, tenant_id, idempotency_key, reason_code, status, arrivals, assigned_to, store_id, txn_id; range [start, end] inclusive.';

create or replace function ledger.get_console_exception(id text)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select ledger_private.console_record(ledger_private.console_spec_exceptions(), id)
$$;
comment on function ledger.get_console_exception(text) is
  E'@behavior -*\nOne exception for the console (GET /admin/api/exceptions/:id, a UUID) as PostgreSQL''s JSON text, with ledger.exception_detail as `detail`; null when unknown.';

revoke all on function ledger_private.exception_age_seconds(ledger.exceptions),
  ledger_private.console_spec_exceptions(), ledger.list_console_exceptions(jsonb, text, boolean, bigint, bigint), ledger.get_console_exception(text) from public;
grant execute on function ledger_private.exception_age_seconds(ledger.exceptions),
  ledger_private.console_spec_exceptions(), ledger.list_console_exceptions(jsonb, text, boolean, bigint, bigint), ledger.get_console_exception(text) to ledger_readonly;
