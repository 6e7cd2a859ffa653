-- The console's ledger reads and close-a-day (db/functions/350-360): daily sales as Gold sums them,
-- exact, with rates and filters; transactions by their escaped console ids; closing a day,
-- refused field by field and once closed, and for operators only.
begin;
select plan(28);

select tests.make_tenant('t_cl');
select tests.as_producer('t_cl');
select tests.arrive('sale-1', tests.envelope('t_cl', 'cl-sale-1', '{"txn_id": "a/b%c", "total_amount": 40.10, "line_items": [{"sku": "SKU-AAA", "qty": 4, "amount": 40.10}]}'));
select tests.arrive('sale-2', tests.envelope('t_cl', 'cl-sale-2', '{"txn_id": "T2", "total_amount": 10.00, "line_items": [{"sku": "SKU-BBB", "qty": 1, "amount": 10.00}]}'));
select tests.arrive('sale-other-store', tests.envelope('t_cl', 'cl-sale-3', '{"store_id": "store_002", "txn_id": "T3", "occurred_at": "2026-02-26T12:00:00Z", "total_amount": 7.5}'));
select tests.arrive('return-1', tests.envelope('t_cl', 'cl-return-1', '{"event_type": "RETURN", "txn_id": "R1", "original_txn_id": "a/b%c", "total_amount": 10.03, "line_items": [{"sku": "SKU-AAA", "qty": 1, "amount": 10.03}]}'));

select tests.as_operator();
create temp table page as select * from ledger.list_console_daily_sales('{"tenant_id": "t_cl"}');
select is((select total from page), 2::bigint, 'one record per store and day');
select is((select records::jsonb #>> '{0,net_amount}' from page), '40.07', 'the net as PostgreSQL writes it: 40.10 + 10.00 - 10.03');
select ok((select records from page) like '%"sales_amount": 50.10%', 'amounts keep their trailing zeros in the text answered');
select is((select records::jsonb #>> '{0,return_rate}' from page), '20.02', 'return rate: returns / sales value, in percent');
select is((select records::jsonb #>> '{0,correction_rate}' from page), '0.00', 'correction rate: corrections / sales, in percent');
select is((select records::jsonb #>> '{0,closed}' from page), 'false', 'the day is open');
select is((select records::jsonb #>> '{0,id}' from ledger.list_console_daily_sales('{"tenant_id": "t_cl", "store_id": "store_002"}')),
  't_cl/2026-02-26/USD/store_002', 'the store filter');
select is((select total from ledger.list_console_daily_sales('{"tenant_id": "t_cl", "from_date": "2026-02-26", "to_date": "2026-02-26"}')), 1::bigint,
  'the date range, inclusive');
select is((select records::jsonb #>> '{0,store_id}' from ledger.list_console_daily_sales('{"tenant_id": "t_cl"}', 'business_date', true)),
  'store_002', 'sorted by day, newest first');
select throws_ok($$select * from ledger.list_console_daily_sales('{"from_date": "2026-02-30"}')$$, '22023', null, 'a day that does not exist is refused');
select throws_ok($$select * from ledger.list_console_daily_sales('{"from_date": "today"}')$$, '22023', null, 'only YYYY-MM-DD is a date');
select throws_ok($$select * from ledger.list_console_daily_sales('{"constructor": 1}')$$, '22023', null, 'an unknown filter is refused');
select throws_ok($$select * from ledger.list_console_daily_sales('{}', 'net_amount; drop table x')$$, '22023', null, 'an unknown sort is refused');

select is((select records::jsonb #>> '{0,id}' from ledger.list_console_transactions('{"tenant_id": "t_cl", "txn_id": "a/b%c"}')),
  't_cl/store_001/a%2Fb%25c', 'a transaction''s id escapes / and % of its txn_id');
select is((select total from ledger.list_console_transactions('{"tenant_id": "t_cl", "store_id": "store_001", "business_date": "2026-02-25"}')),
  3::bigint, 'the postings of a store''s day');
select throws_ok($$select * from ledger.list_console_transactions('{"business_date": "25/02/2026"}')$$, '22023', null, 'the day filter takes dates only');
create temp table txn as select ledger.get_console_transaction('t_cl/store_001/a%2Fb%25c')::jsonb as t;
select is((select t ->> 'txn_id' from txn), 'a/b%c', 'the id finds its transaction');
select is((select t #>> '{lines,0,returned}' from txn), '1', 'with the quantity returned of each line');
select is((select jsonb_array_length(t -> 'timeline') from txn), 2, 'and its timeline: the sale and its return');
select is(ledger.get_console_transaction('t_cl/store_001/nope'), null, 'an unknown transaction is null (404)');
select throws_ok($$select ledger.get_console_transaction('t_cl/store_001')$$, '22023', null, 'an id of two parts is refused');

select is(tests.error_paths($$select ledger.close_console_business_day('{"tenant_id": "t_cl", "business_date": "2026-02-31", "notes": " "}')$$),
  array['business_date', 'notes'], 'closing: each field that does not fit is named');
select is(ledger.close_console_business_day('{"tenant_id": "t_cl", "store_id": "store_001", "business_date": "2026-02-25", "notes": "end of day"}')::jsonb
  - 'closed_at', '{"id": "t_cl/2026-02-25/store_001", "tenant_id": "t_cl", "store_id": "store_001", "business_date": "2026-02-25", "closed_by": "operator:test", "notes": "end of day"}',
  'an operator closes a store''s day');
select throws_ok($$select ledger.close_console_business_day('{"tenant_id": "t_cl", "store_id": "store_001", "business_date": "2026-02-25", "notes": "again"}')$$,
  '55000', null, 'a closed day cannot close again');
select is((select records::jsonb #>> '{0,closed}' from ledger.list_console_daily_sales('{"tenant_id": "t_cl", "store_id": "store_001"}')), 'true',
  'the Sales page then shows the day closed');
select tests.as_owner();
select is((select actor || ' ' || object_id || ' ' || notes from ledger.audit_log where action = 'business_day.closed' and tenant_id = 't_cl'),
  'operator:test t_cl/store_001/2026-02-25 end of day', 'audited, with who and why');
select tests.as_readonly();
select throws_ok($$select ledger.close_console_business_day('{"tenant_id": "t_cl", "business_date": "2026-02-27", "notes": "x"}')$$,
  '42501', null, 'a read-only caller cannot close a day');
select lives_ok($$select * from ledger.list_console_daily_sales('{}')$$, 'but reads the sales');

select * from finish();
rollback;
