create or replace function ledger_private.merge_patch(p_target jsonb, p_patch jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
as $$
declare
  v_result jsonb;
  v_name text;
  v_value jsonb;
begin
  if p_patch is null or jsonb_typeof(p_patch) <> 'object' then
    return p_patch;
  end if;
  v_result := case when jsonb_typeof(p_target) = 'object' then p_target else '{}'::jsonb end;
  for v_name, v_value in select key, value from jsonb_each(p_patch) loop
    if v_value = 'null'::jsonb then
      v_result := v_result - v_name;
    else
      v_result := v_result || jsonb_build_object(v_name, ledger_private.merge_patch(v_result -> v_name, v_value));
    end if;
  end loop;
  return v_result;
end
$$;
comment on function ledger_private.merge_patch(jsonb, jsonb) is 'RFC 7396 JSON merge patch: the target with the patch applied (null members remove, objects merge, anything else replaces).';
