-- A new ledger analyses itself after its first postings: without statistics every Silver index
-- that leads with tenant_id looked as good as the exact one, and a session's cached plan read all
-- of a tenant's postings for each new one (a batch of 1000 sales on a new ledger took 63 s; 0.7 s
-- since). Checked by the plans of the lookups a posting makes, after 300 postings in one call.
begin;
select plan(4);

select tests.make_tenant('t_stats');
select tests.as_producer('t_stats');
select count(*) from ledger.ingest_events((
  select jsonb_agg(tests.envelope('t_stats', 'st-' || i, jsonb_build_object('txn_id', 'st-' || i, 'source_event_id', 'src-st-' || i)))
  from generate_series(1, 300) i));
select tests.as_owner();

select ok((select c.reltuples >= 0 from pg_class c where c.oid = 'ledger.ledger_transactions'::regclass), 'Silver has statistics');
create function pg_temp.plan_of(p_query text) returns text language plpgsql as $$
declare v_line text; v_plan text := '';
begin
  for v_line in execute 'explain (generic_plan) ' || p_query loop v_plan := v_plan || v_line || E'\n'; end loop;
  return v_plan;
end $$;
select matches(pg_temp.plan_of('select 1 from ledger.ledger_transactions t where t.tenant_id = $1 and t.idempotency_key = $2 and t.superseded_by is null'),
  'ledger_transactions_current_key', 'a key''s current posting: its own index');
select matches(pg_temp.plan_of('select 1 from ledger.ledger_transactions t where t.tenant_id = $1 and t.store_id = $2 and t.txn_id = $3 and t.superseded_by is null'),
  'ledger_transactions_current_txn', 'a transaction''s current posting: its own index');
select matches(pg_temp.plan_of('select 1 from ledger.ledger_transactions t where t.tenant_id = $1 and t.source_system = $2 and t.source_event_id = $3 and t.superseded_by is null'),
  'ledger_transactions_current_source', 'a source event''s current posting: its own index');

select * from finish();
rollback;
