-- A store's row is made by its first posting only: inserting it checks the zone against
-- pg_timezone_names (~40 ms), which every posting paid while the insert ran each time and met the
-- conflict only after the check (found by npm run bench:ledger).
begin;
select plan(3);

select tests.make_tenant('t_store_row');
set local track_functions = 'all';
select tests.as_producer('t_store_row');
select tests.arrive('first', tests.envelope('t_store_row', 'sr-1', '{"txn_id": "sr-1", "source_event_id": "src-sr-1"}'));
select tests.arrive('second', tests.envelope('t_store_row', 'sr-2', '{"txn_id": "sr-2", "source_event_id": "src-sr-2"}'));
select tests.arrive('third', tests.envelope('t_store_row', 'sr-3', '{"txn_id": "sr-3", "source_event_id": "src-sr-3"}'));
select tests.as_owner();

select is((select array_agg((tests.answer(s)).result order by s) from unnest(array['first', 'second', 'third']) s),
  array['processed', 'processed', 'processed'], 'three sales of one store are posted');
select results_eq($$select time_zone, first_posting_at is not null from ledger.stores where tenant_id = 't_store_row'$$,
  $$values ('UTC'::text, true)$$, 'one store row, made by the first posting with its tenant''s zone');
select is((select calls::int from pg_stat_xact_user_functions where schemaname = 'ledger_private' and funcname = 'is_time_zone'), 1,
  'the zone was checked once, when the store row was made, not on each posting');

select * from finish();
rollback;
