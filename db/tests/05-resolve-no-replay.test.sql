-- Resolving with mark_resolved_no_replay: the exception closes, nothing is replayed, the key
-- becomes ignored and answers every later arrival ignored.
begin;
select plan(9);

select tests.make_tenant('t_no_replay');
select tests.as_producer('t_no_replay');
select tests.open_conflict('t_no_replay', 'k1');
select tests.as_operator('operator:alice');
create temp table resolved on commit drop as
  select * from ledger.resolve_exception((tests.answer('k1:conflict')).exception_id, 'mark_resolved_no_replay', 'a test sale, void it');
grant select on resolved to public;
select tests.as_producer('t_no_replay');
select tests.arrive('later', tests.envelope('t_no_replay', 'k1', '{"total_amount": 1}'));
select tests.as_owner();

select is((select status || '/' || resolution_action from resolved), 'resolved/mark_resolved_no_replay', 'the exception is resolved without replay');
select is((select resolution_notes from resolved), 'a test sale, void it', 'the notes are kept');
select ok((select resolved_at is not null and resolved_by = 'operator:alice' from resolved), 'who and when are recorded');
select is((select replay_count from resolved), 0, 'nothing was replayed');
select ok((select canonical_raw_id is null and override_patch is null and replayed_at is null from resolved), 'no canonical arrival, no patch');
select results_eq(
  $$select status, open_exception_id, canonical_raw_id from ledger.events_processed where tenant_id = 't_no_replay' and idempotency_key = 'k1'$$,
  format($$values ('ignored', null::uuid, %s::bigint)$$, (tests.answer('k1:first')).raw_id),
  'the key is ignored, held by no exception, its canonical arrival untouched');
select is(tests.outcome('later'), '(ignored,IGNORED_BY_OPERATOR,ignored,3,200)', 'a later arrival is ignored');
select is((select count(*)::int from ledger.exceptions where tenant_id = 't_no_replay' and status = 'open'), 0, 'no exception is open');
select ok(tests.counts_match('t_no_replay'), 'health counts equal count(*)');

select * from finish();
rollback;
