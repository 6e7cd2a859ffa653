-- The audit trail of an exception: opening is recorded by actor system; resolving by the
-- authenticated operator (ledger.actor, set by the edge), with the actor a request body names
-- kept beside it in claimed_actor, never instead of it; each row holds the state before and after.
begin;
select plan(17);

select tests.make_tenant('t_audit');
select tests.as_producer('t_audit');
select tests.open_conflict('t_audit', 'conflict');
select tests.arrive('unknown', tests.envelope('t_audit', 'unknown', '{"event_type": "MAGIC"}'));
select tests.as_operator('operator:alice');
select ledger.resolve_exception((tests.answer('conflict:conflict')).exception_id, 'override_and_replay', 'the later total is right',
  actor => 'operator:root');
select tests.as_owner();
select ledger.resolve_exception((tests.answer('unknown')).exception_id, 'mark_resolved_no_replay', 'resolved from psql');

create temp table trail on commit drop as
  select a.*, case a.exception_id when (tests.answer('unknown')).exception_id then 'unknown' else 'conflict' end as key
  from ledger.audit_log a where a.tenant_id = 't_audit';

-- Opening.
select results_eq(
  $$select actor, claimed_actor, object_type, object_id, notes from trail where key = 'conflict' and action = 'exception.opened'$$,
  format($$values ('system', null::text, 'exception', %L, null::text)$$, (tests.answer('conflict:conflict')).exception_id),
  'opening a conflict is audited once, by system');
select is((select before ->> 'key_status' from trail where key = 'conflict' and action = 'exception.opened'), 'processed',
  'its before state is the processed key');
select is((select before ->> 'canonical_raw_id' from trail where key = 'conflict' and action = 'exception.opened'),
  (tests.answer('conflict:first')).raw_id::text, 'naming the canonical arrival');
select is((select after ->> 'status' || '/' || (after ->> 'key_status') || '/' || (after ->> 'reason_code') from trail where key = 'conflict' and action = 'exception.opened'),
  'open/quarantined/IDEMPOTENCY_CONFLICT', 'its after state is the open exception and the quarantined key');
select is((select after ->> 'raw_id' from trail where key = 'conflict' and action = 'exception.opened'),
  (tests.answer('conflict:conflict')).raw_id::text, 'naming the arrival that opened it');
select results_eq(
  $$select actor, before from trail where key = 'unknown' and action = 'exception.opened'$$,
  $$values ('system', null::jsonb)$$,
  'opening on a first arrival of an unknown type is audited by system, with no key before');

-- Resolving.
select results_eq(
  $$select actor, claimed_actor, notes from trail where key = 'conflict' and action = 'exception.resolved'$$,
  $$values ('operator:alice', 'operator:root', 'the later total is right')$$,
  'resolving is audited by the authenticated operator; the body''s actor is kept as claimed_actor');
select results_eq(
  format($$select resolved_by, resolved_by_claimed from ledger.exceptions where exception_id = %L$$, (tests.answer('conflict:conflict')).exception_id),
  $$values ('operator:alice', 'operator:root')$$,
  'the exception records both the same way');
select is((select before ->> 'status' || '/' || (before ->> 'key_status') from trail where key = 'conflict' and action = 'exception.resolved'),
  'open/quarantined', 'the before state: open exception, quarantined key');
select is((select after ->> 'status' || '/' || (after ->> 'key_status') || '/' || (after ->> 'resolution_action') from trail
           where key = 'conflict' and action = 'exception.resolved'),
  'resolved/processed/override_and_replay', 'the after state: resolved exception, processed key');
select is((select (before ->> 'replay_count') || '->' || (after ->> 'replay_count') from trail where key = 'conflict' and action = 'exception.resolved'),
  '0->1', 'the replay count before and after');
select is((select after ->> 'canonical_raw_id' from trail where key = 'conflict' and action = 'exception.resolved'),
  (tests.answer('conflict:conflict')).raw_id::text, 'the after state names the new canonical arrival');
select isnt((select before ->> 'canonical_fingerprint' from trail where key = 'conflict' and action = 'exception.resolved'),
  (select after ->> 'canonical_fingerprint' from trail where key = 'conflict' and action = 'exception.resolved'),
  'and the fingerprint it changed');
select is((select (after ->> 'key_status') from trail where key = 'unknown' and action = 'exception.resolved'), 'ignored',
  'mark_resolved_no_replay records the key ignored after');
select is((select actor from trail where key = 'unknown' and action = 'exception.resolved'), session_user::text,
  'without an authenticated operator (a DBA in psql) the actor is the session user');
select is((select count(*)::int from trail), 4, 'two rows for each exception: opened and resolved');
select ok((select bool_and(exception_id::text = object_id and object_type = 'exception') from trail), 'every row names its exception');

select * from finish();
rollback;
