-- CONTRACT v1.2 "Find by business fields": Bronze arrivals and keys by store_id, txn_id,
-- source_system and event_type through the console's list functions, from Bronze's search index.
begin;
select plan(7);

select tests.make_tenant('t_search');
select tests.as_producer('t_search');
select tests.arrive('a', tests.envelope('t_search', 'a', '{"store_id": "store_042", "txn_id": "txn-10123"}'));
select tests.arrive('a:retry', tests.envelope('t_search', 'a', '{"store_id": "store_042", "txn_id": "txn-10123"}'));
select tests.arrive('b', tests.envelope('t_search', 'b', '{"store_id": "store_042", "source_system": "till-9"}'));
select tests.arrive('c', tests.envelope('t_search', 'c', '{"store_id": "store_043", "event_type": "return"}'));
select tests.as_owner();

create function pg_temp.ids(p_records text) returns text language sql as $$
  select string_agg(r ->> 'idempotency_key', ',' order by (r ->> 'id')) from jsonb_array_elements(p_records::jsonb) r
$$;

select is((select pg_temp.ids(records) from ledger.list_console_events('{"tenant_id": "t_search", "store_id": "store_042"}', 'id', false)),
  'a,a,b', 'Bronze by store: every arrival of the store');
select is((select pg_temp.ids(records) from ledger.list_console_events('{"tenant_id": "t_search", "txn_id": "txn-10123"}', 'id', false)),
  'a,a', 'by transaction');
select is((select pg_temp.ids(records) from ledger.list_console_events('{"tenant_id": "t_search", "source_system": ["till-9", "nowhere"]}', 'id', false)),
  'b', 'by source system, any of several values');
select is((select pg_temp.ids(records) from ledger.list_console_events('{"tenant_id": "t_search", "event_type": "Return"}', 'id', false)),
  'c', 'by event type, compared upper-cased');
select is((select total from ledger.list_console_idempotency_keys('{"tenant_id": "t_search", "store_id": "store_042"}')), 2::bigint,
  'keys by store: the keys whose arrivals carry it');
select is((select total from ledger.list_console_events('{"tenant_id": "t_search", "store_id": "store_999"}')), 0::bigint, 'nothing for an unknown store');

create function pg_temp.plan(p_sql text) returns text language plpgsql as $$
declare
  v_plan json;
begin
  execute 'explain (format json) ' || p_sql into v_plan;
  return v_plan::text;
end $$;
-- A tiny table would be scanned; with scans priced out, the plan shows the index is usable.
set local enable_seqscan = off;
select ok(pg_temp.plan($$select r.raw_id from ledger.events_raw r where ledger_private.search_terms(r.payload) && array['s:store_042']
                        order by r.raw_id desc limit 100$$) like '%events_raw_search_idx%', 'the search is answered from the index');

select * from finish();
rollback;
