-- An exception names the store, transaction, source system and type of the arrival that opened it,
-- whichever path opened it: a single arrival, a batch, or a processing failure.
begin;
select plan(4);

select tests.make_tenant('t_fields');
select tests.as_producer('t_fields');
select tests.arrive('single:first', tests.envelope('t_fields', 'single', '{"store_id": "store_042", "txn_id": "txn-10123"}'));
select tests.arrive('single:conflict', tests.envelope('t_fields', 'single', '{"store_id": "store_043", "txn_id": "txn-10124", "total_amount": 1}'));
select tests.arrive('unknown', tests.envelope('t_fields', 'unknown', '{"event_type": "gift_card", "source_system": "till-9"}'));
select tests.arrive_batch('b', jsonb_build_array(
  tests.envelope('t_fields', 'b1', '{"store_id": "store_007", "event_type": "magic"}'),
  tests.envelope('t_fields', 'b2', '{"store_id": "store_008"}'),
  tests.envelope('t_fields', 'b2', '{"store_id": "store_009", "total_amount": 2}')));
select tests.as_owner();

select results_eq(
  $$select idempotency_key, reason_code, store_id, txn_id, source_system, event_type from ledger.exceptions
    where tenant_id = 't_fields' order by idempotency_key$$,
  $$values ('b1'::text, 'UNKNOWN_EVENT_TYPE'::text, 'store_007'::text, 'txn-b1'::text, 'pos_sim'::text, 'MAGIC'::text),
           ('b2', 'IDEMPOTENCY_CONFLICT', 'store_009', 'txn-b2', 'pos_sim', 'SALE'),
           ('single', 'IDEMPOTENCY_CONFLICT', 'store_043', 'txn-10124', 'pos_sim', 'SALE'),
           ('unknown', 'UNKNOWN_EVENT_TYPE', 'store_001', 'txn-unknown', 'till-9', 'GIFT_CARD')$$,
  'single and batch exceptions carry the opening arrival''s store, transaction, source and upper-cased type');

-- A processing failure holds the key with the fields of the failing arrival.
create function pg_temp.refuse_boom() returns trigger language plpgsql as $$
begin
  if new.idempotency_key = 'boom' and new.status = 'processed' then
    raise exception 'injected failure';
  end if;
  return new;
end $$;
create trigger refuse_boom after insert or update on ledger.events_processed for each row execute function pg_temp.refuse_boom();
select tests.as_producer('t_fields');
select tests.arrive('boom', tests.envelope('t_fields', 'boom', '{"store_id": "store_500", "txn_id": "txn-boom"}'));
select tests.as_owner();
select is((select reason_code || ' ' || store_id || ' ' || txn_id from ledger.exceptions where tenant_id = 't_fields' and idempotency_key = 'boom'),
  'PROCESSING_ERROR store_500 txn-boom', 'a PROCESSING_ERROR exception names them too');

select ok((select count(*) from pg_indexes where schemaname = 'ledger' and tablename = 'exceptions'
           and indexname in ('exceptions_store_idx', 'exceptions_txn_idx', 'exceptions_source_system_idx', 'exceptions_event_type_idx')) = 4,
  'each of them is indexed');
select is((select count(*)::int from ledger.exceptions where tenant_id = 't_fields' and store_id is null), 0, 'no exception lacks its store');

select * from finish();
rollback;
