-- The console's jobs (bulk resolutions) and their items: progress, and which exceptions failed why.

create or replace function ledger_private.console_spec_jobs()
returns jsonb
language sql
immutable
as $$
  select jsonb_build_object(
    'from', 'ledger.jobs j',
    'record', $record$jsonb_build_object('id', j.job_id) || (to_jsonb(j) - 'request_fingerprint')
      || (select jsonb_build_object('done', count(*) filter (where i.status <> 'pending'),
                                    'succeeded', count(*) filter (where i.status = 'succeeded'),
                                    'failed', count(*) filter (where i.status = 'failed'),
                                    'skipped', count(*) filter (where i.status = 'skipped'))
          from ledger.job_items i where i.job_id = j.job_id and i.status <> 'pending')$record$,
    'filters', jsonb_build_object(
      'id', jsonb_build_object('column', 'j.job_id', 'type', 'uuid'),
      'status', jsonb_build_object('column', 'j.status', 'type', 'text'),
      'action', jsonb_build_object('column', 'j.action', 'type', 'text'),
      'created_by', jsonb_build_object('column', 'j.created_by', 'type', 'text')),
    'sorts', jsonb_build_object(
      'id', jsonb_build_array('j.job_id'), 'created_at', jsonb_build_array('j.created_at'),
      'finished_at', jsonb_build_array('j.finished_at'), 'status', jsonb_build_array('j.status'),
      'action', jsonb_build_array('j.action'), 'matched', jsonb_build_array('j.matched'),
      'created_by', jsonb_build_array('j.created_by')),
    'default_sort', jsonb_build_array('created_at', true))
$$;
comment on function ledger_private.console_spec_jobs() is 'What the console reads of the jobs: record (with its counts), id, filters, sorts (see db/functions/300-console-reads.sql).';

create or replace function ledger.list_console_jobs(
  filter jsonb default '{}', sort text default null, descending boolean default null,
  range_start bigint default 0, range_end bigint default null)
returns table (total bigint, returned integer, records text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select * from ledger_private.console_list(ledger_private.console_spec_jobs(), filter, sort, descending, range_start, range_end)
$$;
comment on function ledger.list_console_jobs(jsonb, text, boolean, bigint, bigint) is
  E'@behavior -*\nThe console''s jobs (GET /admin/api/jobs) as PostgreSQL''s JSON text, each with done, succeeded, failed, skipped: filter by id, status, action, created_by; sort by id, created_at, finished_at, status, action, matched, created_by; range [start, end] inclusive.';

create or replace function ledger.get_console_job(id text)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select ledger_private.console_record(ledger_private.console_spec_jobs(), id)
$$;
comment on function ledger.get_console_job(text) is
  E'@behavior -*\nOne job for the console (GET /admin/api/jobs/:id, a UUID) as PostgreSQL''s JSON text; null when unknown.';

create or replace function ledger_private.console_spec_job_items()
returns jsonb
language sql
immutable
as $$
  select jsonb_build_object(
    'from', 'ledger.job_items i',
    'record', $record$jsonb_build_object('id', i.job_id || '/' || i.position) || to_jsonb(i)$record$,
    'filters', jsonb_build_object(
      'id', jsonb_build_object('columns', jsonb_build_array('i.job_id::text', 'i.position::text'), 'type', 'key_id'),
      'job_id', jsonb_build_object('column', 'i.job_id', 'type', 'uuid'),
      'status', jsonb_build_object('column', 'i.status', 'type', 'text'),
      'reason_code', jsonb_build_object('column', 'i.reason_code', 'type', 'text'),
      'exception_id', jsonb_build_object('column', 'i.exception_id', 'type', 'uuid'),
      'tenant_id', jsonb_build_object('column', 'i.tenant_id', 'type', 'text')),
    'sorts', jsonb_build_object(
      'id', jsonb_build_array('i.job_id', 'i.position'), 'position', jsonb_build_array('i.position'),
      'status', jsonb_build_array('i.status'), 'done_at', jsonb_build_array('i.done_at'),
      'reason_code', jsonb_build_array('i.reason_code'), 'idempotency_key', jsonb_build_array('i.idempotency_key')),
    'default_sort', jsonb_build_array('position', false))
$$;
comment on function ledger_private.console_spec_job_items() is 'What the console reads of the jobs'' items: record, id (<job_id>/<position>), filters, sorts (see db/functions/300-console-reads.sql).';

create or replace function ledger.list_console_job_items(
  filter jsonb default '{}', sort text default null, descending boolean default null,
  range_start bigint default 0, range_end bigint default null)
returns table (total bigint, returned integer, records text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select * from ledger_private.console_list(ledger_private.console_spec_job_items(), filter, sort, descending, range_start, range_end)
$$;
comment on function ledger.list_console_job_items(jsonb, text, boolean, bigint, bigint) is
  E'@behavior -*\nThe items of the console''s jobs (GET /admin/api/job-items) as PostgreSQL''s JSON text: filter by id (<job_id>/<position>), job_id, status, reason_code, exception_id, tenant_id; sort by id, position, status, done_at, reason_code, idempotency_key; range [start, end] inclusive.';

create or replace function ledger.get_console_job_item(id text)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set timezone = 'UTC'
as $$
  select ledger_private.console_record(ledger_private.console_spec_job_items(), id)
$$;
comment on function ledger.get_console_job_item(text) is
  E'@behavior -*\nOne item of a job for the console (GET /admin/api/job-items/:id, <job_id>/<position>) as PostgreSQL''s JSON text; null when unknown.';

revoke all on function ledger_private.console_spec_jobs(), ledger.list_console_jobs(jsonb, text, boolean, bigint, bigint), ledger.get_console_job(text),
  ledger_private.console_spec_job_items(), ledger.list_console_job_items(jsonb, text, boolean, bigint, bigint), ledger.get_console_job_item(text) from public;
grant execute on function ledger_private.console_spec_jobs(), ledger.list_console_jobs(jsonb, text, boolean, bigint, bigint), ledger.get_console_job(text),
  ledger_private.console_spec_job_items(), ledger.list_console_job_items(jsonb, text, boolean, bigint, bigint), ledger.get_console_job_item(text) to ledger_readonly;
