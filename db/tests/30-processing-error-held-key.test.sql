-- Contract row "any + processing fails unexpectedly → quarantined, PROCESSING_ERROR, 202" for a
-- key that is already quarantined: the arrival joins the open exception (never a second one),
-- the key stays held, the exception counts it, and nothing new is audited. The failure is
-- injected with tests.fail_next_processing: the first write of the key's state fails, the
-- quarantine after it succeeds (db/tests/helpers.sql).
begin;
select plan(10);

select tests.inject_processing_failures();
select tests.make_tenant('t_held_failure');
select tests.as_producer('t_held_failure');
select tests.arrive('held:first', tests.envelope('t_held_failure', 'held', '{"event_type": "MAGIC"}'));
select tests.as_owner();
select tests.fail_next_processing('t_held_failure', 'held');
select tests.as_producer('t_held_failure');
select tests.arrive('held:failed', tests.envelope('t_held_failure', 'held', '{"total_amount": 1}'));
select tests.arrive('held:after', tests.envelope('t_held_failure', 'held'));
select tests.as_owner();

select is(tests.outcome('held:first'), '(quarantined,UNKNOWN_EVENT_TYPE,quarantined,1,202)', 'the key is held by an unknown type');
select is(tests.outcome('held:failed'), '(quarantined,PROCESSING_ERROR,quarantined,2,202)',
  'held key + processing failure: quarantined, PROCESSING_ERROR, 202, attempt 2');
select is((tests.answer('held:failed')).exception_id, (tests.answer('held:first')).exception_id, 'it joins the open exception');
select is(tests.outcome('held:after'), '(quarantined,ALREADY_QUARANTINED,quarantined,3,202)', 'the next arrival is ALREADY_QUARANTINED');
select is((select count(*)::int from ledger.exceptions where tenant_id = 't_held_failure'), 1, 'never a second exception');
select results_eq(
  $$select status, reason_code, arrivals from ledger.exceptions where tenant_id = 't_held_failure'$$,
  $$values ('open', 'UNKNOWN_EVENT_TYPE', 3)$$,
  'the exception keeps its reason and counts the three arrivals');
select results_eq(
  $$select result, reason_code, attempt, exception_id from ledger.events_raw where tenant_id = 't_held_failure' order by raw_id$$,
  format($$values ('quarantined', 'UNKNOWN_EVENT_TYPE', 1, %1$L::uuid), ('quarantined', 'PROCESSING_ERROR', 2, %1$L::uuid), ('quarantined', 'ALREADY_QUARANTINED', 3, %1$L::uuid)$$,
    (tests.answer('held:first')).exception_id),
  'every arrival is in Bronze, held by the exception');
select results_eq(
  $$select status, arrivals, open_exception_id from ledger.events_processed where tenant_id = 't_held_failure'$$,
  format($$values ('quarantined', 3, %L::uuid)$$, (tests.answer('held:first')).exception_id),
  'the key stays quarantined and counts every arrival');
select is((select array_agg(action order by audit_id) from ledger.audit_log where tenant_id = 't_held_failure'), array['exception.opened'],
  'joining is not audited as an opening');
select ok(tests.counts_match('t_held_failure'), 'health counts equal count(*)');

select * from finish();
rollback;
