-- ledger.tenants under row-level security: a producer reads its own tenant's row only (GraphQL's
-- allTenants listed every tenant to any producer), none without a binding; read-only and operator
-- callers read every tenant; ingest still finds the tenant it checks.
begin;
select plan(7);

select tests.make_tenant('t_vis_a');
select tests.make_tenant('t_vis_b');

select tests.as_producer('t_vis_a');
select is((select array_agg(tenant_id::text) from ledger.tenants where tenant_id like 't_vis_%'), array['t_vis_a'], 'a producer reads its own tenant only');
select is((select count(*)::int from ledger.tenants where tenant_id = 't_vis_b'), 0, 'even when it asks for another');
select is((select result from ledger.ingest_event(tests.envelope('t_vis_a', 'vis-1'))), 'processed', 'and ingests for its own tenant as before');
select tests.as_producer('');
select is((select count(*)::int from ledger.tenants), 0, 'a producer with no tenant binding reads none');
select tests.as_readonly();
select is((select count(*)::int from ledger.tenants where tenant_id like 't_vis_%'), 2, 'read-only reads every tenant');
select tests.as_operator();
select is((select count(*)::int from ledger.tenants where tenant_id like 't_vis_%'), 2, 'an operator reads every tenant');
select tests.as_owner();
select policies_are('ledger', 'tenants', array['read_all', 'read_own_tenant'], 'tenants: read_all and read_own_tenant, no write policy');

select * from finish();
rollback;
