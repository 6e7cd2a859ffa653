-- Ingest: validate, serialise on the key, decide, then capture the arrival in Bronze with its
-- outcome, all in the caller's transaction. An unexpected failure while deciding is rolled back
-- to a savepoint and the arrival is quarantined as PROCESSING_ERROR instead: it still reaches
-- Bronze.

create or replace function ledger_private.outcome(
  p_result text, p_reason_code text, p_exception_id uuid, p_key_status text, p_attempt integer,
  p_d_processed integer default 0, p_d_quarantined integer default 0, p_d_ignored integer default 0, p_d_exceptions_open integer default 0
)
returns ledger_private.arrival_outcome
language sql
immutable
as $$
  select (p_result, p_reason_code, p_exception_id, p_key_status, p_attempt, p_d_processed, p_d_quarantined, p_d_ignored,
          p_d_exceptions_open)::ledger_private.arrival_outcome
$$;
comment on function ledger_private.outcome(text, text, uuid, text, integer, integer, integer, integer, integer) is 'Builds an arrival outcome with typed fields.';

create or replace function ledger_private.decide_outcome(
  p_tenant_id text,
  p_idempotency_key text,
  p_event_type text,
  p_fingerprint bytea,
  p_envelope jsonb,
  p_raw_id bigint,
  p_at timestamptz
)
returns ledger_private.arrival_outcome
language plpgsql
volatile
as $$
declare
  v_allowed boolean := ledger_private.event_type_allowed(p_event_type);
  v_key ledger.events_processed;
  v_exception_id uuid;
begin
  -- First arrival: the insert wins the key. A concurrent first arrival waits here for the
  -- winner's commit, then finds the row below.
  insert into ledger.events_processed as k
    (tenant_id, idempotency_key, status, event_type, canonical_raw_id, canonical_fingerprint, canonical_payload,
     open_exception_id, arrivals, first_seen_at, last_seen_at, updated_at)
  values
    (p_tenant_id, p_idempotency_key, case when v_allowed then 'processed' else 'quarantined' end, p_event_type,
     case when v_allowed then p_raw_id end, case when v_allowed then p_fingerprint end, case when v_allowed then p_envelope end,
     case when v_allowed then null else gen_random_uuid() end, 1, p_at, p_at, p_at)
  on conflict (tenant_id, idempotency_key) do nothing
  returning * into v_key;

  if found then
    if v_allowed then
      return ledger_private.outcome('processed', null, null, 'processed', 1, 1, 0, 0, 0);
    end if;
    perform ledger_private.open_exception(v_key.open_exception_id, p_tenant_id, p_idempotency_key, 'UNKNOWN_EVENT_TYPE',
      p_raw_id, jsonb_build_object('event_type', p_event_type), null, p_at);
    return ledger_private.outcome('quarantined', 'UNKNOWN_EVENT_TYPE', v_key.open_exception_id, 'quarantined', 1, 0, 1, 0, 1);
  end if;

  -- A later arrival: counting it on its key also locks the key's row, serialising the key, and
  -- returns the state to decide on (arrivals already includes this one).
  update ledger.events_processed k set arrivals = k.arrivals + 1, last_seen_at = p_at
  where k.tenant_id = p_tenant_id and k.idempotency_key = p_idempotency_key
  returning * into strict v_key;

  if v_key.status = 'processed' and v_key.canonical_fingerprint = p_fingerprint then
    return ledger_private.outcome('duplicate', null, null, 'processed', v_key.arrivals, 0, 0, 0, 0);
  elsif v_key.status = 'processed' then
    v_exception_id := gen_random_uuid();
    update ledger.events_processed k
    set status = 'quarantined', open_exception_id = v_exception_id, updated_at = p_at
    where k.tenant_id = p_tenant_id and k.idempotency_key = p_idempotency_key;
    perform ledger_private.open_exception(v_exception_id, p_tenant_id, p_idempotency_key, 'IDEMPOTENCY_CONFLICT', p_raw_id,
      jsonb_build_object('canonical_raw_id', v_key.canonical_raw_id,
                         'canonical_fingerprint', encode(v_key.canonical_fingerprint, 'hex'),
                         'fingerprint', encode(p_fingerprint, 'hex')),
      ledger_private.key_state(v_key), p_at);
    return ledger_private.outcome('quarantined', 'IDEMPOTENCY_CONFLICT', v_exception_id, 'quarantined', v_key.arrivals, -1, 1, 0, 1);
  elsif v_key.status = 'quarantined' then
    update ledger.exceptions e set arrivals = e.arrivals + 1, last_arrival_at = p_at
    where e.tenant_id = p_tenant_id and e.exception_id = v_key.open_exception_id;
    return ledger_private.outcome('quarantined', 'ALREADY_QUARANTINED', v_key.open_exception_id, 'quarantined', v_key.arrivals, 0, 0, 0, 0);
  else
    return ledger_private.outcome('ignored', 'IGNORED_BY_OPERATOR', null, 'ignored', v_key.arrivals, 0, 0, 0, 0);
  end if;
end
$$;
comment on function ledger_private.decide_outcome(text, text, text, bytea, jsonb, bigint, timestamptz) is 'The outcome table of the contract: locks the key, moves its state, opens or joins its exception.';

create or replace function ledger_private.quarantine_after_failure(
  p_tenant_id text,
  p_idempotency_key text,
  p_event_type text,
  p_raw_id bigint,
  p_error jsonb,
  p_at timestamptz
)
returns ledger_private.arrival_outcome
language plpgsql
volatile
as $$
declare
  v_key ledger.events_processed;
  v_exception_id uuid := gen_random_uuid();
begin
  select * into v_key from ledger.events_processed k
  where k.tenant_id = p_tenant_id and k.idempotency_key = p_idempotency_key
  for update;

  if not found then
    -- A first arrival takes the key. A concurrent first arrival may hold it uncommitted, unseen by
    -- the select above: the insert then waits for it, does nothing, and the key is held as it
    -- committed.
    insert into ledger.events_processed
      (tenant_id, idempotency_key, status, event_type, open_exception_id, arrivals, first_seen_at, last_seen_at, updated_at)
    values (p_tenant_id, p_idempotency_key, 'quarantined', p_event_type, v_exception_id, 1, p_at, p_at, p_at)
    on conflict (tenant_id, idempotency_key) do nothing;
    if found then
      perform ledger_private.open_exception(v_exception_id, p_tenant_id, p_idempotency_key, 'PROCESSING_ERROR', p_raw_id,
        jsonb_build_object('error', p_error), null, p_at);
      return ledger_private.outcome('quarantined', 'PROCESSING_ERROR', v_exception_id, 'quarantined', 1, 0, 1, 0, 1);
    end if;
    select * into strict v_key from ledger.events_processed k
    where k.tenant_id = p_tenant_id and k.idempotency_key = p_idempotency_key
    for update;
  end if;

  if v_key.status = 'quarantined' then
    update ledger.events_processed k set arrivals = k.arrivals + 1, last_seen_at = p_at
    where k.tenant_id = p_tenant_id and k.idempotency_key = p_idempotency_key;
    update ledger.exceptions e set arrivals = e.arrivals + 1, last_arrival_at = p_at
    where e.tenant_id = p_tenant_id and e.exception_id = v_key.open_exception_id;
    return ledger_private.outcome('quarantined', 'PROCESSING_ERROR', v_key.open_exception_id, 'quarantined', v_key.arrivals + 1, 0, 0, 0, 0);
  end if;

  update ledger.events_processed k
  set status = 'quarantined', open_exception_id = v_exception_id, arrivals = k.arrivals + 1, last_seen_at = p_at, updated_at = p_at
  where k.tenant_id = p_tenant_id and k.idempotency_key = p_idempotency_key;
  perform ledger_private.open_exception(v_exception_id, p_tenant_id, p_idempotency_key, 'PROCESSING_ERROR', p_raw_id,
    jsonb_build_object('error', p_error), ledger_private.key_state(v_key), p_at);
  return ledger_private.outcome('quarantined', 'PROCESSING_ERROR', v_exception_id, 'quarantined', v_key.arrivals + 1,
          case v_key.status when 'processed' then -1 else 0 end, 1,
          case v_key.status when 'ignored' then -1 else 0 end, 1);
end
$$;
comment on function ledger_private.quarantine_after_failure(text, text, text, bigint, jsonb, timestamptz) is 'When deciding failed unexpectedly: the key is held in an exception with reason PROCESSING_ERROR.';

-- Lock and serialisation failures, shutdowns and resource exhaustion are not the arrival's fault:
-- they abort the whole call so that the caller retries it, instead of quarantining the arrival.
create or replace function ledger_private.is_transient_failure(p_sqlstate text)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_sqlstate in ('40001', '40P01', '55P03', '57014', '57P01', '53000', '53100', '53200', '53300')
$$;
comment on function ledger_private.is_transient_failure(text) is 'Whether an error is a transient one (lock, serialisation, shutdown, resources) that the caller should retry rather than a failure of the arrival.';

create or replace function ledger_private.ingest_valid(p_envelope jsonb, p_source text)
returns ledger.ingest_answer
language plpgsql
volatile
as $$
declare
  v_tenant_id text := p_envelope ->> 'tenant_id';
  v_idempotency_key text := p_envelope ->> 'event_id';
  v_event_type text := upper(p_envelope ->> 'event_type');
  v_fingerprint bytea := ledger_private.fingerprint(p_envelope);
  v_raw_id bigint := nextval('ledger.events_raw_raw_id_seq');
  v_at timestamptz := clock_timestamp();
  v_outcome ledger_private.arrival_outcome;
  v_error jsonb;
begin
  begin
    v_outcome := ledger_private.decide_outcome(v_tenant_id, v_idempotency_key, v_event_type, v_fingerprint, p_envelope, v_raw_id, v_at);
  exception when others then
    if ledger_private.is_transient_failure(sqlstate) then
      raise;
    end if;
    v_error := jsonb_build_object('sqlstate', sqlstate, 'message', sqlerrm);
    begin
      v_outcome := ledger_private.quarantine_after_failure(v_tenant_id, v_idempotency_key, v_event_type, v_raw_id, v_error, v_at);
    exception when others then
      if ledger_private.is_transient_failure(sqlstate) then
        raise;
      end if;
      -- Even the quarantine failed: the arrival is still captured, marked PROCESSING_ERROR.
      v_outcome := ledger_private.outcome('quarantined', 'PROCESSING_ERROR', null, null,
                    (select count(*)::integer + 1 from ledger.events_raw r where r.tenant_id = v_tenant_id and r.idempotency_key = v_idempotency_key),
                    0, 0, 0, 0);
    end;
  end;

  insert into ledger.events_raw
    (tenant_id, raw_id, idempotency_key, event_type, payload, fingerprint, attempt, source, result, reason_code, exception_id, received_at)
  values
    (v_tenant_id, v_raw_id, v_idempotency_key, v_event_type, p_envelope, v_fingerprint, v_outcome.attempt, p_source,
     v_outcome.result, v_outcome.reason_code, v_outcome.exception_id, v_at);

  perform ledger_private.bump_counters(v_tenant_id, 1, 0, v_outcome.d_exceptions_open, v_outcome.d_processed,
                                       v_outcome.d_quarantined, v_outcome.d_ignored);

  return (v_tenant_id, v_idempotency_key, v_raw_id, v_outcome.result, v_outcome.exception_id, v_outcome.reason_code,
          v_outcome.key_status, v_outcome.attempt, v_at,
          case v_outcome.result when 'processed' then 201 when 'quarantined' then 202 else 200 end, null)::ledger.ingest_answer;
end
$$;
comment on function ledger_private.ingest_valid(jsonb, text) is 'Ingests one valid envelope: decides its outcome and appends it to Bronze in the caller''s transaction.';

create or replace function ledger.ingest_event(envelope jsonb, source text default 'sql')
returns ledger.ingest_answer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_bound text := ledger_private.bound_tenant();
  v_errors jsonb;
begin
  -- A key bound to one tenant is refused another before anything else is said about the envelope.
  if v_bound is not null and jsonb_typeof(ingest_event.envelope -> 'tenant_id') = 'string'
     and ingest_event.envelope ->> 'tenant_id' <> v_bound then
    perform ledger_private.assert_tenant_allowed(ingest_event.envelope ->> 'tenant_id');
  end if;
  if not ledger_private.envelope_is_valid(ingest_event.envelope) then
    v_errors := ledger_private.envelope_errors(ingest_event.envelope);
    if jsonb_array_length(v_errors) > 0 then
      perform ledger_private.invalid('envelope invalid', v_errors);
    end if;
  end if;
  return ledger_private.ingest_valid(ingest_event.envelope, coalesce(nullif(ingest_event.source, ''), 'sql'));
end
$$;
comment on function ledger.ingest_event(jsonb, text) is
  E'Ingests one POS event envelope: captured in Bronze and processed idempotently or quarantined, in this transaction.\nRaises 22023 (with [{path, message}] in DETAIL) for an invalid envelope, 42501 for another tenant than the caller''s.';
revoke all on function ledger.ingest_event(jsonb, text) from public;
grant execute on function ledger.ingest_event(jsonb, text) to ledger_ingest;

create or replace function ledger.ingest_events(envelopes jsonb)
returns setof ledger.ingest_answer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_envelope jsonb;
  v_position bigint;
  v_errors jsonb;
  v_bound text := ledger_private.bound_tenant();
  v_tenant_id text;
  v_status integer;
  v_fast ledger.ingest_answer[];
  v_done boolean[];
  v_row record;
begin
  if jsonb_typeof(ingest_events.envelopes) is distinct from 'array' then
    perform ledger_private.invalid('envelopes must be a JSON array',
      jsonb_build_array(jsonb_build_object('path', 'events', 'message', 'must be an array')));
  end if;
  if jsonb_array_length(ingest_events.envelopes) > 1000 then
    perform ledger_private.invalid('at most 1000 envelopes at once',
      jsonb_build_array(jsonb_build_object('path', 'events', 'message', 'at most 1000 items')));
  end if;

  -- The usual batch is new events: those that are valid, of the caller's tenant, of an allowed type
  -- and whose key comes once in the batch (or first) are processed together, three statements for
  -- the whole batch instead of a dozen per event. Everything else (a key seen before, a later
  -- arrival of a key, a refusal, a quarantine) then follows one by one in the batch's order, so
  -- each key still sees its arrivals in order. Should the set-based step fail, it is rolled back
  -- and every event takes the one-by-one path, with its own PROCESSING_ERROR safety.
  v_done := array_fill(false, array[jsonb_array_length(ingest_events.envelopes)]);
  v_fast := array_fill(null::ledger.ingest_answer, array[jsonb_array_length(ingest_events.envelopes)]);
  begin
    for v_row in
      with candidates as (
        select i.position, i.envelope, i.envelope ->> 'tenant_id' as tenant_id, i.envelope ->> 'event_id' as idempotency_key,
               upper(i.envelope ->> 'event_type') as event_type, ledger_private.fingerprint(i.envelope) as fingerprint
        from jsonb_array_elements(ingest_events.envelopes) with ordinality as i(envelope, position)
        where ledger_private.envelope_is_valid(i.envelope)
          and (v_bound is null or i.envelope ->> 'tenant_id' = v_bound)
          and ledger_private.event_type_allowed(i.envelope ->> 'event_type')
      ), firsts as (
        select distinct on (c.tenant_id, c.idempotency_key) c.*, clock_timestamp() as received_at
        from candidates c order by c.tenant_id, c.idempotency_key, c.position
      ), numbered as (
        select f.*, nextval('ledger.events_raw_raw_id_seq') as raw_id from firsts f
      ), won as (
        insert into ledger.events_processed
          (tenant_id, idempotency_key, status, event_type, canonical_raw_id, canonical_fingerprint, canonical_payload,
           arrivals, first_seen_at, last_seen_at, updated_at)
        select n.tenant_id, n.idempotency_key, 'processed', n.event_type, n.raw_id, n.fingerprint, n.envelope,
               1, n.received_at, n.received_at, n.received_at
        from numbered n
        on conflict (tenant_id, idempotency_key) do nothing
        returning tenant_id, idempotency_key
      ), bronze as (
        insert into ledger.events_raw
          (tenant_id, raw_id, idempotency_key, event_type, payload, fingerprint, attempt, source, result, received_at)
        select n.tenant_id, n.raw_id, n.idempotency_key, n.event_type, n.envelope, n.fingerprint, 1, 'batch', 'processed', n.received_at
        from numbered n join won w using (tenant_id, idempotency_key)
        returning tenant_id, raw_id, idempotency_key, received_at
      )
      select n.position, b.tenant_id, b.raw_id, b.idempotency_key, b.received_at
      from bronze b join numbered n using (tenant_id, raw_id)
    loop
      v_done[v_row.position] := true;
      v_fast[v_row.position] := (v_row.tenant_id, v_row.idempotency_key, v_row.raw_id, 'processed', null, null, 'processed', 1,
                                 v_row.received_at, 201, null)::ledger.ingest_answer;
    end loop;
    for v_row in
      select (a).tenant_id, count(*)::integer as n from unnest(v_fast) a where (a).raw_id is not null group by 1
    loop
      perform ledger_private.bump_counters(v_row.tenant_id, p_events_raw => v_row.n, p_processed => v_row.n);
    end loop;
  exception when others then
    if ledger_private.is_transient_failure(sqlstate) then
      raise;
    end if;
    v_done := array_fill(false, array[jsonb_array_length(ingest_events.envelopes)]);
  end;

  for v_envelope, v_position in select value, ordinality from jsonb_array_elements(ingest_events.envelopes) with ordinality loop
    if v_done[v_position] then
      return next v_fast[v_position];
      continue;
    end if;
    v_tenant_id := v_envelope ->> 'tenant_id';
    if v_bound is not null and jsonb_typeof(v_envelope -> 'tenant_id') = 'string' and v_tenant_id <> v_bound then
      v_errors := jsonb_build_array(jsonb_build_object('path', 'tenant_id', 'message', 'not the tenant of this key'));
      v_status := 403;
    elsif ledger_private.envelope_is_valid(v_envelope) then
      v_errors := '[]'::jsonb;
    else
      v_errors := ledger_private.envelope_errors(v_envelope);
      v_status := 422;
    end if;
    if jsonb_array_length(v_errors) = 0 then
      return next ledger_private.ingest_valid(v_envelope, 'batch');
    else
      v_tenant_id := coalesce(v_bound, case when jsonb_typeof(v_envelope -> 'tenant_id') = 'string' then v_tenant_id end);
      if exists (select from ledger.tenants t where t.tenant_id = v_tenant_id) then
        perform ledger_private.record_rejection(v_tenant_id, v_status,
          case v_status when 403 then 'TENANT_MISMATCH' else 'INVALID_ENVELOPE' end, v_errors,
          left(v_envelope::text, 4096), 'batch',
          case when jsonb_typeof(v_envelope -> 'event_id') = 'string' then v_envelope ->> 'event_id' end, null);
      end if;
      return next (v_tenant_id, case when jsonb_typeof(v_envelope -> 'event_id') = 'string' then v_envelope ->> 'event_id' end,
                   null, 'rejected', null, null, null, null, clock_timestamp(), v_status, v_errors)::ledger.ingest_answer;
    end if;
  end loop;
end
$$;
comment on function ledger.ingest_events(jsonb) is
  'Ingests an array of at most 1000 envelopes in order, one answer each; an invalid one is answered rejected (with status and errors) and recorded, and does not stop the others.';
revoke all on function ledger.ingest_events(jsonb) from public;
grant execute on function ledger.ingest_events(jsonb) to ledger_ingest;
