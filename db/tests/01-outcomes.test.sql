begin;
select plan(12);

select tests.make_tenant('t_outcomes');
select tests.as_producer('t_outcomes');

create temp table answers on commit drop as
select 1 as step, * from ledger.ingest_event(tests.envelope('t_outcomes', 'k1'), 'test');
grant all on answers to public;
insert into answers select 2, * from ledger.ingest_event(tests.envelope('t_outcomes', 'k1'), 'test');
insert into answers select 3, * from ledger.ingest_event(tests.envelope('t_outcomes', 'k1', '{"total_amount": 41.0}'), 'test');
insert into answers select 4, * from ledger.ingest_event(tests.envelope('t_outcomes', 'k1'), 'test');
insert into answers select 5, * from ledger.ingest_event(tests.envelope('t_outcomes', 'k2', '{"event_type": "MAGIC"}'), 'test');
insert into answers select 6, * from ledger.ingest_event(tests.envelope('t_outcomes', 'k3', '{"event_type": "sale"}'), 'test');

select is((select (result, reason_code, key_status, attempt, status) from answers where step = 1)::text,
  '(processed,,processed,1,201)', 'none + allowed type: processed, 201');
select is((select (result, reason_code, key_status, attempt, status) from answers where step = 2)::text,
  '(duplicate,,processed,2,200)', 'processed + same fingerprint: duplicate, 200');
select is((select (result, reason_code, key_status, attempt, status) from answers where step = 3)::text,
  '(quarantined,IDEMPOTENCY_CONFLICT,quarantined,3,202)', 'processed + other fingerprint: IDEMPOTENCY_CONFLICT, 202');
select is((select (result, reason_code, key_status, attempt, status) from answers where step = 4)::text,
  '(quarantined,ALREADY_QUARANTINED,quarantined,4,202)', 'quarantined + any: ALREADY_QUARANTINED, 202');
select is((select exception_id from answers where step = 4), (select exception_id from answers where step = 3),
  'a held arrival joins the open exception');
select is((select (result, reason_code, key_status, attempt, status) from answers where step = 5)::text,
  '(quarantined,UNKNOWN_EVENT_TYPE,quarantined,1,202)', 'none + unknown type: UNKNOWN_EVENT_TYPE, 202');
select is((select result from answers where step = 6), 'processed', 'event_type is compared upper-cased');

select tests.as_owner();
select is((select count(*)::int from ledger.events_raw where tenant_id = 't_outcomes'), 6, 'every arrival has its Bronze row');
select is((select array_agg(attempt order by raw_id) from ledger.events_raw where tenant_id = 't_outcomes' and idempotency_key = 'k1'),
  array[1, 2, 3, 4], 'attempt counts arrivals per key');
select is((select arrivals from ledger.exceptions where exception_id = (select exception_id from answers where step = 3)), 2,
  'the exception holds the opening and the joining arrival');
select is((select count(*)::int from ledger.exceptions where tenant_id = 't_outcomes' and status = 'open'), 2, 'one open exception per held key');
select ok(tests.counts_match('t_outcomes'), 'health counts equal count(*)');

select * from finish();
rollback;
