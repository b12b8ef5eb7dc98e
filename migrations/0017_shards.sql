-- Scale-out (issue 15): what a database needs to be one shard of N behind a PL/Proxy router.
-- On a single node these tables stay empty and change nothing: pgbank_private.shard_config has no
-- row, so every account is local (docs/scaling.md).
--   shard_config  this shard's number and the number of shards (one row, written by npm run shards)
--   shard_outbox  cross-shard transfers paid here, waiting for (or done with) their credit
--   shard_inbox   cross-shard transfers credited (or refused) here, one row per original request
-- Clearing accounts are ordinary pgbank.users rows (ids ffffffff-ffff-ffff-ffff-<peer number>,
-- no lower limit), made by pgbank_private.shard_configure.

-- Up Migration
CREATE TABLE pgbank.shard_config (
  only_row    boolean NOT NULL DEFAULT true PRIMARY KEY CHECK (only_row),
  shard_no    int     NOT NULL,
  shard_count int     NOT NULL,
  configured_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT shard_config_power_of_two CHECK (shard_count BETWEEN 1 AND 1024 AND shard_count & (shard_count - 1) = 0),
  CONSTRAINT shard_config_number CHECK (shard_no >= 0 AND shard_no < shard_count)
);
COMMENT ON TABLE pgbank.shard_config IS
  'This database as a shard: its number and the shard count (a power of two); no row on a single node';

CREATE TABLE pgbank.shard_outbox (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account        uuid               NOT NULL,   -- the payer (an account of this shard)
  request_id     pgbank.request_key NOT NULL,   -- the payer's request: its pgbank.requests row
  to_account     uuid               NOT NULL,   -- the payee, on to_shard
  to_shard       int                NOT NULL,
  amount         pgbank.amount      NOT NULL,
  transaction_id bigint             NOT NULL,   -- the payer -> clearing row here
  ts             timestamptz        NOT NULL,
  status         text               NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'returned')),
  reason         text,                          -- why it came back (returned)
  credit_transaction_id bigint,                 -- the clearing -> payee row on to_shard (delivered)
  return_transaction_id bigint,                 -- the clearing -> payer row here (returned)
  finished_at    timestamptz,
  UNIQUE (account, request_id)
);
CREATE INDEX shard_outbox_pending_idx ON pgbank.shard_outbox (id) WHERE status = 'pending';
COMMENT ON TABLE pgbank.shard_outbox IS
  'Cross-shard transfers paid on this shard (payer -> clearing account of the payee''s shard), pending until credited there or returned';

CREATE TABLE pgbank.shard_inbox (
  account        uuid               NOT NULL,   -- the payer, on from_shard
  request_id     pgbank.request_key NOT NULL,
  from_shard     int                NOT NULL,
  to_account     uuid               NOT NULL,   -- the payee (here, if it exists)
  amount         pgbank.amount      NOT NULL,
  outcome        text               NOT NULL CHECK (outcome IN ('credited', 'returned')),
  reason         text,                          -- why returned: unknown_account, balance_limit
  transaction_id bigint,                        -- the clearing -> payee row here (credited)
  ts             timestamptz        NOT NULL DEFAULT now(),
  PRIMARY KEY (account, request_id)
);
COMMENT ON TABLE pgbank.shard_inbox IS
  'Cross-shard transfers received by this shard, once per original (payer, request_id): credited or returned';

-- Down Migration
DROP TABLE pgbank.shard_inbox;
DROP TABLE pgbank.shard_outbox;
DROP TABLE pgbank.shard_config;
