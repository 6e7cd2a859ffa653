-- The console's rejections: arrivals refused for a bad envelope, listed without the body excerpt.

create or replace function ledger_private.console_spec_rejections()
returns jsonb
language sql
immutable
as $$
  select jsonb_build_object(
    'from', 'ledger.rejections x',
    'record', $record$jsonb_build_object('id', x.rejection_id) || (to_jsonb(x) - 'body_excerpt')$record$,
    'whole', $whole$jsonb_build_object('body_excerpt', x.body_excerpt)$whole$,
    'filters', jsonb_build_object(
      'id', jsonb_build_object('column', 'x.rejection_id', 'type', 'bigint'),
      'tenant_id', jsonb_build_object('column', 'x.tenant_id', 'type', 'text'),
      'reason_code', jsonb_build_object('column', 'x.reason_code', 'type', 'text'),
      'http_status', jsonb_build_object('column', 'x.http_status', 'type', 'integer'),
      'source', jsonb_build_object('column', 'x.source', 'type', 'text'),
      'idempotency_key', jsonb_build_object('column', 'x.idempotency_key', 'type', 'text'),
      'q', jsonb_build_object('search', jsonb_build_array('x.idempotency_key'))),
    'sorts', jsonb_build_object(
      'id', jsonb_build_array('x.rejection_id'), 'received_at', jsonb_build_array('x.received_at'),
      'tenant_id', jsonb_build_array('x.tenant_id'), 'http_status', jsonb_build_array('x.http_status'),
      'reason_code', jsonb_build_array('x.reason_code'), 'source', jsonb_build_array('x.source')),
    'default_sort', jsonb_build_array('id', true),
    'counters', jsonb_build_object('', jsonb_build_array('{rejections}')))
$$;
comment on function ledger_private.console_spec_rejections() is 'What the console reads of the rejections: record, id, filters, sorts (see db/functions/300-console-reads.sql).';

create or replace function ledger.list_console_rejections(
  filter jsonb default '{}', sort text default null, descending boolean default null,
  range_start bigint default 0, range_end bigint default null)
returns table (total bigint, returned integer, records text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select * from ledger_private.console_list(ledger_private.console_spec_rejections(), filter, sort, descending, range_start, range_end)
$$;
comment on function ledger.list_console_rejections(jsonb, text, boolean, bigint, bigint) is
  E'@behavior -*\nThe console''s rejections (GET /admin/api/rejections) as PostgreSQL''s JSON text, body excerpts left out: filter by id, tenant_id, reason_code, http_status, source, idempotency_key, q (key contains); sort by id, received_at, tenant_id, http_status, reason_code, source; range [start, end] inclusive. Unfiltered or by tenant only, the total comes from the health counters.';

create or replace function ledger.get_console_rejection(id text)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select ledger_private.console_record(ledger_private.console_spec_rejections(), id)
$$;
comment on function ledger.get_console_rejection(text) is
  E'@behavior -*\nOne rejection for the console (GET /admin/api/rejections/:id, its rejection_id), body excerpt included, as PostgreSQL''s JSON text; null when unknown.';

revoke all on function ledger_private.console_spec_rejections(), ledger.list_console_rejections(jsonb, text, boolean, bigint, bigint), ledger.get_console_rejection(text) from public;
grant execute on function ledger_private.console_spec_rejections(), ledger.list_console_rejections(jsonb, text, boolean, bigint, bigint), ledger.get_console_rejection(text) to ledger_readonly;
