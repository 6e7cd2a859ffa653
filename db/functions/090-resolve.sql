-- Resolving and assigning lock the key first, then the exception: the same order as ingest, so
-- that a resolve racing an arrival of the same key cannot deadlock.

create or replace function ledger_private.lock_open_exception(p_exception_id uuid)
returns ledger.exceptions
language plpgsql
volatile
as $$
declare
  v_found ledger.exceptions;
  v_locked ledger.exceptions;
begin
  if p_exception_id is null then
    perform ledger_private.invalid('exception_id is required',
      jsonb_build_array(jsonb_build_object('path', 'exception_id', 'message', 'is required')));
  end if;
  select * into v_found from ledger.exceptions e where e.exception_id = p_exception_id;
  if not found then
    raise exception using errcode = 'P0002', message = format('exception %s not found', p_exception_id);
  end if;
  perform from ledger.events_processed k
  where k.tenant_id = v_found.tenant_id and k.idempotency_key = v_found.idempotency_key
  for update;
  select * into v_locked from ledger.exceptions e
  where e.tenant_id = v_found.tenant_id and e.exception_id = p_exception_id
  for update;
  if v_locked.status <> 'open' then
    raise exception using errcode = '55000', message = format('exception %s is already resolved', p_exception_id);
  end if;
  return v_locked;
end
$$;
comment on function ledger_private.lock_open_exception(uuid) is 'Locks an open exception and its key (key first) and returns the exception; P0002 when unknown, 55000 when resolved.';

-- PL/pgSQL, not SQL: a SQL function of a row is planned anew on every call from PL/pgSQL (it is
-- not inlined there), which made it a fifth of a resolution's time.
create or replace function ledger_private.exception_state(p_exception ledger.exceptions)
returns jsonb
language plpgsql
immutable
as $$
begin
  return jsonb_build_object('status', p_exception.status, 'assigned_to', p_exception.assigned_to,
    'resolution_action', p_exception.resolution_action, 'resolved_by', p_exception.resolved_by,
    'canonical_raw_id', p_exception.canonical_raw_id, 'override_patch', p_exception.override_patch,
    'replay_count', p_exception.replay_count);
end
$$;
comment on function ledger_private.exception_state(ledger.exceptions) is 'The parts of an exception that the audit trail records before and after a decision.';

-- One validation for every resolution: a single resolve raises what ledger_private.resolution_verdict
-- says, and a bulk dry run (db/functions/400-bulk-resolve.sql) counts what it says, exception by
-- exception, without changing anything; a job's step resolves through the same
-- ledger_private.resolve_exception_as that ledger.resolve_exception calls.

create or replace function ledger_private.check_resolution_arguments(
  p_action text, p_resolution_notes text, p_override_patch jsonb, p_canonical_raw_id bigint)
returns void
language plpgsql
immutable
as $$
begin
  if p_action is null or p_action not in ('mark_resolved_no_replay', 'override_and_replay') then
    perform ledger_private.invalid('unknown action', jsonb_build_array(jsonb_build_object('path', 'action',
      'message', 'must be mark_resolved_no_replay or override_and_replay')));
  end if;
  if coalesce(btrim(p_resolution_notes), '') = '' then
    perform ledger_private.invalid('resolution_notes is required', jsonb_build_array(jsonb_build_object('path', 'resolution_notes',
      'message', 'must not be empty')));
  end if;
  if p_action = 'mark_resolved_no_replay' and (coalesce(p_override_patch, '{}'::jsonb) <> '{}'::jsonb or p_canonical_raw_id is not null) then
    perform ledger_private.invalid('nothing is replayed', jsonb_build_array(jsonb_build_object('path', 'override_patch',
      'message', 'override_patch and canonical_raw_id only go with override_and_replay')));
  end if;
end
$$;
comment on function ledger_private.check_resolution_arguments(text, text, jsonb, bigint) is
  'Raises 22023 when a resolution''s arguments are wrong whatever the exception: unknown action, empty notes, a patch or arrival with mark_resolved_no_replay.';

create or replace function ledger_private.resolution_verdict(
  p_exception ledger.exceptions, p_action text, p_override_patch jsonb, p_canonical_raw_id bigint)
returns ledger_private.resolution_verdict
language plpgsql
stable
as $$
declare
  v_canonical ledger.events_raw;
  v_payload jsonb;
  v_errors jsonb;
begin
  if p_exception.status <> 'open' then
    return ('55000', 'ALREADY_RESOLVED', format('exception %s is already resolved', p_exception.exception_id), null, null, null)::ledger_private.resolution_verdict;
  end if;
  if p_action <> 'override_and_replay' then
    return (null, null, null, null, null, null)::ledger_private.resolution_verdict;
  end if;
  select * into v_canonical from ledger.events_raw r
  where r.tenant_id = p_exception.tenant_id and r.raw_id = coalesce(p_canonical_raw_id, p_exception.raw_id);
  if not found or v_canonical.idempotency_key <> p_exception.idempotency_key then
    return ('22023', null, 'canonical_raw_id is not an arrival of this key', jsonb_build_array(jsonb_build_object(
      'path', 'canonical_raw_id', 'message', format('must be an arrival of key %s', p_exception.idempotency_key))), null, null)::ledger_private.resolution_verdict;
  end if;
  v_payload := ledger_private.merge_patch(v_canonical.payload, coalesce(p_override_patch, '{}'::jsonb));
  v_errors := ledger_private.envelope_errors(v_payload);
  if jsonb_array_length(v_errors) = 0 then
    if v_payload ->> 'tenant_id' <> p_exception.tenant_id or v_payload ->> 'event_id' <> p_exception.idempotency_key then
      v_errors := jsonb_build_array(jsonb_build_object('path', 'override_patch', 'message', 'must not change tenant_id or event_id'));
    elsif not ledger_private.event_type_allowed(v_payload ->> 'event_type') then
      v_errors := jsonb_build_array(jsonb_build_object('path', 'override_patch',
        'message', format('event_type %s is not in the allowlist', v_payload ->> 'event_type')));
    end if;
  end if;
  if jsonb_array_length(v_errors) > 0 then
    return ('LSR01', 'REPLAY_VALIDATION_FAILED', 'the replayed payload is not a valid arrival', v_errors, v_canonical.raw_id, v_payload)::ledger_private.resolution_verdict;
  end if;
  return (null, null, null, null, v_canonical.raw_id, v_payload)::ledger_private.resolution_verdict;
end
$$;
comment on function ledger_private.resolution_verdict(ledger.exceptions, text, jsonb, bigint) is
  E'What resolving this exception so would meet, changing nothing: a refusal (55000 ALREADY_RESOLVED, 22023 canonical_raw_id not an arrival of the key, LSR01 REPLAY_VALIDATION_FAILED with [{path, message}]) or, for a replay, the canonical arrival and the payload it becomes.\nThe arguments themselves are checked by ledger_private.check_resolution_arguments.';

create or replace function ledger_private.raise_refusal(p_verdict ledger_private.resolution_verdict)
returns void
language plpgsql
immutable
as $$
begin
  if p_verdict.sqlstate is not null then
    raise exception using errcode = p_verdict.sqlstate, message = p_verdict.message, detail = coalesce(p_verdict.errors::text, '');
  end if;
end
$$;
comment on function ledger_private.raise_refusal(ledger_private.resolution_verdict) is 'Raises the refusal a verdict holds, if any, with its [{path, message}] in DETAIL.';

create or replace function ledger_private.resolve_exception_as(
  p_exception_id uuid, p_action text, p_resolution_notes text, p_override_patch jsonb, p_canonical_raw_id bigint,
  p_actor text, p_claimed_actor text, p_job_id uuid)
returns ledger.exceptions
language plpgsql
volatile
as $$
declare
  v_exception ledger.exceptions;
  v_key ledger.events_processed;
  v_after_key ledger.events_processed;
  v_after ledger.exceptions;
  v_verdict ledger_private.resolution_verdict;
  v_at timestamptz := clock_timestamp();
  v_patch jsonb := coalesce(p_override_patch, '{}'::jsonb);
  v_replay boolean := p_action = 'override_and_replay';
begin
  perform ledger_private.check_resolution_arguments(p_action, p_resolution_notes, v_patch, p_canonical_raw_id);
  v_exception := ledger_private.lock_open_exception(p_exception_id);
  v_verdict := ledger_private.resolution_verdict(v_exception, p_action, v_patch, p_canonical_raw_id);
  perform ledger_private.raise_refusal(v_verdict);
  select * into v_key from ledger.events_processed k
  where k.tenant_id = v_exception.tenant_id and k.idempotency_key = v_exception.idempotency_key;

  if v_replay then
    update ledger.events_processed k
    set status = 'processed', event_type = upper(v_verdict.payload ->> 'event_type'), canonical_raw_id = v_verdict.canonical_raw_id,
        canonical_fingerprint = ledger_private.fingerprint(v_verdict.payload), canonical_payload = v_verdict.payload,
        open_exception_id = null, updated_at = v_at
    where k.tenant_id = v_key.tenant_id and k.idempotency_key = v_key.idempotency_key
    returning * into v_after_key;
    perform ledger_private.bump_counters(v_key.tenant_id, p_exceptions_open => -1, p_quarantined => -1, p_processed => 1);
  else
    update ledger.events_processed k set status = 'ignored', open_exception_id = null, updated_at = v_at
    where k.tenant_id = v_key.tenant_id and k.idempotency_key = v_key.idempotency_key
    returning * into v_after_key;
    perform ledger_private.bump_counters(v_key.tenant_id, p_exceptions_open => -1, p_quarantined => -1, p_ignored => 1);
  end if;

  update ledger.exceptions e
  set status = 'resolved', resolution_action = p_action, resolution_notes = p_resolution_notes,
      resolved_by = p_actor, resolved_by_claimed = p_claimed_actor, resolved_at = v_at,
      canonical_raw_id = v_verdict.canonical_raw_id,
      override_patch = case when v_replay then v_patch end,
      replay_count = e.replay_count + case when v_replay then 1 else 0 end,
      replayed_at = case when v_replay then v_at end
  where e.tenant_id = v_exception.tenant_id and e.exception_id = v_exception.exception_id
  returning * into v_after;

  insert into ledger.audit_log (tenant_id, at, actor, claimed_actor, action, object_type, object_id, exception_id, notes, before, after, job_id)
  values (v_exception.tenant_id, v_at, p_actor, p_claimed_actor, 'exception.resolved', 'exception',
          v_exception.exception_id::text, v_exception.exception_id, p_resolution_notes,
          ledger_private.exception_state(v_exception) || ledger_private.key_state(v_key),
          ledger_private.exception_state(v_after) || ledger_private.key_state(v_after_key), p_job_id);
  return v_after;
end
$$;
comment on function ledger_private.resolve_exception_as(uuid, text, text, jsonb, bigint, text, text, uuid) is
  'ledger.resolve_exception for a given actor (and the job making it, if any): what both a single resolve and a bulk job''s step run.';

create or replace function ledger.resolve_exception(
  exception_id uuid,
  action text,
  resolution_notes text,
  override_patch jsonb default '{}',
  canonical_raw_id bigint default null,
  actor text default null
)
returns ledger.exceptions
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
  select ledger_private.resolve_exception_as(resolve_exception.exception_id, resolve_exception.action,
    resolve_exception.resolution_notes, resolve_exception.override_patch, resolve_exception.canonical_raw_id,
    ledger_private.current_actor(), coalesce(resolve_exception.actor, ledger_private.untrusted_claim()), null)
$$;
comment on function ledger.resolve_exception(uuid, text, text, jsonb, bigint, text) is
  E'Resolves an open exception once, atomically and audited.\nmark_resolved_no_replay: the key becomes ignored. override_and_replay: the arrival canonical_raw_id (default: the one that opened it), merge-patched with override_patch (RFC 7396) and validated like a new arrival, becomes the key''s canonical payload; the key becomes processed.\nRaises 22023 for bad arguments, P0002 for an unknown exception, 55000 when already resolved, LSR01 when the replayed payload is invalid.';
revoke all on function ledger.resolve_exception(uuid, text, text, jsonb, bigint, text) from public;
grant execute on function ledger.resolve_exception(uuid, text, text, jsonb, bigint, text) to ledger_operator;

create or replace function ledger_private.assign_exception_as(
  p_exception_id uuid, p_assigned_to text, p_actor text, p_claimed_actor text, p_notes text, p_job_id uuid)
returns ledger.exceptions
language plpgsql
volatile
as $$
declare
  v_exception ledger.exceptions;
  v_after ledger.exceptions;
  v_at timestamptz := clock_timestamp();
begin
  if coalesce(btrim(p_assigned_to), '') = '' then
    perform ledger_private.invalid('assigned_to is required', jsonb_build_array(jsonb_build_object('path', 'assigned_to',
      'message', 'must not be empty')));
  end if;
  v_exception := ledger_private.lock_open_exception(p_exception_id);
  update ledger.exceptions e set assigned_to = btrim(p_assigned_to), assigned_at = v_at
  where e.tenant_id = v_exception.tenant_id and e.exception_id = v_exception.exception_id
  returning * into v_after;
  insert into ledger.audit_log (tenant_id, at, actor, claimed_actor, action, object_type, object_id, exception_id, notes, before, after, job_id)
  values (v_exception.tenant_id, v_at, p_actor, p_claimed_actor, 'exception.assigned', 'exception',
          v_exception.exception_id::text, v_exception.exception_id, p_notes,
          ledger_private.exception_state(v_exception), ledger_private.exception_state(v_after), p_job_id);
  return v_after;
end
$$;
comment on function ledger_private.assign_exception_as(uuid, text, text, text, text, uuid) is
  'ledger.assign_exception for a given actor, with notes and the job making it, if any: what a single assign and a bulk job''s step run.';

create or replace function ledger.assign_exception(exception_id uuid, assigned_to text)
returns ledger.exceptions
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
  select ledger_private.assign_exception_as(assign_exception.exception_id, assign_exception.assigned_to,
    ledger_private.current_actor(), ledger_private.untrusted_claim(), null, null)
$$;
comment on function ledger.assign_exception(uuid, text) is
  'Sets the operator who owns an open exception, audited. Raises 22023 for an empty name, P0002 for an unknown exception, 55000 when resolved.';
revoke all on function ledger.assign_exception(uuid, text) from public;
grant execute on function ledger.assign_exception(uuid, text) to ledger_operator;

revoke all on function ledger_private.check_resolution_arguments(text, text, jsonb, bigint),
  ledger_private.resolution_verdict(ledger.exceptions, text, jsonb, bigint),
  ledger_private.raise_refusal(ledger_private.resolution_verdict),
  ledger_private.resolve_exception_as(uuid, text, text, jsonb, bigint, text, text, uuid),
  ledger_private.assign_exception_as(uuid, text, text, text, text, uuid) from public;
