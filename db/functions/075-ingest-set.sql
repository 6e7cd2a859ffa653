-- Set-based ingest: many arrivals in one call, each answered exactly as ledger.ingest_event would
-- answer it had the same envelopes come one by one in the call's order (CONTRACT v1.1). It costs a
-- handful of statements whatever the number of arrivals:
--   1. judge every arrival (refusals, validation, key, fingerprint, allowlist, Bronze number);
--   2. take the keys seen for the first time (insert ... on conflict do nothing, in key order);
--   3. lock the keys that already existed (select ... for update, in key order);
--   4. decide every arrival from its key's state and the arrivals of the same key before it in the
--      call (window functions), and write keys, exceptions, audit rows, Bronze and rejections;
--   5. move the health counters, tenant by tenant in tenant order.
-- Keys are locked in one order (tenant, key) by every call, so concurrent calls cannot deadlock on
-- each other. Keys do not depend on one another, so deciding all of a key's arrivals at once gives
-- what the one-by-one order gives. Should any statement fail unexpectedly, the whole set-based
-- step is rolled back and the arrivals go one by one through ledger_private.ingest_valid, where a
-- failure quarantines only its own arrival (PROCESSING_ERROR); transient failures abort the call.

create or replace function ledger_private.judge_arrivals(
  p_envelopes jsonb[],
  p_bound text[],
  p_sources text[],
  p_api_key_ids uuid[],
  p_refusals jsonb[]
)
returns ledger_private.batch_item[]
language sql
volatile
as $$
  with input as (
    select i.item::integer as item, i.envelope, p_bound[i.item] as bound, coalesce(p_sources[i.item], 'sql') as source,
           p_api_key_ids[i.item] as api_key_id, p_refusals[i.item] as refusal
    from unnest(p_envelopes) with ordinality as i(envelope, item)
  ), judged as (
    -- The same order of checks as ledger.ingest_event: another tenant first, then the envelope.
    select n.*, v.errors,
      case when n.refusal is not null then (n.refusal ->> 'status')::integer
           when v.foreign_tenant then 403
           when jsonb_array_length(v.errors) > 0 then 422 end as status
    from input n
    cross join lateral (
      select n.refusal is null and n.bound is not null and jsonb_typeof(n.envelope -> 'tenant_id') = 'string'
               and n.envelope ->> 'tenant_id' <> n.bound as foreign_tenant
    ) f
    cross join lateral (
      select case when n.refusal is not null then n.refusal -> 'errors'
                  when f.foreign_tenant then jsonb_build_array(jsonb_build_object('path', 'tenant_id', 'message', 'not the tenant of this key'))
                  when ledger_private.envelope_is_valid(n.envelope) then '[]'::jsonb
                  else ledger_private.envelope_errors(n.envelope) end as errors,
             f.foreign_tenant
    ) v
    order by n.item
  )
  select array_agg(row(
      j.item, case when j.status is null then j.envelope end,
      case when j.status is null then j.envelope ->> 'tenant_id'
           else coalesce(j.bound, j.refusal ->> 'tenant_id',
                         case when jsonb_typeof(j.envelope -> 'tenant_id') = 'string' then j.envelope ->> 'tenant_id' end) end,
      case when jsonb_typeof(j.envelope -> 'event_id') = 'string' then j.envelope ->> 'event_id' else j.refusal ->> 'event_id' end,
      upper(j.envelope ->> 'event_type'),
      case when j.status is null then ledger_private.fingerprint(j.envelope) end,
      case when j.status is null then ledger_private.event_type_allowed(j.envelope ->> 'event_type') end,
      case when j.status is null then nextval('ledger.events_raw_raw_id_seq') end,
      clock_timestamp(), j.source, j.api_key_id, j.status,
      case when j.status is null then null
           when j.refusal is not null then j.refusal ->> 'reason_code'
           when j.status = 403 then 'TENANT_MISMATCH' else 'INVALID_ENVELOPE' end,
      case when j.status is not null then j.errors end,
      case when j.status is null then null
           when j.refusal is not null then j.refusal ->> 'body_excerpt' else left(j.envelope::text, 4096) end
    )::ledger_private.batch_item order by j.item)
  from judged j
$$;
comment on function ledger_private.judge_arrivals(jsonb[], text[], text[], uuid[], jsonb[]) is
  'Step 1 of a set-based ingest: each arrival refused (status, reason, errors) or accepted (key, fingerprint, allowlist, its Bronze raw_id in arrival order).';

create or replace function ledger_private.ingest_set(
  p_envelopes jsonb[],
  p_bound text[] default null,
  p_sources text[] default null,
  p_api_key_ids uuid[] default null,
  p_refusals jsonb[] default null
)
returns setof ledger.ingest_answer
language plpgsql
volatile
as $$
declare
  v_items ledger_private.batch_item[];
  v_won integer[];
  v_answers ledger.ingest_answer[];
  v_item ledger_private.batch_item;
  v_tenant record;
begin
  v_items := ledger_private.judge_arrivals(p_envelopes, p_bound, p_sources, p_api_key_ids, p_refusals);
  if v_items is null then
    return;
  end if;

  begin
    -- 2. Keys seen for the first time: the first arrival of each takes it, with the state that
    -- arrival gives it. A concurrent first arrival of the same key makes the insert wait for its
    -- commit, then do nothing: the key is then decided below as the one that exists.
    with firsts as (
      select distinct on (i.tenant_id, i.idempotency_key) i.*
      from unnest(v_items) i where i.status is null
      order by i.tenant_id, i.idempotency_key, i.item
    ), taken as (
      insert into ledger.events_processed as k
        (tenant_id, idempotency_key, status, event_type, canonical_raw_id, canonical_fingerprint, canonical_payload,
         open_exception_id, arrivals, first_seen_at, last_seen_at, updated_at)
      select f.tenant_id, f.idempotency_key, case when f.allowed then 'processed' else 'quarantined' end, f.event_type,
             case when f.allowed then f.raw_id end, case when f.allowed then f.fingerprint end, case when f.allowed then f.envelope end,
             case when f.allowed then null else gen_random_uuid() end, 1, f.received_at, f.received_at, f.received_at
      from firsts f
      order by f.tenant_id, f.idempotency_key
      on conflict (tenant_id, idempotency_key) do nothing
      returning k.tenant_id, k.idempotency_key
    )
    select coalesce(array_agg(f.item), '{}') into v_won
    from taken t join firsts f on f.tenant_id = t.tenant_id and f.idempotency_key = t.idempotency_key;

    -- 3. Keys that existed: locked in key order before anything is decided on them.
    perform from ledger.events_processed k
    join (select distinct on (i.tenant_id, i.idempotency_key) i.tenant_id, i.idempotency_key, i.item
          from unnest(v_items) i where i.status is null
          order by i.tenant_id, i.idempotency_key, i.item) f
      on k.tenant_id = f.tenant_id and k.idempotency_key = f.idempotency_key
    where f.item <> all (v_won)
    order by k.tenant_id, k.idempotency_key
    for update of k;

    -- 4. Decide and write.
    with arrivals as (
      select i.*,
             row_number() over (partition by i.tenant_id, i.idempotency_key order by i.item)::integer as r,
             count(*) over (partition by i.tenant_id, i.idempotency_key)::integer as n,
             max(i.received_at) over (partition by i.tenant_id, i.idempotency_key) as last_at
      from unnest(v_items) i where i.status is null
    ), keys as (
      -- Each key's state before this call ('none' for the keys step 2 took) and what decides its
      -- arrivals: the fingerprint they are compared with, from which arrival on.
      select a.tenant_id, a.idempotency_key, a.n, a.last_at,
             a.item = any (v_won) as taken,
             case when a.item = any (v_won) then 'none' else k.status end as before,
             case when a.item = any (v_won) then 0 else k.arrivals end as arrivals_before,
             case when a.item = any (v_won) and not a.allowed then 'unknown'
                  when a.item <> all (v_won) and k.status in ('quarantined', 'ignored') then k.status
                  else 'compare' end as rule,
             case when a.item = any (v_won) then 2 else 1 end as compare_from,
             k.canonical_fingerprint, k.canonical_raw_id, k.open_exception_id,
             case when a.item = any (v_won) and a.allowed or a.item <> all (v_won) and k.status = 'processed'
                  then gen_random_uuid() end as conflict_exception_id
      from arrivals a
      join ledger.events_processed k on k.tenant_id = a.tenant_id and k.idempotency_key = a.idempotency_key
      where a.r = 1
    ), marked as (
      select a.*, k.taken, k.before, k.arrivals_before, k.rule, k.canonical_fingerprint, k.canonical_raw_id, k.open_exception_id,
             k.conflict_exception_id,
             min(case when k.rule = 'compare' and a.r >= k.compare_from and a.fingerprint <> k.canonical_fingerprint then a.r end)
               over (partition by a.tenant_id, a.idempotency_key) as conflict_r
      from arrivals a join keys k on k.tenant_id = a.tenant_id and k.idempotency_key = a.idempotency_key
    ), decided as (
      select m.*, m.arrivals_before + m.r as attempt,
             case when m.rule = 'ignored' then 'ignored'
                  when m.rule in ('quarantined', 'unknown') then 'quarantined'
                  when m.taken and m.r = 1 then 'processed'
                  when m.conflict_r is null or m.r < m.conflict_r then 'duplicate'
                  else 'quarantined' end as result,
             case when m.rule = 'ignored' then 'IGNORED_BY_OPERATOR'
                  when m.rule = 'quarantined' then 'ALREADY_QUARANTINED'
                  when m.rule = 'unknown' then case when m.r = 1 then 'UNKNOWN_EVENT_TYPE' else 'ALREADY_QUARANTINED' end
                  when m.conflict_r is null or m.r < m.conflict_r then null
                  when m.r = m.conflict_r then 'IDEMPOTENCY_CONFLICT'
                  else 'ALREADY_QUARANTINED' end as reason_code,
             case when m.rule in ('quarantined', 'unknown') then m.open_exception_id
                  when m.r >= m.conflict_r then m.conflict_exception_id end as exception_id,
             case when m.rule = 'ignored' then 'ignored'
                  when m.rule in ('quarantined', 'unknown') or m.r >= m.conflict_r then 'quarantined'
                  else 'processed' end as key_status
      from marked m
    ), opened as (
      -- The arrivals that open an exception: a first arrival of an unknown type, or the first
      -- arrival of a processed key that differs from its canonical payload.
      select d.*,
             case when d.rule = 'unknown' then jsonb_build_object('event_type', d.event_type)
                  else jsonb_build_object('canonical_raw_id', d.canonical_raw_id,
                                          'canonical_fingerprint', encode(d.canonical_fingerprint, 'hex'),
                                          'fingerprint', encode(d.fingerprint, 'hex')) end as details
      from decided d
      where d.reason_code in ('UNKNOWN_EVENT_TYPE', 'IDEMPOTENCY_CONFLICT')
    ), key_moves as (
      update ledger.events_processed k
      set arrivals = s.arrivals_before + s.n,
          last_seen_at = s.last_at,
          status = case when o.exception_id is not null then 'quarantined' else k.status end,
          open_exception_id = coalesce(o.exception_id, k.open_exception_id),
          updated_at = coalesce(o.received_at, k.updated_at)
      from keys s
      left join opened o on o.tenant_id = s.tenant_id and o.idempotency_key = s.idempotency_key and o.reason_code = 'IDEMPOTENCY_CONFLICT'
      where k.tenant_id = s.tenant_id and k.idempotency_key = s.idempotency_key and (not s.taken or s.n > 1)
      returning 1
    ), new_exceptions as (
      insert into ledger.exceptions (tenant_id, exception_id, idempotency_key, reason_code, raw_id, details, arrivals, opened_at, last_arrival_at)
      select o.tenant_id, o.exception_id, o.idempotency_key, o.reason_code, o.raw_id, o.details, o.n - o.r + 1, o.received_at, o.last_at
      from opened o
      returning 1
    ), joined_exceptions as (
      update ledger.exceptions e set arrivals = e.arrivals + s.n, last_arrival_at = s.last_at
      from keys s
      where s.rule = 'quarantined' and e.tenant_id = s.tenant_id and e.exception_id = s.open_exception_id
      returning 1
    ), audited as (
      insert into ledger.audit_log (tenant_id, at, actor, action, object_type, object_id, exception_id, before, after)
      select o.tenant_id, o.received_at, 'system', 'exception.opened', 'exception', o.exception_id::text, o.exception_id,
             case when o.reason_code = 'IDEMPOTENCY_CONFLICT' then jsonb_build_object(
               'key_status', 'processed', 'canonical_raw_id', o.canonical_raw_id,
               'canonical_fingerprint', encode(o.canonical_fingerprint, 'hex'),
               'open_exception_id', null, 'arrivals', o.arrivals_before + o.r) end,
             jsonb_build_object('exception_id', o.exception_id, 'status', 'open', 'reason_code', o.reason_code,
                                'idempotency_key', o.idempotency_key, 'raw_id', o.raw_id, 'key_status', 'quarantined')
      from opened o
      returning 1
    ), bronze as (
      insert into ledger.events_raw
        (tenant_id, raw_id, idempotency_key, event_type, payload, fingerprint, attempt, source, result, reason_code, exception_id, received_at)
      select d.tenant_id, d.raw_id, d.idempotency_key, d.event_type, d.envelope, d.fingerprint, d.attempt, d.source,
             d.result, d.reason_code, d.exception_id, d.received_at
      from decided d
      order by d.item
      returning 1
    ), refused as (
      insert into ledger.rejections (tenant_id, received_at, source, http_status, reason_code, idempotency_key, errors, body_excerpt, api_key_id)
      select i.tenant_id, i.received_at, i.source, i.status, i.reason_code, left(i.idempotency_key, 255), coalesce(i.errors, '[]'),
             i.body_excerpt, i.api_key_id
      from unnest(v_items) i
      where i.status is not null and exists (select from ledger.tenants t where t.tenant_id = i.tenant_id)
      returning 1
    )
    select array_agg(a order by a.item) into v_answers from (
      select d.item, row(d.tenant_id, d.idempotency_key, d.raw_id, d.result, d.exception_id, d.reason_code, d.key_status,
                         d.attempt, d.received_at,
                         case d.result when 'processed' then 201 when 'quarantined' then 202 else 200 end, null)::ledger.ingest_answer as a
      from decided d
      union all
      select i.item, row(i.tenant_id, i.idempotency_key, null, 'rejected', null, null, null, null, i.received_at, i.status, i.errors)::ledger.ingest_answer
      from unnest(v_items) i where i.status is not null
    ) a;
    -- (The writes of the statement's other parts run to completion whether or not it reads them.)

    -- 5. Counters, one tenant at a time in tenant order (two calls sharing a counter shard then
    -- take its rows in the same order).
    for v_tenant in
      select (a).tenant_id,
             count(*) filter (where (a).raw_id is not null)::integer as events_raw,
             count(*) filter (where (a).result = 'rejected')::integer as rejections,
             count(*) filter (where (a).result = 'processed')::integer as processed,
             count(*) filter (where (a).reason_code = 'IDEMPOTENCY_CONFLICT')::integer as conflicts,
             count(*) filter (where (a).reason_code = 'UNKNOWN_EVENT_TYPE')::integer as unknown
      from unnest(v_answers) a
      where (a).tenant_id is not null and ((a).raw_id is not null or exists (select from ledger.tenants t where t.tenant_id = (a).tenant_id))
      group by 1 order by 1
    loop
      perform ledger_private.bump_counters(v_tenant.tenant_id, v_tenant.events_raw, v_tenant.rejections,
        v_tenant.conflicts + v_tenant.unknown, v_tenant.processed - v_tenant.conflicts, v_tenant.conflicts + v_tenant.unknown, 0);
    end loop;
  exception when others then
    if ledger_private.is_transient_failure(sqlstate) then
      raise;
    end if;
    -- One by one, in order: each arrival with its own PROCESSING_ERROR safety.
    v_answers := null;
    foreach v_item in array v_items loop
      if v_item.status is null then
        v_answers := v_answers || ledger_private.ingest_valid(v_item.envelope, v_item.source);
      else
        if exists (select from ledger.tenants t where t.tenant_id = v_item.tenant_id) then
          perform ledger_private.record_rejection(v_item.tenant_id, v_item.status, v_item.reason_code, v_item.errors,
            v_item.body_excerpt, v_item.source, v_item.idempotency_key, v_item.api_key_id);
        end if;
        v_answers := v_answers || row(v_item.tenant_id, v_item.idempotency_key, null, 'rejected', null, null, null, null,
                                      v_item.received_at, v_item.status, v_item.errors)::ledger.ingest_answer;
      end if;
    end loop;
  end;

  return query select * from unnest(v_answers);
end
$$;
comment on function ledger_private.ingest_set(jsonb[], text[], text[], uuid[], jsonb[]) is
  'Ingests arrivals in one call, set-based, each answered as ledger.ingest_event would answer it in that order. Per arrival: its producer''s tenant binding (null: unbound), source, API key, and a refusal already judged (status, reason_code, errors, body_excerpt) or null.';

create or replace function ledger.ingest_events(envelopes jsonb)
returns setof ledger.ingest_answer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer;
  v_bound text := ledger_private.bound_tenant();
begin
  if jsonb_typeof(ingest_events.envelopes) is distinct from 'array' then
    perform ledger_private.invalid('envelopes must be a JSON array',
      jsonb_build_array(jsonb_build_object('path', 'events', 'message', 'must be an array')));
  end if;
  v_count := jsonb_array_length(ingest_events.envelopes);
  if v_count > 1000 then
    perform ledger_private.invalid('at most 1000 envelopes at once',
      jsonb_build_array(jsonb_build_object('path', 'events', 'message', 'at most 1000 items')));
  end if;
  if v_count = 0 then
    return;
  end if;
  return query select * from ledger_private.ingest_set(
    array(select e from jsonb_array_elements(ingest_events.envelopes) e),
    case when v_bound is not null then array_fill(v_bound, array[v_count]) end,
    array_fill('batch'::text, array[v_count]));
end
$$;
comment on function ledger.ingest_events(jsonb) is
  E'Ingests an array of at most 1000 envelopes, one answer each in order: exactly what ledger.ingest_event would answer for the same envelopes one by one (and the same state after). An invalid one is answered rejected (with status and errors) and recorded, and does not stop the others.';
revoke all on function ledger.ingest_events(jsonb) from public;
grant execute on function ledger.ingest_events(jsonb) to ledger_ingest;
