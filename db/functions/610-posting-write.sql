-- Posting: the key's canonical payload written to Silver (a transaction, its lines, what it refers
-- to) and Gold moved by it, in the transaction that processes the arrival or the replay. A key has
-- one current posting; a replay that changes its payload supersedes it (Silver keeps both versions,
-- Gold moves by the difference); a replay of an unchanged payload changes nothing.

create or replace function ledger_private.business_date(p_tenant_id text, p_store_id text, p_occurred_at timestamptz)
returns date
language plpgsql
stable
as $$
begin
  return (p_occurred_at at time zone coalesce(
    (select s.time_zone from ledger.stores s where s.tenant_id = p_tenant_id and s.store_id = p_store_id),
    (select t.time_zone from ledger.tenants t where t.tenant_id = p_tenant_id), 'UTC'))::date;
end
$$;
comment on function ledger_private.business_date(text, text, timestamptz) is 'The business day a moment falls on for a store: in the store''s zone (a store not yet made: its tenant''s).';

create or replace function ledger_private.move_gold(
  p_tenant_id text, p_store_id text, p_business_date date, p_currency text, p_kind text, p_count integer, p_amount numeric
)
returns void
language plpgsql
volatile
as $$
begin
  -- Inside a set-based call, kept for its end (ledger_private.apply_deferred).
  if current_setting('ledger.defer_moves', true) = 'on' then
    insert into ledger_private.deferred_gold
    values (pg_current_xact_id(), p_tenant_id, p_store_id, p_business_date, p_currency, p_kind, p_count, p_amount);
    return;
  end if;
  -- This backend's shard of the day's row: concurrent postings to one store and day move
  -- different rows (as the health counters do).
  insert into ledger.daily_sales as d (tenant_id, store_id, business_date, currency, shard,
    sales_count, sales_amount, returns_count, returns_amount, corrections_count, corrections_amount, reversals_count, reversals_amount)
  values (p_tenant_id, p_store_id, p_business_date, p_currency, pg_backend_pid() % 64,
    case p_kind when 'sale' then p_count else 0 end, case p_kind when 'sale' then p_amount else 0 end,
    case p_kind when 'return' then p_count else 0 end, case p_kind when 'return' then p_amount else 0 end,
    case p_kind when 'correction' then p_count else 0 end, case p_kind when 'correction' then p_amount else 0 end,
    case p_kind when 'reversal' then p_count else 0 end, case p_kind when 'reversal' then p_amount else 0 end)
  on conflict (tenant_id, store_id, business_date, currency, shard) do update set
    sales_count = d.sales_count + excluded.sales_count, sales_amount = d.sales_amount + excluded.sales_amount,
    returns_count = d.returns_count + excluded.returns_count, returns_amount = d.returns_amount + excluded.returns_amount,
    corrections_count = d.corrections_count + excluded.corrections_count, corrections_amount = d.corrections_amount + excluded.corrections_amount,
    reversals_count = d.reversals_count + excluded.reversals_count, reversals_amount = d.reversals_amount + excluded.reversals_amount;
end
$$;
comment on function ledger_private.move_gold(text, text, date, text, text, integer, numeric) is 'Moves one store-day-currency of Gold by a posting (count and amount of its kind), on this backend''s shard.';

create or replace function ledger_private.retire_posting(p_posting ledger.ledger_transactions, p_superseded_by bigint)
returns void
language plpgsql
volatile
as $$
begin
  update ledger.ledger_transactions t set superseded_by = p_superseded_by
  where t.tenant_id = p_posting.tenant_id and t.posting_id = p_posting.posting_id;
  perform ledger_private.move_gold(p_posting.tenant_id, p_posting.store_id, p_posting.business_date, p_posting.currency, p_posting.kind,
                                   -1, -p_posting.gold_amount);
  if p_posting.kind = 'reversal' then
    update ledger.ledger_transactions t set status = 'posted'
    from ledger.ledger_references r
    where r.tenant_id = p_posting.tenant_id and r.posting_id = p_posting.posting_id
      and t.tenant_id = r.tenant_id and t.store_id = r.original_store_id and t.txn_id = r.original_txn_id
      and t.kind = 'sale' and t.superseded_by is null;
  end if;
end
$$;
comment on function ledger_private.retire_posting(ledger.ledger_transactions, bigint) is 'Takes a posting out of the ledger: superseded (by p_superseded_by; 0 when the key now posts nothing), its Gold taken back, a voided sale posted again.';

create or replace function ledger_private.post_key(p_envelope jsonb, p_raw_id bigint, p_at timestamptz)
returns jsonb
language plpgsql
volatile
as $$
declare
  v_tenant_id text := p_envelope ->> 'tenant_id';
  v_key text := p_envelope ->> 'event_id';
  v_kind text := coalesce(ledger_private.posting_kind(p_envelope ->> 'event_type'), 'none');
  v_old ledger.ledger_transactions;
  v_check jsonb;
  v_store_id text := p_envelope ->> 'store_id';
  v_original_store text;
  v_original jsonb;
  v_total numeric;
  v_gold numeric;
  v_date date;
  v_posting_id bigint;
begin
  -- Posts a key's canonical payload (the caller holds the key's lock): null when it is posted (or
  -- posts nothing), else {reason_code, details} of the rule it breaks, and nothing is written.
  select * into v_old from ledger.ledger_transactions t
  where t.tenant_id = v_tenant_id and t.idempotency_key = v_key and t.superseded_by is null;
  if found and v_old.fingerprint = ledger_private.fingerprint(p_envelope) then
    return null;
  end if;
  if v_kind = 'none' and v_old.posting_id is null then
    return null;
  end if;

  if v_kind <> 'none' then
    perform ledger_private.lock_posting_txns(p_envelope, v_kind);
  end if;
  if v_old.posting_id is not null then
    perform pg_advisory_xact_lock(ledger_private.txn_lock(v_tenant_id, v_old.store_id, v_old.txn_id));
    -- A sale that postings refer to cannot change under them: what they moved was judged against
    -- it (a correction changes it instead).
    if v_old.kind = 'sale'
       and exists (select from ledger.ledger_references r join ledger.ledger_transactions t on t.tenant_id = r.tenant_id and t.posting_id = r.posting_id
                   where r.tenant_id = v_tenant_id and r.original_store_id = v_old.store_id and r.original_txn_id = v_old.txn_id
                     and t.superseded_by is null) then
      return jsonb_build_object('reason_code', 'CANNOT_EXCEED_ORIGINAL', 'details', jsonb_build_object(
        'message', 'returns, corrections or a reversal refer to this sale: it cannot change (send a CORRECTION)',
        'store_id', v_old.store_id, 'txn_id', v_old.txn_id));
    end if;
  end if;
  if v_kind = 'none' then
    perform ledger_private.retire_posting(v_old, 0);
    perform ledger_private.bump_counters(v_tenant_id, p_postings => -1);
    return null;
  end if;

  v_date := ledger_private.business_date(v_tenant_id, v_store_id, (p_envelope ->> 'occurred_at')::timestamptz);
  v_check := ledger_private.check_posting(p_envelope, v_kind, v_old.posting_id, v_date);
  if v_check is not null then
    return v_check;
  end if;

  -- What the posting moves in Gold: a sale, a return its total; a correction the change it makes
  -- to the original as corrected; a reversal what was left of it.
  v_total := (p_envelope ->> 'total_amount')::numeric;
  if v_kind in ('return', 'correction', 'reversal') then
    v_original_store := coalesce(nullif(p_envelope ->> 'original_store_id', ''), v_store_id);
    v_original := ledger_private.original_state(v_tenant_id, v_original_store, p_envelope ->> 'original_txn_id', v_old.posting_id);
  end if;
  v_gold := case v_kind when 'correction' then v_total - (v_original ->> 'total')::numeric
                        when 'reversal' then (v_original ->> 'remaining_total')::numeric
                        else v_total end;

  if v_old.posting_id is not null then
    perform ledger_private.retire_posting(v_old, 0);
  end if;
  insert into ledger.stores (tenant_id, store_id, time_zone, first_posting_at)
  select v_tenant_id, v_store_id, t.time_zone, p_at from ledger.tenants t where t.tenant_id = v_tenant_id
  on conflict (tenant_id, store_id) do nothing;
  -- The earliest posting's moment (a set-based call posts its plain sales before the others).
  update ledger.stores s set first_posting_at = p_at
  where s.tenant_id = v_tenant_id and s.store_id = v_store_id and (s.first_posting_at is null or s.first_posting_at > p_at);

  insert into ledger.ledger_transactions (tenant_id, store_id, txn_id, kind, currency, total_amount, tax_amount, discount_amount,
    business_date, occurred_at, source_system, source_event_id, idempotency_key, raw_id, fingerprint, version, status, gold_amount, posted_at)
  values (v_tenant_id, v_store_id, p_envelope ->> 'txn_id', v_kind, p_envelope ->> 'currency', coalesce(v_total, v_gold),
    (p_envelope ->> 'tax_amount')::numeric, (p_envelope ->> 'discount_amount')::numeric, v_date, (p_envelope ->> 'occurred_at')::timestamptz,
    p_envelope ->> 'source_system', p_envelope ->> 'source_event_id', v_key, p_raw_id, ledger_private.fingerprint(p_envelope),
    coalesce(v_old.version, 0) + 1,
    case when v_kind = 'sale' and v_old.status = 'reversed' and v_old.txn_id = p_envelope ->> 'txn_id' then 'reversed' else 'posted' end,
    v_gold, p_at)
  returning posting_id into v_posting_id;
  -- A ledger never analysed (a new installation) has no statistics: every index of Silver that
  -- leads with tenant_id then looks as good as the exact one for a lookup, and the plan cached for
  -- the session may read all of a tenant's postings for each new one (1 ms a posting after a few
  -- thousand, growing). After its first postings it is analysed once, here (the rows of this
  -- transaction count); autovacuum keeps the statistics from then on.
  if v_posting_id % 256 = 0 and (select c.reltuples from pg_catalog.pg_class c where c.oid = 'ledger.ledger_transactions'::regclass) < 0 then
    perform ledger_private.analyze_ledger();
  end if;
  if v_old.posting_id is not null then
    update ledger.ledger_transactions t set superseded_by = v_posting_id where t.tenant_id = v_tenant_id and t.posting_id = v_old.posting_id;
  end if;

  if v_kind <> 'reversal' and jsonb_typeof(p_envelope -> 'line_items') = 'array' then
    insert into ledger.ledger_line_items (tenant_id, posting_id, line_no, sku, qty, amount)
    select v_tenant_id, v_posting_id, l.n, l.line ->> 'sku', (l.line ->> 'qty')::numeric, (l.line ->> 'amount')::numeric
    from jsonb_array_elements(p_envelope -> 'line_items') with ordinality as l(line, n);
  end if;
  if v_original is not null then
    insert into ledger.ledger_references (tenant_id, posting_id, original_posting_id, original_store_id, original_txn_id)
    values (v_tenant_id, v_posting_id, (v_original ->> 'posting_id')::bigint, v_original_store, p_envelope ->> 'original_txn_id');
    if v_kind = 'reversal' then
      update ledger.ledger_transactions t set status = 'reversed'
      where t.tenant_id = v_tenant_id and t.posting_id = (v_original ->> 'posting_id')::bigint;
    end if;
  end if;
  perform ledger_private.move_gold(v_tenant_id, v_store_id, v_date, p_envelope ->> 'currency', v_kind, 1, v_gold);
  if v_old.posting_id is null then
    perform ledger_private.bump_counters(v_tenant_id, p_postings => 1);
  end if;
  if v_kind = 'sale' then
    perform ledger_private.heal_waiting(v_tenant_id, v_store_id, p_envelope ->> 'txn_id');
  end if;
  return null;
end
$$;
comment on function ledger_private.post_key(jsonb, bigint, timestamptz) is
  'Posts a key''s canonical payload (p_raw_id: its Bronze arrival) to Silver and Gold, superseding the key''s earlier posting when the payload changed; heals the exceptions a sale''s posting was awaited by. Null when posted (or when the type posts nothing), else {reason_code, details}: nothing is written.';

create or replace function ledger_private.apply_deferred()
returns void
language plpgsql
volatile
as $$
declare
  v_xid xid8 := pg_current_xact_id();
  v_row record;
begin
  -- The end of a set-based call: what it kept back, applied once per Gold row and tenant, in key
  -- order (as every writer takes them), and deferring ends.
  perform set_config('ledger.defer_moves', 'off', true);
  for v_row in
    with taken as (delete from ledger_private.deferred_gold g where g.xid = v_xid returning g.*)
    select t.tenant_id, t.store_id, t.business_date, t.currency, t.kind, sum(t.count)::integer as count, sum(t.amount) as amount
    from taken t group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5
  loop
    perform ledger_private.move_gold(v_row.tenant_id, v_row.store_id, v_row.business_date, v_row.currency, v_row.kind, v_row.count, v_row.amount);
  end loop;
  for v_row in
    with taken as (delete from ledger_private.deferred_counters c where c.xid = v_xid returning c.*)
    select t.tenant_id, sum(t.events_raw)::integer as events_raw, sum(t.rejections)::integer as rejections,
           sum(t.exceptions_open)::integer as exceptions_open, sum(t.processed)::integer as processed,
           sum(t.quarantined)::integer as quarantined, sum(t.ignored)::integer as ignored, sum(t.postings)::integer as postings
    from taken t group by 1 order by 1
  loop
    perform ledger_private.bump_counters(v_row.tenant_id, v_row.events_raw, v_row.rejections, v_row.exceptions_open, v_row.processed,
                                         v_row.quarantined, v_row.ignored, v_row.postings);
  end loop;
end
$$;
comment on function ledger_private.apply_deferred() is
  'Applies the Gold and counter moves a set-based call kept back (ledger.defer_moves on), one update per row, and ends deferring.';

create or replace function ledger_private.analyze_ledger()
returns void
language plpgsql
volatile
as $$
begin
  analyze ledger.ledger_transactions, ledger.ledger_line_items, ledger.ledger_references, ledger.daily_sales, ledger.stores;
end
$$;
comment on function ledger_private.analyze_ledger() is 'Analyses Silver and Gold: run once by a posting when the ledger has never been analysed (no statistics), so that its lookups take their exact indexes.';
