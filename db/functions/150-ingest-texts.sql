-- The edge's way in for arrivals it holds as text: a batch's items, GraphQL's envelopes, single
-- POSTs coalesced into one call. Each item is the envelope's JSON text exactly as sent, judged
-- alone: what a single POST of that text would be refused for, it is refused for here, with its
-- own status and rejection row, while the others go on.

create or replace function ledger_private.text_refusal(p_text text, p_depth integer)
returns jsonb
language plpgsql
stable
as $$
declare
  v_error record;
begin
  if octet_length(p_text) > 262144 then
    return jsonb_build_object('status', 413, 'reason_code', 'PAYLOAD_TOO_LARGE',
      'errors', jsonb_build_array(jsonb_build_object('path', '', 'message', 'an event is at most 256 KiB')));
  end if;
  -- Deeper than jsonb's parser can go without exhausting the stack (it would abort the whole call):
  -- refused as nesting, as the envelope rules refuse anything deeper than 64 levels.
  if p_depth > 1000 then
    return jsonb_build_object('status', 422, 'reason_code', 'INVALID_ENVELOPE',
      'errors', jsonb_build_array(jsonb_build_object('path', '', 'message', 'must not nest deeper than 64 levels')));
  end if;
  select * into v_error from pg_input_error_info(p_text, 'jsonb');
  if v_error.sql_error_code is null then
    return null;
  end if;
  if v_error.sql_error_code = '22P02' then
    return jsonb_build_object('status', 400, 'reason_code', 'INVALID_JSON',
      'errors', jsonb_build_array(jsonb_build_object('path', '', 'message', 'not valid JSON (an unpaired surrogate escape?)')));
  end if;
  return jsonb_build_object('status', 422, 'reason_code', 'INVALID_ENVELOPE',
    'errors', jsonb_build_array(jsonb_build_object('path', '', 'message', case v_error.sql_error_code
      when '22P05' then 'holds \u0000, which cannot be stored'
      when '22003' then 'holds a number out of the range that can be stored'
      else 'cannot be stored as JSON' end)));
end
$$;
comment on function ledger_private.text_refusal(text, integer) is
  'Why an envelope''s text cannot be ingested before any rule is applied (over 256 KiB, nested past the parser, not JSON, or what jsonb cannot hold), as {status, reason_code, errors}; null when it can.';

create or replace function ledger_private.ingest_texts(
  p_items text[],
  p_depths integer[],
  p_bound text[],
  p_api_key_ids uuid[],
  p_sources text[],
  p_refusals jsonb[] default null
)
returns setof ledger.ingest_answer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_envelopes jsonb[];
  v_refusals jsonb[];
begin
  if coalesce(array_length(p_items, 1), 0) = 0 then
    return;
  end if;
  -- The usual call holds only storable envelopes: one cast for all of them. Otherwise each item is
  -- looked at alone, and those that cannot be stored are refused without being cast.
  begin
    if p_refusals is null
       and not exists (select from unnest(p_items, p_depths) as i(t, d) where octet_length(i.t) > 262144 or i.d > 1000) then
      v_envelopes := p_items::jsonb[];
    end if;
  exception when others then
    if ledger_private.is_transient_failure(sqlstate) then
      raise;
    end if;
    v_envelopes := null;
  end;
  if v_envelopes is null then
    select array_agg(case when r.refusal is null then i.t::jsonb end order by i.n),
           array_agg(case when p_refusals[i.n] is not null then p_refusals[i.n]
                          when r.refusal is not null
                          then r.refusal || jsonb_build_object('body_excerpt', left(i.t, 4096), 'event_id', ledger_private.text_event_id(i.t)) end
                     order by i.n)
    into v_envelopes, v_refusals
    from unnest(p_items, p_depths) with ordinality as i(t, d, n)
    cross join lateral (select case when p_refusals[i.n] is not null then p_refusals[i.n] else ledger_private.text_refusal(i.t, i.d) end as refusal) r;
  end if;
  return query select * from ledger_private.ingest_set(v_envelopes, p_bound, p_sources, p_api_key_ids, v_refusals);
end
$$;
comment on function ledger_private.ingest_texts(text[], integer[], text[], uuid[], text[], jsonb[]) is
  E'For the edge (ledger_edge) only: ingests envelopes given as JSON text, one answer each in order, as ledger_private.ingest_set does, each item judged alone: over 256 KiB 413, nested past 1000 levels (p_depths, measured by the edge) or holding what jsonb cannot store 422, not JSON 400, each recorded as a rejection. p_bound: the producer''s tenant per item. p_refusals: a refusal the edge already decided for an item ({status, reason_code, errors, body_excerpt, event_id}: bytes that are not UTF-8), recorded in the same transaction as the rest.';
revoke all on function ledger_private.ingest_texts(text[], integer[], text[], uuid[], text[], jsonb[]) from public;
grant execute on function ledger_private.ingest_texts(text[], integer[], text[], uuid[], text[], jsonb[]) to ledger_edge;

create or replace function ledger_private.text_event_id(p_text text)
returns text
language sql
immutable
as $$
  -- What a rejection can say of an envelope that could not be read: its event_id, when a plain
  -- "event_id": "..." member is there to be seen.
  select left((regexp_match(left(p_text, 65536), '"event_id"\s*:\s*"((?:[^"\\]|\\.){1,255})"'))[1], 255)
$$;
comment on function ledger_private.text_event_id(text) is 'The event_id of an unreadable envelope''s text, when one can be seen in it (for its rejection row).';
