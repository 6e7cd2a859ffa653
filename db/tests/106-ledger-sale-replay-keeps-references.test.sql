-- CONTRACT v2: returns, corrections and reversals are computed against the original as corrected,
-- net of earlier returns, and never more is returned than was sold. A replay that changes a sale
-- which postings refer to (same store and txn_id, other lines or amounts) must keep that true:
-- whether the replay is refused or posts, afterwards nothing is returned beyond what the sale now
-- sells, a voided sale nets to zero, and a corrected sale nets to its correction's total.
begin;
select plan(6);

select tests.make_tenant('t_srr');
create function pg_temp.sale(p_key text, p_patch jsonb default '{}') returns jsonb language sql as $$
  select tests.envelope('t_srr', p_key, jsonb_build_object('txn_id', p_key, 'source_event_id', 'src-' || p_key) || p_patch)
$$;
create function pg_temp.of_sale(p_key text, p_type text, p_original text, p_patch jsonb default '{}') returns jsonb language sql as $$
  select tests.envelope('t_srr', p_key, jsonb_build_object('event_type', p_type, 'txn_id', p_key, 'source_event_id', 'src-' || p_key,
    'original_txn_id', p_original) || p_patch)
$$;
-- The operator replays the key's open conflict; the answer is 'posted' or the SQLSTATE and message.
create function pg_temp.replay(p_key text) returns text language plpgsql as $$
begin
  perform ledger.resolve_exception((select e.exception_id from ledger.exceptions e where e.tenant_id = 't_srr' and e.idempotency_key = p_key and e.status = 'open'),
    'override_and_replay', 'the later arrival is right');
  return 'posted';
exception when others then
  return sqlstate || ' ' || sqlerrm;
end
$$;
-- Net sales of one sale's store and day as Silver has them: what the sale, its returns, corrections
-- and reversals moved.
create function pg_temp.net_of(p_txn text) returns numeric language sql as $$
  select sum(case t.kind when 'sale' then t.gold_amount when 'return' then -t.gold_amount when 'correction' then t.gold_amount else -t.gold_amount end)
  from ledger.ledger_transactions t
  where t.tenant_id = 't_srr' and t.superseded_by is null
    and (t.txn_id = p_txn and t.kind = 'sale'
         or exists (select from ledger.ledger_references r where r.tenant_id = t.tenant_id and r.posting_id = t.posting_id and r.original_txn_id = p_txn))
$$;
grant execute on all functions in schema pg_temp to ledger_ingest, ledger_operator, ledger_readonly;

select tests.as_producer('t_srr');
-- Returned 2 of 3 A; then the sale is re-sent under its key with 1 A.
select tests.arrive('ret', pg_temp.sale('ret', '{"total_amount": 30, "line_items": [{"sku": "A", "qty": 3, "amount": 30}]}'));
select tests.arrive('ret-r', pg_temp.of_sale('ret-r', 'RETURN', 'ret', '{"total_amount": 20, "line_items": [{"sku": "A", "qty": 2, "amount": 20}]}'));
select tests.arrive('ret:less', pg_temp.sale('ret', '{"total_amount": 10, "line_items": [{"sku": "A", "qty": 1, "amount": 10}]}'));
-- Voided; then re-sent for 12.
select tests.arrive('void', pg_temp.sale('void', '{"total_amount": 10, "line_items": [{"sku": "A", "qty": 1, "amount": 10}]}'));
select tests.arrive('void-v', pg_temp.of_sale('void-v', 'VOID', 'void', '{"total_amount": null, "line_items": null}'));
select tests.arrive('void:more', pg_temp.sale('void', '{"total_amount": 12, "line_items": [{"sku": "A", "qty": 1, "amount": 12}]}'));
-- Corrected from 42.50 to 52.50; then re-sent for 41.
select tests.arrive('corr', pg_temp.sale('corr'));
select tests.arrive('corr-c', pg_temp.of_sale('corr-c', 'CORRECTION', 'corr', '{"total_amount": 52.50, "line_items": [{"sku": "A", "qty": 2, "amount": 52.50}]}'));
select tests.arrive('corr:less', pg_temp.sale('corr', '{"total_amount": 41}'));
select tests.as_owner();
select is(array[(tests.answer('ret:less')).reason_code, (tests.answer('void:more')).reason_code, (tests.answer('corr:less')).reason_code],
  array_fill('IDEMPOTENCY_CONFLICT'::text, array[3]), 'each re-sent sale is a conflict on its key');

select tests.as_operator();
create temp table replays on commit drop as select k, pg_temp.replay(k) as outcome from unnest(array['ret', 'void', 'corr']) k;
select tests.as_owner();
select diag(k || ': ' || outcome) from replays;

select is((select jsonb_object_agg(sku, s.value ->> 'remaining') from jsonb_each(ledger_private.original_state('t_srr', 'store_001', 'ret') -> 'lines') s(sku, value)
           where (s.value ->> 'remaining')::numeric < 0), null,
  'after the replay of a returned sale, no sku is returned beyond what the sale sells');
select cmp_ok((select sum(l.qty) from ledger.ledger_line_items l join ledger.ledger_transactions t using (tenant_id, posting_id)
               where t.tenant_id = 't_srr' and t.txn_id = 'ret-r' and t.superseded_by is null), '<=',
              (select sum(l.qty) from ledger.ledger_line_items l join ledger.ledger_transactions t using (tenant_id, posting_id)
               where t.tenant_id = 't_srr' and t.txn_id = 'ret' and t.kind = 'sale' and t.superseded_by is null),
  'Silver: the returned quantity is at most the sold one');
select is(pg_temp.net_of('void'), 0::numeric, 'a voided sale nets to zero after its replay');
select is(pg_temp.net_of('corr'), 52.50, 'a corrected sale nets to its correction''s total after its replay');
select ok((ledger.reconcile('t_srr') ->> 'balanced')::boolean, 'reconcile: balanced');

select * from finish();
rollback;
