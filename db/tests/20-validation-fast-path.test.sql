-- ingest's fast path (envelope_is_valid) must agree with the worded rules (envelope_errors) on
-- every envelope: a disagreement would let an invalid envelope through or refuse a valid one.
begin;
select plan(2);

select tests.make_tenant('t_fast');

create temp table corpus on commit drop as
select tests.envelope('t_fast', 'k1') as e
union all select tests.envelope('t_fast', 'k1', jsonb_build_object(f, v))
  from unnest(array['schema_version', 'tenant_id', 'store_id', 'source_system', 'event_id', 'event_type', 'occurred_at', 'txn_id', 'source_event_id']) f,
       unnest(array['null', '""', '42', '[]', '{}', '"x"', 'true']::jsonb[]) v
union all select tests.envelope('t_fast', 'k1', jsonb_build_object('occurred_at', v))
  from unnest(array['2026-02-25T00:00:00Z', '2026-02-25T00:00:00.123+05:30', '2026-02-25 00:00:00z', 'yesterday', '2026-02-30T00:00:00Z',
                    '2026-02-25T24:00:00Z', '2026-02-25T23:59:60Z', '2026-02-25T00:00:00']) v
union all select tests.envelope(v, 'k1') from unnest(array['t_fast', 't_unknown', 'bad tenant', repeat('t', 65), '']) v
union all select tests.envelope('t_fast', v) from unnest(array[repeat('k', 255), repeat('k', 256), E'k\n', E'k\u0085', 'ké', '']) v
union all select v from unnest(array['{}', '[]', '"s"', 'null', '1']::jsonb[]) v
union all select tests.envelope('t_fast', 'k1', jsonb_build_object('deep', (repeat('[', n) || repeat(']', n))::jsonb)) from unnest(array[62, 63, 64, 65, 500]) n
union all select null;

select is_empty($$
  select e from corpus
  where ledger_private.envelope_is_valid(e) is distinct from (jsonb_array_length(ledger_private.envelope_errors(e)) = 0)
$$, 'envelope_is_valid agrees with envelope_errors on every envelope of the corpus');
select cmp_ok((select count(*)::int from corpus where ledger_private.envelope_is_valid(e)), '>=', 5, 'and the corpus holds valid ones');

select * from finish();
rollback;
