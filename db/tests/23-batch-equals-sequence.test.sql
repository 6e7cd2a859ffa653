-- CONTRACT v1.1: a batch is the same arrivals one by one, in order. 400 random plans over three
-- keys (allowed and unknown types, exact retries, conflicts, invalid and foreign envelopes, after a
-- prefix that leaves keys processed, held or ignored) are sent twice: to one tenant as single
-- ledger.ingest_event calls, to another as one ledger.ingest_events call. Every answer and the
-- state after (Bronze, keys, exceptions, audit, rejections, counters) must agree.
begin;
select plan(7);

select tests.make_tenant('t_foreign');

-- A variant of key p_key for tenant p_tenant: equal variants are duplicates, others conflict.
create function pg_temp.variant(p_tenant text, p_key text, p_variant integer)
returns jsonb
language sql
as $$
  select case p_variant
    when 0 then tests.envelope(p_tenant, p_key)
    when 1 then tests.envelope(p_tenant, p_key, '{"total_amount": 41.0}')
    when 2 then tests.envelope(p_tenant, p_key, '{"event_type": "sale"}')
    when 3 then tests.envelope(p_tenant, p_key, '{"event_type": "MAGIC"}')
    when 4 then tests.envelope(p_tenant, p_key, '{"txn_id": null}')
    when 5 then tests.envelope('t_foreign', p_key)
    when 6 then tests.envelope(p_tenant, p_key, '{"total_amount": 41.00}')
    else tests.envelope(p_tenant, p_key)
  end
$$;

create table pg_temp.plans (plan integer, step integer, key text, variant integer, prefix boolean);
create table pg_temp.answers (path text, plan integer, step integer, answer ledger.ingest_answer);

grant select, insert on pg_temp.plans, pg_temp.answers to ledger_ingest, ledger_operator;
grant execute on function pg_temp.variant(text, text, integer) to ledger_ingest;

select setseed(0.2026);
insert into pg_temp.plans
select p, s, 'k' || floor(random() * 3)::int, floor(random() * 8)::int, s <= prefix_len
from generate_series(1, 400) p
cross join lateral (select floor(random() * 4 + p * 0)::int as prefix_len, 1 + floor(random() * 14 + p * 0)::int as len) l
cross join lateral generate_series(1, l.prefix_len + l.len) s;

-- Both tenants get the same prefix one by one; then, for a third of the plans, an operator ignores
-- the exception holding k0, if any. Then the rest: singles to t_single_<plan>, one batch to t_batch_<plan>.
do $$
declare
  v_plan integer;
  v_row record;
  v_path text;
  v_tenant text;
begin
  for v_plan in select distinct plan from pg_temp.plans order by 1 loop
    foreach v_path in array array['single', 'batch'] loop
      v_tenant := tests.make_tenant(format('t_%s_%s', v_path, v_plan));
      perform tests.as_producer(v_tenant);
      for v_row in select * from pg_temp.plans where plan = v_plan and prefix order by step loop
        begin
          perform ledger.ingest_event(pg_temp.variant(v_tenant, v_row.key, least(v_row.variant, 3)), 'batch');
        exception when sqlstate '22023' or sqlstate '42501' then null;
        end;
      end loop;
      if v_plan % 3 = 0 then
        perform tests.as_operator();
        perform ledger.resolve_exception(e.exception_id, 'mark_resolved_no_replay', 'ignored in the prefix')
        from ledger.exceptions e where e.tenant_id = v_tenant and e.idempotency_key = 'k0' and e.status = 'open';
        perform tests.as_producer(v_tenant);
      end if;
      if v_path = 'single' then
        for v_row in select * from pg_temp.plans where plan = v_plan and not prefix order by step loop
          begin
            insert into pg_temp.answers
            select 'single', v_plan, v_row.step, a from ledger.ingest_event(pg_temp.variant(v_tenant, v_row.key, v_row.variant), 'batch') a;
          exception
            when sqlstate '22023' then
              insert into pg_temp.answers values ('single', v_plan, v_row.step, row(null, null, null, 'rejected', null, null, null, null, null, 422, null)::ledger.ingest_answer);
            when sqlstate '42501' then
              insert into pg_temp.answers values ('single', v_plan, v_row.step, row(null, null, null, 'rejected', null, null, null, null, null, 403, null)::ledger.ingest_answer);
          end;
        end loop;
      else
        insert into pg_temp.answers
        select 'batch', v_plan, s.step, a
        from ledger.ingest_events((select jsonb_agg(pg_temp.variant(v_tenant, p.key, p.variant) order by p.step)
                                   from pg_temp.plans p where p.plan = v_plan and not p.prefix)) with ordinality as a(tenant_id, idempotency_key, raw_id,
             result, exception_id, reason_code, key_status, attempt, received_at, status, errors, n)
        join lateral (select p.step from pg_temp.plans p where p.plan = v_plan and not p.prefix order by p.step offset a.n - 1 limit 1) s on true
        cross join lateral (select row(a.tenant_id, a.idempotency_key, a.raw_id, a.result, a.exception_id, a.reason_code, a.key_status,
                                       a.attempt, a.received_at, a.status, a.errors)::ledger.ingest_answer as a) x;
      end if;
      perform tests.as_owner();
    end loop;
  end loop;
end
$$;

select is(nullif(current_setting('ledger.ingest_fallbacks', true), ''), null,
  'every batch was ingested set-based (none fell back to one by one)');

-- The answers, item by item. A single call that raises has no answer row of its own; the batch
-- answers it 'rejected' with the status the edge gives the single call's error.
select is(
  (select count(*)::int from pg_temp.answers s join pg_temp.answers b using (plan, step)
   where s.path = 'single' and b.path = 'batch'
     and ((s.answer).result, (s.answer).reason_code, (s.answer).key_status, (s.answer).attempt, (s.answer).status)
         is distinct from ((b.answer).result, (b.answer).reason_code, (b.answer).key_status, (b.answer).attempt, (b.answer).status)),
  0, 'every batch answer equals the single answer (result, reason_code, key_status, attempt, status)');
select is((select count(*)::int from pg_temp.answers where path = 'batch'), (select count(*)::int from pg_temp.answers where path = 'single'),
  'one answer per arrival on both paths');
select ok((select count(*) from pg_temp.answers where path = 'batch') > 2000
          and (select array_agg(distinct (answer).reason_code) from pg_temp.answers) @> array['UNKNOWN_EVENT_TYPE', 'IDEMPOTENCY_CONFLICT', 'ALREADY_QUARANTINED', 'IGNORED_BY_OPERATOR']
          and (select count(*) from pg_temp.answers where (answer).result = 'rejected') > 0,
  'the plans are long and reach every reason code and refusals');

-- The state after, tenant against tenant: Bronze rows per key in order, key states, exceptions
-- (in opening order), audit rows, rejections and counters.
create function pg_temp.state(p_tenant text)
returns jsonb
language sql
as $$
  select jsonb_build_object(
    'bronze', (select jsonb_agg(jsonb_build_array(r.idempotency_key, r.attempt, r.result, r.reason_code, r.exception_id is not null,
                 r.source, r.payload - 'tenant_id', e.reason_code) order by r.idempotency_key, r.raw_id)
               from ledger.events_raw r left join ledger.exceptions e on e.tenant_id = r.tenant_id and e.exception_id = r.exception_id
               where r.tenant_id = p_tenant),
    'keys', (select jsonb_agg(jsonb_build_array(k.idempotency_key, k.status, k.event_type, k.arrivals, k.canonical_payload - 'tenant_id',
               (select r.attempt from ledger.events_raw r where r.tenant_id = k.tenant_id and r.raw_id = k.canonical_raw_id),
               k.open_exception_id is not null) order by k.idempotency_key)
             from ledger.events_processed k where k.tenant_id = p_tenant),
    'exceptions', (select jsonb_agg(jsonb_build_array(e.idempotency_key, e.reason_code, e.status, e.arrivals, e.store_id, e.txn_id,
                     e.source_system, e.event_type,
                     (select r.attempt from ledger.events_raw r where r.tenant_id = e.tenant_id and r.raw_id = e.raw_id),
                     e.details - 'canonical_raw_id' - 'fingerprint' - 'canonical_fingerprint')
                     order by e.idempotency_key, e.opened_at)
                   from ledger.exceptions e where e.tenant_id = p_tenant),
    'arrivals_held', (select jsonb_agg(jsonb_build_array(e.idempotency_key, e.reason_code, (select count(*) from ledger.events_raw r
                        where r.tenant_id = e.tenant_id and r.exception_id = e.exception_id)) order by e.idempotency_key, e.opened_at)
                      from ledger.exceptions e where e.tenant_id = p_tenant),
    'audit', (select jsonb_agg(jsonb_build_array(a.action, a.actor, (a.after ->> 'reason_code'), a.before - 'canonical_fingerprint'
                 - 'canonical_raw_id' - 'open_exception_id', (a.after ->> 'key_status')) order by e.idempotency_key, a.audit_id)
              from ledger.audit_log a join ledger.exceptions e on e.tenant_id = a.tenant_id and e.exception_id = a.exception_id
              where a.tenant_id = p_tenant),
    'rejections', (select jsonb_agg(jsonb_build_array(x.http_status, x.reason_code, x.idempotency_key) order by x.rejection_id)
                   from ledger.rejections x where x.tenant_id = p_tenant),
    'counts', ledger.health(p_tenant))
$$;

select is(
  (select count(*)::int from (select distinct plan from pg_temp.plans) p
   where pg_temp.state(format('t_single_%s', p.plan)) - 'rejections' #- '{counts,rejections}'
         is distinct from pg_temp.state(format('t_batch_%s', p.plan)) - 'rejections' #- '{counts,rejections}'),
  0, 'the state after (Bronze, keys, exceptions, held arrivals, audit, counters) is the same on both paths');
-- Single calls that raise leave their rejection to the edge; a batch records its refusals itself.
select is(
  (select count(*)::int from ledger.rejections x where x.tenant_id like 't\_batch\_%'),
  (select count(*)::int from pg_temp.answers b where b.path = 'batch' and (b.answer).result = 'rejected' and (b.answer).status = 422)
  + (select count(*)::int from pg_temp.answers b where b.path = 'batch' and (b.answer).status = 403),
  'each refused batch item has its rejection row');
select ok((select bool_and(tests.counts_match(t.tenant_id)) from ledger.tenants t where t.tenant_id like 't\_%\_%'),
  'counters equal count(*) for every tenant of both paths');

select * from finish();
rollback;
