-- ingest_events processes a batch's new events together (set-based) and the rest one by one; the
-- outcome must be what one-by-one ingestion in the batch's order gives, including when the
-- set-based step fails and every event falls back to the one-by-one path.
begin;
select plan(13);

select tests.make_tenant('t_set');
select tests.as_producer('t_set');
select ledger.ingest_event(tests.envelope('t_set', 'old'));
select tests.arrive_batch('b1', jsonb_build_array(
  tests.envelope('t_set', 'n1'),
  tests.envelope('t_set', 'old'),
  tests.envelope('t_set', 'n2'),
  tests.envelope('t_set', 'n1'),
  tests.envelope('t_set', 'n2', '{"total_amount": 1}'),
  tests.envelope('t_set', 'n3')));
select tests.as_owner();
select is(nullif(current_setting('ledger.ingest_fallbacks', true), ''), null, 'the batch went set-based');

select is((select array_agg((answer).result || ':' || (answer).attempt order by position) from tests.arrivals where step like 'b1:%'),
  array['processed:1', 'duplicate:2', 'processed:1', 'duplicate:2', 'quarantined:2', 'processed:1'],
  'new keys processed, a key seen before and later arrivals of a key answered in order');
select is((select array_agg((answer).status order by position) from tests.arrivals where step like 'b1:%'),
  array[201, 200, 201, 200, 202, 201], 'statuses');
select is((select array_agg(r.result order by r.raw_id) from ledger.events_raw r where r.tenant_id = 't_set' and r.idempotency_key = 'n2'),
  array['processed', 'quarantined'], 'each key''s Bronze rows are in arrival order');
select is((select count(*)::int from ledger.events_raw where tenant_id = 't_set'), 7, 'every arrival has its Bronze row');
select is((select array_agg(source order by raw_id) from ledger.events_raw where tenant_id = 't_set' and idempotency_key = 'n1'),
  array['batch', 'batch'], 'source batch on both paths');
select ok(tests.counts_match('t_set'), 'counts equal count(*) after a set-based batch');
select is((tests.answer('b1:1')).raw_id, (select raw_id from ledger.events_raw where tenant_id = 't_set' and idempotency_key = 'n1' and attempt = 1),
  'a set-based answer names its Bronze row');

-- The set-based step fails (a trigger refuses one key's processing): the whole step is rolled
-- back, every event goes one by one, and only the refused one is quarantined as PROCESSING_ERROR.
create function pg_temp.refuse_boom() returns trigger language plpgsql as $$
begin
  if new.idempotency_key = 'boom' and new.status = 'processed' then
    raise exception 'injected failure';
  end if;
  return new;
end $$;
create trigger refuse_boom before insert or update on ledger.events_processed for each row execute function pg_temp.refuse_boom();
select tests.as_producer('t_set');
select tests.arrive_batch('b2', jsonb_build_array(tests.envelope('t_set', 'f1'), tests.envelope('t_set', 'boom'), tests.envelope('t_set', 'f2')));
select tests.as_owner();
select is(current_setting('ledger.ingest_fallbacks', true), '1', 'the failing batch fell back to one by one, counted');
select is((select array_agg((answer).result || ':' || coalesce((answer).reason_code, '-') order by position) from tests.arrivals where step like 'b2:%'),
  array['processed:-', 'quarantined:PROCESSING_ERROR', 'processed:-'], 'fallback: one PROCESSING_ERROR, the others processed');
select is((select count(*)::int from ledger.events_raw where tenant_id = 't_set' and idempotency_key in ('f1', 'boom', 'f2')), 3, 'all three in Bronze');
select is((select count(*)::int from ledger.exceptions where tenant_id = 't_set' and idempotency_key = 'boom' and status = 'open'), 1, 'boom is held');
select ok(tests.counts_match('t_set'), 'counts still equal count(*)');

select * from finish();
rollback;
