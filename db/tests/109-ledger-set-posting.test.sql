-- Set-based posting (ledger_private.post_plain_sales): which sales of a batch it posts, and that
-- what it posts is what the one-by-one path posts. Each case goes in a batch with a plain sale
-- beside it (so that the batch is set-based), into one tenant, and one by one into another; the
-- case's own kind of trouble (a field the rules refuse, a total its lines do not make, a txn_id or
-- source event already posted, a closed day, a return waiting for it) must send it one by one, and
-- a sale with none must be posted set-based. Both tenants must answer and hold the same.
begin;
select plan(7);

select tests.make_tenant('t_set');
select tests.make_tenant('t_one');
select tests.as_operator();
select ledger.close_business_day('t_set', '2026-02-20', 'closed for the test', 'store_001');
select ledger.close_business_day('t_one', '2026-02-20', 'closed for the test', 'store_001');
select tests.as_owner();

create temp table cases (n integer primary key, label text not null, patch jsonb not null, plain boolean not null) on commit drop;
insert into cases values
  (1, 'a plain sale', '{}', true),
  (2, 'tax and discount that make the total', '{"total_amount": 41.50, "tax_amount": 1, "discount_amount": 2.00, "line_items": [{"sku": "A", "qty": 1, "amount": 42.50}]}', true),
  (3, 'tax and discount null', '{"tax_amount": null, "discount_amount": null}', true),
  (4, 'no lines (nothing to add up)', '{"line_items": null, "total_amount": 9.99}', true),
  (5, 'no lines, a total of zero', '{"line_items": [], "total_amount": 0}', true),
  (6, 'JPY without decimals', '{"currency": "JPY", "total_amount": 43, "line_items": [{"sku": "A", "qty": 1, "amount": 43}]}', true),
  (7, 'a huge amount written with an exponent', '{"total_amount": 1.29e+76, "line_items": [{"sku": "A", "qty": 1, "amount": 1.29e+76}]}', true),
  (8, 'half a unit', '{"line_items": [{"sku": "A", "qty": 0.5, "amount": 42.50}]}', true),
  (9, 'three decimals of USD', '{"total_amount": 42.505, "line_items": [{"sku": "A", "qty": 1, "amount": 42.505}]}', false),
  (10, 'a total written as a string', '{"total_amount": "42.50"}', false),
  (11, 'a negative total', '{"total_amount": -1, "line_items": [{"sku": "A", "qty": 1, "amount": -1}]}', false),
  (12, 'a tax written as a string', '{"tax_amount": "1"}', false),
  (13, 'a negative discount', '{"discount_amount": -0.01}', false),
  (14, 'an unknown currency', '{"currency": "ZZZ"}', false),
  (15, 'a currency without minor units', '{"currency": "XAU"}', false),
  (16, 'decimals JPY has not', '{"currency": "JPY"}', false),
  (17, 'lines that are not an array', '{"line_items": "none"}', false),
  (18, 'a line that is not an object', '{"line_items": [1]}', false),
  (19, 'a line that is an array', '{"line_items": [[1, 2]]}', false),
  (20, 'an empty sku', '{"line_items": [{"sku": "", "qty": 1, "amount": 42.50}]}', false),
  (21, 'a sku that is a number', '{"line_items": [{"sku": 7, "qty": 1, "amount": 42.50}]}', false),
  (22, 'a qty of zero', '{"line_items": [{"sku": "A", "qty": 0, "amount": 42.50}]}', false),
  (23, 'a qty written as a string', '{"line_items": [{"sku": "A", "qty": "1", "amount": 42.50}]}', false),
  (24, 'a line without an amount', '{"line_items": [{"sku": "A", "qty": 1}]}', false),
  (25, 'a line amount with three decimals', '{"line_items": [{"sku": "A", "qty": 1, "amount": 42.495}, {"sku": "B", "qty": 1, "amount": 0.005}]}', false),
  (26, 'a sku of 201 characters', jsonb_build_object('line_items', jsonb_build_array(jsonb_build_object('sku', repeat('s', 201), 'qty', 1, 'amount', 42.50))), false),
  (27, 'a txn_id of 201 characters', jsonb_build_object('txn_id', repeat('t', 201)), false),
  (28, 'a store_id of 201 characters', jsonb_build_object('store_id', repeat('s', 201)), false),
  (29, 'lines that do not make the total', '{"total_amount": 50, "line_items": [{"sku": "A", "qty": 1, "amount": 40}]}', false),
  (30, 'the txn_id case 1 posted', '{"txn_id": "c1"}', false),
  (31, 'the source event case 1 posted', '{"source_event_id": "src-c1"}', false),
  (32, 'a closed business day', '{"occurred_at": "2026-02-20T12:00:00Z"}', false),
  (33, 'a sale a held return waits for', '{}', false);
create function pg_temp.case_envelope(p_n integer) returns jsonb language sql as $$
  select tests.envelope('x', 'c' || p_n, jsonb_build_object('txn_id', 'c' || p_n, 'source_event_id', 'src-c' || p_n) || c.patch)
  from cases c where c.n = p_n
$$;
-- The plain sale beside each case: a txn and source event of its own.
create function pg_temp.filler(p_n integer) returns jsonb language sql as $$
  select tests.envelope('x', 'f' || p_n, jsonb_build_object('txn_id', 'f' || p_n, 'source_event_id', 'src-f' || p_n))
$$;
create function pg_temp.set_postings() returns integer language sql as $$
  select coalesce(nullif(current_setting('ledger.set_postings', true), ''), '0')::integer
$$;
create temp table answered (path text, n integer, lines text[], set_posted integer) on commit drop;
create function pg_temp.run_cases(p_tenant text, p_batch boolean) returns void language plpgsql as $$
declare
  v_case record;
  v_before integer;
begin
  -- Case 33's return, held for MISSING_REFERENCE until its sale posts.
  perform tests.outcomes_one_by_one(p_tenant, jsonb_build_array(tests.envelope('x', 'w-ret', '{"event_type": "RETURN", "txn_id": "w-ret",
    "source_event_id": "src-w-ret", "original_txn_id": "c33", "total_amount": 30.0, "line_items": [{"sku": "SKU-AAA", "qty": 1, "amount": 30.0}]}')));
  for v_case in select c.n from cases c order by c.n loop
    v_before := pg_temp.set_postings();
    insert into answered
    select case when p_batch then 'batch' else 'one' end, v_case.n,
           case when p_batch then tests.outcomes_batch(p_tenant, jsonb_build_array(pg_temp.case_envelope(v_case.n), pg_temp.filler(v_case.n)))
                else tests.outcomes_one_by_one(p_tenant, jsonb_build_array(pg_temp.case_envelope(v_case.n), pg_temp.filler(v_case.n))) end,
           pg_temp.set_postings() - v_before;
  end loop;
end
$$;
grant execute on all functions in schema pg_temp to ledger_ingest;
grant select on cases to ledger_ingest;
grant insert, select on answered to ledger_ingest;

select tests.as_producer('t_set');
select pg_temp.run_cases('t_set', true);
select tests.as_producer('t_one');
select pg_temp.run_cases('t_one', false);
select tests.as_owner();

select is((select array_agg(a.set_posted - 1 order by a.n) from answered a where a.path = 'batch'),
          (select array_agg(c.plain::integer order by c.n) from cases c),
  'the plain sales, and only they, were posted set-based (each batch''s other sale always is)');
select is((select array_agg(c.label order by c.n) from cases c join answered a on a.n = c.n and a.path = 'batch'
           where (a.set_posted - 1 = 1) is distinct from c.plain), null,
  'no case went the other way (the labels of any that did)');
select is((select array_agg(a.lines order by a.n) from answered a where a.path = 'batch'),
          (select array_agg(a.lines order by a.n) from answered a where a.path = 'one'),
  'every batch answered what the same two arrivals one by one answer');
select is((select count(*)::int from answered a where a.path = 'one' and a.set_posted <> 0), 0, 'the one-by-one path posted nothing set-based');
select is(tests.silver_lines('t_set'), tests.silver_lines('t_one'), 'the same Silver: postings, versions, lines, references');
select is(tests.gold_lines('t_set'), tests.gold_lines('t_one'), 'the same Gold');
select results_eq($$select e.status, e.resolution_action, e.resolved_by from ledger.exceptions e
                    where e.tenant_id = 't_set' and e.idempotency_key = 'w-ret'$$,
  $$values ('resolved'::text, 'auto_replay'::text, 'system'::text)$$,
  'the held return healed when case 33 (one by one, not set-based) posted');

select * from finish();
rollback;
