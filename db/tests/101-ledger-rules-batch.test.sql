-- CONTRACT v2: each posting rule through a batch (ledger.ingest_events), against the same
-- envelopes one by one in another tenant: the same answers, the same Silver and Gold. Within one
-- batch a later posting is judged against what the earlier ones posted (a return after its sale, a
-- second return of the last unit, a second key for one txn_id), and a return before its sale in the
-- same batch heals when the sale posts.
begin;
select plan(17);

select tests.make_tenant('t_batch');
select tests.make_tenant('t_single');
-- The envelopes carry tenant 'x': tests.outcomes_batch and tests.outcomes_one_by_one set each tenant.
create function pg_temp.sale(p_key text, p_patch jsonb default '{}') returns jsonb language sql as $$
  select tests.envelope('x', p_key, jsonb_build_object('txn_id', p_key, 'source_event_id', 'src-' || p_key) || p_patch)
$$;
create function pg_temp.of_sale(p_key text, p_type text, p_original text, p_patch jsonb default '{}') returns jsonb language sql as $$
  select tests.envelope('x', p_key, jsonb_build_object('event_type', p_type, 'txn_id', p_key, 'source_event_id', 'src-' || p_key,
    'original_txn_id', p_original) || p_patch)
$$;
grant execute on all functions in schema pg_temp to ledger_ingest, ledger_operator, ledger_readonly;

select tests.as_operator();
select ledger.close_business_day('t_batch', '2026-02-26', 'end of day', 'store_001');
select ledger.close_business_day('t_single', '2026-02-26', 'end of day', 'store_001');
select tests.as_owner();

create temp table stream on commit drop as select jsonb_build_array(
  -- 1. a sale of 3 x A (30.00) and 1 x B (12.50)
  pg_temp.sale('s1', '{"total_amount": 42.50, "line_items": [{"sku": "A", "qty": 3, "amount": 30.00}, {"sku": "B", "qty": 1, "amount": 12.50}]}'),
  -- 2. a return before its sale (sale 13)
  pg_temp.of_sale('early', 'RETURN', 'late-sale', '{"total_amount": 5, "line_items": [{"sku": "A", "qty": 1, "amount": 5}]}'),
  -- 3. a return of 2 A: posts
  pg_temp.of_sale('r1', 'RETURN', 's1', '{"total_amount": 20.00, "line_items": [{"sku": "A", "qty": 2, "amount": 20.00}]}'),
  -- 4. 2 A more: one is left
  pg_temp.of_sale('r2', 'RETURN', 's1', '{"total_amount": 20.00, "line_items": [{"sku": "A", "qty": 2, "amount": 20.00}]}'),
  -- 5. unknown currency
  pg_temp.sale('x1', '{"currency": "ZZZ"}'),
  -- 6. another key, the same store and txn_id as 1
  tests.envelope('x', 'other-key', '{"txn_id": "s1", "source_event_id": "src-other"}'),
  -- 7. another key, the same source event as 1
  tests.envelope('x', 'third-key', '{"txn_id": "t3", "source_event_id": "src-s1"}'),
  -- 8. lines 40 + tax 5 - discount 2 = 43, not 50
  pg_temp.sale('x9', '{"total_amount": 50, "tax_amount": 5, "discount_amount": 2, "line_items": [{"sku": "A", "qty": 1, "amount": 40}]}'),
  -- 9. a return in another currency
  pg_temp.of_sale('r4', 'RETURN', 's1', '{"currency": "EUR", "total_amount": 1, "line_items": [{"sku": "A", "qty": 1, "amount": 1}]}'),
  -- 10. a correction to 1 A while 2 A are returned
  pg_temp.of_sale('c1', 'CORRECTION', 's1', '{"total_amount": 10, "line_items": [{"sku": "A", "qty": 1, "amount": 10}]}'),
  -- 11. a sale, then its void, then a return of it
  pg_temp.sale('s2', '{"total_amount": 7, "line_items": [{"sku": "C", "qty": 1, "amount": 7}]}'),
  pg_temp.of_sale('v2', 'VOID', 's2', '{"total_amount": null, "line_items": null}'),
  -- 13. the sale the early return waited for
  pg_temp.sale('late-sale', '{"total_amount": 5, "line_items": [{"sku": "A", "qty": 1, "amount": 5}]}'),
  -- 14. a return of a voided sale
  pg_temp.of_sale('r6', 'RETURN', 's2', '{"total_amount": 1, "line_items": [{"sku": "C", "qty": 1, "amount": 1}]}'),
  -- 15. a sale onto the closed day
  pg_temp.sale('late', '{"occurred_at": "2026-02-26T10:00:00Z"}'),
  -- 16. a correction that raises the sale to 4 A, then the return of the 4th A's pair: 1 + 1 left
  pg_temp.of_sale('c2', 'CORRECTION', 's1', '{"total_amount": 52.50, "line_items": [{"sku": "A", "qty": 4, "amount": 40.00}, {"sku": "B", "qty": 1, "amount": 12.50}]}'),
  pg_temp.of_sale('r5', 'RETURN', 's1', '{"total_amount": 20.00, "line_items": [{"sku": "A", "qty": 2, "amount": 20.00}]}'),
  -- 18. a void whose total is not what is left (52.50 - 40.00), then one without amounts
  pg_temp.of_sale('v0', 'VOID', 's1', '{"total_amount": 99, "line_items": null}'),
  pg_temp.of_sale('v1', 'VOID', 's1', '{"total_amount": null, "line_items": null}'),
  -- 20. a retry of the sale, and a sale under its key with another payload
  pg_temp.sale('s1', '{"total_amount": 42.50, "line_items": [{"sku": "A", "qty": 3, "amount": 30.00}, {"sku": "B", "qty": 1, "amount": 12.50}]}'),
  pg_temp.sale('s1', '{"total_amount": 41}')
) as envelopes;
grant select on stream to ledger_ingest;

select tests.as_producer('t_batch');
create temp table batch_lines on commit drop as select tests.outcomes_batch('t_batch', (select envelopes from stream)) as lines;
select tests.as_producer('t_single');
create temp table single_lines on commit drop as select tests.outcomes_one_by_one('t_single', (select envelopes from stream)) as lines;
select tests.as_owner();

select is((select array_agg(split_part(l, ' ', 3) order by n) from batch_lines, unnest(lines) with ordinality u(l, n)),
  array['-', 'MISSING_REFERENCE', '-', 'CANNOT_EXCEED_ORIGINAL', 'SCHEMA_VALIDATION_FAILED', 'DUPLICATE_TRANSACTION',
        'DUPLICATE_SOURCE_EVENT_ID', 'TOTALS_MISMATCH', 'CURRENCY_MISMATCH', 'CANNOT_EXCEED_ORIGINAL', '-', '-', '-', 'ORIGINAL_REVERSED',
        'LATE_EVENT_OUTSIDE_WINDOW', '-', '-', 'TOTALS_MISMATCH', '-', '-', 'IDEMPOTENCY_CONFLICT'],
  'through a batch, every rule holds its arrival with its reason code, in the call''s order');
select is((select lines from batch_lines), (select lines from single_lines), 'and the batch answers what the same arrivals one by one answer');
select is(tests.silver_lines('t_batch'), tests.silver_lines('t_single'), 'the same Silver: postings, versions, lines, references');
select is(tests.gold_lines('t_batch'), tests.gold_lines('t_single'), 'the same Gold');
select is(tests.gold_lines('t_batch'),
  array['store_001|2026-02-25|USD|3|54.50|3|45.00|1|10.00|2|19.50|0.00'],
  'Gold: sales 42.50 + 7 + 5, returns 20 + 20 + 5 (healed), the correction''s +10, the voids of 7 and 12.50, net 0');
select is((select count(*)::int from ledger.ledger_transactions where tenant_id = 't_batch' and superseded_by is null), 9,
  'nine postings: three sales, three returns, one correction, two voids');

create function pg_temp.details(p_tenant text, p_key text) returns jsonb language sql as $$
  select e.details from ledger.exceptions e where e.tenant_id = p_tenant and e.idempotency_key = p_key
$$;
select is(pg_temp.details('t_batch', 'r2') #>> '{lines,0,remaining}', '1', 'CANNOT_EXCEED_ORIGINAL details: what was left of the sku, as the batch''s earlier return left it');
select is(pg_temp.details('t_batch', 'other-key') ->> 'posted_by', 's1', 'DUPLICATE_TRANSACTION details: the key that posted it');
select is(pg_temp.details('t_batch', 'x9') ->> 'expected', '43', 'TOTALS_MISMATCH details: what was expected');
select is(pg_temp.details('t_batch', 'v0') ->> 'expected', '12.50', 'a void judged against the sale as corrected in the same batch, net of its returns');
select is(pg_temp.details('t_batch', 'x1') #>> '{errors,0,path}', 'currency', 'SCHEMA_VALIDATION_FAILED details: the field');
-- reversed_by is a posting id, which differs between the tenants.
select is((select array_agg(pg_temp.details('t_batch', k) - 'reversed_by') from unnest(array['r2', 'other-key', 'third-key', 'x9', 'r4', 'c1', 'r6', 'late', 'v0', 'x1']) k),
          (select array_agg(pg_temp.details('t_single', k) - 'reversed_by') from unnest(array['r2', 'other-key', 'third-key', 'x9', 'r4', 'c1', 'r6', 'late', 'v0', 'x1']) k),
  'every exception''s details are those of the one-by-one path');

select results_eq($$select e.status, e.resolution_action, e.resolved_by, k.status from ledger.exceptions e
                    join ledger.events_processed k using (tenant_id, idempotency_key) where e.tenant_id = 't_batch' and e.idempotency_key = 'early'$$,
  $$values ('resolved'::text, 'auto_replay'::text, 'system'::text, 'processed'::text)$$,
  'the return before its sale, in the same batch: healed when the sale posted, by system');
select is((select count(*)::int from ledger.audit_log a join ledger.exceptions e using (tenant_id, exception_id)
           where e.tenant_id = 't_batch' and e.idempotency_key = 'early' and a.action = 'exception.resolved' and a.actor = 'system'),
  1, 'audited once');

select ok((ledger.reconcile('t_batch') ->> 'balanced')::boolean, 'reconcile (batch tenant): balanced, Gold = Silver');
select ok((ledger.reconcile('t_single') ->> 'balanced')::boolean, 'reconcile (one-by-one tenant): balanced, Gold = Silver');
select ok(tests.counts_match('t_batch'), 'counters equal count(*), postings included');

select * from finish();
rollback;
