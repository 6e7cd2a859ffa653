-- Contract row "ignored + any → ignored, IGNORED_BY_OPERATOR, 200, key stays ignored": once an
-- operator closes an exception with mark_resolved_no_replay, every later arrival of the key,
-- whatever its payload, is answered ignored, still captured in Bronze, and opens nothing.
begin;
select plan(10);

select tests.make_tenant('t_ignored');
select tests.as_producer('t_ignored');
select tests.open_conflict('t_ignored', 'k1');
select tests.arrive('unknown', tests.envelope('t_ignored', 'k2', '{"event_type": "MAGIC"}'));
select tests.as_operator();
select ledger.resolve_exception((tests.answer('k1:conflict')).exception_id, 'mark_resolved_no_replay', 'sent twice by the till');
select ledger.resolve_exception((tests.answer('unknown')).exception_id, 'mark_resolved_no_replay', 'test event type');
select tests.as_producer('t_ignored');
select tests.arrive('same as first', tests.envelope('t_ignored', 'k1'));
select tests.arrive('same as conflict', tests.envelope('t_ignored', 'k1', '{"total_amount": 41.0}'));
select tests.arrive('new payload', tests.envelope('t_ignored', 'k1', '{"total_amount": 7}'));
select tests.arrive('unknown again', tests.envelope('t_ignored', 'k2', '{"event_type": "MAGIC"}'));
select tests.arrive('unknown fixed', tests.envelope('t_ignored', 'k2'));
select tests.as_owner();

select is(tests.outcome('same as first'), '(ignored,IGNORED_BY_OPERATOR,ignored,3,200)', 'ignored + the canonical payload: ignored, 200');
select is(tests.outcome('same as conflict'), '(ignored,IGNORED_BY_OPERATOR,ignored,4,200)', 'ignored + the held payload: ignored, 200');
select is(tests.outcome('new payload'), '(ignored,IGNORED_BY_OPERATOR,ignored,5,200)', 'ignored + a new payload: ignored, 200');
select is(tests.outcome('unknown fixed'), '(ignored,IGNORED_BY_OPERATOR,ignored,3,200)', 'an ignored UNKNOWN_EVENT_TYPE key ignores a valid type too');
select is((select count(*)::int from tests.arrivals where step in ('same as first', 'same as conflict', 'new payload', 'unknown again', 'unknown fixed')
           and (answer).exception_id is not null), 0, 'an ignored arrival joins no exception');
select results_eq(
  $$select result, reason_code, exception_id from ledger.events_raw where tenant_id = 't_ignored' and idempotency_key = 'k1' and attempt >= 3 order by raw_id$$,
  $$values ('ignored', 'IGNORED_BY_OPERATOR', null::uuid), ('ignored', 'IGNORED_BY_OPERATOR', null), ('ignored', 'IGNORED_BY_OPERATOR', null)$$,
  'each ignored arrival is captured in Bronze with its outcome');
select is((select count(*)::int from ledger.exceptions where tenant_id = 't_ignored'), 2, 'no exception is opened for an ignored key');
select is((select array_agg(status || '/' || arrivals order by idempotency_key) from ledger.events_processed where tenant_id = 't_ignored'),
  array['ignored/5', 'ignored/3'], 'the keys stay ignored and count their arrivals');
select is((select status from ledger.exceptions where exception_id = (tests.answer('k1:conflict')).exception_id), 'resolved',
  'the closed exception stays resolved');
select ok(tests.counts_match('t_ignored'), 'health counts equal count(*)');

select * from finish();
rollback;
