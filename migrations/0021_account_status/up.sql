-- Account status (issue 16): an account is open, frozen (no debits; with credits_frozen, no
-- credits either) or closed (final; only with a zero balance and nothing held). The ledger
-- trigger, holds and batches check it under the same row lock as the money they move, so no
-- transfer slips past a freeze. Every change is recorded with who and why. users is a hot
-- table: the rule on status is a domain, not a CHECK (docs/ledger.md; 0012). Adding columns with
-- constant defaults rewrites no row. The functions below (down/) are as they were before this
-- migration; the functions step (functions/ledger/) keeps them current.

-- Up Migration
CREATE DOMAIN pgbank.account_status AS text COLLATE "C" CHECK (VALUE IN ('open', 'frozen', 'closed'));
COMMENT ON DOMAIN pgbank.account_status IS 'open: moves both ways; frozen: no debits (credits unless credits_frozen); closed: nothing, final';

ALTER TABLE pgbank.users
  ADD COLUMN status         pgbank.account_status NOT NULL DEFAULT 'open',
  ADD COLUMN credits_frozen boolean               NOT NULL DEFAULT false;
COMMENT ON COLUMN pgbank.users.status IS
  'open, frozen or closed; changed only by pgbank.set_account_status (recorded in account_status_changes)';
COMMENT ON COLUMN pgbank.users.credits_frozen IS
  'While frozen: credits are refused too (false unless status is frozen)';

-- Every status change: who (the caller's changed_by and the database login), why, when.
CREATE TABLE pgbank.account_status_changes (
  account        uuid                  NOT NULL,
  id             bigint                GENERATED ALWAYS AS IDENTITY,
  from_status    pgbank.account_status NOT NULL,
  to_status      pgbank.account_status NOT NULL,
  credits_frozen boolean               NOT NULL,
  changed_by     text                  NOT NULL,
  reason         text                  NOT NULL,
  db_user        text                  NOT NULL DEFAULT session_user,
  changed_at     timestamptz           NOT NULL DEFAULT clock_timestamp(),  -- taken with the account's row locked
  PRIMARY KEY (account, id)
);
COMMENT ON TABLE pgbank.account_status_changes IS
  'Every account status change (pgbank.set_account_status): from, to, credits flag, who, why, when';

-- The API's account gains its status (no table or column has this type: ALTER is enough).
ALTER TYPE pgbank.account ADD ATTRIBUTE status text, ADD ATTRIBUTE credits_frozen boolean;

COMMENT ON COLUMN pgbank.transactions.reason IS
  'Why an attempt failed: unknown_account, same_account, account_closed, account_frozen, insufficient_funds (in that priority)';
