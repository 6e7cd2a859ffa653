-- The console's Bronze: every accepted arrival, listed without its payload (pages stay small),
-- and one arrival with it.

create or replace function ledger_private.console_spec_events()
returns jsonb
language sql
immutable
as $$
  select jsonb_build_object(
    'from', 'ledger.events_raw r',
    'record', $record$jsonb_build_object('id', r.raw_id) || (to_jsonb(r) - 'fingerprint' - 'payload')
      || jsonb_build_object('fingerprint', encode(r.fingerprint, 'hex'))$record$,
    'whole', $whole$jsonb_build_object('payload', r.payload)$whole$,
    'filters', jsonb_build_object(
      'id', jsonb_build_object('column', 'r.raw_id', 'type', 'bigint'),
      'tenant_id', jsonb_build_object('column', 'r.tenant_id', 'type', 'text'),
      'idempotency_key', jsonb_build_object('column', 'r.idempotency_key', 'type', 'text'),
      'result', jsonb_build_object('column', 'r.result', 'type', 'text'),
      'reason_code', jsonb_build_object('column', 'r.reason_code', 'type', 'text'),
      'event_type', jsonb_build_object('terms', 'ledger_private.search_terms(r.payload) && %L::text[]', 'prefix', 'e:', 'upper', true, 'type', 'text'),
      'store_id', jsonb_build_object('terms', 'ledger_private.search_terms(r.payload) && %L::text[]', 'prefix', 's:', 'type', 'text'),
      'txn_id', jsonb_build_object('terms', 'ledger_private.search_terms(r.payload) && %L::text[]', 'prefix', 't:', 'type', 'text'),
      'source_system', jsonb_build_object('terms', 'ledger_private.search_terms(r.payload) && %L::text[]', 'prefix', 'y:', 'type', 'text'),
      'source', jsonb_build_object('column', 'r.source', 'type', 'text'),
      'exception_id', jsonb_build_object('column', 'r.exception_id', 'type', 'uuid'),
      'q', jsonb_build_object('search', jsonb_build_array('r.idempotency_key'))),
    'sorts', jsonb_build_object(
      'id', jsonb_build_array('r.raw_id'), 'received_at', jsonb_build_array('r.received_at'),
      'tenant_id', jsonb_build_array('r.tenant_id'), 'idempotency_key', jsonb_build_array('r.idempotency_key'),
      'event_type', jsonb_build_array('r.event_type'), 'attempt', jsonb_build_array('r.attempt'),
      'result', jsonb_build_array('r.result'), 'reason_code', jsonb_build_array('r.reason_code'),
      'source', jsonb_build_array('r.source')),
    'default_sort', jsonb_build_array('id', true),
    'counters', jsonb_build_object('', jsonb_build_array('{events_raw}')))
$$;
comment on function ledger_private.console_spec_events() is 'What the console reads of the events: record, id, filters, sorts (see db/functions/300-console-reads.sql).';

create or replace function ledger.list_console_events(
  filter jsonb default '{}', sort text default null, descending boolean default null,
  range_start bigint default 0, range_end bigint default null)
returns table (total bigint, returned integer, records text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select * from ledger_private.console_list(ledger_private.console_spec_events(), filter, sort, descending, range_start, range_end)
$$;
comment on function ledger.list_console_events(jsonb, text, boolean, bigint, bigint) is
  E'@behavior -*\nThe console''s Bronze list (GET /admin/api/events) as PostgreSQL''s JSON text, payloads left out: filter by id, tenant_id, idempotency_key, result, reason_code, event_type, store_id, txn_id, source_system (from the search index), source, exception_id, q (key contains); sort by id, received_at, tenant_id, idempotency_key, event_type, attempt, result, reason_code, source; range [start, end] inclusive. Unfiltered or by tenant only, the total comes from the health counters.';

create or replace function ledger.get_console_event(id text)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select ledger_private.console_record(ledger_private.console_spec_events(), id)
$$;
comment on function ledger.get_console_event(text) is
  E'@behavior -*\nOne Bronze arrival for the console (GET /admin/api/events/:id, its raw_id), payload included, as PostgreSQL''s JSON text; null when unknown.';

revoke all on function ledger_private.console_spec_events(), ledger.list_console_events(jsonb, text, boolean, bigint, bigint), ledger.get_console_event(text) from public;
grant execute on function ledger_private.console_spec_events(), ledger.list_console_events(jsonb, text, boolean, bigint, bigint), ledger.get_console_event(text) to ledger_readonly;
