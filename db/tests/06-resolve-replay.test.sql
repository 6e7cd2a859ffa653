-- Resolving with override_and_replay: the canonical arrival (default: the one that opened the
-- exception, or canonical_raw_id), merge-patched, becomes the key's canonical payload and
-- fingerprint; the key is processed again and the replay is counted.
begin;
select plan(22);

select tests.make_tenant('t_replay');
select tests.as_producer('t_replay');
select tests.open_conflict('t_replay', 'default');
select tests.open_conflict('t_replay', 'explicit');
select tests.open_conflict('t_replay', 'patched');
select tests.arrive('unknown', tests.envelope('t_replay', 'unknown', '{"event_type": "MAGIC"}'));
select tests.as_operator();
create temp table resolved on commit drop as
  select 'default' as key, * from ledger.resolve_exception((tests.answer('default:conflict')).exception_id, 'override_and_replay', 'the later total is right');
grant select on resolved to public;
insert into resolved select 'explicit', * from ledger.resolve_exception((tests.answer('explicit:conflict')).exception_id, 'override_and_replay',
  'the first total is right', canonical_raw_id => (tests.answer('explicit:first')).raw_id);
insert into resolved select 'patched', * from ledger.resolve_exception((tests.answer('patched:conflict')).exception_id, 'override_and_replay',
  'both totals were wrong', override_patch => '{"total_amount": 40.0, "line_items": null, "note": "fixed by ops"}');
insert into resolved select 'unknown', * from ledger.resolve_exception((tests.answer('unknown')).exception_id, 'override_and_replay',
  'MAGIC means sale', override_patch => '{"event_type": "sale"}');
select tests.as_producer('t_replay');
select tests.arrive('default:retry held', tests.envelope('t_replay', 'default', '{"total_amount": 41.0}'));
select tests.arrive('default:retry first', tests.envelope('t_replay', 'default'));
select tests.arrive('explicit:retry first', tests.envelope('t_replay', 'explicit'));
select tests.arrive('explicit:retry held', tests.envelope('t_replay', 'explicit', '{"total_amount": 41.0}'));
select tests.arrive('patched:retry patched', tests.envelope('t_replay', 'patched', '{"total_amount": 40.0, "line_items": null, "note": "fixed by ops"}'));
select tests.arrive('patched:retry held', tests.envelope('t_replay', 'patched', '{"total_amount": 41.0}'));
select tests.as_owner();

-- Default canonical: the arrival that opened the exception.
select results_eq(
  $$select k.canonical_raw_id, k.canonical_fingerprint, k.canonical_payload from ledger.events_processed k
    where k.tenant_id = 't_replay' and k.idempotency_key = 'default'$$,
  format($$select raw_id, fingerprint, payload from ledger.events_raw where tenant_id = 't_replay' and raw_id = %s$$,
         (tests.answer('default:conflict')).raw_id),
  'by default the exception''s own arrival becomes canonical, payload and fingerprint');
select is((select canonical_raw_id from resolved where key = 'default'), (tests.answer('default:conflict')).raw_id,
  'the exception records the arrival replayed');
select is(tests.outcome('default:retry held'), '(duplicate,,processed,3,200)', 'a retry of the replayed arrival is a duplicate');
select is(tests.outcome('default:retry first'), '(quarantined,IDEMPOTENCY_CONFLICT,quarantined,4,202)', 'the old canonical payload is now a conflict');

-- Explicit canonical_raw_id.
select is((select canonical_raw_id from ledger.events_processed where tenant_id = 't_replay' and idempotency_key = 'explicit'),
  (tests.answer('explicit:first')).raw_id, 'canonical_raw_id picks another arrival of the key');
select is((select canonical_raw_id from resolved where key = 'explicit'), (tests.answer('explicit:first')).raw_id, 'and the exception records it');
select is(tests.outcome('explicit:retry first'), '(duplicate,,processed,3,200)', 'a retry of the chosen arrival is a duplicate');
select is(tests.outcome('explicit:retry held'), '(quarantined,IDEMPOTENCY_CONFLICT,quarantined,4,202)', 'the arrival not chosen is a conflict');

-- Merge patch.
select is((select canonical_payload from ledger.events_processed where tenant_id = 't_replay' and idempotency_key = 'patched'),
  ledger_private.merge_patch(tests.envelope('t_replay', 'patched', '{"total_amount": 41.0}'), '{"total_amount": 40.0, "line_items": null, "note": "fixed by ops"}'),
  'the patched payload becomes canonical (member replaced, member removed, member added)');
select is((select canonical_fingerprint from ledger.events_processed where tenant_id = 't_replay' and idempotency_key = 'patched'),
  ledger_private.fingerprint(tests.envelope('t_replay', 'patched', '{"total_amount": 40.0, "line_items": null, "note": "fixed by ops"}')),
  'its fingerprint is the patched payload''s');
select is((select canonical_raw_id from ledger.events_processed where tenant_id = 't_replay' and idempotency_key = 'patched'),
  (tests.answer('patched:conflict')).raw_id, 'canonical_raw_id names the arrival that was patched');
select is((select override_patch from resolved where key = 'patched'), '{"total_amount": 40.0, "line_items": null, "note": "fixed by ops"}'::jsonb,
  'the exception records the patch');
select is(tests.outcome('patched:retry patched'), '(duplicate,,processed,3,200)', 'a retry of the patched payload is a duplicate');
select is(tests.outcome('patched:retry held'), '(quarantined,IDEMPOTENCY_CONFLICT,quarantined,4,202)', 'the original held payload is a conflict');
select is((select count(*)::int from ledger.events_raw where tenant_id = 't_replay' and idempotency_key = 'patched' and result = 'processed'), 1,
  'Bronze is not touched: the replay adds no arrival');

-- An UNKNOWN_EVENT_TYPE exception replayed with a patched type.
select results_eq(
  $$select status, event_type, canonical_payload ->> 'event_type' from ledger.events_processed where tenant_id = 't_replay' and idempotency_key = 'unknown'$$,
  $$values ('processed', 'SALE', 'sale')$$,
  'an unknown type patched to an allowed one is processed (type compared upper-cased)');

-- Every resolved exception.
select is((select array_agg(replay_count order by key) from resolved), array[1, 1, 1, 1], 'each replay is counted once');
select ok((select bool_and(status = 'resolved' and resolution_action = 'override_and_replay' and replayed_at is not null and resolved_at = replayed_at) from resolved),
  'each exception is resolved, replayed, with its time');
select is((select override_patch from resolved where key = 'default'), '{}'::jsonb, 'no patch is recorded as the empty patch');
select is((select count(*)::int from ledger.exceptions where tenant_id = 't_replay' and status = 'open'), 3,
  'only the conflicts that came after the replays are open');
select ok((select bool_and(open_exception_id is null) from ledger.events_processed where tenant_id = 't_replay' and idempotency_key = 'unknown'),
  'a replayed key is held by no exception');
select ok(tests.counts_match('t_replay'), 'health counts equal count(*)');

select * from finish();
rollback;
