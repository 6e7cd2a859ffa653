-- The edge's prepared ingest: it acts as ledger_ingest bound to the tenant it is given, exactly as
-- ingest_event does for a producer, and only ledger_edge (and the owner) may call it.
begin;
select plan(6);

select tests.make_tenant('t_edge');
select tests.make_tenant('t_edge_other');

set local role ledger_edge;
select is((ledger_private.ingest_event_as('t_edge', 'producer:till', tests.envelope('t_edge', 'k1'), 'http')).result, 'processed',
  'ledger_edge ingests for the tenant it names');
select is(current_user::text, 'ledger_ingest', 'and is ledger_ingest for the rest of the transaction');
reset role;
set local role ledger_edge;
select throws_ok($$ select ledger_private.ingest_event_as('t_edge_other', 'producer:till', tests.envelope('t_edge', 'k2'), 'http') $$,
  '42501', null, 'bound to one tenant, another tenant''s event is refused (42501)');
select throws_ok($$ select ledger_private.ingest_event_as('t_edge', 'producer:till', '{}', 'http') $$,
  '22023', null, 'an invalid envelope is 22023 as with ingest_event');
reset role;

select tests.as_producer('t_edge');
select throws_ok($$ select ledger_private.ingest_event_as('t_edge', 'x', tests.envelope('t_edge', 'k3'), 'http') $$,
  '42501', null, 'a producer role cannot call it');
select tests.as_owner();
select is((select source from ledger.events_raw where tenant_id = 't_edge' and idempotency_key = 'k1'), 'http', 'the arrival is in Bronze with its source');

select * from finish();
rollback;
