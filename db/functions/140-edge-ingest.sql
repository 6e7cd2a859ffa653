-- The edge's hot path as one prepared statement. Elsewhere the edge sends the caller's role,
-- tenant and actor as set_config calls in the same message as its query; for ingest that text
-- (and the envelope inlined in it) was parsed and planned anew on every request. Here the settings
-- are taken as parameters and set inside the statement's own transaction, then the same
-- ledger.ingest_event runs as the producer's role, under the same grants and rules.

create or replace function ledger_private.ingest_event_as(p_tenant_id text, p_actor text, p_envelope jsonb, p_source text)
returns ledger.ingest_answer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  perform set_config('role', 'ledger_ingest', true),
          set_config('ledger.tenant_id', coalesce(p_tenant_id, ''), true),
          set_config('ledger.actor', coalesce(p_actor, ''), true);
  return ledger.ingest_event(p_envelope, p_source);
end
$$;
comment on function ledger_private.ingest_event_as(text, text, jsonb, text) is
  'For the edge (ledger_edge) only: becomes ledger_ingest bound to p_tenant_id for the rest of the transaction, then calls ledger.ingest_event. Security invoker: ledger_edge may become ledger_ingest anyway.';
revoke all on function ledger_private.ingest_event_as(text, text, jsonb, text) from public;
grant execute on function ledger_private.ingest_event_as(text, text, jsonb, text) to ledger_edge;
