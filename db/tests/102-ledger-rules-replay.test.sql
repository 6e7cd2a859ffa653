-- CONTRACT v2: each posting rule through a replay (ledger.resolve_exception, override_and_replay).
-- An exception held for a rule, replayed as it came (the latest arrival), is refused LSR01 naming
-- that rule and changes nothing; a patch that breaks a rule is refused the same way; the patch that
-- fixes the payload posts it, and Gold moves by it.
begin;
select plan(35);

select tests.make_tenant('t_rr');
create function pg_temp.sale(p_key text, p_patch jsonb default '{}') returns jsonb language sql as $$
  select tests.envelope('t_rr', p_key, jsonb_build_object('txn_id', p_key, 'source_event_id', 'src-' || p_key) || p_patch)
$$;
create function pg_temp.of_sale(p_key text, p_type text, p_original text, p_patch jsonb default '{}') returns jsonb language sql as $$
  select tests.envelope('t_rr', p_key, jsonb_build_object('event_type', p_type, 'txn_id', p_key, 'source_event_id', 'src-' || p_key,
    'original_txn_id', p_original) || p_patch)
$$;
create function pg_temp.exception_of(p_key text) returns uuid language sql as $$
  select e.exception_id from ledger.exceptions e where e.tenant_id = 't_rr' and e.idempotency_key = p_key order by e.opened_at desc limit 1
$$;
-- What a refused replay must leave as it was: Silver, Gold, every exception and key, the audit
-- trail and the counters.
create function pg_temp.state() returns jsonb language sql as $$
  select jsonb_build_object(
    'silver', (select jsonb_agg(to_jsonb(t) order by t.posting_id) from ledger.ledger_transactions t where t.tenant_id = 't_rr'),
    'lines', (select count(*) from ledger.ledger_line_items l where l.tenant_id = 't_rr'),
    'references', (select count(*) from ledger.ledger_references r where r.tenant_id = 't_rr'),
    'gold', (select jsonb_agg(to_jsonb(g) order by g.store_id, g.business_date, g.currency) from ledger.get_daily_sales('t_rr') g),
    'exceptions', (select jsonb_agg(jsonb_build_array(e.idempotency_key, e.status, e.reason_code, e.details, e.replay_count) order by e.exception_id)
                   from ledger.exceptions e where e.tenant_id = 't_rr'),
    'keys', (select jsonb_agg(jsonb_build_array(k.idempotency_key, k.status, k.canonical_raw_id, k.canonical_fingerprint) order by k.idempotency_key)
             from ledger.events_processed k where k.tenant_id = 't_rr'),
    'audit', (select count(*) from ledger.audit_log a where a.tenant_id = 't_rr'),
    'health', ledger.health('t_rr'))
$$;
create function pg_temp.replay(p_key text, p_patch jsonb default '{}') returns text language sql as $$
  select format('select ledger.resolve_exception(%L, ''override_and_replay'', ''replayed by the test'', %L)', pg_temp.exception_of(p_key), p_patch)
$$;
grant execute on all functions in schema pg_temp to ledger_ingest, ledger_operator, ledger_readonly;

select tests.as_operator();
select ledger.close_business_day('t_rr', '2026-02-26', 'end of day', 'store_001');
select tests.as_producer('t_rr');
-- Posted: s1 (3 A, 1 B), s2 (1 C) and its void, s3 (5 D), a return of 2 A of s1.
select tests.arrive('s1', pg_temp.sale('s1', '{"total_amount": 42.50, "line_items": [{"sku": "A", "qty": 3, "amount": 30.00}, {"sku": "B", "qty": 1, "amount": 12.50}]}'));
select tests.arrive('s2', pg_temp.sale('s2', '{"total_amount": 7, "line_items": [{"sku": "C", "qty": 1, "amount": 7}]}'));
select tests.arrive('v2', pg_temp.of_sale('v2', 'VOID', 's2', '{"total_amount": null, "line_items": null}'));
select tests.arrive('s3', pg_temp.sale('s3', '{"total_amount": 50, "line_items": [{"sku": "D", "qty": 5, "amount": 50}]}'));
select tests.arrive('r1', pg_temp.of_sale('r1', 'RETURN', 's1', '{"total_amount": 20.00, "line_items": [{"sku": "A", "qty": 2, "amount": 20.00}]}'));
-- Held, one per rule.
select tests.arrive('schema', pg_temp.sale('schema', '{"currency": "ZZZ"}'));
select tests.arrive('dup-txn', tests.envelope('t_rr', 'dup-txn', '{"txn_id": "s1", "source_event_id": "src-dup-txn"}'));
select tests.arrive('dup-source', tests.envelope('t_rr', 'dup-source', '{"txn_id": "dup-source", "source_event_id": "src-s1"}'));
select tests.arrive('totals', pg_temp.sale('totals', '{"total_amount": 50, "tax_amount": 5, "discount_amount": 2, "line_items": [{"sku": "A", "qty": 1, "amount": 40}]}'));
select tests.arrive('missing', pg_temp.of_sale('missing', 'RETURN', 'nowhere', '{"total_amount": 10, "line_items": [{"sku": "D", "qty": 1, "amount": 10}]}'));
select tests.arrive('currency', pg_temp.of_sale('currency', 'RETURN', 's1', '{"currency": "EUR", "total_amount": 12.50, "line_items": [{"sku": "B", "qty": 1, "amount": 12.50}]}'));
select tests.arrive('reversed', pg_temp.of_sale('reversed', 'RETURN', 's2', '{"total_amount": 7, "line_items": [{"sku": "C", "qty": 1, "amount": 7}]}'));
select tests.arrive('over', pg_temp.of_sale('over', 'RETURN', 's1', '{"total_amount": 20.00, "line_items": [{"sku": "A", "qty": 2, "amount": 20.00}]}'));
select tests.arrive('late', pg_temp.sale('late', '{"occurred_at": "2026-02-26T10:00:00Z"}'));
select tests.as_owner();
select is((select array_agg((tests.answer(k)).reason_code order by n) from unnest(array['schema', 'dup-txn', 'dup-source', 'totals', 'missing', 'currency', 'reversed', 'over', 'late']) with ordinality u(k, n)),
  array['SCHEMA_VALIDATION_FAILED', 'DUPLICATE_TRANSACTION', 'DUPLICATE_SOURCE_EVENT_ID', 'TOTALS_MISMATCH', 'MISSING_REFERENCE', 'CURRENCY_MISMATCH',
        'ORIGINAL_REVERSED', 'CANNOT_EXCEED_ORIGINAL', 'LATE_EVENT_OUTSIDE_WINDOW'],
  'one exception held for each rule');

create temp table before on commit drop as select pg_temp.state() as state;
select tests.as_operator();
-- Replayed as they came: refused, naming the rule.
select throws_ok(pg_temp.replay('schema'), 'LSR01', 'the replayed payload breaks a posting rule (SCHEMA_VALIDATION_FAILED)', 'replay: SCHEMA_VALIDATION_FAILED refused');
select is(tests.error_paths(pg_temp.replay('schema')), array['currency'], 'with the schema''s own errors');
select throws_ok(pg_temp.replay('dup-txn'), 'LSR01', 'the replayed payload breaks a posting rule (DUPLICATE_TRANSACTION)', 'replay: DUPLICATE_TRANSACTION refused');
select throws_ok(pg_temp.replay('dup-source'), 'LSR01', 'the replayed payload breaks a posting rule (DUPLICATE_SOURCE_EVENT_ID)', 'replay: DUPLICATE_SOURCE_EVENT_ID refused');
select throws_ok(pg_temp.replay('totals'), 'LSR01', 'the replayed payload breaks a posting rule (TOTALS_MISMATCH)', 'replay: TOTALS_MISMATCH refused');
select throws_ok(pg_temp.replay('missing'), 'LSR01', 'the replayed payload breaks a posting rule (MISSING_REFERENCE)', 'replay: MISSING_REFERENCE refused');
select throws_ok(pg_temp.replay('currency'), 'LSR01', 'the replayed payload breaks a posting rule (CURRENCY_MISMATCH)', 'replay: CURRENCY_MISMATCH refused');
select throws_ok(pg_temp.replay('reversed'), 'LSR01', 'the replayed payload breaks a posting rule (ORIGINAL_REVERSED)', 'replay: ORIGINAL_REVERSED refused');
select throws_ok(pg_temp.replay('over'), 'LSR01', 'the replayed payload breaks a posting rule (CANNOT_EXCEED_ORIGINAL)', 'replay: CANNOT_EXCEED_ORIGINAL refused');
select is(tests.error_paths(pg_temp.replay('over')), array['override_patch'], 'a rule other than the schema''s is named on override_patch');
select throws_ok(pg_temp.replay('late'), 'LSR01', 'the replayed payload breaks a posting rule (LATE_EVENT_OUTSIDE_WINDOW)', 'replay: LATE_EVENT_OUTSIDE_WINDOW refused');
-- Patches that fix one rule and break another: refused with the rule they break.
select throws_ok(pg_temp.replay('over', '{"currency": "EUR", "total_amount": 10.00, "line_items": [{"sku": "A", "qty": 1, "amount": 10.00}]}'),
  'LSR01', 'the replayed payload breaks a posting rule (CURRENCY_MISMATCH)', 'a patch that brings in another currency is refused');
select throws_ok(pg_temp.replay('totals', '{"total_amount": 43, "txn_id": "s1"}'),
  'LSR01', 'the replayed payload breaks a posting rule (DUPLICATE_TRANSACTION)', 'a patch onto a posted txn_id is refused');
select throws_ok(pg_temp.replay('totals', '{"total_amount": 43, "occurred_at": "2026-02-26T09:00:00Z"}'),
  'LSR01', 'the replayed payload breaks a posting rule (LATE_EVENT_OUTSIDE_WINDOW)', 'a patch onto a closed day is refused');
select throws_ok(pg_temp.replay('missing', '{"original_txn_id": "s3", "line_items": [{"sku": "D", "qty": 6, "amount": 10}]}'),
  'LSR01', 'the replayed payload breaks a posting rule (CANNOT_EXCEED_ORIGINAL)', 'a patch that returns more than was sold is refused');
select throws_ok(pg_temp.replay('missing', '{"original_txn_id": "s3", "total_amount": 1.005, "line_items": [{"sku": "D", "qty": 1, "amount": 1.005}]}'),
  'LSR01', 'the replayed payload breaks a posting rule (SCHEMA_VALIDATION_FAILED)', 'a patch with more decimals than the currency is refused');
select throws_ok(pg_temp.replay('missing', '{"original_txn_id": "s2"}'),
  'LSR01', 'the replayed payload breaks a posting rule (ORIGINAL_REVERSED)', 'a patch onto a voided sale is refused');
select tests.as_owner();
select is(pg_temp.state(), (select state from before), 'the refused replays changed nothing: Silver, Gold, exceptions, keys, audit, counters');

-- The patches that fix them post.
select tests.as_operator();
select lives_ok(pg_temp.replay('schema', '{"currency": "USD"}'), 'SCHEMA_VALIDATION_FAILED fixed (the currency): posted');
select lives_ok(pg_temp.replay('dup-txn', '{"txn_id": "dup-txn"}'), 'DUPLICATE_TRANSACTION fixed (its own txn_id): posted');
select lives_ok(pg_temp.replay('dup-source', '{"source_event_id": "src-dup-source"}'), 'DUPLICATE_SOURCE_EVENT_ID fixed: posted');
select lives_ok(pg_temp.replay('totals', '{"total_amount": 43}'), 'TOTALS_MISMATCH fixed: posted');
select lives_ok(pg_temp.replay('missing', '{"original_txn_id": "s3"}'), 'MISSING_REFERENCE fixed (the sale it meant): posted');
select lives_ok(pg_temp.replay('currency', '{"currency": "USD"}'), 'CURRENCY_MISMATCH fixed: posted');
select lives_ok(pg_temp.replay('reversed', '{"original_txn_id": "s3", "line_items": [{"sku": "D", "qty": 1, "amount": 7}]}'), 'ORIGINAL_REVERSED fixed (another sale): posted');
select lives_ok(pg_temp.replay('over', '{"total_amount": 10.00, "line_items": [{"sku": "A", "qty": 1, "amount": 10.00}]}'), 'CANNOT_EXCEED_ORIGINAL fixed (the unit left): posted');
select lives_ok(pg_temp.replay('late', '{"occurred_at": "2026-02-25T18:00:00Z"}'), 'LATE_EVENT_OUTSIDE_WINDOW fixed (moved to an open day): posted');
select tests.as_owner();

select is((select count(*)::int from ledger.exceptions e where e.tenant_id = 't_rr' and e.status = 'open'), 0, 'no exception is left open');
select is((select array_agg(t.idempotency_key || ':' || t.kind order by t.idempotency_key) from ledger.ledger_transactions t
           where t.tenant_id = 't_rr' and t.superseded_by is null and t.idempotency_key in ('schema', 'dup-txn', 'dup-source', 'totals', 'missing', 'currency', 'reversed', 'over', 'late')),
  array['currency:return', 'dup-source:sale', 'dup-txn:sale', 'late:sale', 'missing:return', 'over:return', 'reversed:return', 'schema:sale', 'totals:sale'],
  'each replayed key has its posting');
select is((select t.business_date from ledger.ledger_transactions t where t.tenant_id = 't_rr' and t.idempotency_key = 'late'), '2026-02-25'::date,
  'the moved sale lands on the open day');
select results_eq($$select sales_count, sales_amount, returns_count, returns_amount, reversals_count, reversals_amount, net_amount
                    from ledger.get_daily_sales('t_rr', 'store_001') where business_date = '2026-02-25'$$,
  -- sales: 42.50 + 7 + 50 (s1-s3) + 42.50 x 4 (schema, dup-txn, dup-source, late) + 43 (totals);
  -- returns: 20 (r1) + 10 (missing) + 12.50 (currency) + 7 (reversed) + 10 (over); the void of 7.
  $$values (8::bigint, 312.50::numeric, 5::bigint, 59.50::numeric, 1::bigint, 7::numeric, 246.00::numeric)$$,
  'Gold moved by every replayed posting');
select is((select array_agg(distinct (e.resolution_action, e.resolved_by)::text) from ledger.exceptions e where e.tenant_id = 't_rr' and e.status = 'resolved'),
  array['(override_and_replay,operator:test)'], 'resolved by the operator''s replays');
select ok((ledger.reconcile('t_rr') ->> 'balanced')::boolean, 'reconcile: balanced, Gold = Silver');
select ok(tests.counts_match('t_rr'), 'counters equal count(*), postings included');

select * from finish();
rollback;
