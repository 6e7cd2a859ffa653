-- A job meets the world between its steps: an exception resolved meanwhile is skipped (never
-- resolved twice), steps run again after the end change nothing, a cancel stops it for good, a
-- retried request with the same Idempotency-Key answers the same job, and only operators run it.
-- (True concurrency, with workers and single resolves on other connections, is in
-- edge/test/jobs-concurrency.test.ts.)
begin;
select plan(23);

select tests.make_tenant('t_bulk_mid');
select tests.as_producer('t_bulk_mid');
select tests.arrive('a' || n, tests.envelope('t_bulk_mid', 'a' || n, '{"event_type": "BOGUS"}')) from generate_series(1, 4) n;
select tests.arrive('b' || n, tests.envelope('t_bulk_mid', 'b' || n, '{"event_type": "BOGUS"}')) from generate_series(1, 4) n;
select tests.arrive('c' || n, tests.envelope('t_bulk_mid', 'c' || n, '{"event_type": "BOGUS"}')) from generate_series(1, 2) n;

create temp table job (name text primary key, id uuid, answer jsonb) on commit drop;
grant all on job to public;

-- Resolved meanwhile.
select tests.as_operator('operator:ann');
insert into job select 'meanwhile', (a ->> 'job_id')::uuid, a
from ledger.bulk_resolve('{"tenant_id": "t_bulk_mid", "idempotency_key": ["a1", "a2", "a3", "a4"]}', 'mark_resolved_no_replay', 'till bug', dry_run => false) a;
select tests.as_operator('operator:carol');
select ledger.resolve_exception((tests.answer('a2')).exception_id, 'override_and_replay', 'fixed by hand', '{"event_type": "SALE"}');
select tests.as_operator('operator:worker');
select ledger.run_job_step(id) from job where name = 'meanwhile';
select ledger.run_job_step(id) from job where name = 'meanwhile';
select tests.as_owner();
select is((select ledger.get_job(id) - 'job_id' - 'created_at' - 'finished_at' - 'filter' - 'failures' - 'resolution_notes' - 'override_patch' - 'assigned_to'
           from job where name = 'meanwhile'),
  '{"status": "succeeded", "action": "mark_resolved_no_replay", "matched": 4, "done": 4, "succeeded": 3, "failed": 0, "skipped": 1,
    "failures_truncated": false, "created_by": "operator:ann", "cancelled_by": null}',
  'the one resolved meanwhile is skipped, and a skip is no failure');
select is((select reason_code from ledger.job_items where job_id = (select id from job where name = 'meanwhile') and exception_id = (tests.answer('a2')).exception_id),
  'ALREADY_RESOLVED', 'skipped as already resolved');
select results_eq(format($$select actor, job_id is null from ledger.audit_log where exception_id = %L and action = 'exception.resolved'$$, (tests.answer('a2')).exception_id),
  $$values ('operator:carol', true)$$, 'it has the one resolution of its single resolve, none of the job');
select is((select status from ledger.events_processed where tenant_id = 't_bulk_mid' and idempotency_key = 'a2'), 'processed',
  'the single resolve''s replay stands');

-- Steps after the end change nothing.
create temp table audits_after on commit drop as select count(*) as n from ledger.audit_log where tenant_id = 't_bulk_mid';
grant all on audits_after to public;
select tests.as_operator('operator:worker');
select is((select ledger.run_job_step(id) ->> 'job_id' from job where name = 'meanwhile'), null, 'a step of an ended job finds nothing to do');
select is((select ledger.run_job_step() ->> 'job_id'), null, 'nor does a step of any job');
select tests.as_owner();
select is((select count(*) from ledger.audit_log where tenant_id = 't_bulk_mid'), (select n from audits_after), 'and resolves nothing again');

-- Two jobs over the same exceptions: the second skips what the first resolved.
select tests.as_operator('operator:ann');
insert into job select 'first', (a ->> 'job_id')::uuid, a
from ledger.bulk_resolve('{"tenant_id": "t_bulk_mid", "idempotency_key": ["c1", "c2"]}', 'mark_resolved_no_replay', 'first', dry_run => false) a;
insert into job select 'second', (a ->> 'job_id')::uuid, a
from ledger.bulk_resolve('{"tenant_id": "t_bulk_mid", "idempotency_key": ["c1", "c2"]}', 'override_and_replay', 'second', '{"event_type": "SALE"}', dry_run => false) a;
select tests.as_operator('operator:worker');
select ledger.run_job_step(id) from job where name = 'first';
select ledger.run_job_step(id) from job where name = 'second';
select ledger.run_job_step(id) from job where name = 'first';
select ledger.run_job_step(id) from job where name = 'second';
select tests.as_owner();
select is((select (ledger.get_job(id) ->> 'skipped')::int from job where name = 'second'), 2, 'the second job skips both');
select is((select count(*)::int from ledger.audit_log where tenant_id = 't_bulk_mid' and action = 'exception.resolved' and notes in ('first', 'second')), 2,
  'each exception resolved once, by the first');

-- Cancel.
select tests.as_operator('operator:ann');
insert into job select 'cancelled', (a ->> 'job_id')::uuid, a
from ledger.bulk_resolve('{"tenant_id": "t_bulk_mid", "idempotency_key": ["b1", "b2", "b3", "b4"]}', 'mark_resolved_no_replay', 'stop me', dry_run => false) a;
select ledger.run_job_step(id, 1) from job where name = 'cancelled';
select tests.as_operator('operator:dave');
create temp table cancelled on commit drop as select ledger.cancel_job(id) as j from job where name = 'cancelled';
select tests.as_operator('operator:worker');
select ledger.run_job_step(id) from job where name = 'cancelled';
select ledger.run_job_step();
select tests.as_owner();
select is((select j ->> 'status' from cancelled), 'cancelled', 'cancel answers the cancelled job');
select is((select j ->> 'cancelled_by' from cancelled), 'operator:dave', 'naming who cancelled it');
select is((select (ledger.get_job(id) ->> 'done')::int from job where name = 'cancelled'), 1, 'what was done before the cancel stays done');
select is((select count(*)::int from ledger.exceptions where tenant_id = 't_bulk_mid' and idempotency_key like 'b%' and status = 'open'), 3,
  'no step resolves anything after the cancel');
select is((select count(*)::int from ledger.job_items where job_id = (select id from job where name = 'cancelled') and status = 'pending'), 3,
  'the rest stays pending');
select tests.as_operator();
select throws_ok(format($$select ledger.cancel_job(%L)$$, (select id from job where name = 'cancelled')), '55000', null, 'a second cancel: 55000');
select throws_ok(format($$select ledger.cancel_job(%L)$$, (select id from job where name = 'meanwhile')), '55000', null, 'cancelling an ended job: 55000');
select throws_ok($$select ledger.cancel_job(gen_random_uuid())$$, 'P0002', null, 'an unknown job: P0002');

-- The same Idempotency-Key, the same operator, the same request: the same job.
select tests.as_operator('operator:ann');
insert into job select 'keyed', (a ->> 'job_id')::uuid, a
from ledger.bulk_resolve('{"tenant_id": "t_bulk_mid", "idempotency_key": ["b1", "b2", "b3", "b4"], "status": "open"}', 'mark_resolved_no_replay', 'keyed', dry_run => false, request_key => 'req-1') a;
insert into job select 'keyed again', (a ->> 'job_id')::uuid, a
from ledger.bulk_resolve('{"tenant_id": "t_bulk_mid", "idempotency_key": ["b1", "b2", "b3", "b4"], "status": "open"}', 'mark_resolved_no_replay', 'keyed', dry_run => false, request_key => 'req-1') a;
select throws_ok($$select ledger.bulk_resolve('{"tenant_id": "t_bulk_mid", "idempotency_key": ["b1", "b2", "b3", "b4"], "status": "open"}', 'mark_resolved_no_replay', 'other notes',
  dry_run => false, request_key => 'req-1')$$, '22023', null, 'the key with another request: 22023');
select tests.as_operator('operator:bob');
insert into job select 'keyed by bob', (a ->> 'job_id')::uuid, a
from ledger.bulk_resolve('{"tenant_id": "t_bulk_mid", "idempotency_key": ["b1", "b2", "b3", "b4"], "status": "open"}', 'mark_resolved_no_replay', 'keyed', dry_run => false, request_key => 'req-1') a;
select tests.as_owner();
select is((select id from job where name = 'keyed again'), (select id from job where name = 'keyed'), 'a retry answers the same job');
select is((select array_agg((answer ->> 'created')::boolean order by name) from job where name in ('keyed', 'keyed again')), array[true, false],
  'saying it was made before');
select isnt((select id from job where name = 'keyed by bob'), (select id from job where name = 'keyed'), 'keys are each operator''s own');

select tests.as_readonly();
select throws_ok($$select ledger.run_job_step()$$, '42501', null, 'a read-only caller cannot run a step');
select throws_ok(format($$select ledger.cancel_job(%L)$$, (select id from job where name = 'keyed')), '42501', null, 'nor cancel');
select tests.as_owner();

select * from finish();
rollback;
