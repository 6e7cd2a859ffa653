-- Test helpers, loaded only into the test database (never by migrate).
create schema if not exists tests;

-- A well-formed sale (its lines add up to its total); a patch that names another total and no lines
-- gets one line of that amount, so that the sale stays well-formed for the ledger's rules.
create or replace function tests.envelope(p_tenant_id text, p_event_id text, p_patch jsonb default '{}')
returns jsonb
language sql
immutable
security definer
as $$
  select ledger_private.merge_patch(jsonb_build_object(
    'schema_version', '1.0', 'tenant_id', p_tenant_id, 'store_id', 'store_001', 'source_system', 'pos_sim',
    'event_id', p_event_id, 'source_event_id', 'src-' || p_event_id, 'event_type', 'SALE',
    'occurred_at', '2026-02-25T00:00:00Z', 'txn_id', 'txn-' || p_event_id, 'currency', 'USD', 'total_amount', 42.5,
    'line_items', jsonb_build_array(jsonb_build_object('sku', 'SKU-AAA', 'qty', 1, 'amount', 30.0),
                                    jsonb_build_object('sku', 'SKU-BBB', 'qty', 1, 'amount', 12.5))),
    case when jsonb_typeof(p_patch -> 'total_amount') = 'number' and not p_patch ? 'line_items'
         then p_patch || jsonb_build_object('line_items', jsonb_build_array(jsonb_build_object('sku', 'SKU-AAA', 'qty', 1, 'amount', p_patch -> 'total_amount')))
         else p_patch end)
$$;

create or replace function tests.make_tenant(p_tenant_id text)
returns text
language sql
as $$
  insert into ledger.tenants (tenant_id) values (p_tenant_id) on conflict do nothing;
  select p_tenant_id
$$;

-- Become a caller as the edge does: a role for the rest of the transaction, plus its binding.
create or replace function tests.as_producer(p_tenant_id text)
returns void
language plpgsql
as $$
begin
  perform set_config('ledger.tenant_id', p_tenant_id, true);
  perform set_config('ledger.actor', '', true);
  set local role ledger_ingest;
end
$$;

create or replace function tests.as_operator(p_actor text default 'operator:test')
returns void
language plpgsql
as $$
begin
  perform set_config('ledger.tenant_id', '', true);
  perform set_config('ledger.actor', p_actor, true);
  set local role ledger_operator;
end
$$;

create or replace function tests.as_readonly()
returns void
language plpgsql
as $$
begin
  perform set_config('ledger.tenant_id', '', true);
  set local role ledger_readonly;
end
$$;

create or replace function tests.as_owner()
returns void
language plpgsql
as $$
begin
  perform set_config('ledger.tenant_id', '', true);
  perform set_config('ledger.actor', '', true);
  reset role;
end
$$;

-- The health counters against count(*) of the tables, for one tenant (null: all tenants): true
-- when they agree.
create or replace function tests.counts_match(p_tenant_id text)
returns boolean
language sql
security definer
as $$
  select ledger.health(p_tenant_id) = jsonb_build_object(
    'events_raw', (select count(*) from ledger.events_raw where p_tenant_id is null or tenant_id = p_tenant_id),
    'rejections', (select count(*) from ledger.rejections where p_tenant_id is null or tenant_id = p_tenant_id),
    'exceptions_open', (select count(*) from ledger.exceptions where (p_tenant_id is null or tenant_id = p_tenant_id) and status = 'open'),
    'idempotency', jsonb_build_object(
      'processed', (select count(*) from ledger.events_processed where (p_tenant_id is null or tenant_id = p_tenant_id) and status = 'processed'),
      'quarantined', (select count(*) from ledger.events_processed where (p_tenant_id is null or tenant_id = p_tenant_id) and status = 'quarantined'),
      'ignored', (select count(*) from ledger.events_processed where (p_tenant_id is null or tenant_id = p_tenant_id) and status = 'ignored')),
    'postings', (select count(*) from ledger.ledger_transactions where (p_tenant_id is null or tenant_id = p_tenant_id) and superseded_by is null))
$$;

-- Answers remembered by step name, so that assertions made later (often as another role) can
-- refer to them. Every test file runs in a transaction that rolls back, so it starts empty.
create table if not exists tests.arrivals (
  position bigint generated always as identity,
  step text primary key,
  answer ledger.ingest_answer not null
);

-- One arrival through ledger.ingest_event as the current role, remembered as p_step.
create or replace function tests.arrive(p_step text, p_envelope jsonb)
returns ledger.ingest_answer
language sql
as $$
  insert into tests.arrivals (step, answer)
  select p_step, a from ledger.ingest_event(p_envelope, 'test') a
  returning answer
$$;

-- A batch through ledger.ingest_events as the current role: its answers are remembered as
-- p_step:1, p_step:2, ... in order.
create or replace function tests.arrive_batch(p_step text, p_envelopes jsonb)
returns bigint
language sql
as $$
  with remembered as (
    insert into tests.arrivals (step, answer)
    select p_step || ':' || b.n, (b.tenant_id, b.idempotency_key, b.raw_id, b.result, b.exception_id, b.reason_code,
                                  b.key_status, b.attempt, b.received_at, b.status, b.errors)::ledger.ingest_answer
    from ledger.ingest_events(p_envelopes) with ordinality as b(tenant_id, idempotency_key, raw_id, result, exception_id,
      reason_code, key_status, attempt, received_at, status, errors, n)
    returning 1
  )
  select count(*) from remembered
$$;

create or replace function tests.answer(p_step text)
returns ledger.ingest_answer
language sql
stable
as $$
  select answer from tests.arrivals where step = p_step
$$;

-- The parts of an answer the contract's outcome table fixes, as one comparable text:
-- (result,reason_code,key_status,attempt,status).
create or replace function tests.outcome(p_step text)
returns text
language sql
stable
as $$
  select ((answer).result, (answer).reason_code, (answer).key_status, (answer).attempt, (answer).status)::text
  from tests.arrivals where step = p_step
$$;

-- A processed key followed by a conflicting arrival: returns the exception that now holds it.
-- The arrivals are remembered as <key>:first and <key>:conflict.
create or replace function tests.open_conflict(p_tenant_id text, p_event_id text)
returns uuid
language sql
as $$
  select tests.arrive(p_event_id || ':first', tests.envelope(p_tenant_id, p_event_id));
  select (tests.arrive(p_event_id || ':conflict', tests.envelope(p_tenant_id, p_event_id, '{"total_amount": 41.0}'))).exception_id
$$;

-- The [{path, message}] list a failing statement carries in DETAIL, as its sorted paths: what
-- the edge answers as 422 errors. Null when the statement does not fail.
create or replace function tests.error_paths(p_sql text)
returns text[]
language plpgsql
as $$
declare
  v_detail text;
begin
  execute p_sql;
  return null;
exception when others then
  get stacked diagnostics v_detail = pg_exception_detail;
  return (select array_agg(e ->> 'path' order by e ->> 'path') from jsonb_array_elements(v_detail::jsonb) e);
end
$$;

-- Processing that fails, once, when asked: tests.fail_next_processing(tenant, key) arms a failure
-- that the next write of that key's idempotency state (ledger.events_processed) raises, P0001, as
-- an unexpected failure while deciding would. Only that first write fails: the quarantine that
-- follows it writes the same row again and must succeed, which is what lets a test reach the
-- branch where a key already quarantined meets a processing failure. nextval is not undone when
-- the failed statement is rolled back, so a sequence per armed failure records that it fired.
-- The trigger exists once tests.inject_processing_failures() has run in the database.
create table if not exists tests.injected_failures (
  failure_id bigint generated always as identity primary key,
  tenant_id text not null,
  idempotency_key text not null
);

create or replace function tests.fail_next_processing(p_tenant_id text, p_idempotency_key text)
returns bigint
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_failure_id bigint;
begin
  insert into tests.injected_failures (tenant_id, idempotency_key) values (p_tenant_id, p_idempotency_key)
  returning failure_id into v_failure_id;
  execute format('create sequence tests.injected_failure_%s', v_failure_id);
  return v_failure_id;
end
$$;

create or replace function tests.armed_failure()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_failure_id bigint;
begin
  select max(f.failure_id) into v_failure_id from tests.injected_failures f
  where f.tenant_id = new.tenant_id and f.idempotency_key = new.idempotency_key;
  if v_failure_id is not null and nextval(format('tests.injected_failure_%s', v_failure_id)::regclass) = 1 then
    raise exception using errcode = 'P0001', message = format('injected processing failure %s', v_failure_id);
  end if;
  return new;
end
$$;

create or replace function tests.inject_processing_failures()
returns void
language sql
as $$
  create or replace trigger armed_failure after insert or update on ledger.events_processed
    for each row execute function tests.armed_failure();
$$;

-- The same envelopes (their tenant_id set to p_tenant_id) through ledger.ingest_event one by one,
-- each in a subtransaction, as the current role: one line per envelope, what the outcome table
-- fixes, with refusals as the status the edge answers (22023 → 422, 42501 → 403).
create or replace function tests.outcomes_one_by_one(p_tenant_id text, p_envelopes jsonb)
returns text[]
language plpgsql
as $$
declare
  v_envelope jsonb;
  v_answer ledger.ingest_answer;
  v_lines text[] := '{}';
begin
  for v_envelope in select e from jsonb_array_elements(p_envelopes) e loop
    begin
      v_answer := ledger.ingest_event(v_envelope || jsonb_build_object('tenant_id', p_tenant_id), 'test');
      v_lines := v_lines || format('%s %s %s %s %s', v_answer.status, v_answer.result, coalesce(v_answer.reason_code, '-'),
                                   v_answer.attempt, v_answer.key_status);
    exception when sqlstate '22023' or sqlstate '42501' then
      v_lines := v_lines || case sqlstate when '22023' then '422' else '403' end;
    end;
  end loop;
  return v_lines;
end
$$;

-- The same envelopes (their tenant_id set to p_tenant_id) as one ledger.ingest_events call, as
-- the current role, in the lines of tests.outcomes_one_by_one.
create or replace function tests.outcomes_batch(p_tenant_id text, p_envelopes jsonb)
returns text[]
language sql
as $$
  select coalesce(array_agg(case when b.status >= 400 then b.status::text
                                 else format('%s %s %s %s %s', b.status, b.result, coalesce(b.reason_code, '-'), b.attempt, b.key_status) end
                            order by b.n), '{}')
  from ledger.ingest_events((select jsonb_agg(e || jsonb_build_object('tenant_id', p_tenant_id) order by n)
                             from jsonb_array_elements(p_envelopes) with ordinality as x(e, n)))
       with ordinality as b(tenant_id, idempotency_key, raw_id, result, exception_id, reason_code, key_status, attempt, received_at, status, errors, n)
$$;

-- Silver of a tenant as comparable lines (to compare two tenants' ledgers): every posting with its version, lines and the original it
-- refers to (by key and version, since posting ids differ between tenants).
create or replace function tests.silver_lines(p_tenant text)
returns text[]
language sql
as $$
  select coalesce(array_agg(x order by x), '{}') from (
    select concat_ws('|', t.store_id, t.txn_id, t.kind, t.currency, t.total_amount, t.tax_amount, t.discount_amount, t.business_date,
             t.idempotency_key, t.version, coalesce(t.superseded_by::text, 'current'), t.status, t.gold_amount,
             (select string_agg(concat_ws(':', l.line_no, l.sku, l.qty, l.amount), ',' order by l.line_no)
              from ledger.ledger_line_items l where l.tenant_id = t.tenant_id and l.posting_id = t.posting_id),
             (select concat_ws(':', r.original_store_id, r.original_txn_id, o.idempotency_key, o.version)
              from ledger.ledger_references r join ledger.ledger_transactions o on o.tenant_id = r.tenant_id and o.posting_id = r.original_posting_id
              where r.tenant_id = t.tenant_id and r.posting_id = t.posting_id)) as x
    from ledger.ledger_transactions t where t.tenant_id = p_tenant) s
$$;

-- Gold of a tenant as comparable lines.
create or replace function tests.gold_lines(p_tenant text)
returns text[]
language sql
as $$
  select coalesce(array_agg(concat_ws('|', g.store_id, g.business_date, g.currency, g.sales_count, g.sales_amount, g.returns_count, g.returns_amount,
           g.corrections_count, g.corrections_amount, g.reversals_count, g.reversals_amount, g.net_amount) order by g.store_id, g.business_date, g.currency), '{}')
  from ledger.get_daily_sales(p_tenant) g
$$;

grant usage on schema tests to ledger_ingest, ledger_operator, ledger_readonly, ledger_edge;
grant execute on all functions in schema tests to ledger_ingest, ledger_operator, ledger_readonly, ledger_edge;
grant select, insert on tests.arrivals to ledger_ingest, ledger_operator, ledger_readonly;

-- pgTAP lives in public; the roles under test must reach it (ledger_edge too: it inherits nothing).
grant usage on schema public to ledger_ingest, ledger_operator, ledger_readonly, ledger_edge;
grant execute on all functions in schema public to ledger_ingest, ledger_operator, ledger_readonly, ledger_edge;
