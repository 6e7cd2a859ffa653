-- A real bulk run is a job whose steps resolve each matched exception exactly as a single resolve
-- by the job's creator would: one audit row per exception, naming the job; keys and counters as
-- after single resolves; a failing replay fails its item alone; bulk assign; a job that matches
-- nothing ends at once.
begin;
select plan(28);

select tests.make_tenant('t_bulk_job');
select tests.as_producer('t_bulk_job');
select tests.arrive('u' || n, tests.envelope('t_bulk_job', 'u' || n, '{"event_type": "BOGUS"}')) from generate_series(1, 6) n;
select tests.arrive('v' || n, tests.envelope('t_bulk_job', 'v' || n, '{"event_type": "ODD"}')) from generate_series(1, 3) n;
select tests.arrive('w' || n, tests.envelope('t_bulk_job', 'w' || n, '{"event_type": "WEIRD"}')) from generate_series(1, 2) n;

create temp table job (name text primary key, answer jsonb) on commit drop;
create temp table steps (name text, n serial, answer jsonb) on commit drop;
grant all on job, steps, steps_n_seq to public;

select tests.as_operator('operator:ann');
insert into job values ('retype', ledger.bulk_resolve('{"tenant_id": "t_bulk_job", "reason_code": "UNKNOWN_EVENT_TYPE", "q": "u"}',
  'override_and_replay', 'retyped: the till sent BOGUS for SALE', '{"event_type": "SALE"}', dry_run => false));
select tests.as_owner();

select is((select answer - 'job_id' from job where name = 'retype'), '{"status": "running", "matched": 6, "created": true}',
  'a real run answers a running job and how many it matched');
select is((select count(*)::int from ledger.job_items where job_id = (select (answer ->> 'job_id')::uuid from job where name = 'retype') and status = 'pending'),
  6, 'one pending item per matched exception');
select is((select count(*)::int from ledger.exceptions where tenant_id = 't_bulk_job' and status = 'open'), 11, 'nothing is resolved before a step runs');

-- The worker's login is not the job's creator: the resolutions are the creator's.
select tests.as_operator('operator:worker');
insert into steps (name, answer) select 'retype', ledger.run_job_step((answer ->> 'job_id')::uuid, 4) from job where name = 'retype';
insert into steps (name, answer) select 'retype', ledger.run_job_step((answer ->> 'job_id')::uuid, 4) from job where name = 'retype';
insert into steps (name, answer) select 'retype', ledger.run_job_step((answer ->> 'job_id')::uuid, 4) from job where name = 'retype';
insert into steps (name, answer) select 'retype', ledger.run_job_step((answer ->> 'job_id')::uuid, 4) from job where name = 'retype';
select tests.as_owner();

select is((select array_agg(answer - 'job_id' order by n) from steps where name = 'retype'), array[
  '{"status": "running", "done": 4, "succeeded": 4, "failed": 0, "skipped": 0, "more": true}'::jsonb,
  '{"status": "running", "done": 2, "succeeded": 2, "failed": 0, "skipped": 0, "more": true}',
  '{"status": "succeeded", "done": 0, "succeeded": 0, "failed": 0, "skipped": 0, "more": false}',
  '{"status": null, "done": 0, "succeeded": 0, "failed": 0, "skipped": 0, "more": false}'],
  'steps of at most 4, then the step that finds nothing left finishes the job, then there is nothing to do');
select is((select count(*)::int from ledger.exceptions e join ledger.events_raw r on r.tenant_id = e.tenant_id and r.raw_id = e.raw_id
           where e.tenant_id = 't_bulk_job' and e.status = 'resolved' and e.idempotency_key like 'u%'), 6, 'every matched exception is resolved');
select is((select count(*)::int from ledger.events_processed where tenant_id = 't_bulk_job' and idempotency_key like 'u%' and status = 'processed' and event_type = 'SALE'),
  6, 'each key is processed with the patched payload');
select is((select count(*)::int from ledger.exceptions where tenant_id = 't_bulk_job' and status = 'open'), 5, 'the others are untouched');

create temp table retype_audit on commit drop as
  select a.* from ledger.audit_log a where a.job_id = (select (answer ->> 'job_id')::uuid from job where name = 'retype');
select is((select count(*)::int from retype_audit), 6, 'one audit row per exception names the job');
select is((select count(*)::int from (select exception_id from ledger.audit_log where tenant_id = 't_bulk_job' and action = 'exception.resolved'
           group by exception_id having count(*) <> 1) x), 0, 'no exception has more or fewer than one resolution row');
select ok((select bool_and(action = 'exception.resolved' and actor = 'operator:ann' and notes = 'retyped: the till sent BOGUS for SALE'
                           and after ->> 'status' = 'resolved' and after ->> 'key_status' = 'processed' and before ->> 'status' = 'open')
           from retype_audit), 'each row is what a single resolve by the creator writes, state before and after');
select ok((select bool_and(e.resolved_by = 'operator:ann' and e.replay_count = 1 and e.override_patch = '{"event_type": "SALE"}')
           from ledger.exceptions e where e.tenant_id = 't_bulk_job' and e.idempotency_key like 'u%'), 'resolved by the creator, replayed once, with the patch');
select is((select ledger.get_job((answer ->> 'job_id')::uuid) - 'job_id' - 'created_at' - 'finished_at' - 'filter' from job where name = 'retype'),
  '{"status": "succeeded", "action": "override_and_replay", "resolution_notes": "retyped: the till sent BOGUS for SALE",
    "override_patch": {"event_type": "SALE"}, "assigned_to": null, "matched": 6, "done": 6, "succeeded": 6, "failed": 0, "skipped": 0,
    "failures": [], "failures_truncated": false, "created_by": "operator:ann", "cancelled_by": null}',
  'get_job: every item done and counted');
select ok((select (ledger.get_job((answer ->> 'job_id')::uuid) ->> 'finished_at') is not null from job where name = 'retype'), 'with its end');
select ok(tests.counts_match('t_bulk_job'), 'the counters equal count(*) after the job');

-- A replay that fails validation fails its item alone.
select tests.as_operator('operator:ann');
insert into job values ('as sent', ledger.bulk_resolve('{"tenant_id": "t_bulk_job", "status": "open"}', 'override_and_replay', 'replay as sent',
  dry_run => false));
select ledger.run_job_step((answer ->> 'job_id')::uuid) from job where name = 'as sent';
select ledger.run_job_step((answer ->> 'job_id')::uuid) from job where name = 'as sent';
select tests.as_owner();
create temp table as_sent on commit drop as select ledger.get_job((answer ->> 'job_id')::uuid) as j from job where name = 'as sent';
select is((select j ->> 'status' from as_sent), 'failed', 'a job with a failed item ends failed');
select is((select (j ->> 'failed')::int from as_sent), 5, 'every invalid replay is a failed item');
select ok((select bool_and(f ->> 'reason' = 'REPLAY_VALIDATION_FAILED' and f #>> '{errors,0,path}' = 'override_patch') from as_sent, jsonb_array_elements(j -> 'failures') f),
  'each failure with its reason and the errors of a single resolve');
select is((select count(*)::int from ledger.exceptions where tenant_id = 't_bulk_job' and status = 'open'), 5, 'and changes nothing');
select is((select count(*)::int from ledger.audit_log where job_id = (select (answer ->> 'job_id')::uuid from job where name = 'as sent')), 0,
  'nor audits anything');
select is((select (ledger.get_job((answer ->> 'job_id')::uuid, 2) ->> 'failures_truncated')::boolean from job where name = 'as sent'), true,
  'the failures listed can be limited, and say so');

-- Bulk assign: audited with the notes and the job.
select tests.as_operator('operator:ann');
insert into job values ('assign', ledger.bulk_resolve('{"tenant_id": "t_bulk_job", "status": "open", "q": "v"}', 'assign', 'yours, Bob',
  assigned_to => 'operator:bob', dry_run => false));
select ledger.run_job_step((answer ->> 'job_id')::uuid) from job where name = 'assign';
select ledger.run_job_step((answer ->> 'job_id')::uuid) from job where name = 'assign';
select tests.as_owner();
select is((select array_agg(assigned_to order by idempotency_key) from ledger.exceptions where tenant_id = 't_bulk_job' and idempotency_key like 'v%'),
  array['operator:bob', 'operator:bob', 'operator:bob'], 'bulk assign sets the owner');
select ok((select bool_and(assigned_at is not null and status = 'open') from ledger.exceptions where tenant_id = 't_bulk_job' and idempotency_key like 'v%'),
  'with its time, and they stay open');
select is((select count(*)::int from ledger.audit_log where action = 'exception.assigned' and actor = 'operator:ann' and notes = 'yours, Bob'
           and job_id = (select (answer ->> 'job_id')::uuid from job where name = 'assign')), 3, 'one assignment row each, naming the job');

-- Ignore: the keys become ignored.
select tests.as_operator('operator:ann');
insert into job values ('ignore', ledger.bulk_resolve('{"tenant_id": "t_bulk_job", "status": "open", "q": "w"}', 'mark_resolved_no_replay', 'noise',
  dry_run => false));
select ledger.run_job_step((answer ->> 'job_id')::uuid) from job where name = 'ignore';
select ledger.run_job_step((answer ->> 'job_id')::uuid) from job where name = 'ignore';
select tests.as_owner();
select is((select array_agg(status order by idempotency_key) from ledger.events_processed where tenant_id = 't_bulk_job' and idempotency_key like 'w%'),
  array['ignored', 'ignored'], 'bulk ignore voids the keys');
select is((select ledger.get_job((answer ->> 'job_id')::uuid) ->> 'status' from job where name = 'ignore'), 'succeeded', 'and succeeds');
select ok(tests.counts_match('t_bulk_job'), 'the counters still equal count(*)');

select tests.as_operator('operator:ann');
insert into job values ('nothing', ledger.bulk_resolve('{"tenant_id": "t_bulk_job", "status": "open", "reason_code": "PROCESSING_ERROR"}',
  'mark_resolved_no_replay', 'none', dry_run => false));
select tests.as_owner();
select is((select answer - 'job_id' from job where name = 'nothing'), '{"status": "succeeded", "matched": 0, "created": true}',
  'a job that matches nothing has succeeded at once');
select is((select count(*)::int from ledger.jobs where created_by = 'operator:ann'), 5, 'every real run is a job row');

select * from finish();
rollback;
