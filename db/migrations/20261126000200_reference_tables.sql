-- migrate:up
create table ledger.tenants (
  tenant_id text primary key check (tenant_id ~ '^[A-Za-z0-9._-]{1,64}$'),
  name text,
  created_at timestamptz not null default now()
);
comment on table ledger.tenants is 'Tenants that may send events; a tenant''s producer keys are bound to it. A reference table on Citus.';
comment on column ledger.tenants.tenant_id is '1-64 of [A-Za-z0-9._-]; leads every key of the tenant''s rows.';
comment on column ledger.tenants.name is 'A readable name.';
comment on column ledger.tenants.created_at is 'When the tenant was created.';

create table ledger.event_types (
  event_type text primary key check (event_type = upper(event_type) and event_type <> ''),
  description text,
  enabled boolean not null default true
);
comment on table ledger.event_types is 'The allowlist: an arrival whose upper-cased event_type is not here (or disabled) is quarantined as UNKNOWN_EVENT_TYPE.';
comment on column ledger.event_types.event_type is 'Upper-case event type.';
comment on column ledger.event_types.description is 'What the type means.';
comment on column ledger.event_types.enabled is 'Disabled types are treated as unknown.';

insert into ledger.event_types (event_type, description) values
  ('SALE', 'A sale at the till'),
  ('RETURN', 'Goods returned'),
  ('CORRECTION', 'A correction of an earlier event'),
  ('CANCEL', 'A cancelled transaction'),
  ('VOID', 'A voided transaction');

create table ledger_private.api_keys (
  key_id uuid primary key default gen_random_uuid(),
  key_hash bytea not null unique,
  role text not null check (role in ('producer', 'operator')),
  tenant_id text references ledger.tenants,
  name text not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  check ((role = 'producer') = (tenant_id is not null))
);
comment on table ledger_private.api_keys is 'Bearer keys of the edge: only the SHA-256 of the secret is kept. Producers are bound to one tenant.';
comment on column ledger_private.api_keys.key_hash is 'SHA-256 of the secret; the secret itself is shown once and never stored.';
comment on column ledger_private.api_keys.role is 'producer (ingest for its tenant) or operator (read, resolve, assign).';
comment on column ledger_private.api_keys.revoked_at is 'Set when revoked; a revoked key answers 401.';

grant select on ledger.tenants, ledger.event_types to ledger_readonly, ledger_ingest;

-- migrate:down
drop table ledger_private.api_keys;
drop table ledger.event_types;
drop table ledger.tenants;
