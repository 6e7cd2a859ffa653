-- assign_exception: an operator names who owns an open exception; audited; 22023 for an empty
-- name, P0002 for an unknown exception, 55000 once resolved, 42501 for anyone but an operator.
begin;
select plan(13);

select tests.make_tenant('t_assign');
select tests.as_producer('t_assign');
select tests.open_conflict('t_assign', 'k1');
select tests.open_conflict('t_assign', 'k2');
select tests.as_operator('operator:alice');
create temp table assigned on commit drop as
  select 1 as step, * from ledger.assign_exception((tests.answer('k1:conflict')).exception_id, '  carol  ');
grant all on assigned to public;
select tests.as_operator('operator:bob');
insert into assigned select 2, * from ledger.assign_exception((tests.answer('k1:conflict')).exception_id, 'dave');
select ledger.resolve_exception((tests.answer('k2:conflict')).exception_id, 'mark_resolved_no_replay', 'void');
select tests.as_owner();

select is((select assigned_to from assigned where step = 1), 'carol', 'the owner is set, trimmed');
select ok((select assigned_at is not null and status = 'open' from assigned where step = 1), 'with its time; the exception stays open');
select is((select assigned_to from ledger.exceptions where exception_id = (tests.answer('k1:conflict')).exception_id), 'dave', 'a later assign replaces the owner');
select results_eq(
  format($$select actor, before ->> 'assigned_to', after ->> 'assigned_to' from ledger.audit_log
           where exception_id = %L and action = 'exception.assigned' order by audit_id$$, (tests.answer('k1:conflict')).exception_id),
  $$values ('operator:alice', null, 'carol'), ('operator:bob', 'carol', 'dave')$$,
  'each assign is audited by its operator, with the owner before and after');

select tests.as_operator();
select throws_ok(format($$select ledger.assign_exception(%L, '')$$, (tests.answer('k1:conflict')).exception_id), '22023', null, 'an empty name');
select throws_ok(format($$select ledger.assign_exception(%L, '   ')$$, (tests.answer('k1:conflict')).exception_id), '22023', null, 'a blank name');
select throws_ok(format($$select ledger.assign_exception(%L, null)$$, (tests.answer('k1:conflict')).exception_id), '22023', null, 'no name');
select throws_ok($$select ledger.assign_exception(gen_random_uuid(), 'carol')$$, 'P0002', null, 'an unknown exception');
select throws_ok(format($$select ledger.assign_exception(%L, 'carol')$$, (tests.answer('k2:conflict')).exception_id), '55000', null, 'a resolved exception');
select tests.as_producer('t_assign');
select throws_ok(format($$select ledger.assign_exception(%L, 'carol')$$, (tests.answer('k1:conflict')).exception_id), '42501', null, 'a producer cannot assign');
select tests.as_readonly();
select throws_ok(format($$select ledger.assign_exception(%L, 'carol')$$, (tests.answer('k1:conflict')).exception_id), '42501', null, 'a read-only caller cannot assign');
select tests.as_owner();

select is((select count(*)::int from ledger.audit_log where tenant_id = 't_assign' and action = 'exception.assigned'), 2, 'refused assigns are not audited');
select ok(tests.counts_match('t_assign'), 'assigning moves no counter');

select * from finish();
rollback;
