-- CONTRACT v2, late arrivals heal: a return held for MISSING_REFERENCE is replayed automatically
-- (system, auto_replay, audited) when its sale posts through a batch, through an operator's replay
-- of the sale, or through a replay that moves a posted key onto the awaited txn_id; across stores;
-- oldest first, the one that now breaks another rule kept open with that reason; never from another
-- tenant's sale.
begin;
select plan(26);

select tests.make_tenant('t_heal');
select tests.make_tenant('t_heal_other');
create function pg_temp.sale(p_key text, p_patch jsonb default '{}') returns jsonb language sql as $$
  select tests.envelope('t_heal', p_key, jsonb_build_object('txn_id', p_key, 'source_event_id', 'src-' || p_key,
    'total_amount', 30, 'line_items', jsonb_build_array(jsonb_build_object('sku', 'A', 'qty', 3, 'amount', 30))) || p_patch)
$$;
create function pg_temp.return_of(p_key text, p_original text, p_qty integer, p_patch jsonb default '{}') returns jsonb language sql as $$
  select tests.envelope('t_heal', p_key, jsonb_build_object('event_type', 'RETURN', 'txn_id', p_key, 'source_event_id', 'src-' || p_key,
    'original_txn_id', p_original, 'total_amount', 10 * p_qty,
    'line_items', jsonb_build_array(jsonb_build_object('sku', 'A', 'qty', p_qty, 'amount', 10 * p_qty))) || p_patch)
$$;
create function pg_temp.exception_of(p_key text) returns ledger.exceptions language sql as $$
  select e from ledger.exceptions e where e.tenant_id = 't_heal' and e.idempotency_key = p_key order by e.opened_at desc limit 1
$$;
-- How a waiting return ended: (exception status, action, resolved by, key status, posted kind).
create function pg_temp.healed(p_key text) returns text language sql as $$
  select ((pg_temp.exception_of(p_key)).status, (pg_temp.exception_of(p_key)).resolution_action, (pg_temp.exception_of(p_key)).resolved_by,
          (select k.status from ledger.events_processed k where k.tenant_id = 't_heal' and k.idempotency_key = p_key),
          (select t.kind from ledger.ledger_transactions t where t.tenant_id = 't_heal' and t.idempotency_key = p_key and t.superseded_by is null))::text
$$;
create function pg_temp.system_audits(p_key text, p_action text) returns integer language sql as $$
  select count(*)::int from ledger.audit_log a
  where a.tenant_id = 't_heal' and a.exception_id = (pg_temp.exception_of(p_key)).exception_id and a.action = p_action and a.actor = 'system'
$$;
grant execute on all functions in schema pg_temp to ledger_ingest, ledger_operator, ledger_readonly;

-- Through a batch.
select tests.as_producer('t_heal');
select tests.arrive('wait-batch', pg_temp.return_of('wait-batch', 'sale-batch', 1));
select tests.arrive_batch('batch', jsonb_build_array(pg_temp.sale('unrelated'), pg_temp.sale('sale-batch')));
select tests.as_owner();
select is((tests.answer('wait-batch')).reason_code, 'MISSING_REFERENCE', 'a return before its sale is held');
select is((tests.answer('batch:2')).result, 'processed', 'its sale arrives in a batch and posts');
select is(pg_temp.healed('wait-batch'), '(resolved,auto_replay,system,processed,return)', 'the batch heals the return: replayed by system, posted');
select is(pg_temp.system_audits('wait-batch', 'exception.resolved'), 1, 'audited once, as system');
select is((select r.original_posting_id from ledger.ledger_references r join ledger.ledger_transactions t using (tenant_id, posting_id)
           where t.tenant_id = 't_heal' and t.idempotency_key = 'wait-batch'),
  (select t.posting_id from ledger.ledger_transactions t where t.tenant_id = 't_heal' and t.idempotency_key = 'sale-batch'), 'referring to the sale''s posting');

-- Through a batch that also retries the waiting return before the sale: the retry joins the
-- exception, then the sale heals it.
select tests.as_producer('t_heal');
select tests.arrive('wait-retried', pg_temp.return_of('wait-retried', 'sale-after-retry', 1));
select tests.arrive_batch('retry-batch', jsonb_build_array(pg_temp.return_of('wait-retried', 'sale-after-retry', 1), pg_temp.sale('sale-after-retry')));
select tests.as_owner();
select is(array[tests.outcome('retry-batch:1'), tests.outcome('retry-batch:2')],
  array['(quarantined,ALREADY_QUARANTINED,quarantined,2,202)', '(processed,,processed,1,201)'], 'in the batch: the retry joins the held key, the sale posts');
select is(pg_temp.healed('wait-retried'), '(resolved,auto_replay,system,processed,return)', 'and the return healed');
select is((pg_temp.exception_of('wait-retried')).arrivals, 2, 'its exception counts both arrivals');

-- Through an operator's replay of the sale (held for a rule of its own first).
select tests.as_producer('t_heal');
select tests.arrive('wait-replay', pg_temp.return_of('wait-replay', 'sale-replay', 2));
select tests.arrive('sale-replay', pg_temp.sale('sale-replay', '{"total_amount": 31}'));
select tests.as_owner();
select is((tests.answer('sale-replay')).reason_code, 'TOTALS_MISMATCH', 'the sale comes with a mismatched total and is held');
select is((pg_temp.exception_of('wait-replay')).status, 'open', 'so the return still waits');
select tests.as_operator();
select ledger.resolve_exception((tests.answer('sale-replay')).exception_id, 'override_and_replay', 'the total is 30', '{"total_amount": 30}');
select tests.as_owner();
select is(pg_temp.healed('wait-replay'), '(resolved,auto_replay,system,processed,return)', 'the replay that posts the sale heals the return');
select is(pg_temp.system_audits('wait-replay', 'exception.resolved'), 1, 'audited as system');
select is((select a.actor from ledger.audit_log a where a.exception_id = (tests.answer('sale-replay')).exception_id and a.action = 'exception.resolved'),
  'operator:test', 'while the sale''s own replay is the operator''s');

-- Through a replay that moves a posted sale onto the awaited txn_id.
select tests.as_producer('t_heal');
select tests.arrive('wait-moved', pg_temp.return_of('wait-moved', 'sale-moved', 1));
select tests.arrive('mover', pg_temp.sale('mover', '{"txn_id": "typo"}'));
select tests.arrive('mover:fixed', pg_temp.sale('mover', '{"txn_id": "sale-moved"}'));
select tests.as_operator();
select ledger.resolve_exception((tests.answer('mover:fixed')).exception_id, 'override_and_replay', 'the txn_id had a typo');
select tests.as_owner();
select is((select array_agg(t.version || ':' || t.txn_id || ':' || case when t.superseded_by is null then 'current' else 'superseded' end order by t.version)
           from ledger.ledger_transactions t where t.tenant_id = 't_heal' and t.idempotency_key = 'mover'),
  array['1:typo:superseded', '2:sale-moved:current'], 'the sale key now posts the awaited txn_id, as version 2');
select is(pg_temp.healed('wait-moved'), '(resolved,auto_replay,system,processed,return)', 'and the superseding posting heals the return');

-- Across stores: a return in one store of a sale in another.
select tests.as_producer('t_heal');
select tests.arrive('wait-store', pg_temp.return_of('wait-store', 'sale-store', 1, '{"store_id": "store_002", "original_store_id": "store_001"}'));
select tests.arrive('sale-store-002', pg_temp.sale('sale-store-002', '{"txn_id": "sale-store", "store_id": "store_002"}'));
select tests.as_owner();
select is((pg_temp.exception_of('wait-store')).status, 'open', 'the same txn_id in the return''s own store does not heal it');
select tests.as_producer('t_heal');
select tests.arrive_batch('store-batch', jsonb_build_array(pg_temp.sale('sale-store')));
select tests.as_owner();
select is(pg_temp.healed('wait-store'), '(resolved,auto_replay,system,processed,return)', 'the sale in the store it names does');

-- Two returns wait for one sale of 3 A, 2 each: the older heals, the younger now exceeds it.
select tests.as_producer('t_heal');
select tests.arrive('wait-older', pg_temp.return_of('wait-older', 'sale-two', 2));
select tests.arrive('wait-younger', pg_temp.return_of('wait-younger', 'sale-two', 2));
select tests.arrive_batch('two-batch', jsonb_build_array(pg_temp.sale('sale-two')));
select tests.as_owner();
select is(pg_temp.healed('wait-older'), '(resolved,auto_replay,system,processed,return)', 'the older return heals');
select is(((pg_temp.exception_of('wait-younger')).status, (pg_temp.exception_of('wait-younger')).reason_code)::text, '(open,CANNOT_EXCEED_ORIGINAL)',
  'the younger stays open, now for CANNOT_EXCEED_ORIGINAL');
select is((pg_temp.exception_of('wait-younger')).details #>> '{lines,0,remaining}', '1', 'with what is left to return');
select is(pg_temp.system_audits('wait-younger', 'exception.reason_changed'), 1, 'the change of reason audited as system');
select is(((pg_temp.exception_of('wait-younger')).waits_for_store_id, (pg_temp.exception_of('wait-younger')).waits_for_txn_id)::text, '(,)',
  'and it waits for nothing any more');

-- Another tenant's sale of the same store and txn_id heals nothing.
select tests.as_producer('t_heal');
select tests.arrive('wait-tenant', pg_temp.return_of('wait-tenant', 'sale-tenant', 1));
select tests.as_producer('t_heal_other');
select tests.arrive_batch('other-tenant', jsonb_build_array(pg_temp.sale('sale-tenant') || '{"tenant_id": "t_heal_other"}'));
select tests.as_owner();
select is((tests.answer('other-tenant:1')).result, 'processed', 'another tenant posts the same txn_id');
select is((pg_temp.exception_of('wait-tenant')).status, 'open', 'the return still waits');

select ok((ledger.reconcile('t_heal') ->> 'balanced')::boolean, 'reconcile: balanced, Gold = Silver');
select ok(tests.counts_match('t_heal'), 'counters equal count(*), postings included');

select * from finish();
rollback;
