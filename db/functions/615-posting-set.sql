-- Set-based posting: the first arrivals of a set-based call that are plain new sales, posted in a
-- few statements instead of one ledger_private.post_key each. A sale is plain when nothing about it
-- can make the posting rules, or the order of the call, matter:
--   its fields are what the rules want (ledger_private.sale_is_plain and line_is_plain, in
--   600-posting-rules.sql: conservative checks; what they refuse goes one by one, where the exact
--   errors are found), its lines make its total, no
--   current posting has its store's txn_id or its source_event_id, its business day is open, no
--   exception waits for it, and no other posting of the call shares its transaction, its source
--   event or refers to it.
-- Such a sale is posted exactly as post_key would post it, wherever it stood in the call's order:
-- nothing else in the call can see it, nor it them. Everything else is posted one by one, in order,
-- after it (ledger_private.settle_posting).

create or replace function ledger_private.post_plain_sales(
  p_postings ledger_private.batch_item[],
  out answers ledger.ingest_answer[],
  out positions integer[],
  out rest ledger_private.batch_item[]
)
language plpgsql
volatile
-- As in ledger_private.take_new_keys: the call's rows live in arrays of a size the planner cannot
-- know; Silver, Gold and the exceptions are read through their indexes by correlated subqueries.
-- No JIT: the disabled nested loop (of the lines' lateral) makes the plan's cost look like one
-- worth compiling, on every call.
set enable_nestloop = off
set jit = off
set plan_cache_mode = force_generic_plan
as $$
declare
  v_analyse boolean;
begin
  -- The caller holds the locks of every posting's transactions and defers Gold and counter moves.
  with p as (
    select p.*, p.envelope ->> 'store_id' as store_id, p.envelope ->> 'txn_id' as txn_id, p.posting as kind
    from unnest(p_postings) p
  ), shared_txns as (
    -- Transactions that more than one posting of the call names (as its own or as its original).
    select x.tenant_id, x.store_id, x.txn_id from (
      select p.tenant_id, p.store_id, p.txn_id from p
      union all
      select p.tenant_id, coalesce(nullif(p.envelope ->> 'original_store_id', ''), p.store_id), p.envelope ->> 'original_txn_id'
      from p where p.kind in ('return', 'correction', 'reversal')
    ) x group by 1, 2, 3 having count(*) > 1
  ), shared_sources as (
    select p.tenant_id, p.envelope ->> 'source_system' as source_system, p.envelope ->> 'source_event_id' as source_event_id
    from p where jsonb_typeof(p.envelope -> 'source_event_id') = 'string'
    group by 1, 2, 3 having count(*) > 1
  ), probed as materialized (
    -- What Silver and the exceptions hold for each sale, each an index probe per sale: `offset 0`
    -- keeps each a correlated subquery (else the planner may make it a join, or a hash of every row
    -- that matches, reading all of Silver or of the open exceptions once per call); materialized,
    -- so that the filters below do not run the probes a second time.
    select p.*, (p.envelope ->> 'occurred_at')::timestamptz as occurred_at,
           (select t.time_zone from ledger.tenants t where t.tenant_id = p.tenant_id) as tenant_zone,
           l.lines_plain, l.lines_amount, c.minor_units,
           exists (select from ledger.ledger_transactions t
                   where t.tenant_id = p.tenant_id and t.store_id = p.store_id and t.txn_id = p.txn_id and t.superseded_by is null offset 0) as txn_taken,
           jsonb_typeof(p.envelope -> 'source_event_id') = 'string'
             and exists (select from ledger.ledger_transactions t
                         where t.tenant_id = p.tenant_id and t.source_system = p.envelope ->> 'source_system'
                           and t.source_event_id = p.envelope ->> 'source_event_id' and t.superseded_by is null offset 0) as source_taken,
           exists (select from ledger.exceptions e
                   where e.tenant_id = p.tenant_id and e.waits_for_store_id = p.store_id and e.waits_for_txn_id = p.txn_id and e.status = 'open' offset 0) as awaited
    from p
    join ledger.currencies c on c.currency = p.envelope ->> 'currency'
    cross join lateral ledger_private.lines_of(p.envelope, c.minor_units) l
    where p.kind = 'sale'
      and not exists (select from shared_txns s where s.tenant_id = p.tenant_id and s.store_id = p.store_id and s.txn_id = p.txn_id)
      and not exists (select from shared_sources s where s.tenant_id = p.tenant_id and s.source_system is not distinct from p.envelope ->> 'source_system'
                        and s.source_event_id = p.envelope ->> 'source_event_id')
  ), candidates as (
    -- Its fields and lines as the rules want them, and its lines, tax and discount make its total.
    select p.* from probed p
    -- (A case, so that amounts are read as numbers only once they are known to be numbers.)
    where case when ledger_private.sale_is_plain(p.envelope, p.minor_units) and p.lines_plain
               then ledger_private.makes_total(p.envelope, p.lines_amount) else false end
      and not p.txn_taken and not p.source_taken and not p.awaited
  ), dated as (
    -- The business day in the store's zone (a store not yet made: its tenant's), as
    -- ledger_private.business_date finds it.
    select c.*, (c.occurred_at at time zone coalesce(
             (select s.time_zone from ledger.stores s where s.tenant_id = c.tenant_id and s.store_id = c.store_id), c.tenant_zone, 'UTC'))::date
             as business_date
    from candidates c
  ), plain as (
    select d.* from dated d
    where not exists (select from ledger.business_days b
                      where b.tenant_id = d.tenant_id and b.store_id in (d.store_id, '') and b.business_date = d.business_date)
  ), stores_made as (
    insert into ledger.stores as s (tenant_id, store_id, time_zone, first_posting_at)
    select distinct on (p.tenant_id, p.store_id) p.tenant_id, p.store_id, p.tenant_zone, p.received_at
    from plain p where p.tenant_zone is not null
    order by p.tenant_id, p.store_id, p.item
    on conflict (tenant_id, store_id) do update set first_posting_at = excluded.first_posting_at
      where s.first_posting_at is null or s.first_posting_at > excluded.first_posting_at
  ), silver as (
    insert into ledger.ledger_transactions (tenant_id, store_id, txn_id, kind, currency, total_amount, tax_amount, discount_amount,
      business_date, occurred_at, source_system, source_event_id, idempotency_key, raw_id, fingerprint, version, status, gold_amount, posted_at)
    select p.tenant_id, p.store_id, p.txn_id, 'sale', p.envelope ->> 'currency', (p.envelope ->> 'total_amount')::numeric,
           (p.envelope ->> 'tax_amount')::numeric, (p.envelope ->> 'discount_amount')::numeric, p.business_date, p.occurred_at,
           p.envelope ->> 'source_system', p.envelope ->> 'source_event_id', p.idempotency_key, p.raw_id, p.fingerprint, 1, 'posted',
           (p.envelope ->> 'total_amount')::numeric, p.received_at
    from plain p
    order by p.item
    returning tenant_id, posting_id, idempotency_key
  ), lines as (
    insert into ledger.ledger_line_items (tenant_id, posting_id, line_no, sku, qty, amount)
    select s.tenant_id, s.posting_id, l.n, l.line ->> 'sku', (l.line ->> 'qty')::numeric, (l.line ->> 'amount')::numeric
    from silver s
    join plain p on p.tenant_id = s.tenant_id and p.idempotency_key = s.idempotency_key
    cross join lateral jsonb_array_elements(case when jsonb_typeof(p.envelope -> 'line_items') = 'array' then p.envelope -> 'line_items' else '[]' end)
      with ordinality as l(line, n)
  ), gold as (
    insert into ledger_private.deferred_gold (xid, tenant_id, store_id, business_date, currency, kind, count, amount)
    select pg_current_xact_id(), p.tenant_id, p.store_id, p.business_date, p.envelope ->> 'currency', 'sale', count(*), sum((p.envelope ->> 'total_amount')::numeric)
    from plain p group by 2, 3, 4, 5
  ), bronze as (
    insert into ledger.events_raw
      (tenant_id, raw_id, idempotency_key, event_type, payload, fingerprint, attempt, source, result, received_at)
    select p.tenant_id, p.raw_id, p.idempotency_key, p.event_type, p.envelope, p.fingerprint, 1, p.source, 'processed', p.received_at
    from plain p
    order by p.item
  ), counted as (
    insert into ledger_private.deferred_counters (xid, tenant_id, events_raw, rejections, exceptions_open, processed, quarantined, ignored, postings)
    select pg_current_xact_id(), p.tenant_id, count(*), 0, 0, count(*), 0, 0, count(*)
    from plain p group by p.tenant_id
  )
  select array_agg(row(p.tenant_id, p.idempotency_key, p.raw_id, 'processed', null, null, 'processed', 1, p.received_at, 201, null)::ledger.ingest_answer
                   order by p.item),
         array_agg(p.item order by p.item),
         (select array_agg(x order by x.item) from unnest(p_postings) x where x.item not in (select q.item from plain q)),
         (select bool_or(s.posting_id % 256 = 0) from silver s)
  into answers, positions, rest, v_analyse
  from plain p;
  if answers is null then
    rest := p_postings;
  end if;
  -- How many the transaction posted set-based (ledger.set_postings): tests read it to know this
  -- path, not only the one-by-one one, decided what they compare.
  perform set_config('ledger.set_postings', (coalesce(nullif(current_setting('ledger.set_postings', true), ''), '0')::integer
                                             + coalesce(cardinality(answers), 0))::text, true);
  -- As post_key does: a ledger never analysed is analysed once after its first postings.
  if v_analyse and (select c.reltuples from pg_catalog.pg_class c where c.oid = 'ledger.ledger_transactions'::regclass) < 0 then
    perform ledger_private.analyze_ledger();
  end if;
end
$$;
comment on function ledger_private.post_plain_sales(ledger_private.batch_item[]) is
  'Step 1b of a set-based ingest, set-based: posts the first arrivals that are plain new sales (nothing in them or in the call can make a posting rule or the call''s order matter) in a few statements, with their Bronze rows and deferred Gold and counter moves; their answers and positions, and the other postings, to be settled one by one in order.';
