-- CONTRACT v2: a replay of a posted key (an IDEMPOTENCY_CONFLICT resolved with override_and_replay).
-- The payload unchanged (the first arrival chosen, or a patch back to it): nothing changes in Silver
-- or Gold. The payload changed (the latest arrival, or a patch): the posting is superseded by a new
-- version and Gold moves by the difference. A return's, correction's or void's replay is judged
-- against the original without its own earlier posting; one that breaks a rule is refused.
begin;
select plan(29);

select tests.make_tenant('t_sup');
create function pg_temp.sale(p_key text, p_patch jsonb default '{}') returns jsonb language sql as $$
  select tests.envelope('t_sup', p_key, jsonb_build_object('txn_id', p_key, 'source_event_id', 'src-' || p_key) || p_patch)
$$;
create function pg_temp.of_sale(p_key text, p_type text, p_original text, p_patch jsonb default '{}') returns jsonb language sql as $$
  select tests.envelope('t_sup', p_key, jsonb_build_object('event_type', p_type, 'txn_id', p_key, 'source_event_id', 'src-' || p_key,
    'original_txn_id', p_original) || p_patch)
$$;
create function pg_temp.conflict(p_key text) returns uuid language sql as $$
  select e.exception_id from ledger.exceptions e where e.tenant_id = 't_sup' and e.idempotency_key = p_key and e.status = 'open'
$$;
create function pg_temp.ledger() returns jsonb language sql as $$
  select jsonb_build_object(
    'silver', (select jsonb_agg(to_jsonb(t) order by t.posting_id) from ledger.ledger_transactions t where t.tenant_id = 't_sup'),
    'lines', (select jsonb_agg(to_jsonb(l) order by l.posting_id, l.line_no) from ledger.ledger_line_items l where l.tenant_id = 't_sup'),
    'references', (select jsonb_agg(to_jsonb(r) order by r.posting_id) from ledger.ledger_references r where r.tenant_id = 't_sup'),
    'gold', (select jsonb_agg(to_jsonb(g) order by g.store_id, g.business_date, g.currency) from ledger.get_daily_sales('t_sup') g))
$$;
create function pg_temp.gold() returns ledger.daily_sales language sql as $$
  select null::text, null::text, null::date, null::text, null::smallint, g.sales_count, g.sales_amount, g.returns_count, g.returns_amount,
         g.corrections_count, g.corrections_amount, g.reversals_count, g.reversals_amount
  from ledger.get_daily_sales('t_sup', 'store_001') g
$$;
create function pg_temp.versions(p_key text) returns text[] language sql as $$
  select array_agg(concat_ws(':', t.version, t.total_amount, case when t.superseded_by is null then 'current'
                                                                   when t.superseded_by = (select n.posting_id from ledger.ledger_transactions n
                                                                                           where n.tenant_id = t.tenant_id and n.idempotency_key = t.idempotency_key
                                                                                             and n.version = t.version + 1) then 'superseded by the next'
                                                                   else 'superseded by ' || t.superseded_by end) order by t.version)
  from ledger.ledger_transactions t where t.tenant_id = 't_sup' and t.idempotency_key = p_key
$$;
grant execute on all functions in schema pg_temp to ledger_ingest, ledger_operator, ledger_readonly;

select tests.as_producer('t_sup');
select tests.arrive('same:first', pg_temp.sale('same'));
select tests.arrive('same:conflict', pg_temp.sale('same', '{"total_amount": 41}'));
select tests.arrive('back:first', pg_temp.sale('back'));
select tests.arrive('back:conflict', pg_temp.sale('back', '{"total_amount": 41}'));
select tests.arrive('latest:first', pg_temp.sale('latest'));
select tests.arrive('latest:conflict', pg_temp.sale('latest', '{"total_amount": 41}'));
select tests.arrive('patched:first', pg_temp.sale('patched'));
select tests.arrive('patched:conflict', pg_temp.sale('patched', '{"total_amount": 41}'));
select tests.as_owner();
create temp table before on commit drop as select pg_temp.ledger() as ledger, pg_temp.gold() as gold;

-- Unchanged.
select tests.as_operator();
select lives_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'the first was right', canonical_raw_id => %s)$$,
  pg_temp.conflict('same'), (tests.answer('same:first')).raw_id), 'a replay of the first arrival resolves');
select lives_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'patched back', %L)$$, pg_temp.conflict('back'),
  (select jsonb_build_object('total_amount', e -> 'total_amount', 'line_items', e -> 'line_items') from pg_temp.sale('back') e)),
  'a replay patched back to the posted payload resolves');
select tests.as_owner();
select is(pg_temp.versions('same'), array['1:42.5:current'], 'an unchanged payload: still version 1');
select is(pg_temp.versions('back'), array['1:42.5:current'], 'patched back to the same payload: still version 1');
select is(pg_temp.ledger(), (select ledger from before), 'and nothing in Silver or Gold changed');
select is((select array_agg(k.status order by k.idempotency_key) from ledger.events_processed k where k.tenant_id = 't_sup' and k.idempotency_key in ('same', 'back')),
  array['processed', 'processed'], 'the keys are processed again');

-- Changed: the latest arrival, or a patch.
select tests.as_operator();
select ledger.resolve_exception(pg_temp.conflict('latest'), 'override_and_replay', 'the later total is right');
select ledger.resolve_exception(pg_temp.conflict('patched'), 'override_and_replay', 'both were wrong',
  '{"total_amount": 45, "line_items": [{"sku": "A", "qty": 1, "amount": 45}]}');
select tests.as_owner();
select is(pg_temp.versions('latest'), array['1:42.5:superseded by the next', '2:41:current'], 'the latest arrival supersedes the posting: version 2');
select is((select t.raw_id from ledger.ledger_transactions t where t.tenant_id = 't_sup' and t.idempotency_key = 'latest' and t.superseded_by is null),
  (tests.answer('latest:conflict')).raw_id, 'posted from the arrival replayed');
select is(pg_temp.versions('patched'), array['1:42.5:superseded by the next', '2:45:current'], 'a patch supersedes it with the patched payload');
select is((select array_agg(l.sku || ' ' || l.qty || ' ' || l.amount) from ledger.ledger_line_items l join ledger.ledger_transactions t using (tenant_id, posting_id)
           where t.tenant_id = 't_sup' and t.idempotency_key = 'patched' and t.superseded_by is null), array['A 1 45'], 'with the patched lines');
select is(array[(pg_temp.gold()).sales_count - (before.gold).sales_count, (pg_temp.gold()).sales_amount - (before.gold).sales_amount],
  array[0, -1.50 + 2.50]::numeric[], 'Gold moved by the differences (-1.50, +2.50), counts unchanged') from before;

-- A return's replay is judged without its own earlier posting; Gold moves by the difference.
select tests.as_producer('t_sup');
select tests.arrive('q', pg_temp.sale('q', '{"total_amount": 30, "line_items": [{"sku": "A", "qty": 3, "amount": 30}]}'));
select tests.arrive('qr', pg_temp.of_sale('qr', 'RETURN', 'q', '{"total_amount": 20, "line_items": [{"sku": "A", "qty": 2, "amount": 20}]}'));
select tests.arrive('qr:over', pg_temp.of_sale('qr', 'RETURN', 'q', '{"total_amount": 40, "line_items": [{"sku": "A", "qty": 4, "amount": 40}]}'));
select tests.as_owner();
delete from before;
insert into before select pg_temp.ledger(), pg_temp.gold();
select tests.as_operator();
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'four')$$, pg_temp.conflict('qr')),
  'LSR01', 'the replayed payload breaks a posting rule (CANNOT_EXCEED_ORIGINAL)', 'a return replayed beyond the sale is refused');
select tests.as_owner();
select is(pg_temp.ledger(), (select ledger from before), 'and nothing changed');
select tests.as_operator();
select lives_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'all three', '{"total_amount": 30, "line_items": [{"sku": "A", "qty": 3, "amount": 30}]}')$$,
  pg_temp.conflict('qr')), 'a return replayed up to the whole sale posts: its own earlier 2 are not counted against it');
select tests.as_owner();
select is(pg_temp.versions('qr'), array['1:20:superseded by the next', '2:30:current'], 'the return is superseded');
select is(array[(pg_temp.gold()).returns_count - (before.gold).returns_count, (pg_temp.gold()).returns_amount - (before.gold).returns_amount],
  array[0, 10]::numeric[], 'Gold''s returns moved by +10, the count unchanged') from before;
select is((select ledger_private.original_state('t_sup', 'store_001', 'q') #>> '{lines,A,remaining}'), '0', 'nothing of the sale is left to return');

-- A sale that a return refers to cannot move to another txn_id.
select tests.as_producer('t_sup');
select tests.arrive('q:moved', pg_temp.sale('q', '{"txn_id": "q-elsewhere", "total_amount": 30, "line_items": [{"sku": "A", "qty": 3, "amount": 30}]}'));
select tests.as_operator();
select throws_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'moved')$$, pg_temp.conflict('q')),
  'LSR01', 'the replayed payload breaks a posting rule (CANNOT_EXCEED_ORIGINAL)', 'a sale with returns cannot change its txn_id');
select ledger.resolve_exception(pg_temp.conflict('q'), 'mark_resolved_no_replay', 'the move was a mistake');
select tests.as_owner();

-- A correction's replay moves Gold by the difference between the two corrections.
select tests.as_producer('t_sup');
select tests.arrive('cs', pg_temp.sale('cs'));
select tests.arrive('cc', pg_temp.of_sale('cc', 'CORRECTION', 'cs', '{"total_amount": 52.50, "line_items": [{"sku": "A", "qty": 2, "amount": 52.50}]}'));
select tests.arrive('cc:again', pg_temp.of_sale('cc', 'CORRECTION', 'cs', '{"total_amount": 47.50, "line_items": [{"sku": "A", "qty": 2, "amount": 47.50}]}'));
select tests.as_owner();
select is((select t.gold_amount from ledger.ledger_transactions t where t.tenant_id = 't_sup' and t.idempotency_key = 'cc'), 10.00, 'the correction moved Gold by +10');
delete from before;
insert into before select pg_temp.ledger(), pg_temp.gold();
select tests.as_operator();
select ledger.resolve_exception(pg_temp.conflict('cc'), 'override_and_replay', 'the second correction is right');
select tests.as_owner();
select is((select t.gold_amount from ledger.ledger_transactions t where t.tenant_id = 't_sup' and t.idempotency_key = 'cc' and t.superseded_by is null), 5.00,
  'its replay is judged against the sale without it: +5');
select is(array[(pg_temp.gold()).corrections_count - (before.gold).corrections_count, (pg_temp.gold()).corrections_amount - (before.gold).corrections_amount],
  array[0, -5]::numeric[], 'Gold''s corrections moved by the difference (-5), the count unchanged') from before;
select is((ledger_private.original_state('t_sup', 'store_001', 'cs') ->> 'total')::numeric, 47.50, 'the sale now stands at the replayed correction''s total');

-- A void's replay (now naming its total): superseded, the sale still voided, Gold the same.
select tests.as_producer('t_sup');
select tests.arrive('vs', pg_temp.sale('vs', '{"total_amount": 10, "line_items": [{"sku": "A", "qty": 1, "amount": 10}]}'));
select tests.arrive('vv', pg_temp.of_sale('vv', 'VOID', 'vs', '{"total_amount": null, "line_items": null}'));
select tests.arrive('vv:total', pg_temp.of_sale('vv', 'VOID', 'vs', '{"total_amount": 10, "line_items": null}'));
select tests.as_owner();
delete from before;
insert into before select pg_temp.ledger(), pg_temp.gold();
select tests.as_operator();
select lives_ok(format($$select ledger.resolve_exception(%L, 'override_and_replay', 'with its total')$$, pg_temp.conflict('vv')),
  'a void replayed with the total it reverses posts: its own earlier reversal is not counted against it');
select tests.as_owner();
select is(pg_temp.versions('vv'), array['1:10:superseded by the next', '2:10:current'], 'the void is superseded');
select is((select t.status from ledger.ledger_transactions t where t.tenant_id = 't_sup' and t.idempotency_key = 'vs' and t.superseded_by is null), 'reversed',
  'the sale is still voided');
select is(pg_temp.gold()::text, (select gold::text from before), 'Gold is the same');

-- Every replay of a posted key is audited as the operator's.
select is((select count(*)::int from ledger.audit_log a where a.tenant_id = 't_sup' and a.action = 'exception.resolved' and a.actor = 'operator:test'), 8,
  'eight resolutions, audited');
select ok((ledger.reconcile('t_sup') ->> 'balanced')::boolean, 'reconcile: balanced, Gold = Silver');
select ok(tests.counts_match('t_sup'), 'counters equal count(*), postings included');

select * from finish();
rollback;
