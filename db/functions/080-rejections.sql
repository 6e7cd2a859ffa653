create or replace function ledger_private.record_rejection(
  p_tenant_id text,
  p_http_status integer,
  p_reason_code text,
  p_errors jsonb,
  p_body_excerpt text,
  p_source text,
  p_idempotency_key text,
  p_api_key_id uuid
)
returns bigint
language plpgsql
volatile
as $$
declare
  v_rejection_id bigint;
begin
  -- PL/pgSQL, not SQL: its statements are planned once for the session, not on every call.
  perform ledger_private.bump_counters(p_tenant_id, p_rejections => 1);
  insert into ledger.rejections (tenant_id, source, http_status, reason_code, idempotency_key, errors, body_excerpt, api_key_id)
  values (p_tenant_id, p_source, p_http_status, p_reason_code, left(p_idempotency_key, 255), coalesce(p_errors, '[]'),
          left(p_body_excerpt, 4096), p_api_key_id)
  returning rejection_id into v_rejection_id;
  return v_rejection_id;
end
$$;
comment on function ledger_private.record_rejection(text, integer, text, jsonb, text, text, text, uuid) is 'Appends a rejection and counts it.';

create or replace function ledger.record_rejection(
  tenant_id text,
  http_status integer,
  reason_code text,
  errors jsonb default '[]',
  body_excerpt text default null,
  source text default 'http',
  idempotency_key text default null,
  api_key_id uuid default null
)
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform ledger_private.assert_tenant_allowed(record_rejection.tenant_id);
  if record_rejection.http_status is null or record_rejection.http_status not between 400 and 499 then
    perform ledger_private.invalid('http_status must be a 4xx status',
      jsonb_build_array(jsonb_build_object('path', 'http_status', 'message', 'must be between 400 and 499')));
  end if;
  if coalesce(record_rejection.reason_code, '') = '' then
    perform ledger_private.invalid('reason_code is required',
      jsonb_build_array(jsonb_build_object('path', 'reason_code', 'message', 'is required')));
  end if;
  if not exists (select from ledger.tenants t where t.tenant_id = record_rejection.tenant_id) then
    perform ledger_private.invalid('unknown tenant',
      jsonb_build_array(jsonb_build_object('path', 'tenant_id', 'message', 'unknown tenant')));
  end if;
  return ledger_private.record_rejection(record_rejection.tenant_id, record_rejection.http_status, record_rejection.reason_code,
    record_rejection.errors, record_rejection.body_excerpt, coalesce(record_rejection.source, 'http'),
    record_rejection.idempotency_key, record_rejection.api_key_id);
end
$$;
comment on function ledger.record_rejection(text, integer, text, jsonb, text, text, text, uuid) is
  'Records an arrival refused for a bad envelope (the edge calls it after answering 4xx); returns the rejection id.';
revoke all on function ledger.record_rejection(text, integer, text, jsonb, text, text, text, uuid) from public;
grant execute on function ledger.record_rejection(text, integer, text, jsonb, text, text, text, uuid) to ledger_ingest;
