-- The exact text of every JSON value (db/functions/200-exact-text.sql): a function per jsonb column
-- of every ledger table, returning PostgreSQL's own text (numbers as written), executable by the
-- roles that read the table and no other, under the same row-level security.
begin;
select plan(7);

select is_empty($$
  select c.relname || '.' || a.attname from pg_attribute a join pg_class c on c.oid = a.attrelid
  where c.relnamespace = 'ledger'::regnamespace and c.relkind in ('r', 'p') and a.atttypid = 'jsonb'::regtype and a.attnum > 0 and not a.attisdropped
    and to_regprocedure(format('ledger.%I(ledger.%I)', c.relname || '_' || a.attname || '_text', c.relname)) is null
$$, 'every jsonb column of a ledger table has its _text function');

select tests.make_tenant('t_exact');
select ledger.ingest_event(tests.envelope('t_exact', 'exact-1', '{"total_amount": 12345678901234567890123.45, "tax": 40.0}'));
select matches((select ledger.events_raw_payload_text(r) from ledger.events_raw r where r.tenant_id = 't_exact'),
  '"total_amount": 12345678901234567890123\.45', 'a number beyond a double, as written');
select matches((select ledger.events_processed_canonical_payload_text(k) from ledger.events_processed k where k.tenant_id = 't_exact'),
  '"tax": 40\.0[,}]', 'trailing zeros, as written');
select is((select ledger.health_text('t_exact')::jsonb), ledger.health('t_exact'), 'health_text is health, as text');

select function_privs_are('ledger', 'events_raw_payload_text', array['ledger.events_raw'], 'ledger_ingest', array['EXECUTE'],
  'producers may read their Bronze payloads as text');
select function_privs_are('ledger', 'audit_log_after_text', array['ledger.audit_log'], 'ledger_ingest', array[]::text[],
  'but not what they may not read');

select tests.as_producer('t_other_exact');
select is((select count(*)::int from ledger.events_raw r where ledger.events_raw_payload_text(r) is not null and r.tenant_id = 't_exact'), 0,
  'row-level security still decides which rows');
select tests.as_owner();

select * from finish();
rollback;
