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

create or replace function ledger_private.exception_state(p_exception ledger.exceptions)
returns jsonb
language sql
immutable
as $$
  select jsonb_build_object('status', p_exception.status, 'assigned_to', p_exception.assigned_to,
    'resolution_action', p_exception.resolution_action, 'resolved_by', p_exception.resolved_by,
    'canonical_raw_id', p_exception.canonical_raw_id, 'override_patch', p_exception.override_patch,
    'replay_count', p_exception.replay_count)
$$;
comment on function ledger_private.exception_state(ledger.exceptions) is 'The parts of an exception that the audit trail records before and after a decision.';

create or replace function ledger.resolve_exception(
  exception_id uuid,
  action text,
  resolution_notes text,
  override_patch jsonb default '{}',
  canonical_raw_id bigint default null,
  actor text default null
)
returns ledger.exceptions
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_exception ledger.exceptions;
  v_key ledger.events_processed;
  v_after_key ledger.events_processed;
  v_after ledger.exceptions;
  v_canonical ledger.events_raw;
  v_payload jsonb;
  v_errors jsonb;
  v_actor text := ledger_private.current_actor();
  v_claimed text := coalesce(resolve_exception.actor, ledger_private.untrusted_claim());
  v_at timestamptz := clock_timestamp();
  v_patch jsonb := coalesce(resolve_exception.override_patch, '{}'::jsonb);
begin
  if resolve_exception.action is null or resolve_exception.action not in ('mark_resolved_no_replay', 'override_and_replay') then
    perform ledger_private.invalid('unknown action', jsonb_build_array(jsonb_build_object('path', 'action',
      'message', 'must be mark_resolved_no_replay or override_and_replay')));
  end if;
  if coalesce(btrim(resolve_exception.resolution_notes), '') = '' then
    perform ledger_private.invalid('resolution_notes is required', jsonb_build_array(jsonb_build_object('path', 'resolution_notes',
      'message', 'must not be empty')));
  end if;
  if resolve_exception.action = 'mark_resolved_no_replay'
     and (v_patch <> '{}'::jsonb or resolve_exception.canonical_raw_id is not null) then
    perform ledger_private.invalid('nothing is replayed', jsonb_build_array(jsonb_build_object('path', 'override_patch',
      'message', 'override_patch and canonical_raw_id only go with override_and_replay')));
  end if;

  v_exception := ledger_private.lock_open_exception(resolve_exception.exception_id);
  select * into v_key from ledger.events_processed k
  where k.tenant_id = v_exception.tenant_id and k.idempotency_key = v_exception.idempotency_key;

  if resolve_exception.action = 'mark_resolved_no_replay' then
    update ledger.events_processed k set status = 'ignored', open_exception_id = null, updated_at = v_at
    where k.tenant_id = v_key.tenant_id and k.idempotency_key = v_key.idempotency_key
    returning * into v_after_key;
    perform ledger_private.bump_counters(v_key.tenant_id, p_exceptions_open => -1, p_quarantined => -1, p_ignored => 1);
  else
    select * into v_canonical from ledger.events_raw r
    where r.tenant_id = v_exception.tenant_id and r.raw_id = coalesce(resolve_exception.canonical_raw_id, v_exception.raw_id);
    if not found or v_canonical.idempotency_key <> v_exception.idempotency_key then
      perform ledger_private.invalid('canonical_raw_id is not an arrival of this key', jsonb_build_array(jsonb_build_object(
        'path', 'canonical_raw_id', 'message', format('must be an arrival of key %s', v_exception.idempotency_key))));
    end if;
    v_payload := ledger_private.merge_patch(v_canonical.payload, v_patch);
    v_errors := ledger_private.envelope_errors(v_payload);
    if jsonb_array_length(v_errors) = 0 then
      if v_payload ->> 'tenant_id' <> v_exception.tenant_id or v_payload ->> 'event_id' <> v_exception.idempotency_key then
        v_errors := jsonb_build_array(jsonb_build_object('path', 'override_patch', 'message', 'must not change tenant_id or event_id'));
      elsif not ledger_private.event_type_allowed(v_payload ->> 'event_type') then
        v_errors := jsonb_build_array(jsonb_build_object('path', 'override_patch',
          'message', format('event_type %s is not in the allowlist', v_payload ->> 'event_type')));
      end if;
    end if;
    if jsonb_array_length(v_errors) > 0 then
      raise exception using errcode = 'LSR01', message = 'the replayed payload is not a valid arrival', detail = v_errors::text;
    end if;
    update ledger.events_processed k
    set status = 'processed', event_type = upper(v_payload ->> 'event_type'), canonical_raw_id = v_canonical.raw_id,
        canonical_fingerprint = ledger_private.fingerprint(v_payload), canonical_payload = v_payload,
        open_exception_id = null, updated_at = v_at
    where k.tenant_id = v_key.tenant_id and k.idempotency_key = v_key.idempotency_key
    returning * into v_after_key;
    perform ledger_private.bump_counters(v_key.tenant_id, p_exceptions_open => -1, p_quarantined => -1, p_processed => 1);
  end if;

  update ledger.exceptions e
  set status = 'resolved', resolution_action = resolve_exception.action, resolution_notes = resolve_exception.resolution_notes,
      resolved_by = v_actor, resolved_by_claimed = v_claimed, resolved_at = v_at,
      canonical_raw_id = v_canonical.raw_id,
      override_patch = case when resolve_exception.action = 'override_and_replay' then v_patch end,
      replay_count = e.replay_count + case when resolve_exception.action = 'override_and_replay' then 1 else 0 end,
      replayed_at = case when resolve_exception.action = 'override_and_replay' then v_at end
  where e.tenant_id = v_exception.tenant_id and e.exception_id = v_exception.exception_id
  returning * into v_after;

  insert into ledger.audit_log (tenant_id, at, actor, claimed_actor, action, object_type, object_id, exception_id, notes, before, after)
  values (v_exception.tenant_id, v_at, v_actor, v_claimed, 'exception.resolved', 'exception',
          v_exception.exception_id::text, v_exception.exception_id, resolve_exception.resolution_notes,
          ledger_private.exception_state(v_exception) || ledger_private.key_state(v_key),
          ledger_private.exception_state(v_after) || ledger_private.key_state(v_after_key));
  return v_after;
end
$$;
comment on function ledger.resolve_exception(uuid, text, text, jsonb, bigint, text) is
  E'Resolves an open exception once, atomically and audited.\nmark_resolved_no_replay: the key becomes ignored. override_and_replay: the arrival canonical_raw_id (default: the one that opened it), merge-patched with override_patch (RFC 7396) and validated like a new arrival, becomes the key''s canonical payload; the key becomes processed.\nRaises 22023 for bad arguments, P0002 for an unknown exception, 55000 when already resolved, LSR01 when the replayed payload is invalid.';
revoke all on function ledger.resolve_exception(uuid, text, text, jsonb, bigint, text) from public;
grant execute on function ledger.resolve_exception(uuid, text, text, jsonb, bigint, text) to ledger_operator;

create or replace function ledger.assign_exception(exception_id uuid, assigned_to text)
returns ledger.exceptions
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_exception ledger.exceptions;
  v_key ledger.events_processed;
  v_after ledger.exceptions;
  v_at timestamptz := clock_timestamp();
begin
  if coalesce(btrim(assign_exception.assigned_to), '') = '' then
    perform ledger_private.invalid('assigned_to is required', jsonb_build_array(jsonb_build_object('path', 'assigned_to',
      'message', 'must not be empty')));
  end if;
  v_exception := ledger_private.lock_open_exception(assign_exception.exception_id);
  select * into v_key from ledger.events_processed k
  where k.tenant_id = v_exception.tenant_id and k.idempotency_key = v_exception.idempotency_key;
  update ledger.exceptions e set assigned_to = btrim(assign_exception.assigned_to), assigned_at = v_at
  where e.tenant_id = v_exception.tenant_id and e.exception_id = v_exception.exception_id
  returning * into v_after;
  insert into ledger.audit_log (tenant_id, at, actor, claimed_actor, action, object_type, object_id, exception_id, before, after)
  values (v_exception.tenant_id, v_at, ledger_private.current_actor(), ledger_private.untrusted_claim(), 'exception.assigned', 'exception',
          v_exception.exception_id::text, v_exception.exception_id,
          ledger_private.exception_state(v_exception), ledger_private.exception_state(v_after));
  return v_after;
end
$$;
comment on function ledger.assign_exception(uuid, text) is
  'Sets the operator who owns an open exception, audited. Raises 22023 for an empty name, P0002 for an unknown exception, 55000 when resolved.';
revoke all on function ledger.assign_exception(uuid, text) from public;
grant execute on function ledger.assign_exception(uuid, text) to ledger_operator;
