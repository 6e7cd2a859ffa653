-- docs/citus.md: every table of a tenant's rows can be distributed by tenant_id because each of its
-- keys (primary, unique, partial unique) leads with tenant_id. The tables that do not are named
-- here with the reason: reference tables (currencies, event types, reason codes, time zones, API
-- keys) and the operators' bulk jobs, which span tenants (distributed by job_id). Checked over the
-- catalog, so a table or key added later is held to it too.
begin;
select plan(3);

create temporary view tenant_keys as
select c.oid::regclass::text as table_name, i.indexrelid::regclass::text as index_name,
       (select a.attname from pg_attribute a where a.attrelid = c.oid and a.attnum = i.indkey[0]) as first_column
from pg_index i
join pg_class c on c.oid = i.indrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname in ('ledger', 'ledger_private') and c.relkind in ('r', 'p') and i.indisunique
  and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped);

select ok((select count(*) from tenant_keys) >= 20, 'the catalog lists the keys of the tenants'' tables');
select is((select array_agg(distinct table_name order by table_name) from tenant_keys where first_column <> 'tenant_id'),
  array['ledger.job_items', 'ledger_private.api_keys'],
  'every primary and unique key of a table with tenant_id leads with tenant_id, but those of a job''s items and of API keys');
select is((select array_agg(c.oid::regclass::text order by c.oid::regclass::text)
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname in ('ledger', 'ledger_private') and c.relkind in ('r', 'p')
             and not exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)),
  array['ledger.currencies', 'ledger.event_types', 'ledger.jobs', 'ledger.reason_codes', 'ledger.time_zones'],
  'the tables without tenant_id are the reference tables and the bulk jobs');

select * from finish();
rollback;
