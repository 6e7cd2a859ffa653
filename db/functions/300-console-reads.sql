-- The console's reads (/admin/api, in ra-data-simple-rest's conventions) are functions of the
-- database, one per resource read, answering PostgreSQL's own JSON text so that no number of a
-- payload, patch or detail is ever rounded through a client's double. Each resource names its
-- record, id, filters and sorts once, in a spec (310-330); this file turns a spec and a caller's
-- filter, sort and range into one query, or a spec and an id into one record. Nothing of the caller's reaches the query text but
-- checked values, quoted as literals; a name the spec does not hold is refused (22023), whatever
-- it is (`constructor`, `__proto__`, `toString`). Each read runs with timezone UTC, so that every
-- time it answers (and every export of it) is UTC whatever the session's zone.
--
-- These helpers run with the caller's rights (security invoker), so grants and row-level security
-- decide what each caller reads, as in psql. That is why, unlike the other helpers of
-- ledger_private, the readers may execute them: a reader running them can read nothing it could
-- not select itself.

create or replace function ledger_private.refuse_console_argument(p_path text, p_message text)
returns void
language plpgsql
immutable
as $$
begin
  raise exception using errcode = '22023', message = format('%s: %s', p_path, p_message),
    detail = jsonb_build_array(jsonb_build_object('path', p_path, 'message', p_message))::text;
end
$$;
comment on function ledger_private.refuse_console_argument(text, text) is
  'Raises 22023 with [{path, message}] in DETAIL (answered 422): a console filter, sort, range or id that is not acceptable.';

create or replace function ledger_private.console_value(p_type text, p_value jsonb, p_path text)
returns text
language plpgsql
immutable
as $$
declare
  v_text text := p_value #>> '{}';
  v_ok boolean;
begin
  v_ok := case p_type
    when 'text' then jsonb_typeof(p_value) = 'string' and length(v_text) <= 1000
    when 'uuid' then jsonb_typeof(p_value) = 'string' and v_text ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    -- An id or a status: a JSON number that is a whole one, or the digits as a string (ids in
    -- URLs are strings); exact either way, never read through a double.
    when 'bigint' then (jsonb_typeof(p_value) = 'number' and p_value::numeric >= 0 and p_value::numeric = trunc(p_value::numeric)
                        and p_value::numeric <= 9223372036854775807)
                       or (jsonb_typeof(p_value) = 'string' and v_text ~ '^[0-9]{1,18}$')
    when 'integer' then (jsonb_typeof(p_value) = 'number' and p_value::numeric >= 0 and p_value::numeric = trunc(p_value::numeric)
                         and p_value::numeric <= 2147483647)
                        or (jsonb_typeof(p_value) = 'string' and v_text ~ '^[0-9]{1,9}$')
    -- An idempotency key's console id: <tenant_id>/<idempotency_key> (tenant ids hold no slash).
    when 'key_id' then jsonb_typeof(p_value) = 'string' and v_text ~ '^[^/]+/.' and length(v_text) <= 1000
    -- RFC 3339, each field in its range (PostgreSQL alone takes more: 24:00:00, a zone-less time).
    when 'timestamptz' then jsonb_typeof(p_value) = 'string'
                            and v_text ~ '^\d{4}-\d{2}-\d{2}[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$'
                            and pg_input_is_valid(v_text, 'timestamptz')
  end;
  if not coalesce(v_ok, false) then
    perform ledger_private.refuse_console_argument(p_path, case p_type
      when 'uuid' then 'must be a UUID'
      when 'text' then 'must be a string of at most 1000 characters'
      when 'key_id' then 'must be <tenant_id>/<idempotency_key>'
      when 'timestamptz' then 'must be an RFC 3339 timestamp, e.g. 2026-02-25T00:00:00Z'
      else 'must be a non-negative integer' end);
  end if;
  return case when p_type in ('bigint', 'integer') then trunc(v_text::numeric)::text
              when p_type = 'timestamptz' then v_text::timestamptz::text else v_text end;
end
$$;
comment on function ledger_private.console_value(text, jsonb, text) is
  'One value of a console filter checked against its type (text, uuid, bigint, integer, key_id, timestamptz) and returned as text; 22023 when it does not fit.';

create or replace function ledger_private.console_condition(p_kind jsonb, p_value jsonb, p_path text)
returns text
language plpgsql
immutable
as $$
declare
  v_values jsonb;
  v_texts text[];
  v_pattern text;
begin
  if p_kind ? 'search' then
    v_pattern := '%' || regexp_replace(ledger_private.console_value('text', p_value, p_path), '([\\%_])', '\\\1', 'g') || '%';
    return '(' || (select string_agg(format('%s ilike %L', c, v_pattern), ' or ') from jsonb_array_elements_text(p_kind -> 'search') c) || ')';
  end if;
  if p_kind ? 'compare' then
    return format('%s %s %L::%s', p_kind ->> 'column', p_kind ->> 'compare',
                  ledger_private.console_value(p_kind ->> 'type', p_value, p_path), p_kind ->> 'type');
  end if;
  if p_value = 'null'::jsonb and p_kind ? 'column' then
    return format('%s is null', p_kind ->> 'column');
  end if;
  v_values := case when jsonb_typeof(p_value) = 'array' then p_value else jsonb_build_array(p_value) end;
  if jsonb_array_length(v_values) not between 1 and 1000 then
    perform ledger_private.refuse_console_argument(p_path, 'must hold 1 to 1000 values');
  end if;
  v_texts := array(
    select ledger_private.console_value(p_kind ->> 'type', x.value,
             case when jsonb_typeof(p_value) = 'array' then p_path || '.' || (x.n - 1) else p_path end)
    from jsonb_array_elements(v_values) with ordinality x (value, n) order by x.n);
  if p_kind ? 'terms' then
    -- Any of the values, as search terms of an indexed expression (see ledger_private.search_terms).
    return format(p_kind ->> 'terms', array(select (p_kind ->> 'prefix') || left(case when p_kind ? 'upper' then upper(t) else t end, 200)
                                            from unnest(v_texts) t));
  end if;
  -- A column that holds a field shortened or upper-cased is compared with the value made the same.
  if p_kind ? 'upper' then
    v_texts := array(select upper(t) from unnest(v_texts) with ordinality x (t, n) order by x.n);
  end if;
  if p_kind ? 'max_length' then
    v_texts := array(select left(t, (p_kind ->> 'max_length')::integer) from unnest(v_texts) with ordinality x (t, n) order by x.n);
  end if;
  if p_kind ? 'columns' then
    return format('(%s, %s) in (select split_part(x, ''/'', 1), substr(x, strpos(x, ''/'') + 1) from unnest(%L::text[]) x)',
                  p_kind #>> '{columns,0}', p_kind #>> '{columns,1}', v_texts);
  end if;
  return format('%s = any(%L::%s[])', p_kind ->> 'column', v_texts, p_kind ->> 'type');
end
$$;
comment on function ledger_private.console_condition(jsonb, jsonb, text) is
  'The SQL condition of one console filter (a spec''s kind, the caller''s value: one, a list, null, a search text, or a bound to compare with), its values checked and quoted; 22023 with the path when a value does not fit.';

create or replace function ledger_private.console_where(p_spec jsonb, p_filter jsonb)
returns text
language plpgsql
immutable
as $$
declare
  v_filter jsonb := coalesce(p_filter, '{}');
  v_field text;
  v_value jsonb;
  v_kind jsonb;
  v_path text;
  v_conditions text[] := '{}';
begin
  if jsonb_typeof(v_filter) <> 'object' then
    perform ledger_private.refuse_console_argument('filter', 'must be a JSON object');
  end if;
  for v_field, v_value in select e.key, e.value from jsonb_each(v_filter) e order by e.key loop
    v_kind := p_spec -> 'filters' -> v_field;
    v_path := 'filter.' || v_field;
    if v_kind is null then
      perform ledger_private.refuse_console_argument(v_path, 'is not a filter; use one of '
        || (select string_agg(k, ', ' order by k) from jsonb_object_keys(p_spec -> 'filters') k));
    end if;
    v_conditions := v_conditions || ledger_private.console_condition(v_kind, v_value, v_path);
  end loop;
  return case when cardinality(v_conditions) > 0 then 'where ' || array_to_string(v_conditions, ' and ') else '' end;
end
$$;
comment on function ledger_private.console_where(jsonb, jsonb) is
  'The WHERE clause (or nothing) a console filter makes of a resource''s spec: what a list shows and what a bulk resolution matches are one condition. 22023 with the path for a member the spec does not hold or a value that does not fit.';

/*
 * A resource's spec: {"from": "<table> <alias>",
 *   "record": "<a row's record in a list, jsonb>", "whole": "<what the record alone adds, jsonb>"?,
 *   "filters": {"<name>": {"column": "<column>", "type": "text|uuid|bigint|integer", "upper": true?, "max_length": <n>?}
 *                       | {"columns": ["<tenant column>", "<key column>"], "type": "key_id"}
 *                       | {"search": ["<column>", ...]}
 *                       | {"column": "<column>", "type": "timestamptz", "compare": "<" | ">="}, ...},   -- "id" is required: it finds one record
 *   "sorts": {"<name>": ["<column>", ...], ...},                 -- "id" is required: it breaks ties
 *   "default_sort": ["<name>", <descending>],
 *   "counters": {"": ["<ledger.health path>", ...], "<status>": [...]}?}
 * With "counters", a list filtered at most by tenant_id (a string) and, when the spec counts by
 * it, status, takes its total from ledger.health's counters: Bronze grows without bound, and the
 * counters always equal count(*).
 */
create or replace function ledger_private.console_list(
  p_spec jsonb, p_filter jsonb, p_sort text, p_descending boolean, p_range_start bigint, p_range_end bigint)
returns table (total bigint, returned integer, records text)
language plpgsql
stable
security invoker
as $$
declare
  v_filter jsonb := coalesce(p_filter, '{}');
  v_where text := ledger_private.console_where(p_spec, p_filter);
  v_sort text := coalesce(p_sort, p_spec #>> '{default_sort,0}');
  v_direction text := case when coalesce(p_descending, (p_spec #>> '{default_sort,1}')::boolean) then 'desc' else 'asc' end;
  v_columns text[];
  v_limit bigint;
  v_counted text[];
begin
  if v_sort is null or not (p_spec -> 'sorts') ? v_sort then
    perform ledger_private.refuse_console_argument('sort.0', 'cannot sort on it; use one of '
      || (select string_agg(k, ', ' order by k) from jsonb_object_keys(p_spec -> 'sorts') k));
  end if;
  -- The id as the last key makes paging stable among equal values.
  v_columns := array(
    select c from (select c, min(n) as n from jsonb_array_elements_text((p_spec -> 'sorts' -> v_sort) || (p_spec -> 'sorts' -> 'id'))
                   with ordinality s (c, n) group by c) o order by o.n);

  if p_range_start is null or p_range_start < 0 or (p_range_end is not null and p_range_end < p_range_start) then
    perform ledger_private.refuse_console_argument('range', 'must be [start, end]: integers, 0 <= start <= end');
  end if;
  -- No range: one page of 100, or as many as the ids asked for (react-admin's getMany sends none).
  v_limit := least(1000, coalesce(p_range_end - p_range_start + 1,
    case when jsonb_typeof(v_filter -> 'id') = 'array' then greatest(jsonb_array_length(v_filter -> 'id'), 1) else 100 end));

  execute format(
    'select count(*)::integer, coalesce(jsonb_agg(p.record order by %s), ''[]'')::text from (select %s as record, %s from %s %s order by %s limit %s offset %s) p',
    (select string_agg(format('p.s%s %s nulls last', n, v_direction), ', ') from generate_series(1, cardinality(v_columns)) n),
    p_spec ->> 'record',
    (select string_agg(format('%s as s%s', v_columns[n], n), ', ') from generate_series(1, cardinality(v_columns)) n),
    p_spec ->> 'from', v_where,
    (select string_agg(format('%s %s nulls last', v_columns[n], v_direction), ', ') from generate_series(1, cardinality(v_columns)) n),
    v_limit, p_range_start)
  into returned, records;

  v_counted := array(select jsonb_array_elements_text(p_spec -> 'counters' -> coalesce(v_filter ->> 'status', '')));
  if cardinality(v_counted) > 0
     and not exists (select from jsonb_object_keys(v_filter) k where k not in ('tenant_id', 'status'))
     and coalesce(jsonb_typeof(v_filter -> 'tenant_id'), 'string') = 'string'
     and coalesce(jsonb_typeof(v_filter -> 'status'), 'string') = 'string' then
    select sum((h #>> c::text[])::bigint) into total
    from ledger.health(v_filter ->> 'tenant_id') h, unnest(v_counted) c;
  else
    execute format('select count(*) from %s %s', p_spec ->> 'from', v_where) into total;
  end if;
  return next;
end
$$;
comment on function ledger_private.console_list(jsonb, jsonb, text, boolean, bigint, bigint) is
  'One page of a console resource (its spec) as PostgreSQL''s JSON text, with the number of records in it and the total the filter matches; the filter, sort and range are checked against the spec (22023 otherwise).';

create or replace function ledger_private.console_record(p_spec jsonb, p_id text)
returns text
language plpgsql
stable
security invoker
as $$
declare
  v_record text;
begin
  execute format('select (%s%s)::text from %s where %s', p_spec ->> 'record', coalesce(' || ' || (p_spec ->> 'whole'), ''), p_spec ->> 'from',
                 ledger_private.console_condition(p_spec -> 'filters' -> 'id', to_jsonb(p_id), 'id'))
  into v_record;
  return v_record;
end
$$;
comment on function ledger_private.console_record(jsonb, text) is
  'One record of a console resource (its spec) by its console id, whole, as PostgreSQL''s JSON text; null when unknown, 22023 when the id does not fit the resource''s ids.';

revoke all on function ledger_private.refuse_console_argument(text, text), ledger_private.console_value(text, jsonb, text),
  ledger_private.console_condition(jsonb, jsonb, text), ledger_private.console_where(jsonb, jsonb), ledger_private.console_list(jsonb, jsonb, text, boolean, bigint, bigint),
  ledger_private.console_record(jsonb, text) from public;
grant usage on schema ledger_private to ledger_readonly;
grant execute on function ledger_private.refuse_console_argument(text, text), ledger_private.console_value(text, jsonb, text),
  ledger_private.console_condition(jsonb, jsonb, text), ledger_private.console_where(jsonb, jsonb), ledger_private.console_list(jsonb, jsonb, text, boolean, bigint, bigint),
  ledger_private.console_record(jsonb, text) to ledger_readonly;
