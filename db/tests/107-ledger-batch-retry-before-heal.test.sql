-- CONTRACT v1.1 and v2: a batch answers what the same arrivals one by one answer. A return held for
-- MISSING_REFERENCE by its first arrival in a batch, retried later in the same batch, before the
-- sale that heals it (also in the batch): one by one, the retry joins the held key
-- (ALREADY_QUARANTINED) and only then does the sale heal it. Found by
-- edge/test/property/ledger-streams.test.ts.
begin;
select plan(4);

select tests.make_tenant('t_rbh_batch');
select tests.make_tenant('t_rbh_single');
create temp table stream on commit drop as select jsonb_build_array(
  tests.envelope('x', 'ret', '{"event_type": "RETURN", "txn_id": "ret", "original_txn_id": "sale", "total_amount": 10, "line_items": [{"sku": "A", "qty": 1, "amount": 10}]}'),
  tests.envelope('x', 'ret', '{"event_type": "RETURN", "txn_id": "ret", "original_txn_id": "sale", "total_amount": 10, "line_items": [{"sku": "A", "qty": 1, "amount": 10}]}'),
  tests.envelope('x', 'sale', '{"txn_id": "sale", "total_amount": 30, "line_items": [{"sku": "A", "qty": 3, "amount": 30}]}')
) as envelopes;
grant select on stream to ledger_ingest;

select tests.as_producer('t_rbh_single');
create temp table single_lines on commit drop as select tests.outcomes_one_by_one('t_rbh_single', (select envelopes from stream)) as lines;
select tests.as_producer('t_rbh_batch');
create temp table batch_lines on commit drop as select tests.outcomes_batch('t_rbh_batch', (select envelopes from stream)) as lines;
select tests.as_owner();

select is((select lines from single_lines), array['202 quarantined MISSING_REFERENCE 1 quarantined', '202 quarantined ALREADY_QUARANTINED 2 quarantined',
  '201 processed - 1 processed'], 'one by one: held, the retry joins it, the sale posts');
select is((select lines from batch_lines), (select lines from single_lines), 'the batch answers the same');
select is((select arrivals from ledger.exceptions where tenant_id = 't_rbh_batch' and idempotency_key = 'ret'),
  (select arrivals from ledger.exceptions where tenant_id = 't_rbh_single' and idempotency_key = 'ret'), 'its exception holds the same arrivals');
select ok((ledger.reconcile('t_rbh_batch') ->> 'balanced')::boolean, 'reconcile: balanced');

select * from finish();
rollback;
