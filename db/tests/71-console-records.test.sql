-- The console's single records and stats (ledger.get_console_*): PostgreSQL's JSON text, numbers
-- beyond a double and trailing zeros as the producer wrote them; a malformed id is 22023, an
-- unknown one null.
begin;
select plan(14);

select tests.make_tenant('t_console_one');
select tests.as_producer('t_console_one');
select tests.arrive('k1', tests.envelope('t_console_one', 'k1', '{"total_amount": 12345678901234567890123.45, "line_items": [{"sku": "A", "qty": 1, "amount": 40.0}, {"sku": "B", "qty": 1, "amount": 12345678901234567890083.45}]}'));
select tests.arrive('k1 conflict', tests.envelope('t_console_one', 'k1', '{"total_amount": 0.10}'));
select tests.as_owner();

select tests.as_operator();
select ok(ledger.get_console_event((tests.answer('k1')).raw_id::text) ~ '"total_amount": 12345678901234567890123\.45[,}]',
  'an event: a number beyond a double keeps its digits');
select ok(ledger.get_console_event((tests.answer('k1')).raw_id::text) ~ '"amount": 40\.0[,}]', 'and a trailing zero');
select is((ledger.get_console_event((tests.answer('k1')).raw_id::text)::jsonb ->> 'id'), (tests.answer('k1')).raw_id::text, 'with its id');
select ok(ledger.get_console_exception((tests.answer('k1 conflict')).exception_id::text) ~ '"total_amount": 0\.10[,}]',
  'an exception''s detail: the held arrival as sent');
select ok(ledger.get_console_exception(upper((tests.answer('k1 conflict')).exception_id::text)) ~ '"total_amount": 12345678901234567890123\.45[,}]',
  'and the canonical payload; ids in capitals too');
select ok(ledger.get_console_idempotency_key('t_console_one/k1') ~ '"total_amount": 12345678901234567890123\.45[,}]',
  'an idempotency key''s canonical payload');
select is(ledger.get_console_idempotency_key('t_console_one/missing'), null, 'an unknown key is null');
select is(ledger.get_console_event('999999999'), null, 'an unknown event is null');
select is(tests.error_paths($$select ledger.get_console_event('__proto__')$$), array['id'], 'an event id that is not digits');
select is(tests.error_paths($$select ledger.get_console_event('99999999999999999999')$$), array['id'], 'nor beyond bigint');
select is(tests.error_paths($$select ledger.get_console_exception('constructor')$$), array['id'], 'an exception id that is not a UUID');
select is(tests.error_paths($$select ledger.get_console_idempotency_key('/k1')$$), array['id'], 'a key id without its tenant');
select is((ledger.get_console_stats()::jsonb -> 'counts'), ledger.health(), 'the stats carry the health counters');
select tests.as_owner();

select tests.as_producer('t_console_one');
select throws_ok($$select ledger.get_console_stats()$$, '42501', null, 'producers do not read the console''s records');
select tests.as_owner();

select * from finish();
rollback;
