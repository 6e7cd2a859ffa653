-- Who can own an exception, and how old the queue is.

create or replace function ledger.list_operators()
returns table (name text, actor text)
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select distinct k.name, 'operator:' || k.name
  from ledger_private.api_keys k
  where k.role = 'operator' and k.revoked_at is null
  order by 1
$$;
comment on function ledger.list_operators() is
  E'@behavior -*\nThe operators exceptions can be assigned to: the names of the live operator keys, and the actor each is recorded as (operator:<name>). Nothing else of the keys is read.';
revoke all on function ledger.list_operators() from public;
grant execute on function ledger.list_operators() to ledger_operator;

create or replace function ledger.oldest_open_exceptions()
returns table (reason_code text, oldest_opened_at timestamptz, age_seconds double precision)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  -- One index probe per reason (exceptions_open_age_idx), however long the queue.
  select c.reason_code, o.opened_at, coalesce(extract(epoch from now() - o.opened_at)::double precision, 0)
  from ledger.reason_codes c
  left join lateral (
    select e.opened_at from ledger.exceptions e
    where e.status = 'open' and e.reason_code = c.reason_code
    order by e.opened_at limit 1) o on true
  where c.kind = 'quarantine'
  order by c.reason_code
$$;
comment on function ledger.oldest_open_exceptions() is
  E'@behavior -*\nFor every quarantine reason code: when its oldest open exception opened and how many seconds ago (0 when none is open). What /metrics exports as ledger_exception_oldest_open_seconds.';
revoke all on function ledger.oldest_open_exceptions() from public;
grant execute on function ledger.oldest_open_exceptions() to ledger_readonly;
