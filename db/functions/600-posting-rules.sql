-- Posting rules (CONTRACT v2): what an arrival that would be processed must satisfy to be posted
-- to the ledger, checked in the contract's order; the first that fails is the reason it is
-- quarantined instead, with machine-readable details (what was expected, what came). Money is
-- numeric in major units, compared exactly, never a float.

create or replace function ledger_private.posting_kind(p_event_type text)
returns text
language plpgsql
stable
as $$
begin
  return (select t.posting from ledger.event_types t where t.event_type = upper(p_event_type) and t.enabled);
end
$$;
comment on function ledger_private.posting_kind(text) is 'What an enabled event type posts (sale, return, correction, reversal, none); null when the type is not allowed.';

create or replace function ledger_private.money_error(p_value jsonb, p_path text, p_minor_units integer, p_required boolean)
returns jsonb
language plpgsql
immutable
as $$
begin
  -- One {path, message} when the value is not an amount of the currency: a JSON number >= 0 with
  -- at most its minor units of decimals, as written (40.00 has two, 40 none). Null when it is.
  -- PL/pgSQL, not SQL: called for every amount of every posting, where a SQL function (not
  -- inlined from a PL/pgSQL caller) was planned anew on each call: ~130 µs, 6 calls or more a posting.
  return case
    when p_value is null or p_value = 'null'::jsonb then
      case when p_required then jsonb_build_object('path', p_path, 'message', 'is required') end
    when jsonb_typeof(p_value) <> 'number' then jsonb_build_object('path', p_path, 'message', 'must be a number')
    when (p_value #>> '{}')::numeric < 0 then jsonb_build_object('path', p_path, 'message', 'must not be negative')
    when p_minor_units is not null and scale((p_value #>> '{}')::numeric) > p_minor_units then
      jsonb_build_object('path', p_path, 'message', format('has more decimals than the currency''s %s', p_minor_units))
  end;
end
$$;
comment on function ledger_private.money_error(jsonb, text, integer, boolean) is 'Why a JSON value is not an amount (number >= 0, at most the given decimals), as {path, message}; null when it is one.';

-- The fields of a plain sale, as one inlined expression each (ledger_private.check_posting and
-- the set-based posting skip the worded list of errors for a sale they pass).
create or replace function ledger_private.is_amount(p_value jsonb, p_minor_units integer)
returns boolean
language sql
immutable
parallel safe
as $$
  -- An amount of the currency (ledger_private.money_error finds nothing wrong with it): a JSON
  -- number >= 0 with at most its minor units of decimals. Never raises, for any JSON.
  select case when jsonb_typeof(p_value) = 'number'
              then (p_value #>> '{}')::numeric >= 0 and scale((p_value #>> '{}')::numeric) <= p_minor_units
              else false end
$$;
comment on function ledger_private.is_amount(jsonb, integer) is 'Whether a JSON value is an amount of a currency with those minor units (a number >= 0, at most that many decimals); false, never an error, otherwise.';

create or replace function ledger_private.sale_is_plain(p_envelope jsonb, p_minor_units integer)
returns boolean
language sql
immutable
parallel safe
as $$
  -- A sale's fields but its lines (ledger_private.line_is_plain) as the posting rules want them
  -- (p_minor_units: its currency's, which must have them): true only when
  -- ledger_private.posting_schema_errors finds nothing wrong with them; false or null leaves the
  -- sale to the rules one by one. Stricter than the rules where that is simpler (an identifier's
  -- text of more than 200 characters, whatever its JSON type). One expression, inlined.
  select p_minor_units is not null
     and jsonb_typeof(p_envelope -> 'currency') = 'string'
     and ledger_private.is_amount(p_envelope -> 'total_amount', p_minor_units)
     and (p_envelope -> 'tax_amount' is null or p_envelope -> 'tax_amount' = 'null'::jsonb
          or ledger_private.is_amount(p_envelope -> 'tax_amount', p_minor_units))
     and (p_envelope -> 'discount_amount' is null or p_envelope -> 'discount_amount' = 'null'::jsonb
          or ledger_private.is_amount(p_envelope -> 'discount_amount', p_minor_units))
     and coalesce(length(p_envelope ->> 'store_id'), 0) <= 200 and coalesce(length(p_envelope ->> 'txn_id'), 0) <= 200
     and coalesce(length(p_envelope ->> 'source_system'), 0) <= 200 and coalesce(length(p_envelope ->> 'source_event_id'), 0) <= 200
     and coalesce(length(p_envelope ->> 'original_store_id'), 0) <= 200 and coalesce(length(p_envelope ->> 'original_txn_id'), 0) <= 200
     and (p_envelope -> 'line_items' is null or jsonb_typeof(p_envelope -> 'line_items') in ('null', 'array'))
$$;
comment on function ledger_private.sale_is_plain(jsonb, integer) is
  'Whether a sale''s fields other than its lines pass the posting rules'' schema checks, for its currency''s minor units: true only when they do; the set-based posting''s test of its fields.';

create or replace function ledger_private.line_is_plain(p_line jsonb, p_minor_units integer)
returns boolean
language sql
immutable
parallel safe
as $$
  -- One line as the posting rules want it: an object with a sku (a non-empty string of at most 200
  -- characters), a qty above zero and an amount of the currency. Never null, never an error.
  select coalesce(jsonb_typeof(p_line) = 'object'
                  and jsonb_typeof(p_line -> 'sku') = 'string' and p_line ->> 'sku' <> '' and length(p_line ->> 'sku') <= 200
                  and case when jsonb_typeof(p_line -> 'qty') = 'number' then (p_line ->> 'qty')::numeric > 0 else false end
                  and ledger_private.is_amount(p_line -> 'amount', p_minor_units), false)
$$;
comment on function ledger_private.line_is_plain(jsonb, integer) is 'Whether a sale''s line passes the posting rules'' schema checks (sku, qty above zero, amount of the currency): true only when it does.';

create or replace function ledger_private.lines_of(p_envelope jsonb, p_minor_units integer)
returns table (lines_plain boolean, lines_amount numeric)
language sql
immutable
parallel safe
as $$
  -- A sale's lines in one pass: whether every one is plain (true without lines) and their amounts
  -- summed (those that are numbers). A one-row table function, inlined into the query that reads it.
  select coalesce(bool_and(ledger_private.line_is_plain(x.line, p_minor_units)), true),
         sum(case when jsonb_typeof(x.line -> 'amount') = 'number' then (x.line ->> 'amount')::numeric end)
  from jsonb_array_elements(case when jsonb_typeof(p_envelope -> 'line_items') = 'array' then p_envelope -> 'line_items' else '[]' end) x(line)
$$;
comment on function ledger_private.lines_of(jsonb, integer) is 'A sale''s lines in one pass: whether all are plain (ledger_private.line_is_plain) and the sum of their amounts.';

create or replace function ledger_private.makes_total(p_envelope jsonb, p_lines_amount numeric)
returns boolean
language sql
immutable
parallel safe
as $$
  -- Whether a plain sale's lines (their amounts summed: p_lines_amount), tax and discount make its
  -- total (TOTALS_MISMATCH otherwise); without lines there is nothing to add up. Its amounts must be
  -- numbers (ledger_private.sale_is_plain and line_is_plain passed).
  select jsonb_typeof(p_envelope -> 'line_items') is distinct from 'array'
      or coalesce(p_lines_amount, 0) + coalesce((p_envelope ->> 'tax_amount')::numeric, 0)
         - coalesce((p_envelope ->> 'discount_amount')::numeric, 0) = (p_envelope ->> 'total_amount')::numeric
$$;
comment on function ledger_private.makes_total(jsonb, numeric) is 'Whether a plain sale''s lines (summed), tax and discount make its total; true without lines.';

create or replace function ledger_private.posting_schema_errors(p_envelope jsonb, p_kind text)
returns jsonb
language plpgsql
stable
as $$
declare
  v_errors jsonb := '[]';
  v_minor integer;
  v_known boolean := false;
  v_line jsonb;
  v_n integer := 0;
  v_field text;
begin
  if jsonb_typeof(p_envelope -> 'currency') is distinct from 'string' then
    v_errors := v_errors || jsonb_build_object('path', 'currency', 'message', 'is required: an ISO 4217 code');
  else
    select true, c.minor_units into v_known, v_minor from ledger.currencies c where c.currency = p_envelope ->> 'currency';
    if not found then
      v_errors := v_errors || jsonb_build_object('path', 'currency', 'message', 'is not an ISO 4217 code');
    elsif v_minor is null then
      v_errors := v_errors || jsonb_build_object('path', 'currency', 'message', 'has no minor units (a metal, a fund or a test code): it cannot be posted');
    end if;
  end if;

  v_errors := v_errors || coalesce(ledger_private.money_error(p_envelope -> 'total_amount', 'total_amount', v_minor, p_kind <> 'reversal'), '[]');
  foreach v_field in array array['tax_amount', 'discount_amount'] loop
    v_errors := v_errors || coalesce(ledger_private.money_error(p_envelope -> v_field, v_field, v_minor, false), '[]');
  end loop;

  if p_kind <> 'reversal' and p_envelope ? 'line_items' and p_envelope -> 'line_items' <> 'null'::jsonb then
    if jsonb_typeof(p_envelope -> 'line_items') <> 'array' then
      v_errors := v_errors || jsonb_build_object('path', 'line_items', 'message', 'must be an array');
    else
      for v_line in select value from jsonb_array_elements(p_envelope -> 'line_items') loop
        if jsonb_typeof(v_line) <> 'object' then
          v_errors := v_errors || jsonb_build_object('path', format('line_items.%s', v_n), 'message', 'must be an object');
        else
          if jsonb_typeof(v_line -> 'sku') is distinct from 'string' or v_line ->> 'sku' = '' then
            v_errors := v_errors || jsonb_build_object('path', format('line_items.%s.sku', v_n), 'message', 'is required: a non-empty string');
          end if;
          if jsonb_typeof(v_line -> 'qty') is distinct from 'number' then
            v_errors := v_errors || jsonb_build_object('path', format('line_items.%s.qty', v_n), 'message', 'is required: a number');
          elsif (v_line ->> 'qty')::numeric <= 0 then
            v_errors := v_errors || jsonb_build_object('path', format('line_items.%s.qty', v_n), 'message', 'must be above zero');
          end if;
          v_errors := v_errors || coalesce(ledger_private.money_error(v_line -> 'amount', format('line_items.%s.amount', v_n), v_minor, true), '[]');
        end if;
        v_n := v_n + 1;
      end loop;
    end if;
  end if;

  -- The identifiers Silver keys and indexes: at most 200 characters (a 300 KB txn_id could not be
  -- indexed, 54000, and was held as PROCESSING_ERROR instead of told what is wrong).
  foreach v_field in array array['store_id', 'txn_id', 'source_system', 'source_event_id', 'original_store_id', 'original_txn_id'] loop
    if jsonb_typeof(p_envelope -> v_field) = 'string' and length(p_envelope ->> v_field) > 200 then
      v_errors := v_errors || jsonb_build_object('path', v_field, 'message', 'must be at most 200 characters');
    end if;
  end loop;
  if jsonb_typeof(p_envelope -> 'line_items') = 'array' then
    select v_errors || coalesce(jsonb_agg(jsonb_build_object('path', format('line_items.%s.sku', l.n - 1), 'message', 'must be at most 200 characters')
                                          order by l.n), '[]')
    into v_errors
    from jsonb_array_elements(p_envelope -> 'line_items') with ordinality l(line, n)
    where jsonb_typeof(l.line -> 'sku') = 'string' and length(l.line ->> 'sku') > 200;
  end if;

  if p_kind in ('return', 'correction', 'reversal') then
    if jsonb_typeof(p_envelope -> 'original_txn_id') is distinct from 'string' or p_envelope ->> 'original_txn_id' = '' then
      v_errors := v_errors || jsonb_build_object('path', 'original_txn_id', 'message', format('is required: the txn_id of the sale this %s refers to', p_kind));
    end if;
    if p_envelope ? 'original_store_id' and p_envelope -> 'original_store_id' <> 'null'::jsonb
       and (jsonb_typeof(p_envelope -> 'original_store_id') <> 'string' or p_envelope ->> 'original_store_id' = '') then
      v_errors := v_errors || jsonb_build_object('path', 'original_store_id', 'message', 'must be a non-empty string when present');
    end if;
  end if;
  return v_errors;
end
$$;
comment on function ledger_private.posting_schema_errors(jsonb, text) is 'What is wrong with a posting envelope''s fields for its kind, as [{path, message}] (SCHEMA_VALIDATION_FAILED); empty when nothing is.';

create or replace function ledger_private.txn_lock(p_tenant_id text, p_store_id text, p_txn_id text)
returns bigint
language sql
immutable
as $$
  select hashtextextended(p_tenant_id || E'\x1f' || p_store_id || E'\x1f' || p_txn_id, 7402117)
$$;
comment on function ledger_private.txn_lock(text, text, text) is 'The advisory lock of a transaction (tenant, store, txn_id): every posting of it or referring to it takes it first, so that a sale, its returns and the exceptions waiting on it are decided one at a time.';

create or replace function ledger_private.lock_posting_txns(p_envelope jsonb, p_kind text)
returns void
language plpgsql
volatile
as $$
begin
  -- The original's lock first (the sale a return, correction or reversal belongs to), then the
  -- posting's own: a sale that heals the postings waiting on it takes their own locks while it holds
  -- its own, so every session takes a sale's lock before the locks of the postings that refer to it.
  if p_kind in ('return', 'correction', 'reversal') then
    perform pg_advisory_xact_lock(ledger_private.txn_lock(p_envelope ->> 'tenant_id',
      coalesce(nullif(p_envelope ->> 'original_store_id', ''), p_envelope ->> 'store_id'), p_envelope ->> 'original_txn_id'));
  end if;
  perform pg_advisory_xact_lock(ledger_private.txn_lock(p_envelope ->> 'tenant_id', p_envelope ->> 'store_id', p_envelope ->> 'txn_id'));
end
$$;
comment on function ledger_private.lock_posting_txns(jsonb, text) is 'Takes the advisory locks of a posting''s transactions (its own, its original''s) in lock order.';

create or replace function ledger_private.original_state(
  p_tenant_id text,
  p_store_id text,
  p_txn_id text,
  p_excluding bigint default null
)
returns jsonb
language plpgsql
stable
as $$
declare
  v_sale ledger.ledger_transactions;
  v_correction ledger.ledger_transactions;
  v_basis bigint;
  v_state jsonb;
begin
  -- The sale as it now stands: its current posting, as the latest correction left it, net of every
  -- current return; p_excluding leaves out one posting (the one a replay is superseding).
  select * into v_sale from ledger.ledger_transactions t
  where t.tenant_id = p_tenant_id and t.store_id = p_store_id and t.txn_id = p_txn_id and t.superseded_by is null and t.kind = 'sale'
    and t.posting_id is distinct from p_excluding;
  if not found then
    return null;
  end if;
  select t.* into v_correction from ledger.ledger_transactions t
  join ledger.ledger_references r on r.tenant_id = t.tenant_id and r.posting_id = t.posting_id
  where r.tenant_id = p_tenant_id and r.original_store_id = p_store_id and r.original_txn_id = p_txn_id
    and t.kind = 'correction' and t.superseded_by is null and t.posting_id is distinct from p_excluding
  order by t.posting_id desc limit 1;
  v_basis := coalesce(v_correction.posting_id, v_sale.posting_id);

  with lines as (
    select l.sku, sum(l.qty) as qty, sum(l.amount) as amount from ledger.ledger_line_items l
    where l.tenant_id = p_tenant_id and l.posting_id = v_basis group by l.sku
  ), returned as (
    select l.sku, sum(l.qty) as qty, sum(l.amount) as amount from ledger.ledger_transactions t
    join ledger.ledger_references r on r.tenant_id = t.tenant_id and r.posting_id = t.posting_id
    join ledger.ledger_line_items l on l.tenant_id = t.tenant_id and l.posting_id = t.posting_id
    where r.tenant_id = p_tenant_id and r.original_store_id = p_store_id and r.original_txn_id = p_txn_id
      and t.kind = 'return' and t.superseded_by is null and t.posting_id is distinct from p_excluding
    group by l.sku
  ), returns as (
    select count(*) as n, coalesce(sum(t.total_amount), 0) as total from ledger.ledger_transactions t
    join ledger.ledger_references r on r.tenant_id = t.tenant_id and r.posting_id = t.posting_id
    where r.tenant_id = p_tenant_id and r.original_store_id = p_store_id and r.original_txn_id = p_txn_id
      and t.kind = 'return' and t.superseded_by is null and t.posting_id is distinct from p_excluding
  ), reversal as (
    select t.posting_id from ledger.ledger_transactions t
    join ledger.ledger_references r on r.tenant_id = t.tenant_id and r.posting_id = t.posting_id
    where r.tenant_id = p_tenant_id and r.original_store_id = p_store_id and r.original_txn_id = p_txn_id
      and t.kind = 'reversal' and t.superseded_by is null and t.posting_id is distinct from p_excluding
    limit 1
  )
  select jsonb_build_object(
    'posting_id', v_sale.posting_id, 'idempotency_key', v_sale.idempotency_key, 'currency', v_sale.currency,
    'store_id', v_sale.store_id, 'txn_id', v_sale.txn_id,
    'corrected_by', v_correction.posting_id,
    'total', coalesce(v_correction.total_amount, v_sale.total_amount),
    'returned_total', (select total from returns), 'returns', (select n from returns),
    'remaining_total', coalesce(v_correction.total_amount, v_sale.total_amount) - (select total from returns),
    'reversed_by', (select posting_id from reversal),
    'lines', coalesce((select jsonb_object_agg(s.sku, jsonb_build_object('sold', coalesce(l.qty, 0), 'returned', coalesce(r.qty, 0),
                                                                        'remaining', coalesce(l.qty, 0) - coalesce(r.qty, 0)))
                       from (select sku from lines union select sku from returned) s
                       left join lines l on l.sku = s.sku left join returned r on r.sku = s.sku), '{}'))
  into v_state;
  return v_state;
end
$$;
comment on function ledger_private.original_state(text, text, text, bigint) is
  'A posted sale as it now stands: total and lines as corrected, what was returned (per sku and in total), what remains, and whether a reversal voided it; null when no sale of that store and txn_id is posted.';

create or replace function ledger_private.posting_lines(p_envelope jsonb)
returns table (sku text, qty numeric, amount numeric)
language sql
immutable
as $$
  select l ->> 'sku', sum((l ->> 'qty')::numeric), sum((l ->> 'amount')::numeric)
  from jsonb_array_elements(case when jsonb_typeof(p_envelope -> 'line_items') = 'array' then p_envelope -> 'line_items' else '[]' end) l
  group by 1
$$;
comment on function ledger_private.posting_lines(jsonb) is 'A posting envelope''s lines per sku (quantities and amounts summed).';

create or replace function ledger_private.check_posting(
  p_envelope jsonb,
  p_kind text,
  p_excluding bigint default null,
  p_date date default null
)
returns jsonb
language plpgsql
stable
as $$
declare
  v_tenant_id text := p_envelope ->> 'tenant_id';
  v_key text := p_envelope ->> 'event_id';
  v_store_id text := p_envelope ->> 'store_id';
  -- Looked up as variables: a generic plan does not take `p_envelope ->> 'txn_id'` as an index
  -- condition, and scanned every posting of the tenant (then of the store) for each new one.
  v_txn_id text := p_envelope ->> 'txn_id';
  v_source_system text := p_envelope ->> 'source_system';
  v_source_event_id text := p_envelope ->> 'source_event_id';
  v_errors jsonb;
  v_total numeric;
  v_lines numeric;
  v_expected numeric;
  v_other text;
  v_original_store text;
  v_original jsonb;
  v_over jsonb;
  v_date date;
  v_plain boolean;
begin
  -- Returns null when the posting may go ahead, else {reason_code, details} of the first rule it
  -- breaks, in the contract's order. The caller holds the key and the transactions' locks.
  -- A sale whose fields and lines pass the schema checks and make its total (the usual one): one
  -- query, instead of the worded list of errors and the sum of its lines.
  if p_kind = 'sale' then
    select case when ledger_private.sale_is_plain(p_envelope, c.minor_units) and l.lines_plain
                then ledger_private.makes_total(p_envelope, l.lines_amount) else false end
    into v_plain
    from ledger.currencies c
    cross join lateral ledger_private.lines_of(p_envelope, c.minor_units) l
    where c.currency = p_envelope ->> 'currency';
  end if;
  if v_plain is not true then
    v_errors := ledger_private.posting_schema_errors(p_envelope, p_kind);
    if jsonb_array_length(v_errors) > 0 then
      return jsonb_build_object('reason_code', 'SCHEMA_VALIDATION_FAILED', 'details', jsonb_build_object('errors', v_errors));
    end if;
  end if;

  select t.idempotency_key into v_other from ledger.ledger_transactions t
  where t.tenant_id = v_tenant_id and t.store_id = v_store_id and t.txn_id = v_txn_id and t.superseded_by is null
    and t.idempotency_key <> v_key;
  if found then
    return jsonb_build_object('reason_code', 'DUPLICATE_TRANSACTION', 'details',
      jsonb_build_object('store_id', v_store_id, 'txn_id', p_envelope ->> 'txn_id', 'posted_by', v_other));
  end if;

  if jsonb_typeof(p_envelope -> 'source_event_id') = 'string' then
    select t.idempotency_key into v_other from ledger.ledger_transactions t
    where t.tenant_id = v_tenant_id and t.source_system = v_source_system
      and t.source_event_id = v_source_event_id and t.superseded_by is null and t.idempotency_key <> v_key;
    if found then
      return jsonb_build_object('reason_code', 'DUPLICATE_SOURCE_EVENT_ID', 'details',
        jsonb_build_object('source_system', p_envelope ->> 'source_system', 'source_event_id', p_envelope ->> 'source_event_id', 'posted_by', v_other));
    end if;
  end if;

  v_total := (p_envelope ->> 'total_amount')::numeric;
  if p_kind <> 'reversal' and jsonb_typeof(p_envelope -> 'line_items') = 'array' and v_plain is not true then
    select coalesce(sum((l ->> 'amount')::numeric), 0) into v_lines from jsonb_array_elements(p_envelope -> 'line_items') l;
    v_expected := v_lines + coalesce((p_envelope ->> 'tax_amount')::numeric, 0) - coalesce((p_envelope ->> 'discount_amount')::numeric, 0);
    if v_expected <> v_total then
      return jsonb_build_object('reason_code', 'TOTALS_MISMATCH', 'details', jsonb_build_object(
        'expected', v_expected, 'total_amount', v_total, 'lines', v_lines,
        'tax_amount', coalesce((p_envelope ->> 'tax_amount')::numeric, 0), 'discount_amount', coalesce((p_envelope ->> 'discount_amount')::numeric, 0)));
    end if;
  end if;

  if p_kind in ('return', 'correction', 'reversal') then
    v_original_store := coalesce(nullif(p_envelope ->> 'original_store_id', ''), v_store_id);
    v_original := ledger_private.original_state(v_tenant_id, v_original_store, p_envelope ->> 'original_txn_id', p_excluding);
    if v_original is null then
      return jsonb_build_object('reason_code', 'MISSING_REFERENCE', 'details', jsonb_build_object(
        'original_store_id', v_original_store, 'original_txn_id', p_envelope ->> 'original_txn_id',
        'message', 'no sale of that store and txn_id is posted (yet): this waits for it'));
    end if;
    if v_original ->> 'currency' <> p_envelope ->> 'currency' then
      return jsonb_build_object('reason_code', 'CURRENCY_MISMATCH', 'details', jsonb_build_object(
        'expected', v_original ->> 'currency', 'currency', p_envelope ->> 'currency', 'original_txn_id', p_envelope ->> 'original_txn_id'));
    end if;
    if v_original ->> 'reversed_by' is not null then
      return jsonb_build_object('reason_code', 'ORIGINAL_REVERSED', 'details', jsonb_build_object(
        'original_txn_id', p_envelope ->> 'original_txn_id', 'reversed_by', (v_original ->> 'reversed_by')::bigint));
    end if;

    if p_kind = 'return' then
      select jsonb_agg(jsonb_build_object('sku', x.sku, 'sold', coalesce((v_original #>> array['lines', x.sku, 'sold'])::numeric, 0),
               'returned_before', coalesce((v_original #>> array['lines', x.sku, 'returned'])::numeric, 0), 'returns', x.qty,
               'remaining', coalesce((v_original #>> array['lines', x.sku, 'remaining'])::numeric, 0)) order by x.sku)
      into v_over
      from ledger_private.posting_lines(p_envelope) x
      where x.qty > coalesce((v_original #>> array['lines', x.sku, 'remaining'])::numeric, 0);
      if v_over is not null or v_total > (v_original ->> 'remaining_total')::numeric then
        return jsonb_build_object('reason_code', 'CANNOT_EXCEED_ORIGINAL', 'details', jsonb_build_object(
          'original_txn_id', p_envelope ->> 'original_txn_id', 'lines', coalesce(v_over, '[]'),
          'total', jsonb_build_object('sold', (v_original ->> 'total')::numeric, 'returned_before', (v_original ->> 'returned_total')::numeric,
                                      'returns', v_total, 'remaining', (v_original ->> 'remaining_total')::numeric)));
      end if;
    elsif p_kind = 'correction' then
      select jsonb_agg(jsonb_build_object('sku', s.key, 'returned', (s.value ->> 'returned')::numeric, 'corrected', coalesce(x.qty, 0)) order by s.key)
      into v_over
      from jsonb_each(v_original -> 'lines') s
      left join ledger_private.posting_lines(p_envelope) x on x.sku = s.key
      where jsonb_typeof(p_envelope -> 'line_items') = 'array' and (s.value ->> 'returned')::numeric > coalesce(x.qty, 0);
      if v_over is not null or v_total < (v_original ->> 'returned_total')::numeric then
        return jsonb_build_object('reason_code', 'CANNOT_EXCEED_ORIGINAL', 'details', jsonb_build_object(
          'original_txn_id', p_envelope ->> 'original_txn_id', 'message', 'a correction cannot go below what was already returned',
          'lines', coalesce(v_over, '[]'), 'total', jsonb_build_object('returned', (v_original ->> 'returned_total')::numeric, 'corrected', v_total)));
      end if;
    else
      if (v_original ->> 'remaining_total')::numeric <= 0 then
        return jsonb_build_object('reason_code', 'CANNOT_EXCEED_ORIGINAL', 'details', jsonb_build_object(
          'original_txn_id', p_envelope ->> 'original_txn_id', 'message', 'nothing is left of the original to reverse',
          'remaining', (v_original ->> 'remaining_total')::numeric));
      end if;
      if v_total is not null and v_total <> (v_original ->> 'remaining_total')::numeric then
        return jsonb_build_object('reason_code', 'TOTALS_MISMATCH', 'details', jsonb_build_object(
          'expected', (v_original ->> 'remaining_total')::numeric, 'total_amount', v_total,
          'message', 'a reversal reverses what is left of the original, as corrected, net of returns'));
      end if;
    end if;
  end if;

  v_date := coalesce(p_date, ledger_private.business_date(v_tenant_id, v_store_id, (p_envelope ->> 'occurred_at')::timestamptz));
  if exists (select from ledger.business_days d where d.tenant_id = v_tenant_id and d.store_id in (v_store_id, '') and d.business_date = v_date) then
    return jsonb_build_object('reason_code', 'LATE_EVENT_OUTSIDE_WINDOW', 'details', jsonb_build_object(
      'store_id', v_store_id, 'business_date', v_date, 'message', 'that business day is closed'));
  end if;
  return null;
end
$$;
comment on function ledger_private.check_posting(jsonb, text, bigint, date) is
  'The posting rules of CONTRACT v2 in order; null when the posting may go ahead, else {reason_code, details} of the first that fails. p_excluding: a posting left out of the computations (the one a replay supersedes); p_date: its business day, when the caller has it.';
