-- ledger_private.merge_patch against RFC 7396: every example of Appendix A, and the example of
-- section 3. Run as the owner: callers reach it only through resolve_exception.
begin;
select plan(16);

select is(ledger_private.merge_patch('{"a":"b"}', '{"a":"c"}'), '{"a":"c"}'::jsonb, 'A.1 a member replaced');
select is(ledger_private.merge_patch('{"a":"b"}', '{"b":"c"}'), '{"a":"b","b":"c"}'::jsonb, 'A.2 a member added');
select is(ledger_private.merge_patch('{"a":"b"}', '{"a":null}'), '{}'::jsonb, 'A.3 a member removed');
select is(ledger_private.merge_patch('{"a":"b","b":"c"}', '{"a":null}'), '{"b":"c"}'::jsonb, 'A.4 one member removed, the other kept');
select is(ledger_private.merge_patch('{"a":["b"]}', '{"a":"c"}'), '{"a":"c"}'::jsonb, 'A.5 an array replaced by a string');
select is(ledger_private.merge_patch('{"a":"c"}', '{"a":["b"]}'), '{"a":["b"]}'::jsonb, 'A.6 a string replaced by an array');
select is(ledger_private.merge_patch('{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}'), '{"a":{"b":"d"}}'::jsonb, 'A.7 nested objects merge');
select is(ledger_private.merge_patch('{"a":[{"b":"c"}]}', '{"a":[1]}'), '{"a":[1]}'::jsonb, 'A.8 arrays are replaced, not merged');
select is(ledger_private.merge_patch('["a","b"]', '["c","d"]'), '["c","d"]'::jsonb, 'A.9 an array patch replaces an array');
select is(ledger_private.merge_patch('{"a":"b"}', '["c"]'), '["c"]'::jsonb, 'A.10 an array patch replaces an object');
select is(ledger_private.merge_patch('{"a":"foo"}', 'null'), 'null'::jsonb, 'A.11 a null patch gives null');
select is(ledger_private.merge_patch('{"a":"foo"}', '"bar"'), '"bar"'::jsonb, 'A.12 a string patch gives the string');
select is(ledger_private.merge_patch('{"e":null}', '{"a":1}'), '{"e":null,"a":1}'::jsonb, 'A.13 a null member of the target is kept');
select is(ledger_private.merge_patch('[1,2]', '{"a":"b","c":null}'), '{"a":"b"}'::jsonb, 'A.14 an object patch on a non-object starts from {}');
select is(ledger_private.merge_patch('{}', '{"a":{"bb":{"ccc":null}}}'), '{"a":{"bb":{}}}'::jsonb, 'A.15 removing from a missing object leaves it empty');
select is(
  ledger_private.merge_patch(
    '{"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"}, "tags": ["example", "sample"], "content": "This will be unchanged"}',
    '{"title": "Hello!", "phoneNumber": "+01-123-456-7890", "author": {"familyName": null}, "tags": ["example"]}'),
  '{"title": "Hello!", "author": {"givenName": "John"}, "tags": ["example"], "content": "This will be unchanged", "phoneNumber": "+01-123-456-7890"}'::jsonb,
  'section 3: the example document');

select * from finish();
rollback;
