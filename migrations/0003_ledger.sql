-- The ledger: users become accounts (balance, held, lower limit, version), the world account
-- that top-ups come from, idempotent requests, and two-phase holds.

-- Up Migration
ALTER TABLE pgbank.users
  ADD COLUMN balance     numeric     NOT NULL DEFAULT 0,
  ADD COLUMN held        numeric     NOT NULL DEFAULT 0,   -- reserved by open holds
  ADD COLUMN lower_limit numeric              DEFAULT 0,   -- balance - held never goes below; NULL: no limit
  ADD COLUMN version     bigint      NOT NULL DEFAULT 0,   -- +1 on every change of balance or held
  ADD COLUMN modified_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN pgbank.users.balance IS 'Posted balance: received minus sent, effective transactions only (kept by trigger)';
COMMENT ON COLUMN pgbank.users.held IS 'Sum of open holds this account pays (kept by trigger); available = balance - held';

-- The outside world: top-ups come from it, withdrawals go to it. It has no lower limit and keeps
-- no balance (every top-up would queue on its row): the sum of all other balances is what came in.
INSERT INTO pgbank.users (id, name, created_at, lower_limit)
VALUES ('00000000-0000-0000-0000-000000000000', 'world', '2023-01-01 00:00:00+00', NULL);

-- History written before this migration: balances are what the transactions say, and an account
-- that would stand below 0 gets an opening top-up from the world (dated at the start of history).
CREATE TEMP TABLE ledger_net ON COMMIT DROP AS
SELECT u.id, coalesce(r.amount, 0) - coalesce(s.amount, 0) AS net
  FROM pgbank.users u
  LEFT JOIN (SELECT receiver, sum(amount) AS amount FROM pgbank.transactions WHERE status = 'success' GROUP BY 1) r ON r.receiver = u.id
  LEFT JOIN (SELECT sender, sum(amount) AS amount FROM pgbank.transactions WHERE status = 'success' GROUP BY 1) s ON s.sender = u.id;
INSERT INTO pgbank.transactions (ts, sender, receiver, amount, status)
SELECT '2023-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000000', n.id, -n.net, 'success'
  FROM ledger_net n
 WHERE n.net < 0 AND n.id <> '00000000-0000-0000-0000-000000000000';
UPDATE pgbank.users u
   SET balance = n.net + CASE WHEN n.net < 0 THEN -n.net ELSE 0 END
  FROM ledger_net n
 WHERE n.id = u.id AND u.id <> '00000000-0000-0000-0000-000000000000';

ALTER TABLE pgbank.users
  ADD CONSTRAINT users_within_lower_limit CHECK (lower_limit IS NULL OR balance - held >= lower_limit),
  ADD CONSTRAINT users_held_not_negative CHECK (held >= 0),
  ADD CONSTRAINT users_lower_limit_finite CHECK (lower_limit IS NULL OR (lower_limit <= 0 AND lower_limit > '-Infinity'));

ALTER TABLE pgbank.transactions ADD COLUMN reason text;
COMMENT ON COLUMN pgbank.transactions.reason IS 'Why an attempt failed: insufficient_funds, unknown_account, same_account';

-- One row per client request, keyed by the paying account and the client's request id, written
-- with its outcome in the transaction that performs it; a repeat returns that outcome.
CREATE TABLE pgbank.requests (
  account         uuid        NOT NULL,           -- the paying account (for a top-up: the account topped up)
  request_id      text        NOT NULL CHECK (request_id <> '' AND length(request_id) <= 200),
  kind            text        NOT NULL CHECK (kind IN ('transfer', 'top_up', 'batch', 'hold')),
  from_accounts   uuid[],                         -- batches: every payer (account is the first)
  to_accounts     uuid[]      NOT NULL,
  amounts         numeric[]   NOT NULL,
  expires_in      interval,                       -- holds
  status          text        NOT NULL CHECK (status IN ('success', 'failed')),
  reason          text,
  transaction_ids bigint[],
  ts              timestamptz,                    -- time of the transaction(s) it wrote
  hold_id         uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account, request_id)
);
COMMENT ON TABLE pgbank.requests IS 'Idempotency: every request by (paying account, request_id), its parameters and outcome';

-- Two-phase transfers: funds reserved now (the transaction row is 'held'), posted or voided
-- later, or expired by pg_cron.
CREATE TABLE pgbank.holds (
  account        uuid        NOT NULL,            -- the paying account (from)
  id             uuid        NOT NULL DEFAULT gen_random_uuid(),
  request_id     text        NOT NULL,
  receiver       uuid        NOT NULL,
  amount         numeric     NOT NULL CHECK (amount > 0),
  status         text        NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'posted', 'voided', 'expired')),
  posted_amount  numeric     CHECK (posted_amount > 0 AND posted_amount <= amount),
  expires_at     timestamptz NOT NULL,
  transaction_id bigint      NOT NULL,
  ts             timestamptz NOT NULL,            -- where the transaction row is now
  created_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  PRIMARY KEY (account, id)
);
CREATE INDEX holds_id_idx ON pgbank.holds (id);
CREATE INDEX holds_due_idx ON pgbank.holds (expires_at) WHERE status = 'held';
COMMENT ON TABLE pgbank.holds IS 'Two-phase transfers: held, then posted (fully or partly), voided or expired, exactly once';

-- What the API returns.
CREATE TYPE pgbank.account AS (
  id uuid, name text, balance numeric, available numeric, held numeric, lower_limit numeric,
  version bigint, created_at timestamptz, modified_at timestamptz);
CREATE TYPE pgbank.transfer_result AS (
  request_id text, status text, reason text, transaction_id bigint, ts timestamptz,
  from_account uuid, to_account uuid, amount numeric, replayed boolean);
CREATE TYPE pgbank.hold_result AS (
  hold_id uuid, status text, reason text, request_id text, transaction_id bigint, ts timestamptz,
  from_account uuid, to_account uuid, amount numeric, posted_amount numeric, expires_at timestamptz,
  replayed boolean);
GRANT USAGE ON TYPE pgbank.account, pgbank.transfer_result, pgbank.hold_result TO pgbank_app;

-- Down Migration
DROP TYPE pgbank.hold_result, pgbank.transfer_result, pgbank.account CASCADE;
DROP TABLE pgbank.holds CASCADE;     -- and the helper functions taking its row type
DROP TABLE pgbank.requests CASCADE;
ALTER TABLE pgbank.transactions DROP COLUMN reason;
ALTER TABLE pgbank.users DROP CONSTRAINT users_within_lower_limit, DROP CONSTRAINT users_held_not_negative,
  DROP CONSTRAINT users_lower_limit_finite;
DELETE FROM pgbank.transactions WHERE sender = '00000000-0000-0000-0000-000000000000' OR receiver = '00000000-0000-0000-0000-000000000000';
DELETE FROM pgbank.users WHERE id = '00000000-0000-0000-0000-000000000000';
ALTER TABLE pgbank.users DROP COLUMN balance, DROP COLUMN held, DROP COLUMN lower_limit, DROP COLUMN version, DROP COLUMN modified_at;
