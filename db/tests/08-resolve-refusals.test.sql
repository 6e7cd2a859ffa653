-- What resolve_exception refuses, each with its SQLSTATE, and that a refused resolve changes
-- nothing: 22023 bad arguments, P0002 unknown exception, 55000 already resolved, LSR01 the
-- replayed payload would not be a valid arrival, 42501 not an operator.
begin;
select plan(26);

select tests.make_tenant('t_refusals');
select tests.make_tenant('t_refusals_other');
select tests.as_producer('t_refusals');
select tests.open_conflict('t_refusals', 'k1');
select tests.arrive('k2', tests.envelope('t_refusals', 'k2'));
select tests.arrive('unknown', tests.envelope('t_refusals', 'unknown', '{"event_type": "MAGIC"}'));
select tests.open_conflict('t_refusals', 'done');
select tests.as_producer('t_refusals_other');
select tests.arrive('other tenant k1', tests.envelope('t_refusals_other', 'k1'));
select tests.as_operator();
select ledger.resolve_exception((tests.answer('done:conflict')).exception_id, 'mark_resolved_no_replay', 'first resolve');

create temp table ids on commit drop as select
  (tests.answer('k1:conflict')).exception_id as k1,
  (tests.answer('unknown')).exception_id as unknown,
  (tests.answer('done:conflict')).exception_id as done;
grant select on ids to public;

-- 22023: bad arguments.
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', '')$$, (select k1 from ids)), '22023', null, 'empty notes');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', '  ')$$, (select k1 from ids)), '22023', null, 'blank notes');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', null)$$, (select k1 from ids)), '22023', null, 'no notes');
select throws_ok(format($$select ledger.resolve_exception(%L, 'delete_it', 'notes')$$, (select k1 from ids)), '22023', null, 'unknown action');
select throws_ok(format($$select ledger.resolve_exception(%L, null, 'notes')$$, (select k1 from ids)), '22023', null, 'no action');
select throws_ok(format($$select ledger.resolve_exception(%L, 'mark_resolved_no_replay', 'notes', override_patch => '{"total_amount": 1}')$$,
  (select k1 from ids)), '22023', null, 'a patch with mark_resolved_no_replay');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'notes', canonical_raw_id => %s)$$,
  (select k1 from ids), (tests.answer('k2')).raw_id), '22023', null, 'canonical_raw_id of another key');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'notes', canonical_raw_id => %s)$$,
  (select k1 from ids), (tests.answer('other tenant k1')).raw_id), '22023', null, 'canonical_raw_id of the same key name in another tenant');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'notes', canonical_raw_id => -1)$$,
  (select k1 from ids)), '22023', null, 'canonical_raw_id of no arrival');
select throws_ok($$select ledger.resolve_exception(null, 'override_and_replay', 'notes')$$, '22023', null, 'no exception id');

-- P0002, 55000.
select throws_ok($$select ledger.resolve_exception(gen_random_uuid(), 'override_and_replay', 'notes')$$, 'P0002', null, 'unknown exception');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'notes')$$, (select done from ids)), '55000', null,
  'a second resolve');
select throws_ok(format($$select ledger.resolve_exception(%L, 'mark_resolved_no_replay', 'notes')$$, (select done from ids)), '55000', null,
  'a second resolve, whatever its action');

-- LSR01: the replayed payload must pass as a new arrival would.
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'notes')$$, (select unknown from ids)), 'LSR01', null,
  'an unknown event type replayed unpatched');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'notes', override_patch => '{"event_type": "TELEPORT"}')$$,
  (select k1 from ids)), 'LSR01', null, 'a patch to an unknown event type');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'notes', override_patch => '{"event_id": "k9"}')$$,
  (select k1 from ids)), 'LSR01', null, 'a patch changing event_id');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'notes', override_patch => '{"tenant_id": "t_refusals_other"}')$$,
  (select k1 from ids)), 'LSR01', null, 'a patch changing tenant_id');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'notes', override_patch => '{"txn_id": null}')$$,
  (select k1 from ids)), 'LSR01', null, 'a patch removing a required field');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'notes', override_patch => '{"occurred_at": "yesterday"}')$$,
  (select k1 from ids)), 'LSR01', null, 'a patch breaking a required field');
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'notes', override_patch => '["not", "an", "envelope"]')$$,
  (select k1 from ids)), 'LSR01', null, 'a patch replacing the whole envelope with a non-object');

-- 42501: only operators resolve.
select tests.as_producer('t_refusals');
select throws_ok(format($$select ledger.resolve_exception(%L, 'mark_resolved_no_replay', 'notes')$$, (select k1 from ids)), '42501', null,
  'a producer cannot resolve');
select tests.as_readonly();
select throws_ok(format($$select ledger.resolve_exception(%L, 'mark_resolved_no_replay', 'notes')$$, (select k1 from ids)), '42501', null,
  'a read-only caller cannot resolve');
select tests.as_owner();

-- Nothing changed.
select is((select status || '/' || replay_count from ledger.exceptions where exception_id = (select k1 from ids)), 'open/0', 'the exception is still open');
select is((select status from ledger.events_processed where tenant_id = 't_refusals' and idempotency_key = 'k1'), 'quarantined', 'the key is still quarantined');
select is((select count(*)::int from ledger.audit_log where exception_id in ((select k1 from ids), (select unknown from ids)) and action = 'exception.resolved'), 0,
  'no refused resolve is audited');
select ok(tests.counts_match('t_refusals'), 'health counts equal count(*)');

select * from finish();
rollback;
