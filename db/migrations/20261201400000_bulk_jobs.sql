-- migrate:up
-- Bulk resolution is a job, and a job is rows: what was asked (ledger.jobs) and one row per
-- matched exception (ledger.job_items) that a step moves from pending to its outcome in the same
-- transaction as the resolution itself. Nothing of a job lives in an edge's memory, so a restart
-- loses nothing and a second worker finds the same state. REST (/v1/exceptions/bulk, /v1/jobs) is
-- their interface; GraphQL does not show them (@behavior -*).

create table ledger.jobs (
  job_id uuid primary key default gen_random_uuid(),
  action text not null check (action in ('mark_resolved_no_replay', 'override_and_replay', 'assign')),
  filter jsonb not null,
  resolution_notes text,
  override_patch jsonb,
  assigned_to text,
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed', 'cancelled')),
  matched integer not null check (matched >= 0),
  created_by text not null,
  created_by_claimed text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  cancelled_by text,
  request_key text,
  request_fingerprint bytea,
  check ((status = 'running') = (finished_at is null)),
  check ((request_key is null) = (request_fingerprint is null))
);
comment on table ledger.jobs is E'@behavior -*\nBulk resolutions (ledger.bulk_resolve with dry_run false): what was asked, by whom, and how it ended. Its items are in ledger.job_items.';
comment on column ledger.jobs.job_id is 'UUID of the job.';
comment on column ledger.jobs.action is 'mark_resolved_no_replay, override_and_replay or assign: what each matched exception gets.';
comment on column ledger.jobs.filter is 'The filter that matched the exceptions, as sent.';
comment on column ledger.jobs.resolution_notes is 'Notes recorded on each resolution (and assignment) of the job.';
comment on column ledger.jobs.override_patch is 'The RFC 7396 merge patch every replay applies (override_and_replay).';
comment on column ledger.jobs.assigned_to is 'The owner every exception gets (assign).';
comment on column ledger.jobs.status is 'running, then succeeded (no item failed), failed (some item failed: see its items) or cancelled.';
comment on column ledger.jobs.matched is 'How many exceptions the filter matched when the job was made: its items.';
comment on column ledger.jobs.created_by is 'The authenticated operator who asked for it: the actor of every resolution it makes.';
comment on column ledger.jobs.created_by_claimed is 'An actor a login other than the edge''s claimed, kept beside created_by.';
comment on column ledger.jobs.created_at is 'When it was asked for.';
comment on column ledger.jobs.finished_at is 'When it ended (succeeded, failed or cancelled).';
comment on column ledger.jobs.cancelled_by is 'Who cancelled it.';
comment on column ledger.jobs.request_key is 'The Idempotency-Key the request carried: the same key from the same operator answers the same job.';
comment on column ledger.jobs.request_fingerprint is 'SHA-256 of the request (filter, action, notes, patch, owner): a key reused for another request is refused.';
create unique index jobs_request_key_idx on ledger.jobs (created_by, request_key) where request_key is not null;
create index jobs_running_idx on ledger.jobs (created_at) where status = 'running';
create index jobs_created_idx on ledger.jobs (created_at);

create table ledger.job_items (
  job_id uuid not null references ledger.jobs,
  position integer not null check (position >= 1),
  tenant_id text not null,
  exception_id uuid not null,
  idempotency_key text not null,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed', 'skipped')),
  reason_code text,
  errors jsonb,
  done_at timestamptz,
  primary key (job_id, position),
  unique (job_id, exception_id),
  check ((status = 'pending') = (done_at is null)),
  check ((status in ('failed', 'skipped')) = (reason_code is not null))
);
comment on table ledger.job_items is E'@behavior -*\nOne row per exception a job matched, in the order its steps take them (tenant, key: the order every writer locks keys in).';
comment on column ledger.job_items.position is '1-based place in the job.';
comment on column ledger.job_items.exception_id is 'The exception.';
comment on column ledger.job_items.idempotency_key is 'Its key, to show without a join.';
comment on column ledger.job_items.status is 'pending, succeeded, failed (see reason_code) or skipped (resolved meanwhile).';
comment on column ledger.job_items.reason_code is 'Why it failed or was skipped: REPLAY_VALIDATION_FAILED, ALREADY_RESOLVED, RESOLUTION_FAILED.';
comment on column ledger.job_items.errors is '[{path, message}] of a failed replay, or the error of an unexpected failure.';
comment on column ledger.job_items.done_at is 'When its step committed it.';
create index job_items_pending_idx on ledger.job_items (job_id, position) where status = 'pending';
create index job_items_status_idx on ledger.job_items (job_id, status);
create index job_items_exception_idx on ledger.job_items (exception_id);

-- Each resolution a job makes is audited like a single one, and names its job.
alter table ledger.audit_log add column job_id uuid;
comment on column ledger.audit_log.job_id is 'The job (ledger.jobs) that made this decision, for bulk resolutions and assignments.';
create index audit_log_job_idx on ledger.audit_log (job_id) where job_id is not null;

-- Why a resolution failed is vocabulary too, in the same catalogue as every other reason.
alter table ledger.reason_codes drop constraint reason_codes_kind_check;
alter table ledger.reason_codes add constraint reason_codes_kind_check check (kind in ('rejection', 'quarantine', 'ignore', 'resolution'));
alter table ledger.reason_codes drop constraint reason_codes_http_status_check;
alter table ledger.reason_codes add constraint reason_codes_http_status_check check (http_status between 200 and 599);
comment on column ledger.reason_codes.kind is 'rejection, quarantine, ignore, or resolution (why resolving an exception failed).';
comment on column ledger.reason_codes.http_status is 'The HTTP status an arrival with this reason is answered (for a resolution: what a single resolve answers).';
insert into ledger.reason_codes (reason_code, kind, http_status, description) values
  ('ALREADY_RESOLVED', 'resolution', 409, 'The exception is resolved already (by someone else meanwhile, or before the job): nothing is done to it.'),
  ('REPLAY_VALIDATION_FAILED', 'resolution', 409, 'The arrival with the merge patch applied would not be accepted as a new arrival; nothing is changed.'),
  ('RESOLUTION_FAILED', 'resolution', 500, 'Resolving failed unexpectedly; nothing is changed, and the error is kept with the job''s item.');
alter table ledger.job_items add constraint job_items_reason_code_fkey foreign key (reason_code) references ledger.reason_codes;

-- What the validation a resolution runs says of one exception (db/functions/090-resolve.sql).
create type ledger_private.resolution_verdict as (
  sqlstate text,
  reason_code text,
  message text,
  errors jsonb,
  canonical_raw_id bigint,
  payload jsonb
);
comment on type ledger_private.resolution_verdict is 'Whether an exception can be resolved so: null sqlstate, with the canonical arrival and the replayed payload; or the SQLSTATE, reason code, message and [{path, message}] of the refusal.';

-- The age of the oldest open exception of each reason, read from the first entry of an index.
create index exceptions_open_age_idx on ledger.exceptions (reason_code, opened_at) where status = 'open';

grant select on ledger.jobs, ledger.job_items to ledger_readonly;
alter table ledger.jobs enable row level security;
alter table ledger.job_items enable row level security;
create policy read_all on ledger.jobs for select to ledger_readonly using (true);
create policy read_all on ledger.job_items for select to ledger_readonly using (true);

-- migrate:down
drop index if exists ledger.exceptions_open_age_idx;
drop type ledger_private.resolution_verdict;
drop table ledger.job_items;
delete from ledger.reason_codes where kind = 'resolution';
alter table ledger.reason_codes drop constraint reason_codes_kind_check;
alter table ledger.reason_codes add constraint reason_codes_kind_check check (kind in ('rejection', 'quarantine', 'ignore'));
alter table ledger.reason_codes drop constraint reason_codes_http_status_check;
alter table ledger.reason_codes add constraint reason_codes_http_status_check check (http_status between 200 and 499);
drop index ledger.audit_log_job_idx;
alter table ledger.audit_log drop column job_id;
drop table ledger.jobs;
