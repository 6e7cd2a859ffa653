-- The console's lists (ledger.list_console_*): a resource's own filters, sorts and range, the
-- total as count(*) would say, every record as PostgreSQL's JSON text (numbers keep their digits);
-- any name the resource does not define, whatever it is, is 22023 with its path; readers only.
begin;
select plan(27);

select tests.make_tenant('t_console_a');
select tests.make_tenant('t_console_b');
select tests.as_producer('t_console_a');
select tests.arrive('a1', tests.envelope('t_console_a', 'a1', '{"total_amount": 12345678901234567890123.45, "fee": 40.0, "line_items": [{"sku": "SKU-AAA", "qty": 1, "amount": 12345678901234567890123.45}]}'));
select tests.arrive('a1 again', tests.envelope('t_console_a', 'a1', '{"total_amount": 12345678901234567890123.45, "fee": 40.0, "line_items": [{"sku": "SKU-AAA", "qty": 1, "amount": 12345678901234567890123.45}]}'));
select tests.open_conflict('t_console_a', 'a2');
select tests.arrive('a/3', tests.envelope('t_console_a', 'a/3', '{"event_type": "MAGIC"}'));
select tests.as_producer('t_console_b');
select tests.arrive('b1', tests.envelope('t_console_b', 'b1'));
select tests.as_owner();

select tests.as_operator();
create temp table page on commit drop as
  select * from ledger.list_console_events('{"tenant_id": "t_console_a"}', 'id', false, 0, 2);
grant all on page to public;
select is((select total from page), 5::bigint, 'events of one tenant: the total of every match');
select is((select returned from page), 3, 'and a page as the inclusive range asks');
select is((select array_agg((r ->> 'idempotency_key') || ':' || (r ->> 'attempt')) from page, jsonb_array_elements(page.records::jsonb) r),
  array['a1:1', 'a1:2', 'a2:1'], 'in the order asked, the id breaking ties');
select ok((select records !~ '"payload"' from page), 'a list leaves payloads out');
select is((select total from ledger.list_console_events('{"tenant_id": "t_console_a"}', 'id', false, 0, 0)),
  (select count(*) from ledger.events_raw where tenant_id = 't_console_a'), 'a total from the counters equals count(*)');
select is((select total from ledger.list_console_events('{"tenant_id": "t_console_a", "result": "quarantined"}')),
  (select count(*) from ledger.events_raw where tenant_id = 't_console_a' and result = 'quarantined'), 'a filtered total is count(*)');
select is((select array_agg(r ->> 'raw_id' order by r ->> 'raw_id')
           from ledger.list_console_events(format('{"id": [%s, "%s"]}', (tests.answer('a1')).raw_id, (tests.answer('b1')).raw_id)::jsonb) l,
                jsonb_array_elements(l.records::jsonb) r),
  array[(tests.answer('a1')).raw_id::text, (tests.answer('b1')).raw_id::text], 'ids as numbers or strings (getMany), with no range');
select is((select returned from ledger.list_console_events('{}', null, null, 0, 5000)), 5 + 1, 'a page holds at most 1000, and what there is');
select is((select returned from ledger.list_console_events('{"q": "A_"}')), 0, 'a search pattern''s _ and % are literal');
select is((select returned from ledger.list_console_events('{"q": "a/"}')), 1, 'a search finds keys that contain it');

select is((select array_agg(r ->> 'id' order by r ->> 'id') from ledger.list_console_idempotency_keys('{"id": ["t_console_a/a/3", "t_console_a/a1"]}') l,
           jsonb_array_elements(l.records::jsonb) r),
  array['t_console_a/a/3', 't_console_a/a1'], 'idempotency keys by id <tenant_id>/<key>, slashes in keys kept');
select is((select total from ledger.list_console_idempotency_keys('{"status": "quarantined"}')),
  (select count(*) from ledger.events_processed where status = 'quarantined'), 'key totals by status equal count(*)');
select is((select total from ledger.list_console_exceptions('{"assigned_to": null, "tenant_id": "t_console_a"}')), 2::bigint,
  'null asks for no value (unassigned)');
select is((select total from ledger.list_console_rejections('{"http_status": 422.0}')), 0::bigint, 'an integer filter written 422.0 is 422');
select is((select total from ledger.list_console_audit_log(format('{"exception_id": "%s"}', (tests.answer('a2:conflict')).exception_id)::jsonb)),
  1::bigint, 'the audit log by exception');

select throws_ok($$select * from ledger.list_console_events('{"constructor": 1}')$$, '22023', null, 'a filter named constructor is no filter');
select is(tests.error_paths($$select * from ledger.list_console_exceptions('{"__proto__": {"status": "open"}}')$$), array['filter.__proto__'],
  'nor __proto__, named by its path');
select is(tests.error_paths($$select * from ledger.list_console_events('{}', 'toString')$$), array['sort.0'], 'a sort on toString is refused');
select is(tests.error_paths($$select * from ledger.list_console_events('{"id": [1, 1.5]}')$$), array['filter.id.1'],
  'an id that is not a whole number, by its place');
select is(tests.error_paths($$select * from ledger.list_console_events('{"id": 9223372036854775808}')$$), array['filter.id'],
  'an id beyond bigint');
select is(tests.error_paths($$select * from ledger.list_console_events('{"tenant_id": {"a": 1}}')$$), array['filter.tenant_id'], 'an object as a value');
select is(tests.error_paths($$select * from ledger.list_console_events('{"id": []}')$$), array['filter.id'], 'an empty list');
select is(tests.error_paths($$select * from ledger.list_console_events('[]')$$), array['filter'], 'a filter that is not an object');
select is(tests.error_paths($$select * from ledger.list_console_events('{}', null, null, 5, 1)$$), array['range'], 'a reversed range');
select is(tests.error_paths($$select * from ledger.list_console_idempotency_keys('{"id": "no-slash"}')$$), array['filter.id'],
  'a key id without its tenant');
select tests.as_owner();

select tests.as_producer('t_console_a');
select throws_ok($$select * from ledger.list_console_events()$$, '42501', null, 'producers do not read the console''s lists');
select tests.as_owner();

select tests.as_readonly();
select is((select returned from ledger.list_console_events('{"tenant_id": "t_console_b"}')), 1, 'read-only callers do');
select tests.as_owner();

select * from finish();
rollback;
