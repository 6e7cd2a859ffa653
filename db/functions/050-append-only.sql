create or replace function ledger_private.reject_change()
returns trigger
language plpgsql
as $$
begin
  raise exception using
    errcode = 'LSA01',
    message = format('%s.%s is append-only: %s is not allowed', tg_table_schema, tg_table_name, tg_op);
end
$$;
comment on function ledger_private.reject_change() is 'Trigger: refuses UPDATE, DELETE and TRUNCATE on append-only tables, for their owner too (SQLSTATE LSA01).';

create or replace trigger events_raw_append_only before update or delete on ledger.events_raw
  for each row execute function ledger_private.reject_change();
create or replace trigger events_raw_no_truncate before truncate on ledger.events_raw
  for each statement execute function ledger_private.reject_change();
create or replace trigger audit_log_append_only before update or delete on ledger.audit_log
  for each row execute function ledger_private.reject_change();
create or replace trigger audit_log_no_truncate before truncate on ledger.audit_log
  for each statement execute function ledger_private.reject_change();
create or replace trigger rejections_append_only before update or delete on ledger.rejections
  for each row execute function ledger_private.reject_change();
create or replace trigger rejections_no_truncate before truncate on ledger.rejections
  for each statement execute function ledger_private.reject_change();
