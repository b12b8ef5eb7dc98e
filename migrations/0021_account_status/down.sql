-- Down Migration
DROP FUNCTION IF EXISTS pgbank.set_account_status(uuid, text, text, text, boolean);
DROP FUNCTION IF EXISTS pgbank.account_status_changes(uuid);
DROP FUNCTION IF EXISTS pgbank_private.failure_reason(uuid, uuid, text);
COMMENT ON COLUMN pgbank.transactions.reason IS 'Why an attempt failed: insufficient_funds, unknown_account, same_account';
ALTER TYPE pgbank.account DROP ATTRIBUTE credits_frozen, DROP ATTRIBUTE status;
DROP TABLE pgbank.account_status_changes;
ALTER TABLE pgbank.users DROP COLUMN credits_frozen, DROP COLUMN status;
DROP DOMAIN pgbank.account_status;
