-- Bearer keys. The edge logs in as ledger_edge, which may only look a key up by its hash; keys are
-- made, listed and revoked by the owner (the CLI, or a DBA).

create or replace function ledger_private.authenticate_api_key(p_key_hash bytea)
returns table (key_id uuid, role text, tenant_id text, name text)
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select k.key_id, k.role, k.tenant_id, k.name from ledger_private.api_keys k
  where k.key_hash = p_key_hash and k.revoked_at is null
$$;
comment on function ledger_private.authenticate_api_key(bytea) is 'The live key whose secret hashes to p_key_hash, if any.';
revoke all on function ledger_private.authenticate_api_key(bytea) from public;
grant usage on schema ledger_private to ledger_edge;
grant execute on function ledger_private.authenticate_api_key(bytea) to ledger_edge;

create or replace function ledger_private.create_api_key(p_role text, p_tenant_id text, p_name text, p_key_hash bytea)
returns uuid
language plpgsql
volatile
as $$
declare
  v_key_id uuid;
begin
  if p_role is null or p_role not in ('producer', 'operator') then
    perform ledger_private.invalid('role must be producer or operator', jsonb_build_array(jsonb_build_object('path', 'role', 'message', 'must be producer or operator')));
  end if;
  if (p_role = 'producer') <> (p_tenant_id is not null) then
    perform ledger_private.invalid('a producer key needs a tenant, an operator key has none',
      jsonb_build_array(jsonb_build_object('path', 'tenant', 'message', 'required for producers, refused for operators')));
  end if;
  if p_tenant_id is not null then
    if not pg_input_is_valid(p_tenant_id, 'ledger.tenant_id') then
      perform ledger_private.invalid('bad tenant id', jsonb_build_array(jsonb_build_object('path', 'tenant',
        'message', 'must be 1-64 of A-Z, a-z, 0-9, dot, underscore, hyphen')));
    end if;
    insert into ledger.tenants (tenant_id) values (p_tenant_id) on conflict do nothing;
  end if;
  insert into ledger_private.api_keys (role, tenant_id, name, key_hash)
  values (p_role, p_tenant_id, coalesce(nullif(btrim(p_name), ''), p_role || coalesce(':' || p_tenant_id, '')), p_key_hash)
  returning key_id into v_key_id;
  return v_key_id;
end
$$;
comment on function ledger_private.create_api_key(text, text, text, bytea) is 'Stores a new key by its hash (creating a producer''s tenant if new); returns its id.';

create or replace function ledger_private.revoke_api_key(p_key_id uuid)
returns boolean
language sql
volatile
as $$
  update ledger_private.api_keys set revoked_at = now() where key_id = p_key_id and revoked_at is null returning true
$$;
comment on function ledger_private.revoke_api_key(uuid) is 'Revokes a key; false (null) when unknown or already revoked.';
