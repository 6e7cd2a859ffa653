-- The health counters equal count(*) of the tables after a mixed workload over many tenants:
-- first arrivals, duplicates, conflicts, unknown types, arrivals joining exceptions, resolves of
-- both kinds, arrivals after them, and batches with bad items that are recorded as rejections.
begin;
select plan(12);

select count(tests.make_tenant('t_counts_' || t)) from generate_series(1, 6) t;

-- First arrivals; every seventh of an unknown type.
select count(*) from generate_series(1, 6) t, generate_series(1, 40) k,
  ledger.ingest_event(tests.envelope('t_counts_' || t, 'k' || k, case when k % 7 = 0 then '{"event_type": "MAGIC"}' else '{}' end::jsonb), 'test');
-- Retries of every second key, conflicts on every fifth, and a second conflicting arrival on
-- every tenth (joining the exception).
select count(*) from generate_series(1, 6) t, generate_series(2, 40, 2) k,
  ledger.ingest_event(tests.envelope('t_counts_' || t, 'k' || k, case when k % 7 = 0 then '{"event_type": "MAGIC"}' else '{}' end::jsonb), 'test');
select count(*) from generate_series(1, 6) t, generate_series(5, 40, 5) k,
  ledger.ingest_event(tests.envelope('t_counts_' || t, 'k' || k, '{"total_amount": 1}'), 'test');
select count(*) from generate_series(1, 6) t, generate_series(10, 40, 10) k,
  ledger.ingest_event(tests.envelope('t_counts_' || t, 'k' || k, '{"total_amount": 2}'), 'test');

-- Operators resolve the exceptions of four tenants: replay when the key's number is even.
select tests.as_operator();
select count(*) from ledger.exceptions e,
  ledger.resolve_exception(e.exception_id,
    case when (substr(e.idempotency_key, 2))::int % 2 = 0 then 'override_and_replay' else 'mark_resolved_no_replay' end,
    'resolved by the workload',
    override_patch => case when (substr(e.idempotency_key, 2))::int % 2 = 0 and e.reason_code = 'UNKNOWN_EVENT_TYPE' then '{"event_type": "SALE"}' end::jsonb)
  where e.tenant_id in ('t_counts_1', 't_counts_2', 't_counts_3', 't_counts_4') and e.status = 'open';
select tests.as_owner();

-- Every key arrives once more: ignored, duplicate, conflict or joining, depending on its state.
select count(*) from generate_series(1, 6) t, generate_series(1, 40) k,
  ledger.ingest_event(tests.envelope('t_counts_' || t, 'k' || k, case when k % 3 = 0 then '{"total_amount": 3}' else '{}' end::jsonb), 'test');

-- Each producer sends a batch with good and bad items, and the edge records a refusal of its own.
create temp table batches on commit drop as select 0 as answers;
grant all on batches to public;
do $$
declare
  v_tenant_id text;
begin
  for v_tenant_id in select 't_counts_' || t from generate_series(1, 6) t loop
    perform tests.as_producer(v_tenant_id);
    insert into batches select count(*) from ledger.ingest_events(jsonb_build_array(
      tests.envelope(v_tenant_id, 'b1'),
      tests.envelope(v_tenant_id, 'b2', '{"txn_id": null}'),
      tests.envelope(v_tenant_id, 'b3', '{"occurred_at": "not a time"}'),
      tests.envelope(v_tenant_id, 'k1'),
      tests.envelope(v_tenant_id, 'b4', '{"event_type": "MAGIC"}'),
      tests.envelope('t_counts_other', 'b5'),
      '"not an envelope"'::jsonb));
    perform ledger.record_rejection(v_tenant_id, 413, 'PAYLOAD_TOO_LARGE');
    perform tests.as_owner();
  end loop;
end
$$;

select ok(tests.counts_match('t_counts_' || t), 'health of t_counts_' || t || ' equals count(*)') from generate_series(1, 6) t;
select ok(tests.counts_match(null), 'health of all tenants equals count(*)');

-- The workload did what it says, so that the comparisons above mean something.
select is((select count(*)::int from ledger.rejections where tenant_id like 't_counts_%'), 6 * 5, 'four bad batch items and one refusal per tenant were recorded');
select is((select count(*)::int from ledger.exceptions where tenant_id like 't_counts_%' and status = 'resolved'),
          (select count(*)::int from ledger.audit_log where tenant_id like 't_counts_%' and action = 'exception.resolved'), 'resolves happened, each audited');
select ok((select count(*) filter (where status = 'processed') > 0 and count(*) filter (where status = 'quarantined') > 0
              and count(*) filter (where status = 'ignored') > 0 from ledger.events_processed where tenant_id like 't_counts_%'),
  'keys end in every state');
select ok((select count(distinct result) = 4 from ledger.events_raw where tenant_id like 't_counts_%'), 'arrivals have every result');
select ok((select count(distinct reason_code) = 4 from ledger.events_raw where tenant_id like 't_counts_%'),
  'and every reason but PROCESSING_ERROR (03-processing-error)');

select * from finish();
rollback;
