-- Row-level security: a producer reads only its own tenant's rows of Bronze and key states, and
-- none without a tenant binding; read-only and operator callers read every tenant.
begin;
select plan(10);

select tests.make_tenant('t_rls_a');
select tests.make_tenant('t_rls_b');
select count(*) from generate_series(1, 2) n, ledger.ingest_event(tests.envelope('t_rls_a', 'a' || n));
select count(*) from generate_series(1, 3) n, ledger.ingest_event(tests.envelope('t_rls_b', 'b' || n));

select tests.as_producer('t_rls_a');
select is((select array_agg(distinct tenant_id) from ledger.events_raw where tenant_id like 't_rls_%'), array['t_rls_a'],
  'a producer sees only its tenant''s Bronze rows');
select is((select count(*)::int from ledger.events_raw where tenant_id = 't_rls_b'), 0, 'even when it asks for another tenant''s');
select is((select count(*)::int from ledger.events_processed where tenant_id like 't_rls_%'), 2, 'and only its own key states');
select tests.as_producer('t_rls_b');
select is((select count(*)::int from ledger.events_raw where tenant_id like 't_rls_%'), 3, 'the other producer sees its own three');
select tests.as_producer('');
select is((select count(*)::int from ledger.events_raw), 0, 'a producer with no tenant binding sees nothing');
select tests.as_readonly();
select is((select count(*)::int from ledger.events_raw where tenant_id like 't_rls_%'), 5, 'read-only sees every tenant');
select tests.as_operator();
select is((select count(*)::int from ledger.events_processed where tenant_id like 't_rls_%'), 5, 'an operator sees every tenant');
select tests.as_owner();

select is_empty($$
  select c.relname from pg_class c
  where c.relnamespace = 'ledger'::regnamespace and c.relkind in ('r', 'p')
    and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
    and c.relname not in ('tenants') and not c.relrowsecurity
$$, 'row-level security is on for every ledger table holding tenant rows');
select policies_are('ledger', 'events_raw', array['read_all', 'read_own_tenant'], 'Bronze: read_all and read_own_tenant, no write policy');
select policies_are('ledger', 'exceptions', array['read_all'], 'exceptions: read_all only');

select * from finish();
rollback;
