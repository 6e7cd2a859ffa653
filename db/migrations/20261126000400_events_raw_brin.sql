-- migrate:up
-- Bronze is appended in time order: a BRIN index serves "arrivals in the last hour" at a fraction
-- of a btree's cost on every ingest.
drop index ledger.events_raw_received_idx;
create index events_raw_received_brin on ledger.events_raw using brin (received_at) with (pages_per_range = 32);

-- migrate:down
drop index ledger.events_raw_received_brin;
create index events_raw_received_idx on ledger.events_raw (received_at);
