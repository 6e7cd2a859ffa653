-- The edge's text ingest (ledger_private.ingest_texts): every item judged alone, as a single POST
-- of the same text would be: what cannot be stored or read is refused with its own status and
-- rejection row, and the others go on; a producer's binding holds per item.
begin;
select plan(16);

select tests.make_tenant('t_text');
select tests.make_tenant('t_text_other');

create temporary table answers as
select a.* from ledger_private.ingest_texts(
  array[
    tests.envelope('t_text', 'ok-1')::text,
    '{"schema_version": "1.0", "tenant_id": "t_text", "event_id": "nul", "note": "a\u0000b"}',
    tests.envelope('t_text', 'big', jsonb_build_object('note', repeat('x', 262144)))::text,
    '{"event_id": "surrogate", "tenant_id": "t_text", "note": "\ud800"}',
    '{"event_id": "huge-number", "tenant_id": "t_text", "total_amount": 1e1000000}',
    repeat('[', 1001) || repeat(']', 1001),
    (tests.envelope('t_text', 'deep') || jsonb_build_object('n', (repeat('{"a":', 70) || '1' || repeat('}', 70))::jsonb))::text,
    tests.envelope('t_text_other', 'foreign')::text,
    tests.envelope('t_text', 'ok-1', '{"total_amount": 41.0}')::text,
    tests.envelope('t_text', 'ok-2')::text
  ],
  array[1, 1, 1, 1, 1, 1001, 72, 1, 1, 1],
  array_fill('t_text'::text, array[10]),
  null,
  array_fill('batch'::text, array[10])) with ordinality as a(tenant_id, idempotency_key, raw_id, result, exception_id, reason_code,
    key_status, attempt, received_at, status, errors, n);

select is((select array_agg(status order by n) from answers), array[201, 422, 413, 400, 422, 422, 422, 403, 202, 201],
  'each item has its own status: processed, \u0000, too large, lone surrogate, number out of range, nesting, nesting, another tenant, a conflict, processed');
select is((select array_agg(result order by n) from answers where status >= 400), array_fill('rejected'::text, array[7]), 'refused items are answered rejected');
select is((select reason_code from answers where n = 9), 'IDEMPOTENCY_CONFLICT', 'a later arrival of a key in the call is decided after the first');
select is((select idempotency_key from answers where n = 2), 'nul', 'an unreadable envelope''s event_id is kept when it can be seen');
select is((select array_agg(reason_code || ':' || http_status order by rejection_id) from ledger.rejections where tenant_id = 't_text'),
  array['INVALID_ENVELOPE:422', 'PAYLOAD_TOO_LARGE:413', 'INVALID_JSON:400', 'INVALID_ENVELOPE:422', 'INVALID_ENVELOPE:422',
        'INVALID_ENVELOPE:422', 'TENANT_MISMATCH:403'],
  'every refusal has its rejection row, with its reason');
select is((select count(*)::int from ledger.events_raw where tenant_id = 't_text'), 3, 'only the storable, valid items reach Bronze');
select is((select count(*)::int from ledger.events_raw where tenant_id = 't_text_other'), 0, 'nothing of the other tenant is stored');
select ok((select body_excerpt from ledger.rejections where tenant_id = 't_text' and reason_code = 'PAYLOAD_TOO_LARGE') is not null
          and (select length(body_excerpt) from ledger.rejections where tenant_id = 't_text' and reason_code = 'PAYLOAD_TOO_LARGE') <= 4096,
  'a refused item''s excerpt is kept, at most 4 KiB');
select ok(tests.counts_match('t_text'), 'counters equal count(*)');

-- Exactly 256 KiB is accepted, as a single POST of that size is.
select is((select status from ledger_private.ingest_texts(
  array[(select e::text || repeat(' ', 262144 - octet_length(e::text)) from tests.envelope('t_text', 'edge-size') e)],
  array[1], array['t_text'], null, array['batch'])), 201, 'an item of exactly 256 KiB is accepted');

-- Only the edge's login (and the owner) may call it, and an item is bound to its own tenant.
select tests.as_producer('t_text');
select throws_ok($$ select * from ledger_private.ingest_texts(array['{}'], null, null, null, null) $$, '42501', null, 'a producer cannot call it');
select tests.as_owner();
select is((select array_agg(status order by n) from ledger_private.ingest_texts(
  array[tests.envelope('t_text', 'mix-a')::text, tests.envelope('t_text_other', 'mix-b')::text],
  null, array['t_text', 't_text_other'], null, array['http', 'http']) with ordinality as a(tenant_id, idempotency_key, raw_id, result,
    exception_id, reason_code, key_status, attempt, received_at, status, errors, n)),
  array[201, 201], 'arrivals of two producers in one call, each within its own tenant');
select is((select array_agg(status order by n) from ledger_private.ingest_texts(
  array[tests.envelope('t_text_other', 'mix-c')::text, tests.envelope('t_text', 'mix-d')::text],
  null, array['t_text', 't_text_other'], null, array['http', 'http']) with ordinality as a(tenant_id, idempotency_key, raw_id, result,
    exception_id, reason_code, key_status, attempt, received_at, status, errors, n)),
  array[403, 403], 'each refused for the other''s tenant');
select is((select count(*)::int from ledger_private.ingest_texts('{}', '{}', '{}', '{}', '{}')), 0, 'an empty call answers nothing');

-- A refusal the edge decided (bytes that are not UTF-8) is answered and recorded in the same call.
select is((select array_agg(status order by n) from ledger_private.ingest_texts(
  array[null, tests.envelope('t_text', 'after-bad-bytes')::text], null, array['t_text', 't_text'], null, array['batch', 'batch'],
  array['{"status": 400, "reason_code": "INVALID_ENCODING", "errors": [{"path": "", "message": "byte 7 is not UTF-8"}], "body_excerpt": "{\"a\": \"\ufffd\"}", "event_id": null}'::jsonb, null])
  with ordinality as a(tenant_id, idempotency_key, raw_id, result, exception_id, reason_code, key_status, attempt, received_at, status, errors, n)),
  array[400, 201], 'an item the edge refused is answered with its status, the others go on');
select is((select reason_code || ':' || http_status from ledger.rejections where tenant_id = 't_text' order by rejection_id desc limit 1),
  'INVALID_ENCODING:400', 'and recorded with its reason');

select * from finish();
rollback;
