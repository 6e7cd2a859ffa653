-- migrate:up
-- An exception names the business fields of the arrival that opened it, so that operators find
-- it by store, transaction, source system or type (CONTRACT v1.2), from an index.
alter table ledger.exceptions
  add column store_id text,
  add column txn_id text,
  add column source_system text,
  add column event_type text;
comment on column ledger.exceptions.store_id is 'store_id of the arrival that opened it (its first 200 characters: an index entry must fit a page).';
comment on column ledger.exceptions.txn_id is 'txn_id of the arrival that opened it (first 200 characters).';
comment on column ledger.exceptions.source_system is 'source_system of the arrival that opened it (first 200 characters).';
comment on column ledger.exceptions.event_type is 'Upper-cased event_type of the arrival that opened it (first 200 characters).';

update ledger.exceptions e
set store_id = left(r.payload ->> 'store_id', 200), txn_id = left(r.payload ->> 'txn_id', 200),
    source_system = left(r.payload ->> 'source_system', 200), event_type = left(r.event_type, 200)
from ledger.events_raw r
where r.tenant_id = e.tenant_id and r.raw_id = e.raw_id;

create index exceptions_store_idx on ledger.exceptions (store_id, opened_at);
create index exceptions_txn_idx on ledger.exceptions (txn_id);
create index exceptions_source_system_idx on ledger.exceptions (source_system, opened_at);
create index exceptions_event_type_idx on ledger.exceptions (event_type, opened_at);

-- The functions that open exceptions take the opening envelope.
drop function if exists ledger_private.open_exception(uuid, text, text, text, bigint, jsonb, jsonb, timestamptz);
drop function if exists ledger_private.quarantine_after_failure(text, text, text, bigint, jsonb, timestamptz);

-- migrate:down
drop index ledger.exceptions_event_type_idx;
drop index ledger.exceptions_source_system_idx;
drop index ledger.exceptions_txn_idx;
drop index ledger.exceptions_store_idx;
alter table ledger.exceptions drop column event_type, drop column source_system, drop column txn_id, drop column store_id;
