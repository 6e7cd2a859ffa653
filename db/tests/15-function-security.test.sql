-- The functions callers use: security definer where they write (they act for a role that may
-- not touch the tables), every one with search_path pinned to pg_catalog, pg_temp (and so every
-- security definer helper); the other private helpers run inside those and inherit their path
-- (see db/functions/010-context.sql); nothing is executable by PUBLIC; each caller role can
-- execute exactly its functions.
begin;
select plan(16);

select is_empty($$
  select p.oid::regprocedure from pg_proc p
  where (p.pronamespace = 'ledger'::regnamespace or (p.pronamespace = 'ledger_private'::regnamespace and p.prosecdef))
    and not coalesce(p.proconfig @> array['search_path=pg_catalog, pg_temp'], false)
$$, 'every function of ledger, and every security definer one, pins search_path to pg_catalog, pg_temp');
select is_empty($$
  select p.oid::regprocedure from pg_proc p
  where p.pronamespace = 'ledger'::regnamespace and p.proname in ('ingest_event', 'ingest_events', 'resolve_exception', 'assign_exception',
    'health', 'record_rejection') and not p.prosecdef
$$, 'the writing functions of ledger are security definer');
select is((select count(*)::int from pg_proc p where p.pronamespace = 'ledger'::regnamespace
           and p.proname in ('ingest_event', 'ingest_events', 'resolve_exception', 'assign_exception', 'health', 'record_rejection')), 6,
  'all six exist');
select is_empty($$
  select p.oid::regprocedure from pg_proc p
  where p.pronamespace = 'ledger_private'::regnamespace and p.prosecdef and p.proname not in ('authenticate_api_key', 'ingest_texts')
$$, 'no private helper is security definer but the key lookup and the edge''s text ingest');
select is_empty($$
  select p.oid::regprocedure from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
  where p.pronamespace in ('ledger'::regnamespace, 'ledger_private'::regnamespace) and a.grantee = 0
$$, 'PUBLIC executes no function of ledger or ledger_private');

select function_privs_are('ledger', 'ingest_event', array['jsonb', 'text'], 'ledger_ingest', array['EXECUTE'], 'ingest_event: ledger_ingest');
select function_privs_are('ledger', 'ingest_event', array['jsonb', 'text'], 'ledger_operator', array[]::text[], 'ingest_event: not ledger_operator');
select function_privs_are('ledger', 'ingest_events', array['jsonb'], 'ledger_readonly', array[]::text[], 'ingest_events: not ledger_readonly');
select function_privs_are('ledger', 'resolve_exception', array['uuid', 'text', 'text', 'jsonb', 'bigint', 'text'], 'ledger_operator', array['EXECUTE'],
  'resolve_exception: ledger_operator');
select function_privs_are('ledger', 'resolve_exception', array['uuid', 'text', 'text', 'jsonb', 'bigint', 'text'], 'ledger_ingest', array[]::text[],
  'resolve_exception: not ledger_ingest');
select function_privs_are('ledger', 'resolve_exception', array['uuid', 'text', 'text', 'jsonb', 'bigint', 'text'], 'ledger_readonly', array[]::text[],
  'resolve_exception: not ledger_readonly');
select function_privs_are('ledger', 'assign_exception', array['uuid', 'text'], 'ledger_operator', array['EXECUTE'], 'assign_exception: ledger_operator');
select function_privs_are('ledger', 'health', array['text'], r, array['EXECUTE'], 'health: ' || r)
  from unnest(array['ledger_ingest', 'ledger_readonly', 'ledger_operator']) r;
select is_empty($$
  select p.oid::regprocedure from pg_proc p
  where p.pronamespace in ('ledger'::regnamespace, 'ledger_private'::regnamespace)
    and has_function_privilege('ledger_edge', p.oid, 'EXECUTE')
    and p.oid not in ('ledger_private.authenticate_api_key(bytea)'::regprocedure, 'ledger_private.ingest_event_as(text, text, jsonb, text)'::regprocedure,
                      'ledger_private.ingest_texts(text[], integer[], text[], uuid[], text[], jsonb[])'::regprocedure)
$$, 'ledger_edge itself executes only the key lookup and its two ingest entries');

select * from finish();
rollback;
