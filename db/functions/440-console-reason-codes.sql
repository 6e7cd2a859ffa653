-- The console's reason codes: the catalogue (ledger.reason_codes) its filters and labels read,
-- rather than lists written out in the console's code.

create or replace function ledger_private.console_spec_reason_codes()
returns jsonb
language sql
immutable
as $$
  select jsonb_build_object(
    'from', 'ledger.reason_codes c',
    'record', $record$jsonb_build_object('id', c.reason_code) || to_jsonb(c)$record$,
    'filters', jsonb_build_object(
      'id', jsonb_build_object('column', 'c.reason_code', 'type', 'text'),
      'kind', jsonb_build_object('column', 'c.kind', 'type', 'text')),
    'sorts', jsonb_build_object('id', jsonb_build_array('c.reason_code'), 'kind', jsonb_build_array('c.kind')),
    'default_sort', jsonb_build_array('id', false))
$$;
comment on function ledger_private.console_spec_reason_codes() is 'What the console reads of the reason codes: record, id, filters, sorts (see db/functions/300-console-reads.sql).';

create or replace function ledger.list_console_reason_codes(
  filter jsonb default '{}', sort text default null, descending boolean default null,
  range_start bigint default 0, range_end bigint default null)
returns table (total bigint, returned integer, records text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select * from ledger_private.console_list(ledger_private.console_spec_reason_codes(), filter, sort, descending, range_start, range_end)
$$;
comment on function ledger.list_console_reason_codes(jsonb, text, boolean, bigint, bigint) is
  E'@behavior -*\nThe reason codes for the console (GET /admin/api/reason-codes) as PostgreSQL''s JSON text: filter by id, kind (rejection, quarantine, ignore, resolution); sort by id, kind.';

create or replace function ledger.get_console_reason_code(id text)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select ledger_private.console_record(ledger_private.console_spec_reason_codes(), id)
$$;
comment on function ledger.get_console_reason_code(text) is
  E'@behavior -*\nOne reason code for the console (GET /admin/api/reason-codes/:id) as PostgreSQL''s JSON text; null when unknown.';

revoke all on function ledger_private.console_spec_reason_codes(), ledger.list_console_reason_codes(jsonb, text, boolean, bigint, bigint),
  ledger.get_console_reason_code(text) from public;
grant execute on function ledger_private.console_spec_reason_codes(), ledger.list_console_reason_codes(jsonb, text, boolean, bigint, bigint),
  ledger.get_console_reason_code(text) to ledger_readonly;
