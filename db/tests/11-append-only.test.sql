-- Bronze, the audit log and the rejections are append-only, enforced by triggers that hold even
-- for the owner: UPDATE, DELETE and TRUNCATE raise LSA01. (That no other role may even try is
-- 12-table-privileges.)
begin;
select plan(12);

select tests.make_tenant('t_append');
select tests.open_conflict('t_append', 'k1');
select ledger.record_rejection('t_append', 422, 'INVALID_ENVELOPE', '[{"path": "txn_id", "message": "is required"}]');
select isnt((select count(*)::int from ledger.events_raw where tenant_id = 't_append') * (select count(*)::int from ledger.audit_log where tenant_id = 't_append')
  * (select count(*)::int from ledger.rejections where tenant_id = 't_append'), 0, 'each append-only table has rows to change');

select throws_ok($$update ledger.events_raw set result = 'processed' where tenant_id = 't_append'$$, 'LSA01', null, 'events_raw: UPDATE');
select throws_ok($$delete from ledger.events_raw where tenant_id = 't_append'$$, 'LSA01', null, 'events_raw: DELETE');
select throws_ok($$truncate ledger.events_raw$$, 'LSA01', null, 'events_raw: TRUNCATE');
select throws_ok($$update ledger.audit_log set actor = 'someone else' where tenant_id = 't_append'$$, 'LSA01', null, 'audit_log: UPDATE');
select throws_ok($$delete from ledger.audit_log where tenant_id = 't_append'$$, 'LSA01', null, 'audit_log: DELETE');
select throws_ok($$truncate ledger.audit_log$$, 'LSA01', null, 'audit_log: TRUNCATE');
select throws_ok($$update ledger.rejections set reason_code = 'NONE' where tenant_id = 't_append'$$, 'LSA01', null, 'rejections: UPDATE');
select throws_ok($$delete from ledger.rejections where tenant_id = 't_append'$$, 'LSA01', null, 'rejections: DELETE');
select throws_ok($$truncate ledger.rejections$$, 'LSA01', null, 'rejections: TRUNCATE');
select throws_ok($$truncate ledger.events_raw, ledger.audit_log, ledger.rejections cascade$$, 'LSA01', null, 'TRUNCATE ... CASCADE');
select ok(current_user = (select tableowner from pg_tables where schemaname = 'ledger' and tablename = 'events_raw'), 'all of it as the owner');

select * from finish();
rollback;
