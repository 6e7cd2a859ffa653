-- No role but the owner writes a table directly: the caller roles have SELECT where they read and
-- nothing else, on every table and sequence of ledger and ledger_private; trying to write raises
-- 42501. (The owner is stopped on the append-only tables by 11-append-only.)
begin;
select plan(27);

create temp table caller_roles on commit drop as
  select unnest(array['ledger_ingest', 'ledger_operator', 'ledger_readonly', 'ledger_edge']) as role_name;

select is_empty($$
  select r.role_name, c.oid::regclass, p.privilege
  from caller_roles r
  cross join pg_class c
  cross join unnest(array['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) as p(privilege)
  where c.relnamespace in ('ledger'::regnamespace, 'ledger_private'::regnamespace) and c.relkind in ('r', 'p', 'v', 'm', 'f')
    and (has_table_privilege(r.role_name, c.oid, p.privilege)
         or (p.privilege in ('INSERT', 'UPDATE', 'REFERENCES') and has_any_column_privilege(r.role_name, c.oid, p.privilege)))
$$, 'no caller role may write, truncate, reference or trigger any table, nor any of its columns');
select is_empty($$
  select r.role_name, c.oid::regclass
  from caller_roles r cross join pg_class c
  where c.relnamespace in ('ledger'::regnamespace, 'ledger_private'::regnamespace) and c.relkind = 'S'
    and has_sequence_privilege(r.role_name, c.oid, 'USAGE, UPDATE, SELECT')
$$, 'no caller role may use a sequence');
select is_empty($$
  select r.role_name, c.oid::regclass
  from caller_roles r cross join pg_class c
  where c.relnamespace = 'ledger_private'::regnamespace and c.relkind in ('r', 'p', 'v')
    and has_table_privilege(r.role_name, c.oid, 'SELECT')
$$, 'no caller role may read a private table (keys, counters)');

select table_privs_are('ledger', t, 'ledger_readonly', array['SELECT'], 'ledger_readonly reads ledger.' || t)
  from unnest(array['tenants', 'event_types', 'events_raw', 'events_processed', 'exceptions', 'audit_log', 'rejections']) t;
select table_privs_are('ledger', 'exceptions', 'ledger_operator', array['SELECT'], 'ledger_operator reads, through ledger_readonly');
select table_privs_are('ledger', t, 'ledger_ingest', array['SELECT'], 'ledger_ingest reads ledger.' || t)
  from unnest(array['tenants', 'event_types', 'events_raw', 'events_processed']) t;
select table_privs_are('ledger', t, 'ledger_ingest', array[]::text[], 'ledger_ingest has nothing on ledger.' || t)
  from unnest(array['exceptions', 'audit_log', 'rejections']) t;
select table_privs_are('ledger', 'events_raw', 'ledger_edge', array[]::text[], 'ledger_edge has nothing of its own');

select tests.make_tenant('t_privs');
select tests.as_producer('t_privs');
select throws_ok($$insert into ledger.events_raw (tenant_id, idempotency_key, event_type, payload, fingerprint, attempt, source, result)
  values ('t_privs', 'k1', 'SALE', '{}', '\x00', 1, 'sql', 'processed')$$, '42501', null, 'a producer cannot insert into Bronze');
select throws_ok($$update ledger.events_processed set status = 'processed'$$, '42501', null, 'a producer cannot update key states');
select throws_ok($$insert into ledger.rejections (tenant_id, source, http_status, reason_code) values ('t_privs', 'sql', 400, 'X')$$, '42501', null,
  'a producer cannot insert a rejection directly');
select tests.as_operator();
select throws_ok($$update ledger.exceptions set status = 'resolved'$$, '42501', null, 'an operator cannot update exceptions directly');
select throws_ok($$insert into ledger.audit_log (tenant_id, actor, action, object_type, object_id) values ('t_privs', 'me', 'x', 'y', 'z')$$, '42501', null,
  'an operator cannot write the audit log');
select throws_ok($$delete from ledger.events_processed$$, '42501', null, 'an operator cannot delete key states');
select tests.as_readonly();
select throws_ok($$insert into ledger.tenants (tenant_id) values ('t_new')$$, '42501', null, 'a read-only caller cannot add a tenant');
select throws_ok($$update ledger.event_types set enabled = false$$, '42501', null, 'a read-only caller cannot change the allowlist');
select tests.as_owner();

select * from finish();
rollback;
