-- migrate:up
-- Database vocabulary, one definition each: the tenant-id rule is a domain, and every reason code
-- (why an arrival was refused, quarantined or ignored) is a row of one catalogue that the edge,
-- the console and the docs read instead of copying.

create domain ledger.tenant_id as text check (value ~ '^[A-Za-z0-9._-]{1,64}$');
comment on domain ledger.tenant_id is 'A tenant id: 1-64 of A-Z, a-z, 0-9, dot, underscore, hyphen.';
alter table ledger.tenants alter column tenant_id type ledger.tenant_id;
alter table ledger.tenants drop constraint if exists tenants_tenant_id_check;

create table ledger.reason_codes (
  reason_code text primary key check (reason_code ~ '^[A-Z][A-Z0-9_]*$'),
  kind text not null check (kind in ('rejection', 'quarantine', 'ignore')),
  http_status integer not null check (http_status between 200 and 499),
  description text not null
);
comment on table ledger.reason_codes is 'Every reason code: why an arrival was refused (rejection, 4xx, kept in ledger.rejections), quarantined (an exception holds its key, 202) or ignored (200).';
comment on column ledger.reason_codes.reason_code is 'The code, as answered and stored.';
comment on column ledger.reason_codes.kind is 'rejection, quarantine or ignore.';
comment on column ledger.reason_codes.http_status is 'The HTTP status an arrival with this reason is answered.';
comment on column ledger.reason_codes.description is 'What it means, for operators.';

insert into ledger.reason_codes (reason_code, kind, http_status, description) values
  ('INVALID_JSON', 'rejection', 400, 'The body is not JSON (or holds an unpaired surrogate escape).'),
  ('INVALID_ENCODING', 'rejection', 400, 'The body is not valid UTF-8.'),
  ('INVALID_ENVELOPE', 'rejection', 422, 'The envelope breaks a rule of the wire format, or holds what jsonb cannot store (\u0000, a number out of range, nesting deeper than 64).'),
  ('PAYLOAD_TOO_LARGE', 'rejection', 413, 'The event is larger than 256 KiB.'),
  ('UNSUPPORTED_MEDIA_TYPE', 'rejection', 415, 'The body is not sent as application/json.'),
  ('IDEMPOTENCY_KEY_MISMATCH', 'rejection', 422, 'The Idempotency-Key header differs from the envelope''s event_id.'),
  ('TENANT_MISMATCH', 'rejection', 403, 'A producer key sent an event of another tenant.'),
  ('UNKNOWN_EVENT_TYPE', 'quarantine', 202, 'The event type is not in the enabled allowlist (ledger.event_types).'),
  ('IDEMPOTENCY_CONFLICT', 'quarantine', 202, 'An arrival for a processed key carries another payload than the canonical one.'),
  ('ALREADY_QUARANTINED', 'quarantine', 202, 'An arrival for a key an open exception holds: it joins that exception.'),
  ('PROCESSING_ERROR', 'quarantine', 202, 'Processing failed unexpectedly; the arrival is kept in Bronze and its key held.'),
  ('IGNORED_BY_OPERATOR', 'ignore', 200, 'An operator resolved the key''s exception without replay: later arrivals are kept and ignored.');

alter table ledger.rejections add constraint rejections_reason_code_fkey foreign key (reason_code) references ledger.reason_codes;
alter table ledger.exceptions add constraint exceptions_reason_code_fkey foreign key (reason_code) references ledger.reason_codes;
grant select on ledger.reason_codes to ledger_readonly, ledger_ingest;

-- One arrival of a set-based call (ledger_private.ingest_set), judged and numbered.
create type ledger_private.batch_item as (
  item integer,
  envelope jsonb,
  tenant_id text,
  idempotency_key text,
  event_type text,
  fingerprint bytea,
  allowed boolean,
  raw_id bigint,
  received_at timestamptz,
  source text,
  api_key_id uuid,
  status integer,
  reason_code text,
  errors jsonb,
  body_excerpt text
);
comment on type ledger_private.batch_item is 'One arrival of a set-based ingest: its position, envelope and key, or (status set) why it is refused.';

-- Producers read their own tenant only: the row-level security policies call
-- ledger_private.bound_tenant(), which honours ledger.tenant_id only from the edge's login; they
-- are (re)made beside that function (db/functions/010-context.sql), since a migration runs before
-- the functions exist.
grant usage on schema ledger_private to ledger_ingest;

-- migrate:down
revoke usage on schema ledger_private from ledger_ingest;
drop type ledger_private.batch_item;
alter table ledger.exceptions drop constraint exceptions_reason_code_fkey;
alter table ledger.rejections drop constraint rejections_reason_code_fkey;
drop table ledger.reason_codes;
alter table ledger.tenants alter column tenant_id type text;
alter table ledger.tenants add constraint tenants_tenant_id_check check (tenant_id ~ '^[A-Za-z0-9._-]{1,64}$');
drop domain ledger.tenant_id;
