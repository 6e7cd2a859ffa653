-- What makes two arrivals "the same" and a type "allowed": the fingerprint ignores key order and
-- white space (the canonical jsonb text), covers the whole envelope, and the allowlist is data.
begin;
select plan(7);

select tests.make_tenant('t_fingerprint');
select tests.as_producer('t_fingerprint');
select tests.arrive('compact', '{"schema_version":"1.0","tenant_id":"t_fingerprint","store_id":"s1","source_system":"pos_sim","event_id":"k1","event_type":"SALE","occurred_at":"2026-02-25T00:00:00Z","txn_id":"t1","currency":"USD","total_amount":42.5}');
select tests.arrive('reordered', '{ "total_amount" : 42.5, "txn_id" : "t1", "occurred_at" : "2026-02-25T00:00:00Z",
  "event_type" : "SALE", "event_id" : "k1", "source_system" : "pos_sim", "store_id" : "s1", "tenant_id" : "t_fingerprint",
  "schema_version" : "1.0", "currency" : "USD" }');
select tests.arrive('extra field', tests.envelope('t_fingerprint', 'k2'));
select tests.arrive('extra field changed', tests.envelope('t_fingerprint', 'k2', '{"line_items": [{"sku": "SKU-AAA", "qty": 2, "amount": 30.0}]}'));
select tests.arrive('case of type', tests.envelope('t_fingerprint', 'k3', '{"event_type": "Sale"}'));
select tests.arrive('case of type changed', tests.envelope('t_fingerprint', 'k3', '{"event_type": "SALE"}'));
select tests.as_owner();
update ledger.event_types set enabled = false where event_type = 'VOID';
insert into ledger.event_types (event_type, description) values ('REFUND', 'Added by an operator');
select tests.as_producer('t_fingerprint');
select tests.arrive('disabled type', tests.envelope('t_fingerprint', 'k4', '{"event_type": "VOID"}'));
select tests.arrive('added type', tests.envelope('t_fingerprint', 'k5', '{"event_type": "refund"}'));
select tests.as_owner();

select is(tests.outcome('reordered'), '(duplicate,,processed,2,200)', 'key order and white space do not change the fingerprint');
select is((select count(distinct fingerprint)::int from ledger.events_raw where tenant_id = 't_fingerprint' and idempotency_key = 'k1'), 1,
  'both arrivals carry the same fingerprint');
select is(tests.outcome('extra field changed'), '(quarantined,IDEMPOTENCY_CONFLICT,quarantined,2,202)',
  'a field outside the required ones is part of the fingerprint');
select is(tests.outcome('case of type changed'), '(quarantined,IDEMPOTENCY_CONFLICT,quarantined,2,202)',
  'the fingerprint covers the envelope as sent, event_type''s case included');
select is((select event_type from ledger.events_raw where raw_id = (tests.answer('case of type')).raw_id), 'SALE', 'Bronze keeps event_type upper-cased');
select is(tests.outcome('disabled type'), '(quarantined,UNKNOWN_EVENT_TYPE,quarantined,1,202)', 'a disabled type is unknown');
select is(tests.outcome('added type'), '(processed,,processed,1,201)', 'a type added to ledger.event_types is allowed at once');

select * from finish();
rollback;
