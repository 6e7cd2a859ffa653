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
      p_raw_id, jsonb_build_object('event_type', p_event_type), null, p_at, p_envelope);
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
      ledger_private.key_state(v_key), p_at, p_envelope);
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
  p_at timestamptz,
  p_envelope jsonb
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
        jsonb_build_object('error', p_error), null, p_at, p_envelope);
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
    jsonb_build_object('error', p_error), ledger_private.key_state(v_key), p_at, p_envelope);
  return ledger_private.outcome('quarantined', 'PROCESSING_ERROR', v_exception_id, 'quarantined', v_key.arrivals + 1,
          case v_key.status when 'processed' then -1 else 0 end, 1,
          case v_key.status when 'ignored' then -1 else 0 end, 1);
end
$$;
comment on function ledger_private.quarantine_after_failure(text, text, text, bigint, jsonb, timestamptz, jsonb) is 'When deciding failed unexpectedly: the key is held in an exception with reason PROCESSING_ERROR.';

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
      v_outcome := ledger_private.quarantine_after_failure(v_tenant_id, v_idempotency_key, v_event_type, v_raw_id, v_error, v_at, p_envelope);
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

