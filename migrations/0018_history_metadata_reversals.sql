-- Account history and reversals (issue 16): metadata and the reversal link on every ledger row,
-- what a reversal has taken back of each original, requests of kind 'reverse', and what
-- history() returns.
-- On pgbank.transactions (partitioned, ~1,450 partitions) the new columns have no default: adding
-- them writes the catalog only, no partition is rewritten or scanned. The one index added is a
-- BRIN on id (reverse() finds a transaction by its id): small, and an insert into it costs next to
-- nothing; building it reads every partition once (1.4 s at 3,000,000 rows).

-- Up Migration
ALTER TABLE pgbank.transactions
  ADD COLUMN metadata jsonb,
  ADD COLUMN reverses bigint;
COMMENT ON COLUMN pgbank.transactions.metadata IS
  'The client''s metadata (a JSON object, at most 4,096 bytes as text), stored and returned with the row; NULL when none';
COMMENT ON COLUMN pgbank.transactions.reverses IS
  'For a reversal: the id of the transaction it takes money back from (that one''s receiver pays its sender); NULL otherwise';
CREATE INDEX transactions_id_brin ON pgbank.transactions USING brin (id) WITH (pages_per_range = 16);

-- One row per transaction that a reversal took money back from: how much in all, and by which
-- reversals. The CHECK is the ledger's last word on "never more than the original"; reverse()
-- locks both accounts and this row before it reads reversed.
CREATE TABLE pgbank.reversals (
  transaction_id bigint        PRIMARY KEY,     -- the original
  ts             timestamptz   NOT NULL,        -- where the original row is (its partition)
  sender         uuid          NOT NULL,
  receiver       uuid          NOT NULL,
  amount         pgbank.amount NOT NULL,        -- the original's amount
  reversed       numeric(22,2) NOT NULL DEFAULT 0,
  reversal_ids   bigint[]      NOT NULL DEFAULT '{}',  -- the effective reversals, oldest first
  CONSTRAINT reversals_within_original CHECK (reversed >= 0 AND reversed <= amount)
);
COMMENT ON TABLE pgbank.reversals IS
  'Per reversed transaction: the sum of its effective reversals (never more than its amount) and their ids';

-- A reversal is a request of its own kind, keyed like a transfer by the account that pays (the
-- original's receiver), and remembers which transaction it reverses.
ALTER DOMAIN pgbank.request_kind DROP CONSTRAINT request_kind_check;
ALTER DOMAIN pgbank.request_kind ADD CONSTRAINT request_kind_check
  CHECK (VALUE IN ('transfer', 'top_up', 'batch', 'hold', 'reverse'));
ALTER TABLE pgbank.requests ADD COLUMN reverses bigint;
COMMENT ON COLUMN pgbank.requests.reverses IS 'For a reversal: the transaction it reverses';

-- What the API returns.
CREATE TYPE pgbank.reverse_result AS (
  request_id text, status text, reason text, transaction_id bigint, ts timestamptz,
  from_account uuid, to_account uuid, amount numeric, reverses bigint, replayed boolean);
CREATE TYPE pgbank.history_entry AS (
  transaction_id bigint, ts timestamptz, direction text, counterparty uuid, amount numeric,
  status text, reason text, balance_after numeric, metadata jsonb, reverses bigint,
  reversed_by bigint[], cursor text);
GRANT USAGE ON TYPE pgbank.reverse_result, pgbank.history_entry TO pgbank_app;

-- Down Migration
DROP TYPE pgbank.history_entry, pgbank.reverse_result CASCADE;  -- and history(), reverse()
DROP FUNCTION IF EXISTS pgbank_private.find_transaction(bigint);  -- returns a transactions row: 0002's down drops the table
ALTER TABLE pgbank.requests DROP COLUMN reverses;
DELETE FROM pgbank.requests WHERE kind = 'reverse';
ALTER DOMAIN pgbank.request_kind DROP CONSTRAINT request_kind_check;
ALTER DOMAIN pgbank.request_kind ADD CONSTRAINT request_kind_check
  CHECK (VALUE IN ('transfer', 'top_up', 'batch', 'hold'));
DROP TABLE pgbank.reversals;
DROP INDEX pgbank.transactions_id_brin;
ALTER TABLE pgbank.transactions DROP COLUMN reverses, DROP COLUMN metadata;
