-- migrate:up
-- Set-based posting (db/functions/615-posting-set.sql). A set-based call's arrivals carry what
-- their event type posts (sale, return, correction, reversal, none; null when the type is not
-- allowed), looked up once when they are judged: the posting steps after it sort, lock and post by
-- it without looking it up again per arrival.
alter type ledger_private.batch_item add attribute posting text;
comment on type ledger_private.batch_item is 'One arrival of a set-based ingest: its position, envelope and key, or (status set) why it is refused, and what its event type posts.';
-- The posting rules take the business day from a caller that has it (a fourth argument).
drop function if exists ledger_private.check_posting(jsonb, text, bigint);

-- migrate:down
drop function if exists ledger_private.check_posting(jsonb, text, bigint, date);
alter type ledger_private.batch_item drop attribute posting;
comment on type ledger_private.batch_item is 'One arrival of a set-based ingest: its position, envelope and key, or (status set) why it is refused.';
