-- A producer (ledger_ingest, bound to its tenant by the edge) reads its own row of ledger.tenants,
-- as it reads its own Bronze rows and keys (010-context.sql); unbound, it reads none.
drop policy if exists read_own_tenant on ledger.tenants;
create policy read_own_tenant on ledger.tenants for select to ledger_ingest
  using (tenant_id = ledger_private.bound_tenant());
