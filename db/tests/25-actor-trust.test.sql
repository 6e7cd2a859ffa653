-- CONTRACT v1.1 "Who did it": ledger.actor and ledger.tenant_id are believed only from the edge's
-- login. Any other login is recorded as itself, a claimed actor kept beside it, never instead; its
-- claim of a tenant binding gives it no producer's view.
begin;
select plan(12);

select tests.make_tenant('t_trust');
select tests.make_tenant('t_trust_b');
create role tests_dba login;
grant ledger_operator, ledger_ingest to tests_dba;
select tests.as_producer('t_trust');
select tests.arrive('a:first', tests.envelope('t_trust', 'a'));
select tests.arrive('a:conflict', tests.envelope('t_trust', 'a', '{"total_amount": 41.0}'));
select tests.arrive('b:first', tests.envelope('t_trust', 'b'));
select tests.arrive('b:conflict', tests.envelope('t_trust', 'b', '{"total_amount": 41.0}'));
select tests.arrive('c:first', tests.envelope('t_trust', 'c'));
select tests.arrive('c:conflict', tests.envelope('t_trust', 'c', '{"total_amount": 41.0}'));
select tests.as_owner();

-- Another login claims to be operator:ann.
set local session authorization tests_dba;
select tests.as_operator('operator:ann');
select ledger.assign_exception((tests.answer('a:conflict')).exception_id, 'operator:bob');
select ledger.resolve_exception((tests.answer('a:conflict')).exception_id, 'mark_resolved_no_replay', 'done in psql');
select ledger.resolve_exception((tests.answer('b:conflict')).exception_id, 'mark_resolved_no_replay', 'done in psql', actor => 'ticket-42');

-- The same login claims a producer's binding: it sees no producer's rows, its own tenant's neither.
select set_config('ledger.tenant_id', 't_trust', true);
set local role ledger_ingest;
select is((select count(*)::int from ledger.events_raw), 0, 'a claimed binding from another login shows no rows');
select is(ledger_private.bound_tenant(), null, 'and binds to nothing');
reset role;

-- The edge's login is believed.
reset session authorization;
set local session authorization ledger_edge;
select tests.as_operator('operator:carol');
select ledger.resolve_exception((tests.answer('c:conflict')).exception_id, 'mark_resolved_no_replay', 'done through the edge');
select set_config('ledger.tenant_id', 't_trust', true);
set local role ledger_ingest;
select is((select count(distinct tenant_id)::int from ledger.events_raw), 1, 'the edge''s binding shows its tenant''s rows');
reset role;
reset session authorization;
select tests.as_owner();

select results_eq(
  $$select actor, claimed_actor from ledger.audit_log where tenant_id = 't_trust' and exception_id = (tests.answer('a:conflict')).exception_id
    and action <> 'exception.opened' order by audit_id$$,
  $$values ('tests_dba'::text, 'operator:ann'::text), ('tests_dba', 'operator:ann')$$,
  'another login is audited as itself, its claimed actor beside it (assign and resolve)');
select is((select resolved_by from ledger.exceptions where exception_id = (tests.answer('a:conflict')).exception_id), 'tests_dba',
  'the exception is resolved by the login');
select is((select resolved_by_claimed from ledger.exceptions where exception_id = (tests.answer('a:conflict')).exception_id), 'operator:ann',
  'and the claim is kept beside it');
select is((select assigned_to from ledger.exceptions where exception_id = (tests.answer('a:conflict')).exception_id), 'operator:bob',
  'assignment itself is unchanged');
select results_eq(
  $$select actor, claimed_actor from ledger.audit_log where exception_id = (tests.answer('b:conflict')).exception_id and action = 'exception.resolved'$$,
  $$values ('tests_dba'::text, 'ticket-42'::text)$$,
  'a body actor is the claim kept beside the login');
select results_eq(
  $$select actor, claimed_actor from ledger.audit_log where exception_id = (tests.answer('c:conflict')).exception_id and action = 'exception.resolved'$$,
  $$values ('operator:carol'::text, null::text)$$,
  'through the edge''s login, the authenticated operator is the actor');
select is((select resolved_by from ledger.exceptions where exception_id = (tests.answer('c:conflict')).exception_id), 'operator:carol',
  'and resolves the exception');
select ok(not ledger_private.trusted_login() or current_setting('is_superuser') = 'on', 'the owner (a superuser here) may act as the edge');
select ok(not pg_has_role('tests_dba', 'ledger_edge', 'MEMBER'), 'a DBA login granted the working roles is not the edge');

select * from finish();
rollback;
