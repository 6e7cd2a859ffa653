-- A job's steps, its progress and its cancellation. A step is one transaction that claims a few
-- pending items (FOR UPDATE SKIP LOCKED: two workers never hold the same item) and resolves each
-- under a savepoint of its own, through the function a single resolve runs: an item's resolution,
-- its audit row and its outcome commit together or not at all, and one item's failure touches no
-- other. An exception resolved meanwhile (a single resolve, another job) is met by
-- resolve_exception_as as resolved (55000, under the key's lock) and skipped: nothing is resolved
-- twice. Locks are taken items first, then each key and its exception in the order ingest and
-- single resolves take them; the job row is only read (FOR SHARE), so a cancel waits for the
-- steps under way and no step starts after it.

create or replace function ledger_private.run_job_item(p_job ledger.jobs, p_item ledger.job_items)
returns text
language plpgsql
volatile
as $$
declare
  v_errors jsonb;
  v_detail text;
begin
  begin
    if p_job.action = 'assign' then
      perform ledger_private.assign_exception_as(p_item.exception_id, p_job.assigned_to, p_job.created_by, p_job.created_by_claimed,
        p_job.resolution_notes, p_job.job_id);
    else
      perform ledger_private.resolve_exception_as(p_item.exception_id, p_job.action, p_job.resolution_notes, p_job.override_patch, null,
        p_job.created_by, p_job.created_by_claimed, p_job.job_id);
    end if;
    update ledger.job_items i set status = 'succeeded', done_at = clock_timestamp()
    where i.job_id = p_item.job_id and i.position = p_item.position;
    return 'succeeded';
  exception
    when sqlstate '55000' then
      update ledger.job_items i set status = 'skipped', reason_code = 'ALREADY_RESOLVED', done_at = clock_timestamp()
      where i.job_id = p_item.job_id and i.position = p_item.position;
      return 'skipped';
    when sqlstate 'LSR01' then
      get stacked diagnostics v_detail = pg_exception_detail;
      update ledger.job_items i set status = 'failed', reason_code = 'REPLAY_VALIDATION_FAILED', errors = v_detail::jsonb, done_at = clock_timestamp()
      where i.job_id = p_item.job_id and i.position = p_item.position;
      return 'failed';
    when others then
      -- Not this item's fault (a lock timeout, a shutdown): the step fails and is taken again.
      if ledger_private.is_transient_failure(sqlstate) or left(sqlstate, 2) in ('08', '53', '57') then
        raise;
      end if;
      v_errors := jsonb_build_array(jsonb_build_object('path', '', 'message', format('resolving failed unexpectedly (SQLSTATE %s)', sqlstate)));
      update ledger.job_items i set status = 'failed', reason_code = 'RESOLUTION_FAILED', errors = v_errors, done_at = clock_timestamp()
      where i.job_id = p_item.job_id and i.position = p_item.position;
      return 'failed';
  end;
end
$$;
comment on function ledger_private.run_job_item(ledger.jobs, ledger.job_items) is
  'Resolves (or assigns) one item of a job under a savepoint of its own, exactly as a single resolve by the job''s creator would, and records its outcome: succeeded, skipped (already resolved) or failed (replay invalid, or unexpected). Transient errors are raised: the step is retried.';

create or replace function ledger.run_job_step(job_id uuid default null, max_items integer default 50, max_ms integer default 250)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_job ledger.jobs;
  v_item ledger.job_items;
  v_positions integer[];
  v_position integer;
  v_status text;
  v_outcome text;
  v_started timestamptz := clock_timestamp();
  v_counts jsonb := '{"succeeded": 0, "failed": 0, "skipped": 0}';
  v_done integer := 0;
begin
  if run_job_step.max_items is null or run_job_step.max_items not between 1 and 1000 then
    perform ledger_private.invalid('max_items must be 1-1000', jsonb_build_array(jsonb_build_object('path', 'max_items', 'message', 'must be 1-1000')));
  end if;
  if run_job_step.max_ms is null or run_job_step.max_ms not between 1 and 60000 then
    perform ledger_private.invalid('max_ms must be 1-60000', jsonb_build_array(jsonb_build_object('path', 'max_ms', 'message', 'must be 1-60000')));
  end if;

  for v_job in
    select * from ledger.jobs j
    where j.status = 'running' and (run_job_step.job_id is null or j.job_id = run_job_step.job_id)
    order by j.created_at, j.job_id
    limit 20
  loop
    v_positions := array(
      select i.position from ledger.job_items i
      where i.job_id = v_job.job_id and i.status = 'pending'
      order by i.position
      limit run_job_step.max_items
      for update skip locked);

    if cardinality(v_positions) = 0 then
      -- Nothing left to claim: finish the job, unless another step still holds its last items.
      update ledger.jobs j
      set status = case when exists (select from ledger.job_items i where i.job_id = j.job_id and i.status = 'failed') then 'failed' else 'succeeded' end,
          finished_at = clock_timestamp()
      where j.job_id = v_job.job_id and j.status = 'running'
        and not exists (select from ledger.job_items i where i.job_id = j.job_id and i.status = 'pending')
      returning j.status into v_status;
      if v_status is not null then
        return jsonb_build_object('job_id', v_job.job_id, 'status', v_status, 'done', 0, 'more', false) || v_counts;
      end if;
      continue;
    end if;

    -- A cancel committed meanwhile wins; one under way waits for this step (it updates the row).
    select j.status into v_status from ledger.jobs j where j.job_id = v_job.job_id for share;
    if v_status <> 'running' then
      return jsonb_build_object('job_id', v_job.job_id, 'status', v_status, 'done', 0, 'more', false) || v_counts;
    end if;

    foreach v_position in array v_positions loop
      exit when v_done > 0 and clock_timestamp() - v_started > make_interval(secs => run_job_step.max_ms / 1000.0);
      select * into v_item from ledger.job_items i where i.job_id = v_job.job_id and i.position = v_position;
      v_outcome := ledger_private.run_job_item(v_job, v_item);
      v_counts := jsonb_set(v_counts, array[v_outcome], to_jsonb((v_counts ->> v_outcome)::integer + 1));
      v_done := v_done + 1;
    end loop;
    return jsonb_build_object('job_id', v_job.job_id, 'status', 'running', 'done', v_done, 'more', true) || v_counts;
  end loop;
  return jsonb_build_object('job_id', null, 'status', null, 'done', 0, 'more', false) || v_counts;
end
$$;
comment on function ledger.run_job_step(uuid, integer, integer) is
  E'@behavior -*\nOne step of a running job (job_id, or the oldest running job with work): in one transaction, up to max_items pending items (and no more after max_ms), each resolved under its own savepoint as a single resolve by the job''s creator would, audited with the job''s id. A step that finds nothing left finishes the job (succeeded, or failed when an item failed).\nAnswers {job_id, status, done, succeeded, failed, skipped, more}; more is false when this job needs no further step now; job_id null when no job has work. Safe to run from any number of workers at once.';
revoke all on function ledger.run_job_step(uuid, integer, integer) from public;
grant execute on function ledger.run_job_step(uuid, integer, integer) to ledger_operator;

create or replace function ledger.get_job(job_id uuid, failures_limit integer default 100)
returns jsonb
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select jsonb_build_object(
    'job_id', j.job_id, 'status', j.status, 'action', j.action, 'filter', j.filter,
    'resolution_notes', j.resolution_notes, 'override_patch', j.override_patch, 'assigned_to', j.assigned_to,
    'matched', j.matched, 'done', c.succeeded + c.failed + c.skipped,
    'succeeded', c.succeeded, 'failed', c.failed, 'skipped', c.skipped,
    'failures', coalesce((select jsonb_agg(jsonb_build_object('exception_id', f.exception_id, 'tenant_id', f.tenant_id,
                            'idempotency_key', f.idempotency_key, 'reason', f.reason_code, 'errors', f.errors) order by f.position)
                          from (select * from ledger.job_items i where i.job_id = j.job_id and i.status = 'failed'
                                order by i.position limit greatest(get_job.failures_limit, 0)) f), '[]'::jsonb),
    'failures_truncated', c.failed > greatest(get_job.failures_limit, 0),
    'created_by', j.created_by, 'created_at', j.created_at, 'finished_at', j.finished_at, 'cancelled_by', j.cancelled_by)
  from ledger.jobs j
  cross join lateral (
    select count(*) filter (where i.status = 'succeeded')::integer as succeeded,
           count(*) filter (where i.status = 'failed')::integer as failed,
           count(*) filter (where i.status = 'skipped')::integer as skipped
    from ledger.job_items i where i.job_id = j.job_id and i.status <> 'pending') c
  where j.job_id = get_job.job_id
$$;
comment on function ledger.get_job(uuid, integer) is
  E'@behavior -*\nA job''s progress: {job_id, status, action, filter, matched, done, succeeded, failed, skipped, failures: [{exception_id, tenant_id, idempotency_key, reason, errors}] (the first failures_limit), failures_truncated, created_by, created_at, finished_at, cancelled_by}; null when unknown. Counted from its items.';
revoke all on function ledger.get_job(uuid, integer) from public;
grant execute on function ledger.get_job(uuid, integer) to ledger_readonly;

create or replace function ledger.cancel_job(job_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_status text;
begin
  if cancel_job.job_id is null then
    perform ledger_private.invalid('job_id is required', jsonb_build_array(jsonb_build_object('path', 'job_id', 'message', 'is required')));
  end if;
  update ledger.jobs j set status = 'cancelled', finished_at = clock_timestamp(), cancelled_by = ledger_private.current_actor()
  where j.job_id = cancel_job.job_id and j.status = 'running';
  if not found then
    select j.status into v_status from ledger.jobs j where j.job_id = cancel_job.job_id;
    if v_status is null then
      raise exception using errcode = 'P0002', message = format('job %s not found', cancel_job.job_id);
    end if;
    raise exception using errcode = '55000', message = format('job %s is %s already', cancel_job.job_id, v_status);
  end if;
  return ledger.get_job(cancel_job.job_id);
end
$$;
comment on function ledger.cancel_job(uuid) is
  E'@behavior -*\nStops a running job: it waits for a step under way, and no step resolves anything of the job after it. What was done stays done; the rest stays pending. P0002 when unknown, 55000 when it has ended.';
revoke all on function ledger.cancel_job(uuid) from public;
grant execute on function ledger.cancel_job(uuid) to ledger_operator;

revoke all on function ledger_private.run_job_item(ledger.jobs, ledger.job_items) from public;
