-- Set-based ingest: many arrivals in one call, each answered exactly as ledger.ingest_event would
-- answer it had the same envelopes come one by one in the call's order (CONTRACT v1.1). It costs a
-- few statements whatever the number of arrivals:
--   1. judge every arrival (refusals, validation, key, fingerprint, allowlist, its Bronze number in
--      the call's order); each first arrival of a key never seen takes its key (insert ... on
--      conflict do nothing, in key order) and is written with the outcome a first arrival has
--      (processed, or held as UNKNOWN_EVENT_TYPE); refusals get their rejection rows. First
--      arrivals that post are left to step 1b.
--  1b. first arrivals that post: the plain new sales in one statement
--      (ledger_private.post_plain_sales, 615-posting-set.sql), the others one at a time in the
--      call's order (ledger_private.settle_posting). For the usual call, new sales, that is all.
--   2. the rest, if any (keys that existed, later arrivals of a key in the call): their keys locked
--      in key order, then every such arrival decided from its key's state and the arrivals of the
--      same key before it in the call (window functions), and written.
-- Counters move in the statement that causes the change, tenant by tenant in tenant order. Every
-- call locks keys in one order (tenant, key), so concurrent calls cannot deadlock on each other;
-- keys do not depend on one another, so deciding all of a key's arrivals at once gives what the
-- one-by-one order gives. Should a statement fail unexpectedly, the whole set-based step is rolled
-- back and the arrivals go one by one (ledger_private.ingest_one), where a failure quarantines
-- only its own arrival (PROCESSING_ERROR); transient failures abort the call.

create or replace function ledger_private.ingest_one(p_envelope jsonb, p_bound text, p_source text, p_api_key_id uuid, p_refusal jsonb)
returns ledger.ingest_answer
language plpgsql
volatile
as $$
declare
  v_tenant_id text := coalesce(p_bound, p_refusal ->> 'tenant_id',
                               case when jsonb_typeof(p_envelope -> 'tenant_id') = 'string' then p_envelope ->> 'tenant_id' end);
  v_event_id text := coalesce(case when jsonb_typeof(p_envelope -> 'event_id') = 'string' then p_envelope ->> 'event_id' end,
                              p_refusal ->> 'event_id');
  v_status integer;
  v_reason text;
  v_errors jsonb;
begin
  if p_refusal is not null then
    v_status := (p_refusal ->> 'status')::integer;
    v_reason := p_refusal ->> 'reason_code';
    v_errors := p_refusal -> 'errors';
  elsif p_bound is not null and jsonb_typeof(p_envelope -> 'tenant_id') = 'string' and p_envelope ->> 'tenant_id' <> p_bound then
    v_status := 403;
    v_reason := 'TENANT_MISMATCH';
    v_errors := jsonb_build_array(jsonb_build_object('path', 'tenant_id', 'message', 'not the tenant of this key'));
  elsif not ledger_private.envelope_is_valid(p_envelope) then
    v_errors := ledger_private.envelope_errors(p_envelope);
    if jsonb_array_length(v_errors) > 0 then
      v_status := 422;
      v_reason := 'INVALID_ENVELOPE';
    end if;
  end if;
  if v_status is null then
    return ledger_private.ingest_valid(p_envelope, p_source);
  end if;
  if exists (select from ledger.tenants t where t.tenant_id = v_tenant_id) then
    perform ledger_private.record_rejection(v_tenant_id, v_status, v_reason, v_errors,
      coalesce(p_refusal ->> 'body_excerpt', left(p_envelope::text, 4096)), p_source, v_event_id, p_api_key_id);
  end if;
  return row(v_tenant_id, v_event_id, null, 'rejected', null, null, null, null, clock_timestamp(), v_status, v_errors)::ledger.ingest_answer;
end
$$;
comment on function ledger_private.ingest_one(jsonb, text, text, uuid, jsonb) is
  'One arrival of a set-based call, alone, as ledger.ingest_event takes it (but answered rejected, and recorded, instead of raising): the path a call falls back to when its set-based step fails.';

create or replace function ledger_private.take_new_keys(
  p_envelopes jsonb[],
  p_bound text[],
  p_sources text[],
  p_api_key_ids uuid[],
  p_refusals jsonb[],
  out answers ledger.ingest_answer[],
  out positions integer[],
  out rest ledger_private.batch_item[],
  out postings ledger_private.batch_item[]
)
language plpgsql
volatile
-- Planner settings for this one statement over the call's arrivals, which live in arrays: the
-- planner cannot know their size, guesses a handful, and would join its CTEs by nested loops that
-- rescan them once per row (quadratic in the call's size); and a plan made anew for every call
-- cost as much as a tenth of the call. Nothing here reads a large table but through an index.
set enable_nestloop = off
set plan_cache_mode = force_generic_plan
as $$
begin
  with judged as (
    -- The same order of checks as ledger.ingest_event: another tenant first, then the envelope.
    -- The rules are one inlined expression and two index probes (tenant, allowlist: correlated
    -- subqueries, never a scan of either table); only an invalid envelope pays for the worded
    -- list of what is wrong.
    select i.item::integer as item, i.envelope, r.refusal, r.bound, coalesce(p_sources[i.item], 'sql') as source,
           p_api_key_ids[i.item] as api_key_id,
           (select et.posting from ledger.event_types et where et.event_type = upper(i.envelope ->> 'event_type') and et.enabled) as posting,
           case when r.refusal is not null then (r.refusal ->> 'status')::integer
                when r.bound is not null and jsonb_typeof(i.envelope -> 'tenant_id') = 'string' and i.envelope ->> 'tenant_id' <> r.bound then 403
                when ledger_private.envelope_shape_ok(i.envelope)
                     and exists (select from ledger.tenants t where t.tenant_id = i.envelope ->> 'tenant_id') then null
                when jsonb_array_length(ledger_private.envelope_errors(i.envelope)) > 0 then 422 end as status
    from unnest(p_envelopes) with ordinality as i(envelope, item)
    cross join lateral (select p_refusals[i.item] as refusal, p_bound[i.item] as bound) r
  ), items as (
    -- Bronze numbers in the call's order: nextval runs as the sorted rows come.
    select j.*, j.posting is not null as allowed, j.posting is not null and j.posting <> 'none' as posts,
           case when j.status is null then j.envelope ->> 'tenant_id'
                else coalesce(j.bound, j.refusal ->> 'tenant_id',
                              case when jsonb_typeof(j.envelope -> 'tenant_id') = 'string' then j.envelope ->> 'tenant_id' end) end as tenant_id,
           coalesce(case when jsonb_typeof(j.envelope -> 'event_id') = 'string' then j.envelope ->> 'event_id' end,
                    j.refusal ->> 'event_id') as idempotency_key,
           upper(j.envelope ->> 'event_type') as event_type,
           case when j.status is null then ledger_private.fingerprint(j.envelope) end as fingerprint,
           case when j.status is null then nextval('ledger.events_raw_raw_id_seq') end as raw_id,
           case when j.status is null and j.posting is null then gen_random_uuid() end as exception_id,
           clock_timestamp() as received_at
    from (select * from judged order by item) j
  ), firsts as (
    select distinct on (i.tenant_id, i.idempotency_key) i.*
    from items i where i.status is null
    order by i.tenant_id, i.idempotency_key, i.item
  ), taken as (
    -- A concurrent first arrival of the same key makes the insert wait for its commit, then do
    -- nothing: this arrival is then decided in step 2.
    insert into ledger.events_processed as k
      (tenant_id, idempotency_key, status, event_type, canonical_raw_id, canonical_fingerprint, canonical_payload,
       open_exception_id, arrivals, first_seen_at, last_seen_at, updated_at)
    select f.tenant_id, f.idempotency_key, case when f.allowed then 'processed' else 'quarantined' end, f.event_type,
           case when f.allowed then f.raw_id end, case when f.allowed then f.fingerprint end, case when f.allowed then f.envelope end,
           f.exception_id, 1, f.received_at, f.received_at, f.received_at
    from firsts f
    order by f.tenant_id, f.idempotency_key
    on conflict (tenant_id, idempotency_key) do nothing
    returning k.tenant_id, k.idempotency_key
  ), taken_all as (
    select f.* from taken t join firsts f on f.tenant_id = t.tenant_id and f.idempotency_key = t.idempotency_key
  ), won as (
    -- First arrivals that post are decided after this statement (step 1b): posting rules depend
    -- on what was posted before.
    select t.* from taken_all t where not t.posts
  ), bronze as (
    insert into ledger.events_raw
      (tenant_id, raw_id, idempotency_key, event_type, payload, fingerprint, attempt, source, result, reason_code, exception_id, received_at)
    select w.tenant_id, w.raw_id, w.idempotency_key, w.event_type, w.envelope, w.fingerprint, 1, w.source,
           case when w.allowed then 'processed' else 'quarantined' end,
           case when w.allowed then null else 'UNKNOWN_EVENT_TYPE' end, w.exception_id, w.received_at
    from won w
    order by w.item
  ), held as (
    insert into ledger.exceptions (tenant_id, exception_id, idempotency_key, reason_code, raw_id, details, opened_at, last_arrival_at,
                                   store_id, txn_id, source_system, event_type)
    select w.tenant_id, w.exception_id, w.idempotency_key, 'UNKNOWN_EVENT_TYPE', w.raw_id, jsonb_build_object('event_type', w.event_type),
           w.received_at, w.received_at, left(w.envelope ->> 'store_id', 200), left(w.envelope ->> 'txn_id', 200),
             left(w.envelope ->> 'source_system', 200), left(w.event_type, 200)
    from won w where not w.allowed
  ), audited as (
    insert into ledger.audit_log (tenant_id, at, actor, action, object_type, object_id, exception_id, before, after)
    select w.tenant_id, w.received_at, 'system', 'exception.opened', 'exception', w.exception_id::text, w.exception_id, null,
           jsonb_build_object('exception_id', w.exception_id, 'status', 'open', 'reason_code', 'UNKNOWN_EVENT_TYPE',
                              'idempotency_key', w.idempotency_key, 'raw_id', w.raw_id, 'key_status', 'quarantined')
    from won w where not w.allowed
  ), refused as (
    select i.*,
           case when i.refusal is not null then i.refusal ->> 'reason_code'
                when i.status = 403 then 'TENANT_MISMATCH' else 'INVALID_ENVELOPE' end as reason_code,
           case when i.refusal is not null then i.refusal -> 'errors'
                when i.status = 403 then jsonb_build_array(jsonb_build_object('path', 'tenant_id', 'message', 'not the tenant of this key'))
                else ledger_private.envelope_errors(i.envelope) end as errors,
           exists (select from ledger.tenants t where t.tenant_id = i.tenant_id) as recorded
    from items i where i.status is not null
  ), rejected as (
    insert into ledger.rejections (tenant_id, received_at, source, http_status, reason_code, idempotency_key, errors, body_excerpt, api_key_id)
    select x.tenant_id, x.received_at, x.source, x.status, x.reason_code, left(x.idempotency_key, 255), x.errors,
           coalesce(x.refusal ->> 'body_excerpt', left(x.envelope::text, 4096)), x.api_key_id
    from refused x where x.recorded
    order by x.item
  ), counted as (
    insert into ledger_private.tenant_counters as c (tenant_id, shard, events_raw, rejections, exceptions_open, processed, quarantined)
    select d.tenant_id, pg_backend_pid() % 64, d.events_raw, d.rejections, d.held, d.processed, d.held
    from (select m.tenant_id, count(*) filter (where m.raw_id is not null) as events_raw, count(*) filter (where m.raw_id is null) as rejections,
                 count(*) filter (where m.allowed) as processed, count(*) filter (where not m.allowed) as held
          from (select w.tenant_id, w.raw_id, w.allowed from won w
                union all select x.tenant_id, null, null from refused x where x.recorded) m
          group by m.tenant_id) d
    order by d.tenant_id
    on conflict (tenant_id, shard) do update set
      events_raw = c.events_raw + excluded.events_raw, rejections = c.rejections + excluded.rejections,
      exceptions_open = c.exceptions_open + excluded.exceptions_open, processed = c.processed + excluded.processed,
      quarantined = c.quarantined + excluded.quarantined
  )
  select array_agg(a.answer order by a.item), array_agg(a.item order by a.item),
         (select array_agg(row(i.item, i.envelope, i.tenant_id, i.idempotency_key, i.event_type, i.fingerprint, i.allowed, i.raw_id,
                               i.received_at, i.source, i.api_key_id, null, null, null, null, i.posting)::ledger_private.batch_item order by i.item)
          from items i left join taken_all w on w.item = i.item where i.status is null and w.item is null)
         ,
         (select array_agg(row(t.item, t.envelope, t.tenant_id, t.idempotency_key, t.event_type, t.fingerprint, t.allowed, t.raw_id,
                               t.received_at, t.source, t.api_key_id, null, null, null, null, t.posting)::ledger_private.batch_item order by t.item)
          from taken_all t where t.posts)
  into answers, positions, rest, postings
  from (
    select w.item, row(w.tenant_id, w.idempotency_key, w.raw_id, case when w.allowed then 'processed' else 'quarantined' end,
                       w.exception_id, case when w.allowed then null else 'UNKNOWN_EVENT_TYPE' end,
                       case when w.allowed then 'processed' else 'quarantined' end, 1, w.received_at,
                       case when w.allowed then 201 else 202 end, null)::ledger.ingest_answer as answer
    from won w
    union all
    select x.item, row(x.tenant_id, x.idempotency_key, null, 'rejected', null, null, null, null, x.received_at, x.status, x.errors)::ledger.ingest_answer
    from refused x
  ) a;
end
$$;
comment on function ledger_private.take_new_keys(jsonb[], text[], text[], uuid[], jsonb[]) is
  'Step 1 of a set-based ingest: judges every arrival, takes the keys never seen with their first arrivals (in key order), records refusals and moves their counters; answers those (with their positions in the call), returns the first arrivals that post (to be settled one by one, in order) and the other accepted arrivals for step 2.';

create or replace function ledger_private.settle_posting(p_item ledger_private.batch_item)
returns ledger.ingest_answer
language plpgsql
volatile
as $$
declare
  v_check jsonb;
  v_reason text;
  v_details jsonb;
  v_exception_id uuid;
begin
  -- A first arrival that posts, its key taken as processed by step 1: posted, or held for the rule
  -- it breaks, exactly as ledger_private.decide_outcome decides a single arrival; an unexpected
  -- failure holds it as PROCESSING_ERROR (its posting's writes undone), the others go on.
  begin
    v_check := ledger_private.post_key(p_item.envelope, p_item.raw_id, p_item.received_at);
  exception when others then
    if ledger_private.is_transient_failure(sqlstate) then
      raise;
    end if;
    v_check := jsonb_build_object('reason_code', 'PROCESSING_ERROR', 'details',
                 jsonb_build_object('error', jsonb_build_object('sqlstate', sqlstate, 'message', sqlerrm)));
  end;
  if v_check is null then
    insert into ledger.events_raw
      (tenant_id, raw_id, idempotency_key, event_type, payload, fingerprint, attempt, source, result, received_at)
    values (p_item.tenant_id, p_item.raw_id, p_item.idempotency_key, p_item.event_type, p_item.envelope, p_item.fingerprint, 1,
            p_item.source, 'processed', p_item.received_at);
    perform ledger_private.bump_counters(p_item.tenant_id, p_events_raw => 1, p_processed => 1);
    return row(p_item.tenant_id, p_item.idempotency_key, p_item.raw_id, 'processed', null, null, 'processed', 1, p_item.received_at,
               201, null)::ledger.ingest_answer;
  end if;
  v_reason := v_check ->> 'reason_code';
  v_details := v_check -> 'details';
  v_exception_id := gen_random_uuid();
  update ledger.events_processed k
  set status = 'quarantined', canonical_raw_id = null, canonical_fingerprint = null, canonical_payload = null, open_exception_id = v_exception_id
  where k.tenant_id = p_item.tenant_id and k.idempotency_key = p_item.idempotency_key;
  perform ledger_private.open_exception(v_exception_id, p_item.tenant_id, p_item.idempotency_key, v_reason, p_item.raw_id, v_details,
    null, p_item.received_at, p_item.envelope);
  insert into ledger.events_raw
    (tenant_id, raw_id, idempotency_key, event_type, payload, fingerprint, attempt, source, result, reason_code, exception_id, received_at)
  values (p_item.tenant_id, p_item.raw_id, p_item.idempotency_key, p_item.event_type, p_item.envelope, p_item.fingerprint, 1,
          p_item.source, 'quarantined', v_reason, v_exception_id, p_item.received_at);
  perform ledger_private.bump_counters(p_item.tenant_id, p_events_raw => 1, p_quarantined => 1, p_exceptions_open => 1);
  return row(p_item.tenant_id, p_item.idempotency_key, p_item.raw_id, 'quarantined', v_exception_id, v_reason, 'quarantined', 1,
             p_item.received_at, 202, null)::ledger.ingest_answer;
end
$$;
comment on function ledger_private.settle_posting(ledger_private.batch_item) is
  'Step 1b of a set-based ingest: a first arrival that posts, posted or held for the posting rule it breaks (or PROCESSING_ERROR), with its Bronze row and counters; its answer.';

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
  v_rest ledger_private.batch_item[];
  v_postings ledger_private.batch_item[];
  v_posting ledger_private.batch_item;
  -- Answers as they are decided, with the position of each in the call (two parallel arrays).
  v_answers ledger.ingest_answer[];
  v_order integer[];
  v_item integer;
begin
  -- One arrival is cheaper through the single path: the set-based statements' fixed cost (some
  -- 2 million instructions to start their plans) is that of a whole single ingest. Same rules, and
  -- its own PROCESSING_ERROR safety.
  if cardinality(p_envelopes) = 1 then
    return next ledger_private.ingest_one(p_envelopes[1], p_bound[1], coalesce(p_sources[1], 'sql'), p_api_key_ids[1], p_refusals[1]);
    return;
  end if;
  begin
    -- 1. Judge every arrival; take new keys with their first arrivals; record refusals.
    select t.answers, t.positions, t.rest, t.postings into v_answers, v_order, v_rest, v_postings
    from ledger_private.take_new_keys(p_envelopes, p_bound, p_sources, p_api_key_ids, p_refusals) t;

    -- 1b. First arrivals that post, after taking every transaction lock they need in one order
    -- (originals first, as a single posting takes them). A later arrival of an existing key is
    -- decided in step 2, after them; should one come before a posting that can heal its key (a key
    -- held for MISSING_REFERENCE), that order matters, and the call goes one by one.
    if v_postings is not null then
      if exists (select from unnest(v_rest) r join ledger.exceptions e
                   on e.tenant_id = r.tenant_id and e.idempotency_key = r.idempotency_key and e.status = 'open' and e.reason_code = 'MISSING_REFERENCE'
                 where r.item < (select max(p.item) from unnest(v_postings) p))
         or exists (select from unnest(v_rest) r join unnest(v_postings) f on f.tenant_id = r.tenant_id and f.idempotency_key = r.idempotency_key
                    where f.posting in ('return', 'correction', 'reversal')
                      and exists (select from unnest(v_postings) p where p.item > r.item and p.posting = 'sale')) then
        raise exception using errcode = 'LSI01', message = 'a later arrival of a waiting key comes before a posting that may heal it';
      end if;
      perform pg_advisory_xact_lock(l.id)
      from (select x.id from (
              select ledger_private.txn_lock(p.tenant_id, s.store_id, s.txn_id) as id, s.rank
              from unnest(v_postings) p
              cross join lateral (select p.posting in ('return', 'correction', 'reversal') as refers) k
              cross join lateral (values (p.envelope ->> 'store_id', p.envelope ->> 'txn_id', 1),
                                         (case when k.refers then coalesce(nullif(p.envelope ->> 'original_store_id', ''), p.envelope ->> 'store_id') end,
                                          case when k.refers then p.envelope ->> 'original_txn_id' end, 0)) s(store_id, txn_id, rank)
              where s.txn_id is not null) x
            group by x.id order by min(x.rank), x.id) l;
      -- Their Gold and counter moves are applied once per row after the last (one row updated per
      -- posting walked all its earlier versions each time).
      perform set_config('ledger.defer_moves', 'on', true);
      -- Plain new sales set-based (nothing else in the call can see them, nor they it); the others
      -- one at a time in the call's order.
      select v_answers || s.answers, v_order || s.positions, s.rest
      into v_answers, v_order, v_postings
      from ledger_private.post_plain_sales(v_postings) s;
      foreach v_posting in array coalesce(v_postings, '{}') loop
        v_answers := v_answers || ledger_private.settle_posting(v_posting);
        v_order := v_order || v_posting.item;
      end loop;
      perform ledger_private.apply_deferred();
    end if;


    -- 2. Everything else. The keys step 1 took now exist like any other, with their first arrival.
    if v_rest is not null then
      perform from ledger.events_processed k
      join (select distinct i.tenant_id, i.idempotency_key from unnest(v_rest) i) f
        on k.tenant_id = f.tenant_id and k.idempotency_key = f.idempotency_key
      order by k.tenant_id, k.idempotency_key
      for update of k;

      with arrivals as (
        select i.item, i.tenant_id, i.idempotency_key, i.event_type, i.fingerprint, i.raw_id, i.received_at, i.source, i.envelope,
               row_number() over (partition by i.tenant_id, i.idempotency_key order by i.item)::integer as r,
               count(*) over (partition by i.tenant_id, i.idempotency_key)::integer as n,
               max(i.received_at) over (partition by i.tenant_id, i.idempotency_key) as last_at
        from unnest(v_rest) i
      ), keys as (
        select k.tenant_id, k.idempotency_key, k.status, k.arrivals, k.canonical_fingerprint, k.canonical_raw_id, k.open_exception_id,
               case when k.status = 'processed' then gen_random_uuid() end as conflict_exception_id
        from ledger.events_processed k
        join (select distinct a.tenant_id, a.idempotency_key from arrivals a) a
          on k.tenant_id = a.tenant_id and k.idempotency_key = a.idempotency_key
      ), compared as (
        -- The first arrival that differs from a processed key's canonical payload opens an
        -- exception; those after it join it.
        select a.*, k.status as key_before, k.arrivals as arrivals_before, k.canonical_fingerprint, k.canonical_raw_id,
               k.open_exception_id, k.conflict_exception_id,
               min(case when k.status = 'processed' and a.fingerprint <> k.canonical_fingerprint then a.r end)
                 over (partition by a.tenant_id, a.idempotency_key) as conflict_r
        from arrivals a
        join keys k on k.tenant_id = a.tenant_id and k.idempotency_key = a.idempotency_key
      ), decided as (
        select c.*, c.arrivals_before + c.r as attempt,
               case when c.key_before = 'quarantined' then c.open_exception_id
                    when c.r >= c.conflict_r then c.conflict_exception_id end as exception_id,
               case when c.key_before = 'ignored' then 'ignored'
                    when c.key_before = 'quarantined' or c.r >= c.conflict_r then 'quarantined'
                    else 'duplicate' end as result,
               case when c.key_before = 'ignored' then 'IGNORED_BY_OPERATOR'
                    when c.key_before = 'quarantined' or c.r > c.conflict_r then 'ALREADY_QUARANTINED'
                    when c.r = c.conflict_r then 'IDEMPOTENCY_CONFLICT' end as reason_code,
               case when c.key_before = 'ignored' then 'ignored'
                    when c.key_before = 'quarantined' or c.r >= c.conflict_r then 'quarantined'
                    else 'processed' end as key_status
        from compared c
      ), opened as (
        select d.* from decided d where d.reason_code = 'IDEMPOTENCY_CONFLICT'
      ), key_moves as (
        update ledger.events_processed k
        set arrivals = k.arrivals + s.n, last_seen_at = s.last_at,
            status = case when o.exception_id is not null then 'quarantined' else k.status end,
            open_exception_id = coalesce(o.exception_id, k.open_exception_id),
            updated_at = coalesce(o.received_at, k.updated_at)
        from (select distinct a.tenant_id, a.idempotency_key, a.n, a.last_at from arrivals a) s
        left join opened o on o.tenant_id = s.tenant_id and o.idempotency_key = s.idempotency_key
        where k.tenant_id = s.tenant_id and k.idempotency_key = s.idempotency_key
      ), new_exceptions as (
        insert into ledger.exceptions (tenant_id, exception_id, idempotency_key, reason_code, raw_id, details, arrivals, opened_at, last_arrival_at,
                                       store_id, txn_id, source_system, event_type)
        select o.tenant_id, o.exception_id, o.idempotency_key, 'IDEMPOTENCY_CONFLICT', o.raw_id,
               jsonb_build_object('canonical_raw_id', o.canonical_raw_id, 'canonical_fingerprint', encode(o.canonical_fingerprint, 'hex'),
                                  'fingerprint', encode(o.fingerprint, 'hex')),
               o.n - o.r + 1, o.received_at, o.last_at, left(o.envelope ->> 'store_id', 200), left(o.envelope ->> 'txn_id', 200),
               left(o.envelope ->> 'source_system', 200), left(o.event_type, 200)
        from opened o
      ), joined_exceptions as (
        update ledger.exceptions e set arrivals = e.arrivals + s.n, last_arrival_at = s.last_at
        from (select distinct d.tenant_id, d.exception_id, d.n, d.last_at from decided d where d.key_before = 'quarantined') s
        where e.tenant_id = s.tenant_id and e.exception_id = s.exception_id
      ), audited as (
        insert into ledger.audit_log (tenant_id, at, actor, action, object_type, object_id, exception_id, before, after)
        select o.tenant_id, o.received_at, 'system', 'exception.opened', 'exception', o.exception_id::text, o.exception_id,
               jsonb_build_object('key_status', 'processed', 'canonical_raw_id', o.canonical_raw_id,
                                  'canonical_fingerprint', encode(o.canonical_fingerprint, 'hex'), 'open_exception_id', null,
                                  'arrivals', o.arrivals_before + o.r),
               jsonb_build_object('exception_id', o.exception_id, 'status', 'open', 'reason_code', 'IDEMPOTENCY_CONFLICT',
                                  'idempotency_key', o.idempotency_key, 'raw_id', o.raw_id, 'key_status', 'quarantined')
        from opened o
      ), bronze as (
        insert into ledger.events_raw
          (tenant_id, raw_id, idempotency_key, event_type, payload, fingerprint, attempt, source, result, reason_code, exception_id, received_at)
        select d.tenant_id, d.raw_id, d.idempotency_key, d.event_type, d.envelope, d.fingerprint, d.attempt, d.source,
               d.result, d.reason_code, d.exception_id, d.received_at
        from decided d
        order by d.item
      ), counted as (
        -- A conflict moves its key from processed to quarantined and opens an exception.
        insert into ledger_private.tenant_counters as c (tenant_id, shard, events_raw, exceptions_open, processed, quarantined)
        select d.tenant_id, pg_backend_pid() % 64, count(*), count(*) filter (where d.reason_code = 'IDEMPOTENCY_CONFLICT'),
               -count(*) filter (where d.reason_code = 'IDEMPOTENCY_CONFLICT'), count(*) filter (where d.reason_code = 'IDEMPOTENCY_CONFLICT')
        from decided d
        group by d.tenant_id
        order by d.tenant_id
        on conflict (tenant_id, shard) do update set
          events_raw = c.events_raw + excluded.events_raw, exceptions_open = c.exceptions_open + excluded.exceptions_open,
          processed = c.processed + excluded.processed, quarantined = c.quarantined + excluded.quarantined
      )
      select v_answers || array_agg(row(d.tenant_id, d.idempotency_key, d.raw_id, d.result, d.exception_id, d.reason_code, d.key_status,
                                        d.attempt, d.received_at, case d.result when 'quarantined' then 202 else 200 end, null)::ledger.ingest_answer
                                    order by d.item),
             v_order || array_agg(d.item order by d.item)
      into v_answers, v_order
      from decided d;
    end if;
  exception when others then
    if ledger_private.is_transient_failure(sqlstate) then
      raise;
    end if;
    -- One by one, in order: each arrival with its own PROCESSING_ERROR safety. Unless the order
    -- asked for it (LSI01), counted in the transaction (ledger.ingest_fallbacks) and logged: it is
    -- correct, but slow, and means a bug or a failing arrival.
    if sqlstate <> 'LSI01' then
      raise warning using message = format('set-based ingest failed (%s: %s); ingesting %s arrivals one by one', sqlstate, sqlerrm,
        cardinality(p_envelopes));
      perform set_config('ledger.ingest_fallbacks', (coalesce(nullif(current_setting('ledger.ingest_fallbacks', true), ''), '0')::integer + 1)::text, true);
    end if;
    v_answers := null;
    v_order := null;
    for v_item in 1 .. coalesce(cardinality(p_envelopes), 0) loop
      v_answers := v_answers || ledger_private.ingest_one(p_envelopes[v_item], p_bound[v_item], coalesce(p_sources[v_item], 'sql'),
                                                          p_api_key_ids[v_item], p_refusals[v_item]);
      v_order := v_order || v_item;
    end loop;
  end;

  -- Answers in the call's order (the steps above collected them step by step).
  return query
    select u.tenant_id, u.idempotency_key, u.raw_id, u.result, u.exception_id, u.reason_code, u.key_status, u.attempt, u.received_at,
           u.status, u.errors
    from unnest(v_answers, v_order) as u(tenant_id, idempotency_key, raw_id, result, exception_id, reason_code, key_status, attempt,
                                         received_at, status, errors, item)
    order by u.item;
end
$$;
comment on function ledger_private.ingest_set(jsonb[], text[], text[], uuid[], jsonb[]) is
  'Ingests arrivals in one call, set-based, each answered as ledger.ingest_event would answer it in that order. Per arrival: its producer''s tenant binding (null: unbound), source, API key, and a refusal already judged ({status, reason_code, errors, body_excerpt, event_id}) or null.';

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
