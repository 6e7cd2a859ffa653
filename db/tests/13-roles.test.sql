-- What each caller role may do through the functions: ledger_ingest ingests (its own tenant
-- when bound) and reads its health; ledger_readonly reads; ledger_operator reads, resolves and
-- assigns; ledger_edge, the edge's login, can do nothing until it takes one of these roles.
begin;
select plan(30);

select tests.make_tenant('t_role_a');
select tests.make_tenant('t_role_b');
select tests.open_conflict('t_role_b', 'b1');

-- Producer bound to t_role_a.
select tests.as_producer('t_role_a');
select is((tests.arrive('a1', tests.envelope('t_role_a', 'a1'))).result, 'processed', 'a producer ingests for its tenant');
select is((select count(*)::int from ledger.ingest_events(jsonb_build_array(tests.envelope('t_role_a', 'a2')))), 1, 'and in batches');
select is(ledger.health() ->> 'events_raw', '2', 'health without a tenant: the producer''s own');
select is(ledger.health('t_role_a') ->> 'events_raw', '2', 'health of its own tenant');
select ok(ledger.record_rejection('t_role_a', 415, 'UNSUPPORTED_MEDIA_TYPE') > 0, 'it records its own rejections (the edge does, as the producer)');
select throws_ok($$select ledger.ingest_event(tests.envelope('t_role_b', 'x1'))$$, '42501', null, 'a producer bound to A cannot ingest for B');
select throws_ok($$select ledger.ingest_event(tests.envelope('t_unknown', 'x1'))$$, '42501', null, '... nor for a tenant that does not exist');
select is((select status from ledger.ingest_events(jsonb_build_array(tests.envelope('t_role_b', 'x1')))), 403,
  'in a batch, an item for B is answered 403 alone');
select throws_ok($$select ledger.health('t_role_b')$$, '42501', null, 'a producer cannot read another tenant''s health');
select throws_ok($$select ledger.record_rejection('t_role_b', 422, 'INVALID_ENVELOPE')$$, '42501', null, 'nor record a rejection for it');
select throws_ok($$select count(*) from ledger.exceptions$$, '42501', null, 'a producer cannot read exceptions');
select throws_ok($$select count(*) from ledger.audit_log$$, '42501', null, 'nor the audit log');
select throws_ok($$select count(*) from ledger.rejections$$, '42501', null, 'nor rejections');
select throws_ok(format($$select ledger.resolve_exception(%L, 'mark_resolved_no_replay', 'n')$$, (tests.answer('b1:conflict')).exception_id), '42501', null,
  'a producer cannot resolve');

-- Read-only.
select tests.as_readonly();
select is((select count(*)::int from ledger.events_raw where tenant_id in ('t_role_a', 't_role_b')), 4, 'read-only reads Bronze of every tenant');
select lives_ok($$select count(*) from ledger.exceptions, ledger.audit_log, ledger.rejections, ledger.events_processed$$, 'and every other table');
select is(ledger.health('t_role_b') ->> 'exceptions_open', '1', 'and any tenant''s health');
select throws_ok($$select ledger.ingest_event(tests.envelope('t_role_a', 'r1'))$$, '42501', null, 'read-only cannot ingest');
select throws_ok($$select ledger.ingest_events(jsonb_build_array(tests.envelope('t_role_a', 'r1')))$$, '42501', null, 'nor in batches');
select throws_ok(format($$select ledger.resolve_exception(%L, 'mark_resolved_no_replay', 'n')$$, (tests.answer('b1:conflict')).exception_id), '42501', null,
  'read-only cannot resolve');
select throws_ok(format($$select ledger.assign_exception(%L, 'carol')$$, (tests.answer('b1:conflict')).exception_id), '42501', null, 'nor assign');
select throws_ok($$select ledger.record_rejection('t_role_a', 422, 'INVALID_ENVELOPE')$$, '42501', null, 'nor record rejections');

-- Operator.
select tests.as_operator();
select is((ledger.assign_exception((tests.answer('b1:conflict')).exception_id, 'carol')).assigned_to, 'carol', 'an operator assigns');
select is((ledger.resolve_exception((tests.answer('b1:conflict')).exception_id, 'mark_resolved_no_replay', 'n')).status, 'resolved', 'and resolves');
select is((select count(*)::int from ledger.audit_log where tenant_id = 't_role_b'), 3, 'and reads the audit log');
select is((ledger.health() -> 'idempotency' ->> 'ignored')::int >= 1, true, 'and health of all tenants');
select throws_ok($$select ledger.ingest_event(tests.envelope('t_role_a', 'o1'))$$, '42501', null, 'an operator cannot ingest');

-- The edge's login, before it takes a role.
reset role;
set local role ledger_edge;
select throws_ok($$select count(*) from ledger.events_raw$$, '42501', null, 'ledger_edge reads nothing itself');
select throws_ok($$select ledger.ingest_event(tests.envelope('t_role_a', 'e1'))$$, '42501', null, 'ledger_edge ingests nothing itself');
select is((select count(*)::int from ledger_private.authenticate_api_key('\x00')), 0, 'ledger_edge can look a key up by its hash');
select tests.as_owner();

select * from finish();
rollback;
