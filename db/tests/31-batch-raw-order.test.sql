-- raw_id is the arrival number, increasing (the column's comment; Bronze is read in raw_id order):
-- a batch's arrivals are numbered in the batch's order, whichever path (set-based or one by one)
-- each item takes and whatever the order of their keys.
begin;
select plan(2);

select tests.make_tenant('t_raw_order');
select tests.as_producer('t_raw_order');
select tests.arrive_batch('order', jsonb_build_array(
  tests.envelope('t_raw_order', 'zz'),
  tests.envelope('t_raw_order', 'mm', '{"event_type": "MAGIC"}'),
  tests.envelope('t_raw_order', 'aa'),
  tests.envelope('t_raw_order', 'zz'),
  tests.envelope('t_raw_order', 'bb')));
select tests.as_owner();

select is((select array_agg((answer).idempotency_key order by (answer).raw_id) from tests.arrivals where step like 'order:%'),
  array['zz', 'mm', 'aa', 'zz', 'bb'], 'the answers'' raw ids follow the batch''s order');
select is((select array_agg(idempotency_key order by raw_id) from ledger.events_raw where tenant_id = 't_raw_order'),
  array['zz', 'mm', 'aa', 'zz', 'bb'], 'Bronze in raw_id order is the batch''s order');

select * from finish();
rollback;
