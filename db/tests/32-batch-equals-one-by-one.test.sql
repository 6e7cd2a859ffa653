-- CONTRACT v1.1: ledger.ingest_events answers, item by item, what ledger.ingest_event gives for
-- the same envelopes one by one in the same order. Each mix runs both ways, on two tenants, and
-- the answers are compared (the properties of edge/test/property/batch-vs-single-*.test.ts do
-- this for random plans and compare the state after too).
begin;
select plan(7);

create function pg_temp.both_ways(p_name text, p_envelopes jsonb) returns text
language plpgsql as $$
declare
  v_single text[];
  v_batch text[];
begin
  perform tests.make_tenant(p_name || '_one'), tests.make_tenant(p_name || '_batch');
  perform tests.as_producer(p_name || '_one');
  v_single := tests.outcomes_one_by_one(p_name || '_one', p_envelopes);
  perform tests.as_producer(p_name || '_batch');
  v_batch := tests.outcomes_batch(p_name || '_batch', p_envelopes);
  perform tests.as_owner();
  return case when v_single = v_batch then 'same' else format('one by one %s, batch %s', v_single, v_batch) end;
end $$;

select is(pg_temp.both_ways('t_bw_unknown_first', jsonb_build_array(
  tests.envelope('x', 'k', '{"event_type": "BOGUS"}'), tests.envelope('x', 'k'))), 'same',
  'an unknown type, then an allowed one on the same key');
select is(pg_temp.both_ways('t_bw_conflict_first', jsonb_build_array(
  tests.envelope('x', 'k', '{"total_amount": 1}'), tests.envelope('x', 'k'), tests.envelope('x', 'k', '{"total_amount": 1}'))), 'same',
  'a payload, another, the first again');
select is(pg_temp.both_ways('t_bw_retries', jsonb_build_array(
  tests.envelope('x', 'a'), tests.envelope('x', 'b'), tests.envelope('x', 'a'), tests.envelope('x', 'b', '{"note": "other"}'),
  tests.envelope('x', 'a'))), 'same', 'retries and a conflict over two keys');
select is(pg_temp.both_ways('t_bw_invalid_between', jsonb_build_array(
  tests.envelope('x', 'k', '{"txn_id": null}'), tests.envelope('x', 'k'), tests.envelope('x', 'k', '{"occurred_at": "yesterday"}'),
  tests.envelope('x', 'k'))), 'same', 'invalid envelopes of a key between its arrivals');
select is(pg_temp.both_ways('t_bw_lower_case', jsonb_build_array(
  tests.envelope('x', 'k', '{"event_type": "sale"}'), tests.envelope('x', 'k'), tests.envelope('x', 'k', '{"event_type": "sale"}'))), 'same',
  'a lower-case type, the upper-case payload, the lower-case again');
select is(pg_temp.both_ways('t_bw_unknown_twice', jsonb_build_array(
  tests.envelope('x', 'k', '{"event_type": "MAGIC"}'), tests.envelope('x', 'k', '{"event_type": "MAGIC"}'), tests.envelope('x', 'j'),
  tests.envelope('x', 'k'))), 'same', 'an unknown type twice, another key, then an allowed one');
select is(pg_temp.both_ways('t_bw_new_keys', jsonb_build_array(
  tests.envelope('x', 'z'), tests.envelope('x', 'y'), tests.envelope('x', 'x'))), 'same', 'new keys only (the set-based case)');

select * from finish();
rollback;
