-- CONTRACT v2: each posting rule, through single arrivals, with its reason code and details; what
-- posts moves Silver and Gold; a return that came before its sale heals when the sale posts.
begin;
select plan(40);

select tests.make_tenant('t_rules');
create function pg_temp.sale(p_key text, p_patch jsonb default '{}') returns jsonb language sql as $$
  select tests.envelope('t_rules', p_key, jsonb_build_object('txn_id', p_key, 'source_event_id', 'src-' || p_key) || p_patch)
$$;
create function pg_temp.of_sale(p_key text, p_type text, p_original text, p_patch jsonb default '{}') returns jsonb language sql as $$
  select tests.envelope('t_rules', p_key, jsonb_build_object('event_type', p_type, 'txn_id', p_key, 'source_event_id', 'src-' || p_key,
    'original_txn_id', p_original) || p_patch)
$$;
create function pg_temp.reason(p_step text) returns text language sql as $$ select (tests.answer(p_step)).reason_code $$;
create function pg_temp.details(p_step text) returns jsonb language sql as $$
  select e.details from ledger.exceptions e where e.exception_id = (tests.answer(p_step)).exception_id
$$;
grant execute on all functions in schema pg_temp to ledger_ingest, ledger_operator, ledger_readonly;

select tests.as_producer('t_rules');
-- A sale of 3 x A (30.00) and 1 x B (12.50): total 42.50.
select tests.arrive('s1', pg_temp.sale('s1', '{"total_amount": 42.50, "line_items": [{"sku": "A", "qty": 3, "amount": 30.00}, {"sku": "B", "qty": 1, "amount": 12.50}]}'));
select tests.as_owner();
select is((tests.answer('s1')).result, 'processed', 'a well-formed sale is processed');
select results_eq($$select kind, total_amount, currency, version, status, business_date from ledger.ledger_transactions where tenant_id = 't_rules' and store_id = 'store_001' and txn_id = 's1'$$,
  $$values ('sale'::text, 42.50::numeric, 'USD'::text, 1, 'posted'::text, '2026-02-25'::date)$$, 'and posted to Silver');
select is((select count(*)::int from ledger.ledger_line_items l join ledger.ledger_transactions t using (tenant_id, posting_id) where t.txn_id = 's1'), 2, 'with its lines');
select results_eq($$select sales_count, sales_amount, net_amount from ledger.get_daily_sales('t_rules')$$, $$values (1::bigint, 42.50::numeric, 42.50::numeric)$$,
  'Gold moved by it');

select tests.as_producer('t_rules');
select tests.arrive('schema-currency', pg_temp.sale('x1', '{"currency": "ZZZ"}'));
select tests.arrive('schema-metal', pg_temp.sale('x2', '{"currency": "XAU"}'));
select tests.arrive('schema-decimals', pg_temp.sale('x3', '{"total_amount": 1.234}'));
select tests.arrive('schema-qty', pg_temp.sale('x4', '{"total_amount": 1, "line_items": [{"sku": "A", "qty": 0, "amount": 1}]}'));
select tests.arrive('schema-negative', pg_temp.sale('x5', '{"discount_amount": -1}'));
select tests.arrive('schema-return', pg_temp.of_sale('x6', 'RETURN', null, '{"original_txn_id": null}'));
select tests.arrive('jpy', pg_temp.sale('x7', '{"currency": "JPY", "total_amount": 100, "line_items": [{"sku": "A", "qty": 1, "amount": 100}]}'));
select tests.arrive('jpy-decimals', pg_temp.sale('x8', '{"currency": "JPY", "total_amount": 100.5, "line_items": [{"sku": "A", "qty": 1, "amount": 100.5}]}'));
select tests.as_owner();
select is(array[pg_temp.reason('schema-currency'), pg_temp.reason('schema-metal'), pg_temp.reason('schema-decimals'), pg_temp.reason('schema-qty'),
                pg_temp.reason('schema-negative'), pg_temp.reason('schema-return'), pg_temp.reason('jpy-decimals')],
  array_fill('SCHEMA_VALIDATION_FAILED'::text, array[7]), 'SCHEMA_VALIDATION_FAILED: unknown currency, no minor units, decimals, qty, negative, no original');
select is((select array_agg(e ->> 'path' order by e ->> 'path') from jsonb_array_elements(pg_temp.details('schema-decimals') -> 'errors') e),
  array['line_items.0.amount', 'total_amount'], 'details.errors name each field');
select is(pg_temp.details('schema-qty') #>> '{errors,0,path}', 'line_items.0.qty', 'a quantity not above zero');
select is((tests.answer('jpy')).result, 'processed', 'a currency without decimals takes whole amounts');
select is((tests.answer('schema-currency')).status, 202, 'a rule broken is a quarantine (202), not a refusal');

-- Identifiers longer than Silver's indexes hold: told what is wrong (was PROCESSING_ERROR, 54000).
select tests.as_producer('t_rules');
select tests.arrive('schema-long', pg_temp.sale('x-long', jsonb_build_object('txn_id', repeat('x', 300000),
  'line_items', jsonb_build_array(jsonb_build_object('sku', repeat('s', 201), 'qty', 1, 'amount', 42.5)))));
select tests.as_owner();
select is((select array_agg(e ->> 'path' order by e ->> 'path') from jsonb_array_elements(pg_temp.details('schema-long') -> 'errors') e),
  array['line_items.0.sku', 'txn_id'], 'a txn_id of 300,000 characters and a sku of 201: SCHEMA_VALIDATION_FAILED naming each');

select tests.as_producer('t_rules');
select tests.arrive('dup-txn', tests.envelope('t_rules', 'other-key', '{"txn_id": "s1", "source_event_id": "src-other"}'));
select tests.arrive('dup-source', tests.envelope('t_rules', 'third-key', '{"txn_id": "t3", "source_event_id": "src-s1"}'));
select tests.arrive('same-txn-other-store', tests.envelope('t_rules', 'fourth-key', '{"txn_id": "s1", "store_id": "store_002", "source_event_id": "src-4"}'));
select tests.arrive('totals', pg_temp.sale('x9', '{"total_amount": 50, "tax_amount": 5, "discount_amount": 2, "line_items": [{"sku": "A", "qty": 1, "amount": 40}]}'));
select tests.arrive('totals-ok', pg_temp.sale('x10', '{"total_amount": 43, "tax_amount": 5, "discount_amount": 2, "line_items": [{"sku": "A", "qty": 1, "amount": 40}]}'));
select tests.as_owner();
select is(pg_temp.reason('dup-txn'), 'DUPLICATE_TRANSACTION', 'another key posted this store''s txn_id');
select is(pg_temp.details('dup-txn') ->> 'posted_by', 's1', 'details name who posted it');
select is(pg_temp.reason('dup-source'), 'DUPLICATE_SOURCE_EVENT_ID', 'another key posted this source event');
select is((tests.answer('same-txn-other-store')).result, 'processed', 'a txn_id is unique per store');
select is(pg_temp.reason('totals'), 'TOTALS_MISMATCH', 'lines + tax - discount must make the total');
select is(pg_temp.details('totals') ->> 'expected', '43', 'details say what was expected');
select is((tests.answer('totals-ok')).result, 'processed', 'and a basket that adds up posts');

-- Returns, corrections, reversals against the original as corrected, net of earlier returns.
select tests.as_producer('t_rules');
select tests.arrive('r1', pg_temp.of_sale('r1', 'RETURN', 's1', '{"total_amount": 20.00, "line_items": [{"sku": "A", "qty": 2, "amount": 20.00}]}'));
select tests.arrive('r2-over', pg_temp.of_sale('r2', 'RETURN', 's1', '{"total_amount": 20.00, "line_items": [{"sku": "A", "qty": 2, "amount": 20.00}]}'));
select tests.arrive('r3-unsold', pg_temp.of_sale('r3', 'RETURN', 's1', '{"total_amount": 1, "line_items": [{"sku": "Z", "qty": 1, "amount": 1}]}'));
select tests.arrive('r4-eur', pg_temp.of_sale('r4', 'RETURN', 's1', '{"currency": "EUR", "total_amount": 1, "line_items": [{"sku": "A", "qty": 1, "amount": 1}]}'));
select tests.arrive('c1-below', pg_temp.of_sale('c1', 'CORRECTION', 's1', '{"total_amount": 10, "line_items": [{"sku": "A", "qty": 1, "amount": 10}]}'));
select tests.arrive('c2', pg_temp.of_sale('c2', 'CORRECTION', 's1', '{"total_amount": 52.50, "line_items": [{"sku": "A", "qty": 4, "amount": 40.00}, {"sku": "B", "qty": 1, "amount": 12.50}]}'));
select tests.arrive('r5', pg_temp.of_sale('r5', 'RETURN', 's1', '{"total_amount": 20.00, "line_items": [{"sku": "A", "qty": 2, "amount": 20.00}]}'));
select tests.arrive('v-wrong-total', pg_temp.of_sale('v0', 'VOID', 's1', '{"total_amount": 99, "line_items": null}'));
select tests.arrive('v1', pg_temp.of_sale('v1', 'VOID', 's1', '{"total_amount": null, "line_items": null}'));
select tests.arrive('r6-reversed', pg_temp.of_sale('r6', 'RETURN', 's1', '{"total_amount": 1, "line_items": [{"sku": "B", "qty": 1, "amount": 1}]}'));
select tests.as_owner();
select is((tests.answer('r1')).result, 'processed', 'a return of what was sold posts');
select is(pg_temp.reason('r2-over'), 'CANNOT_EXCEED_ORIGINAL', 'a return beyond what is left to return is held');
select is(pg_temp.details('r2-over') #>> '{lines,0,remaining}', '1', 'details: what was left of the sku');
select is(pg_temp.reason('r3-unsold'), 'CANNOT_EXCEED_ORIGINAL', 'a sku that was not sold cannot be returned');
select is(pg_temp.reason('r4-eur'), 'CURRENCY_MISMATCH', 'a return in another currency');
select is(pg_temp.reason('c1-below'), 'CANNOT_EXCEED_ORIGINAL', 'a correction below what was already returned');
select is((tests.answer('c2')).result, 'processed', 'a correction of the sale posts');
select is((tests.answer('r5')).result, 'processed', 'and a return is judged against the sale as corrected (4 A sold now)');
select is(pg_temp.reason('v-wrong-total'), 'TOTALS_MISMATCH', 'a reversal''s total must be what is left');
select is((tests.answer('v1')).result, 'processed', 'a reversal without amounts reverses what is left');
select is(pg_temp.reason('r6-reversed'), 'ORIGINAL_REVERSED', 'nothing refers to a reversed sale any more');
select is((select status from ledger.ledger_transactions where tenant_id = 't_rules' and store_id = 'store_001' and txn_id = 's1' and superseded_by is null), 'reversed',
  'the sale is reversed');
select results_eq($$select sales_amount, returns_amount, corrections_amount, reversals_amount, net_amount from ledger.get_daily_sales('t_rules', 'store_001')
                    where currency = 'USD'$$,
  $$values (85.50::numeric, 40.00::numeric, 10.00::numeric, 12.50::numeric, 43.00::numeric)$$,
  'Gold: sales, returns, the correction''s change, the reversal of what was left (52.50 - 40.00), net');

-- A return before its sale is held, then healed when the sale posts.
select tests.as_producer('t_rules');
select tests.arrive('early-return', pg_temp.of_sale('er', 'RETURN', 'late-sale', '{"total_amount": 5, "line_items": [{"sku": "A", "qty": 1, "amount": 5}]}'));
select tests.as_owner();
select is(pg_temp.reason('early-return'), 'MISSING_REFERENCE', 'a return before its sale is held for it');
select tests.as_producer('t_rules');
select tests.arrive('late-sale', pg_temp.sale('late-sale', '{"total_amount": 5, "line_items": [{"sku": "A", "qty": 1, "amount": 5}]}'));
select tests.as_owner();
select results_eq($$select e.status, e.resolution_action, e.resolved_by, k.status from ledger.exceptions e
                    join ledger.events_processed k using (tenant_id, idempotency_key) where e.exception_id = (tests.answer('early-return')).exception_id$$,
  $$values ('resolved'::text, 'auto_replay'::text, 'system'::text, 'processed'::text)$$, 'the sale posting heals it: replayed by system, the key processed');
select is((select count(*)::int from ledger.audit_log where exception_id = (tests.answer('early-return')).exception_id and action = 'exception.resolved' and actor = 'system'),
  1, 'audited once');
select is((select kind from ledger.ledger_transactions where tenant_id = 't_rules' and txn_id = 'er'), 'return', 'and the return is posted');

-- A closed day holds what would land on it.
select tests.as_operator();
select ledger.close_business_day('t_rules', '2026-02-26', 'end of day', 'store_001');
select tests.as_producer('t_rules');
select tests.arrive('late', pg_temp.sale('late', '{"occurred_at": "2026-02-26T10:00:00Z"}'));
select tests.arrive('other-store', pg_temp.sale('late-elsewhere', '{"occurred_at": "2026-02-26T10:00:00Z", "store_id": "store_009"}'));
select tests.as_owner();
select is(pg_temp.reason('late'), 'LATE_EVENT_OUTSIDE_WINDOW', 'a posting onto a closed day is held');
select is((tests.answer('other-store')).result, 'processed', 'another store''s day is open');
select is((select count(*)::int from ledger.audit_log where tenant_id = 't_rules' and action = 'business_day.closed'), 1, 'closing is audited');
select throws_ok($$select ledger.close_business_day('t_rules', '2026-02-26', 'again', 'store_001')$$, '55000', null, 'a day closes once');

select ok((ledger.reconcile('t_rules') ->> 'balanced')::boolean, 'reconcile: balanced, Gold = Silver, every processed sale posted');
select ok(tests.counts_match('t_rules'), 'counters equal count(*), postings included');

select * from finish();
rollback;
