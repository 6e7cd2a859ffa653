-- ingest_events: an answer per envelope, in order, each with its HTTP status; a bad item fails
-- alone and is recorded in ledger.rejections; the batch itself must be an array of at most 1000.
begin;
select plan(17);

select tests.make_tenant('t_batch');
select tests.make_tenant('t_batch_other');
select tests.as_producer('t_batch');
select tests.arrive_batch('mixed', jsonb_build_array(
  tests.envelope('t_batch', 'k1'),
  tests.envelope('t_batch', 'k1'),
  tests.envelope('t_batch', 'k2', '{"txn_id": null}'),
  tests.envelope('t_batch', 'k3', '{"event_type": "MAGIC"}'),
  tests.envelope('t_batch', 'k1', '{"total_amount": 41.0}'),
  tests.envelope('t_batch_other', 'k4'),
  5,
  tests.envelope('t_batch', 'k1')));
select tests.as_owner();

select is((select array_agg((answer).status order by position) from tests.arrivals where step like 'mixed:%'),
  array[201, 200, 422, 202, 202, 403, 422, 202], 'statuses in order: 201 200 422 202 202 403 422 202');
select is((select array_agg((answer).result order by position) from tests.arrivals where step like 'mixed:%'),
  array['processed', 'duplicate', 'rejected', 'quarantined', 'quarantined', 'rejected', 'rejected', 'quarantined'], 'results in order');
select is((select array_agg(coalesce((answer).reason_code, '-') order by position) from tests.arrivals where step like 'mixed:%'),
  array['-', '-', '-', 'UNKNOWN_EVENT_TYPE', 'IDEMPOTENCY_CONFLICT', '-', '-', 'ALREADY_QUARANTINED'], 'reason codes in order');
select is((select array_agg((answer).attempt order by position) from tests.arrivals where step like 'mixed:%' and (answer).idempotency_key = 'k1'),
  array[1, 2, 3, 4], 'attempts count the key''s arrivals across the batch');
select is((select array_agg(e ->> 'path') from jsonb_array_elements((tests.answer('mixed:3')).errors) e), array['txn_id'],
  'a bad item carries its errors');
select is((select array_agg(e ->> 'path') from jsonb_array_elements((tests.answer('mixed:6')).errors) e), array['tenant_id'],
  'an item for another tenant is refused on tenant_id');
select ok((select bool_and((answer).raw_id is null) from tests.arrivals where step in ('mixed:3', 'mixed:6', 'mixed:7')), 'a refused item has no Bronze row');
select results_eq(
  $$select http_status, reason_code, idempotency_key, source from ledger.rejections where tenant_id = 't_batch' order by rejection_id$$,
  $$values (422, 'INVALID_ENVELOPE', 'k2', 'batch'), (403, 'TENANT_MISMATCH', 'k4', 'batch'), (422, 'INVALID_ENVELOPE', null, 'batch')$$,
  'each refused item is recorded, under the producer''s tenant');
select is((select errors from ledger.rejections where tenant_id = 't_batch' and idempotency_key = 'k2'), (tests.answer('mixed:3')).errors,
  'with the errors it was answered');
select is((select count(*)::int from ledger.rejections where tenant_id = 't_batch_other'), 0, 'nothing is recorded for the other tenant');
select is((select count(*)::int from ledger.events_raw where tenant_id = 't_batch' and source = 'batch'), 5, 'the five accepted items are in Bronze, source batch');
select ok(tests.counts_match('t_batch'), 'health counts equal count(*)');

select tests.as_producer('t_batch');
select throws_ok(format($$select ledger.ingest_events(%L)$$, tests.envelope('t_batch', 'k9')), '22023', null, 'an object instead of an array');
select throws_ok($$select ledger.ingest_events(null)$$, '22023', null, 'no array');
select throws_ok($$select ledger.ingest_events((select jsonb_agg(tests.envelope('t_batch', 'big' || n)) from generate_series(1, 1001) n))$$, '22023', null,
  '1001 items');
select is((select count(*)::int from ledger.ingest_events((select jsonb_agg(tests.envelope('t_batch', 'big' || n)) from generate_series(1, 1000) n))
           where status = 201), 1000, '1000 items are accepted');
select is((select count(*)::int from ledger.ingest_events('[]')), 0, 'an empty batch answers nothing');
select tests.as_owner();

select * from finish();
rollback;
