-- migrate:up
-- A producer sees its own tenant only, in ledger.tenants too (GraphQL's allTenants listed every
-- tenant to any producer). Operators and read-only callers see all; the producer's policy, which
-- needs ledger_private.bound_tenant(), is in db/functions/210-tenant-visibility.sql.
alter table ledger.tenants enable row level security;
create policy read_all on ledger.tenants for select to ledger_readonly using (true);

-- migrate:down
drop policy if exists read_own_tenant on ledger.tenants;
drop policy read_all on ledger.tenants;
alter table ledger.tenants disable row level security;
