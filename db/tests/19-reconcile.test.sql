-- ledger.reconcile proves raw arrivals = processed + duplicate + quarantined + ignored arrivals and
-- the counters against count(*), and reports drift when anything disagrees.
begin;
select plan(8);

select tests.make_tenant('t_rec');
select tests.as_producer('t_rec');
select ledger.ingest_event(tests.envelope('t_rec', 'r1'));
select ledger.ingest_event(tests.envelope('t_rec', 'r1'));
select ledger.ingest_event(tests.envelope('t_rec', 'r1', '{"total_amount": 1}'));
select ledger.ingest_event(tests.envelope('t_rec', 'r2', '{"event_type": "MAGIC"}'));
select ledger.ingest_event(tests.envelope('t_rec', 'r3'));
select ledger.ingest_event(tests.envelope('t_rec', 'r3', '{"total_amount": 2}'));
select tests.as_operator();
select ledger.resolve_exception((select exception_id from ledger.exceptions where tenant_id = 't_rec' and idempotency_key = 'r3'),
  'mark_resolved_no_replay', 'void');
select tests.as_producer('t_rec');
select ledger.ingest_event(tests.envelope('t_rec', 'r3'));

select is((ledger.reconcile() ->> 'balanced')::boolean, true, 'a producer reconciles its own tenant: balanced');
select is(ledger.reconcile() -> 'arrivals',
  '{"events_raw": 7, "processed": 2, "duplicate": 1, "quarantined": 3, "ignored": 1}'::jsonb, 'arrivals by result');
select is(ledger.reconcile() -> 'drift', '[]'::jsonb, 'no drift');
select throws_ok($$ select ledger.reconcile('t_other') $$, '42501', null, 'a producer cannot reconcile another tenant');

select tests.as_readonly();
select is((ledger.reconcile('t_rec') ->> 'balanced')::boolean, true, 'read-only role reconciles any tenant');
select is(jsonb_array_length(ledger.reconcile('t_rec') -> 'checks'), 13, 'thirteen checks: ten of arrivals and counters, three of the ledger');

-- Tamper with a counter as the owner: reconcile must say so.
select tests.as_owner();
update ledger_private.tenant_counters set events_raw = events_raw + 1 where tenant_id = 't_rec' and shard = (select min(shard) from ledger_private.tenant_counters where tenant_id = 't_rec');
select is((ledger.reconcile('t_rec') ->> 'balanced')::boolean, false, 'drift is detected');
select is(ledger.reconcile('t_rec') #>> '{drift,0,check}', 'health events_raw = count(*)', 'and named');

select * from finish();
rollback;
