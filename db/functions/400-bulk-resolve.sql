-- Bulk resolution (CONTRACT v1.2). The filter is the console's exception filter
-- (ledger_private.console_spec_exceptions), so "all N matching this filter" on the console's list
-- is the very set a bulk resolution acts on. A dry run judges each matched exception with the
-- validation a single resolve runs (ledger_private.resolution_verdict) and changes nothing; a real
-- run makes a job (ledger.jobs) whose items its steps resolve (db/functions/410-jobs.sql).

create or replace function ledger_private.bulk_limit()
returns integer
language sql
immutable
as $$
  select 100000
$$;
comment on function ledger_private.bulk_limit() is 'The most exceptions one bulk resolution may match: a larger incident is taken in parts, by filter.';

create or replace function ledger_private.bulk_matches(p_filter jsonb)
returns setof ledger.exceptions
language plpgsql
stable
as $$
begin
  -- Tenant, key: the order in which every writer locks keys, so two jobs over the same
  -- exceptions cannot deadlock.
  return query execute format('select e.* from ledger.exceptions e %s order by e.tenant_id, e.idempotency_key, e.exception_id limit %s',
    ledger_private.console_where(ledger_private.console_spec_exceptions(), p_filter), ledger_private.bulk_limit() + 1);
end
$$;
comment on function ledger_private.bulk_matches(jsonb) is
  'The exceptions a bulk filter matches (one more than ledger_private.bulk_limit() at most), in tenant and key order; 22023 for a filter the console''s exception list would refuse.';

create or replace function ledger_private.check_bulk_arguments(
  p_filter jsonb, p_action text, p_resolution_notes text, p_override_patch jsonb, p_assigned_to text)
returns void
language plpgsql
immutable
as $$
begin
  if p_filter is null or jsonb_typeof(p_filter) <> 'object' then
    perform ledger_private.invalid('filter must be a JSON object', jsonb_build_array(jsonb_build_object('path', 'filter',
      'message', 'must be a JSON object')));
  end if;
  if p_action = 'assign' then
    if coalesce(btrim(p_assigned_to), '') = '' then
      perform ledger_private.invalid('assigned_to is required', jsonb_build_array(jsonb_build_object('path', 'assigned_to',
        'message', 'must not be empty')));
    end if;
    if coalesce(p_override_patch, '{}'::jsonb) <> '{}'::jsonb then
      perform ledger_private.invalid('nothing is replayed', jsonb_build_array(jsonb_build_object('path', 'override_patch',
        'message', 'override_patch only goes with override_and_replay')));
    end if;
    return;
  end if;
  if p_action is null or p_action not in ('mark_resolved_no_replay', 'override_and_replay') then
    perform ledger_private.invalid('unknown action', jsonb_build_array(jsonb_build_object('path', 'action',
      'message', 'must be mark_resolved_no_replay, override_and_replay or assign')));
  end if;
  if p_assigned_to is not null then
    perform ledger_private.invalid('nothing is assigned', jsonb_build_array(jsonb_build_object('path', 'assigned_to',
      'message', 'assigned_to only goes with assign')));
  end if;
  perform ledger_private.check_resolution_arguments(p_action, p_resolution_notes, p_override_patch, null);
end
$$;
comment on function ledger_private.check_bulk_arguments(jsonb, text, text, jsonb, text) is
  'Raises 22023 when a bulk resolution''s arguments are wrong whatever it matches: the checks of a single resolve (or assign), and a filter that is not an object.';

create or replace function ledger_private.bulk_dry_run(p_filter jsonb, p_action text, p_override_patch jsonb)
returns jsonb
language plpgsql
stable
as $$
declare
  v_answer jsonb;
begin
  with judged as materialized (
    select e.exception_id, e.tenant_id, e.idempotency_key,
           ledger_private.resolution_verdict(e, p_action, p_override_patch, null) as verdict
    from ledger_private.bulk_matches(p_filter) e
  )
  select jsonb_build_object(
    'dry_run', true,
    'matched', count(*),
    'would_succeed', count(*) filter (where (j.verdict).sqlstate is null),
    'would_fail', (select coalesce(jsonb_object_agg(g.reason, g.n), '{}'::jsonb)
                   from (select coalesce((f.verdict).reason_code, 'RESOLUTION_FAILED') as reason, count(*) as n
                         from judged f where (f.verdict).sqlstate is not null group by 1) g),
    -- The failures first: they are what an operator has to read before confirming.
    'sample', (select coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                 'exception_id', x.exception_id, 'tenant_id', x.tenant_id, 'idempotency_key', x.idempotency_key,
                 'outcome', case when (x.verdict).sqlstate is null then 'would_succeed' else 'would_fail' end,
                 'reason', case when (x.verdict).sqlstate is not null then coalesce((x.verdict).reason_code, 'RESOLUTION_FAILED') end,
                 'message', (x.verdict).message, 'errors', (x.verdict).errors)) order by x.failing desc, x.tenant_id, x.idempotency_key, x.exception_id), '[]'::jsonb)
               from (select s.*, (s.verdict).sqlstate is not null as failing from judged s
                     order by (s.verdict).sqlstate is not null desc, s.tenant_id, s.idempotency_key, s.exception_id limit 20) x))
  into v_answer
  from judged j;
  perform ledger_private.check_bulk_size((v_answer ->> 'matched')::integer);
  return v_answer;
end
$$;
comment on function ledger_private.bulk_dry_run(jsonb, text, jsonb) is
  'A bulk resolution''s dry run: how many exceptions the filter matches, how many the validation of a single resolve would let through, the others counted by reason, and a sample (failures first). Changes nothing.';

create or replace function ledger.bulk_resolve(
  filter jsonb,
  action text,
  resolution_notes text,
  override_patch jsonb default '{}',
  assigned_to text default null,
  dry_run boolean default true,
  request_key text default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
  v_patch jsonb := coalesce(bulk_resolve.override_patch, '{}'::jsonb);
  v_notes text := nullif(btrim(bulk_resolve.resolution_notes), '');
  v_assignee text := nullif(btrim(bulk_resolve.assigned_to), '');
  v_ids uuid[];
  v_tenants text[];
  v_keys text[];
  v_matched integer;
  v_fingerprint bytea;
  v_job ledger.jobs;
  v_actor text := ledger_private.current_actor();
begin
  perform ledger_private.check_bulk_arguments(bulk_resolve.filter, bulk_resolve.action, bulk_resolve.resolution_notes, v_patch, bulk_resolve.assigned_to);
  if bulk_resolve.dry_run is null then
    perform ledger_private.invalid('dry_run is required', jsonb_build_array(jsonb_build_object('path', 'dry_run', 'message', 'must be true or false')));
  end if;
  if bulk_resolve.request_key is not null and (btrim(bulk_resolve.request_key) = '' or length(bulk_resolve.request_key) > 255) then
    perform ledger_private.invalid('bad Idempotency-Key', jsonb_build_array(jsonb_build_object('path', 'Idempotency-Key',
      'message', 'must be 1-255 characters')));
  end if;

  if bulk_resolve.dry_run then
    return ledger_private.bulk_dry_run(bulk_resolve.filter, bulk_resolve.action, v_patch);
  end if;

  v_fingerprint := sha256(convert_to(jsonb_build_object('filter', bulk_resolve.filter, 'action', bulk_resolve.action,
    'resolution_notes', v_notes, 'override_patch', v_patch, 'assigned_to', v_assignee)::text, 'UTF8'));
  if bulk_resolve.request_key is not null then
    select * into v_job from ledger.jobs j where j.created_by = v_actor and j.request_key = bulk_resolve.request_key;
    if found then
      return ledger_private.job_retried(v_job, v_fingerprint);
    end if;
  end if;

  select array_agg(m.exception_id order by m.tenant_id, m.idempotency_key, m.exception_id),
         array_agg(m.tenant_id order by m.tenant_id, m.idempotency_key, m.exception_id),
         array_agg(m.idempotency_key order by m.tenant_id, m.idempotency_key, m.exception_id)
  into v_ids, v_tenants, v_keys
  from ledger_private.bulk_matches(bulk_resolve.filter) m;
  v_matched := coalesce(cardinality(v_ids), 0);
  perform ledger_private.check_bulk_size(v_matched);

  insert into ledger.jobs as j (action, filter, resolution_notes, override_patch, assigned_to, status, matched, created_by,
                                created_by_claimed, finished_at, request_key, request_fingerprint)
  values (bulk_resolve.action, bulk_resolve.filter, v_notes, case when bulk_resolve.action = 'override_and_replay' then v_patch end,
          v_assignee, case when v_matched = 0 then 'succeeded' else 'running' end, v_matched, v_actor,
          ledger_private.untrusted_claim(), case when v_matched = 0 then clock_timestamp() end,
          bulk_resolve.request_key, case when bulk_resolve.request_key is not null then v_fingerprint end)
  -- The same key sent twice at once: the second waits for the first to commit, then answers its job.
  on conflict (created_by, request_key) where request_key is not null do nothing
  returning * into v_job;
  if not found then
    select * into v_job from ledger.jobs j where j.created_by = v_actor and j.request_key = bulk_resolve.request_key;
    return ledger_private.job_retried(v_job, v_fingerprint);
  end if;

  insert into ledger.job_items (job_id, position, tenant_id, exception_id, idempotency_key)
  select v_job.job_id, m.n, m.tenant_id, m.exception_id, m.idempotency_key
  from unnest(v_ids, v_tenants, v_keys) with ordinality m (exception_id, tenant_id, idempotency_key, n);
  return jsonb_build_object('job_id', v_job.job_id, 'status', v_job.status, 'matched', v_job.matched, 'created', true);
end
$$;
comment on function ledger.bulk_resolve(jsonb, text, text, jsonb, text, boolean, text) is
  E'@behavior -*\nResolves (mark_resolved_no_replay, override_and_replay with one merge patch) or assigns every exception a filter matches (the console''s exception filter: status, reason_code, tenant_id, store_id, txn_id, source_system, event_type, assigned_to, opened_before, opened_after, exception_ids, ...; no status means every status).\ndry_run true: changes nothing; answers {dry_run, matched, would_succeed, would_fail: {reason: count}, sample: [{exception_id, tenant_id, idempotency_key, outcome, reason, message, errors}] (failures first)}, each exception judged by the validation a single resolve runs.\ndry_run false: makes a job and answers {job_id, status, matched, created}; its steps (ledger.run_job_step) resolve each exception as a single resolve would, audited with the job''s id. request_key (the HTTP Idempotency-Key): the same key from the same operator answers the same job (created false); for another request 22023.\nRaises 22023 for bad arguments or a filter that matches more than 100000 exceptions.';
revoke all on function ledger.bulk_resolve(jsonb, text, text, jsonb, text, boolean, text) from public;
grant execute on function ledger.bulk_resolve(jsonb, text, text, jsonb, text, boolean, text) to ledger_operator;

create or replace function ledger_private.check_bulk_size(p_matched integer)
returns void
language plpgsql
immutable
as $$
begin
  if p_matched > ledger_private.bulk_limit() then
    perform ledger_private.invalid('the filter matches too many exceptions', jsonb_build_array(jsonb_build_object('path', 'filter',
      'message', format('matches more than %s exceptions: narrow it (by tenant_id, reason_code, opened_before, ...)', ledger_private.bulk_limit()))));
  end if;
end
$$;
comment on function ledger_private.check_bulk_size(integer) is 'Raises 22023 when a bulk filter matches more than ledger_private.bulk_limit() exceptions.';

create or replace function ledger_private.job_retried(p_job ledger.jobs, p_fingerprint bytea)
returns jsonb
language plpgsql
stable
as $$
begin
  if p_job.request_fingerprint is distinct from p_fingerprint then
    perform ledger_private.invalid('this Idempotency-Key was used for another request', jsonb_build_array(jsonb_build_object(
      'path', 'Idempotency-Key', 'message', format('was used for another bulk request (job %s); use a new key', p_job.job_id))));
  end if;
  return jsonb_build_object('job_id', p_job.job_id, 'status', p_job.status, 'matched', p_job.matched, 'created', false);
end
$$;
comment on function ledger_private.job_retried(ledger.jobs, bytea) is
  'The answer to a bulk request retried with its Idempotency-Key: the job the first one made; 22023 when the key came with another request.';

revoke all on function ledger_private.bulk_limit(), ledger_private.bulk_matches(jsonb), ledger_private.bulk_dry_run(jsonb, text, jsonb),
  ledger_private.check_bulk_arguments(jsonb, text, text, jsonb, text), ledger_private.check_bulk_size(integer),
  ledger_private.job_retried(ledger.jobs, bytea) from public;
