create or replace function ledger_private.envelope_errors(p_envelope jsonb)
returns jsonb
language plpgsql
stable
as $$
declare
  v_errors jsonb := '[]'::jsonb;
  v_field text;
  v_value jsonb;
  v_text text;
begin
  if p_envelope is null or jsonb_typeof(p_envelope) <> 'object' then
    return jsonb_build_array(jsonb_build_object('path', '', 'message', 'the envelope must be a JSON object'));
  end if;
  -- No POS event nests 64 levels deep; what does cannot be read back by every client (JSON
  -- libraries recurse), so it is refused here rather than stored and unreadable.
  if jsonb_path_exists(p_envelope, 'strict $.**{65}') then
    v_errors := v_errors || jsonb_build_object('path', '', 'message', 'must not nest deeper than 64 levels');
  end if;

  foreach v_field in array array['schema_version', 'tenant_id', 'store_id', 'source_system', 'event_id', 'event_type', 'occurred_at', 'txn_id'] loop
    v_value := p_envelope -> v_field;
    if v_value is null or v_value = 'null'::jsonb then
      v_errors := v_errors || jsonb_build_object('path', v_field, 'message', 'is required');
    elsif jsonb_typeof(v_value) <> 'string' then
      v_errors := v_errors || jsonb_build_object('path', v_field, 'message', 'must be a string');
    elsif v_value #>> '{}' = '' then
      v_errors := v_errors || jsonb_build_object('path', v_field, 'message', 'must not be empty');
    end if;
  end loop;

  v_value := p_envelope -> 'source_event_id';
  if v_value is not null and v_value <> 'null'::jsonb and jsonb_typeof(v_value) <> 'string' then
    v_errors := v_errors || jsonb_build_object('path', 'source_event_id', 'message', 'must be a string when present');
  end if;

  if jsonb_typeof(p_envelope -> 'tenant_id') = 'string' then
    v_text := p_envelope ->> 'tenant_id';
    if not pg_input_is_valid(v_text, 'ledger.tenant_id') then
      v_errors := v_errors || jsonb_build_object('path', 'tenant_id', 'message', 'must be 1-64 of A-Z, a-z, 0-9, dot, underscore, hyphen');
    elsif not exists (select from ledger.tenants t where t.tenant_id = v_text) then
      v_errors := v_errors || jsonb_build_object('path', 'tenant_id', 'message', 'unknown tenant');
    end if;
  end if;

  if jsonb_typeof(p_envelope -> 'event_id') = 'string' then
    v_text := p_envelope ->> 'event_id';
    if length(v_text) > 255 then
      v_errors := v_errors || jsonb_build_object('path', 'event_id', 'message', 'must be at most 255 characters');
    elsif v_text ~ '[[:cntrl:]]' then
      v_errors := v_errors || jsonb_build_object('path', 'event_id', 'message', 'must be printable characters');
    end if;
  end if;

  if jsonb_typeof(p_envelope -> 'occurred_at') = 'string' then
    v_text := p_envelope ->> 'occurred_at';
    -- The pattern holds each field to RFC 3339's ranges (PostgreSQL alone would take 24:00:00 as
    -- the next midnight); the cast then refuses dates that do not exist.
    if v_text !~ '^\d{4}-\d{2}-\d{2}[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$'
       or not pg_input_is_valid(v_text, 'timestamptz') then
      v_errors := v_errors || jsonb_build_object('path', 'occurred_at', 'message', 'must be an RFC 3339 timestamp');
    end if;
  end if;

  return v_errors;
end
$$;
comment on function ledger_private.envelope_errors(jsonb) is 'What is wrong with an envelope, as [{path, message}]; empty when it is valid.';

create or replace function ledger_private.envelope_shape_ok(p_envelope jsonb)
returns boolean
language sql
stable
as $$
  -- The rules of envelope_errors but the tenant's existence, as one expression that PostgreSQL
  -- inlines into the query calling it: the common, valid case costs one evaluation; envelope_errors
  -- then words what is wrong (db/tests keep the two in agreement). A missing member makes a
  -- comparison null, not false: coalesce, or `not valid` would let it through.
  select coalesce(jsonb_typeof(p_envelope) = 'object'
    and jsonb_typeof(p_envelope -> 'schema_version') = 'string' and p_envelope ->> 'schema_version' <> ''
    and jsonb_typeof(p_envelope -> 'tenant_id') = 'string'
    and jsonb_typeof(p_envelope -> 'store_id') = 'string' and p_envelope ->> 'store_id' <> ''
    and jsonb_typeof(p_envelope -> 'source_system') = 'string' and p_envelope ->> 'source_system' <> ''
    and jsonb_typeof(p_envelope -> 'event_id') = 'string' and p_envelope ->> 'event_id' <> ''
    and length(p_envelope ->> 'event_id') <= 255 and p_envelope ->> 'event_id' !~ '[[:cntrl:]]'
    and jsonb_typeof(p_envelope -> 'event_type') = 'string' and p_envelope ->> 'event_type' <> ''
    and jsonb_typeof(p_envelope -> 'txn_id') = 'string' and p_envelope ->> 'txn_id' <> ''
    and coalesce(jsonb_typeof(p_envelope -> 'source_event_id') in ('string', 'null'), true)
    and jsonb_typeof(p_envelope -> 'occurred_at') = 'string'
    and p_envelope ->> 'occurred_at' ~ '^\d{4}-\d{2}-\d{2}[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$'
    and pg_input_is_valid(p_envelope ->> 'occurred_at', 'timestamptz')
    and not jsonb_path_exists(p_envelope, 'strict $.**{65}'), false)
$$;
comment on function ledger_private.envelope_shape_ok(jsonb) is 'True when envelope_errors would find nothing but, perhaps, an unknown tenant: one inlinable expression (the fast path of ingest).';

create or replace function ledger_private.envelope_is_valid(p_envelope jsonb)
returns boolean
language plpgsql
stable
as $$
begin
  -- PL/pgSQL, not SQL: it holds a subquery, so as a SQL function it would not be inlined, and a
  -- SQL function is planned on every call (planning this expression cost more than an ingest).
  -- A tenant that exists has a valid id (ledger.tenants.tenant_id is of the domain ledger.tenant_id).
  return ledger_private.envelope_shape_ok(p_envelope)
    and exists (select from ledger.tenants t where t.tenant_id = p_envelope ->> 'tenant_id');
end
$$;
comment on function ledger_private.envelope_is_valid(jsonb) is 'True when envelope_errors would find nothing.';

create or replace function ledger_private.event_type_allowed(p_event_type text)
returns boolean
language plpgsql
stable
as $$
begin
  -- PL/pgSQL keeps this query's plan for the session; as a one-line SQL function (not inlinable,
  -- it holds a subquery) it was planned anew on every ingest.
  return exists (select from ledger.event_types t where t.event_type = upper(p_event_type) and t.enabled);
end
$$;
comment on function ledger_private.event_type_allowed(text) is 'Whether the upper-cased event type is in the enabled allowlist.';

create or replace function ledger_private.fingerprint(p_envelope jsonb)
returns bytea
language sql
stable
parallel safe
as $$
  -- Stable, not immutable, as convert_to is: a function declared immutable around a stable one
  -- is not inlined, and ran as a separate SQL function call per arrival.
  select sha256(convert_to(p_envelope::text, 'UTF8'))
$$;
comment on function ledger_private.fingerprint(jsonb) is 'SHA-256 of the canonical text of the envelope (jsonb output: keys sorted, fixed spacing), so key order and white space do not matter.';
