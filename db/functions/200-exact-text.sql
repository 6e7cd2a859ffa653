-- Every JSON value a reader can get, also as PostgreSQL's own JSON text. GraphQL's JSON scalar
-- goes through JavaScript numbers (doubles): 12345678901234567890123.45 comes out as
-- 1.2345678901234568e+22 and 40.0 as 40. These functions give the exact text beside each jsonb
-- column and each function that returns jsonb; PostGraphile shows them as the fields payloadText,
-- beforeText, …, exceptionDetailText, healthText, reconcileText.
-- The column ones take the row the caller already read: row-level security has judged it.

create or replace function ledger.events_raw_payload_text(events_raw ledger.events_raw)
returns text
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$ select events_raw.payload::text $$;
comment on function ledger.events_raw_payload_text(ledger.events_raw) is 'The payload as PostgreSQL''s JSON text: every number as written.';

create or replace function ledger.events_processed_canonical_payload_text(events_processed ledger.events_processed)
returns text
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$ select events_processed.canonical_payload::text $$;
comment on function ledger.events_processed_canonical_payload_text(ledger.events_processed) is 'The canonical payload as PostgreSQL''s JSON text: every number as written.';

create or replace function ledger.exceptions_details_text(exceptions ledger.exceptions)
returns text
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$ select exceptions.details::text $$;
comment on function ledger.exceptions_details_text(ledger.exceptions) is 'The details as PostgreSQL''s JSON text: every number as written.';

create or replace function ledger.exceptions_override_patch_text(exceptions ledger.exceptions)
returns text
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$ select exceptions.override_patch::text $$;
comment on function ledger.exceptions_override_patch_text(ledger.exceptions) is 'The override patch as PostgreSQL''s JSON text: every number as written.';

create or replace function ledger.audit_log_before_text(audit_log ledger.audit_log)
returns text
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$ select audit_log.before::text $$;
comment on function ledger.audit_log_before_text(ledger.audit_log) is 'The state before as PostgreSQL''s JSON text: every number as written.';

create or replace function ledger.audit_log_after_text(audit_log ledger.audit_log)
returns text
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$ select audit_log.after::text $$;
comment on function ledger.audit_log_after_text(ledger.audit_log) is 'The state after as PostgreSQL''s JSON text: every number as written.';

create or replace function ledger.rejections_errors_text(rejections ledger.rejections)
returns text
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$ select rejections.errors::text $$;
comment on function ledger.rejections_errors_text(ledger.rejections) is 'The errors as PostgreSQL''s JSON text.';

revoke all on function ledger.events_raw_payload_text(ledger.events_raw), ledger.events_processed_canonical_payload_text(ledger.events_processed),
  ledger.exceptions_details_text(ledger.exceptions), ledger.exceptions_override_patch_text(ledger.exceptions),
  ledger.audit_log_before_text(ledger.audit_log), ledger.audit_log_after_text(ledger.audit_log), ledger.rejections_errors_text(ledger.rejections)
  from public;
grant execute on function ledger.events_raw_payload_text(ledger.events_raw), ledger.events_processed_canonical_payload_text(ledger.events_processed)
  to ledger_ingest, ledger_readonly;
grant execute on function ledger.exceptions_details_text(ledger.exceptions), ledger.exceptions_override_patch_text(ledger.exceptions),
  ledger.audit_log_before_text(ledger.audit_log), ledger.audit_log_after_text(ledger.audit_log), ledger.rejections_errors_text(ledger.rejections)
  to ledger_readonly;

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
