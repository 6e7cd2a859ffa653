-- Known operators (names of live operator keys, never their hashes), the age of the oldest open
-- exception by reason (from an index), and the console's new filters and fields: opened_before /
-- opened_after, store_id, age_seconds, the audit rows' keys, the jobs and their items.
begin;
select plan(16);

select tests.make_tenant('t_ages');
insert into ledger_private.api_keys (role, name, key_hash) values
  ('operator', 'ann', sha256('ann-secret')), ('operator', 'bob', sha256('bob-secret')), ('operator', 'ann', sha256('ann-second-key'));
insert into ledger_private.api_keys (role, name, key_hash, revoked_at) values ('operator', 'gone', sha256('gone-secret'), now());
insert into ledger_private.api_keys (role, tenant_id, name, key_hash) values ('producer', 't_ages', 'till', sha256('till-secret'));

select tests.as_operator();
select results_eq($$select name, actor from ledger.list_operators() where name in ('ann', 'bob', 'gone', 'till')$$,
  $$values ('ann', 'operator:ann'), ('bob', 'operator:bob')$$, 'the live operator keys, once per name, with their actors');
select is((select array_agg(p.parameter_name::text order by p.ordinal_position) from information_schema.parameters p
           join information_schema.routines r on r.specific_name = p.specific_name
           where r.routine_schema = 'ledger' and r.routine_name = 'list_operators' and p.parameter_mode = 'OUT'),
  array['name', 'actor'], 'it answers name and actor, no hash');
select tests.as_readonly();
select throws_ok($$select * from ledger.list_operators()$$, '42501', null, 'operators only');

select tests.as_owner();
select tests.as_producer('t_ages');
select tests.arrive('old', tests.envelope('t_ages', 'old', '{"event_type": "BOGUS"}'));
select tests.arrive('new', tests.envelope('t_ages', 'new', '{"event_type": "BOGUS", "store_id": "store_042"}'));
select tests.open_conflict('t_ages', 'conflict');
select tests.as_owner();
update ledger.exceptions set opened_at = now() - interval '2 hours' where exception_id = (tests.answer('old')).exception_id;

select tests.as_readonly();
select ok((select age_seconds between 7200 and 7300 from ledger.oldest_open_exceptions() where reason_code = 'UNKNOWN_EVENT_TYPE'),
  'the oldest open exception of a reason and its age in seconds');
select is((select age_seconds from ledger.oldest_open_exceptions() where reason_code = 'PROCESSING_ERROR'), 0::double precision,
  '0 for a reason with none open');
select is((select array_agg(reason_code order by reason_code) from ledger.oldest_open_exceptions()),
  (select array_agg(reason_code order by reason_code) from ledger.reason_codes where kind = 'quarantine'), 'every quarantine reason of the catalogue');
select tests.as_owner();
create temp table plan_lines (line text) on commit drop;
set local enable_seqscan = off;
do $$
declare
  v_line record;
begin
  -- The probe ledger.oldest_open_exceptions makes for each reason.
  for v_line in execute $q$explain select e.opened_at from ledger.exceptions e
                           where e.status = 'open' and e.reason_code = 'UNKNOWN_EVENT_TYPE' order by e.opened_at limit 1$q$ loop
    insert into plan_lines values (v_line."QUERY PLAN");
  end loop;
end
$$;
reset enable_seqscan;
select ok((select string_agg(line, ' ') from plan_lines) ~ 'exceptions_open_age_idx', 'read from the index of open exceptions by reason and age');

select tests.as_readonly();
create temp table page on commit drop as
  select * from ledger.list_console_exceptions('{"tenant_id": "t_ages", "opened_before": "2999-01-01T00:00:00Z", "status": "open"}', 'opened_at', false);
select is((select total from page), 3::bigint, 'opened_before in the console list');
select is((select jsonb_array_length(records::jsonb) from ledger.list_console_exceptions(
  jsonb_build_object('tenant_id', 't_ages', 'opened_before', to_char(now() at time zone 'UTC' - interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))), 1,
  'opened_before an hour ago: only the old one');
select is((select records::jsonb -> 0 ->> 'idempotency_key' from ledger.list_console_exceptions('{"tenant_id": "t_ages", "store_id": "store_042"}')), 'new',
  'store_id in the console list');
select ok((select (records::jsonb -> 0 ->> 'age_seconds')::bigint between 7200 and 7300 from page), 'each open exception with its age');
select is(tests.error_paths($$select * from ledger.list_console_exceptions('{"opened_after": "2026-02-30T00:00:00Z"}')$$),
  array['filter.opened_after'], 'an impossible date is refused on its member');
select is(tests.error_paths($$select * from ledger.list_console_exceptions('{"opened_after": "2026-02-01"}')$$),
  array['filter.opened_after'], 'so is a date without a time');
select is((select records::jsonb -> 0 ->> 'idempotency_key' from ledger.list_console_audit_log(
  jsonb_build_object('exception_id', (tests.answer('conflict:conflict')).exception_id))), 'conflict', 'an audit row shows its key');

select tests.as_operator('operator:ann');
select ledger.bulk_resolve('{"tenant_id": "t_ages", "reason_code": "UNKNOWN_EVENT_TYPE"}', 'mark_resolved_no_replay', 'noise', dry_run => false);
select ledger.run_job_step();
select tests.as_readonly();
select is((select (records::jsonb -> 0) - 'id' - 'job_id' - 'created_at' - 'filter' - 'request_key' - 'created_by_claimed'
           from ledger.list_console_jobs('{"created_by": "operator:ann"}')),
  '{"action": "mark_resolved_no_replay", "status": "running", "matched": 2, "done": 2, "succeeded": 2, "failed": 0, "skipped": 0,
    "created_by": "operator:ann", "finished_at": null, "cancelled_by": null, "assigned_to": null, "override_patch": null, "resolution_notes": "noise"}',
  'a job in the console with its counts');
select is((select total from ledger.list_console_job_items(jsonb_build_object('job_id', (select job_id from ledger.jobs where created_by = 'operator:ann'),
  'status', 'succeeded'))), 2::bigint, 'its items, by status');

select * from finish();
rollback;
