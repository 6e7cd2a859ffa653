-- SQLSTATEs of bad input to ingest_event: an envelope that is not valid raises 22023, with its
-- [{path, message}] list in DETAIL (which the edge answers as 422 errors); text that is not JSON
-- fails in the jsonb cast, before the function runs: 22P02, 22P05 for \u0000, 54001 when nested
-- too deep (db/ERRORS.md).
begin;
select plan(47);

select tests.make_tenant('t_bad');

select throws_ok($$select ledger.ingest_event('{}')$$, '22023', null, 'an empty object');
select throws_ok($$select ledger.ingest_event('[]')$$, '22023', null, 'an empty JSON array');
select throws_ok(format($$select ledger.ingest_event(%L)$$, jsonb_build_array(tests.envelope('t_bad', 'k1'))), '22023', null,
  'a JSON array holding an envelope');
select throws_ok($$select ledger.ingest_event('"an envelope"')$$, '22023', null, 'a JSON string');
select throws_ok($$select ledger.ingest_event('null')$$, '22023', null, 'JSON null');
select throws_ok($$select ledger.ingest_event(null)$$, '22023', null, 'a null envelope');
select throws_ok(format($$select ledger.ingest_event(%L)$$, tests.envelope('t_bad', 'k1', jsonb_build_object(f, null))), '22023', null, 'missing ' || f)
  from unnest(array['schema_version', 'tenant_id', 'store_id', 'source_system', 'event_id', 'event_type', 'occurred_at', 'txn_id']) f;
select throws_ok(format($$select ledger.ingest_event(%L)$$, tests.envelope('t_bad', 'k1', '{"store_id": ""}')), '22023', null, 'an empty required string');
select throws_ok(format($$select ledger.ingest_event(%L)$$, tests.envelope('t_bad', 'k1', '{"event_id": 42}')), '22023', null, 'event_id 42 (wrong type)');
select throws_ok(format($$select ledger.ingest_event(%L)$$, tests.envelope('t_bad', 'k1', '{"event_type": ["SALE"]}')), '22023', null, 'event_type an array');
select throws_ok(format($$select ledger.ingest_event(%L)$$, tests.envelope('t_bad', 'k1', '{"source_event_id": 7}')), '22023', null,
  'source_event_id present but not a string');
select throws_ok(format($$select ledger.ingest_event(%L)$$, tests.envelope('t_bad', 'k1', jsonb_build_object('occurred_at', v))), '22023', null,
  'occurred_at ' || v)
  from unnest(array['yesterday', '2026-02-30T00:00:00Z', '2026-02-25T00:00:00', '2026-02-25', '2026-02-25T12:60:00Z', '2026-02-25T24:00:00Z',
                    '2026-02-25T00:00:00+25:00', '25/02/2026 00:00:00 UTC']) v;
select throws_ok(format($$select ledger.ingest_event(%L)$$, tests.envelope(v, 'k1')), '22023', null, 'tenant_id ' || left(v, 20))
  from unnest(array['bad tenant!', 't/../other', repeat('t', 65)]) v;
select throws_ok(format($$select ledger.ingest_event(%L)$$, tests.envelope('t_nobody', 'k1')), '22023', null, 'an unknown tenant');
select throws_ok(format($$select ledger.ingest_event(%L)$$, tests.envelope('t_bad', 'k1', jsonb_build_object('deep', (repeat('[', 65) || repeat(']', 65))::jsonb))),
  '22023', null, 'nesting deeper than 64 levels');
select is((tests.arrive('deep63', tests.envelope('t_bad', 'deep63', jsonb_build_object('deep', (repeat('[', 64) || repeat(']', 64))::jsonb)))).result,
  'processed', 'nesting of 64 levels is accepted');
select throws_ok(format($$select ledger.ingest_event(%L)$$, tests.envelope('t_bad', repeat('k', 256))), '22023', null, 'event_id of 256 characters');
select throws_ok(format($$select ledger.ingest_event(%L)$$, tests.envelope('t_bad', v)), '22023', null, 'event_id with control character ' || to_hex(ascii(substr(v, 4, 1))))
  from unnest(array[E'evt\n1', E'evt\t1', E'evt\u00011', E'evt\u007f1', E'evt\u00851']) v;
select throws_ok($$select ledger.ingest_event('{"event_id": ')$$, '22P02', null, 'text that is not JSON: 22P02 from the jsonb cast');
select throws_ok($$select ledger.ingest_event('{"event_id": "\u0000"}')$$, '22P05', null, 'a \u0000 escape: 22P05 from the jsonb cast');
select throws_ok($$select ledger.ingest_event(repeat('[', 100000)::jsonb)$$, '54001', null, 'JSON nested too deep: 54001 from the jsonb cast');

select is(tests.error_paths(format($$select ledger.ingest_event(%L)$$, tests.envelope('t_bad', 'k1', '{"txn_id": null, "event_id": 42}'))),
  array['event_id', 'txn_id'], 'DETAIL lists every error with its path');
select is(tests.error_paths($$select ledger.ingest_event('[]')$$), array[''], 'a non-object is an error of the whole envelope (path '''')');

-- (Its txn_id and source_event_id, made from the key by tests.envelope, short: posting holds those to 200.)
select is((tests.arrive('longest', tests.envelope('t_bad', repeat('k', 255), '{"txn_id": "txn-longest", "source_event_id": "src-longest"}'))).result, 'processed', 'event_id of 255 characters is accepted');
select is((tests.arrive('unicode', tests.envelope('t_bad', 'évènement-№1'))).result, 'processed', 'printable non-ASCII characters are accepted');
select is((tests.arrive('offset', tests.envelope('t_bad', 'k-offset', '{"occurred_at": "2026-02-25T23:59:59.123+05:30"}'))).result, 'processed',
  'an RFC 3339 time with a fraction and an offset is accepted');
select is((select count(*)::int from ledger.events_raw where tenant_id = 't_bad'), 4, 'only the valid arrivals reached Bronze');

select * from finish();
rollback;
