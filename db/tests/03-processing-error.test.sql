-- Contract row "any + processing fails unexpectedly → quarantined (still in Bronze),
-- PROCESSING_ERROR, 202, key quarantined". The failure is injected inside this transaction: an
-- after-row trigger on ledger.events_processed raises, for the keys and key states named in the
-- setting tests.fail ({"<key>": {"<status written>": "<sqlstate>"}}), the SQLSTATE given. After,
-- not before: a before-insert trigger would also fire on the row an insert ... on conflict only
-- proposes.
begin;
select plan(27);

create function tests.injected_failure()
returns trigger
language plpgsql
as $$
declare
  v_sqlstate text := nullif(current_setting('tests.fail', true), '')::jsonb -> new.idempotency_key ->> new.status;
begin
  if v_sqlstate is not null then
    raise exception using errcode = v_sqlstate, message = format('injected failure writing %s as %s', new.idempotency_key, new.status);
  end if;
  return new;
end
$$;
create trigger injected_failure after insert or update on ledger.events_processed
  for each row execute function tests.injected_failure();

select tests.make_tenant('t_failure');
select tests.as_producer('t_failure');

-- A first arrival whose processing fails.
select set_config('tests.fail', '{"fresh": {"processed": "P0001"}}', true);
select tests.arrive('fresh', tests.envelope('t_failure', 'fresh'));

-- A key already processed, then an arrival whose processing fails, then one more arrival.
select set_config('tests.fail', '{}', true);
select tests.arrive('done:first', tests.envelope('t_failure', 'done'));
select set_config('tests.fail', '{"done": {"processed": "P0001"}}', true);
select tests.arrive('done:failed', tests.envelope('t_failure', 'done'));
select tests.arrive('done:joined', tests.envelope('t_failure', 'done'));

-- An ignored key, then an arrival whose processing fails.
select set_config('tests.fail', '{}', true);
select tests.open_conflict('t_failure', 'void');
select tests.as_operator();
select ledger.resolve_exception((tests.answer('void:conflict')).exception_id, 'mark_resolved_no_replay', 'void');
select tests.as_producer('t_failure');
select set_config('tests.fail', '{"void": {"ignored": "P0001"}}', true);
select tests.arrive('void:failed', tests.envelope('t_failure', 'void'));

-- Processing fails, and so does quarantining: the arrival still reaches Bronze.
select set_config('tests.fail', '{"doomed": {"processed": "P0001", "quarantined": "P0001"}}', true);
select tests.arrive('doomed', tests.envelope('t_failure', 'doomed'));
select tests.as_owner();

-- New key.
select is(tests.outcome('fresh'), '(quarantined,PROCESSING_ERROR,quarantined,1,202)', 'none + failure: quarantined, PROCESSING_ERROR, 202');
select ok((tests.answer('fresh')).exception_id is not null, 'the answer names the exception');
select results_eq(
  format($$select result, reason_code, exception_id, attempt from ledger.events_raw where tenant_id = 't_failure' and idempotency_key = 'fresh'$$),
  format($$values ('quarantined', 'PROCESSING_ERROR', %L::uuid, 1)$$, (tests.answer('fresh')).exception_id),
  'the failed arrival is in Bronze, quarantined with PROCESSING_ERROR');
select results_eq(
  format($$select status, reason_code, raw_id, details -> 'error' ->> 'sqlstate' from ledger.exceptions where exception_id = %L$$, (tests.answer('fresh')).exception_id),
  format($$values ('open', 'PROCESSING_ERROR', %s::bigint, 'P0001')$$, (tests.answer('fresh')).raw_id),
  'an open PROCESSING_ERROR exception holds it, with the error');
select results_eq(
  $$select status, open_exception_id, canonical_payload from ledger.events_processed where tenant_id = 't_failure' and idempotency_key = 'fresh'$$,
  format($$values ('quarantined', %L::uuid, null::jsonb)$$, (tests.answer('fresh')).exception_id),
  'the key is quarantined, with no canonical payload');
select is((select actor from ledger.audit_log where exception_id = (tests.answer('fresh')).exception_id and action = 'exception.opened'), 'system',
  'opening it is audited by system');

-- Processed key.
select is(tests.outcome('done:failed'), '(quarantined,PROCESSING_ERROR,quarantined,2,202)', 'processed + failure: quarantined, PROCESSING_ERROR, 202');
select results_eq(
  $$select result, reason_code from ledger.events_raw where tenant_id = 't_failure' and idempotency_key = 'done' order by raw_id$$,
  $$values ('processed', null::text), ('quarantined', 'PROCESSING_ERROR'), ('quarantined', 'ALREADY_QUARANTINED')$$,
  'every arrival of the key is in Bronze');
select results_eq(
  format($$select status, reason_code, arrivals from ledger.exceptions where exception_id = %L$$, (tests.answer('done:failed')).exception_id),
  $$values ('open', 'PROCESSING_ERROR', 2)$$,
  'the exception is open and the next arrival joined it');
select is((tests.answer('done:joined')).exception_id, (tests.answer('done:failed')).exception_id, 'the next arrival joins the same exception');
select is(tests.outcome('done:joined'), '(quarantined,ALREADY_QUARANTINED,quarantined,3,202)', 'and is answered ALREADY_QUARANTINED');
select results_eq(
  $$select status, canonical_raw_id from ledger.events_processed where tenant_id = 't_failure' and idempotency_key = 'done'$$,
  format($$values ('quarantined', %s::bigint)$$, (tests.answer('done:first')).raw_id),
  'the key is quarantined and keeps its canonical arrival');
select is((select before ->> 'key_status' from ledger.audit_log where exception_id = (tests.answer('done:failed')).exception_id and action = 'exception.opened'),
  'processed', 'the opening audit records the key''s state before');

-- Ignored key.
select is(tests.outcome('void:failed'), '(quarantined,PROCESSING_ERROR,quarantined,3,202)', 'ignored + failure: quarantined, PROCESSING_ERROR, 202');
select is((select status from ledger.exceptions where exception_id = (tests.answer('void:failed')).exception_id), 'open', 'a new exception is open for it');
select is((select status from ledger.events_processed where tenant_id = 't_failure' and idempotency_key = 'void'), 'quarantined', 'the key is quarantined');

-- Quarantining fails too.
select is(((tests.answer('doomed')).result, (tests.answer('doomed')).reason_code, (tests.answer('doomed')).status)::text,
  '(quarantined,PROCESSING_ERROR,202)', 'failure while quarantining: still answered quarantined, PROCESSING_ERROR');
select is((select result || '/' || reason_code from ledger.events_raw where tenant_id = 't_failure' and idempotency_key = 'doomed'),
  'quarantined/PROCESSING_ERROR', 'and still captured in Bronze');

-- Failures that are not the arrival's fault abort the call, so that the caller retries it.
select tests.as_producer('t_failure');
select set_config('tests.fail', '{"retry": {"processed": "40P01"}}', true);
select throws_ok($$select tests.arrive('retry', tests.envelope('t_failure', 'retry'))$$, '40P01', null,
  'a deadlock while processing aborts the call');
select set_config('tests.fail', '{"retry": {"processed": "40001"}}', true);
select throws_ok($$select tests.arrive('retry', tests.envelope('t_failure', 'retry'))$$, '40001', null,
  'a serialisation failure while processing aborts the call');
select set_config('tests.fail', '{"retry": {"processed": "P0001", "quarantined": "40P01"}}', true);
select throws_ok($$select tests.arrive('retry', tests.envelope('t_failure', 'retry'))$$, '40P01', null,
  'a deadlock while quarantining after a failure aborts the call too');
select set_config('tests.fail', '{"retry": {"processed": "P0001", "quarantined": "55P03"}}', true);
select throws_ok($$select tests.arrive('retry', tests.envelope('t_failure', 'retry'))$$, '55P03', null,
  'a lock timeout while quarantining after a failure aborts the call too');
select set_config('tests.fail', '{}', true);
select tests.as_owner();

select is((select count(*)::int from ledger.exceptions where tenant_id = 't_failure' and status = 'open'), 3,
  'one open exception for each failed key (fresh, done, void)');
select is((select count(*)::int from ledger.events_raw where tenant_id = 't_failure'), 8, 'every arrival is in Bronze');
select ok(tests.counts_match('t_failure'), 'health counts equal count(*)');

-- Once the failure is gone, the operator replays the held arrival.
select tests.as_operator();
select ledger.resolve_exception((tests.answer('fresh')).exception_id, 'override_and_replay', 'the failure was transient');
select tests.as_owner();
select is((select status || '/' || canonical_raw_id from ledger.events_processed where tenant_id = 't_failure' and idempotency_key = 'fresh'),
  'processed/' || (tests.answer('fresh')).raw_id, 'replaying a PROCESSING_ERROR exception processes the held arrival');
select ok(tests.counts_match('t_failure'), 'health counts still equal count(*)');

select * from finish();
rollback;
