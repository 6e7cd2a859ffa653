-- bulk_resolve's dry run: it changes nothing, and it judges each matched exception with the
-- validation a single resolve runs (the outcome a single resolve then meets is the one counted);
-- its filter is the console's exception filter; bad arguments and filters are 22023.
begin;
select plan(30);

select tests.make_tenant('t_bulk_dry');
select tests.as_producer('t_bulk_dry');
select tests.arrive('u' || n, tests.envelope('t_bulk_dry', 'u' || n, '{"event_type": "BOGUS"}')) from generate_series(1, 5) n;
select tests.open_conflict('t_bulk_dry', 'c1');
select tests.as_operator('operator:ann');
select ledger.resolve_exception((tests.answer('u5')).exception_id, 'mark_resolved_no_replay', 'done before');
select tests.as_owner();

create temp table state_before on commit drop as select
  (select jsonb_agg(to_jsonb(e) order by e.exception_id) from ledger.exceptions e where e.tenant_id = 't_bulk_dry') as exceptions,
  (select jsonb_agg(to_jsonb(k) order by k.idempotency_key) from ledger.events_processed k where k.tenant_id = 't_bulk_dry') as keys,
  (select count(*) from ledger.audit_log) as audits,
  (select count(*) from ledger.jobs) as jobs,
  ledger.health('t_bulk_dry') as health;
create temp table dry (name text primary key, answer jsonb) on commit drop;
grant all on dry to public;

select tests.as_operator('operator:ann');
insert into dry values
  ('retype', ledger.bulk_resolve('{"tenant_id": "t_bulk_dry"}', 'override_and_replay', 'retyped by the till vendor', '{"event_type": "SALE"}')),
  ('unpatched', ledger.bulk_resolve('{"tenant_id": "t_bulk_dry"}', 'override_and_replay', 'replay as sent')),
  ('ignore open unknown', ledger.bulk_resolve('{"tenant_id": "t_bulk_dry", "status": "open", "reason_code": "UNKNOWN_EVENT_TYPE"}',
                                              'mark_resolved_no_replay', 'till bug')),
  ('assign', ledger.bulk_resolve('{"tenant_id": "t_bulk_dry", "status": "open"}', 'assign', null, assigned_to => 'operator:bob')),
  ('ids', ledger.bulk_resolve(jsonb_build_object('exception_ids', jsonb_build_array((tests.answer('u1')).exception_id, (tests.answer('u2')).exception_id)),
                              'mark_resolved_no_replay', 'two')),
  ('future', ledger.bulk_resolve('{"tenant_id": "t_bulk_dry", "opened_after": "2999-01-01T00:00:00Z"}', 'mark_resolved_no_replay', 'none')),
  ('past', ledger.bulk_resolve('{"tenant_id": "t_bulk_dry", "opened_before": "2999-01-01T00:00:00+02:00"}', 'mark_resolved_no_replay', 'all')),
  ('store', ledger.bulk_resolve('{"tenant_id": "t_bulk_dry", "store_id": "store_001", "status": "open"}', 'mark_resolved_no_replay', 's')),
  ('other store', ledger.bulk_resolve('{"tenant_id": "t_bulk_dry", "store_id": "store_999"}', 'mark_resolved_no_replay', 's')),
  ('unassigned', ledger.bulk_resolve('{"tenant_id": "t_bulk_dry", "assigned_to": null, "status": "open"}', 'mark_resolved_no_replay', 'u'));

select tests.as_owner();
select is((select answer - 'sample' from dry where name = 'retype'),
  '{"dry_run": true, "matched": 6, "would_succeed": 5, "would_fail": {"ALREADY_RESOLVED": 1}}',
  'a replay with a patch that makes the type known: all open ones would succeed, the resolved one would fail');
select is((select answer - 'sample' from dry where name = 'unpatched'),
  '{"dry_run": true, "matched": 6, "would_succeed": 1, "would_fail": {"ALREADY_RESOLVED": 1, "REPLAY_VALIDATION_FAILED": 4}}',
  'a replay as sent: the unknown types would fail validation, the conflict would succeed');
select is((select answer - 'sample' from dry where name = 'ignore open unknown'),
  '{"dry_run": true, "matched": 4, "would_succeed": 4, "would_fail": {}}', 'filtered by status and reason');
select is((select answer - 'sample' from dry where name = 'assign'),
  '{"dry_run": true, "matched": 5, "would_succeed": 5, "would_fail": {}}', 'bulk assign of the open ones');
select is((select (answer ->> 'matched')::int from dry where name = 'ids'), 2, 'exception_ids selects those exceptions');
select is((select (answer ->> 'matched')::int from dry where name = 'future'), 0, 'opened_after in the future matches none');
select is((select (answer ->> 'matched')::int from dry where name = 'past'), 6, 'opened_before in the future (any zone) matches all');
select is((select (answer ->> 'matched')::int from dry where name = 'store'), 5, 'store_id matches the store of the opening arrival');
select is((select (answer ->> 'matched')::int from dry where name = 'other store'), 0, 'another store matches none');
select is((select (answer ->> 'matched')::int from dry where name = 'unassigned'), 5, 'assigned_to null: the unassigned ones');

select is((select jsonb_array_length(answer -> 'sample') from dry where name = 'unpatched'), 6, 'a sample of every matched one (at most 20)');
select is((select array_agg(s ->> 'outcome' order by n) from dry, jsonb_array_elements(answer -> 'sample') with ordinality x (s, n) where name = 'unpatched'),
  array['would_fail', 'would_fail', 'would_fail', 'would_fail', 'would_fail', 'would_succeed'], 'failures first in the sample');
select ok((select bool_and(s ->> 'reason' = 'REPLAY_VALIDATION_FAILED' and s #>> '{errors,0,path}' = 'override_patch'
                           and s #>> '{errors,0,message}' = 'event_type BOGUS is not in the allowlist')
           from dry, jsonb_array_elements(answer -> 'sample') s where name = 'unpatched' and s ->> 'idempotency_key' like 'u_' and s ->> 'idempotency_key' <> 'u5'),
  'each failing replay in the sample says why, with the errors a single resolve answers');
select is((select s ->> 'reason' from dry, jsonb_array_elements(answer -> 'sample') s where name = 'unpatched' and s ->> 'idempotency_key' = 'u5'),
  'ALREADY_RESOLVED', 'the resolved one: ALREADY_RESOLVED');

select is((select jsonb_agg(to_jsonb(e) order by e.exception_id) from ledger.exceptions e where e.tenant_id = 't_bulk_dry'),
  (select exceptions from state_before), 'no exception changed');
select is((select jsonb_agg(to_jsonb(k) order by k.idempotency_key) from ledger.events_processed k where k.tenant_id = 't_bulk_dry'),
  (select keys from state_before), 'no key changed');
select is((select count(*) from ledger.audit_log), (select audits from state_before), 'nothing audited');
select is((select count(*) from ledger.jobs), (select jobs from state_before), 'no job made');
select is(ledger.health('t_bulk_dry'), (select health from state_before), 'no counter moved');

-- The dry run's verdict is the one a single resolve meets.
select tests.as_operator('operator:ann');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'replay as sent')$$, (tests.answer('u1')).exception_id),
  'LSR01', null, 'a single replay as sent of one it counted as failing fails validation');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'x', '{"event_type": "SALE"}')$$, (tests.answer('u5')).exception_id),
  '55000', null, 'a single resolve of the resolved one is refused as resolved');

select throws_ok($$select ledger.bulk_resolve('{"colour": "red"}', 'mark_resolved_no_replay', 'x')$$, '22023', null, 'an unknown filter member');
select is(tests.error_paths($$select ledger.bulk_resolve('{"opened_before": "yesterday"}', 'mark_resolved_no_replay', 'x')$$),
  array['filter.opened_before'], 'a bad timestamp names its member');
select throws_ok($$select ledger.bulk_resolve('[]', 'mark_resolved_no_replay', 'x')$$, '22023', null, 'a filter that is not an object');
select throws_ok($$select ledger.bulk_resolve('{}', 'delete_everything', 'x')$$, '22023', null, 'an unknown action');
select is(tests.error_paths($$select ledger.bulk_resolve('{}', 'mark_resolved_no_replay', '  ')$$), array['resolution_notes'], 'blank notes');
select is(tests.error_paths($$select ledger.bulk_resolve('{}', 'mark_resolved_no_replay', 'x', '{"total_amount": 1}')$$), array['override_patch'],
  'a patch with mark_resolved_no_replay');
select is(tests.error_paths($$select ledger.bulk_resolve('{}', 'assign', null)$$), array['assigned_to'], 'assign without an owner');
select is(tests.error_paths($$select ledger.bulk_resolve('{}', 'mark_resolved_no_replay', 'x', assigned_to => 'operator:bob')$$), array['assigned_to'],
  'an owner without assign');

select tests.as_producer('t_bulk_dry');
select throws_ok($$select ledger.bulk_resolve('{}', 'mark_resolved_no_replay', 'x')$$, '42501', null, 'a producer cannot resolve in bulk');
select tests.as_owner();

select * from finish();
rollback;
