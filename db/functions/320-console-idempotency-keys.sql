-- The console's idempotency keys: one state per (tenant, key), named in the console by the id
-- <tenant_id>/<idempotency_key> (tenant ids cannot hold a slash, event ids can).

create or replace function ledger_private.console_spec_idempotency_keys()
returns jsonb
language sql
immutable
as $$
  select jsonb_build_object(
    'from', 'ledger.events_processed k',
    'record', $record$jsonb_build_object('id', k.tenant_id || '/' || k.idempotency_key)
      || (to_jsonb(k) - 'canonical_fingerprint' - 'canonical_payload')
      || jsonb_build_object('canonical_fingerprint', encode(k.canonical_fingerprint, 'hex'))$record$,
    'whole', $whole$jsonb_build_object('canonical_payload', k.canonical_payload)$whole$,
    'filters', jsonb_build_object(
      'id', jsonb_build_object('columns', jsonb_build_array('k.tenant_id', 'k.idempotency_key'), 'type', 'key_id'),
      'tenant_id', jsonb_build_object('column', 'k.tenant_id', 'type', 'text'),
      'idempotency_key', jsonb_build_object('column', 'k.idempotency_key', 'type', 'text'),
      'status', jsonb_build_object('column', 'k.status', 'type', 'text'),
      -- Business fields: the keys any of whose arrivals carries them, found through Bronze's search index.
      'event_type', jsonb_build_object('terms', '(k.tenant_id, k.idempotency_key) in (select r.tenant_id, r.idempotency_key from ledger.events_raw r where ledger_private.search_terms(r.payload) && %L::text[])', 'prefix', 'e:', 'upper', true, 'type', 'text'),
      'store_id', jsonb_build_object('terms', '(k.tenant_id, k.idempotency_key) in (select r.tenant_id, r.idempotency_key from ledger.events_raw r where ledger_private.search_terms(r.payload) && %L::text[])', 'prefix', 's:', 'type', 'text'),
      'txn_id', jsonb_build_object('terms', '(k.tenant_id, k.idempotency_key) in (select r.tenant_id, r.idempotency_key from ledger.events_raw r where ledger_private.search_terms(r.payload) && %L::text[])', 'prefix', 't:', 'type', 'text'),
      'source_system', jsonb_build_object('terms', '(k.tenant_id, k.idempotency_key) in (select r.tenant_id, r.idempotency_key from ledger.events_raw r where ledger_private.search_terms(r.payload) && %L::text[])', 'prefix', 'y:', 'type', 'text'),
      'open_exception_id', jsonb_build_object('column', 'k.open_exception_id', 'type', 'uuid'),
      'q', jsonb_build_object('search', jsonb_build_array('k.idempotency_key'))),
    'sorts', jsonb_build_object(
      'id', jsonb_build_array('k.tenant_id', 'k.idempotency_key'), 'tenant_id', jsonb_build_array('k.tenant_id'),
      'idempotency_key', jsonb_build_array('k.idempotency_key'), 'status', jsonb_build_array('k.status'),
      'event_type', jsonb_build_array('k.event_type'), 'arrivals', jsonb_build_array('k.arrivals'),
      'first_seen_at', jsonb_build_array('k.first_seen_at'), 'last_seen_at', jsonb_build_array('k.last_seen_at'),
      'updated_at', jsonb_build_array('k.updated_at')),
    'default_sort', jsonb_build_array('updated_at', true),
    'counters', jsonb_build_object(
      '', jsonb_build_array('{idempotency,processed}', '{idempotency,quarantined}', '{idempotency,ignored}'),
      'processed', jsonb_build_array('{idempotency,processed}'),
      'quarantined', jsonb_build_array('{idempotency,quarantined}'),
      'ignored', jsonb_build_array('{idempotency,ignored}')))
$$;
comment on function ledger_private.console_spec_idempotency_keys() is 'What the console reads of the idempotency keys: record, id, filters, sorts (see db/functions/300-console-reads.sql).';

create or replace function ledger.list_console_idempotency_keys(
  filter jsonb default '{}', sort text default null, descending boolean default null,
  range_start bigint default 0, range_end bigint default null)
returns table (total bigint, returned integer, records text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select * from ledger_private.console_list(ledger_private.console_spec_idempotency_keys(), filter, sort, descending, range_start, range_end)
$$;
comment on function ledger.list_console_idempotency_keys(jsonb, text, boolean, bigint, bigint) is
  E'@behavior -*\nThe console''s idempotency keys (GET /admin/api/idempotency-keys) as PostgreSQL''s JSON text, canonical payloads left out: filter by id (<tenant_id>/<idempotency_key>), tenant_id, idempotency_key, status, open_exception_id, q (key contains), and event_type, store_id, txn_id, source_system (keys any of whose arrivals carries them); sort by id, tenant_id, idempotency_key, status, event_type, arrivals, first_seen_at, last_seen_at, updated_at; range [start, end] inclusive. Filtered at most by tenant and status, the total comes from the health counters.';

create or replace function ledger.get_console_idempotency_key(id text)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select ledger_private.console_record(ledger_private.console_spec_idempotency_keys(), id)
$$;
comment on function ledger.get_console_idempotency_key(text) is
  E'@behavior -*\nOne idempotency key''s state for the console (GET /admin/api/idempotency-keys/:id, id <tenant_id>/<idempotency_key>), canonical payload included, as PostgreSQL''s JSON text; null when unknown.';

revoke all on function ledger_private.console_spec_idempotency_keys(), ledger.list_console_idempotency_keys(jsonb, text, boolean, bigint, bigint), ledger.get_console_idempotency_key(text) from public;
grant execute on function ledger_private.console_spec_idempotency_keys(), ledger.list_console_idempotency_keys(jsonb, text, boolean, bigint, bigint), ledger.get_console_idempotency_key(text) to ledger_readonly;
