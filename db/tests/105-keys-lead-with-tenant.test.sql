-- docs/citus.md: every primary key and unique index of a tenant's rows leads with tenant_id, so that
-- each table can be distributed by tenant. Read from the catalog, so that a table added later is
-- checked without anyone listing it here. The exceptions are named below, each with its reason,
-- and must exist: a stale name fails the test too.
begin;
select plan(5);

create temp table not_by_tenant (table_name text primary key, reason text not null) on commit drop;
insert into not_by_tenant values
  -- Reference data: global vocabularies, the same for every tenant, replicated to every worker.
  ('ledger.currencies', 'ISO 4217 reference data, one row per currency'),
  ('ledger.event_types', 'the allowlist of event types, shared by every tenant'),
  ('ledger.reason_codes', 'the vocabulary of reason codes, shared by every tenant'),
  ('ledger.time_zones', 'the IANA zone names a store or tenant may have, shared by every tenant'),
  ('ledger_private.api_keys', 'looked up by key before the tenant is known; a reference table on Citus'),
  -- Bulk jobs: an operator's job matches exceptions of many tenants at once (its filter may name
  -- none), so it belongs to no tenant; its items carry each exception's tenant_id.
  ('ledger.jobs', 'an operator''s bulk job spans tenants'),
  ('ledger.job_items', 'the steps of a job, keyed by the job, which spans tenants'),
  -- Scratch rows of one set-based call, written and deleted by its own transaction (by xid), never
  -- looked up by key: local to the node that runs the call, not distributed.
  ('ledger_private.deferred_gold', 'a set-based call''s Gold moves until its end, by transaction'),
  ('ledger_private.deferred_counters', 'a set-based call''s counter moves until its end, by transaction');

create temp view tenant_tables as
  select c.oid, format('%I.%I', n.nspname, c.relname) as table_name
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname in ('ledger', 'ledger_private') and c.relkind in ('r', 'p')
    and format('%I.%I', n.nspname, c.relname) not in (select table_name from not_by_tenant);

select ok(array['ledger.events_raw', 'ledger.events_processed', 'ledger.exceptions', 'ledger.ledger_transactions', 'ledger.ledger_line_items',
                'ledger.ledger_references', 'ledger.daily_sales', 'ledger.business_days', 'ledger.stores', 'ledger_private.tenant_counters']
          <@ array(select table_name from tenant_tables), 'the catalog query finds the tenant tables: Bronze, keys, exceptions, Silver, Gold, counters');

select is_empty($$
  select t.table_name from tenant_tables t
  where not exists (select from pg_index x where x.indrelid = t.oid and x.indisprimary)$$,
  'every tenant table has a primary key');

select is_empty($$
  select t.table_name || ': ' || pg_get_indexdef(x.indexrelid) from tenant_tables t
  join pg_index x on x.indrelid = t.oid and (x.indisprimary or x.indisunique)
  left join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0]
  where a.attname is distinct from 'tenant_id'$$,
  'every primary key and unique index of a tenant table leads with tenant_id');

select is_empty($$
  select t.table_name || ': ' || pg_get_constraintdef(k.oid) from tenant_tables t
  join pg_constraint k on k.conrelid = t.oid and k.contype = 'x'$$,
  'no exclusion constraint (which Citus would need to lead with tenant_id too)');

select is_empty($$
  select e.table_name from not_by_tenant e where to_regclass(e.table_name) is null$$,
  'every exception named exists');

select * from finish();
rollback;
