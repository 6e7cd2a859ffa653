-- Every JSON value a reader can get, also as PostgreSQL's own JSON text. GraphQL's JSON scalar
-- goes through JavaScript numbers (doubles): 12345678901234567890123.45 comes out as
-- 1.2345678901234568e+22 and 40.0 as 40. These functions give the exact text beside each jsonb
-- column and each function that returns jsonb; PostGraphile shows them as the fields payloadText,
-- beforeText, …, exceptionDetailText, healthText, reconcileText.

-- One function per jsonb column of every table of schema ledger, made here for each column there
-- is (a new column gets its own at the next migrate), executable by the roles that may read the
-- table. Each takes the row the caller already read: row-level security has judged it.
do $$
declare
  v_column record;
  v_function text;
  v_role text;
begin
  for v_column in
    select c.relname as table_name, a.attname as column_name
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    where c.relnamespace = 'ledger'::regnamespace and c.relkind in ('r', 'p') and a.atttypid = 'jsonb'::regtype
      and a.attnum > 0 and not a.attisdropped
    order by c.relname, a.attnum
  loop
    v_function := format('ledger.%I(ledger.%I)', v_column.table_name || '_' || v_column.column_name || '_text', v_column.table_name);
    execute format($f$
      create or replace function ledger.%1$I(%2$I ledger.%2$I)
      returns text
      language sql
      immutable
      set search_path = pg_catalog, pg_temp
      as 'select (%2$I.%3$I)::text'$f$,
      v_column.table_name || '_' || v_column.column_name || '_text', v_column.table_name, v_column.column_name);
    execute format('comment on function %s is %L', v_function,
      format('%s.%s as PostgreSQL''s JSON text: every number as written.', v_column.table_name, v_column.column_name));
    execute format('revoke all on function %s from public', v_function);
    foreach v_role in array array['ledger_ingest', 'ledger_readonly'] loop
      if has_table_privilege(v_role, format('ledger.%I', v_column.table_name), 'SELECT') then
        execute format('grant execute on function %s to %I', v_function, v_role);
      end if;
    end loop;
  end loop;
end
$$;

create or replace function ledger.exception_detail_text(exception_id uuid)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$ select ledger.exception_detail(exception_detail_text.exception_id)::text $$;
comment on function ledger.exception_detail_text(uuid) is 'ledger.exception_detail as PostgreSQL''s JSON text: every payload''s numbers as written.';
revoke all on function ledger.exception_detail_text(uuid) from public;
grant execute on function ledger.exception_detail_text(uuid) to ledger_readonly;

create or replace function ledger.health_text(tenant_id text default null)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$ select ledger.health(health_text.tenant_id)::text $$;
comment on function ledger.health_text(text) is 'ledger.health as PostgreSQL''s JSON text.';
revoke all on function ledger.health_text(text) from public;
grant execute on function ledger.health_text(text) to ledger_ingest, ledger_readonly;

create or replace function ledger.reconcile_text(tenant_id text default null)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$ select ledger.reconcile(reconcile_text.tenant_id)::text $$;
comment on function ledger.reconcile_text(text) is 'ledger.reconcile as PostgreSQL''s JSON text.';
revoke all on function ledger.reconcile_text(text) from public;
grant execute on function ledger.reconcile_text(text) to ledger_ingest, ledger_readonly;
