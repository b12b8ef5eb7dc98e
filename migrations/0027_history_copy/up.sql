-- Up Migration
-- One row per account and ledger row (a transfer is a 'sent' row of its sender and a 'received'
-- row of its receiver; the world account keeps none, as it keeps no history): a page is one
-- backward scan of one index. No primary key: the ledger's own (sender, ts, id) makes a row's
-- pair unique, and the copy only follows it.
CREATE TABLE pgbank.history_copy (
  account      uuid        NOT NULL,
  ts           timestamptz NOT NULL,
  id           bigint      NOT NULL,
  sent         boolean     NOT NULL,
  counterparty uuid        NOT NULL,
  amount       numeric     NOT NULL,
  status       text        NOT NULL,
  reason       text,
  metadata     jsonb,
  reverses     bigint
);
CREATE INDEX history_copy_account_ts_id_idx ON pgbank.history_copy (account, ts, id);
COMMENT ON TABLE pgbank.history_copy IS
  'The rows of pgbank.transactions stamped before copied_until (history_copy_state), one per account and row; derived, kept by triggers on those days'' partitions';

CREATE TABLE pgbank.history_copy_state (
  only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  copied_until date    -- the days before it are in the copy; NULL: none is
);
INSERT INTO pgbank.history_copy_state DEFAULT VALUES;
COMMENT ON TABLE pgbank.history_copy_state IS
  'One row: the UTC day before which pgbank.history_copy holds every ledger row (NULL: nothing copied yet)';
