-- Late arrivals heal themselves (CONTRACT v2): an exception held for MISSING_REFERENCE waits on the
-- sale it names; when that sale posts (a first arrival, a batch, a replay), every exception waiting
-- on it is replayed in the same transaction, as `system` with action auto_replay, audited. One that
-- now breaks another rule stays open with that reason instead.

create or replace function ledger_private.auto_replay(p_tenant_id text, p_exception_id uuid)
returns void
language plpgsql
volatile
as $$
declare
  v_exception ledger.exceptions;
  v_key ledger.events_processed;
  v_after_key ledger.events_processed;
  v_after ledger.exceptions;
  v_raw ledger.events_raw;
  v_check jsonb;
  v_at timestamptz := clock_timestamp();
begin
  -- The key first, then the exception: the order every resolution takes.
  select * into v_exception from ledger.exceptions e where e.tenant_id = p_tenant_id and e.exception_id = p_exception_id;
  select * into v_key from ledger.events_processed k
  where k.tenant_id = p_tenant_id and k.idempotency_key = v_exception.idempotency_key for update;
  select * into v_exception from ledger.exceptions e where e.tenant_id = p_tenant_id and e.exception_id = p_exception_id for update;
  if v_exception.status <> 'open' or v_exception.reason_code <> 'MISSING_REFERENCE' then
    return;
  end if;
  select * into v_raw from ledger.events_raw r where r.tenant_id = p_tenant_id and r.raw_id = v_exception.raw_id;
  v_check := ledger_private.post_key(v_raw.payload, v_raw.raw_id, v_at);

  if v_check is not null then
    if v_check ->> 'reason_code' = 'MISSING_REFERENCE' then
      return;
    end if;
    update ledger.exceptions e
    set reason_code = v_check ->> 'reason_code', details = v_check -> 'details', waits_for_store_id = null, waits_for_txn_id = null
    where e.tenant_id = p_tenant_id and e.exception_id = p_exception_id
    returning * into v_after;
    insert into ledger.audit_log (tenant_id, at, actor, action, object_type, object_id, exception_id, notes, before, after)
    values (p_tenant_id, v_at, 'system', 'exception.reason_changed', 'exception', p_exception_id::text, p_exception_id,
            'the sale it waited on was posted; it now breaks another rule',
            jsonb_build_object('reason_code', v_exception.reason_code, 'details', v_exception.details),
            jsonb_build_object('reason_code', v_after.reason_code, 'details', v_after.details));
    return;
  end if;

  update ledger.events_processed k
  set status = 'processed', event_type = v_raw.event_type, canonical_raw_id = v_raw.raw_id, canonical_fingerprint = v_raw.fingerprint,
      canonical_payload = v_raw.payload, open_exception_id = null, updated_at = v_at
  where k.tenant_id = p_tenant_id and k.idempotency_key = v_key.idempotency_key
  returning * into v_after_key;
  update ledger.exceptions e
  set status = 'resolved', resolution_action = 'auto_replay', resolution_notes = 'the sale it refers to was posted',
      resolved_by = 'system', resolved_at = v_at, canonical_raw_id = v_raw.raw_id, override_patch = '{}',
      replay_count = e.replay_count + 1, replayed_at = v_at
  where e.tenant_id = p_tenant_id and e.exception_id = p_exception_id
  returning * into v_after;
  insert into ledger.audit_log (tenant_id, at, actor, action, object_type, object_id, exception_id, notes, before, after)
  values (p_tenant_id, v_at, 'system', 'exception.resolved', 'exception', p_exception_id::text, p_exception_id, v_after.resolution_notes,
          ledger_private.exception_state(v_exception) || ledger_private.key_state(v_key),
          ledger_private.exception_state(v_after) || ledger_private.key_state(v_after_key));
  perform ledger_private.bump_counters(p_tenant_id, p_exceptions_open => -1, p_quarantined => -1, p_processed => 1);
end
$$;
comment on function ledger_private.auto_replay(text, uuid) is 'Replays an exception held for MISSING_REFERENCE as system (auto_replay, audited): posted, the exception is resolved and the key processed; another rule broken, the exception stays open with that reason.';

create or replace function ledger_private.heal_waiting(p_tenant_id text, p_store_id text, p_txn_id text)
returns void
language plpgsql
volatile
as $$
declare
  v_exception_id uuid;
begin
  for v_exception_id in
    select e.exception_id from ledger.exceptions e
    where e.tenant_id = p_tenant_id and e.waits_for_store_id = p_store_id and e.waits_for_txn_id = p_txn_id and e.status = 'open'
    order by e.opened_at, e.exception_id
  loop
    perform ledger_private.auto_replay(p_tenant_id, v_exception_id);
  end loop;
end
$$;
comment on function ledger_private.heal_waiting(text, text, text) is 'Replays, oldest first, every open exception waiting on the sale (store, txn_id) that has just posted.';
