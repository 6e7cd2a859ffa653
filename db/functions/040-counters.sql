create or replace function ledger_private.bump_counters(
  p_tenant_id text,
  p_events_raw integer default 0,
  p_rejections integer default 0,
  p_exceptions_open integer default 0,
  p_processed integer default 0,
  p_quarantined integer default 0,
  p_ignored integer default 0,
  p_postings integer default 0
)
returns void
language plpgsql
volatile
as $$
begin
  -- Inside a set-based call, kept for its end (ledger_private.apply_deferred).
  if current_setting('ledger.defer_moves', true) = 'on' then
    insert into ledger_private.deferred_counters
    values (pg_current_xact_id(), p_tenant_id, p_events_raw, p_rejections, p_exceptions_open, p_processed, p_quarantined, p_ignored, p_postings);
    return;
  end if;
  -- A plain update of the existing shard row (the usual case) costs less than an upsert, which
  -- locks the conflicting row first with a WAL record of its own.
  update ledger_private.tenant_counters c set
    events_raw = c.events_raw + p_events_raw,
    rejections = c.rejections + p_rejections,
    exceptions_open = c.exceptions_open + p_exceptions_open,
    processed = c.processed + p_processed,
    quarantined = c.quarantined + p_quarantined,
    ignored = c.ignored + p_ignored,
    postings = c.postings + p_postings
  where c.tenant_id = p_tenant_id and c.shard = pg_backend_pid() % 64;
  if found then
    return;
  end if;
  insert into ledger_private.tenant_counters as c
    (tenant_id, shard, events_raw, rejections, exceptions_open, processed, quarantined, ignored, postings)
  values
    (p_tenant_id, pg_backend_pid() % 64, p_events_raw, p_rejections, p_exceptions_open, p_processed, p_quarantined, p_ignored, p_postings)
  on conflict (tenant_id, shard) do update set
    events_raw = c.events_raw + excluded.events_raw,
    rejections = c.rejections + excluded.rejections,
    exceptions_open = c.exceptions_open + excluded.exceptions_open,
    processed = c.processed + excluded.processed,
    quarantined = c.quarantined + excluded.quarantined,
    ignored = c.ignored + excluded.ignored,
    postings = c.postings + excluded.postings;
end
$$;
comment on function ledger_private.bump_counters(text, integer, integer, integer, integer, integer, integer, integer) is 'Moves a tenant''s health counters in the caller''s transaction, on the shard of this backend. PL/pgSQL, not SQL: its plan is cached for the session instead of made anew on every call.';
